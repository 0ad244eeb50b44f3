import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EnvoyInboundProtocol, EnvoySidecar, EnvoySidecarProps, OpaSidecar, PortExposure, Protocol, Sidecar, StartupRole } from '../../src';
import { AciApp, AciContainerGroup } from '../../src/aci';
import { ErrorCode } from '../../src/core/errors';
import { TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { synthGroup } from '../aci/util';
import { container, fargateTask, synthTemplate, taskDefinition, warnings } from '../ecs/util';
import { expectError } from '../errors';
import { findDoc, names, newChart, podOf, rawDeployment, synth } from '../k8s/util';
import { validateEnvoyBootstrap, validateEnvoyMessage } from '../validate/envoy';

/** Synthesizes a cdk8s-plus-27 Deployment with Envoy; returns the pod and the parsed, proto-checked bootstrap. */
function onDeployment(props: EnvoySidecarProps = {}, chart: Chart = newChart()) {
  const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
  const envoy = new EnvoySidecar(chart, 'envoy', props);
  WorkloadSidecars.of(d).add(envoy);
  const docs = synth(chart);
  const pod = podOf(findDoc(docs, 'Deployment'));
  const bootstrap = JSON.parse(findDoc(docs, 'ConfigMap', `${d.name}-envoy-config`).data['envoy.json']);
  validateEnvoyBootstrap(bootstrap);
  return { docs, pod, bootstrap, envoy };
}

const listener = (b: any, name: string) => b.static_resources.listeners.find((l: any) => l.name === name);
const cluster = (b: any, name: string) => b.static_resources.clusters.find((c: any) => c.name === name);
const port = (l: any) => l.address.socket_address?.port_value;

describe('EnvoySidecar on Kubernetes (native)', () => {
  const { pod, bootstrap, docs } = onDeployment();

  test('the redirect init, then Envoy as a native sidecar the app waits for (startup probe on 15021)', () => {
    expect(names(pod.spec.initContainers)).toEqual(['cdk-sidecars-redirect', 'envoy']);
    const envoy = pod.spec.initContainers[1];
    expect(envoy).toMatchObject({
      image: 'envoyproxy/envoy:v1.39.1',
      restartPolicy: 'Always',
      startupProbe: { httpGet: { path: '/healthz/ready', port: 15021 } },
      securityContext: { runAsUser: 1337, runAsGroup: 1337, runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    });
    expect(envoy.args).toEqual(['-c', '/etc/envoy/envoy.json', '--log-level', 'info', '--drain-time-s', '5', '--drain-strategy', 'immediate', '--disable-hot-restart',
      '--concurrency', '2']);
    expect(envoy.ports.map((p: any) => p.containerPort)).toEqual([15021, 15090, 15020]);
    expect(envoy.volumeMounts).toEqual([
      { name: 'envoy-config', mountPath: '/etc/envoy', readOnly: true },
      { name: 'envoy-tmp', mountPath: '/tmp', readOnly: false },
    ]);
  });

  test('Envoy drains on stop and outlives the app', () => {
    const envoy = pod.spec.initContainers[1];
    // bash and /dev/tcp (the image has no curl); the script itself runs in envoy-runtime.test.ts.
    expect(envoy.lifecycle.preStop.exec.command[0]).toBe('bash');
    expect(envoy.lifecycle.preStop.exec.command[2]).toContain('exec 3<>/dev/tcp/127.0.0.1/15000');
    expect(envoy.lifecycle.preStop.exec.command[2]).toContain('POST /drain_listeners?graceful&inboundonly HTTP/1.1');
    expect(envoy.lifecycle.preStop.exec.command[2]).toMatch(/; sleep 5$/);
    expect(pod.spec.terminationGracePeriodSeconds).toBe(40);
  });

  test("the app's probes go to Envoy's probe route", () => {
    // cdk8s-plus-27 gives the app a TCP startup probe on its port.
    expect(pod.spec.containers[0].startupProbe.httpGet).toEqual({ path: '/app-health/tcp/8080', port: 15020, scheme: 'HTTP' });
  });

  test('bootstrap: admin on localhost, inbound 15006 to the app, outbound 15001 passthrough, metrics, readiness, probes', () => {
    expect(bootstrap.admin.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 15000 });
    const inbound = listener(bootstrap, 'inbound');
    expect(port(inbound)).toBe(15006);
    expect(inbound.listener_filters.map((f: any) => f.name)).toEqual(['envoy.filters.listener.original_dst']);
    expect(inbound.filter_chains.map((c: any) => c.filter_chain_match)).toEqual([{ destination_port: 8080 }]);
    const hcm = inbound.filter_chains[0].filters[0].typed_config;
    expect(hcm.route_config.virtual_hosts[0].routes[0].route).toEqual({ cluster: 'inbound_8080', timeout: '15s' });
    expect(hcm.access_log[0].typed_config.log_format.json_format).toMatchObject({ response_code: '%RESPONSE_CODE%' });
    expect(cluster(bootstrap, 'inbound_8080').load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 8080 });
    const outbound = listener(bootstrap, 'outbound');
    expect(port(outbound)).toBe(15001);
    expect(outbound.default_filter_chain.filters[0].typed_config.cluster).toBe('passthrough');
    expect(cluster(bootstrap, 'passthrough')).toMatchObject({ type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' });
    expect(port(listener(bootstrap, 'prometheus'))).toBe(15090);
    expect(listener(bootstrap, 'prometheus').filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0])
      .toEqual({ match: { prefix: '/stats/prometheus' }, route: { cluster: 'admin' } });
    expect(listener(bootstrap, 'readiness').filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0])
      .toEqual({ match: { prefix: '/healthz/ready' }, route: { cluster: 'admin', prefix_rewrite: '/ready' } });
    const probes = listener(bootstrap, 'probes').filter_chains[0].filters[0].typed_config;
    expect(probes.http_filters[0].typed_config.cluster_min_healthy_percentages).toEqual({ probe_tcp_8080: { value: 100 } });
    expect(cluster(bootstrap, 'probe_tcp_8080').health_checks[0].tcp_health_check).toEqual({});
  });

  test("outbound 15001: a connection whose original destination is the outbound or inbound listener's port goes to a blackhole, never back into Envoy (as Istio's virtualOutbound)", () => {
    const outbound = listener(bootstrap, 'outbound');
    const own = [15000, 15001, 15006, 15020, 15021, 15090];
    const guarded = outbound.filter_chains.filter((c: any) => own.includes(c.filter_chain_match?.destination_port));
    // Only the two ports a pass-through would loop into: other pods' readiness (15021) and
    // metrics (15090) ports stay reachable for the app (a Prometheus server behind Envoy scrapes them).
    expect(guarded.map((c: any) => c.filter_chain_match.destination_port).sort()).toEqual([15001, 15006]);
    for (const chain of guarded) {
      expect(chain.filters).toHaveLength(1);
      expect(chain.filters[0].name).toBe('envoy.filters.network.tcp_proxy');
      expect(chain.filters[0].typed_config.cluster).toBe('blackhole');
    }
    // A STATIC cluster with no endpoints: the connection is closed, nothing is dialled.
    const blackhole = cluster(bootstrap, 'blackhole');
    expect(blackhole.type).toBe('STATIC');
    expect(blackhole.load_assignment?.endpoints ?? []).toEqual([]);
  });

  test('the blackhole chains follow custom ports and do not clash with routed outbound ports', () => {
    const { bootstrap: b } = onDeployment({ adminPort: 16000, prometheusPort: 16090, routes: [{ pathPrefix: '/', cluster: 'x' }], clusters: [{ name: 'x', address: '10.0.0.1', port: 80 }] });
    const ports = listener(b, 'outbound').filter_chains.map((c: any) => c.filter_chain_match.destination_port);
    expect(ports).toEqual(expect.arrayContaining([80, 15001, 15006]));
    expect(ports).not.toEqual(expect.arrayContaining([16000]));
    expect(new Set(ports).size).toBe(ports.length);
  });

  test('a routed outbound port that is one of Envoy\'s own ports is refused', () => {
    expectError(() => new EnvoySidecar(newChart(), 'envoy', { routedOutboundPorts: [80, 15001] }), ErrorCode.INVALID_ROLE,
      'web/envoy: routedOutboundPorts[1] 15001 is the port of Envoy\'s outbound or inbound listener');
  });

  test('every listener on 0.0.0.0 also listens on [::], so redirected IPv6 traffic and IPv6 kubelet probes reach Envoy', () => {
    const wildcard = bootstrap.static_resources.listeners.filter((l: any) => l.address.socket_address?.address === '0.0.0.0');
    expect(wildcard.map((l: any) => l.name).sort()).toEqual(['inbound', 'outbound', 'probes', 'prometheus', 'readiness']);
    for (const l of wildcard) {
      expect(l.additional_addresses).toEqual([{ address: { socket_address: { address: '::', port_value: port(l) } } }]);
    }
  });

  test('ipv6: false keeps the listeners on IPv4 only (kernels without IPv6)', () => {
    const { bootstrap: b } = onDeployment({ ipv6: false });
    expect(b.static_resources.listeners.filter((l: any) => l.additional_addresses)).toEqual([]);
    expectError(() => new EnvoySidecar(newChart(), 'envoy', { ipv6: 'yes' as any }), ErrorCode.INVALID_ROLE, 'web/envoy: ipv6 "yes" is not a boolean');
  });

  test('the redirect rules capture the app port and leave Envoy alone', () => {
    const rules = findDoc(docs, 'ConfigMap', `${pod.metadata ? '' : ''}${findDoc(docs, 'Deployment').metadata.name}-cdk-sidecars-redirect`).data['rules.v4'];
    expect(rules).toContain('-A CDK_SIDECARS_INBOUND -p tcp --dport 8080 -j CDK_SIDECARS_IN_REDIRECT');
    expect(rules).toContain('REDIRECT --to-ports 15006');
    expect(rules).toContain('REDIRECT --to-ports 15001');
    expect(rules).toContain('-m owner --uid-owner 1337 -j RETURN');
    for (const own of [15000, 15001, 15006, 15020, 15021, 15090]) { expect(rules).not.toContain(`--dport ${own} -j CDK_SIDECARS_IN_REDIRECT`); }
  });
});

