/**
 * Istio parity knobs of EnvoySidecar (issue 13): worker threads, redirection left to a CNI
 * plugin, tracing, stats, headers, connection settings, drain. Every synthesized bootstrap
 * goes through the proto validator; bad inputs assert the message part naming path and field.
 */
import { JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  EnvoyForwardClientCert, EnvoyInboundProtocol, EnvoyLogLevel, EnvoyServerHeader, EnvoySidecar, EnvoySidecarProps, EnvoyStatsSinkKind,
  EnvoyTracingProvider, RedirectMode, Sidecar, XRayDaemonSidecar,
} from '../../src';
import { AciApp, AciContainerGroup } from '../../src/aci';
import { ErrorCode } from '../../src/core/errors';
import { expandKubernetesReferences } from '../../src/core/expansion';
import { TaskSidecars } from '../../src/ecs';
import { SidecarMode, WorkloadSidecars } from '../../src/k8s';
import { synthGroup } from '../aci/util';
import { container, fargateTask, synthTemplate } from '../ecs/util';
import { expectError } from '../errors';
import { findDoc, newChart, podOf, rawDeployment, synth } from '../k8s/util';
import { validateEnvoyBootstrap } from '../validate/envoy';

/** A cdk8s-plus-27 Deployment with Envoy: the pod, the Envoy container and the parsed, proto-checked bootstrap. */
function onK8s(props: EnvoySidecarProps = {}, app: any = { name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }) {
  const chart = newChart();
  const d = new kplus.Deployment(chart, 'api', { containers: [app] });
  WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy', props));
  const docs = synth(chart);
  const pod = podOf(findDoc(docs, 'Deployment'));
  const name = props.name ?? (props.redirectMode === RedirectMode.CNI ? 'istio-proxy' : 'envoy');
  const envoy = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c: any) => c.name === name);
  const bootstrap = JSON.parse(findDoc(docs, 'ConfigMap', `${d.name}-${name}-config`).data['envoy.json']);
  validateEnvoyBootstrap(bootstrap);
  return { docs, pod, envoy, bootstrap };
}

function onEcs(props: EnvoySidecarProps = {}) {
  const f = fargateTask();
  TaskSidecars.of(f.td).add(new EnvoySidecar(f.stack, 'envoy', props));
  const t = synthTemplate(f.stack);
  const writer = container(t, 'cdk-sidecars-config');
  const file = writer.Environment.find((e: any) => e.Name === 'CDK_SIDECARS_FILE_0').Value;
  const bootstrap = JSON.parse(Buffer.from(file, 'base64').toString());
  validateEnvoyBootstrap(bootstrap);
  return { template: t, envoy: container(t, props.name ?? 'envoy'), bootstrap };
}

function onAci(props: EnvoySidecarProps = {}) {
  const app = new AciApp();
  const group = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080, expose: false }] }] });
  group.addSidecars(new EnvoySidecar(app, 'envoy', { redirect: false, ...props }));
  const { resource } = synthGroup(group);
  const envoy = resource.properties.containers.find((c: any) => c.name === 'envoy').properties;
  const bootstrap = JSON.parse(Buffer.from(resource.properties.volumes.find((v: any) => v.name === 'envoy-config').secret['envoy.json'], 'base64').toString());
  validateEnvoyBootstrap(bootstrap);
  return { resource, envoy, bootstrap, group };
}

const argAfter = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('concurrency: worker threads from the CPU limit (Istio ProxyConfig.concurrency)', () => {
  test('default: the default CPU limit 2000m gives --concurrency 2 on every platform', () => {
    expect(argAfter(onK8s().envoy.args, '--concurrency')).toBe('2');
    expect(argAfter(onEcs().envoy.Command, '--concurrency')).toBe('2');
    expect(argAfter(onAci().envoy.command, '--concurrency')).toBe('2');
  });

  test('the CPU limit rounded up to whole cores, at least 1', () => {
    expect(argAfter(onK8s({ resources: { cpuLimitMillicores: 3500 } }).envoy.args, '--concurrency')).toBe('4');
    expect(argAfter(onK8s({ resources: { cpuRequestMillicores: 100, cpuLimitMillicores: 250 } }).envoy.args, '--concurrency')).toBe('1');
  });

  test('an explicit number wins; 0 (all host threads) only when asked for', () => {
    expect(argAfter(onK8s({ concurrency: 8, resources: { cpuLimitMillicores: 1000 } }).envoy.args, '--concurrency')).toBe('8');
    expect(argAfter(onEcs({ concurrency: 0 }).envoy.Command, '--concurrency')).toBe('0');
  });

  test('bad values name the prop', () => {
    for (const bad of [-1, 1.5, '4', 5000]) {
      expectError(() => new EnvoySidecar(newChart(), 'envoy', { concurrency: bad as any }), ErrorCode.INVALID_NUMBER, 'web/envoy: concurrency');
    }
  });
});

