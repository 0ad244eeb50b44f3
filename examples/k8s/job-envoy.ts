/**
 * A Job behind Envoy. Envoy is a native sidecar, so the Job completes when its
 * container has finished: no /quitquitquit call in the app.
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EnvoySidecar } from 'cdk-sidecars';
import { WorkloadSidecars } from 'cdk-sidecars/k8s';

const app = new App();
const chart = new Chart(app, 'batch');

const job = new kplus.Job(chart, 'settlement', {
  backoffLimit: 1,
  containers: [{ name: 'settle', image: 'ghcr.io/acme/settlement:1.8.0', args: ['--day', 'yesterday'] }],
});

WorkloadSidecars.of(job).add(new EnvoySidecar(chart, 'envoy'));

app.synth();
