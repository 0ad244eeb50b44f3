/**
 * A hardened cdk8s-plus-27 Deployment with Envoy and Fluent Bit (with the Kubernetes metadata
 * filter), on Kubernetes 1.33:
 * - Envoy and Fluent Bit run under a Localhost seccomp profile: Docker's default allow list for a
 *   container without capabilities (Envoy also cannot unshare or mount: none of it is allowed
 *   without CAP_SYS_ADMIN there), minus the ptrace family. The profile file is written into the
 *   output folder (cdk-sidecars-sidecars.seccomp.json) for the platform team to install under
 *   /var/lib/kubelet/seccomp on every node; `npm run synth` checks it against the OCI runtime-spec
 *   schema.
 * - Fluent Bit also runs under the node's AppArmor profile `k8s-log-shipper`
 *   (securityContext.appArmorProfile, Kubernetes 1.30 and later).
 * - PodHardening gives the pod its own user namespace (hostUsers: false; the redirect init step's
 *   iptables still work inside it), turns off the automounted service account token (Fluent Bit
 *   keeps the projected token it asks for, and runs as the ServiceAccount made for it), projects a
 *   token for the Vault audience into the app container only, and sets fsGroupChangePolicy.
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AppArmorProfileType, EnvoySidecar, FluentBitFilter, FluentBitOutput, FluentBitSidecar, LocalhostSeccompProfile } from 'cdk-sidecars';
import { FsGroupChangePolicy, KubernetesTarget, PodHardening, WorkloadSidecars } from 'cdk-sidecars/k8s';

const app = new App();
KubernetesTarget.set(app, '1.33');
const chart = new Chart(app, 'hardened', { namespace: 'shop' });

const api = new kplus.Deployment(chart, 'orders', {
  replicas: 2,
  containers: [{
    name: 'orders',
    image: 'ghcr.io/acme/orders:2.4.0',
    portNumber: 8080,
    securityContext: { user: 1000, group: 1000 },
  }],
});

const profile = LocalhostSeccompProfile.dockerDefault('sidecars');

const envoy = new EnvoySidecar(chart, 'envoy', {
  overrides: { localhostSeccompProfile: profile },
});
const logs = new FluentBitSidecar(chart, 'logs', {
  outputs: [FluentBitOutput.loki({ host: 'loki.monitoring.svc' })],
  filters: [FluentBitFilter.kubernetes()],
  overrides: {
    localhostSeccompProfile: profile,
    appArmorProfile: { type: AppArmorProfileType.LOCALHOST, localhostProfile: 'k8s-log-shipper' },
  },
});

const sidecars = WorkloadSidecars.of(api).add(envoy, logs);

new PodHardening(chart, 'hardening', {
  sidecars,
  userNamespace: true,
  fsGroup: 1000,
  fsGroupChangePolicy: FsGroupChangePolicy.ON_ROOT_MISMATCH,
  appServiceAccountTokens: [{ container: 'orders', audience: 'vault', expirationSeconds: 900, mountPath: '/var/run/secrets/vault' }],
});

app.synth();
// The profile for the nodes, beside the manifests (an explicit write: cdk8s writes only YAML).
profile.writeTo(app.outdir);