describe('redirectMode CNI: the Istio CNI plugin installs the rules, no privileged container', () => {
  const { pod, docs, envoy, bootstrap } = onK8s({
    redirectMode: RedirectMode.CNI,
    excludeOutboundCidrs: ['10.96.0.0/12'],
    excludeOutboundPorts: [5432],
    excludeInboundPorts: [9090],
    excludeInterfaces: ['net1'],
  });

  test('no container needs NET_ADMIN, NET_RAW or root: the pod passes Pod Security restricted on these fields', () => {
    const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
    for (const c of all) {
      const add: string[] = c.securityContext?.capabilities?.add ?? [];
      expect(add.filter(x => x !== 'NET_BIND_SERVICE')).toEqual([]);
      expect(c.securityContext?.runAsUser).not.toBe(0);
      expect(c.securityContext?.privileged ?? false).toBe(false);
    }
    for (const c of all.filter(x => x.name !== 'api')) {
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    }
  });

  test('the proxy is "istio-proxy" on 15001/15006 after an unprivileged check of the rules (istio-iptables --run-validation), no rules ConfigMap', () => {
    expect(pod.spec.initContainers.map((c: any) => c.name)).toEqual(['cdk-sidecars-redirect-check', 'istio-proxy']);
    const check = pod.spec.initContainers[0];
    expect(check.command).toEqual(['/usr/local/bin/pilot-agent', 'istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-g', '1337', '-m', 'REDIRECT',
      '--run-validation', '--skip-rule-apply']);
    expect(check.securityContext).toMatchObject({ runAsUser: 1337, runAsGroup: 1337 });
    expect(envoy.securityContext).toMatchObject({ runAsUser: 1337, runAsGroup: 1337 });
    expect(docs.filter((d: any) => d.kind === 'ConfigMap').map((d: any) => d.metadata.name).some((n: string) => n.includes('redirect'))).toBe(false);
    expect((pod.spec.volumes ?? []).map((v: any) => v.name)).not.toContain('cdk-sidecars-redirect');
    expect(bootstrap.static_resources.listeners.find((l: any) => l.name === 'outbound').address.socket_address.port_value).toBe(15001);
  });

  test('the pod carries the annotations the plugin reads, written from the props', () => {
    expect(pod.metadata.annotations).toMatchObject({
      'sidecar.istio.io/interceptionMode': 'REDIRECT',
      'traffic.sidecar.istio.io/includeInboundPorts': '8080',
      'traffic.sidecar.istio.io/excludeInboundPorts': '9090',
      'traffic.sidecar.istio.io/includeOutboundIPRanges': '*',
      'traffic.sidecar.istio.io/excludeOutboundIPRanges': '10.96.0.0/12',
      'traffic.sidecar.istio.io/excludeOutboundPorts': '5432',
      'traffic.sidecar.istio.io/excludeInterfaces': 'net1',
    });
    expect(JSON.parse(pod.metadata.annotations['sidecar.istio.io/status']).containers).toEqual(['istio-proxy']);
    expect(pod.metadata.annotations['traffic.sidecar.istio.io/includeOutboundPorts']).toBeUndefined();
  });

  test('includeOutboundPorts alone: no IP-range capture, those ports whatever the destination; with CIDRs too it is refused', () => {
    const { pod: p } = onK8s({ redirectMode: RedirectMode.CNI, includeOutboundPorts: [80, 443] });
    expect(p.metadata.annotations).toMatchObject({ 'traffic.sidecar.istio.io/includeOutboundIPRanges': '', 'traffic.sidecar.istio.io/includeOutboundPorts': '80,443' });
    expectError(() => onK8s({ redirectMode: RedirectMode.CNI, includeOutboundPorts: [80], includeOutboundCidrs: ['10.0.0.0/8'] }), ErrorCode.INVALID_INTERCEPTION,
      'web/envoy: pod.trafficInterception.includeOutboundPorts [80] cannot be combined with includeOutboundCidrs');
  });

  test('another proxy name or port is refused, naming the prop', () => {
    expectError(() => new EnvoySidecar(newChart(), 'envoy', { redirectMode: RedirectMode.CNI, name: 'envoy' }), ErrorCode.INVALID_ROLE, 'web/envoy: name "envoy" is not "istio-proxy"');
    expectError(() => new EnvoySidecar(newChart(), 'envoy', { redirectMode: RedirectMode.CNI, outboundPort: 16001 }), ErrorCode.INVALID_ROLE, 'web/envoy: outboundPort 16001 differs from 15001');
    expectError(() => new EnvoySidecar(newChart(), 'envoy', { redirectMode: 'BOGUS' as any }), ErrorCode.INVALID_TYPE, 'web/envoy: redirectMode');
    expectError(() => new EnvoySidecar(newChart(), 'envoy', { redirect: false, redirectMode: RedirectMode.CNI }), ErrorCode.INEFFECTIVE_SETTING, 'web/envoy: redirectMode');
  });

  test('the workload\'s own init containers are warned about: the rules are in place before Envoy runs', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'api', {
      initContainers: [{ name: 'migrate', image: 'ghcr.io/acme/migrate:1' }],
      containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }],
    });
    const sidecars = WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy', { redirectMode: RedirectMode.CNI }));
    synth(chart);
    expect(sidecars.warnings).toContainEqual(expect.stringMatching(/^web\/envoy: the CNI plugin installs the redirect rules before any container starts, .*\(migrate\).*run them as UID 1337/));
  });

  test('ECS: CNI mode and excludeInterfaces are errors (the proxyConfiguration is already applied by the platform\'s CNI plugin)', () => {
    expectError(() => onEcs({ redirectMode: RedirectMode.CNI }), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/envoy: pod.trafficInterception.redirectMode "CNI" cannot be rendered on ECS');
    expectError(() => onEcs({ excludeInterfaces: ['eth1'] }), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'pod.trafficInterception.excludeInterfaces');
  });
});

