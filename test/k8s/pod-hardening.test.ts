/**
 * PodHardening (issue 14, podsec): user namespaces, file groups and service account tokens laid
 * over a workload's pod after its sidecars are injected. Every manifest goes through
 * test/validate/k8s.ts (synth).
 */
import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { findDoc, newChart, podOf, rawDeployment, synth } from './util';
import {
  CompositionContext, EnvoySidecar, FluentBitFilter, FluentBitOutput, FluentBitSidecar, ISidecar, RedirectMode, Sidecar, SidecarContribution,
  StartupRole, AppArmorProfileType, LocalhostSeccompProfile,
} from '../../src';
import { ErrorCode, SidecarError } from '../../src/core/errors';
import { FsGroupChangePolicy, KubernetesTarget, PodHardening, WorkloadSidecars } from '../../src/k8s';

function thrown(fn: () => unknown): SidecarError {
  try { fn(); } catch (e) { if (e instanceof SidecarError) { return e; } throw e; }
  throw new Error('did not throw');
}

/** A minimal sidecar that asks for a pod file group. */
class Asking extends Construct implements ISidecar {
  constructor(scope: Construct, id: string, private readonly gid: number) { super(scope, id); }
  public contribute(_: CompositionContext): SidecarContribution {
    return {
      containers: [{ name: this.node.id, image: 'ghcr.io/acme/agent:1', role: StartupRole.SIDECAR, security: { uid: 2100 } }],
      pod: { fileGroup: this.gid },
    };
  }
}

const allContainers = (pod: any) => [...(pod.spec.initContainers ?? []), ...pod.spec.containers];

describe('user namespace', () => {
  test('renders hostUsers: false; the redirect init step keeps root and NET_ADMIN (they count in the pod\'s user and network namespaces)', () => {
    const chart = newChart();
    KubernetesTarget.set(chart, '1.33');
    const d = rawDeployment(chart, 'api');
    const sidecars = WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy', {}));
    const h = new PodHardening(chart, 'hardening', { sidecars, userNamespace: true });
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    expect(pod.spec.hostUsers).toBe(false);
    const init = pod.spec.initContainers.find((c: any) => c.name === 'cdk-sidecars-redirect');
    expect(init.securityContext).toMatchObject({ runAsUser: 0, capabilities: { add: expect.arrayContaining(['NET_ADMIN']) } });
    expect(h.warnings).toEqual([]);
  });

  test.each(['1.29', '1.25'])('target %s is refused with the reason', version => {
    const chart = newChart();
    KubernetesTarget.set(chart, version);
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new EnvoySidecar(chart, 'envoy', {}));
    new PodHardening(chart, 'hardening', { sidecars, userNamespace: true });
    const e = thrown(() => Testing.synth(chart));
    expect(e.code).toBe(ErrorCode.UNSUPPORTED_ON_PLATFORM);
    expect(e.message).toContain(`web/hardening: userNamespace true cannot be rendered on Kubernetes ${version}: pods get their own user namespace (hostUsers: false) from Kubernetes 1.30`);
  });

  test('targets 1.30 to 1.32 get a warning about the feature gate', () => {
    const chart = newChart();
    KubernetesTarget.set(chart, '1.31');
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new EnvoySidecar(chart, 'envoy', {}));
    const h = new PodHardening(chart, 'hardening', { sidecars, userNamespace: true });
    expect(podOf(findDoc(synth(chart), 'Deployment')).spec.hostUsers).toBe(false);
    expect(h.warnings).toEqual([expect.stringContaining('web/hardening: userNamespace needs the UserNamespacesSupport feature gate')]);
  });

  test.each(['hostNetwork', 'hostPID', 'hostIPC'])('a workload with %s is refused (the API server forbids it with hostUsers: false)', field => {
    const chart = newChart();
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'api', undefined, { [field]: true })).add(new Sidecar(chart, 'tail', { image: 'busybox:1.36' }));
    new PodHardening(chart, 'hardening', { sidecars, userNamespace: true });
    const e = thrown(() => Testing.synth(chart));
    expect(e.message).toContain(`web/hardening: userNamespace true conflicts with ${field}: true on the pod template of web/api`);
  });

  test('a CNI-installed redirect and a privileged container get warnings', () => {
    const chart = newChart();
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'api')).add(
      new EnvoySidecar(chart, 'envoy', { redirectMode: RedirectMode.CNI }),
      new Sidecar(chart, 'ebpf', { image: 'ghcr.io/acme/ebpf:1', security: { privileged: true, allowPrivilegeEscalation: true } }),
    );
    const h = new PodHardening(chart, 'hardening', { sidecars, userNamespace: true });
    synth(chart);
    expect(h.warnings).toEqual([
      expect.stringContaining('web/envoy: the CNI plugin installs the redirect rules from the node\'s user namespace'),
      expect.stringContaining('web/ebpf: container ebpf is privileged, but in a user namespace its capabilities count only inside the pod'),
    ]);
  });

  test('hostUsers: true set on the workload is refused', () => {
    const chart = newChart();
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'api', undefined, { hostUsers: true })).add(new Sidecar(chart, 'tail', { image: 'busybox:1.36' }));
    new PodHardening(chart, 'hardening', { sidecars, userNamespace: true });
    expect(thrown(() => Testing.synth(chart)).message).toContain('web/hardening: userNamespace is already set (true) as hostUsers: true on the pod template of web/api');
  });
});

