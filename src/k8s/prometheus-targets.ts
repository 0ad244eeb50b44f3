/**
 * What the Prometheus constructs read from a workload and its composed pod: the sidecars' metrics
 * endpoints, the labels that select the pods, and the names the controllers give the pods.
 * Internal: not exported from the package (it works on the neutral model's resolved types).
 */
import { regexLiteral } from './promql';
import { podTemplate } from './workload';
import { StartupRole } from '../core/container';
import { Errors } from '../core/errors';
import { ResolvedContainer, ResolvedPort } from '../core/resolve';

/** One metrics endpoint of a sidecar in the composed pod. */
export interface SidecarMetricsEndpoint {
  readonly sidecarPath: string;
  readonly container: ResolvedContainer;
  readonly port: ResolvedPort & { readonly name: string; readonly metricsPath: string };
}

/**
 * The Prometheus endpoints of the long-running sidecar containers of a composed pod: the ports
 * that declare a `metricsPath` (named, declared TCP ports: core/resolve.ts checks it). Init steps
 * exit before the app starts and are never scraped.
 */
export function metricsEndpoints(containers: readonly ResolvedContainer[]): SidecarMetricsEndpoint[] {
  return containers.filter(c => c.role === StartupRole.SIDECAR).flatMap(c => c.ports
    .filter((p): p is SidecarMetricsEndpoint['port'] => p.metricsPath !== undefined && p.name !== undefined)
    .map(port => ({ sidecarPath: c.owner.path, container: c, port })));
}

/**
 * The labels that select the workload's pods: its label selector (`spec.selector.matchLabels`,
 * for a Deployment, StatefulSet, DaemonSet or ReplicaSet), else the labels of its pod template
 * (a Job, CronJob or bare Pod). Read at synthesis.
 */
export function podLabels(json: any): { [key: string]: string } | undefined {
  const fromSelector = json?.spec?.selector?.matchLabels;
  if (fromSelector && typeof fromSelector === 'object' && Object.keys(fromSelector).length) { return { ...fromSelector }; }
  const fromTemplate = podTemplate(json)?.metadata?.labels;
  if (fromTemplate && typeof fromTemplate === 'object' && Object.keys(fromTemplate).length) { return { ...fromTemplate }; }
  return undefined;
}

/**
 * Characters of the random parts of generated names (k8s.io/apimachinery pkg/util/rand
 * `alphanums`: no vowels, no 0, 1 and 3), which pod-template hashes (SafeEncodeString) and the
 * 5-character suffixes of generateName use.
 */
const RAND = '[bcdfghjklmnpqrstvwxz2456789]';

/**
 * A base that generateName truncates to leave room for the 5-character suffix: names are at most
 * 63 characters (k8s.io/apiserver pkg/storage/names/generate.go maxGeneratedNameLength = 58).
 */
const MAX_GENERATED_BASE = 58;

/**
 * An RE2 pattern (anchored by Prometheus) matching the names of the pods of a workload:
 * Deployment `<name>-<pod-template-hash>-<5>` (its ReplicaSet is `<name>-<hash>`,
 * kubernetes/kubernetes pkg/controller/deployment/sync.go), ReplicaSet, ReplicationController,
 * DaemonSet and Job `<name>-<5>` (generateName), StatefulSet `<name>-<ordinal>`, CronJob
 * `<name>-<scheduled time in minutes>-<5>` (pkg/controller/cronjob/utils.go getJobName), Pod
 * its own name. Where generateName may truncate the base (58 characters at most) the pattern
 * keeps the literal prefix and accepts any tail.
 */
export function podNamePattern(kind: string, name: string): string {
  // The longest name whose pods' generated base is never truncated: Deployment `<name>-<hash up to 10>-`,
  // CronJob `<name>-<minutes, 8 digits until 2160>-`, the others `<name>-`.
  const untruncated = kind === 'Deployment' ? MAX_GENERATED_BASE - 12 : kind === 'CronJob' ? MAX_GENERATED_BASE - 10 : MAX_GENERATED_BASE - 1;
  const generated = (rest: string) => (name.length > untruncated
    ? `${regexLiteral(`${name}-`.slice(0, MAX_GENERATED_BASE))}[a-z0-9.-]*`
    : `${regexLiteral(name)}-${rest}${RAND}{5}`);
  switch (kind) {
    case 'Pod': return regexLiteral(name);
    case 'StatefulSet': return `${regexLiteral(name)}-[0-9]+`;
    case 'Deployment': return generated(`${RAND}{1,10}-`);
    case 'CronJob': return generated('[0-9]+-');
    default: return generated('');
  }
}


/** A label key: an optional DNS subdomain prefix and '/', then a name (apimachinery validation IsQualifiedName). */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A label value: empty, or up to 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit (IsValidLabelValue). */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

const MANAGED_BY_KEY = 'app.kubernetes.io/managed-by';
const MANAGED_BY_VALUE = 'cdk-sidecars';

/** Checks the labels a user gives a generated object (the API server refuses others). */
export function checkObjectLabels(path: string, field: string, labels: { [key: string]: string } | undefined): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!LABEL_KEY.test(key) || key.split('/')[0].length > 253) {
      throw Errors.invalidName(path, `${field} key`, key, 'a label key: an optional DNS subdomain and \'/\', then up to 63 letters, digits, \'-\', \'_\' and \'.\'');
    }
    if (!LABEL_VALUE.test(value)) {
      throw Errors.invalidName(path, `${field}.${key}`, value, 'a label value: up to 63 letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit');
    }
    // Every generated object carries the library's managed-by label: another value would be replaced, so it is refused.
    if (key === MANAGED_BY_KEY && value !== MANAGED_BY_VALUE) {
      throw Errors.ineffectiveSetting(path, `${field}.${key}`, value, `the library labels every object it generates ${MANAGED_BY_KEY}: ${MANAGED_BY_VALUE}`,
        `Remove ${MANAGED_BY_KEY} from ${field}`);
    }
  }
}
