/**
 * Envoy as an explicit proxy on Azure Container Instances, where transparent
 * redirection is not available: inbound traffic enters on Envoy's published port 15006
 * and reaches the app on localhost; the app sends its egress HTTP to Envoy at
 * $ENVOY_EGRESS_URL (http://127.0.0.1:15001), routed to typed clusters.
 */
import { EnvoySidecar } from 'cdk-sidecars';
import { AciApp, AciContainerGroup } from 'cdk-sidecars/aci';

const app = new AciApp();

const group = new AciContainerGroup(app, 'checkout', {
  dnsNameLabel: 'acme-checkout',
  containers: [{
    name: 'checkout',
    image: 'ghcr.io/acme/checkout:3.1.0',
    // Only Envoy's port is published: inbound traffic goes through Envoy.
    ports: [{ port: 8080, expose: false }],
    cpu: 1,
    memoryInGB: 1.5,
  }],
});

group.addSidecars(new EnvoySidecar(app, 'envoy', {
  redirect: false,
  clusters: [{ name: 'payments', address: 'payments.acme.example', port: 443, tls: true }],
  routes: [{ pathPrefix: '/payments/', cluster: 'payments' }],
  resources: { cpuRequestMillicores: 250, memoryRequestMebibytes: 256, memoryLimitMebibytes: 512 },
}));

app.synth();