describe('file groups', () => {
  test('fsGroup, fsGroupChangePolicy and supplementalGroups are rendered; the sidecars\' file group agrees', () => {
    const chart = newChart();
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'api', undefined, { securityContext: { supplementalGroups: [5] } })).add(new Asking(chart, 'agent', 3000));
    new PodHardening(chart, 'hardening', { sidecars, fsGroup: 3000, fsGroupChangePolicy: FsGroupChangePolicy.ON_ROOT_MISMATCH, supplementalGroups: [5, 6] });
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    expect(pod.spec.securityContext).toEqual({ fsGroup: 3000, fsGroupChangePolicy: 'OnRootMismatch', supplementalGroups: [5, 6] });
  });

  test('an fsGroup other than the sidecars\' file group is refused, naming the sidecar', () => {
    const chart = newChart();
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new Asking(chart, 'agent', 3000));
    new PodHardening(chart, 'hardening', { sidecars, fsGroup: 4000 });
    const e = thrown(() => Testing.synth(chart));
    expect(e.code).toBe(ErrorCode.ALREADY_SET);
    expect(e.message).toContain('web/hardening: fsGroup is already set (4000) while web/agent needs the pod\'s file group 3000');
  });

  test('fsGroupChangePolicy replaces the Always cdk8s-plus writes on every pod (Kubernetes\' default), not another value', () => {
    const chart = newChart();
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'api', undefined, { securityContext: { fsGroup: 9, fsGroupChangePolicy: 'Always' } }))
      .add(new Sidecar(chart, 'tail', { image: 'busybox:1.36' }));
    new PodHardening(chart, 'hardening', { sidecars, fsGroupChangePolicy: FsGroupChangePolicy.ON_ROOT_MISMATCH });
    expect(podOf(findDoc(synth(chart), 'Deployment')).spec.securityContext).toEqual({ fsGroup: 9, fsGroupChangePolicy: 'OnRootMismatch' });
    const chart2 = newChart();
    const sidecars2 = WorkloadSidecars.of(rawDeployment(chart2, 'api', undefined, { securityContext: { fsGroup: 9, fsGroupChangePolicy: 'OnRootMismatch' } }))
      .add(new Sidecar(chart2, 'tail', { image: 'busybox:1.36' }));
    new PodHardening(chart2, 'hardening', { sidecars: sidecars2, fsGroupChangePolicy: FsGroupChangePolicy.ALWAYS });
    expect(thrown(() => Testing.synth(chart2)).message).toContain('web/hardening: fsGroupChangePolicy is already set ("ALWAYS") as OnRootMismatch');
  });

  test('an fsGroup the workload sets differently is refused; fsGroupChangePolicy without any fsGroup is refused', () => {
    const chart = newChart();
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'api', undefined, { securityContext: { fsGroup: 7 } })).add(new Sidecar(chart, 'tail', { image: 'busybox:1.36' }));
    new PodHardening(chart, 'hardening', { sidecars, fsGroup: 8 });
    expect(thrown(() => Testing.synth(chart)).message).toContain('web/hardening: fsGroup is already set (8) as 7 on the pod template of web/api');

    const chart2 = newChart();
    const sidecars2 = WorkloadSidecars.of(rawDeployment(chart2, 'api')).add(new Sidecar(chart2, 'tail', { image: 'busybox:1.36' }));
    new PodHardening(chart2, 'hardening', { sidecars: sidecars2, fsGroupChangePolicy: FsGroupChangePolicy.ALWAYS });
    expect(thrown(() => Testing.synth(chart2)).message).toContain('web/hardening: fsGroupChangePolicy "ALWAYS" has no effect without an fsGroup');
  });
});