describe('EnvoySidecar options', () => {
  test('users\' own init containers run before the redirect rules (istio/istio#27382)', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api', undefined, { initContainers: [{ name: 'fetch-config', image: 'curlimages/curl:8.11.0', command: ['true'] }] });
    WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy'));
    expect(names(podOf(findDoc(synth(chart), 'Deployment')).spec.initContainers)).toEqual(['fetch-config', 'cdk-sidecars-redirect', 'envoy']);
  });

  test('a Job with Envoy completes: Envoy is a native sidecar', () => {
    const chart = newChart();
    const job = new kplus.Job(chart, 'report', { containers: [{ name: 'report', image: 'ghcr.io/acme/report:1', portNumber: 8080 }] });
    WorkloadSidecars.of(job).add(new EnvoySidecar(chart, 'envoy'));
    const pod = podOf(findDoc(synth(chart), 'Job'));
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.initContainers.find((c: any) => c.name === 'envoy').restartPolicy).toBe('Always');
  });

  test('xDS: dynamic resources over ADS, the static listeners stay for readiness, metrics and probes', () => {
    const { bootstrap } = onDeployment({ xds: { address: 'istiod.istio-system.svc', port: 15012 } });
    expect(bootstrap.dynamic_resources).toEqual({
      ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }], set_node_on_first_message_only: true },
      lds_config: { ads: {}, resource_api_version: 'V3' },
      cds_config: { ads: {}, resource_api_version: 'V3' },
    });
    expect(bootstrap.static_resources.listeners.map((l: any) => l.name)).toEqual(['readiness', 'prometheus', 'probes']);
    expect(cluster(bootstrap, 'xds')).toMatchObject({ type: 'STRICT_DNS', transport_socket: { typed_config: { sni: 'istiod.istio-system.svc' } } });
  });

  test('mTLS: certificates from the secret through SDS files, TLS required inbound', () => {
    const { bootstrap, pod, docs } = onDeployment({ mtls: { secretName: 'mesh-tls', subjectAltNames: ['spiffe://acme/ns/shop/sa/api'] } });
    const chain = listener(bootstrap, 'inbound').filter_chains[0];
    expect(chain.filter_chain_match).toEqual({ destination_port: 8080, transport_protocol: 'tls' });
    expect(chain.transport_socket.typed_config.require_client_certificate).toBe(true);
    expect(chain.transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs[0].sds_config.path_config_source.path).toBe('/etc/envoy/tls_certificate.json');
    expect(pod.spec.volumes).toEqual(expect.arrayContaining([{ name: 'envoy-tls', secret: { secretName: 'mesh-tls', defaultMode: 0o444 } }]));
    const cm = docs.find(d => d.kind === 'ConfigMap' && d.data['validation_context.json']);
    const sds = JSON.parse(cm.data['validation_context.json']);
    validateEnvoyMessage('envoy.service.discovery.v3.DiscoveryResponse', sds);
    validateEnvoyMessage('envoy.service.discovery.v3.DiscoveryResponse', JSON.parse(cm.data['tls_certificate.json']));
    expect(sds.resources[0].validation_context).toEqual({
      trusted_ca: { filename: '/etc/envoy/tls/ca.crt' },
      match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: 'spiffe://acme/ns/shop/sa/api' } }],
    });
  });

  test('Unix domain sockets: a pipe listener and a pipe cluster, the socket directory shared with the app, no redirect', () => {
    const { bootstrap, pod } = onDeployment({ unixSockets: { publicPort: 8443 } });
    expect(listener(bootstrap, 'egress').address).toEqual({ pipe: { path: '/var/run/envoy-uds/egress.sock', mode: 0o666 } });
    expect(cluster(bootstrap, 'app_uds').load_assignment.endpoints[0].lb_endpoints[0].endpoint.address).toEqual({ pipe: { path: '/var/run/envoy-uds/app.sock' } });
    expect(port(listener(bootstrap, 'inbound'))).toBe(8443);
    expect(names(pod.spec.initContainers)).toEqual(['envoy']);
    const app = pod.spec.containers[0];
    expect(app.env).toEqual(expect.arrayContaining([{ name: 'ENVOY_EGRESS_SOCKET', value: '/var/run/envoy-uds/egress.sock' }, { name: 'APP_LISTEN_SOCKET', value: '/var/run/envoy-uds/app.sock' }]));
    expect(app.volumeMounts).toEqual(expect.arrayContaining([{ name: 'envoy-uds', mountPath: '/var/run/envoy-uds', readOnly: false }]));
  });

  test('extra clusters and routes, TCP inbound, timeouts and log level are typed props', () => {
    const { bootstrap, pod } = onDeployment({
      inboundProtocol: EnvoyInboundProtocol.TCP,
      connectTimeoutSeconds: 2,
      requestTimeoutSeconds: 30,
      accessLog: false,
      clusters: [{ name: 'payments', address: 'payments.shop.svc', port: 443, tls: true, http2: true }],
      routes: [{ pathPrefix: '/pay/', cluster: 'payments', domains: ['payments.internal'], prefixRewrite: '/', timeoutSeconds: 5 }],
    });
    const inbound = listener(bootstrap, 'inbound').filter_chains[0].filters[0];
    expect(inbound.name).toBe('envoy.filters.network.tcp_proxy');
    expect(inbound.typed_config.access_log).toEqual([]);
    const payments = cluster(bootstrap, 'payments');
    expect(payments).toMatchObject({ type: 'STRICT_DNS', connect_timeout: '2s', transport_socket: { typed_config: { sni: 'payments.shop.svc' } } });
    expect(payments.typed_extension_protocol_options).toBeDefined();
    const routed = listener(bootstrap, 'outbound').filter_chains[0];
    expect(routed.filter_chain_match).toEqual({ destination_port: 80 });
    const hosts = routed.filters[0].typed_config.route_config.virtual_hosts;
    expect(hosts[0]).toEqual({ name: 'egress_0', domains: ['payments.internal'], routes: [{ match: { prefix: '/pay/' }, route: { cluster: 'payments', prefix_rewrite: '/', timeout: '5s' } }] });
    expect(hosts[1].routes[0].route).toEqual({ cluster: 'passthrough', timeout: '30s' });
    void pod;
  });
});

