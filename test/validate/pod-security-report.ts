/**
 * Validator for the Pod Security Standards report `PodSecurityCheck.writeReport` writes
 * (`<chart>.pod-security.json`): a closed JSON schema of the report's shape (every object
 * closed, levels and check IDs from kubernetes/pod-security-admission policy/check_*.go), plus
 * the rules the shape cannot say: the level is the strictest one the violations leave, and a
 * sidecar container that fails is one of the failing containers.
 */
import Ajv from 'ajv';

const LEVEL = { enum: ['privileged', 'baseline', 'restricted'] };
/** The check IDs of kubernetes/pod-security-admission policy @ 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8. */
const CHECKS = ['windowsHostProcess', 'hostNamespaces', 'privileged', 'capabilities_baseline', 'hostPathVolumes', 'hostPorts', 'appArmorProfile',
  'seLinuxOptions', 'procMount', 'seccompProfile_baseline', 'sysctls', 'hostProbesAndHostLifecycle', 'restrictedVolumes', 'allowPrivilegeEscalation',
  'runAsNonRoot', 'runAsUser', 'seccompProfile_restricted', 'capabilities_restricted', 'procMount_restricted'];
const strings = { type: 'array', items: { type: 'string', minLength: 1 } };

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['workloads'],
  properties: {
    workloads: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['workload', 'name', 'level', 'violations', 'version', 'notes'],
        properties: {
          workload: { type: 'string', minLength: 1 },
          name: { type: 'string', pattern: '^(Pod|Deployment|StatefulSet|DaemonSet|ReplicaSet|ReplicationController|Job|CronJob)/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' },
          namespace: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
          level: LEVEL,
          version: { type: 'string', pattern: '^(latest|v1\\.(0|[1-9][0-9]*))$' },
          notes: strings,
          violations: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['check', 'level', 'reason', 'detail', 'field', 'value', 'containers', 'sidecarContainers'],
              properties: {
                check: { enum: CHECKS },
                level: { enum: ['baseline', 'restricted'] },
                reason: { type: 'string', minLength: 1 },
                detail: { type: 'string', minLength: 1 },
                field: { type: 'string', minLength: 1 },
                value: { type: 'string', minLength: 1 },
                containers: strings,
                sidecarContainers: strings,
              },
            },
          },
        },
      },
    },
  },
};

const validate = new Ajv({ allErrors: true, strict: true }).compile(SCHEMA);

/** Problems of a report (empty when it is valid). */
export function podSecurityReportErrors(text: string): string[] {
  let report: any;
  try { report = JSON.parse(text); } catch (e) { return [`not JSON: ${(e as Error).message}`]; }
  if (!validate(report)) { return (validate.errors ?? []).map(e => `${e.instancePath || '/'} ${e.message}`); }
  const problems: string[] = [];
  (report as { workloads: any[] }).workloads.forEach((w: any, i: number) => {
    const want = w.violations.some((v: any) => v.level === 'baseline') ? 'privileged' : w.violations.length ? 'baseline' : 'restricted';
    if (w.level !== want) { problems.push(`/workloads/${i}/level ${w.level}, but its violations leave ${want}`); }
    w.violations.forEach((v: any, j: number) => {
      try { JSON.parse(v.value); } catch { problems.push(`/workloads/${i}/violations/${j}/value is not JSON`); }
      for (const c of v.sidecarContainers) {
        if (!v.containers.includes(c)) { problems.push(`/workloads/${i}/violations/${j}/sidecarContainers ${c} is not a failing container`); }
      }
    });
  });
  return problems;
}

/** Throws when a report is not valid. */
export function validatePodSecurityReport(text: string): void {
  const problems = podSecurityReportErrors(text);
  if (problems.length) { throw new Error(`invalid Pod Security report:\n  ${problems.join('\n  ')}`); }
}