describe('excludeInterfaces (init container mode) and rewriteAppProbes', () => {
  test('an excluded interface returns first in both chains of the IPv4 and IPv6 rules', () => {
    const { docs } = onK8s({ excludeInterfaces: ['net1', 'eth1.100'] });
    const rules = findDoc(docs, 'ConfigMap', docs.find((d: any) => d.kind === 'ConfigMap' && d.data?.['rules.v4']).metadata.name).data;
    for (const doc of [rules['rules.v4'], rules['rules.v6']]) {
      const lines = doc.split('\n');
      expect(lines).toContain('-A CDK_SIDECARS_INBOUND -i net1 -j RETURN');
      expect(lines).toContain('-A CDK_SIDECARS_OUTPUT -o eth1.100 -j RETURN');
      expect(lines.indexOf('-A CDK_SIDECARS_INBOUND -i net1 -j RETURN')).toBeLessThan(lines.indexOf('-A CDK_SIDECARS_INBOUND -p tcp --dport 8080 -j CDK_SIDECARS_IN_REDIRECT'));
    }
    for (const bad of ['-j ACCEPT', 'a'.repeat(16), 'eth 0', '1eth']) {
      expectError(() => new EnvoySidecar(newChart(), 'envoy', { excludeInterfaces: [bad] }), ErrorCode.INVALID_INTERCEPTION, 'web/envoy: excludeInterfaces[0]');
    }
  });

  test('rerouteVirtualInterfaces: TCP entering the interface is sent to the outbound port (per include CIDR); CNI annotation; ECS error', () => {
    const { docs } = onK8s({ rerouteVirtualInterfaces: ['k6t-eth0'], includeOutboundCidrs: ['10.0.0.0/8'] });
    const rules = docs.find((d: any) => d.kind === 'ConfigMap' && d.data?.['rules.v4']).data['rules.v4'].split('\n');
    expect(rules).toContain('-A CDK_SIDECARS_INBOUND -i k6t-eth0 -d 10.0.0.0/8 -j CDK_SIDECARS_REDIRECT');
    const { pod } = onK8s({ redirectMode: RedirectMode.CNI, rerouteVirtualInterfaces: ['k6t-eth0'] });
    expect(pod.metadata.annotations['istio.io/reroute-virtual-interfaces']).toBe('k6t-eth0');
    expectError(() => onK8s({ redirectMode: RedirectMode.CNI, rerouteVirtualInterfaces: ['k6t-eth0'], includeOutboundPorts: [80] }), ErrorCode.INVALID_INTERCEPTION,
      'web/envoy: pod.trafficInterception.rerouteVirtualInterfaces ["k6t-eth0"] cannot be limited to includeOutboundPorts');
    expectError(() => onEcs({ rerouteVirtualInterfaces: ['k6t-eth0'] }), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'pod.trafficInterception.rerouteVirtualInterfaces');
    expectError(() => new EnvoySidecar(newChart(), 'envoy', { rerouteVirtualInterfaces: ['a b'] }), ErrorCode.INVALID_INTERCEPTION, 'web/envoy: rerouteVirtualInterfaces[0]');
    expectError(() => onK8s({ rerouteVirtualInterfaces: ['net1'], excludeInterfaces: ['net1'] }), ErrorCode.INVALID_INTERCEPTION, 'rerouteVirtualInterfaces "net1" is in excludeInterfaces too');
  });

  test('nativeNftables: one nft ruleset in the ConfigMap, applied with nft -f; refused with CNI, on ECS and in explicit mode', () => {
    const { pod, docs } = onK8s({ nativeNftables: true });
    const init = pod.spec.initContainers.find((c: any) => c.name === 'cdk-sidecars-redirect');
    expect(init.command).toEqual(['nft', '-f', '/etc/cdk-sidecars/redirect/rules.nft']);
    const data = docs.find((d: any) => d.kind === 'ConfigMap' && d.data?.['rules.nft']).data;
    expect(Object.keys(data)).toEqual(['rules.nft']);
    expect(data['rules.nft']).toContain('tcp dport { 8080 } redirect to :15006');
    expectError(() => onK8s({ nativeNftables: true, redirectMode: RedirectMode.CNI }), ErrorCode.INVALID_INTERCEPTION, 'web/envoy: pod.trafficInterception.nativeNftables true has no effect with RedirectMode.CNI');
    expectError(() => onEcs({ nativeNftables: true }), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'pod.trafficInterception.nativeNftables');
    expectError(() => new EnvoySidecar(newChart(), 'envoy', { redirect: false, nativeNftables: true }), ErrorCode.INEFFECTIVE_SETTING, 'web/envoy: nativeNftables');
  });

  test('rewriteAppProbes: false keeps the HTTP probes, drops the probe route, and refuses a TCP probe of a captured port', () => {
    const app = { name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080, readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }), startup: kplus.Probe.fromHttpGet('/ready', { port: 8080 }) };
    const { pod, envoy, bootstrap } = onK8s({ rewriteAppProbes: false }, app);
    expect(pod.spec.containers[0].readinessProbe.httpGet).toMatchObject({ path: '/ready', port: 8080 });
    expect(envoy.ports.map((p: any) => p.containerPort)).not.toContain(15020);
    expect(bootstrap.static_resources.listeners.map((l: any) => l.name)).not.toContain('probes');
    expectError(() => onK8s({ rewriteAppProbes: false }), ErrorCode.INVALID_INTERCEPTION, 'tcpSocket.port');
    // The default (on) rewrites them.
    expect(onK8s({}, app).pod.spec.containers[0].readinessProbe.httpGet).toMatchObject({ path: '/app-health/http/8080/ready', port: 15020 });
  });
});

