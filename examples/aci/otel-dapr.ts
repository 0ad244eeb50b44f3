/**
 * An event-driven service on Azure Container Instances: daprd in standalone mode with an
 * Azure Service Bus pub/sub component whose connection string is a secure value given to
 * daprd alone, tracing to an OpenTelemetry Collector beside it that exports OTLP to the
 * team's gateway with an API key header from a secret. The group is in a VNet subnet.
 */
import { DaprSidecar, OtelCollectorSidecar } from 'cdk-sidecars';
import { AciApp, AciContainerGroup } from 'cdk-sidecars/aci';

const app = new AciApp();

const group = new AciContainerGroup(app, 'orders', {
  location: 'westeurope',
  subnetIds: ['/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/orders/providers/Microsoft.Network/virtualNetworks/apps/subnets/aci'],
  containers: [{ name: 'orders', image: 'ghcr.io/acme/orders:2.4.1', ports: [{ port: 8080 }], cpu: 1, memoryInGB: 1 }],
});

group.addSidecars(
  new DaprSidecar(app, 'dapr', {
    appId: 'orders',
    appPort: 8080,
    components: [{
      name: 'pubsub',
      type: 'pubsub.azure.servicebus.topics',
      secretMetadata: { connectionString: { secretName: 'orders-servicebus', key: 'connection-string' } },
    }],
    configuration: { tracingSamplingRate: 0.2, otelEndpoint: '127.0.0.1:4317' },
  }),
  new OtelCollectorSidecar(app, 'otel', {
    serviceName: 'orders',
    otlpExporters: [{
      endpoint: 'otel-gateway.acme.internal:4317',
      secretHeaders: { 'x-api-key': { secretName: 'otel-gateway', key: 'api-key' } },
    }],
  }),
);

app.synth();
