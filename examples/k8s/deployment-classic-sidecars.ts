/**
 * The same shop API as deployment-two-sidecars, for a Kubernetes 1.28 cluster: classic
 * sidecars (1.28 has native sidecars only behind an alpha feature gate, on by default
 * from 1.29: https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/).
 *
 *   - statsd and log-shipper are the first entries of `containers`, before the app
 *   - statsd's waitCommand is its postStart hook: the kubelet starts the next container
 *     (the app) only once it returns, i.e. once statsd answers on 9102
 *   - migrate stays an init container: init steps are the same in both modes
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PortExposure, Probe, Sidecar, StartupRole, WaitCondition } from 'cdk-sidecars';
import { KubernetesTarget, WorkloadSidecars } from 'cdk-sidecars/k8s';

const app = new App();
// Stated once for the app: every workload of every chart gets classic sidecars.
KubernetesTarget.set(app, '1.28');
const chart = new Chart(app, 'shop', { namespace: 'shop' });

const api = new kplus.Deployment(chart, 'api', {
  replicas: 3,
  containers: [{ name: 'api', image: 'ghcr.io/acme/shop-api:4.2.0', portNumber: 8080 }],
});

const logShipper = new Sidecar(chart, 'log-shipper', {
  image: 'fluent/fluent-bit:4.0.3',
  args: ['-c', '/fluent-bit/etc/fluent-bit.yaml'],
  ports: [{ port: 2020, name: 'http-metrics', exposure: PortExposure.EXPOSED }],
  readinessProbe: Probe.httpGet({ port: 2020, path: '/api/v1/health' }),
  volumes: [
    { name: 'app-logs', mountPath: '/var/log/app', readOnly: true, appMountPath: '/var/log/app' },
    { name: 'flb-state', mountPath: '/var/lib/fluent-bit', sizeLimitMebibytes: 64 },
  ],
  configFiles: [{
    path: '/fluent-bit/etc/fluent-bit.yaml',
    content: [
      'service:',
      '  flush: 1',
      '  http_server: on',
      '  http_port: 2020',
      '  health_check: on',
      'pipeline:',
      '  inputs:',
      '    - name: tail',
      '      path: /var/log/app/*.log',
      '      db: /var/lib/fluent-bit/tail.db',
      '      mem_buf_limit: 16MB',
      '  outputs:',
      '    - name: stdout',
      '      match: "*"',
      '',
    ].join('\n'),
  }],
  appEnv: { LOG_DIR: '/var/log/app' },
  resources: { cpuRequestMillicores: 50, memoryRequestMebibytes: 64, memoryLimitMebibytes: 96 },
});

const statsd = new Sidecar(chart, 'statsd', {
  image: 'prom/statsd-exporter:v0.28.0',
  ports: [
    { port: 9102, name: 'metrics', exposure: PortExposure.EXPOSED },
    { port: 9125 },
  ],
  readinessProbe: Probe.httpGet({ port: 9102, path: '/' }),
  livenessProbe: Probe.httpGet({ port: 9102, path: '/' }),
  appWaitsFor: WaitCondition.HEALTHY,
  // The image is FROM quay.io/prometheus/busybox (prometheus/statsd_exporter Dockerfile), whose
  // sh and wget the hook uses; it holds the app until the exporter answers.
  waitCommand: ['sh', '-c', 'until wget -q -O /dev/null http://127.0.0.1:9102/; do sleep 1; done'],
  appEnv: { STATSD_HOST: '127.0.0.1', STATSD_PORT: '9125' },
});

const migrate = new Sidecar(chart, 'migrate', {
  image: 'ghcr.io/acme/shop-migrate:4.2.0',
  role: StartupRole.INIT_STEP,
  args: ['up'],
  secretEnv: { DATABASE_URL: { secretName: 'shop-db', key: 'url' } },
});

WorkloadSidecars.of(api).add(migrate, statsd, logShipper);

app.synth();
