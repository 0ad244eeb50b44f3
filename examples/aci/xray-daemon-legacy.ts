/**
 * The X-Ray daemon on Azure Container Instances, for a service that reports to AWS X-Ray
 * from Azure. Synthesizing prints two warnings: the daemon's deprecation (end of support
 * 2027-02-25; migrate to OtelCollectorSidecar with the awsxray exporter) and that a
 * container group cannot be given the AWS permissions the daemon needs (use a role it
 * assumes with credentials you provide, `roleArn`).
 */
import { XRayDaemonSidecar } from 'cdk-sidecars';
import { AciApp, AciContainerGroup } from 'cdk-sidecars/aci';

const app = new AciApp();

const group = new AciContainerGroup(app, 'billing', {
  location: 'westeurope',
  containers: [{ name: 'billing', image: 'ghcr.io/acme/billing:7.0.2', ports: [{ port: 8080 }], cpu: 0.5, memoryInGB: 1 }],
});
group.addSidecars(new XRayDaemonSidecar(app, 'xray', {
  region: 'eu-west-1',
  roleArn: 'arn:aws:iam::123456789012:role/billing-xray-writer',
}));

app.synth();
