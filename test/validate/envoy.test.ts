import { envoyBootstrapErrors, envoyMessageErrors, validateEnvoyBootstrap, validateEnvoyMessage } from './envoy';

const T = 'type.googleapis.com/';
const HCM = `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`;

const socket = (address: string, port: number) => ({ socket_address: { address, port_value: port } });
const stdoutLog = (format?: any) => ({
  name: 'envoy.access_loggers.stdout',
  typed_config: { '@type': `${T}envoy.extensions.access_loggers.stream.v3.StdoutAccessLog`, ...(format ? { log_format: format } : {}) },
});
const router = () => ({ name: 'envoy.filters.http.router', typed_config: { '@type': `${T}envoy.extensions.filters.http.router.v3.Router` } });
const originalDst = () => ({
  name: 'envoy.filters.listener.original_dst',
  typed_config: { '@type': `${T}envoy.extensions.filters.listener.original_dst.v3.OriginalDst` },
});
const staticCluster = (name: string, address: any) => ({
  name,
  type: 'STATIC',
  connect_timeout: '1s',
  load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }] },
});
const http2Options = () => ({
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
    '@type': `${T}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
    'explicit_http_config': { http2_protocol_options: {} },
  },
});
const sdsFile = (name: string, file: string) => ({
  name,
  sds_config: { path_config_source: { path: file }, resource_api_version: 'V3' },
});
/** An HTTP listener with one route `prefix` -> `cluster`. */
const httpListener = (name: string, port: number, prefix: string, cluster: string, routeExtra: any = {}) => ({
  name,
  address: socket('0.0.0.0', port),
  filter_chains: [{
    filters: [{
      name: 'envoy.filters.network.http_connection_manager',
      typed_config: {
        '@type': HCM,
        'stat_prefix': name,
        'route_config': {
          name,
          virtual_hosts: [{ name, domains: ['*'], routes: [{ match: { prefix }, route: { cluster, ...routeExtra } }] }],
        },
        'http_filters': [router()],
      },
    }],
  }],
});

/** A realistic sidecar bootstrap, written by hand from the Envoy v3 docs. */
const bootstrap = (): any => ({
  node: { id: 'sidecar~10.0.0.12~web-7d9f~default.svc.cluster.local', cluster: 'web' },
  admin: {
    address: socket('127.0.0.1', 15000),
    access_log: [stdoutLog()],
  },
  static_resources: {
    listeners: [
      { // (a) inbound
        name: 'inbound',
        address: socket('0.0.0.0', 15006),
        listener_filters: [originalDst()],
        filter_chains: [{
          filter_chain_match: { destination_port: 8080 },
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM,
              'stat_prefix': 'inbound_8080',
              'codec_type': 'AUTO',
              'route_config': {
                name: 'inbound_8080',
                virtual_hosts: [{
                  name: 'inbound',
                  domains: ['*'],
                  routes: [{ match: { prefix: '/' }, route: { cluster: 'inbound_8080', timeout: '15s' } }],
                }],
              },
              'http_filters': [
                {
                  name: 'envoy.filters.http.ext_authz',
                  typed_config: {
                    '@type': `${T}envoy.extensions.filters.http.ext_authz.v3.ExtAuthz`,
                    'grpc_service': { envoy_grpc: { cluster_name: 'ext_authz' }, timeout: '0.250s' },
                    'transport_api_version': 'V3',
                    'failure_mode_allow': false,
                  },
                },
                router(),
              ],
              'access_log': [stdoutLog({
                json_format: { start_time: '%START_TIME%', method: '%REQ(:METHOD)%', path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%', status: '%RESPONSE_CODE%', duration_ms: '%DURATION%' },
              })],
            },
          }],
        }],
      },
      { // (b) outbound passthrough
        name: 'outbound',
        address: socket('0.0.0.0', 15001),
        listener_filters: [originalDst()],
        filter_chains: [{
          filters: [{
            name: 'envoy.filters.network.tcp_proxy',
            typed_config: { '@type': `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`, 'stat_prefix': 'passthrough', 'cluster': 'passthrough' },
          }],
        }],
      },
      httpListener('prometheus', 15090, '/stats/prometheus', 'admin'), // (c)
      httpListener('health', 15021, '/healthz/ready', 'admin', { prefix_rewrite: '/ready' }), // (d)
      { // a Unix domain socket listener
        name: 'uds_ingress',
        address: { pipe: { path: '/var/run/envoy/ingress.sock', mode: 0o660 } },
        filter_chains: [{
          filters: [{
            name: 'envoy.filters.network.tcp_proxy',
            typed_config: { '@type': `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`, 'stat_prefix': 'uds', 'cluster': 'inbound_8080' },
          }],
        }],
      },
    ],
    clusters: [
      staticCluster('inbound_8080', socket('127.0.0.1', 8080)),
      { name: 'passthrough', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: '1s' },
      staticCluster('admin', socket('127.0.0.1', 15000)),
      { ...staticCluster('app_uds', { pipe: { path: '/var/run/app/app.sock' } }) },
      { ...staticCluster('ext_authz', socket('127.0.0.1', 9191)), typed_extension_protocol_options: http2Options() },
      {
        name: 'payments_api',
        type: 'STRICT_DNS',
        dns_lookup_family: 'V4_ONLY',
        connect_timeout: '2.5s',
        load_assignment: { cluster_name: 'payments_api', endpoints: [{ lb_endpoints: [{ endpoint: { address: socket('payments.example.com', 443) } }] }] },
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
            'sni': 'payments.example.com',
            'common_tls_context': {
              tls_certificate_sds_secret_configs: [sdsFile('client_cert', '/etc/envoy/sds/client_cert.yaml')],
              validation_context_sds_secret_config: sdsFile('trusted_ca', '/etc/envoy/sds/trusted_ca.yaml'),
            },
          },
        },
      },
      { ...staticCluster('xds', socket('10.0.0.2', 15010)), typed_extension_protocol_options: http2Options() },
    ],
  },
  dynamic_resources: {
    ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }] },
    lds_config: { ads: {}, resource_api_version: 'V3' },
    cds_config: { ads: {}, resource_api_version: 'V3' },
  },
});

const hcmOf = (b: any, listener = 0) => b.static_resources.listeners[listener].filter_chains[0].filters[0].typed_config;
const clusterOf = (b: any, name: string) => b.static_resources.clusters.find((c: any) => c.name === name);

/** Expects `config` to be rejected, with every `expected` text or pattern in the message; returns it. */
function expectRejected(config: any, ...expected: (string | RegExp)[]): string {
  expect(() => validateEnvoyBootstrap(config)).toThrow();
  let message = '';
  try { validateEnvoyBootstrap(config); } catch (e) { message = (e as Error).message; }
  for (const e of expected) expect(message).toMatch(e);
  return message;
}

describe('valid configuration passes', () => {
  test('a realistic sidecar bootstrap', () => {
    expect(envoyBootstrapErrors(bootstrap())).toEqual([]);
    expect(() => validateEnvoyBootstrap(bootstrap())).not.toThrow();
  });

  test('lowerCamel JSON names, 64-bit integers as strings, wrappers as bare values, Struct metadata', () => {
    const b = bootstrap();
    const c = clusterOf(b, 'inbound_8080');
    c.per_connection_buffer_limit_bytes = 32768; // UInt32Value
    c.lb_policy = 'RING_HASH';
    c.ring_hash_lb_config = { minimum_ring_size: '1024', maximum_ring_size: 4096 }; // UInt64Value: string or number
    c.upstream_bind_config = { source_address: { address: '0.0.0.0', port_value: 0 }, socket_options: [{ level: '1', name: 9, int_value: '1', state: 'STATE_PREBIND' }] };
    c.metadata = { filter_metadata: { 'cdk-sidecars': { owner: 'team-a', weight: 3, tags: ['a', null], nested: { ok: true } } } };
    c.circuit_breakers = { thresholds: [{ priority: 'DEFAULT', max_connections: 1024, retry_budget: { budget_percent: { value: 25.5 } } }] };
    c.connectTimeout = c.connect_timeout;
    delete c.connect_timeout;
    c.loadAssignment = c.load_assignment;
    delete c.load_assignment;
    b.stats_flush_interval = '5s';
    b.layered_runtime = { layers: [{ name: 'static', static_layer: { 'overload.global_downstream_max_connections': 50000 } }] };
    hcmOf(b).max_request_headers_kb = 96;
    hcmOf(b).common_http_protocol_options = { idle_timeout: '3600s', max_requests_per_connection: 1000 };
    clusterOf(b, 'admin').lb_subset_config = undefined; // undefined and null mean "not set"
    clusterOf(b, 'admin').health_checks = null;
    b.staticResources = b.static_resources;
    delete b.static_resources;
    b.dynamicResources = b.dynamic_resources;
    delete b.dynamic_resources;
    expect(envoyBootstrapErrors(b)).toEqual([]);
  });

  test('an @type outside the eagerly loaded set is loaded on demand (Lua, local rate limit)', () => {
    const b = bootstrap();
    hcmOf(b).http_filters.unshift(
      { name: 'envoy.filters.http.lua', typed_config: { '@type': `${T}envoy.extensions.filters.http.lua.v3.Lua`, 'default_source_code': { inline_string: 'function envoy_on_request(h) end' } } },
      {
        name: 'envoy.filters.http.local_ratelimit',
        typed_config: {
          '@type': `${T}envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit`,
          'stat_prefix': 'rl',
          'token_bucket': { max_tokens: 100, tokens_per_fill: 10, fill_interval: '1s' },
          'filter_enabled': { default_value: { numerator: 100, denominator: 'HUNDRED' }, runtime_key: 'rl_enabled' },
        },
      },
    );
    expect(envoyBootstrapErrors(b)).toEqual([]);
  });

  test('an SDS file (as path_config_source reads it) is a DiscoveryResponse of Secrets', () => {
    const secret = `${T}envoy.extensions.transport_sockets.tls.v3.Secret`;
    const certificate = {
      resources: [{
        '@type': secret,
        'name': 'client_cert',
        'tls_certificate': { certificate_chain: { filename: '/etc/certs/tls.crt' }, private_key: { filename: '/etc/certs/tls.key' } },
      }],
    };
    const ca: any = {
      resources: [{
        '@type': secret,
        'name': 'trusted_ca',
        'validation_context': { trusted_ca: { filename: '/etc/certs/ca.crt' }, match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: 'spiffe://cluster.local/ns/default/sa/payments' } }] },
      }],
    };
    expect(envoyMessageErrors('envoy.service.discovery.v3.DiscoveryResponse', certificate)).toEqual([]);
    expect(envoyMessageErrors('envoy.service.discovery.v3.DiscoveryResponse', ca)).toEqual([]);
    ca.resources[0].validation_context.match_subject_alt_names = [{ exact: 'payments' }];
    expect(envoyMessageErrors('envoy.service.discovery.v3.DiscoveryResponse', ca)).toEqual([
      'resources[0].validation_context.match_subject_alt_names: field envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.match_subject_alt_names is deprecated (since 3.0)',
    ]);
  });

  test('validateEnvoyMessage checks a fragment; an Any holding a well-known type uses "value"', () => {
    expect(() => validateEnvoyMessage('envoy.config.cluster.v3.Cluster', staticCluster('x', socket('127.0.0.1', 1)))).not.toThrow();
    expect(envoyMessageErrors('envoy.config.core.v3.TypedExtensionConfig', {
      name: 'x', typed_config: { '@type': `${T}google.protobuf.Duration`, 'value': '1.5s' },
    })).toEqual([]);
    expect(envoyMessageErrors('envoy.config.core.v3.TypedExtensionConfig', {
      name: 'x', typed_config: { '@type': `${T}xds.type.v3.TypedStruct`, 'type_url': `${T}envoy.extensions.filters.http.router.v3.Router`, 'value': { suppress_envoy_headers: true } },
    })).toEqual([]);
  });
});

describe('invalid configuration is rejected', () => {
  test('unknown field at the top level', () => {
    const b = bootstrap();
    b.statics_resources = {};
    expectRejected(b, '(root): unknown field "statics_resources"', 'did you mean "static_resources"?');
  });

  test('unknown field inside a typed_config (HTTP connection manager)', () => {
    const b = bootstrap();
    const hcm = hcmOf(b);
    hcm.route_confg = hcm.route_config;
    delete hcm.route_config;
    expectRejected(b,
      'static_resources.listeners[0].filter_chains[0].filters[0].typed_config: unknown field "route_confg"',
      'did you mean "route_config"?',
      // and, as the route config is now missing, the required oneof route_specifier is unset
      /typed_config: one of "rds", "route_config", "scoped_routes".* must be set/);
  });

  test('unknown field deeper inside a typed_config (route configuration)', () => {
    const b = bootstrap();
    hcmOf(b).route_config.virtual_hostz = [];
    expectRejected(b, 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config: unknown field "virtual_hostz"');
  });

  test('an @type that does not exist, a malformed type URL, a missing @type', () => {
    const b = bootstrap();
    hcmOf(b).http_filters[1].typed_config['@type'] = `${T}envoy.extensions.filters.http.router.v3.Routr`;
    b.static_resources.listeners[1].filter_chains[0].filters[0].typed_config = { '@type': 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', 'stat_prefix': 'x', 'cluster': 'y' };
    b.admin.access_log[0].typed_config = {};
    expectRejected(b,
      'http_filters[1].typed_config.@type: unknown type "envoy.extensions.filters.http.router.v3.Routr"',
      'listeners[1].filter_chains[0].filters[0].typed_config.@type: "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy" is not "type.googleapis.com/<full message name>"',
      'admin.access_log[0].typed_config: google.protobuf.Any needs "@type": "type.googleapis.com/<full message name>", got nothing');
  });

  test('an @type of the removed v2 API cannot be loaded', () => {
    const b = bootstrap();
    hcmOf(b).http_filters[1].typed_config['@type'] = `${T}envoy.config.filter.http.router.v2.Router`;
    expectRejected(b, /typed_config\.@type: type "envoy\.config\.filter\.http\.router\.v2\.Router" is defined in .*router\.proto, which cannot be used: imports envoy\/api\/v2/);
    // and the Root still works afterwards
    expect(envoyBootstrapErrors(bootstrap())).toEqual([]);
  });

  test('bad enum value: codec_type "HTTP9"', () => {
    const b = bootstrap();
    hcmOf(b).codec_type = 'HTTP9';
    expectRejected(b, 'typed_config.codec_type: the string "HTTP9" is not a value of enum envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.CodecType (allowed: AUTO, HTTP1, HTTP2, HTTP3)');
  });

  test('Duration given as a number, or without its unit', () => {
    const b = bootstrap();
    clusterOf(b, 'inbound_8080').connect_timeout = 1;
    clusterOf(b, 'admin').connect_timeout = '250ms';
    expectRejected(b,
      'static_resources.clusters[0].connect_timeout: expected a google.protobuf.Duration string such as "1s"',
      'got number 1',
      'static_resources.clusters[2].connect_timeout: expected a google.protobuf.Duration string');
  });

  test('Duration rules: connect_timeout must be > 0s', () => {
    const b = bootstrap();
    clusterOf(b, 'admin').connect_timeout = '0s';
    expectRejected(b, 'static_resources.clusters[2].connect_timeout: the string "0s" violates (validate.rules).duration.gt = 0s');
  });

  test('two members of one oneof: cluster type + cluster_type, route + redirect', () => {
    const b = bootstrap();
    clusterOf(b, 'admin').cluster_type = { name: 'envoy.clusters.aggregate', typed_config: { '@type': `${T}envoy.extensions.clusters.aggregate.v3.ClusterConfig`, 'clusters': ['a'] } };
    hcmOf(b).route_config.virtual_hosts[0].routes[0].redirect = { path_redirect: '/' };
    expectRejected(b,
      'static_resources.clusters[2]: "type" and "cluster_type" are all set, but they belong to oneof "cluster_discovery_type" of envoy.config.cluster.v3.Cluster',
      'routes[0]: "route" and "redirect" are all set, but they belong to oneof "action" of envoy.config.route.v3.Route');
  });

  test('missing required values: Route.match (message.required), an Address (required oneof), Cluster.name (string.min_len), api_type', () => {
    const b = bootstrap();
    delete hcmOf(b).route_config.virtual_hosts[0].routes[0].match;
    b.static_resources.listeners[1].address = {};
    delete clusterOf(b, 'admin').name;
    delete b.dynamic_resources.ads_config.api_type;
    expectRejected(b,
      'dynamic_resources.ads_config: missing field "api_type" (its default DEPRECATED_AND_UNAVAILABLE_DO_NOT_USE is disallowed by Envoy; set it explicitly)',
      'virtual_hosts[0].routes[0]: missing field "match" (required by (validate.rules).message.required)',
      'static_resources.listeners[1].address: one of "socket_address", "pipe", "envoy_internal_address" must be set',
      'static_resources.clusters[2]: missing field "name" (its default "" violates (validate.rules).string.min_len = 1)');
  });

  test('wrong scalar types and ranges: port_value "abc", port 70000, a 32-bit number as a string, Pipe mode, a UInt64Value', () => {
    const b = bootstrap();
    b.static_resources.listeners[0].address.socket_address.port_value = 'abc';
    b.static_resources.listeners[1].address.socket_address.port_value = 70000;
    b.static_resources.listeners[2].address.socket_address.port_value = '15090';
    b.static_resources.listeners[4].address.pipe.mode = 0o1777;
    hcmOf(b).stat_prefix = 42;
    clusterOf(b, 'admin').lb_policy = 'RING_HASH';
    clusterOf(b, 'admin').ring_hash_lb_config = { minimum_ring_size: '9000000' };
    expectRejected(b,
      'clusters[2].ring_hash_lb_config.minimum_ring_size: the string "9000000" violates (validate.rules).uint64.lte = 8388608',
      'static_resources.listeners[0].address.socket_address.port_value: expected uint32 (an integer JSON number), got the string "abc"',
      'listeners[1].address.socket_address.port_value: number 70000 violates (validate.rules).uint32.lte = 65535',
      'listeners[2].address.socket_address.port_value: expected uint32 (an integer JSON number), got the string "15090"',
      'listeners[4].address.pipe.mode: number 1023 violates (validate.rules).uint32.lte = 511',
      'typed_config.stat_prefix: expected string, got number 42');
  });

  test('repeated fields must be arrays, maps objects; a field given under both of its names', () => {
    const b = bootstrap();
    hcmOf(b).http_filters = router();
    b.static_resources.clusters[0].typed_extension_protocol_options = [];
    b.static_resources.clusters[1].connectTimeout = '1s';
    expectRejected(b,
      'typed_config.http_filters: expected an array (repeated HttpFilter), got an object',
      'clusters[0].typed_extension_protocol_options: expected an object (map<string, google.protobuf.Any>), got an array',
      'static_resources.clusters[1]: field connect_timeout is given twice, as "connect_timeout" and "connectTimeout"');
  });

  test('deprecated fields and enum values', () => {
    const b = bootstrap();
    clusterOf(b, 'xds').http2_protocol_options = {}; // replaced by typed_extension_protocol_options
    b.admin.access_log_path = '/dev/null'; // replaced by admin.access_log
    b.dynamic_resources.ads_config.transport_api_version = 'V2';
    expectRejected(b,
      'static_resources.clusters[6].http2_protocol_options: field envoy.config.cluster.v3.Cluster.http2_protocol_options is deprecated (since 3.0)',
      'admin.access_log_path: field envoy.config.bootstrap.v3.Admin.access_log_path is deprecated',
      'dynamic_resources.ads_config.transport_api_version: enum value V2 of envoy.config.core.v3.ApiVersion is deprecated');
  });

  test('errors inside an SDS config and a TLS context are reported with their path', () => {
    const b = bootstrap();
    const tls = clusterOf(b, 'payments_api').transport_socket.typed_config;
    tls.common_tls_context.tls_certificate_sds_secret_configs[0].sds_config.path_config_source = { paht: '/x' };
    tls.common_tls_context.validation_context_sds_secret_config.sds_config.path = '/etc/envoy/sds/ca.yaml'; // deprecated, and a second oneof member
    expectRejected(b,
      'clusters[5].transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs[0].sds_config.path_config_source: unknown field "paht"',
      'path_config_source: missing field "path" (its default "" violates (validate.rules).string.min_len = 1)',
      'validation_context_sds_secret_config.sds_config: "path" and "path_config_source" are all set',
      'validation_context_sds_secret_config.sds_config.path: field envoy.config.core.v3.ConfigSource.path is deprecated');
  });

  test('validateEnvoyMessage: unknown type, and a fragment with several problems', () => {
    expect(envoyMessageErrors('envoy.config.cluster.v3.Clustr', {})).toEqual([expect.stringMatching(/unknown type "envoy.config.cluster.v3.Clustr"/)]);
    expect(() => validateEnvoyMessage('envoy.config.route.v3.RouteConfiguration', { virtual_hosts: [{ name: 'vh', domains: [], routes: 'x' }] }))
      .toThrow(/2 problem\(s\) in envoy.config.route.v3.RouteConfiguration:\n {2}virtual_hosts\[0\].domains: 0 items violates \(validate.rules\).repeated.min_items = 1\n {2}virtual_hosts\[0\].routes: expected an array/);
  });
});
