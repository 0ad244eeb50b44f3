import { ApiObject, Chart, Testing } from 'cdk8s';
import { validateManifests } from '../validate/k8s';

/** Synthesizes a chart and checks every manifest against the official schemas. */
export function synth(chart: Chart): any[] {
  const docs = Testing.synth(chart);
  validateManifests(docs);
  return docs;
}

/** The pod template ({metadata, spec}) of a synthesized workload. */
export function podOf(doc: any): { metadata: any; spec: any } {
  switch (doc.kind) {
    case 'Pod': return doc;
    case 'CronJob': return doc.spec.jobTemplate.spec.template;
    default: return doc.spec.template;
  }
}

export function findDoc(docs: any[], kind: string, name?: string): any {
  const found = docs.filter(d => d.kind === kind && (name === undefined || d.metadata.name === name));
  if (found.length !== 1) { throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`); }
  return found[0];
}

export const names = (containers: any[] | undefined) => (containers ?? []).map(c => c.name);

/** A minimal raw Deployment with one app container. */
export function rawDeployment(chart: Chart, id: string, containers: any[] = [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0', ports: [{ containerPort: 8080 }] }], extraSpec: any = {}): ApiObject {
  return new ApiObject(chart, id, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: id },
    spec: {
      selector: { matchLabels: { app: id } },
      template: { metadata: { labels: { app: id } }, spec: { containers, ...extraSpec } },
    },
  });
}

export function newChart(id = 'web'): Chart {
  return new Chart(Testing.app(), id);
}
