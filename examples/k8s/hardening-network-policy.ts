/**
 * A NetworkPolicy generated from the pod as deployed: the catalog service runs behind Envoy
 * (transparent interception, OPA as its external authorizer) and ships its logs with Fluent
 * Bit. The policy lets the ingress controller reach the app port only (Envoy's own ports stay
 * closed; the redirect to Envoy happens inside the pod, after the policy), lets Prometheus
 * scrape the sidecars' metrics ports, and, because Envoy intercepts the pod's traffic, limits
 * egress to the cluster DNS, Envoy's clusters and the log collector, whose host name is mapped
 * to its pods here (a NetworkPolicy cannot match host names).
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EnvoySidecar, FluentBitOutput, FluentBitSidecar, OpaSidecar } from 'cdk-sidecars';
import { KubernetesTarget, WorkloadNetworkPolicy, WorkloadSidecars } from 'cdk-sidecars/k8s';

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
const chart = new Chart(app, 'catalog-hardened', { namespace: 'shop' });

const catalog = new kplus.Deployment(chart, 'catalog', {
  replicas: 2,
  containers: [{ name: 'catalog', image: 'ghcr.io/acme/catalog:1.8.0', portNumber: 8080 }],
});

const sidecars = WorkloadSidecars.of(catalog).add(
  new OpaSidecar(chart, 'opa', { envoyPlugin: true, policies: { 'authz.rego': POLICY } }),
  new EnvoySidecar(chart, 'envoy', {
    drainSeconds: 5,
    // The app calls the pricing service through Envoy (http://127.0.0.1:15001/pricing/...).
    clusters: [{ name: 'pricing', address: '10.96.40.12', port: 8080 }],
    routes: [{ pathPrefix: '/pricing/', cluster: 'pricing' }],
  }),
  new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.forward({ host: 'fluentd.logging.svc' })] }),
);

new WorkloadNetworkPolicy(chart, 'network-policy', {
  sidecars,
  appPeers: [{ namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } }],
  monitoringPeers: [{ namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } }],
  destinations: [{ host: 'fluentd.logging.svc', peers: [{ namespace: 'logging', podLabels: { app: 'fluentd' } }], ports: [{ port: 24224 }] }],
});

app.synth();