describe('kubectl default container annotations (every workload)', () => {
  test('classic mode puts sidecars first: the annotations name the first app container, for Envoy and any sidecar', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }, { name: 'worker', image: 'ghcr.io/acme/w:1' }] });
    WorkloadSidecars.of(d, { mode: SidecarMode.CLASSIC }).add(new EnvoySidecar(chart, 'envoy'));
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    expect(pod.spec.containers[0].name).toBe('envoy');
    expect(pod.metadata.annotations).toMatchObject({ 'kubectl.kubernetes.io/default-container': 'api', 'kubectl.kubernetes.io/default-logs-container': 'api' });

    const chart2 = newChart();
    const raw = rawDeployment(chart2, 'app');
    raw.addJsonPatch(JsonPatch.add('/spec/template/metadata/annotations', { 'kubectl.kubernetes.io/default-container': 'app-main' }));
    WorkloadSidecars.of(raw).add(new Sidecar(chart2, 'agent', { image: 'ghcr.io/acme/agent:1.0.0' }));
    const pod2 = podOf(findDoc(synth(chart2), 'Deployment'));
    expect(pod2.metadata.annotations['kubectl.kubernetes.io/default-container']).toBe('app-main');
    expect(pod2.metadata.annotations['kubectl.kubernetes.io/default-logs-container']).toBe('app');
  });
});

const hcmOf = (b: any, listenerName: string) =>
  b.static_resources.listeners.find((l: any) => l.name === listenerName).filter_chains[0].filters[0].typed_config;

