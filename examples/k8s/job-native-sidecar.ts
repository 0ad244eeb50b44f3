/**
 * A Job with a native sidecar: the metrics exporter runs beside the batch container
 * and stops when it has finished, so the Job completes (no quit endpoint, no wrapper).
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PortExposure, Probe, Sidecar } from 'cdk-sidecars';
import { KubernetesTarget, WorkloadSidecars } from 'cdk-sidecars/k8s';

const app = new App();
KubernetesTarget.set(app, '1.31');
const chart = new Chart(app, 'reports');

const job = new kplus.Job(chart, 'nightly-report', {
  backoffLimit: 2,
  containers: [{ name: 'report', image: 'ghcr.io/acme/report:2.0.0', args: ['--since', '24h'] }],
});

const pushgateway = new Sidecar(chart, 'metrics', {
  image: 'prom/statsd-exporter:v0.28.0',
  ports: [{ port: 9102, exposure: PortExposure.EXPOSED }, { port: 9125 }],
  startupProbe: Probe.tcpSocket({ port: 9102, periodSeconds: 1, failureThreshold: 30 }),
  appEnv: { STATSD_HOST: '127.0.0.1', STATSD_PORT: '9125' },
  terminationGracePeriodSeconds: 10,
});

WorkloadSidecars.of(job).add(pushgateway);

app.synth();
