/**
 * A cdk8s-plus-27 Deployment with two generic sidecars and an init step, as native
 * sidecars (Kubernetes >= 1.29).
 *
 *   - log-shipper: Fluent Bit tailing the app's log directory, config file generated inline
 *   - statsd: a StatsD exporter the app sends metrics to on localhost; the app waits until it is healthy
 *   - migrate: database migrations that run to completion before the app starts
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PortExposure, Probe, Sidecar, StartupRole } from 'cdk-sidecars';
import { WorkloadSidecars } from 'cdk-sidecars/k8s';

const app = new App();
const chart = new Chart(app, 'shop', { namespace: 'shop' });

const api = new kplus.Deployment(chart, 'api', {
  replicas: 3,
  containers: [{
    name: 'api',
    image: 'ghcr.io/acme/shop-api:4.2.0',
    portNumber: 8080,
    volumeMounts: [],
  }],
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
  startupProbe: Probe.httpGet({ port: 9102, path: '/', periodSeconds: 1, failureThreshold: 30 }),
  livenessProbe: Probe.httpGet({ port: 9102, path: '/' }),
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
