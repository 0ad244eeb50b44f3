/**
 * An Azure Container Instances group with the app and two generic sidecars, written
 * both as an ARM deployment template and as the YAML for `az container create --file`.
 *
 *   - log-shipper: Fluent Bit tailing a shared emptyDir, config file as a secret volume
 *   - statsd: a StatsD exporter on localhost; ACI has no start order between containers,
 *     so the library warns that the app must retry until it answers
 *   - migrate: an init container, run before the app
 */
import { PortExposure, Probe, Sidecar, StartupRole, WaitCondition } from 'cdk-sidecars';
import { AciApp, AciContainerGroup } from 'cdk-sidecars/aci';

const app = new AciApp();

const group = new AciContainerGroup(app, 'shop-api', {
  dnsNameLabel: 'acme-shop-api',
  containers: [{
    name: 'api',
    image: 'ghcr.io/acme/shop-api:4.2.0',
    ports: [{ port: 8080 }],
    cpu: 1,
    memoryInGB: 1.5,
    secureEnvironment: { DATABASE_URL: { secretName: 'shop-db', key: 'url' } },
    readinessProbe: Probe.httpGet({ port: 8080, path: '/ready' }),
  }],
});

const logShipper = new Sidecar(app, 'log-shipper', {
  image: 'fluent/fluent-bit:4.0.3',
  command: ['/fluent-bit/bin/fluent-bit'],
  args: ['-c', '/fluent-bit/etc/fluent-bit.yaml'],
  ports: [{ port: 2020 }],
  livenessProbe: Probe.exec({ command: ['/fluent-bit/bin/fluent-bit', '--version'] }),
  volumes: [{ name: 'app-logs', mountPath: '/var/log/app', readOnly: true, appMountPath: '/var/log/app' }],
  configFiles: [{
    path: '/fluent-bit/etc/fluent-bit.yaml',
    content: 'pipeline:\n  inputs:\n    - name: tail\n      path: /var/log/app/*.log\n      mem_buf_limit: 5MB\n  outputs:\n    - name: stdout\n      match: "*"\n',
  }],
  appEnv: { LOG_DIR: '/var/log/app' },
});

const statsd = new Sidecar(app, 'statsd', {
  image: 'prom/statsd-exporter:v0.28.0',
  ports: [{ port: 9102, exposure: PortExposure.EXPOSED }, { port: 9125 }],
  readinessProbe: Probe.httpGet({ port: 9102, path: '/' }),
  appWaitsFor: WaitCondition.HEALTHY,
  appEnv: { STATSD_HOST: '127.0.0.1', STATSD_PORT: '9125' },
});

const migrate = new Sidecar(app, 'migrate', {
  image: 'ghcr.io/acme/shop-migrate:4.2.0',
  role: StartupRole.INIT_STEP,
  command: ['/migrate'],
  args: ['up'],
  secretEnv: { DATABASE_URL: { secretName: 'shop-db', key: 'url' } },
});

group.addSidecars(migrate, statsd, logShipper);

app.synth();