describe('tracing, stats, headers, connection settings (bootstrap, proto-checked)', () => {
  const all: EnvoySidecarProps = {
    tracing: { provider: EnvoyTracingProvider.ZIPKIN, address: 'zipkin.observability', samplingPercent: 10 },
    stats: {
      inclusionPrefixes: ['cluster.inbound_'],
      inclusionSuffixes: ['upstream_rq_time'],
      inclusionRegexps: ['http\\.inbound_\\d+\\..*'],
      histogramBuckets: [{ statPrefix: 'cluster_manager', buckets: [1, 5, 10] }],
      sinks: [{ kind: EnvoyStatsSinkKind.DOG_STATSD }, { kind: EnvoyStatsSinkKind.STATSD, address: '10.0.0.9', port: 9125, prefix: 'mesh' }],
      flushIntervalSeconds: 1,
    },
    proxyHeaders: { serverName: 'shop', serverHeader: EnvoyServerHeader.APPEND_IF_ABSENT, generateRequestId: false, forwardClientCert: EnvoyForwardClientCert.SANITIZE_SET, suppressEnvoyHeaders: true },
    connectionSettings: {
      idleTimeoutSeconds: 60,
      maxConnectionDurationSeconds: 600,
      streamIdleTimeoutSeconds: 30,
      requestHeadersTimeoutSeconds: 10,
      http2InitialStreamWindowBytes: 65536,
      http2InitialConnectionWindowBytes: 1048576,
    },
  };

  test('Kubernetes: the inbound HTTP listener traces (Zipkin cluster by DNS), carries the headers and connection settings; readiness does not', () => {
    const { bootstrap } = onK8s(all);
    const inbound = bootstrap.static_resources.listeners.find((l: any) => l.name === 'inbound').filter_chains[0].filters[0].typed_config;
    expect(inbound.tracing).toEqual({
      random_sampling: { value: 10 },
      provider: { name: 'envoy.tracers.zipkin', typed_config: expect.objectContaining({ collector_cluster: 'tracing', collector_endpoint: '/api/v2/spans', collector_endpoint_version: 'HTTP_JSON' }) },
    });
    expect(bootstrap.static_resources.clusters.find((c: any) => c.name === 'tracing')).toMatchObject({
      type: 'STRICT_DNS', load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'zipkin.observability', port_value: 9411 } } } }] }] },
    });
    expect(inbound).toMatchObject({
      server_name: 'shop',
      server_header_transformation: 'APPEND_IF_ABSENT',
      generate_request_id: false,
      forward_client_cert_details: 'SANITIZE_SET',
      set_current_client_cert_details: { subject: true, uri: true, dns: true },
      common_http_protocol_options: { idle_timeout: '60s', max_connection_duration: '600s' },
      stream_idle_timeout: '30s',
      request_headers_timeout: '10s',
      http2_protocol_options: { initial_stream_window_size: 65536, initial_connection_window_size: 1048576 },
    });
    expect(inbound.http_filters.at(-1).typed_config.suppress_envoy_headers).toBe(true);
    const readiness = hcmOf(bootstrap, 'readiness');
    expect(readiness.tracing).toBeUndefined();
    expect(readiness.server_name).toBeUndefined();
    expect(bootstrap.stats_config).toEqual({
      stats_matcher: { inclusion_list: { patterns: [{ prefix: 'cluster.inbound_' }, { suffix: 'upstream_rq_time' }, { safe_regex: { regex: 'http\\.inbound_\\d+\\..*' } }] } },
      histogram_bucket_settings: [{ match: { prefix: 'cluster_manager' }, buckets: [1, 5, 10] }],
    });
    expect(bootstrap.stats_sinks).toEqual([
      { name: 'envoy.stat_sinks.dog_statsd', typed_config: { '@type': 'type.googleapis.com/envoy.config.metrics.v3.DogStatsdSink', 'address': { socket_address: { address: '127.0.0.1', port_value: 8125 } } } },
      { name: 'envoy.stat_sinks.statsd', typed_config: { '@type': 'type.googleapis.com/envoy.config.metrics.v3.StatsdSink', 'address': { socket_address: { address: '10.0.0.9', port_value: 9125 } }, 'prefix': 'mesh' } },
    ]);
    expect(bootstrap.stats_flush_interval).toBe('1s');
  });

  test('ECS: X-Ray tracing to the daemon on 127.0.0.1:2000 over UDP, DogStatsD to an agent of the task', () => {
    const { bootstrap } = onEcs({ tracing: { provider: EnvoyTracingProvider.XRAY, serviceName: 'shop-api' }, stats: { sinks: [{ kind: EnvoyStatsSinkKind.DOG_STATSD }] } });
    expect(hcmOf(bootstrap, 'inbound').tracing.provider).toEqual({
      name: 'envoy.tracers.xray',
      typed_config: { '@type': 'type.googleapis.com/envoy.config.trace.v3.XRayConfig', 'daemon_endpoint': { protocol: 'UDP', address: '127.0.0.1', port_value: 2000 }, 'segment_name': 'shop-api' },
    });
    expect(bootstrap.static_resources.clusters.find((c: any) => c.name === 'tracing')).toBeUndefined();
    expect(bootstrap.stats_sinks[0].name).toBe('envoy.stat_sinks.dog_statsd');
  });

  test('ACI (explicit proxy): OpenTelemetry over gRPC (HTTP/2 cluster) on the inbound and egress listeners; Datadog renders too', () => {
    const { bootstrap } = onAci({ tracing: { provider: EnvoyTracingProvider.OPENTELEMETRY } });
    for (const name of ['inbound', 'egress']) {
      expect(hcmOf(bootstrap, name).tracing).toEqual({
        random_sampling: { value: 1 },
        provider: { name: 'envoy.tracers.opentelemetry', typed_config: { '@type': 'type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig', 'grpc_service': { envoy_grpc: { cluster_name: 'tracing' } }, 'service_name': 'cdk-sidecars' } },
      });
    }
    const otlp = bootstrap.static_resources.clusters.find((c: any) => c.name === 'tracing');
    expect(otlp).toMatchObject({ type: 'STATIC', typed_extension_protocol_options: expect.any(Object) });
    expect(otlp.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value).toBe(4317);
    const dd = onAci({ tracing: { provider: EnvoyTracingProvider.DATADOG } }).bootstrap;
    expect(hcmOf(dd, 'egress').tracing.provider.typed_config).toEqual({ '@type': 'type.googleapis.com/envoy.config.trace.v3.DatadogConfig', 'collector_cluster': 'tracing', 'service_name': 'cdk-sidecars' });
  });

  test('TCP inbound with no routes has no HTTP listener: a warning says tracing has no effect', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
    const sidecars = WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy', { inboundProtocol: EnvoyInboundProtocol.TCP, tracing: { provider: EnvoyTracingProvider.ZIPKIN } }));
    synth(chart);
    expect(sidecars.warnings).toContainEqual(expect.stringContaining('EnvoySidecarProps.tracing apply to HTTP listeners, and this pod has none'));
  });

  test('bad inputs name the field', () => {
    const bad: Array<[EnvoySidecarProps, ErrorCode, string]> = [
      [{ tracing: { provider: EnvoyTracingProvider.XRAY, address: 'xray.local' } }, ErrorCode.INVALID_ROLE, 'web/envoy: tracing.address "xray.local" is not an IP address'],
      [{ tracing: { provider: EnvoyTracingProvider.ZIPKIN, samplingPercent: 101 } }, ErrorCode.INVALID_NUMBER, 'web/envoy: tracing.samplingPercent 101'],
      [{ tracing: { provider: 'JAEGER' as any } }, ErrorCode.INVALID_TYPE, 'web/envoy: tracing.provider'],
      [{ tracing: {} as any }, ErrorCode.INVALID_TYPE, 'web/envoy: tracing.provider'],
      [{ tracing: { provider: EnvoyTracingProvider.ZIPKIN }, xds: { address: 'istiod', port: 15012 } }, ErrorCode.INEFFECTIVE_SETTING, 'web/envoy: tracing'],
      [{ stats: { inclusionRegexps: ['(?=a)b'] } }, ErrorCode.INVALID_ROLE, 'web/envoy: stats.inclusionRegexps[0] "(?=a)b" is not an RE2 regular expression'],
      [{ stats: { histogramBuckets: [{ statPrefix: 'x', buckets: [5, 5] }] } }, ErrorCode.INVALID_ROLE, 'web/envoy: stats.histogramBuckets[0].buckets'],
      [{ stats: { sinks: [{ kind: EnvoyStatsSinkKind.STATSD, address: 'statsd.local' }] } }, ErrorCode.INVALID_ROLE, 'web/envoy: stats.sinks[0].address "statsd.local" is not an IP address'],
      [{ stats: { flushIntervalSeconds: 1 } }, ErrorCode.INEFFECTIVE_SETTING, 'web/envoy: stats.flushIntervalSeconds 1'],
      [{ stats: { sinks: [{ kind: EnvoyStatsSinkKind.STATSD }], flushIntervalSeconds: 300 } }, ErrorCode.INVALID_NUMBER, 'web/envoy: stats.flushIntervalSeconds 300'],
      [{ proxyHeaders: { serverName: 'a\nb' } }, ErrorCode.INVALID_ROLE, 'web/envoy: proxyHeaders.serverName'],
      [{ connectionSettings: { http2InitialStreamWindowBytes: 1000 } }, ErrorCode.INVALID_NUMBER, 'web/envoy: connectionSettings.http2InitialStreamWindowBytes 1000'],
      [{ connectionSettings: { idleTimeoutSeconds: -1 } }, ErrorCode.INVALID_NUMBER, 'web/envoy: connectionSettings.idleTimeoutSeconds -1'],
      [{ componentLogLevels: [{ component: 'Upstream!', level: EnvoyLogLevel.DEBUG }] }, ErrorCode.INVALID_ROLE, 'web/envoy: componentLogLevels[0].component "Upstream!"'],
      [{ componentLogLevels: [{ component: 'http', level: 'loud' as any }] }, ErrorCode.INVALID_TYPE, 'web/envoy: componentLogLevels[0].level'],
      [{ accessLog: false, accessLogFlushIntervalMilliseconds: 1000 }, ErrorCode.INEFFECTIVE_SETTING, 'web/envoy: accessLogFlushIntervalMilliseconds 1000'],
      [{ accessLogFlushMinSizeKilobytes: 0 }, ErrorCode.INVALID_NUMBER, 'web/envoy: accessLogFlushMinSizeKilobytes 0'],
      [{ bootstrapOverride: { layered_runtime: { x: () => 1 } } as any }, ErrorCode.INVALID_TYPE, 'web/envoy: bootstrapOverride.layered_runtime.x'],
      [{ exitOnZeroActiveConnections: 'yes' as any }, ErrorCode.INVALID_TYPE, 'web/envoy: exitOnZeroActiveConnections'],
    ];
    for (const [props, code, part] of bad) {
      expectError(() => new EnvoySidecar(newChart(), 'envoy', props), code, part);
    }
  });
});

