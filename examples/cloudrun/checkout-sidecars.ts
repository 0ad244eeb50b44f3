/**
 * A checkout API on Google Cloud Run with the sidecars the platform team defined once:
 * Envoy as an explicit proxy takes the service's one ingress port (Cloud Run has no
 * NET_ADMIN for transparent redirection) and forwards to the app on localhost; OPA answers
 * the app's authorization queries on localhost:8181; Fluent Bit ships the app's logs; the
 * Vault Agent (GCP auth, no pre-populating init step: Cloud Run has no init containers)
 * renders the database credentials into a shared in-memory volume.
 * The start order is the run.googleapis.com/container-dependencies annotation (the app
 * waits for OPA, Fluent Bit and the Vault Agent; Envoy waits for the app). A config volume
 * of one file is a Secret Manager secret whose content is written beside the YAML (the
 * header says how to create it); the Vault Agent's, of several files, is written by the
 * config writer container, which the agent waits for.
 * Deploy: gcloud run services replace dist/cloudrun/checkout-sidecars/checkout.cloudrun.yaml
 */
import { EnvoySidecar, FluentBitOutput, FluentBitSidecar, OpaSidecar, Probe, VaultAgentSidecar, VaultAuth } from 'cdk-sidecars';
import { CloudRunApp, CloudRunService } from 'cdk-sidecars/cloudrun';

const app = new CloudRunApp();

const service = new CloudRunService(app, 'checkout', {
  region: 'europe-west1',
  serviceAccountName: 'checkout@acme-shop.iam.gserviceaccount.com',
  containers: [{
    name: 'checkout',
    image: 'europe-docker.pkg.dev/acme-shop/apps/checkout:3.1.0',
    // Envoy takes the ingress port and forwards here, on localhost.
    port: 8080,
    cpuMillicores: 1000,
    memoryMebibytes: 512,
    environment: { LOG_FORMAT: 'json' },
    secretEnvironment: { STRIPE_KEY: { secret: 'checkout-stripe-key' } },
    startupProbe: Probe.httpGet({ port: 8080, path: '/ready', periodSeconds: 2, failureThreshold: 30 }),
    livenessProbe: Probe.httpGet({ port: 8080, path: '/live', periodSeconds: 30, timeoutSeconds: 3 }),
  }],
});

service.add(
  new EnvoySidecar(app, 'envoy', {
    redirect: false,
    clusters: [{ name: 'payments', address: 'payments.acme.example', port: 443, tls: true }],
    routes: [{ pathPrefix: '/payments/', cluster: 'payments' }],
    resources: { cpuLimitMillicores: 500, memoryLimitMebibytes: 256 },
  }),
  new OpaSidecar(app, 'opa', {
    policies: { 'checkout.rego': 'package checkout\n\nimport rego.v1\n\ndefault allow := false\n\nallow if input.method == "GET"\n' },
  }),
  new FluentBitSidecar(app, 'logs', { outputs: [FluentBitOutput.stdout()] }),
  new VaultAgentSidecar(app, 'vault', {
    address: 'https://vault.acme.example:8200',
    auth: [VaultAuth.gcp({ role: 'checkout' })],
    secrets: [{ path: 'database/creds/checkout', file: 'db.json' }],
    prePopulate: false,
  }),
);

app.synth();
