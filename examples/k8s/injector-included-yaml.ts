/**
 * YAML kept in git, brought in with Include, and a SidecarInjector that adds a log
 * shipper to every pod template labelled `sidecars.acme.dev/logging: enabled`, the way
 * a mutating webhook would, but at synth time: the output is what gets deployed.
 * The Job in the same file opts out with `cdk-sidecars.dev/inject: "false"`.
 */
import * as path from 'path';
import { App, Chart, Include } from 'cdk8s';
import { PortExposure, Probe, Sidecar } from 'cdk-sidecars';
import { SidecarInjector } from 'cdk-sidecars/k8s';

const app = new App();
const chart = new Chart(app, 'legacy');

new Include(chart, 'manifests', { url: path.join(__dirname, 'manifests', 'legacy-api.yaml') });

const shipper = new Sidecar(chart, 'log-shipper', {
  image: 'fluent/fluent-bit:4.0.3',
  // The image's CMD reads /fluent-bit/etc/fluent-bit.conf (fluent/fluent-bit
  // dockerfiles/Dockerfile), which the config volume below hides: name the YAML file.
  args: ['-c', '/fluent-bit/etc/fluent-bit.yaml'],
  ports: [{ port: 2020, exposure: PortExposure.EXPOSED }],
  readinessProbe: Probe.httpGet({ port: 2020, path: '/api/v1/health' }),
  volumes: [{ name: 'app-logs', mountPath: '/var/log/app', readOnly: true, appMountPath: '/var/log/app' }],
  // The readiness probe needs Fluent Bit's HTTP server, off unless the service section turns
  // it on, and its health check (https://docs.fluentbit.io/manual/administration/monitoring).
  configFiles: [{ path: '/fluent-bit/etc/fluent-bit.yaml', content: 'service:\n  http_server: on\n  http_port: 2020\n  health_check: on\npipeline:\n  inputs:\n    - name: tail\n      path: /var/log/app/*.log\n      mem_buf_limit: 5MB\n  outputs:\n    - name: stdout\n      match: "*"\n' }],
});

new SidecarInjector(chart, 'logging', {
  sidecars: [shipper],
  selector: { matchLabels: { 'sidecars.acme.dev/logging': 'enabled' } },
});

app.synth();