describe('args: component log levels, access-log flush, bootstrap override; drain until idle', () => {
  test('rendered as Envoy flags on every platform', () => {
    const props: EnvoySidecarProps = {
      componentLogLevels: [{ component: 'upstream', level: EnvoyLogLevel.DEBUG }, { component: 'connection', level: EnvoyLogLevel.TRACE }],
      accessLogFlushIntervalMilliseconds: 1000,
      accessLogFlushMinSizeKilobytes: 16,
      bootstrapOverride: { layered_runtime: { layers: [{ name: 'static', static_layer: { 'overload.global_downstream_max_connections': 50000 } }] } },
    };
    const k8s = onK8s(props).envoy.args;
    const ecs = onEcs(props).envoy.Command;
    const aci = onAci(props).envoy.command;
    for (const args of [k8s, ecs, aci]) {
      expect(argAfter(args, '--component-log-level')).toBe('upstream:debug,connection:trace');
      expect(argAfter(args, '--file-flush-interval-msec')).toBe('1000');
      expect(argAfter(args, '--file-flush-min-size-kb')).toBe('16');
      expect(JSON.parse(argAfter(args, '--config-yaml'))).toEqual(props.bootstrapOverride);
    }
    const { group } = onAci({ bootstrapOverride: {} });
    expect(group.notes.concat((group as any).warnings ?? [])).toEqual(expect.arrayContaining([expect.stringContaining('bootstrapOverride is merged onto the generated bootstrap by Envoy at start')]));
  });

  test('a bootstrapOverride with "$" reaches Envoy as given: Kubernetes expands $$ and $(VAR) in args (core/v1 Container.args), so the JSON is written with "$" doubled', () => {
    const props: EnvoySidecarProps = { bootstrapOverride: { node: { metadata: { price: 'US$$5', ref: '$(HOSTNAME)', tail: '$' } } } };
    const { envoy } = onK8s(props);
    // What the kubelet hands the process (k8s.io/kubernetes third_party/forked/golang/expansion, as src/core/expansion.ts reads it).
    const seen = (envoy.args as string[]).map(a => expandKubernetesReferences(a, (envoy.env ?? []).map((e: any) => ({ name: e.name, value: e.value ?? '' }))).value);
    expect(JSON.parse(argAfter(seen, '--config-yaml'))).toEqual(props.bootstrapOverride);
    expect(JSON.parse(argAfter(onEcs(props).envoy.Command, '--config-yaml'))).toEqual(props.bootstrapOverride);
    // ACI passes command words literally and refuses what Kubernetes would expand (container-group.ts); a lone "$" goes as it is.
    expectError(() => onAci(props), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'cannot be rendered on Azure Container Instances: Kubernetes expands $(VAR) and $$ there');
    const lone: EnvoySidecarProps = { bootstrapOverride: { node: { metadata: { price: 'US$5', tail: '$' } } } };
    expect(JSON.parse(argAfter(onAci(lone).envoy.command, '--config-yaml'))).toEqual(lone.bootstrapOverride);
  });

  test('exitOnZeroActiveConnections: preStop drains, then polls the listeners\' downstream_cx_active, bounded by drainSeconds', () => {
    const { envoy } = onK8s({ exitOnZeroActiveConnections: true, drainSeconds: 20, stats: { inclusionPrefixes: ['cluster.'] } });
    const script = envoy.lifecycle.preStop.exec.command[2];
    expect(script).toContain('POST /drain_listeners?graceful&inboundonly HTTP/1.1');
    expect(script).toContain('GET /stats?filter=downstream_cx_active HTTP/1.1');
    expect(script).toContain('listener.*_15006.downstream_cx_active:*|listener.*_15001.downstream_cx_active:*');
    expect(script).toContain('end=$((t + 20000000))');
  });

  test('the inclusion list keeps downstream_cx_active when the drain reads it', () => {
    const { bootstrap } = onK8s({ exitOnZeroActiveConnections: true, stats: { inclusionPrefixes: ['cluster.'] } });
    expect(bootstrap.stats_config.stats_matcher.inclusion_list.patterns).toEqual([{ prefix: 'cluster.' }, { suffix: 'downstream_cx_active' }]);
  });
});