describe('load balancer health checks and ext_authz (ECS has no probe route)', () => {
  const POLICY = 'package envoy.authz\n\nimport rego.v1\n\ndefault allow := false\n';
  /** Envoy with OPA's ext_authz on an ECS task; returns the bootstrap the init writer writes, proto-checked. */
  function onTask(props: EnvoySidecarProps, seen: string[] = []) {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new EnvoySidecar(f.stack, 'envoy', props), new OpaSidecar(f.stack, 'opa', { envoyPlugin: true, policies: { 'policy.rego': POLICY } }));
    const t = synthTemplate(f.stack);
    seen.push(...warnings(f.stack));
    const writer = container(t, 'cdk-sidecars-config');
    const files = writer.Environment.filter((e: any) => /^CDK_SIDECARS_FILE_\d+$/.test(e.Name)).map((e: any) => Buffer.from(e.Value, 'base64').toString());
    const bootstrap = JSON.parse(files.find((f2: string) => f2.includes('static_resources')));
    validateEnvoyBootstrap(bootstrap);
    return bootstrap;
  }
  const routesOf = (b: any) => listener(b, 'inbound').filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes;

  test('a GET of exactly each health-check path reaches the app without ext_authz; everything else is checked', () => {
    const b = onTask({ healthCheckPaths: ['/healthz', '/ready'] });
    const routes = routesOf(b);
    expect(routes).toHaveLength(3);
    for (const [i, p] of ['/healthz', '/ready'].entries()) {
      expect(routes[i]).toEqual({
        match: { path: p, headers: [{ name: ':method', string_match: { exact: 'GET' } }] },
        route: { cluster: 'inbound_8080', timeout: '15s' },
        typed_per_filter_config: {
          'envoy.filters.http.ext_authz': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute', 'disabled': true },
        },
      });
    }
    // The catch-all route keeps the check.
    expect(routes[2]).toEqual({ match: { prefix: '/' }, route: { cluster: 'inbound_8080', timeout: '15s' } });
    expect(listener(b, 'inbound').filter_chains[0].filters[0].typed_config.http_filters[0].name).toBe('envoy.filters.http.ext_authz');
  });

  test('without healthCheckPaths every request is checked (the default), and a warning says a load balancer\'s health checks will be too', () => {
    const seen: string[] = [];
    expect(routesOf(onTask({}, seen))).toEqual([{ match: { prefix: '/' }, route: { cluster: 'inbound_8080', timeout: '15s' } }]);
    expect(seen).toEqual(expect.arrayContaining([expect.stringContaining(
      'Shop/envoy: every inbound request is checked by Shop/opa\'s ext_authz service, a load balancer\'s health checks (an ALB or NLB target group) too')]));
    // healthCheckPaths: [] says there is no such health check: no warning.
    const none: string[] = [];
    onTask({ healthCheckPaths: [] }, none);
    expect(none.filter(w => w.includes('ext_authz'))).toEqual([]);
  });

  test('bad paths and TCP inbound are refused', () => {
    expectError(() => new EnvoySidecar(newChart(), 'envoy', { healthCheckPaths: ['healthz'] }), ErrorCode.INVALID_PROBE, 'web/envoy: healthCheckPaths[0] "healthz" is not an exact HTTP path');
    expectError(() => new EnvoySidecar(newChart(), 'envoy', { healthCheckPaths: ['/h?x=1'] }), ErrorCode.INVALID_PROBE, 'web/envoy: healthCheckPaths[0] "/h?x=1"');
    expectError(() => new EnvoySidecar(newChart(), 'envoy', { healthCheckPaths: ['/a', '/a'] }), ErrorCode.INVALID_PROBE, 'web/envoy: healthCheckPaths[1] "/a"');
    expectError(() => new EnvoySidecar(newChart(), 'envoy', { healthCheckPaths: '/a' as any }), ErrorCode.INVALID_PROBE, 'web/envoy: healthCheckPaths "/a"');
    expectError(() => new EnvoySidecar(newChart(), 'envoy', { healthCheckPaths: ['/a'], inboundProtocol: EnvoyInboundProtocol.TCP }), ErrorCode.INVALID_ROLE,
      'web/envoy: healthCheckPaths ["/a"] need HTTP inbound');
  });
});

