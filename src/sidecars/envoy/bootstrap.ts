import { isIP } from 'net';
/**
 * The Envoy v3 bootstrap, generated from typed settings (JSON, snake_case field names,
 * as Envoy reads it). Checked in tests against Envoy's own protos.
 * Internal: the construct (envoy-sidecar.ts) owns the public props.
 */

/**
 * Mode of the egress socket Envoy creates for the app: Envoy runs as 1337:1337 and the app
 * is in none of its groups (GID 1337 is exempt from redirection and never the app's), so
 * the app needs write permission as "other" to connect; the socket volume, mounted into
 * Envoy and the app only, keeps every other container out.
 */
export const EGRESS_SOCKET_MODE = 0o666;

const T = {
  hcm: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  tcpProxy: 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  healthCheck: 'type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck',
  originalDst: 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
  tlsInspector: 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  stdoutLog: 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
  downstreamTls: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  upstreamTls: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  httpOptions: 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
};

/** An upstream service Envoy may route to. */
export interface ClusterSettings {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly tls: boolean;
  readonly mtls: boolean;
  readonly http2: boolean;
  readonly sni?: string;
  readonly connectTimeoutSeconds?: number;
}

/** An HTTP route of the egress listener. */
export interface RouteSettings {
  readonly pathPrefix: string;
  readonly cluster: string;
  readonly domains: string[];
  readonly prefixRewrite?: string;
  readonly timeoutSeconds?: number;
}

export interface BootstrapSettings {
  readonly nodeId: string;
  readonly nodeCluster: string;
  readonly adminPort: number;
  readonly inboundPort: number;
  readonly outboundPort: number;
  readonly readinessPort: number;
  readonly prometheusPort: number;
  /** Port of the kubelet probe route (transparent mode). */
  readonly probePort?: number;
  readonly probePathPrefix: string;
  /** gRPC health probes of captured app ports the probe route answers (distinct port and service). */
  readonly grpcProbes?: Array<{ readonly port: number; readonly service: string }>;
  /** The app ports Envoy serves inbound. */
  readonly appPorts: number[];
  /** Transparent (iptables / proxyConfiguration) or explicit (the app talks to Envoy). */
  readonly transparent: boolean;
  readonly inboundProtocol: 'http' | 'tcp';
  readonly connectTimeoutSeconds: number;
  readonly requestTimeoutSeconds: number;
  readonly accessLog: boolean;
  readonly clusters: ClusterSettings[];
  readonly routes: RouteSettings[];
  /** Outbound destination ports served by the HTTP routes in transparent mode. */
  readonly routedOutboundPorts: number[];
  /** mTLS: the SDS files that point at the mounted certificate files. */
  readonly mtls?: { readonly sdsDir: string; readonly certDir: string; readonly subjectAltNames: string[] };
  /** Unix domain sockets instead of TCP loopback. */
  readonly uds?: { readonly dir: string; readonly publicPort: number };
  readonly xds?: { readonly address: string; readonly port: number; readonly tls: boolean; readonly caFile: string; readonly serverName: string };
  /** Listeners on 0.0.0.0 also listen on [::] (an IPv6-only socket beside the IPv4 one). */
  readonly ipv6: boolean;
  /** Exact paths whose GET requests reach the app without ext_authz (load balancer health checks). */
  readonly healthCheckPaths: string[];
  /** ext_authz (gRPC) of another sidecar in the pod. */
  readonly extAuthz?: { readonly port: number; readonly timeoutSeconds: number; readonly failureModeAllow: boolean };
  /** Tracing of the HTTP connection managers that carry app traffic. */
  readonly tracing?: TracingSettings;
  /** Stats: inclusion list, histogram buckets, push sinks. */
  readonly stats?: StatsSettings;
  /** Headers of the HTTP connection managers that carry app traffic. */
  readonly headers?: HeaderSettings;
  /** Downstream connection settings of the HTTP connection managers that carry app traffic. */
  readonly connections?: ConnectionSettings;
}

export interface TracingSettings {
  readonly provider: 'zipkin' | 'opentelemetry' | 'datadog' | 'xray';
  readonly address: string;
  readonly port: number;
  readonly samplingPercent: number;
  readonly serviceName: string;
}