describe('gRPC probes of captured ports (Istio rewrites them to its agent)', () => {
  function grpcPod(props: EnvoySidecarProps = {}) {
    const chart = newChart();
    const d = rawDeployment(chart, 'api', [{
      name: 'app',
      image: 'ghcr.io/acme/app:1',
      ports: [{ containerPort: 8080 }, { containerPort: 9000 }],
      readinessProbe: { grpc: { port: 8080, service: 'orders.v1/Orders' }, periodSeconds: 3 },
      livenessProbe: { grpc: { port: 8080 } },
      startupProbe: { grpc: { port: 9000 } },
    }]);
    WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy', { excludeInboundPorts: [9000], ...props }));
    const docs = synth(chart);
    const pod = podOf(findDoc(docs, 'Deployment'));
    const bootstrap = JSON.parse(docs.find((x: any) => x.kind === 'ConfigMap' && x.data?.['envoy.json']).data['envoy.json']);
    validateEnvoyBootstrap(bootstrap);
    return { pod, bootstrap };
  }

  test('the kubelet asks Envoy\'s probe route over HTTP; Envoy asks the app\'s grpc.health.v1 service over HTTP/2', () => {
    const { pod, bootstrap } = grpcPod();
    const app = pod.spec.containers[0];
    expect(app.readinessProbe).toEqual({ periodSeconds: 3, httpGet: { path: '/app-health/grpc/8080/orders.v1%2FOrders', port: 15020, scheme: 'HTTP' } });
    expect(app.livenessProbe).toEqual({ httpGet: { path: '/app-health/grpc/8080', port: 15020, scheme: 'HTTP' } });
    // A port that is not captured keeps its gRPC probe.
    expect(app.startupProbe).toEqual({ grpc: { port: 9000 } });
    const clusters = bootstrap.static_resources.clusters.filter((c: any) => c.name.startsWith('probe_grpc_'));
    expect(clusters.map((c: any) => c.health_checks[0].grpc_health_check)).toEqual([{}, { service_name: 'orders.v1/Orders' }]);
    expect(clusters[0].typed_extension_protocol_options).toBeDefined();
    const probes = bootstrap.static_resources.listeners.find((l: any) => l.name === 'probes').filter_chains[0].filters[0].typed_config.http_filters;
    expect(probes.map((f: any) => f.typed_config.headers?.[0].string_match.exact).filter(Boolean))
      .toEqual(expect.arrayContaining(['/app-health/grpc/8080', '/app-health/grpc/8080/orders.v1%2FOrders']));
  });

  test('without the probe route (rewriteAppProbes: false) a gRPC probe of a captured port is refused', () => {
    expectError(() => grpcPod({ rewriteAppProbes: false }), ErrorCode.INVALID_INTERCEPTION, 'containers[app].readinessProbe.grpc.port 8080 is captured by web/envoy, which has no probe route');
  });
});