describe('EnvoySidecar on ECS and ACI', () => {
  test('ECS: IPv6 excluded CIDRs go to EgressIgnoredIPs beside the IPv4 ones (the aws-appmesh CNI plugin applies them with ip6tables)', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new EnvoySidecar(f.stack, 'envoy', { excludeOutboundCidrs: ['10.96.0.0/12', 'fd00::/8'] }));
    const props = taskDefinition(synthTemplate(f.stack)).ProxyConfiguration.ProxyConfigurationProperties;
    expect(props.find((p: any) => p.Name === 'EgressIgnoredIPs').Value.split(',')).toEqual(expect.arrayContaining(['10.96.0.0/12', 'fd00::/8']));
  });

  test('ECS: proxyConfiguration, a health check the app waits for, the bootstrap written by the init writer', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new EnvoySidecar(f.stack, 'envoy'));
    const t = synthTemplate(f.stack);
    expect(taskDefinition(t).ProxyConfiguration.ProxyConfigurationProperties).toEqual(expect.arrayContaining([
      { Name: 'AppPorts', Value: '8080' }, { Name: 'ProxyIngressPort', Value: '15006' }, { Name: 'ProxyEgressPort', Value: '15001' }, { Name: 'IgnoredUID', Value: '1337' },
    ]));
    const envoy = container(t, 'envoy');
    expect(envoy.HealthCheck.Command.slice(0, 3)).toEqual(['CMD', 'bash', '-c']);
    expect(envoy.HealthCheck.Command[3]).toContain('exec 3<>/dev/tcp/127.0.0.1/15021');
    expect(envoy.HealthCheck.Command[3]).not.toContain('curl');
    expect(envoy.User).toBe('1337:1337');
    expect(container(t, 'app').DependsOn).toEqual([{ ContainerName: 'envoy', Condition: 'HEALTHY' }]);
    const writer = container(t, 'cdk-sidecars-config');
    const file = writer.Environment.find((e: any) => e.Name === 'CDK_SIDECARS_FILE_0').Value;
    const bootstrap = JSON.parse(Buffer.from(file, 'base64').toString());
    validateEnvoyBootstrap(bootstrap);
    expect(listener(bootstrap, 'inbound').filter_chains[0].filter_chain_match).toEqual({ destination_port: 8080 });
  });

  test('ACI: explicit proxy mode, only the inbound port published, the app pointed at the egress listener', () => {
    const app = new AciApp();
    const group = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080, expose: false }] }] });
    group.addSidecars(new EnvoySidecar(app, 'envoy', { redirect: false }));
    const { resource } = synthGroup(group);
    const envoy = resource.properties.containers.find((c: any) => c.name === 'envoy').properties;
    // Readiness and Prometheus are container ports (the readiness probe uses 15021) but stay off the public IP.
    expect(envoy.ports).toEqual([{ port: 15006, protocol: 'TCP' }, { port: 15021, protocol: 'TCP' }, { port: 15090, protocol: 'TCP' }]);
    expect(envoy.readinessProbe.httpGet).toEqual({ path: '/healthz/ready', port: 15021, scheme: 'http' });
    expect(resource.properties.ipAddress).toEqual({ type: 'Public', ports: [{ port: 15006, protocol: 'TCP' }] });
    expect(group.notes).toContainEqual(expect.stringMatching(
      /^envoy: EXPOSED ports 15021 \(envoy-ready\), 15090 \(http-envoy-prom\) are not published: .*reachable only from containers of the group \(ACI probes still work\).*VNet \(subnetIds\)/));
    expect(resource.properties.containers[0].properties.environmentVariables).toEqual([{ name: 'ENVOY_EGRESS_URL', value: 'http://127.0.0.1:15001' }]);
    const bootstrap = JSON.parse(Buffer.from(resource.properties.volumes.find((v: any) => v.name === 'envoy-config').secret['envoy.json'], 'base64').toString());
    validateEnvoyBootstrap(bootstrap);
    expect(listener(bootstrap, 'egress').address.socket_address).toEqual({ address: '127.0.0.1', port_value: 15001 });
    expect(cluster(bootstrap, 'inbound_8080')).toBeDefined();
  });
});

