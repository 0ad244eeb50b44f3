/**
 * Envoy in front of the app with OPA as its external authorizer: every inbound HTTP
 * request is redirected to Envoy, which asks OPA's Envoy plugin (gRPC on 127.0.0.1:9191,
 * never published) before routing to the app. OPA starts after Envoy, so its first bundle
 * download already goes through the proxy; the policy here is local.
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EnvoySidecar, OpaSidecar } from 'cdk-sidecars';
import { KubernetesTarget, WorkloadSidecars } from 'cdk-sidecars/k8s';

const POLICY = `package envoy.authz

import rego.v1

default allow := false

allow if {
  input.attributes.request.http.method == "GET"
  startswith(input.attributes.request.http.path, "/catalog/")
}
`;

const app = new App();
KubernetesTarget.set(app, '1.33');
const chart = new Chart(app, 'catalog', { namespace: 'shop' });

const catalog = new kplus.Deployment(chart, 'catalog', {
  replicas: 2,
  containers: [{ name: 'catalog', image: 'ghcr.io/acme/catalog:1.8.0', portNumber: 8080 }],
});

WorkloadSidecars.of(catalog).add(
  new OpaSidecar(chart, 'opa', { envoyPlugin: true, policies: { 'authz.rego': POLICY } }),
  new EnvoySidecar(chart, 'envoy', { drainSeconds: 5 }),
);

app.synth();