describe('service account tokens', () => {
  test('automount is off; a sidecar that reads pod metadata keeps its own projected token and the ServiceAccount made for it', () => {
    const chart = newChart();
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new FluentBitSidecar(chart, 'logs', {
      outputs: [FluentBitOutput.loki({ host: 'loki.monitoring.svc' })], filters: [FluentBitFilter.kubernetes()],
    }));
    new PodHardening(chart, 'hardening', { sidecars });
    const docs = synth(chart);
    const pod = podOf(findDoc(docs, 'Deployment'));
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(pod.spec.serviceAccountName).toBe('api-sidecars');
    expect(findDoc(docs, 'ServiceAccount', 'api-sidecars').automountServiceAccountToken).toBe(false);
    const fb = allContainers(pod).find((c: any) => c.name === 'fluent-bit');
    expect(fb.volumeMounts).toContainEqual({ name: 'fluent-bit-identity', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true });
    const app = pod.spec.containers.find((c: any) => c.name === 'app');
    expect(app.volumeMounts.map((m: any) => m.mountPath)).not.toContain('/var/run/secrets/kubernetes.io/serviceaccount');
  });

  test('appServiceAccountTokens project a token (audience, expiration) into the named app container only', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api', [{ name: 'app', image: 'ghcr.io/acme/app:1' }, { name: 'worker', image: 'ghcr.io/acme/worker:1' }]);
    const sidecars = WorkloadSidecars.of(d).add(new Sidecar(chart, 'tail', { image: 'busybox:1.36' }));
    new PodHardening(chart, 'hardening', { sidecars, appServiceAccountTokens: [{ container: 'worker', audience: 'vault', expirationSeconds: 900 }] });
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    expect(pod.spec.volumes).toContainEqual({
      name: 'worker-identity',
      projected: {
        defaultMode: 0o444,
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: 900, audience: 'vault' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    });
    const worker = pod.spec.containers.find((c: any) => c.name === 'worker');
    expect(worker.volumeMounts).toEqual([{ name: 'worker-identity', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }]);
    expect(pod.spec.containers.find((c: any) => c.name === 'app').volumeMounts).toBeUndefined();
  });

  test.each([
    [{ appServiceAccountTokens: [{ container: 'tail' }] }, 'appServiceAccountTokens[0].container names app container "tail", which web/api does not have (app containers: app)'],
    [{ appServiceAccountTokens: [{ container: 'nope' }] }, 'appServiceAccountTokens[0].container names app container "nope"'],
    [{ appServiceAccountTokens: [{ container: 'app', mountPath: '/data' }] }, 'appServiceAccountTokens[0].mountPath is already set ("/data") by the mount of volume "data" at /data in container app'],
  ])('refused at synthesis: %j', (props, message) => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api', [{ name: 'app', image: 'ghcr.io/acme/app:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], { volumes: [{ name: 'data', emptyDir: {} }] });
    const sidecars = WorkloadSidecars.of(d).add(new Sidecar(chart, 'tail', { image: 'busybox:1.36' }));
    new PodHardening(chart, 'hardening', { sidecars, ...props });
    expect(thrown(() => Testing.synth(chart)).message).toContain(`web/hardening: ${message}`);
  });

  test('a workload that sets automountServiceAccountToken: true needs it said on PodHardening too', () => {
    const chart = newChart();
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'api', undefined, { automountServiceAccountToken: true })).add(new Sidecar(chart, 'tail', { image: 'busybox:1.36' }));
    new PodHardening(chart, 'hardening', { sidecars });
    expect(thrown(() => Testing.synth(chart)).message).toContain('web/hardening: automountServiceAccountToken is already set (false) as true on the pod template of web/api');
    const chart2 = newChart();
    const sidecars2 = WorkloadSidecars.of(rawDeployment(chart2, 'api', undefined, { automountServiceAccountToken: true })).add(new Sidecar(chart2, 'tail', { image: 'busybox:1.36' }));
    new PodHardening(chart2, 'hardening', { sidecars: sidecars2, automountServiceAccountToken: true });
    expect(podOf(findDoc(synth(chart2), 'Deployment')).spec.automountServiceAccountToken).toBe(true);
  });
});