describe('EnvoySidecar port exposure: the explicit inbound port is the entry point (PUBLIC)', () => {
  const { POD_LOCAL: LOCAL, EXPOSED, PUBLIC } = PortExposure;
  const portsOf = (props: EnvoySidecarProps) => {
    const envoy = new EnvoySidecar(newChart(), 'envoy', props);
    const [c] = envoy.contribute({ targetPath: 'web/api', appContainers: [{ name: 'api', ports: [{ port: 8080, protocol: Protocol.TCP }] }] }).containers;
    return Object.fromEntries((c.ports ?? []).map(p => [p.port, p.exposure ?? PortExposure.POD_LOCAL]));
  };

  test('explicit mode: 15006 PUBLIC, readiness and Prometheus EXPOSED, admin and egress pod-local', () => {
    expect(portsOf({ redirect: false })).toEqual({ 15000: LOCAL, 15001: LOCAL, 15006: PUBLIC, 15021: EXPOSED, 15090: EXPOSED });
    expect(portsOf({ redirect: false, inboundPort: 9443 })[9443]).toBe(PUBLIC);
  });

  test('transparent mode (the default) is unchanged: the inbound port is pod-local', () => {
    expect(portsOf({})).toEqual({ 15000: LOCAL, 15001: LOCAL, 15006: LOCAL, 15021: EXPOSED, 15090: EXPOSED, 15020: EXPOSED });
  });

  test('Unix socket mode: the public TCP port is the entry point', () => {
    expect(portsOf({ unixSockets: { publicPort: 8443 } })).toMatchObject({ 8443: PUBLIC, 15006: LOCAL });
  });

  test('Kubernetes and ECS render the PUBLIC inbound port like any exposed one', () => {
    const { pod } = onDeployment({ redirect: false });
    expect(pod.spec.initContainers[0].ports).toEqual([
      { containerPort: 15006, name: 'envoy-inbound', protocol: 'TCP' },
      { containerPort: 15021, name: 'envoy-ready', protocol: 'TCP' },
      { containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' },
    ]);
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new EnvoySidecar(f.stack, 'envoy', { redirect: false }));
    expect(container(synthTemplate(f.stack), 'envoy').PortMappings.map((m: any) => m.ContainerPort)).toEqual([15006, 15021, 15090]);
  });

  test('ACI: a Unix-socket Envoy publishes its public port', () => {
    const app = new AciApp();
    const group = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1' }] });
    group.addSidecars(new EnvoySidecar(app, 'envoy', { unixSockets: { publicPort: 8443 } }));
    const { resource } = synthGroup(group);
    expect(resource.properties.ipAddress.ports).toEqual([{ port: 8443, protocol: 'TCP' }]);
  });
});