export interface StatsSettings {
  readonly inclusionPrefixes: string[];
  readonly inclusionSuffixes: string[];
  readonly inclusionRegexps: string[];
  readonly histogramBuckets: Array<{ readonly prefix: string; readonly buckets: number[] }>;
  readonly sinks: Array<{ readonly kind: 'statsd' | 'dog_statsd'; readonly address: string; readonly port: number; readonly prefix?: string }>;
  readonly flushIntervalSeconds?: number;
}

export interface HeaderSettings {
  readonly serverName?: string;
  readonly serverHeaderTransformation?: string;
  readonly generateRequestId?: boolean;
  readonly forwardClientCertDetails?: string;
  readonly suppressEnvoyHeaders?: boolean;
}

export interface ConnectionSettings {
  readonly idleTimeoutSeconds?: number;
  readonly maxConnectionDurationSeconds?: number;
  readonly streamIdleTimeoutSeconds?: number;
  readonly requestHeadersTimeoutSeconds?: number;
  readonly http2InitialStreamWindowBytes?: number;
  readonly http2InitialConnectionWindowBytes?: number;
}

/** Name of the cluster of the tracing collector (reserved: see envoy-sidecar.ts RESERVED_CLUSTERS). */
export const TRACING_CLUSTER = 'tracing';

const seconds = (s: number) => `${Number.isInteger(s) ? s : s.toFixed(3)}s`;

function socket(address: string, port: number): any {
  return { socket_address: { address, port_value: port } };
}

function endpoint(clusterName: string, address: any): any {
  return { cluster_name: clusterName, endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }] };
}

function staticCluster(name: string, address: any, connectTimeoutSeconds: number, extra: any = {}): any {
  return { name, type: 'STATIC', connect_timeout: seconds(connectTimeoutSeconds), load_assignment: endpoint(name, address), ...extra };
}

function stdoutAccessLog(enabled: boolean): any[] {
  if (!enabled) { return []; }
  return [{
    name: 'envoy.access_loggers.stdout',
    typed_config: {
      '@type': T.stdoutLog,
      'log_format': {
        json_format: {
          start_time: '%START_TIME%',
          method: '%REQ(:METHOD)%',
          path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
          protocol: '%PROTOCOL%',
          response_code: '%RESPONSE_CODE%',
          response_flags: '%RESPONSE_FLAGS%',
          bytes_received: '%BYTES_RECEIVED%',
          bytes_sent: '%BYTES_SENT%',
          duration_ms: '%DURATION%',
          upstream_host: '%UPSTREAM_HOST%',
          upstream_cluster: '%UPSTREAM_CLUSTER%',
          downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
          request_id: '%REQ(X-REQUEST-ID)%',
          authority: '%REQ(:AUTHORITY)%',
          user_agent: '%REQ(USER-AGENT)%',
        },
      },
    },
  }];
}

function router(suppressEnvoyHeaders = false): any {
  return { name: 'envoy.filters.http.router', typed_config: suppressEnvoyHeaders ? { '@type': T.router, 'suppress_envoy_headers': true } : { '@type': T.router } };
}

function httpFilters(s: BootstrapSettings, authz: boolean, app = false): any[] {
  const filters: any[] = [];
  if (authz && s.extAuthz) {
    filters.push({
      name: 'envoy.filters.http.ext_authz',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
        'transport_api_version': 'V3',
        'failure_mode_allow': s.extAuthz.failureModeAllow,
        'grpc_service': { envoy_grpc: { cluster_name: 'ext_authz' }, timeout: seconds(s.extAuthz.timeoutSeconds) },
      },
    });
  }
  filters.push(router(app && s.headers?.suppressEnvoyHeaders === true));
  return filters;
}

/**
 * Tracing of an HTTP connection manager (http_connection_manager.proto, Tracing: random_sampling
 * and the provider, as Istio's sidecars configure it), one provider per tracer:
 * envoy/config/trace/v3/{zipkin,opentelemetry,datadog,xray}.proto.
 */