describe('combinations', () => {
  test('CNI mode in classic mode: the check runs after the workload\'s init containers, Envoy is a regular container named istio-proxy', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
    WorkloadSidecars.of(d, { mode: SidecarMode.CLASSIC }).add(new EnvoySidecar(chart, 'envoy', { redirectMode: RedirectMode.CNI }));
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    expect(pod.spec.initContainers.map((c: any) => c.name)).toEqual(['cdk-sidecars-redirect-check']);
    expect(pod.spec.containers.map((c: any) => c.name)).toEqual(['istio-proxy', 'api']);
    expect(pod.metadata.annotations['kubectl.kubernetes.io/default-container']).toBe('api');
    expect(pod.metadata.annotations['cdk-sidecars.dev/injected']).toBe('cdk-sidecars-redirect-check,istio-proxy');
  });

  test('ECS: Envoy traces to the X-Ray daemon sidecar of the same task', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new XRayDaemonSidecar(f.stack, 'xray', { region: 'eu-west-1' }),
      new EnvoySidecar(f.stack, 'envoy', { tracing: { provider: EnvoyTracingProvider.XRAY } }));
    const t = synthTemplate(f.stack);
    const file = container(t, 'cdk-sidecars-config').Environment.find((e: any) => e.Name === 'CDK_SIDECARS_FILE_0').Value;
    const bootstrap = JSON.parse(Buffer.from(file, 'base64').toString());
    validateEnvoyBootstrap(bootstrap);
    expect(hcmOf(bootstrap, 'inbound').tracing.provider.typed_config.daemon_endpoint).toEqual({ protocol: 'UDP', address: '127.0.0.1', port_value: 2000 });
  });
});