describe('EnvoySidecar bad input', () => {
  const make = (props: EnvoySidecarProps) => () => new EnvoySidecar(newChart(), 'envoy', props);

  test('a port clash with the app', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api', [{ name: 'app', image: 'x:1', ports: [{ containerPort: 15001 }] }])).add(new EnvoySidecar(chart, 'envoy'));
    expectError(() => Testing.synth(chart), ErrorCode.PORT_CLASH, 'web/envoy: outboundPort: port 15001/TCP is already used by web/api (app container "app")');
  });

  test('capturing a port Envoy needs', () => {
    expectError(make({ appPorts: [8080, 15021] }), ErrorCode.INVALID_INTERCEPTION, "web/envoy: appPorts[1] 15021 is Envoy's own readinessPort");
  });

  test('Unix sockets together with redirection', () => {
    expectError(make({ unixSockets: { publicPort: 8443 }, redirect: true }), ErrorCode.INVALID_ROLE, 'web/envoy: unixSockets {"publicPort":8443} and redirect exclude each other');
  });

  test('transparent redirection on ACI', () => {
    const app = new AciApp();
    const group = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'x:1', ports: [{ port: 8080 }] }] });
    group.addSidecars(new EnvoySidecar(app, 'envoy'));
    expectError(() => group.toArmTemplate(), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'envoy: pod.trafficInterception "envoy" cannot be rendered on Azure Container Instances', 'Run the proxy as an explicit proxy (set redirect: false on the EnvoySidecar to run it as an explicit proxy)');
  });

  test('an invalid CIDR', () => {
    expectError(make({ excludeOutboundCidrs: ['10.0.0.0/40'] }), ErrorCode.INVALID_INTERCEPTION, 'web/envoy: excludeOutboundCidrs[0] "10.0.0.0/40" is not an IP address or CIDR');
    expectError(make({ includeOutboundCidrs: ['10.0.0.1', 'ten'] }), ErrorCode.INVALID_INTERCEPTION, 'web/envoy: includeOutboundCidrs[1] "ten" is not an IP address or CIDR');
  });

  test('two Envoy ports on one number', () => {
    expectError(make({ prometheusPort: 15021 }), ErrorCode.DUPLICATE_PORT, 'web/envoy: prometheusPort 15021/TCP is declared twice (also readinessPort)');
  });

  test('a route to an unknown cluster', () => {
    expectError(make({ routes: [{ pathPrefix: '/x', cluster: 'nope' }] }), ErrorCode.UNKNOWN_REFERENCE, 'web/envoy: routes[0].cluster "nope" names a cluster that is not declared in clusters');
  });

  test('a cluster named like one of Envoy\'s own', () => {
    expectError(make({ clusters: [{ name: 'passthrough', address: 'a.b', port: 80 }] }), ErrorCode.INVALID_ROLE, 'web/envoy: clusters[0].name "passthrough" is a cluster name Envoy\'s bootstrap uses itself');
  });

  test('a route path without a leading slash', () => {
    expectError(make({ clusters: [{ name: 'a', address: 'a.b', port: 80 }], routes: [{ pathPrefix: 'pay', cluster: 'a' }] }), ErrorCode.INVALID_PROBE, 'web/envoy: routes[0].pathPrefix "pay"');
  });

  test('an mTLS cluster without the sidecar certificate', () => {
    expectError(make({ clusters: [{ name: 'a', address: 'a.b', port: 443, mtls: true }] }), ErrorCode.INVALID_ROLE, 'web/envoy: clusters[0].mtls true needs the sidecar\'s certificate');
  });

  test('static routes with an xDS control plane', () => {
    expectError(make({ xds: { address: 'cp', port: 15012 }, clusters: [{ name: 'a', address: 'a.b', port: 80 }], routes: [{ pathPrefix: '/', cluster: 'a' }] }),
      ErrorCode.INVALID_ROLE, 'web/envoy: routes 1 are static routes, but with xds the control plane sends the listeners');
  });

  test('a negative drain time, a bad image, a bad xDS port', () => {
    expectError(make({ drainSeconds: -1 }), ErrorCode.INVALID_NUMBER, 'web/envoy: drainSeconds -1');
    expectError(make({ image: 'Envoy:latest' }), ErrorCode.INVALID_IMAGE, 'web/envoy: image "Envoy:latest"');
    expectError(make({ xds: { address: 'cp', port: 0 } }), ErrorCode.INVALID_PORT, 'web/envoy: xds.port 0');
  });

  test('an HTTPS probe of a captured app port', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api', [{ name: 'app', image: 'x:1', ports: [{ containerPort: 8443 }], livenessProbe: { httpGet: { port: 8443, scheme: 'HTTPS' } } }]))
      .add(new EnvoySidecar(chart, 'envoy'));
    expectError(() => Testing.synth(chart), ErrorCode.INVALID_INTERCEPTION, 'web/api: containers[app].livenessProbe.httpGet.scheme "HTTPS" cannot be routed by web/envoy');
  });

  test('a plain sidecar on a port Envoy takes', () => {
    const chart = newChart();
    const other = new Sidecar(chart, 'metrics', { image: 'x:1', ports: [{ port: 15090 }] });
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new EnvoySidecar(chart, 'envoy'), other);
    expectError(() => Testing.synth(chart), ErrorCode.PORT_CLASH, 'web/metrics: ports[0].port: port 15090/TCP is already used by web/envoy');
  });

  void StartupRole;
});