function hcmTracing(t: TracingSettings): any {
  const provider = (() => {
    switch (t.provider) {
      case 'zipkin':
        return {
          name: 'envoy.tracers.zipkin',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig',
            'collector_cluster': TRACING_CLUSTER,
            'collector_endpoint': '/api/v2/spans',
            'collector_endpoint_version': 'HTTP_JSON',
            'trace_id_128bit': true,
            'shared_span_context': false,
          },
        };
      case 'opentelemetry':
        return {
          name: 'envoy.tracers.opentelemetry',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig',
            'grpc_service': { envoy_grpc: { cluster_name: TRACING_CLUSTER } },
            'service_name': t.serviceName,
          },
        };
      case 'datadog':
        return {
          name: 'envoy.tracers.datadog',
          typed_config: { '@type': 'type.googleapis.com/envoy.config.trace.v3.DatadogConfig', 'collector_cluster': TRACING_CLUSTER, 'service_name': t.serviceName },
        };
      case 'xray':
        return {
          name: 'envoy.tracers.xray',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.config.trace.v3.XRayConfig',
            'daemon_endpoint': { protocol: 'UDP', address: t.address, port_value: t.port },
            'segment_name': t.serviceName,
          },
        };
    }
  })();
  return { random_sampling: { value: t.samplingPercent }, provider };
}

/** The cluster of a tracing collector (X-Ray sends UDP datagrams to an address, no cluster). */
function tracingCluster(s: BootstrapSettings): any[] {
  const t = s.tracing;
  if (!t || t.provider === 'xray') { return []; }
  return [{
    name: TRACING_CLUSTER,
    type: isIp(t.address) ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: seconds(s.connectTimeoutSeconds),
    load_assignment: endpoint(TRACING_CLUSTER, socket(t.address, t.port)),
    ...(isIp(t.address) ? {} : { dns_lookup_family: 'V4_PREFERRED' }),
    // OTLP/gRPC speaks HTTP/2.
    ...(t.provider === 'opentelemetry' ? { typed_extension_protocol_options: http2Options() } : {}),
  }];
}

/** Settings of the connection managers that carry app traffic (not readiness, metrics or probes). */
function appHcmSettings(s: BootstrapSettings): any {
  const out: any = {};
  const h = s.headers;
  if (h?.serverName !== undefined) { out.server_name = h.serverName; }
  if (h?.serverHeaderTransformation !== undefined) { out.server_header_transformation = h.serverHeaderTransformation; }
  if (h?.generateRequestId !== undefined) { out.generate_request_id = h.generateRequestId; }
  if (h?.forwardClientCertDetails !== undefined) {
    out.forward_client_cert_details = h.forwardClientCertDetails;
    // With SANITIZE_SET / APPEND_FORWARD the proxy adds the peer certificate's identity (as Istio's sidecars do).
    if (h.forwardClientCertDetails === 'SANITIZE_SET' || h.forwardClientCertDetails === 'APPEND_FORWARD') {
      out.set_current_client_cert_details = { subject: true, uri: true, dns: true };
    }
  }
  const c = s.connections;
  const common: any = {};
  if (c?.idleTimeoutSeconds !== undefined) { common.idle_timeout = seconds(c.idleTimeoutSeconds); }
  if (c?.maxConnectionDurationSeconds !== undefined) { common.max_connection_duration = seconds(c.maxConnectionDurationSeconds); }
  if (Object.keys(common).length) { out.common_http_protocol_options = common; }
  if (c?.streamIdleTimeoutSeconds !== undefined) { out.stream_idle_timeout = seconds(c.streamIdleTimeoutSeconds); }
  if (c?.requestHeadersTimeoutSeconds !== undefined) { out.request_headers_timeout = seconds(c.requestHeadersTimeoutSeconds); }
  const h2: any = {};
  if (c?.http2InitialStreamWindowBytes !== undefined) { h2.initial_stream_window_size = c.http2InitialStreamWindowBytes; }
  if (c?.http2InitialConnectionWindowBytes !== undefined) { h2.initial_connection_window_size = c.http2InitialConnectionWindowBytes; }
  if (Object.keys(h2).length) { out.http2_protocol_options = h2; }
  if (s.tracing) { out.tracing = hcmTracing(s.tracing); }
  return out;
}

