import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { newChart, rawDeployment, synth } from './util';
import { DaprMode, DaprSidecar, OtelInstrumentation, OtelInstrumentationLanguage, Sidecar, EnvoySidecar, FluentBitOutput, FluentBitSidecar, OpaSidecar, OtelCollectorSidecar, RedirectMode, VaultAgentSidecar, VaultAuth, XRayDaemonSidecar } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { KubernetesTarget, PodSecurityCheck, PodSecurityLevel, PodSecurityStandards, WorkloadSidecars } from '../../src/k8s';
import { expectError } from '../errors';
import { podSecurityReportErrors, validatePodSecurityReport } from '../validate/pod-security-report';

/** An app container that passes restricted. */
const HARDENED = {
  runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
};
const hardenedApp = [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0', ports: [{ containerPort: 8080 }], securityContext: HARDENED }];

/** A pod that passes restricted, with one field changed. */
function pod(change: (spec: any) => void = () => {}): any {
  const spec: any = { containers: [{ name: 'app', image: 'x', securityContext: { ...HARDENED, capabilities: { drop: ['ALL'] } } }] };
  change(spec);
  return spec;
}
const ids = (spec: any, meta?: any, version?: string) => PodSecurityStandards.evaluatePodSpec(spec, meta, version).violations.map(v => v.check);

describe('Pod Security Standards at synthesis', () => {
  test('pods made by the sidecars pass restricted (Vault, OPA, Fluent Bit, OTel, Dapr, X-Ray)', () => {
    const chart = newChart();
    KubernetesTarget.set(chart, '1.33');
    const w = WorkloadSidecars.of(rawDeployment(chart, 'api', hardenedApp)).add(
      new VaultAgentSidecar(chart, 'vault', { address: 'https://vault.vault.svc:8200', auth: [VaultAuth.kubernetes({ role: 'api' })], secrets: [{ path: 'secret/data/db', file: 'db.json' }] }),
      new OpaSidecar(chart, 'opa', { policies: { 'authz.rego': 'package authz\n\ndefault allow := false\n' } }),
      new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.stdout()] }),
      new OtelCollectorSidecar(chart, 'otel', { otlpExporters: [{ endpoint: 'otel-gateway.observability.svc:4317' }] }),
    );
    const other = WorkloadSidecars.of(rawDeployment(chart, 'orders', hardenedApp)).add(
      new DaprSidecar(chart, 'dapr', { appId: 'orders', appPort: 8080, mode: DaprMode.CONTROL_PLANE }),
      new XRayDaemonSidecar(chart, 'xray', { region: 'eu-west-1' }),
    );
    synth(chart);
    for (const r of [PodSecurityStandards.evaluate(w), PodSecurityStandards.evaluate(other)]) {
      expect(r.violations).toEqual([]);
      expect(r.level).toBe(PodSecurityLevel.RESTRICTED);
      expect(r.version).toBe('v1.33');
    }
    expect(PodSecurityStandards.evaluate(w).name).toBe('Deployment/api');
  });

  const WEB_SERVER: { [language: string]: string } = { [OtelInstrumentationLanguage.NGINX]: '1.27.3', [OtelInstrumentationLanguage.APACHE_HTTPD]: '2.4' };
  test('OTel instrumentation init steps and a generic Sidecar pass restricted; Go eBPF instrumentation (privileged root) does not', () => {
    for (const language of Object.values(OtelInstrumentationLanguage).filter(l => l !== OtelInstrumentationLanguage.GO)) {
      const chart = newChart();
      const w = WorkloadSidecars.of(rawDeployment(chart, 'api', hardenedApp)).add(
        new OtelInstrumentation(chart, 'otel', { language, ...(WEB_SERVER[language] ? { webServerVersion: WEB_SERVER[language] } : {}) }),
        new Sidecar(chart, 'agent', { image: 'ghcr.io/acme/agent:1.0.0' }),
      );
      synth(chart);
      expect({ language, violations: PodSecurityStandards.evaluate(w).violations }).toEqual({ language, violations: [] });
    }
    const chart = newChart();
    const go = WorkloadSidecars.of(rawDeployment(chart, 'api', hardenedApp))
      .add(new OtelInstrumentation(chart, 'otel', { language: OtelInstrumentationLanguage.GO, goTargetExecutable: '/app/server' }));
    const r = PodSecurityStandards.evaluate(go);
    expect(r.level).toBe(PodSecurityLevel.PRIVILEGED);
    expect(r.violations.filter(v => v.level === PodSecurityLevel.BASELINE).map(v => v.check)).toEqual(['privileged']);
  });

  test('the redirect init container (iptables: NET_ADMIN, NET_RAW, root) fails baseline: the documented exception', () => {
    const chart = newChart();
    const w = WorkloadSidecars.of(rawDeployment(chart, 'api', hardenedApp)).add(new EnvoySidecar(chart, 'envoy'));
    const r = PodSecurityStandards.evaluate(w);
    expect(r.level).toBe(PodSecurityLevel.PRIVILEGED);
    expect(r.version).toBe('latest');
    expect(r.violations.map(v => [v.check, v.level, v.containers])).toEqual([
      ['capabilities_baseline', PodSecurityLevel.BASELINE, ['cdk-sidecars-redirect']],
      ['runAsNonRoot', PodSecurityLevel.RESTRICTED, ['cdk-sidecars-redirect']],
      ['runAsUser', PodSecurityLevel.RESTRICTED, ['cdk-sidecars-redirect']],
      ['capabilities_restricted', PodSecurityLevel.RESTRICTED, ['cdk-sidecars-redirect']],
    ]);
    expect(r.violations[0].value).toBe('["NET_ADMIN","NET_RAW"]');
    expect(r.violations[0].sidecarContainers).toEqual(['cdk-sidecars-redirect']);
    expect(r.notes[0]).toContain('RedirectMode.CNI');
  });

  test('with RedirectMode.CNI the pod passes restricted', () => {
    const chart = newChart();
    const w = WorkloadSidecars.of(rawDeployment(chart, 'api', hardenedApp)).add(new EnvoySidecar(chart, 'envoy', { redirectMode: RedirectMode.CNI }));
    synth(chart);
    const r = PodSecurityStandards.evaluate(w);
    expect(r.violations).toEqual([]);
    expect(r.level).toBe(PodSecurityLevel.RESTRICTED);
  });

  test('the app\'s own failures are reported and not blamed on the sidecars', () => {
    const chart = newChart();
    const w = WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new OtelCollectorSidecar(chart, 'otel', { otlpExporters: [{ endpoint: 'otel-gateway.observability.svc:4317' }] }));
    const r = PodSecurityStandards.evaluate(w);
    expect(r.level).toBe(PodSecurityLevel.BASELINE);
    expect(r.violations.map(v => v.check)).toEqual(['allowPrivilegeEscalation', 'runAsNonRoot', 'seccompProfile_restricted', 'capabilities_restricted']);
    for (const v of r.violations) {
      expect(v.containers).toEqual(['app']);
      expect(v.sidecarContainers).toEqual([]);
    }
  });

  test('PodSecurityCheck: require makes a failure an error at synthesis, naming the workload, the field and the value', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api', hardenedApp)).add(new EnvoySidecar(chart, 'envoy'));
    new PodSecurityCheck(chart, 'pss', { require: PodSecurityLevel.BASELINE });
    expectError(() => Testing.synth(chart), ErrorCode.POD_SECURITY_VIOLATION,
      'web/api: containers "cdk-sidecars-redirect" securityContext.capabilities.add ["NET_ADMIN","NET_RAW"] fails the Pod Security Standards baseline level (check capabilities_baseline',
      'RedirectMode.CNI');

    const ok = newChart('ok');
    WorkloadSidecars.of(rawDeployment(ok, 'api', hardenedApp)).add(new EnvoySidecar(ok, 'envoy', { redirectMode: RedirectMode.CNI }));
    const check = new PodSecurityCheck(ok, 'pss', { require: PodSecurityLevel.RESTRICTED });
    synth(ok);
    expect(check.results.map(r => [r.name, r.level])).toEqual([['Deployment/api', PodSecurityLevel.RESTRICTED]]);
  });

  test('PodSecurityCheck.writeReport writes <chart>.pod-security.json, valid against the report validator', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api', hardenedApp)).add(new EnvoySidecar(chart, 'envoy'));
    const check = new PodSecurityCheck(chart, 'pss');
    synth(chart);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pss-'));
    const file = check.writeReport(dir);
    expect(path.basename(file)).toBe('web.pod-security.json');
    const text = fs.readFileSync(file, 'utf-8');
    validatePodSecurityReport(text);
    const report = JSON.parse(text);
    expect(report.workloads[0]).toEqual(expect.objectContaining({ workload: 'web/api', name: 'Deployment/api', level: 'privileged', version: 'latest' }));
    // The validator is not a rubber stamp: a level its violations contradict, an unknown check, an extra key.
    const bad = (change: (r: any) => void) => { const r = JSON.parse(text); change(r); return podSecurityReportErrors(JSON.stringify(r)); };
    expect(bad(r => { r.workloads[0].level = 'restricted'; })).toEqual(['/workloads/0/level restricted, but its violations leave privileged']);
    expect(bad(r => { r.workloads[0].violations[0].check = 'noRoot'; })).toHaveLength(1);
    expect(bad(r => { r.workloads[0].extra = 1; })).toHaveLength(1);
    expectError(() => check.writeReport('' as any), ErrorCode.INVALID_TYPE, 'web/pss: dir ""');
  });

  test('PodSecurityCheck bad inputs are catalogued errors', () => {
    const chart = newChart();
    expectError(() => new PodSecurityCheck(chart, 'a', { require: 'strict' as any }), ErrorCode.INVALID_TYPE, 'web/a: require "strict"');
    expectError(() => new PodSecurityCheck(chart, 'b', { workloads: [{} as any] }), ErrorCode.INVALID_TYPE, 'web/b: workloads[0] {}');
    expectError(() => new PodSecurityCheck(chart, 'c', { version: '2' }), ErrorCode.INVALID_KUBERNETES_VERSION, 'web/c: version "2"');
    expectError(() => PodSecurityStandards.evaluatePodSpec('x' as any), ErrorCode.INVALID_TYPE, 'PodSecurityStandards: spec "x"');
  });
});

