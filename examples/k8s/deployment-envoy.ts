/**
 * A cdk8s-plus-27 Deployment with an Envoy sidecar in native mode: inbound and outbound
 * traffic redirected through Envoy by an iptables init container, the app started only
 * once Envoy is ready, its probes served through Envoy's probe route, Envoy draining
 * after the app on shutdown. The team's own init container runs before the redirect.
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EnvoySidecar } from 'cdk-sidecars';
import { KubernetesTarget, WorkloadSidecars } from 'cdk-sidecars/k8s';

const app = new App();
KubernetesTarget.set(app, '1.33');
const chart = new Chart(app, 'mesh', { namespace: 'shop' });

const api = new kplus.Deployment(chart, 'checkout', {
  replicas: 3,
  initContainers: [{ name: 'fetch-flags', image: 'curlimages/curl:8.11.0', command: ['curl', '-sf', 'https://flags.internal/checkout'] }],
  containers: [{
    name: 'checkout',
    image: 'ghcr.io/acme/checkout:3.1.0',
    portNumber: 8080,
    readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }),
  }],
});

const envoy = new EnvoySidecar(chart, 'envoy', {
  excludeOutboundCidrs: ['10.96.0.1/32'],
  excludeOutboundPorts: [5432],
  clusters: [{ name: 'payments', address: 'payments.shop.svc.cluster.local', port: 8080 }],
  routes: [{ pathPrefix: '/payments/', cluster: 'payments', domains: ['payments', 'payments.shop'] }],
  drainSeconds: 10,
});

WorkloadSidecars.of(api).add(envoy);

app.synth();