function hcm(s: BootstrapSettings, statPrefix: string, routes: any,
  options: { authz: boolean; log: boolean; extraFilters?: any[]; app?: boolean }): any {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': T.hcm,
      'stat_prefix': statPrefix,
      'codec_type': 'AUTO',
      'route_config': routes,
      'http_filters': [...(options.extraFilters ?? []), ...httpFilters(s, options.authz, options.app)],
      'access_log': stdoutAccessLog(options.log && s.accessLog),
      ...(options.app ? appHcmSettings(s) : {}),
    },
  };
}

/** stats_config, stats_sinks and stats_flush_interval of the bootstrap (envoy/config/metrics/v3/stats.proto). */
function statsBootstrap(st: StatsSettings): any {
  const out: any = {};
  const patterns = [
    ...st.inclusionPrefixes.map(prefix => ({ prefix })),
    ...st.inclusionSuffixes.map(suffix => ({ suffix })),
    ...st.inclusionRegexps.map(regex => ({ safe_regex: { regex } })),
  ];
  const config: any = {};
  if (patterns.length) { config.stats_matcher = { inclusion_list: { patterns } }; }
  if (st.histogramBuckets.length) {
    config.histogram_bucket_settings = st.histogramBuckets.map(b => ({ match: { prefix: b.prefix }, buckets: b.buckets }));
  }
  if (Object.keys(config).length) { out.stats_config = config; }
  if (st.sinks.length) {
    out.stats_sinks = st.sinks.map(k => k.kind === 'statsd'
      ? {
        name: 'envoy.stat_sinks.statsd',
        typed_config: { '@type': 'type.googleapis.com/envoy.config.metrics.v3.StatsdSink', 'address': socket(k.address, k.port), ...(k.prefix ? { prefix: k.prefix } : {}) },
      }
      : {
        name: 'envoy.stat_sinks.dog_statsd',
        typed_config: { '@type': 'type.googleapis.com/envoy.config.metrics.v3.DogStatsdSink', 'address': socket(k.address, k.port), ...(k.prefix ? { prefix: k.prefix } : {}) },
      });
  }
  if (st.flushIntervalSeconds !== undefined) { out.stats_flush_interval = seconds(st.flushIntervalSeconds); }
  return out;
}

function tcpProxy(statPrefix: string, cluster: string, log: any[]): any {
  return { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': T.tcpProxy, 'stat_prefix': statPrefix, cluster, 'access_log': log } };
}

function route(prefix: string, cluster: string, extra: any = {}): any {
  return { match: { prefix }, route: { cluster, ...extra } };
}

function routeConfig(name: string, routes: any[], domains: string[] = ['*']): any {
  return { name, virtual_hosts: [{ name, domains, routes }] };
}

/** The certificate files of mTLS, served to Envoy through SDS from files (reloaded when they change). */
function sdsConfig(s: BootstrapSettings, name: 'tls_certificate' | 'validation_context'): any {
  return { name, sds_config: { path_config_source: { path: `${s.mtls!.sdsDir}/${name}.json` }, resource_api_version: 'V3' } };
}

function commonTls(s: BootstrapSettings): any {
  return {
    tls_certificate_sds_secret_configs: [sdsConfig(s, 'tls_certificate')],
    validation_context_sds_secret_config: sdsConfig(s, 'validation_context'),
  };
}

function downstreamTls(s: BootstrapSettings): any {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: { '@type': T.downstreamTls, 'require_client_certificate': true, 'common_tls_context': commonTls(s) },
  };
}

function upstreamTls(s: BootstrapSettings, sni: string, mtls: boolean): any {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: mtls
      ? { '@type': T.upstreamTls, sni, 'common_tls_context': commonTls(s) }
      : { '@type': T.upstreamTls, sni },
  };
}