describe('Pod Security Standards checks on hand-made pods (kubernetes/pod-security-admission policy/check_*.go)', () => {
  test('the hardened pod passes restricted', () => {
    expect(PodSecurityStandards.evaluatePodSpec(pod()).level).toBe(PodSecurityLevel.RESTRICTED);
  });

  test.each<[string, (spec: any) => void, PodSecurityLevel]>([
    ['windowsHostProcess', s => { s.securityContext = { windowsOptions: { hostProcess: true } }; }, PodSecurityLevel.BASELINE],
    ['hostNamespaces', s => { s.hostPID = true; }, PodSecurityLevel.BASELINE],
    ['privileged', s => { s.containers[0].securityContext.privileged = true; }, PodSecurityLevel.BASELINE],
    ['capabilities_baseline', s => { s.containers[0].securityContext.capabilities.add = ['SYS_ADMIN']; }, PodSecurityLevel.BASELINE],
    ['hostPathVolumes', s => { s.volumes = [{ name: 'h', hostPath: { path: '/var/run' } }]; }, PodSecurityLevel.BASELINE],
    ['hostPorts', s => { s.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]; }, PodSecurityLevel.BASELINE],
    ['appArmorProfile', s => { s.containers[0].securityContext.appArmorProfile = { type: 'Unconfined' }; }, PodSecurityLevel.BASELINE],
    ['seLinuxOptions', s => { s.securityContext = { seLinuxOptions: { type: 'spc_t' } }; }, PodSecurityLevel.BASELINE],
    ['procMount', s => { s.containers[0].securityContext.procMount = 'Unmasked'; }, PodSecurityLevel.BASELINE],
    ['seccompProfile_baseline', s => { s.containers[0].securityContext.seccompProfile = { type: 'Unconfined' }; }, PodSecurityLevel.BASELINE],
    ['sysctls', s => { s.securityContext = { sysctls: [{ name: 'kernel.msgmax', value: '1' }] }; }, PodSecurityLevel.BASELINE],
    ['hostProbesAndHostLifecycle', s => { s.containers[0].readinessProbe = { httpGet: { host: '10.0.0.1', port: 80 } }; }, PodSecurityLevel.BASELINE],
    ['restrictedVolumes', s => { s.volumes = [{ name: 'n', nfs: { server: 'nfs', path: '/' } }]; }, PodSecurityLevel.RESTRICTED],
    ['allowPrivilegeEscalation', s => { delete s.containers[0].securityContext.allowPrivilegeEscalation; }, PodSecurityLevel.RESTRICTED],
    ['runAsNonRoot', s => { s.containers[0].securityContext.runAsNonRoot = false; }, PodSecurityLevel.RESTRICTED],
    ['runAsUser', s => { s.containers[0].securityContext.runAsUser = 0; }, PodSecurityLevel.RESTRICTED],
    ['seccompProfile_restricted', s => { delete s.containers[0].securityContext.seccompProfile; }, PodSecurityLevel.RESTRICTED],
    ['capabilities_restricted', s => { s.containers[0].securityContext.capabilities = { drop: ['NET_RAW'] }; }, PodSecurityLevel.RESTRICTED],
  ])('%s', (check, change, level) => {
    const r = PodSecurityStandards.evaluatePodSpec(pod(change));
    const failed = r.violations.find(v => v.check === check);
    expect(failed?.level).toBe(level);
    // A baseline failure leaves the pod privileged; a restricted one, baseline.
    expect(r.level).toBe(level === PodSecurityLevel.BASELINE ? PodSecurityLevel.PRIVILEGED : PodSecurityLevel.BASELINE);
  });

  test('at restricted, the restricted checks replace the baseline checks they override', () => {
    // capabilities_restricted overrides capabilities_baseline and restrictedVolumes overrides hostPathVolumes at the
    // restricted level: SYS_ADMIN fails baseline's check and restricted's; CHOWN only restricted's.
    expect(ids(pod(s => { s.containers[0].securityContext.capabilities.add = ['SYS_ADMIN']; }))).toEqual(['capabilities_baseline', 'capabilities_restricted']);
    expect(ids(pod(s => { s.containers[0].securityContext.capabilities.add = ['CHOWN']; }))).toEqual(['capabilities_restricted']);
    expect(ids(pod(s => { s.containers[0].securityContext.capabilities.add = ['NET_BIND_SERVICE']; }))).toEqual([]);
    expect(ids(pod(s => { s.volumes = [{ name: 'h', hostPath: { path: '/' } }]; }))).toEqual(['hostPathVolumes', 'restrictedVolumes']);
    expect(ids(pod(s => { s.volumes = [{ name: 'c', configMap: { name: 'c' } }, { name: 'e', emptyDir: {} }, { name: 'p', projected: { sources: [] } }]; }))).toEqual([]);
  });

  test('versions: each check applies where upstream says it does', () => {
    const root = pod(s => { s.containers[0].securityContext.runAsUser = 0; });
    expect(ids(root, undefined, '1.22')).toEqual([]); // runAsUser from 1.23
    expect(ids(root, undefined, '1.23')).toEqual(['runAsUser']);
    const probeHost = pod(s => { s.containers[0].livenessProbe = { tcpSocket: { host: 'db', port: 5432 } }; });
    expect(ids(probeHost, undefined, '1.33')).toEqual([]); // from 1.34
    expect(ids(probeHost, undefined, '1.34')).toEqual(['hostProbesAndHostLifecycle']);
    const keepalive = pod(s => { s.securityContext = { sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '60' }] }; });
    expect(ids(keepalive, undefined, '1.28')).toEqual(['sysctls']); // safe from 1.29
    expect(ids(keepalive, undefined, '1.29')).toEqual([]);
    const engine = pod(s => { s.securityContext = { seLinuxOptions: { type: 'container_engine_t' } }; });
    expect(ids(engine, undefined, '1.30')).toEqual(['seLinuxOptions']); // allowed from 1.31
    expect(ids(engine, undefined, '1.31')).toEqual([]);
    // In a user namespace (hostUsers: false) runAsNonRoot, runAsUser and baseline procMount are relaxed from 1.35;
    // procMount_restricted (1.35) is not.
    const userns = pod(s => {
      s.hostUsers = false;
      s.containers[0].securityContext = { ...s.containers[0].securityContext, runAsNonRoot: false, runAsUser: 0 };
    });
    expect(ids(userns, undefined, '1.34')).toEqual(['runAsNonRoot', 'runAsUser']);
    expect(ids(userns, undefined, '1.35')).toEqual([]);
    const unmasked = pod(s => { s.hostUsers = false; s.containers[0].securityContext.procMount = 'Unmasked'; });
    expect(ids(unmasked, undefined, '1.34')).toEqual(['procMount']);
    expect(ids(unmasked, undefined, '1.35')).toEqual(['procMount_restricted']);
    // seccomp: annotations before 1.19, fields from 1.19 (so no restricted seccomp check before).
    const annotated = pod(s => { delete s.containers[0].securityContext.seccompProfile; });
    expect(ids(annotated, { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } }, '1.18')).toEqual(['seccompProfile_baseline']);
    // Windows pods are exempt from the restricted Linux checks from 1.25.
    const win = pod(s => { s.os = { name: 'windows' }; s.containers[0].securityContext = { runAsNonRoot: true }; });
    expect(ids(win, undefined, '1.24')).toEqual(['allowPrivilegeEscalation', 'seccompProfile_restricted', 'capabilities_restricted']);
    expect(ids(win, undefined, '1.25')).toEqual([]);
  });

  test('pod-level settings count for every container where upstream says so', () => {
    const podLevel = pod(s => {
      s.securityContext = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
      s.containers[0].securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
      s.initContainers = [{ name: 'init', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }];
    });
    expect(ids(podLevel)).toEqual([]);
    expect(ids(pod(s => { s.securityContext = { runAsUser: 0 }; }))).toEqual(['runAsUser']);
    expect(ids(pod(s => { s.ephemeralContainers = [{ name: 'debug', image: 'x' }]; }))).toEqual(['allowPrivilegeEscalation', 'runAsNonRoot', 'seccompProfile_restricted', 'capabilities_restricted']);
  });
});
