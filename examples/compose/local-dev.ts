/**
 * The platform team's pod on a developer's laptop: the payments API with Envoy in front
 * (transparent redirection: a root one-shot service installs the same iptables rules as the
 * Kubernetes init container, in the pod's shared network namespace), OPA answering the app on
 * localhost, and Fluent Bit printing the app's logs. One Compose file, `payments.compose.yaml`,
 * for `docker compose up` or `podman-compose up`: a pause service holds the pod's network
 * namespace and publishes the app's port; every container joins it and starts in the order the
 * sidecars ask for (depends_on service_completed_successfully / service_healthy /
 * service_started).
 */
import { EnvoySidecar, FluentBitOutput, FluentBitSidecar, OpaSidecar } from 'cdk-sidecars';
import { ComposeApp, ComposeProject } from 'cdk-sidecars/compose';

const app = new ComposeApp();

new ComposeProject(app, 'payments', {
  services: [{
    name: 'api',
    image: 'ghcr.io/acme/payments-api:4.2.0',
    ports: [{ port: 8080 }],
    user: '1000:1000',
    environment: { LOG_LEVEL: 'debug' },
  }],
}).add(
  new EnvoySidecar(app, 'envoy'),
  new OpaSidecar(app, 'opa', { policies: { 'authz.rego': 'package authz\n\nimport rego.v1\n\ndefault allow := false\n\nallow if input.user.role == "admin"\n' } }),
  new FluentBitSidecar(app, 'logs', { outputs: [FluentBitOutput.stdout()] }),
);

app.synth();
