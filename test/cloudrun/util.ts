import * as YAML from 'yaml';
import { Probe } from '../../src';
import { CloudRunApp, CloudRunService, CloudRunServiceProps } from '../../src/cloudrun';
import { validateCloudRunService } from '../validate/cloudrun';

/** Renders the service, checks it against the Cloud Run Admin API and the Knative CRD, returns the document and its revision spec. */
export function synthService(service: CloudRunService): { doc: any; spec: any; annotations: any; text: string; byName: (n: string) => any } {
  const text = service.toYaml();
  const doc = YAML.parse(text);
  validateCloudRunService(doc);
  const spec = doc.spec.template.spec;
  const byName = (n: string) => spec.containers.find((c: any) => c.name === n);
  return { doc, spec, annotations: doc.spec.template.metadata.annotations, text, byName };
}

export function appProps(): CloudRunServiceProps {
  return {
    region: 'europe-west1',
    containers: [{
      name: 'api',
      image: 'europe-docker.pkg.dev/acme/shop/api:4.2.0',
      port: 8080,
      cpuMillicores: 1000,
      environment: { LOG_FORMAT: 'json' },
      secretEnvironment: { DB_PASSWORD: { secret: 'db-password' } },
      startupProbe: Probe.httpGet({ port: 8080, path: '/ready' }),
    }],
  };
}

export function appService(app: CloudRunApp, props: Partial<CloudRunServiceProps> = {}): CloudRunService {
  return new CloudRunService(app, 'shop', { ...appProps(), ...props });
}
