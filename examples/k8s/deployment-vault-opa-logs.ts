/**
 * The reference pod on Kubernetes: a cdk8s-plus-27 Deployment whose app gets database
 * credentials from a Vault Agent (Kubernetes auth with a projected token only Vault's
 * containers mount), asks a local OPA for authorization decisions (a signed bundle
 * downloaded from the policy service), and writes its logs to a directory that Fluent Bit
 * tails and ships to Loki with pod metadata. Every sidecar is a native sidecar with its
 * own UID; the app starts once the secrets are rendered and OPA has its bundle.
 */
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  FluentBitFilter, FluentBitOutput, FluentBitSidecar, OpaSidecar, OpaSigningAlgorithm, VaultAgentSidecar, VaultAuth,
} from 'cdk-sidecars';
import { KubernetesTarget, WorkloadSidecars } from 'cdk-sidecars/k8s';

const app = new App();
KubernetesTarget.set(app, '1.33');
const chart = new Chart(app, 'payments', { namespace: 'payments' });

const serviceAccount = new kplus.ServiceAccount(chart, 'api-sa', { automountToken: false });
const api = new kplus.Deployment(chart, 'api', {
  replicas: 3,
  serviceAccount,
  automountServiceAccountToken: false,
  containers: [{
    name: 'api',
    image: 'ghcr.io/acme/payments-api:4.2.0',
    portNumber: 8080,
    readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }),
    resources: {
      cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(1000) },
      memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
    },
  }],
});

const vault = new VaultAgentSidecar(chart, 'vault', {
  address: 'https://vault.vault.svc:8200',
  auth: [VaultAuth.kubernetes({ role: 'payments-api' })],
  prePopulate: true,
  secrets: [
    { path: 'database/creds/payments-api', file: 'db.json' },
    { path: 'secret/data/payments/stripe', file: 'stripe.env', template: '{{ with secret "secret/data/payments/stripe" }}STRIPE_KEY={{ .Data.data.key }}{{ end }}\n', perms: 0o440 },
  ],
});

const opa = new OpaSidecar(chart, 'opa', {
  services: [{ name: 'policy', url: 'https://policy.platform.svc:8443' }],
  bundles: [{ name: 'payments', service: 'policy', resource: 'bundles/payments.tar.gz', signing: { keyId: 'platform' } }],
  verificationKeys: [{
    keyId: 'platform',
    algorithm: OpaSigningAlgorithm.ES256,
    publicKeyPem: [
      '-----BEGIN PUBLIC KEY-----',
      'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEyyLo8cVnE6ZZZj40fEf3mPinWR7u',
      'N54YXqXGvS8UukdW0nZkcCeDddk6CCSsSwwAUHCHmZ1KESVwyI9y5Ur09w==',
      '-----END PUBLIC KEY-----',
    ].join('\n'),
  }],
  decisionLogs: { console: true },
});

const logs = new FluentBitSidecar(chart, 'logs', {
  filters: [FluentBitFilter.kubernetes(), FluentBitFilter.grep({ exclude: { log: 'GET /ready' } })],
  outputs: [FluentBitOutput.loki({ host: 'loki.observability.svc', labels: { team: 'payments' } })],
});

WorkloadSidecars.of(api).add(vault, opa, logs);

app.synth();