describe('pod-level profiles (for the app containers)', () => {
  test('seccompProfile and appArmorProfile go in the pod\'s securityContext; the sidecars keep their own', () => {
    const chart = newChart();
    const profile = LocalhostSeccompProfile.dockerDefault('app');
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new EnvoySidecar(chart, 'envoy', {}));
    new PodHardening(chart, 'hardening', { sidecars, seccompProfile: profile, appArmorProfile: { type: AppArmorProfileType.RUNTIME_DEFAULT } });
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    expect(pod.spec.securityContext).toEqual({
      seccompProfile: { type: 'Localhost', localhostProfile: 'cdk-sidecars-app.seccomp.json' },
      appArmorProfile: { type: 'RuntimeDefault' },
    });
    expect(allContainers(pod).find((c: any) => c.name === 'envoy').securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(pod.spec.containers.find((c: any) => c.name === 'app').securityContext).toBeUndefined();
  });

  test('refused: a different pod seccompProfile on the workload, appArmorProfile before 1.30, bad AppArmor props', () => {
    const chart = newChart();
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'api', undefined, { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }))
      .add(new Sidecar(chart, 'tail', { image: 'busybox:1.36' }));
    new PodHardening(chart, 'hardening', { sidecars, seccompProfile: LocalhostSeccompProfile.dockerDefault('app') });
    expect(thrown(() => Testing.synth(chart)).message).toContain('web/hardening: seccompProfile is already set ("app") as {"type":"RuntimeDefault"} on the pod template of web/api');

    const chart2 = newChart();
    KubernetesTarget.set(chart2, '1.29');
    const sidecars2 = WorkloadSidecars.of(rawDeployment(chart2, 'api')).add(new Sidecar(chart2, 'tail', { image: 'busybox:1.36' }));
    new PodHardening(chart2, 'hardening', { sidecars: sidecars2, appArmorProfile: { type: AppArmorProfileType.UNCONFINED } });
    expect(thrown(() => Testing.synth(chart2)).message).toContain('web/hardening: appArmorProfile "UNCONFINED" cannot be rendered on Kubernetes 1.29');

    const chart3 = newChart();
    const sidecars3 = WorkloadSidecars.of(rawDeployment(chart3, 'api'));
    expect(thrown(() => new PodHardening(chart3, 'h', { sidecars: sidecars3, appArmorProfile: { type: AppArmorProfileType.LOCALHOST } })).message)
      .toContain('web/h: appArmorProfile.localhostProfile undefined is missing for type LOCALHOST');
    expect(thrown(() => new PodHardening(chart3, 'h2', { sidecars: sidecars3, seccompProfile: { name: 'x' } as any })).message)
      .toContain('web/h2: seccompProfile {"name":"x"} (object) is not a LocalhostSeccompProfile');
  });
});

describe('construction', () => {
  test('one PodHardening per workload; it applies without sidecars too', () => {
    const chart = newChart();
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'api'));
    new PodHardening(chart, 'one', { sidecars, userNamespace: true });
    expect(podOf(findDoc(synth(chart), 'Deployment')).spec).toMatchObject({ hostUsers: false, automountServiceAccountToken: false });
    const e = thrown(() => new PodHardening(chart, 'two', { sidecars }));
    expect(e.message).toContain('web/two: sidecars is already set ("web/api") by web/one: one PodHardening per workload');
  });

  test.each([
    [{ sidecars: {} }, 'web/h: sidecars {} (object) is not a WorkloadSidecars'],
    [{ userNamespace: 'yes' }, 'web/h: userNamespace "yes" (string) is not a boolean'],
    [{ fsGroup: -1 }, 'web/h: fsGroup -1 is not an integer from 0'],
    [{ fsGroupChangePolicy: 'OnRootMismatch' }, 'web/h: fsGroupChangePolicy "OnRootMismatch" (string) is not one of'],
    [{ supplementalGroups: ['5'] }, 'web/h: supplementalGroups[0] "5" is not a valid Linux ID'],
    [{ appServiceAccountTokens: [{ container: 'app', expirationSeconds: 60 }] }, 'web/h: appServiceAccountTokens[0].expirationSeconds 60 is not at least 600'],
    [{ appServiceAccountTokens: [{ container: 'app', mountPath: 'relative' }] }, 'web/h: appServiceAccountTokens[0].mountPath "relative" is not an absolute, normalized directory'],
    [{ appServiceAccountTokens: [{ container: 'app' }, { container: 'app' }] }, 'web/h: appServiceAccountTokens[1].container is already set ("app") by appServiceAccountTokens[0]'],
    [{ appServiceAccountTokens: [{}] }, 'web/h: appServiceAccountTokens[0].container undefined'],
  ])('bad props %j', (props, message) => {
    const chart = newChart();
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'api'));
    expect(thrown(() => new PodHardening(chart, 'h', { sidecars, ...props } as any)).message).toContain(message);
  });
});
