/**
 * A service that still sends segments to the X-Ray daemon (EKS). The daemon reached
 * maintenance and ends support on 2027-02-25: synthesizing this prints the deprecation
 * warning with the migration, which is an OtelCollectorSidecar with the awsxray exporter
 * (see README, "Migrating from the X-Ray daemon"). The daemon needs AWS credentials that
 * Kubernetes cannot grant: a second warning names the actions for the pod's IAM role (IRSA).
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { XRayDaemonSidecar } from 'cdk-sidecars';
import { KubernetesTarget, WorkloadSidecars } from 'cdk-sidecars/k8s';

const app = new App();
KubernetesTarget.set(app, '1.33');
const chart = new Chart(app, 'legacy', { namespace: 'billing' });

const billing = new kplus.Deployment(chart, 'billing', {
  containers: [{ name: 'billing', image: 'ghcr.io/acme/billing:7.0.2', portNumber: 8080 }],
});
WorkloadSidecars.of(billing).add(new XRayDaemonSidecar(chart, 'xray', { region: 'eu-west-1' }));

app.synth();