function http2Options(): any {
  return { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': T.httpOptions, 'explicit_http_config': { http2_protocol_options: {} } } };
}

/** An IP address makes a STATIC cluster, anything else (a host name) a STRICT_DNS one (cluster.proto, Cluster.DiscoveryType). */
function isIp(address: string): boolean {
  return isIP(address) !== 0;
}

function userCluster(s: BootstrapSettings, c: ClusterSettings): any {
  const cluster: any = {
    name: c.name,
    type: isIp(c.address) ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: seconds(c.connectTimeoutSeconds ?? s.connectTimeoutSeconds),
    lb_policy: 'ROUND_ROBIN',
    load_assignment: endpoint(c.name, socket(c.address, c.port)),
  };
  if (!isIp(c.address)) { cluster.dns_lookup_family = 'V4_PREFERRED'; }
  if (c.tls || c.mtls) { cluster.transport_socket = upstreamTls(s, c.sni ?? c.address, c.mtls); }
  if (c.http2) { cluster.typed_extension_protocol_options = http2Options(); }
  return cluster;
}

function adminCluster(s: BootstrapSettings): any {
  return staticCluster('admin', socket('127.0.0.1', s.adminPort), 1);
}

/** Readiness (/healthz/ready -> admin /ready) and Prometheus (/stats/prometheus) listeners. */
function observabilityListeners(s: BootstrapSettings): any[] {
  const notFound = { match: { prefix: '/' }, direct_response: { status: 404 } };
  return [
    {
      name: 'readiness',
      address: socket('0.0.0.0', s.readinessPort),
      filter_chains: [{
        filters: [hcm(s, 'readiness', routeConfig('readiness', [
          route('/healthz/ready', 'admin', { prefix_rewrite: '/ready' }),
          notFound,
        ]), { authz: false, log: false })],
      }],
    },
    {
      name: 'prometheus',
      address: socket('0.0.0.0', s.prometheusPort),
      filter_chains: [{ filters: [hcm(s, 'prometheus', routeConfig('prometheus', [route('/stats/prometheus', 'admin'), notFound]), { authz: false, log: false })] }],
    },
  ];
}

/** Where the probe route answers a gRPC probe of `port` asking for `service` (the service percent-encoded; none for ''). */
export function grpcProbePath(prefix: string, port: number, service: string): string {
  return `${prefix}/grpc/${port}${service ? `/${encodeURIComponent(service)}` : ''}`;
}

/**
 * The kubelet probe route: HTTP probes of app port P at X are proxied from
 * <prefix>/http/P<X> to the app; <prefix>/tcp/P answers 200 while Envoy's TCP health
 * check of 127.0.0.1:P passes.
 */
function probeListener(s: BootstrapSettings): { listener: any; clusters: any[] } {
  const prefix = s.probePathPrefix;
  const healthChecks = s.appPorts.map(p => ({
    name: 'envoy.filters.http.health_check',
    typed_config: {
      '@type': T.healthCheck,
      'pass_through_mode': false,
      'headers': [{ name: ':path', string_match: { exact: `${prefix}/tcp/${p}` } }],
      'cluster_min_healthy_percentages': { [`probe_tcp_${p}`]: { value: 100 } },
    },
  }));
  // gRPC probes: Envoy's gRPC health checker (grpc.health.v1.Health/Check over HTTP/2,
  // core/v3/health_check.proto GrpcHealthCheck) asks the app; the path answers 200 while it is SERVING.
  const grpc = s.grpcProbes ?? [];
  healthChecks.push(...grpc.map((g, i) => ({
    name: 'envoy.filters.http.health_check',
    typed_config: {
      '@type': T.healthCheck,
      'pass_through_mode': false,
      'headers': [{ name: ':path', string_match: { exact: grpcProbePath(prefix, g.port, g.service) } }],
      'cluster_min_healthy_percentages': { [`probe_grpc_${i}`]: { value: 100 } },
    },
  })));
  const routes = [
    ...s.appPorts.map(p => route(`${prefix}/http/${p}/`, `probe_http_${p}`, { prefix_rewrite: '/' })),
    { match: { prefix: '/' }, direct_response: { status: 404 } },
  ];
  const clusters = s.appPorts.flatMap(p => [
    staticCluster(`probe_http_${p}`, socket('127.0.0.1', p), 1),
    staticCluster(`probe_tcp_${p}`, socket('127.0.0.1', p), 1, {
      health_checks: [{ timeout: '1s', interval: '2s', unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: {} }],
    }),
  ]);
  clusters.push(...grpc.map((g, i) => staticCluster(`probe_grpc_${i}`, socket('127.0.0.1', g.port), 1, {
    typed_extension_protocol_options: http2Options(),
    health_checks: [{ timeout: '1s', interval: '2s', unhealthy_threshold: 1, healthy_threshold: 1, grpc_health_check: g.service ? { service_name: g.service } : {} }],
  })));
  return {
    listener: {
      name: 'probes',
      address: socket('0.0.0.0', s.probePort!),
      filter_chains: [{ filters: [hcm(s, 'probes', routeConfig('probes', routes), { authz: false, log: false, extraFilters: healthChecks })] }],
    },
    clusters,
  };
}

/**
 * Routes for the load balancer's health checks: a GET of exactly one of the paths goes to
 * the app with ext_authz turned off for that route (ExtAuthzPerRoute `disabled`, see
 * envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto). On Kubernetes the kubelet's
 * probes take the probe route instead; an ALB or NLB health check (ECS, or EKS with IP
 * targets) reaches the app port, which the redirect sends through the inbound listener.
 */
function healthCheckRoutes(s: BootstrapSettings, cluster: string): any[] {
  return s.healthCheckPaths.map(path => ({
    match: { path, headers: [{ name: ':method', string_match: { exact: 'GET' } }] },
    route: { cluster, timeout: seconds(s.requestTimeoutSeconds) },
    ...(s.extAuthz ? {
      typed_per_filter_config: {
        'envoy.filters.http.ext_authz': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute', 'disabled': true },
      },
    } : {}),
  }));
}

function inboundFilter(s: BootstrapSettings, port: number, cluster: string): any {
  return s.inboundProtocol === 'tcp'
    ? tcpProxy(`inbound_${port}`, cluster, stdoutAccessLog(s.accessLog))
    : hcm(s, `inbound_${port}`, routeConfig(`inbound_${port}`, [
      ...healthCheckRoutes(s, cluster),
      route('/', cluster, { timeout: seconds(s.requestTimeoutSeconds) }),
    ]), { authz: true, log: true, app: true });
}

function egressRoutes(s: BootstrapSettings, fallback?: string): any[] {
  const byDomains = new Map<string, any[]>();
  for (const r of s.routes) {
    const key = r.domains.join(',');
    const routes = byDomains.get(key) ?? [];
    routes.push(route(r.pathPrefix, r.cluster, {
      ...(r.prefixRewrite !== undefined ? { prefix_rewrite: r.prefixRewrite } : {}),
      timeout: seconds(r.timeoutSeconds ?? s.requestTimeoutSeconds),
    }));
    byDomains.set(key, routes);
  }
  const hosts = [...byDomains].map(([domains, routes], i) => ({ name: `egress_${i}`, domains: domains.split(','), routes }));
  const catchAll = fallback
    ? [route('/', fallback, { timeout: seconds(s.requestTimeoutSeconds) })]
    : [{ match: { prefix: '/' }, direct_response: { status: 404 } }];
  const star = hosts.find(h => h.domains.includes('*'));
  if (star) { star.routes.push(...catchAll); } else { hosts.push({ name: 'egress_default', domains: ['*'], routes: catchAll }); }
  return hosts;
}

/**
 * The ports where redirected traffic lands (outbound and inbound listeners). A connection to
 * one of them that Envoy passed through would reach Envoy again (its own traffic is exempt
 * from the rules, so a pass-through to the pod's own 15001 or 15006 arrives at the listener
 * with itself as the original destination, and so on). Envoy's other ports (admin, readiness,
 * metrics, probes) are not guarded: a pass-through to them reaches them once, and other pods'
 * readiness and metrics ports are legitimate destinations (health checkers, Prometheus).
 */
export function loopPorts(s: BootstrapSettings): number[] {
  return [...new Set([s.outboundPort, s.inboundPort])].sort((a, b) => a - b);
}

/** The bootstrap of a sidecar Envoy. */
export function envoyBootstrap(s: BootstrapSettings): any {
  const listeners: any[] = [...observabilityListeners(s)];
  const clusters: any[] = [adminCluster(s), ...s.clusters.map(c => userCluster(s, c)), ...tracingCluster(s)];
  const connect = s.connectTimeoutSeconds;
  const appPortClusters = () => s.appPorts.map(p => staticCluster(`inbound_${p}`, socket('127.0.0.1', p), connect));

  if (s.extAuthz) {
    clusters.push(staticCluster('ext_authz', socket('127.0.0.1', s.extAuthz.port), connect, { typed_extension_protocol_options: http2Options() }));
  }

  if (s.uds) {
    // Unix domain sockets: the app listens on <dir>/app.sock and sends to <dir>/egress.sock.
    listeners.push({
      name: 'inbound',
      address: socket('0.0.0.0', s.uds.publicPort),
      ...(s.mtls ? { listener_filters: [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': T.tlsInspector } }] } : {}),
      filter_chains: [{ filters: [inboundFilter(s, s.uds.publicPort, 'app_uds')], ...(s.mtls ? { transport_socket: downstreamTls(s) } : {}) }],
    });
    listeners.push({
      name: 'egress',
      // 0666: Envoy creates the socket as 1337:1337 and the app is another UID in none of
      // Envoy's groups (it must not be: GID 1337 is exempt from redirection), so 0660 makes
      // the app's connect() fail with EACCES. The access control is the volume: the socket
      // directory is mounted only into Envoy and the app. (Pipe.mode, envoy/config/core/v3/address.proto.)
      address: { pipe: { path: `${s.uds.dir}/egress.sock`, mode: EGRESS_SOCKET_MODE } },
      filter_chains: [{ filters: [hcm(s, 'egress', { name: 'egress', virtual_hosts: egressRoutes(s) }, { authz: false, log: true, app: true })] }],
    });
    clusters.push({
      name: 'app_uds',
      type: 'STATIC',
      connect_timeout: seconds(connect),
      load_assignment: endpoint('app_uds', { pipe: { path: `${s.uds.dir}/app.sock` } }),
    });
  } else if (s.xds) {
    // The control plane sends the inbound and outbound listeners and their clusters
    // (ADS); the probe route, readiness and metrics stay static.
  } else if (s.transparent) {
    // Envoy refuses a listener without a filter chain ("no filter chains specified",
    // envoyproxy/envoy source/common/listener_manager/listener_impl.cc): with no app port
    // (an egress-only pod) no inbound port is redirected (k8s/redirect.ts), so the inbound
    // listener is left out.
    if (s.appPorts.length > 0) {
      listeners.push({
        name: 'inbound',
        address: socket('0.0.0.0', s.inboundPort),
        listener_filters: [
          { name: 'envoy.filters.listener.original_dst', typed_config: { '@type': T.originalDst } },
          ...(s.mtls ? [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': T.tlsInspector } }] : []),
        ],
        filter_chains: s.appPorts.map(p => ({
          filter_chain_match: s.mtls ? { destination_port: p, transport_protocol: 'tls' } : { destination_port: p },
          filters: [inboundFilter(s, p, `inbound_${p}`)],
          ...(s.mtls ? { transport_socket: downstreamTls(s) } : {}),
        })),
      });
    }
    const passthrough = tcpProxy('outbound_passthrough', 'passthrough', stdoutAccessLog(s.accessLog));
    const routed = s.routes.length && s.routedOutboundPorts.length
      ? s.routedOutboundPorts.map(p => ({
        filter_chain_match: { destination_port: p },
        filters: [hcm(s, `outbound_${p}`, { name: `outbound_${p}`, virtual_hosts: egressRoutes(s, 'passthrough') }, { authz: false, log: true, app: true })],
      }))
      : [];
    // A connection whose original destination port is the outbound or inbound listener's
    // (see loopPorts) must not be passed through: it would loop into Envoy itself. Like
    // Istio's virtualOutbound listener (istio/istio pilot/pkg/networking/core/listener_builder.go,
    // blackholeFilterChain: a chain matching destination_port == the listen port, tcp_proxy
    // to BlackHoleCluster) and its inbound counterpart for 15006, these go to a cluster
    // without endpoints, so the connection is closed. No access log on these: counted under
    // the stat prefix outbound_blackhole.
    const blackholed = loopPorts(s).map(p => ({
      filter_chain_match: { destination_port: p },
      filters: [tcpProxy('outbound_blackhole', 'blackhole', [])],
    }));
    listeners.push({
      name: 'outbound',
      address: socket('0.0.0.0', s.outboundPort),
      listener_filters: [{ name: 'envoy.filters.listener.original_dst', typed_config: { '@type': T.originalDst } }],
      filter_chains: [...routed, ...blackholed],
      default_filter_chain: { filters: [passthrough] },
    });
    clusters.push(...appPortClusters(), {
      name: 'passthrough',
      type: 'ORIGINAL_DST',
      lb_policy: 'CLUSTER_PROVIDED',
      connect_timeout: seconds(connect),
    }, {
      // As Istio's BlackHoleCluster (istio/istio pilot/pkg/networking/core/cluster_builder.go,
      // buildBlackHoleCluster): STATIC with no endpoints.
      name: 'blackhole',
      type: 'STATIC',
      connect_timeout: seconds(connect),
    });
  } else {
    // Explicit proxy: inbound on an exposed port to the app's first port; the app sends
    // egress HTTP to 127.0.0.1:<outbound port>.
    // With no app port (an egress-only app) there is nothing to forward to: no inbound listener.
    const target: number | undefined = s.appPorts[0];
    if (target !== undefined) {
      listeners.push({
        name: 'inbound',
        address: socket('0.0.0.0', s.inboundPort),
        filter_chains: [{ filters: [inboundFilter(s, target, `inbound_${target}`)], ...(s.mtls ? { transport_socket: downstreamTls(s) } : {}) }],
      });
      clusters.push(staticCluster(`inbound_${target}`, socket('127.0.0.1', target), connect));
    }
    listeners.push({
      name: 'egress',
      address: socket('127.0.0.1', s.outboundPort),
      filter_chains: [{ filters: [hcm(s, 'egress', { name: 'egress', virtual_hosts: egressRoutes(s) }, { authz: false, log: true, app: true })] }],
    });
  }

  if (s.probePort !== undefined && s.transparent) {
    const probes = probeListener(s);
    listeners.push(probes.listener);
    clusters.push(...probes.clusters);
  }

  if (s.ipv6) {
    // Dual stack: IPv6 connections (redirected by the ip6tables rules, or the kubelet's
    // probes of an IPv6 pod IP) reach the same listener on [::]. Envoy makes [::] sockets
    // IPv6-only unless ipv4_compat is set, so both bind the one port (as Istio does for
    // dual-stack proxies with additional_addresses).
    for (const l of listeners) {
      if (l.address.socket_address?.address === '0.0.0.0') {
        l.additional_addresses = [{ address: socket('::', l.address.socket_address.port_value) }];
      }
    }
  }

  const bootstrap: any = {
    node: { id: s.nodeId, cluster: s.nodeCluster },
    admin: {
      address: socket('127.0.0.1', s.adminPort),
    },
    static_resources: { listeners, clusters },
    ...(s.stats ? statsBootstrap(s.stats) : {}),
  };
  if (s.xds) {
    clusters.push({
      name: 'xds',
      type: isIp(s.xds.address) ? 'STATIC' : 'STRICT_DNS',
      connect_timeout: seconds(connect),
      load_assignment: endpoint('xds', socket(s.xds.address, s.xds.port)),
      typed_extension_protocol_options: http2Options(),
      ...(s.xds.tls ? {
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': T.upstreamTls,
            'sni': s.xds.serverName,
            'common_tls_context': { validation_context: { trusted_ca: { filename: s.xds.caFile }, match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: s.xds.serverName } }] } },
          },
        },
      } : {}),
    });
    bootstrap.dynamic_resources = {
      ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }], set_node_on_first_message_only: true },
      lds_config: { ads: {}, resource_api_version: 'V3' },
      cds_config: { ads: {}, resource_api_version: 'V3' },
    };
  }
  return bootstrap;
}

/** The SDS resource files for mTLS: the certificate and the trusted CA, from the mounted secret. */
export function sdsFiles(s: BootstrapSettings): { [name: string]: any } {
  const m = s.mtls!;
  const validation: any = { trusted_ca: { filename: `${m.certDir}/ca.crt` } };
  if (m.subjectAltNames.length) {
    validation.match_typed_subject_alt_names = m.subjectAltNames.map(san => ({ san_type: san.includes('://') ? 'URI' : 'DNS', matcher: { exact: san } }));
  }
  return {
    'tls_certificate.json': {
      resources: [{
        '@type': T.secret,
        'name': 'tls_certificate',
        'tls_certificate': { certificate_chain: { filename: `${m.certDir}/tls.crt` }, private_key: { filename: `${m.certDir}/tls.key` } },
      }],
    },
    'validation_context.json': {
      resources: [{ '@type': T.secret, 'name': 'validation_context', 'validation_context': validation }],
    },
  };
}
