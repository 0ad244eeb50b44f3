import { isIP } from 'net';
import { Construct } from 'constructs';
import { EXT_AUTHZ_GRPC } from '../capabilities';
import { BootstrapSettings, EGRESS_SOCKET_MODE, envoyBootstrap, sdsFiles } from './bootstrap';
import { drainCommand, drainUntilIdleCommand, readyCheckCommand, waitUntilReadyCommand } from './commands';
import { declareDeterministic } from '../../core/composition';
import { ContainerPortSpec, ContainerSpec, FieldOrigin, PortExposure, Protocol, ResourceRequirements, StartupRole, WaitCondition } from '../../core/container';
import { CompositionContext, ISidecar, NetworkEndpoint, RedirectMode, SidecarContribution } from '../../core/contribution';
import { Errors } from '../../core/errors';
import { DNS_LABEL, generatedFileOrigins, isImageReference, pathProblem, UID_ORIGIN } from '../../core/names';
import { BuiltInSidecarProps, applyOverrides, checkOverrideTypes } from '../../core/overrides';
import { Probe } from '../../core/probe';
import { RESOURCE_TYPES, checkArray, checkBoolean, checkEnum, checkObject, checkPropTypes, rememberProps } from '../../core/prop-types';
import { isCidr, resolveContribution, withDefaultResources } from '../../core/resolve';
import { isNumberToken } from '../../core/tokens';
import { VolumeKind, VolumeMountSpec, VolumeSpec } from '../../core/volume';

/** What Envoy speaks on the app's inbound ports. */
export enum EnvoyInboundProtocol {
  /** HTTP/1.1 and HTTP/2 (HTTP connection manager: routes, access logs with paths, ext_authz). */
  HTTP = 'HTTP',
  /** Opaque TCP (tcp_proxy). */
  TCP = 'TCP',
}

/** Envoy's log level. */
export enum EnvoyLogLevel {
  /** trace */
  TRACE = 'trace',
  /** debug */
  DEBUG = 'debug',
  /** info */
  INFO = 'info',
  /** warning */
  WARN = 'warning',
  /** error */
  ERROR = 'error',
  /** critical */
  CRITICAL = 'critical',
  /** off */
  OFF = 'off',
}

/** An upstream service Envoy can route to. */
export interface EnvoyCluster {
  /** Cluster name (letters, digits, '-', '_', '.'). */
  readonly name: string;
  /** Host name or IP address. */
  readonly address: string;
  /** Port. */
  readonly port: number;
  /**
   * Originate TLS.
   * @default false
   */
  readonly tls?: boolean;
  /**
   * Originate mutual TLS with the sidecar's certificate (needs `mtls`).
   * @default false
   */
  readonly mtls?: boolean;
  /**
   * Speak HTTP/2 (e.g. gRPC) upstream.
   * @default false
   */
  readonly http2?: boolean;
  /**
   * SNI for TLS.
   * @default - the address
   */
  readonly sni?: string;
  /**
   * Connect timeout in seconds.
   * @default - connectTimeoutSeconds
   */
  readonly connectTimeoutSeconds?: number;
}

/** An HTTP route of the egress side. */
export interface EnvoyRoute {
  /** Path prefix matched, starting with '/'. */
  readonly pathPrefix: string;
  /** Name of a cluster in `clusters`. */
  readonly cluster: string;
  /**
   * Host names (Host / :authority) the route is for.
   * @default ['*']
   */
  readonly domains?: string[];
  /**
   * Replace the matched prefix with this.
   * @default - the path is kept
   */
  readonly prefixRewrite?: string;
  /**
   * Request timeout in seconds (0 = none).
   * @default - requestTimeoutSeconds
   */
  readonly timeoutSeconds?: number;
}

/** An xDS control plane (ADS over gRPC) that sends Envoy its listeners and clusters. */
export interface EnvoyXds {
  /** Host name or IP of the control plane. */
  readonly address: string;
  /** Port of the control plane. */
  readonly port: number;
  /**
   * Connect with TLS.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * Name expected in the control plane's certificate (and SNI).
   * @default - the address
   */
  readonly serverName?: string;
  /**
   * CA bundle that signs the control plane's certificate, inside the Envoy image.
   * @default '/etc/ssl/certs/ca-certificates.crt'
   */
  readonly caCertificateFile?: string;
}

/** Mutual TLS between proxies with certificates from a secret (tls.crt, tls.key, ca.crt). */
export interface EnvoyMtls {
  /** Secret holding `tls.crt`, `tls.key` and `ca.crt` (on Kubernetes a Secret, e.g. from cert-manager). */
  readonly secretName: string;
  /**
   * Subject alternative names accepted from peers (URIs such as SPIFFE IDs, or DNS names).
   * @default - any certificate signed by the CA
   */
  readonly subjectAltNames?: string[];
}

/** App and Envoy exchange traffic over Unix domain sockets in a shared volume. */
export interface EnvoyUnixSockets {
  /** Port on which Envoy takes inbound traffic for the app (`PortExposure.PUBLIC`: published on an ACI group's IP address). */
  readonly publicPort: number;
  /**
   * Directory of the sockets, mounted into Envoy and the app only: the app listens on
   * `<dir>/app.sock` and sends egress HTTP to `<dir>/egress.sock`. Envoy creates
   * `egress.sock` with mode 0666 (the volume, not the mode, keeps other containers out),
   * so the app connects whatever its UID and groups. Envoy (UID 1337) connects to
   * `app.sock`, which needs write permission on it: the app must create it writable by
   * others (e.g. mode 0666, or a umask of 0 while it binds).
   * @default '/var/run/envoy-uds'
   */
  readonly directory?: string;
}

/** A tracer Envoy reports spans to. */
export enum EnvoyTracingProvider {
  /** Zipkin v2 JSON over HTTP (`/api/v2/spans`), default port 9411. */
  ZIPKIN = 'ZIPKIN',
  /** OpenTelemetry (OTLP over gRPC), default port 4317: e.g. an OTel Collector sidecar. */
  OPENTELEMETRY = 'OPENTELEMETRY',
  /** Datadog agent (APM intake), default port 8126. */
  DATADOG = 'DATADOG',
  /** AWS X-Ray daemon (UDP), default port 2000: e.g. the X-Ray daemon sidecar. */
  XRAY = 'XRAY',
}

/**
 * Tracing of the HTTP traffic Envoy carries for the app (inbound, routed outbound and egress
 * listeners), as Istio's ProxyConfig.tracing.
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/trace/v3/http_tracer.proto
 */
export interface EnvoyTracing {
  /** The tracer. */
  readonly provider: EnvoyTracingProvider;
  /**
   * Host name or IP address of the collector (an IP address for X-Ray).
   * @default '127.0.0.1' (a collector in the same pod or task, e.g. the OTel Collector or X-Ray daemon sidecar)
   */
  readonly address?: string;
  /**
   * Port of the collector.
   * @default - 9411 (Zipkin), 4317 (OpenTelemetry), 8126 (Datadog), 2000 (X-Ray, UDP)
   */
  readonly port?: number;
  /**
   * Percentage of requests traced, 0 to 100.
   * @default 1 (Istio's default sampling)
   */
  readonly samplingPercent?: number;
  /**
   * Service name in the spans (the X-Ray segment name). Not with ZIPKIN, whose tracer names
   * spans with serviceCluster (set that instead).
   * @default - serviceCluster
   */
  readonly serviceName?: string;
}

/** A statsd flavour of push stats sink. */
export enum EnvoyStatsSinkKind {
  /** Plain statsd over UDP (e.g. the CloudWatch agent's statsd listener). */
  STATSD = 'STATSD',
  /** DogStatsD over UDP, with tags (the Datadog agent). */
  DOG_STATSD = 'DOG_STATSD',
}

/** A push stats sink (statsd over UDP). */
export interface EnvoyStatsSink {
  /** The flavour. */
  readonly kind: EnvoyStatsSinkKind;
  /**
   * IP address of the statsd listener (Envoy sends UDP datagrams to an address, no DNS).
   * @default '127.0.0.1' (an agent in the same pod or task)
   */
  readonly address?: string;
  /**
   * UDP port.
   * @default 8125
   */
  readonly port?: number;
  /**
   * Prefix of every stat name.
   * @default 'envoy'
   */
  readonly prefix?: string;
}

/** Histogram buckets of the stats whose name starts with a prefix (Istio's `sidecar.istio.io/statsHistogramBuckets`). */
export interface EnvoyHistogramBuckets {
  /** Prefix of the stat names, e.g. "cluster_manager" or "http.inbound_8080.downstream_rq_time". */
  readonly statPrefix: string;
  /** Upper bounds of the buckets (each > 0, each once), in the stat's unit (milliseconds for times). */
  readonly buckets: number[];
}

/** Which stats Envoy keeps and where it pushes them (Istio's ProxyConfig.proxyStatsMatcher and stats annotations). */
export interface EnvoyStats {
  /**
   * Keep only stats whose name starts with one of these (with the suffixes and regexps: any match).
   * @default - every stat
   */
  readonly inclusionPrefixes?: string[];
  /**
   * Keep only stats whose name ends with one of these.
   * @default - every stat
   */
  readonly inclusionSuffixes?: string[];
  /**
   * Keep only stats whose whole name matches one of these RE2 regular expressions (no
   * lookaround or backreferences).
   * @default - every stat
   */
  readonly inclusionRegexps?: string[];
  /**
   * Histogram buckets per stat name prefix.
   * @default - Envoy's default buckets
   */
  readonly histogramBuckets?: EnvoyHistogramBuckets[];
  /**
   * Push sinks (statsd, DogStatsD), besides the Prometheus endpoint.
   * @default - none
   */
  readonly sinks?: EnvoyStatsSink[];
  /**
   * Seconds between pushes to the sinks (at least 0.001, below 300).
   * @default 5 (Envoy's)
   */
  readonly flushIntervalSeconds?: number;
}

/** What Envoy does with the `server` response header. */
export enum EnvoyServerHeader {
  /** Always write serverName (Envoy's default). */
  OVERWRITE = 'OVERWRITE',
  /** Write serverName only when the app sent none. */
  APPEND_IF_ABSENT = 'APPEND_IF_ABSENT',
  /** Pass the app's header through, add none. */
  PASS_THROUGH = 'PASS_THROUGH',
}

/** What Envoy does with the `x-forwarded-client-cert` (XFCC) header. */
export enum EnvoyForwardClientCert {
  /** Remove it (Envoy's default). */
  SANITIZE = 'SANITIZE',
  /** Forward it when the connection is mTLS. */
  FORWARD_ONLY = 'FORWARD_ONLY',
  /** Append the peer certificate's subject, URI and DNS SANs when mTLS, and forward. */
  APPEND_FORWARD = 'APPEND_FORWARD',
  /** Replace it with the peer certificate's subject, URI and DNS SANs when mTLS (Istio's sidecar default). */
  SANITIZE_SET = 'SANITIZE_SET',
  /** Always forward it, mTLS or not. */
  ALWAYS_FORWARD_ONLY = 'ALWAYS_FORWARD_ONLY',
}

/** Headers Envoy adds or removes on app traffic (Istio's ProxyConfig.proxyHeaders). */
export interface EnvoyProxyHeaders {
  /**
   * Value of the `server` response header.
   * @default 'envoy'
   */
  readonly serverName?: string;
  /**
   * What happens to the `server` header.
   * @default EnvoyServerHeader.OVERWRITE
   */
  readonly serverHeader?: EnvoyServerHeader;
  /**
   * Generate an `x-request-id` when a request has none.
   * @default true
   */
  readonly generateRequestId?: boolean;
  /**
   * The `x-forwarded-client-cert` header.
   * @default EnvoyForwardClientCert.SANITIZE
   */
  readonly forwardClientCert?: EnvoyForwardClientCert;
  /**
   * Do not add `x-envoy-*` headers (upstream service time, attempt count, ...).
   * @default false
   */
  readonly suppressEnvoyHeaders?: boolean;
}

/** Downstream HTTP connection settings of the listeners that carry app traffic. */
export interface EnvoyConnectionSettings {
  /**
   * Seconds a connection without active requests stays open (0 = no limit).
   * @default 3600 (Envoy's)
   */
  readonly idleTimeoutSeconds?: number;
  /**
   * Seconds after which a connection is drained and closed.
   * @default - no limit
   */
  readonly maxConnectionDurationSeconds?: number;
  /**
   * Seconds a request stream may stay without activity (0 = no limit).
   * @default 300 (Envoy's)
   */
  readonly streamIdleTimeoutSeconds?: number;
  /**
   * Seconds a client has to send the request headers (0 = no limit).
   * @default - no limit (Envoy's)
   */
  readonly requestHeadersTimeoutSeconds?: number;
  /**
   * HTTP/2 initial stream window, bytes (65535 to 2147483647).
   * @default 268435456 (Envoy's)
   */
  readonly http2InitialStreamWindowBytes?: number;
  /**
   * HTTP/2 initial connection window, bytes (65535 to 2147483647).
   * @default 268435456 (Envoy's)
   */
  readonly http2InitialConnectionWindowBytes?: number;
}

/** The log level of one Envoy component (`--component-log-level`). */
export interface EnvoyComponentLogLevel {
  /** Envoy logger name, e.g. "upstream", "http", "connection", "router", "rbac" (`envoy --help` lists them). */
  readonly component: string;
  /** Its level. */
  readonly level: EnvoyLogLevel;
}

/** Props of an Envoy sidecar. */
export interface EnvoySidecarProps extends BuiltInSidecarProps {
  /**
   * Container name.
   * @default 'envoy'
   */
  readonly name?: string;
  /**
   * Image. It must have bash (and `sleep`): the health check (ECS), the wait until ready
   * (Kubernetes classic mode) and the drain before stop run bash scripts inside it that
   * talk HTTP to Envoy over bash's `/dev/tcp` (the default Ubuntu-based image has bash, but
   * no curl). Distroless images (`-distroless`) have no shell and are refused.
   * @default 'envoyproxy/envoy:v1.39.1'
   */
  readonly image?: string;
  /**
   * UID and GID Envoy runs as; its traffic is never redirected.
   * @default 1337
   */
  readonly uid?: number;
  /**
   * Admin interface port (bound to 127.0.0.1).
   * @default 15000
   */
  readonly adminPort?: number;
  /**
   * Port of redirected outbound traffic (transparent mode), or of the egress listener
   * on 127.0.0.1 (explicit mode).
   * @default 15001
   */
  readonly outboundPort?: number;
  /**
   * Port of redirected inbound traffic (transparent mode, pod-local), or the inbound port
   * of explicit mode (`PortExposure.PUBLIC`: the workload's entry point, published on an
   * ACI group's IP address; readiness and Prometheus stay EXPOSED).
   * @default 15006
   */
  readonly inboundPort?: number;
  /**
   * Readiness port (`/healthz/ready`).
   * @default 15021
   */
  readonly readinessPort?: number;
  /**
   * Prometheus port (`/stats/prometheus`).
   * @default 15090
   */
  readonly prometheusPort?: number;
  /**
   * Port of the kubelet probe route for the app's probes (transparent mode).
   * @default 15020
   */
  readonly probePort?: number;
  /**
   * Redirect the app's traffic through Envoy transparently (iptables on Kubernetes, the
   * task proxyConfiguration on ECS). False: explicit proxy mode, the only one ACI allows.
   * @default true
   */
  readonly redirect?: boolean;
  /**
   * Listen on IPv6 too: every listener on 0.0.0.0 also listens on [::], so that the IPv6
   * traffic the redirect rules capture in dual-stack pods (and the kubelet's probes of an
   * IPv6 pod IP) reach Envoy. Set false only where the node's kernel has IPv6 disabled
   * (`ipv6.disable=1`), where Envoy cannot open an IPv6 socket.
   * @default true
   */
  readonly ipv6?: boolean;
  /**
   * Inbound ports captured and served.
   * @default - every TCP port of the app containers
   */
  readonly appPorts?: number[];
  /**
   * Inbound ports never captured.
   * @default - none
   */
  readonly excludeInboundPorts?: number[];
  /**
   * Outbound destination ports never captured.
   * @default - none
   */
  readonly excludeOutboundPorts?: number[];
  /**
   * Outbound destinations (IPs or CIDRs) never captured.
   * @default - none (platform metadata endpoints are always excluded on ECS)
   */
  readonly excludeOutboundCidrs?: string[];
  /**
   * Only these outbound ports are captured (Kubernetes only).
   * @default - all
   */
  readonly includeOutboundPorts?: number[];
  /**
   * Only these outbound destinations are captured (Kubernetes only).
   * @default - all
   */
  readonly includeOutboundCidrs?: string[];
  /**
   * Who installs the redirect rules on Kubernetes. `RedirectMode.INIT_CONTAINER`: an init
   * container of the pod, root with NET_ADMIN and NET_RAW (refused by Pod Security
   * `baseline` and `restricted`). `RedirectMode.CNI`: the Istio CNI plugin (or a plugin
   * reading the same annotations) installs them when the pod's network is made; the pod then
   * carries `sidecar.istio.io/status`, `sidecar.istio.io/interceptionMode: REDIRECT` and the
   * `traffic.sidecar.istio.io/*` annotations (include/exclude inbound ports, outbound IP
   * ranges and ports, interfaces) written from these props, the proxy container is named
   * `istio-proxy` (the only one the plugin looks for) and listens on 15001 and 15006 (the
   * plugin's fixed ports), and an unprivileged init container (`istio-iptables
   * --run-validation`, from `redirectImage`) fails the pod if the rules are missing. No
   * container of the pod needs root or a capability. The namespace must not also be injected
   * by istiod, and the app's own init containers run with the rules in place (their traffic
   * goes to 15001 before Envoy runs: run them as UID `uid`, or exclude their ports). ECS:
   * the task proxyConfiguration is already applied by the platform's CNI plugin, so CNI
   * is refused there; ACI has no interception at all.
   * @default RedirectMode.INIT_CONTAINER
   * @see https://istio.io/latest/docs/setup/additional-setup/cni/
   */
  readonly redirectMode?: RedirectMode;
  /**
   * Network interfaces whose traffic is never captured, inbound or outbound (e.g. a Multus
   * network), as Istio's `traffic.sidecar.istio.io/excludeInterfaces`. Kubernetes only.
   * @default - none
   */
  readonly excludeInterfaces?: string[];
  /**
   * Network interfaces whose inbound TCP traffic is captured as outbound traffic (sent to
   * the outbound listener), e.g. the bridge of a KubeVirt virtual machine running in the pod:
   * Istio's `istio.io/reroute-virtual-interfaces` (formerly `traffic.sidecar.istio.io/kubevirtInterfaces`).
   * Kubernetes only.
   * @default - none
   */
  readonly rerouteVirtualInterfaces?: string[];
  /**
   * Install the redirect rules with native nftables (`nft -f`, one `inet` table for IPv4 and
   * IPv6) instead of iptables-restore, as Istio's `global.nativeNftables`: for nodes without
   * the iptables kernel modules. Kubernetes with RedirectMode.INIT_CONTAINER only; the
   * `redirectImage` must ship `nft` (Istio's proxyv2 does).
   * @default false
   */
  readonly nativeNftables?: boolean;
  /**
   * Rewrite the app's kubelet probes of captured ports to Envoy's probe route on `probePort`
   * (Istio's `sidecar.istio.io/rewriteAppHTTPProbers`). False: no probe route; HTTP probes
   * then go through the inbound listener like any request, and a TCP probe of a captured
   * port is refused (Envoy, not the app, would answer it).
   * @default true
   */
  readonly rewriteAppProbes?: boolean;
  /**
   * Image of the Kubernetes init container that installs the redirect rules; it must
   * contain sh, iptables-restore and ip6tables-restore (distroless images are refused).
   * @default 'docker.io/istio/proxyv2:1.29.6'
   */
  readonly redirectImage?: string;
  /**
   * Exact paths of load balancer health checks (an ALB or NLB target group's health-check
   * path): a `GET` of exactly one of them reaches the app without the ext_authz check that
   * another sidecar (e.g. OPA's Envoy plugin) adds to every inbound request, which a load
   * balancer could not pass. Needed on ECS, where health checks reach the app port through
   * Envoy (Kubernetes probes use the probe route instead). Other methods and other paths
   * are still checked (Envoy's exact `path` match ignores the query string). With an
   * authorization service in the pod and this left out, a warning says that load balancer
   * health checks will be checked too; `[]` says there are none.
   * @default - none: every inbound request is checked
   */
  readonly healthCheckPaths?: string[];
  /**
   * What Envoy speaks on the app's inbound ports.
   * @default EnvoyInboundProtocol.HTTP
   */
  readonly inboundProtocol?: EnvoyInboundProtocol;
  /**
   * Upstream connect timeout, seconds.
   * @default 5
   */
  readonly connectTimeoutSeconds?: number;
  /**
   * HTTP request timeout, seconds (0 = none).
   * @default 15
   */
  readonly requestTimeoutSeconds?: number;
  /**
   * Access log of every request and connection to stdout, as JSON.
   * @default true
   */
  readonly accessLog?: boolean;
  /**
   * Log level.
   * @default EnvoyLogLevel.INFO
   */
  readonly logLevel?: EnvoyLogLevel;
  /**
   * Extra upstream clusters.
   * @default - none
   */
  readonly clusters?: EnvoyCluster[];
  /**
   * Extra HTTP routes to the clusters: on the egress listener (explicit mode, Unix
   * sockets) or for the outbound ports in `routedOutboundPorts` (transparent mode, other
   * traffic passes through).
   * @default - none
   */
  readonly routes?: EnvoyRoute[];
  /**
   * Outbound destination ports whose HTTP traffic the routes apply to (transparent mode).
   * @default [80]
   */
  readonly routedOutboundPorts?: number[];
  /**
   * An xDS control plane instead of the static listeners.
   * @default - static configuration
   */
  readonly xds?: EnvoyXds;
  /**
   * Mutual TLS on the inbound side (and for clusters with `mtls`).
   * @default - plaintext
   */
  readonly mtls?: EnvoyMtls;
  /**
   * Unix domain sockets between the app and Envoy instead of TCP loopback.
   * @default - TCP
   */
  readonly unixSockets?: EnvoyUnixSockets;
  /**
   * Seconds Envoy drains its listeners before it stops.
   * @default 5
   */
  readonly drainSeconds?: number;
  /**
   * Seconds Envoy needs to stop.
   * @default - drainSeconds + 5
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * CPU and memory.
   * @default - requests 100m and 128 MiB, limits 2000m and 1024 MiB (Istio's defaults)
   */
  readonly resources?: ResourceRequirements;
  /**
   * Node id in the bootstrap.
   * @default - the container name
   */
  readonly nodeId?: string;
  /**
   * Service cluster of the node (xDS).
   * @default 'cdk-sidecars'
   */
  readonly serviceCluster?: string;
  /**
   * Tracing of the app's HTTP traffic.
   * @default - no tracing
   */
  readonly tracing?: EnvoyTracing;
  /**
   * Stats inclusion, histogram buckets and push sinks.
   * @default - every stat, Envoy's buckets, Prometheus endpoint only
   */
  readonly stats?: EnvoyStats;
  /**
   * Headers Envoy adds or removes on the app's HTTP traffic.
   * @default - Envoy's defaults
   */
  readonly proxyHeaders?: EnvoyProxyHeaders;
  /**
   * Downstream HTTP connection settings (idle timeout, maximum connection duration, stream
   * idle timeout, HTTP/2 windows).
   * @default - Envoy's defaults
   */
  readonly connectionSettings?: EnvoyConnectionSettings;
  /**
   * Per-component log levels (`--component-log-level`), as Istio's `sidecar.istio.io/componentLogLevel`.
   * @default - every component at logLevel
   */
  readonly componentLogLevels?: EnvoyComponentLogLevel[];
  /**
   * Milliseconds between flushes of the access log (`--file-flush-interval-msec`); Istio uses 1000.
   * @default 10000 (Envoy's)
   */
  readonly accessLogFlushIntervalMilliseconds?: number;
  /**
   * Kilobytes buffered before the access log is flushed (`--file-flush-min-size-kb`).
   * @default 64 (Envoy's)
   */
  readonly accessLogFlushMinSizeKilobytes?: number;
  /**
   * On stop, after draining, wait until no downstream connection is left on the inbound and
   * outbound listeners (asked every second from the admin stats), at most drainSeconds, instead
   * of always waiting drainSeconds: Istio's EXIT_ON_ZERO_ACTIVE_CONNECTIONS.
   * @default false
   */
  readonly exitOnZeroActiveConnections?: boolean;
  /**
   * A bootstrap fragment Envoy merges onto the generated bootstrap at start (`--config-yaml`:
   * messages merge, lists append), as Istio's `sidecar.istio.io/bootstrapOverride`. The
   * library's checks (the port and loop checks, the proto validation in the tests) see only
   * the generated part: a warning says so.
   * @default - none
   */
  readonly bootstrapOverride?: { [key: string]: any };
  /**
   * Envoy worker threads (`--concurrency`). Left out, it follows the container's CPU limit
   * as Istio does (pilot-agent reads the limit through the downward API with divisor 1,
   * i.e. rounded up to whole cores, and uses it as ProxyConfig.concurrency): ceil of
   * `resources.cpuLimitMillicores` / 1000, so 2 with the default limit of 2000m; 2 when no
   * CPU limit is set. 0 starts one worker per hardware thread of the host, which on a large
   * node wastes memory and gets the container throttled under its CPU limit
   * (istio/istio#8938, #11268): only as an explicit choice.
   * @default - ceil(resources.cpuLimitMillicores / 1000), or 2 without a CPU limit
   * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig
   */
  readonly concurrency?: number;
  /**
   * Health command for platforms that check health inside the container (ECS).
   * @default - a bash script that asks the readiness route (`/healthz/ready`) over `/dev/tcp`
   */
  readonly healthCommand?: string[];
}

const DEFAULT_IMAGE = 'envoyproxy/envoy:v1.39.1';
/** The collectors' usual ports: Zipkin 9411, OTLP/gRPC 4317, Datadog agent APM 8126, X-Ray daemon UDP 2000. */
const TRACING_PORTS: { [k in EnvoyTracingProvider]: number } = {
  [EnvoyTracingProvider.ZIPKIN]: 9411,
  [EnvoyTracingProvider.OPENTELEMETRY]: 4317,
  [EnvoyTracingProvider.DATADOG]: 8126,
  [EnvoyTracingProvider.XRAY]: 2000,
};

const CONFIG_DIR = '/etc/envoy';
const TLS_DIR = '/etc/envoy/tls';
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/**
 * Where Envoy itself connects, as configured: its clusters (STRICT_DNS or static addresses,
 * envoy/bootstrap.ts), the xDS control plane, the tracing collector (X-Ray over UDP, the
 * others over TCP: envoy api v3 config/trace/v3) and the statsd sinks (UDP). For the network
 * policies generated around the pod (PodRequirements.egress).
 */
function envoyEgress(p: EnvoySidecarProps): NetworkEndpoint[] {
  return [
    ...(p.clusters ?? []).map((c, i) => ({ host: c.address, port: c.port, prop: `clusters[${i}].address` })),
    ...(p.xds ? [{ host: p.xds.address, port: p.xds.port, prop: 'xds.address' }] : []),
    ...(p.tracing ? [{
      host: p.tracing.address ?? '127.0.0.1',
      port: p.tracing.port ?? TRACING_PORTS[p.tracing.provider],
      protocol: p.tracing.provider === EnvoyTracingProvider.XRAY ? Protocol.UDP : Protocol.TCP,
      prop: 'tracing.address',
    }] : []),
    ...(p.stats?.sinks ?? []).map((k, i) => ({ host: k.address ?? '127.0.0.1', port: k.port ?? 8125, protocol: Protocol.UDP, prop: `stats.sinks[${i}].address` })),
  ];
}

const RESERVED_CLUSTERS = /^(admin|passthrough|blackhole|xds|ext_authz|app_uds|tracing|inbound_\d+|probe_(http|tcp|grpc)_\d+)$/;
/** A DNS host name: labels of letters, digits and '-', at most 253 characters. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
/**
 * A virtual host domain as Envoy matches it (route_components.proto, VirtualHost.domains):
 * a host, optionally with a port, a leading or trailing '*' wildcard, or '*' alone.
 */
const ROUTE_DOMAIN = /^(\*|\*?[A-Za-z0-9_.-]+(:(\d+|\*))?|[A-Za-z0-9_.-]+\*|\[[0-9A-Fa-f:.]+\](:\d+)?)$/;

/**
 * Why an upstream address is not usable, or undefined. Envoy resolves a STATIC cluster's
 * endpoints as IP addresses only, and a STRICT_DNS one's as host names (cluster.proto,
 * Cluster.DiscoveryType): a dotted quad out of range or a "host:port" is neither.
 */
export function upstreamAddressProblem(address: unknown): string | undefined {
  if (typeof address !== 'string' || address === '') { return 'is not a host name or IP address'; }
  if (isIP(address)) { return undefined; }
  if (/^[\d.]+$/.test(address)) { return 'looks like an IPv4 address but is not one (each part 0 to 255, four parts)'; }
  if (address.includes(':')) { return 'is neither an IPv6 address nor a host name (give the port in port, not after a ":")'; }
  if (!HOST_NAME.test(address)) { return 'is not a host name (labels of at most 63 letters, digits and \'-\', at most 253 characters)'; }
  return undefined;
}

/**
 * Envoy's worker threads: the explicit number, else the CPU limit rounded up to whole cores
 * (istio/istio pilot/cmd/pilot-agent/config/config.go ConstructProxyConfig: an unset
 * ProxyConfig.concurrency takes ISTIO_CPU_LIMIT, which the injection template fills from
 * `resourceFieldRef: limits.cpu, divisor: "1"`; the downward API rounds CPU up to the
 * divisor), else 2 (no limit, or a limit known only at deployment).
 */
export function envoyConcurrency(concurrency: number | undefined, cpuLimitMillicores: number | undefined): number {
  if (concurrency !== undefined) { return concurrency; }
  if (typeof cpuLimitMillicores !== 'number' || !Number.isFinite(cpuLimitMillicores) || cpuLimitMillicores <= 0 || isNumberToken(cpuLimitMillicores)) { return 2; }
  return Math.max(1, Math.ceil(cpuLimitMillicores / 1000));
}

/**
 * An Envoy proxy beside the app, with a generated bootstrap: admin on 127.0.0.1:15000,
 * inbound listener 15006 to the app's ports on 127.0.0.1, outbound listener 15001
 * (original destination, passthrough), Prometheus on 15090 (`/stats/prometheus`),
 * readiness on 15021 (`/healthz/ready`), and a kubelet probe route on 15020.
 *
 * With `redirect` (the default) the app's traffic goes through Envoy without the app
 * knowing: Kubernetes gets an iptables redirect init container, ECS the task's
 * proxyConfiguration. The app starts only once Envoy is ready, and Envoy drains and
 * stops after the app.
 */
export class EnvoySidecar extends Construct implements ISidecar {
  /** Container name. */
  public readonly name: string;
  /** UID (and GID) Envoy runs as. */
  public readonly uid: number;
  /** Port of redirected inbound traffic. */
  public readonly inboundPort: number;
  /** Port of redirected outbound traffic (or the egress listener). */
  public readonly outboundPort: number;
  /** Readiness port. */
  public readonly readinessPort: number;
  private readonly props: EnvoySidecarProps;
  private dryRun = false;
  private readonly ports: { admin: number; outbound: number; inbound: number; readiness: number; prometheus: number; probe: number };

  constructor(scope: Construct, id: string, props: EnvoySidecarProps = {}) {
    super(scope, id);
    const path = this.node.path;
    this.props = props;
    rememberProps(this, props);
    checkOverrideTypes(path, props);
    // The Istio CNI plugin redirects only pods with a container of this name (k8s/redirect.ts CNI_PROXY_CONTAINER).
    this.name = props.name ?? (props.redirectMode === RedirectMode.CNI ? 'istio-proxy' : 'envoy');
    this.uid = props.uid ?? 1337;
    this.ports = {
      admin: props.adminPort ?? 15000,
      outbound: props.outboundPort ?? 15001,
      inbound: props.inboundPort ?? 15006,
      readiness: props.readinessPort ?? 15021,
      prometheus: props.prometheusPort ?? 15090,
      probe: props.probePort ?? 15020,
    };
    this.inboundPort = this.ports.inbound;
    this.outboundPort = this.ports.outbound;
    this.readinessPort = this.ports.readiness;
    this.check(path);
    // Every field check of the neutral model, now, with an empty pod.
    this.dryRun = true;
    try {
      resolveContribution(path, this.contribute({ targetPath: path, appContainers: [] }));
    } finally {
      this.dryRun = false;
    }
  }

  /** Describes Envoy for the pod: the bootstrap serves the app's ports. */
  public contribute(context: CompositionContext): SidecarContribution {
    const p = this.props;
    const transparent = (p.redirect ?? true) && !p.unixSockets;
    const probeRoute = transparent && (p.rewriteAppProbes ?? true);
    const excluded = new Set(p.excludeInboundPorts ?? []);
    const appTcp = context.appContainers.flatMap(c => c.ports.filter(x => (x.protocol ?? 'TCP') === 'TCP').map(x => x.port));
    const appPorts = [...new Set(p.appPorts ?? appTcp)].filter(x => !excluded.has(x)).sort((a, b) => a - b);
    const udsDir = p.unixSockets?.directory ?? '/var/run/envoy-uds';
    const settings: BootstrapSettings = {
      nodeId: p.nodeId ?? this.name,
      nodeCluster: p.serviceCluster ?? 'cdk-sidecars',
      adminPort: this.ports.admin,
      inboundPort: this.ports.inbound,
      outboundPort: this.ports.outbound,
      readinessPort: this.ports.readiness,
      prometheusPort: this.ports.prometheus,
      probePort: probeRoute ? this.ports.probe : undefined,
      probePathPrefix: '/app-health',
      // The app's gRPC probes of captured ports, each (port, service) once, in a stable order.
      grpcProbes: probeRoute ? [...new Map(context.appContainers.flatMap(c => c.grpcProbes ?? [])
        .filter(g => appPorts.includes(g.port))
        .map(g => [`${g.port}/${g.service ?? ''}`, { port: g.port, service: g.service ?? '' }] as const)).values()]
        .sort((a, b) => a.port - b.port || a.service.localeCompare(b.service)) : undefined,
      appPorts,
      transparent,
      ipv6: p.ipv6 ?? true,
      healthCheckPaths: p.healthCheckPaths ?? [],
      inboundProtocol: p.inboundProtocol === EnvoyInboundProtocol.TCP ? 'tcp' : 'http',
      connectTimeoutSeconds: p.connectTimeoutSeconds ?? 5,
      requestTimeoutSeconds: p.requestTimeoutSeconds ?? 15,
      accessLog: p.accessLog ?? true,
      clusters: (p.clusters ?? []).map(c => ({
        name: c.name,
        address: c.address,
        port: c.port,
        tls: c.tls ?? false,
        mtls: c.mtls ?? false,
        http2: c.http2 ?? false,
        sni: c.sni,
        connectTimeoutSeconds: c.connectTimeoutSeconds,
      })),
      routes: (p.routes ?? []).map(r => ({ pathPrefix: r.pathPrefix, cluster: r.cluster, domains: r.domains ?? ['*'], prefixRewrite: r.prefixRewrite, timeoutSeconds: r.timeoutSeconds })),
      routedOutboundPorts: p.routedOutboundPorts ?? [80],
      mtls: p.mtls ? { sdsDir: CONFIG_DIR, certDir: TLS_DIR, subjectAltNames: p.mtls.subjectAltNames ?? [] } : undefined,
      uds: p.unixSockets ? { dir: udsDir, publicPort: p.unixSockets.publicPort } : undefined,
      tracing: p.tracing ? {
        provider: ({ ZIPKIN: 'zipkin', OPENTELEMETRY: 'opentelemetry', DATADOG: 'datadog', XRAY: 'xray' } as const)[p.tracing.provider],
        address: p.tracing.address ?? '127.0.0.1',
        port: p.tracing.port ?? TRACING_PORTS[p.tracing.provider],
        samplingPercent: p.tracing.samplingPercent ?? 1,
        serviceName: p.tracing.serviceName ?? p.serviceCluster ?? 'cdk-sidecars',
      } : undefined,
      stats: p.stats ? {
        inclusionPrefixes: p.stats.inclusionPrefixes ?? [],
        // The drain that waits for zero connections reads the listeners' downstream_cx_active: kept whatever the inclusion list.
        inclusionSuffixes: [...(p.stats.inclusionSuffixes ?? []),
          ...(p.exitOnZeroActiveConnections && (p.stats.inclusionPrefixes ?? p.stats.inclusionSuffixes ?? p.stats.inclusionRegexps) ? ['downstream_cx_active'] : [])],
        inclusionRegexps: p.stats.inclusionRegexps ?? [],
        histogramBuckets: (p.stats.histogramBuckets ?? []).map(b => ({ prefix: b.statPrefix, buckets: b.buckets })),
        sinks: (p.stats.sinks ?? []).map(k => ({
          kind: k.kind === EnvoyStatsSinkKind.DOG_STATSD ? 'dog_statsd' as const : 'statsd' as const,
          address: k.address ?? '127.0.0.1',
          port: k.port ?? 8125,
          prefix: k.prefix,
        })),
        flushIntervalSeconds: p.stats.flushIntervalSeconds,
      } : undefined,
      headers: p.proxyHeaders ? {
        serverName: p.proxyHeaders.serverName,
        serverHeaderTransformation: p.proxyHeaders.serverHeader,
        generateRequestId: p.proxyHeaders.generateRequestId,
        forwardClientCertDetails: p.proxyHeaders.forwardClientCert,
        suppressEnvoyHeaders: p.proxyHeaders.suppressEnvoyHeaders,
      } : undefined,
      connections: p.connectionSettings ? { ...p.connectionSettings } : undefined,
      xds: p.xds ? {
        address: p.xds.address,
        port: p.xds.port,
        tls: p.xds.tls ?? true,
        caFile: p.xds.caCertificateFile ?? '/etc/ssl/certs/ca-certificates.crt',
        serverName: p.xds.serverName ?? p.xds.address,
      } : undefined,
    };

    // Another sidecar of the pod may offer an authorization service (e.g. OPA's Envoy
    // plugin): Envoy then checks every inbound HTTP request with it (ext_authz over gRPC).
    const authz = (context.offers ?? []).find(o => o.name === EXT_AUTHZ_GRPC);
    if (authz) {
      if (p.inboundProtocol === EnvoyInboundProtocol.TCP) {
        throw Errors.invalidRole(this.node.path, 'inboundProtocol', 'TCP', `cannot apply the ext_authz HTTP filter that ${authz.providerPath} offers`,
          'Use EnvoyInboundProtocol.HTTP, or turn the authorization offer off');
      }
      Object.assign(settings, {
        extAuthz: {
          port: authz.port!,
          timeoutSeconds: Number(authz.settings?.timeoutSeconds ?? '0.5'),
          failureModeAllow: authz.settings?.failureModeAllow === 'true',
        },
      });
    }
    const files = [{ name: 'envoy.json', content: `${JSON.stringify(envoyBootstrap(settings), null, 2)}\n` }];
    if (settings.mtls) {
      for (const [name, content] of Object.entries(sdsFiles(settings))) { files.push({ name, content: `${JSON.stringify(content, null, 2)}\n` }); }
    }
    const volumes: VolumeSpec[] = [
      { name: `${this.name}-config`, kind: VolumeKind.CONFIG_FILES, files },
      { name: `${this.name}-tmp`, kind: VolumeKind.SCRATCH, sizeLimitMebibytes: 64 },
    ];
    const mounts: VolumeMountSpec[] = [
      { volume: `${this.name}-config`, path: CONFIG_DIR, readOnly: true },
      { volume: `${this.name}-tmp`, path: '/tmp' },
    ];
    const volumeOrigins: FieldOrigin[] = [];
    if (p.mtls) {
      volumeOrigins.push({ field: `volumes[${volumes.length}]`, prop: 'mtls', alternative: 'TLS where the platform terminates it (e.g. the load balancer or a mesh)' });
      volumes.push({ name: `${this.name}-tls`, kind: VolumeKind.SECRET, secretName: p.mtls.secretName });
      mounts.push({ volume: `${this.name}-tls`, path: TLS_DIR, readOnly: true });
    }
    const appMounts: VolumeMountSpec[] = [];
    const appEnv = [];
    if (p.unixSockets) {
      volumes.push({ name: `${this.name}-uds`, kind: VolumeKind.SCRATCH, sizeLimitMebibytes: 1 });
      mounts.push({ volume: `${this.name}-uds`, path: udsDir });
      appMounts.push({ volume: `${this.name}-uds`, path: udsDir });
      appEnv.push({ name: 'ENVOY_EGRESS_SOCKET', value: `${udsDir}/egress.sock` }, { name: 'APP_LISTEN_SOCKET', value: `${udsDir}/app.sock` });
    } else if (!transparent) {
      appEnv.push({ name: 'ENVOY_EGRESS_URL', value: `http://127.0.0.1:${this.ports.outbound}` });
    }

    const ready = Probe.httpGet({ port: this.ports.readiness, path: '/healthz/ready', periodSeconds: 1, failureThreshold: 120 });
    const ports: ContainerPortSpec[] = [
      { port: this.ports.admin, name: 'envoy-admin' },
      { port: this.ports.outbound, name: 'envoy-outbound' },
      // Explicit proxy: the inbound listener is the workload's entry point (published on an ACI group's IP address).
      { port: this.ports.inbound, name: 'envoy-inbound', exposure: transparent || p.unixSockets ? PortExposure.POD_LOCAL : PortExposure.PUBLIC },
      { port: this.ports.readiness, name: 'envoy-ready', exposure: PortExposure.EXPOSED },
      // The bootstrap's "prometheus" listener routes /stats/prometheus to the admin interface (envoy/bootstrap.ts),
      // Istio's convention (15090, /stats/prometheus: istio/istio tools/packaging/common/envoy_bootstrap.json).
      { port: this.ports.prometheus, name: 'http-envoy-prom', exposure: PortExposure.EXPOSED, metricsPath: '/stats/prometheus' },
      ...(probeRoute ? [{ port: this.ports.probe, name: 'envoy-probes', exposure: PortExposure.EXPOSED }] : []),
      ...(p.unixSockets ? [{ port: p.unixSockets.publicPort, name: 'envoy-public', exposure: PortExposure.PUBLIC }] : []),
    ];
    const drain = p.drainSeconds ?? 5;
    // Errors about these fields (a port clash, Fargate's stop timeout) name the props.
    const portProps = ['adminPort', 'outboundPort', 'inboundPort', 'readinessPort', 'prometheusPort', ...(probeRoute ? ['probePort'] : []),
      ...(p.unixSockets ? ['unixSockets.publicPort'] : [])];
    const origins: FieldOrigin[] = [
      ...portProps.map((prop, i) => ({ field: `ports[${i}].port`, prop })),
      UID_ORIGIN,
      { field: 'healthCommand', prop: 'healthCommand' },
      p.terminationGracePeriodSeconds !== undefined
        ? { field: 'shutdown.gracePeriodSeconds', prop: 'terminationGracePeriodSeconds' }
        : { field: 'shutdown.gracePeriodSeconds', prop: 'drainSeconds', offset: 5 },
    ];
    const resources = withDefaultResources(this.node.path,
      { cpuRequestMillicores: 100, memoryRequestMebibytes: 128, cpuLimitMillicores: 2000, memoryLimitMebibytes: 1024 }, p.resources);
    const container: ContainerSpec = {
      name: this.name,
      image: p.image ?? DEFAULT_IMAGE,
      role: StartupRole.SIDECAR,
      appWaitsFor: WaitCondition.HEALTHY,
      command: ['envoy'],
      args: ['-c', `${CONFIG_DIR}/envoy.json`, '--log-level', p.logLevel ?? EnvoyLogLevel.INFO, '--drain-time-s', String(drain),
        '--drain-strategy', 'immediate', '--disable-hot-restart', '--concurrency', String(envoyConcurrency(p.concurrency, resources.cpuLimitMillicores)),
        ...(p.componentLogLevels?.length ? ['--component-log-level', p.componentLogLevels.map(c => `${c.component}:${c.level}`).join(',')] : []),
        ...(p.accessLogFlushIntervalMilliseconds !== undefined ? ['--file-flush-interval-msec', String(p.accessLogFlushIntervalMilliseconds)] : []),
        ...(p.accessLogFlushMinSizeKilobytes !== undefined ? ['--file-flush-min-size-kb', String(p.accessLogFlushMinSizeKilobytes)] : []),
        // Envoy merges this onto the -c bootstrap (server/options_impl.cc, --config-yaml; istio/istio pkg/envoy/proxy.go does the same for bootstrapOverride).
        // Container args are read as Kubernetes reads them ("$$" is "$", "$(VAR)" a variable: core/v1 Container.args;
        // the ECS binder expands them the same way, src/core/expansion.ts): a "$" before "$" or "(" is written "$$".
        ...(p.bootstrapOverride !== undefined ? ['--config-yaml', JSON.stringify(p.bootstrapOverride).replace(/\$(?=[$(])/g, '$$$$')] : [])],
      ports,
      security: { uid: this.uid, gid: this.uid },
      resources,
      startupProbe: ready,
      readinessProbe: Probe.httpGet({ port: this.ports.readiness, path: '/healthz/ready', periodSeconds: 5 }),
      // bash and coreutils only: the image has no curl (see commands.ts for the upstream facts).
      healthCommand: p.healthCommand ?? readyCheckCommand(this.ports.readiness),
      waitCommand: waitUntilReadyCommand(this.ports.readiness),
      volumeMounts: mounts,
      // The runtime contract proves the app (the other container mounting the volume) can connect.
      createsFiles: p.unixSockets ? [{ volume: `${this.name}-uds`, mode: EGRESS_SOCKET_MODE, sockets: true }] : undefined,
      shutdown: {
        drainCommand: p.exitOnZeroActiveConnections
          ? drainUntilIdleCommand(this.ports.admin, drain,
            [...new Set([this.ports.inbound, this.ports.outbound, ...(p.unixSockets ? [p.unixSockets.publicPort] : [])])])
          : drainCommand(this.ports.admin, drain),
        gracePeriodSeconds: p.terminationGracePeriodSeconds ?? drain + 5,
      },
      origins,
    };
    // Load balancer health checks reach the app through the inbound listener, hence through
    // ext_authz, which they cannot pass: the target would be marked unhealthy.
    let warnings = authz && p.healthCheckPaths === undefined
      ? [`every inbound request is checked by ${authz.providerPath}'s ext_authz service, a load balancer's health checks (an ALB or NLB target group) too, `
        + 'which they cannot pass: list their paths in EnvoySidecarProps.healthCheckPaths, or set it to [] if nothing health-checks the app through Envoy']
      : undefined;
    // An app without a TCP port gets no inbound listener (bootstrap.ts); say so where the
    // inbound port is the workload's entry point (explicit mode), the user may have forgotten one.
    if (!this.dryRun && !transparent && !p.unixSockets && !p.xds && appPorts.length === 0) {
      (warnings ?? (warnings = [])).push(`the app containers declare no TCP port${p.excludeInboundPorts ? ' outside excludeInboundPorts' : ''}, `
        + `so Envoy has no inbound listener on its inboundPort ${this.ports.inbound} and serves egress only: declare the app's port (or EnvoySidecarProps.appPorts) to receive traffic`);
    }
    if (!this.dryRun && p.bootstrapOverride !== undefined) {
      (warnings ?? (warnings = [])).push('EnvoySidecarProps.bootstrapOverride is merged onto the generated bootstrap by Envoy at start (--config-yaml): '
        + 'the library\'s checks (ports, loops, the proto validation of its tests) see only the generated part');
    }
    // Tracing, headers and connection settings apply to the HTTP connection managers of app traffic (bootstrap.ts appHcmSettings).
    const appHttp = !!p.unixSockets || !transparent || (p.inboundProtocol !== EnvoyInboundProtocol.TCP && appPorts.length > 0)
      || ((p.routes ?? []).length > 0 && (p.routedOutboundPorts ?? [80]).length > 0);
    if (!this.dryRun && !p.xds && !appHttp) {
      const unused = (['tracing', 'proxyHeaders', 'connectionSettings'] as const).filter(k => p[k] !== undefined);
      if (unused.length) {
        (warnings ?? (warnings = [])).push(`EnvoySidecarProps.${unused.join(', ')} apply to HTTP listeners, and this pod has none (no HTTP app port, no routes): they have no effect here`);
      }
    }
    return applyOverrides(this.node.path, {
      containers: [container],
      volumes,
      // A bootstrap too large for a platform names the prop with the largest value (e.g. serviceCluster).
      origins: [...generatedFileOrigins(p, volumes), ...volumeOrigins],
      warnings,
      settableProps: ['EnvoySidecarProps.healthCommand'],
      consumes: authz ? [EXT_AUTHZ_GRPC] : undefined,
      appRequests: { env: appEnv, mounts: appMounts },
      pod: {
        egress: envoyEgress(p),
        trafficInterception: transparent ? {
          proxyContainer: this.name,
          proxyUid: this.uid,
          proxyGid: this.uid,
          inboundPort: this.ports.inbound,
          outboundPort: this.ports.outbound,
          appPorts: p.appPorts,
          excludeInboundPorts: p.excludeInboundPorts,
          excludeOutboundPorts: p.excludeOutboundPorts,
          excludeOutboundCidrs: p.excludeOutboundCidrs,
          includeOutboundPorts: p.includeOutboundPorts,
          includeOutboundCidrs: p.includeOutboundCidrs,
          probeRedirect: probeRoute ? { port: this.ports.probe, pathPrefix: '/app-health' } : undefined,
          redirectImage: p.redirectImage,
          redirectMode: p.redirectMode,
          excludeInterfaces: p.excludeInterfaces,
          rerouteVirtualInterfaces: p.rerouteVirtualInterfaces,
          nativeNftables: p.nativeNftables,
          disableHint: 'set redirect: false on the EnvoySidecar to run it as an explicit proxy',
        } : undefined,
      },
    }, p.overrides);
  }

  /** Checks of Envoy's own props (the neutral ones are checked by the model). */
  private check(path: string): void {
    const p = this.props;
    this.checkTypes(path);
    // Nested fields not checked above, named as the user wrote them (issue 10, section 2).
    checkPropTypes(path, p, {
      mtls: { struct: { secretName: 'string', subjectAltNames: 'stringArray' } },
      xds: { struct: { tls: 'boolean', serverName: 'string', caCertificateFile: 'string' } },
      unixSockets: { struct: { directory: 'string' } },
      resources: { struct: RESOURCE_TYPES },
    });
    this.checkModes(path);
    this.checkObservability(path);
    if (!DNS_LABEL.test(this.name)) { throw Errors.invalidName(path, 'name', this.name, 'a DNS label of at most 63 characters'); }
    if (p.image !== undefined && !isImageReference(p.image)) { throw Errors.invalidImage(path, 'image', p.image); }
    // envoyproxy/envoy's distroless stage (ci/Dockerfile-envoy, FROM gcr.io/distroless/base-nossl) has no shell.
    if (p.image !== undefined && /distroless/i.test(p.image)) {
      throw Errors.imageLacksBinary(path, 'image', p.image, 'shell (bash)', 'the health check, the wait until ready and the drain before stop',
        'Use the Ubuntu-based image, e.g. "envoyproxy/envoy:v1.39.1", or build one FROM the distroless image that adds bash');
    }
    const seen = new Map<number, string>();
    for (const [key, port] of Object.entries({ ...this.ports, ...(p.unixSockets ? { 'unixSockets.publicPort': p.unixSockets.publicPort } : {}) })) {
      const field = key.includes('.') ? key : `${key}Port`;
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) { throw Errors.invalidPort(path, field, port); }
      const other = seen.get(port);
      if (other) { throw Errors.duplicatePort(path, field, port, 'TCP', other); }
      seen.set(port, field);
    }
    if (p.healthCheckPaths !== undefined) {
      if (!Array.isArray(p.healthCheckPaths)) {
        throw Errors.invalidProbe(path, 'healthCheckPaths', p.healthCheckPaths, 'is not a list of paths', 'Give a list such as ["/healthz"]');
      }
      p.healthCheckPaths.forEach((hc, i) => {
        // An exact path without query or fragment: Envoy's `path` match compares the path with the query string removed.
        if (typeof hc !== 'string' || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(hc) || p.healthCheckPaths!.indexOf(hc) !== i) {
          throw Errors.invalidProbe(path, `healthCheckPaths[${i}]`, hc, 'is not an exact HTTP path, or is listed twice',
            'Give the target group\'s health-check path once, starting with "/", without a query, e.g. "/healthz"');
        }
      });
      if (p.inboundProtocol === EnvoyInboundProtocol.TCP) {
        throw Errors.invalidRole(path, 'healthCheckPaths', p.healthCheckPaths, 'need HTTP inbound: with EnvoyInboundProtocol.TCP Envoy does not see paths',
          'Use EnvoyInboundProtocol.HTTP, or leave healthCheckPaths out');
      }
    }
    if (p.ipv6 !== undefined && typeof p.ipv6 !== 'boolean') { throw Errors.invalidRole(path, 'ipv6', p.ipv6, 'is not a boolean', 'Use true or false'); }
    // The outbound listener sends its own and the inbound port to a blackhole (bootstrap.ts loopPorts): a route chain there would clash.
    const own = new Set([this.ports.outbound, this.ports.inbound]);
    (p.routedOutboundPorts ?? []).forEach((port, i) => {
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) { throw Errors.invalidPort(path, `routedOutboundPorts[${i}]`, port); }
      if (own.has(port)) {
        throw Errors.invalidRole(path, `routedOutboundPorts[${i}]`, port, 'is the port of Envoy\'s outbound or inbound listener, whose outbound traffic Envoy refuses (so that it never connects to itself)',
          'Route ports Envoy does not redirect to, or move Envoy\'s outboundPort or inboundPort');
      }
    });
    this.checkSeconds(path, 'connectTimeoutSeconds', p.connectTimeoutSeconds, true);
    this.checkSeconds(path, 'requestTimeoutSeconds', p.requestTimeoutSeconds, false);
    if (p.unixSockets && (p.redirect ?? false)) {
      throw Errors.invalidRole(path, 'unixSockets', p.unixSockets, 'and redirect exclude each other: with Unix domain sockets the app talks to Envoy explicitly',
        'Leave redirect out (or false) in Unix socket mode');
    }
    if (p.unixSockets?.directory !== undefined) {
      const problem = pathProblem(p.unixSockets.directory);
      if (problem) { throw Errors.invalidPath(path, 'unixSockets.directory', p.unixSockets.directory, problem); }
    }
    const clusterNames = new Set<string>();
    (p.clusters ?? []).forEach((c, i) => {
      const f = `clusters[${i}]`;
      if (typeof c.name !== 'string' || !CLUSTER_NAME.test(c.name) || RESERVED_CLUSTERS.test(c.name) || clusterNames.has(c.name)) {
        // Envoy's own cluster-name rules allow upper case, '.' and '_' (not the DNS-label advice of invalidName).
        throw Errors.invalidRole(path, `${f}.name`, c.name,
          typeof c.name === 'string' && clusterNames.has(c.name) ? 'names two clusters' : typeof c.name === 'string' && RESERVED_CLUSTERS.test(c.name)
            ? `is a cluster name Envoy's bootstrap uses itself (${RESERVED_CLUSTERS.source})` : 'is not a cluster name',
          'Give each cluster a unique name of at most 128 letters (either case), digits, \'.\', \'_\' and \'-\', starting with a letter or digit, e.g. "payments.v1"');
      }
      clusterNames.add(c.name);
      const addressProblem = upstreamAddressProblem(c.address);
      if (addressProblem) {
        throw Errors.invalidRole(path, `${f}.address`, c.address, addressProblem, 'Give an IP address (a STATIC cluster) or a DNS host name (a STRICT_DNS cluster), e.g. "10.0.0.5" or "payments.internal", and the port in port');
      }
      // UpstreamTlsContext.sni: at most 255 bytes (envoy api/envoy/extensions/transport_sockets/tls/v3/tls.proto, validate max_bytes 255).
      const sni = c.sni ?? (c.tls || c.mtls ? c.address : undefined);
      if (c.sni !== undefined && (typeof c.sni !== 'string' || c.sni === '')) { throw Errors.invalidType(path, `${f}.sni`, c.sni, 'a non-empty string'); }
      if (sni !== undefined && Buffer.byteLength(sni, 'utf8') > 255) {
        throw Errors.invalidRole(path, c.sni !== undefined ? `${f}.sni` : `${f}.address`, sni, `is ${Buffer.byteLength(sni, 'utf8')} bytes, but Envoy takes an SNI of at most 255 bytes`,
          'Give a shorter server name in sni');
      }
      if (c.sni !== undefined && !(c.tls || c.mtls)) {
        throw Errors.ineffectiveSetting(path, `${f}.sni`, c.sni, 'the cluster does not originate TLS', 'Set tls: true, or leave sni out');
      }
      if (typeof c.port !== 'number' || !Number.isInteger(c.port) || c.port < 1 || c.port > 65535) { throw Errors.invalidPort(path, `${f}.port`, c.port); }
      if (c.mtls && !p.mtls) {
        throw Errors.invalidRole(path, `${f}.mtls`, true, 'needs the sidecar\'s certificate, but mtls is not set', 'Set mtls: { secretName } on the sidecar, or use tls');
      }
    });
    const domainOwner = new Map<string, { key: string; field: string }>();
    (p.routes ?? []).forEach((r, i) => {
      const f = `routes[${i}]`;
      if (typeof r.pathPrefix !== 'string' || !r.pathPrefix.startsWith('/')) {
        throw Errors.invalidProbe(path, `${f}.pathPrefix`, r.pathPrefix, 'is not a path prefix', 'Start it with "/", e.g. "/payments/"');
      }
      if (!clusterNames.has(r.cluster)) {
        throw Errors.unknownReference(path, `${f}.cluster`, r.cluster, 'cluster', 'clusters', [...clusterNames]);
      }
      // Envoy checks prefix_rewrite as an HTTP header value (route_components.proto, RouteAction.prefix_rewrite): no control characters.
      for (const [key, value] of [['pathPrefix', r.pathPrefix], ['prefixRewrite', r.prefixRewrite]] as const) {
        if (value !== undefined && /[\u0000-\u001f\u007f]/.test(value)) {
          throw Errors.invalidRole(path, `${f}.${key}`, value, 'holds a control character (a newline, tab or NUL), which no HTTP path carries', 'Percent-encode it, e.g. "%0A"');
        }
      }
      // VirtualHost.domains (route_components.proto): at least one, each unique across the virtual hosts of a route
      // configuration, else Envoy refuses the configuration. Routes with the same domain list share one virtual host.
      const domains = r.domains ?? ['*'];
      if (domains.length === 0) {
        throw Errors.invalidRole(path, `${f}.domains`, domains, 'is empty: Envoy needs at least one domain per virtual host', 'Leave domains out (every host, "*") or list the hosts');
      }
      domains.forEach((d, j) => {
        if (typeof d !== 'string' || !ROUTE_DOMAIN.test(d)) {
          throw Errors.invalidRole(path, `${f}.domains[${j}]`, d, 'is not a host Envoy matches (a host name with an optional port, a "*." or "*-" wildcard, or "*"; no commas or spaces)',
            'Give each host as its own element, e.g. ["api.example.com", "*.example.com"]');
        }
        if (domains.indexOf(d) !== j) { throw Errors.invalidRole(path, `${f}.domains[${j}]`, d, 'is listed twice', 'List each domain once'); }
      });
      const key = JSON.stringify(domains);
      for (const d of domains) {
        const other = domainOwner.get(d);
        if (other && other.key !== key) {
          throw Errors.invalidRole(path, `${f}.domains`, domains, `share ${JSON.stringify(d)} with ${other.field}, whose domain list differs: Envoy refuses a domain in two virtual hosts`,
            `Give routes for ${JSON.stringify(d)} the same domains list, or split the domains so that each appears in one list`);
        }
        domainOwner.set(d, { key, field: `${f}.domains` });
      }
    });
    if (p.xds) {
      const xdsProblem = upstreamAddressProblem(p.xds.address);
      if (xdsProblem) {
        throw Errors.invalidRole(path, 'xds.address', p.xds.address, xdsProblem, 'Give an IP address or a DNS host name, e.g. "istiod.istio-system.svc", and the port in port');
      }
      if (typeof p.xds.port !== 'number' || !Number.isInteger(p.xds.port) || p.xds.port < 1 || p.xds.port > 65535) { throw Errors.invalidPort(path, 'xds.port', p.xds.port); }
      if (p.routes?.length) {
        throw Errors.invalidRole(path, 'routes', p.routes.length, 'are static routes, but with xds the control plane sends the listeners', 'Configure the routes in the control plane');
      }
    }
    if (p.mtls && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(p.mtls.secretName ?? '')) {
      throw Errors.invalidName(path, 'mtls.secretName', p.mtls.secretName, 'a secret name of lowercase letters, digits, \'-\' and \'.\'');
    }
  }
  /** Runtime types of the props (plain JavaScript, JSON and jsii callers can pass anything). */
  private checkTypes(path: string): void {
    const p = this.props as any;
    checkEnum(path, 'inboundProtocol', p.inboundProtocol, EnvoyInboundProtocol, 'EnvoyInboundProtocol');
    checkEnum(path, 'logLevel', p.logLevel, EnvoyLogLevel, 'EnvoyLogLevel');
    checkEnum(path, 'redirectMode', p.redirectMode, RedirectMode, 'RedirectMode');
    checkBoolean(path, 'rewriteAppProbes', p.rewriteAppProbes);
    checkBoolean(path, 'nativeNftables', p.nativeNftables);
    const bool = (field: string, value: unknown) => checkBoolean(path, field, value);
    bool('redirect', p.redirect);
    bool('accessLog', p.accessLog);
    const str = (field: string, value: unknown) => {
      if (value !== undefined && (typeof value !== 'string' || value === '')) { throw Errors.invalidType(path, field, value, 'a non-empty string'); }
    };
    str('name', p.name);
    str('image', p.image);
    str('redirectImage', p.redirectImage);
    str('nodeId', p.nodeId);
    str('serviceCluster', p.serviceCluster);
    const list = (field: string, value: unknown) => checkArray(path, field, value);
    for (const field of ['appPorts', 'excludeInboundPorts', 'excludeOutboundPorts', 'excludeOutboundCidrs', 'includeOutboundPorts',
      'includeOutboundCidrs', 'excludeInterfaces', 'rerouteVirtualInterfaces', 'clusters', 'routes', 'routedOutboundPorts', 'healthCommand']) {
      list(field, p[field]);
    }
    const struct = (field: string, value: unknown) => checkObject(path, field, value);
    struct('xds', p.xds);
    struct('mtls', p.mtls);
    struct('unixSockets', p.unixSockets);
    struct('resources', p.resources);
    if (p.uid !== undefined && (typeof p.uid !== 'number' || !Number.isInteger(p.uid) || p.uid < 1 || p.uid > 2147483647)) {
      throw Errors.invalidNumber(path, 'uid', p.uid, 'an integer from 1 to 2147483647');
    }
    // Port lists: integers 1-65535, each once.
    for (const field of ['appPorts', 'excludeInboundPorts', 'excludeOutboundPorts', 'includeOutboundPorts', 'routedOutboundPorts']) {
      const ports: unknown[] = p[field] ?? [];
      ports.forEach((port, i) => {
        if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) { throw Errors.invalidPort(path, `${field}[${i}]`, port); }
        const first = ports.indexOf(port);
        if (first !== i) { throw Errors.duplicatePort(path, `${field}[${i}]`, port, 'TCP', `${field}[${first}]`); }
      });
    }
    for (const key of ['excludeInterfaces', 'rerouteVirtualInterfaces']) {
      (p[key] ?? []).forEach((n: unknown, i: number) => {
        // Linux IFNAMSIZ: at most 15 characters; the characters istio/istio pkg/util/net/ip.go ValidateInterfaceNames accepts.
        if (typeof n !== 'string' || !/^[A-Za-z][A-Za-z0-9_.-]{0,14}$/.test(n) || p[key].indexOf(n) !== i) {
          throw Errors.invalidInterception(path, `${key}[${i}]`, n, 'is not a network interface name, or is listed twice',
            'Give each name once: at most 15 letters, digits, \'_\', \'.\' and \'-\', starting with a letter, e.g. "net1"');
        }
      });
    }
    // Named as written (the model would report them under pod.trafficInterception).
    for (const field of ['excludeOutboundCidrs', 'includeOutboundCidrs']) {
      (p[field] ?? []).forEach((cidr: unknown, i: number) => {
        if (typeof cidr !== 'string' || !isCidr(cidr)) {
          throw Errors.invalidInterception(path, `${field}[${i}]`, cidr, 'is not an IP address or CIDR', 'Use for example "10.0.0.0/8", "169.254.169.254" or "fd00::/8"');
        }
      });
    }
    const own = new Map(Object.entries(this.ports).map(([k, v]) => [v, `${k}Port`]));
    (p.appPorts ?? []).forEach((port: number, i: number) => {
      if (own.has(port)) {
        throw Errors.invalidInterception(path, `appPorts[${i}]`, port, `is Envoy's own ${own.get(port)}: serving it as an app port would loop traffic into Envoy`,
          `Remove ${port} from appPorts, or move Envoy's ${own.get(port)}`);
      }
    });
    // Envoy's --drain-time-s is a whole number of seconds (server/options_impl.cc, a uint64 argument);
    // the grace period is a Kubernetes int64 / ECS stopTimeout (at most 120 on Fargate, checked by the binder).
    // Envoy's --concurrency is a uint32 (server/options_impl.cc); 0 means one worker per hardware thread.
    if (p.concurrency !== undefined && (typeof p.concurrency !== 'number' || !Number.isInteger(p.concurrency) || p.concurrency < 0 || p.concurrency > 1024)) {
      throw Errors.invalidNumber(path, 'concurrency', p.concurrency, 'a whole number of worker threads from 0 (one per host hardware thread) to 1024');
    }
    for (const [field, value] of [['drainSeconds', p.drainSeconds], ['terminationGracePeriodSeconds', p.terminationGracePeriodSeconds]] as const) {
      if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 86400)) {
        throw Errors.invalidNumber(path, field, value, 'a whole number of seconds from 0 to 86400');
      }
    }
    if (p.drainSeconds !== undefined && p.terminationGracePeriodSeconds !== undefined && p.drainSeconds > p.terminationGracePeriodSeconds) {
      throw Errors.invalidRange(path, 'drainSeconds', p.drainSeconds, 'terminationGracePeriodSeconds', p.terminationGracePeriodSeconds);
    }
    (p.clusters ?? []).forEach((c: any, i: number) => {
      // An element of a list is never optional: undefined is as wrong as null.
      struct(`clusters[${i}]`, c ?? null);
      for (const k of ['tls', 'mtls', 'http2']) { bool(`clusters[${i}].${k}`, c[k]); }
      this.checkSeconds(path, `clusters[${i}].connectTimeoutSeconds`, c.connectTimeoutSeconds, true);
    });
    (p.routes ?? []).forEach((r: any, i: number) => {
      struct(`routes[${i}]`, r ?? null);
      list(`routes[${i}].domains`, r.domains);
      if (r.prefixRewrite !== undefined && typeof r.prefixRewrite !== 'string') { throw Errors.invalidType(path, `routes[${i}].prefixRewrite`, r.prefixRewrite, 'a string'); }
      this.checkSeconds(path, `routes[${i}].timeoutSeconds`, r.timeoutSeconds, false);
    });
    if (p.xds) {
      bool('xds.tls', p.xds.tls); str('xds.serverName', p.xds.serverName); str('xds.caCertificateFile', p.xds.caCertificateFile);
      const problem = p.xds.caCertificateFile !== undefined ? pathProblem(p.xds.caCertificateFile) : undefined;
      if (problem) { throw Errors.invalidPath(path, 'xds.caCertificateFile', p.xds.caCertificateFile, problem); }
    }
    if (p.mtls) {
      str('mtls.secretName', p.mtls.secretName);
      list('mtls.subjectAltNames', p.mtls.subjectAltNames);
      (p.mtls.subjectAltNames ?? []).forEach((san: unknown, i: number) => str(`mtls.subjectAltNames[${i}]`, san));
    }
    if (p.unixSockets) { str('unixSockets.directory', p.unixSockets.directory); }
  }

  /** Tracing, stats, headers, connection settings, log levels, flushes, drain and the bootstrap override. */
  private checkObservability(path: string): void {
    const p = this.props;
    checkPropTypes(path, p, {
      tracing: { struct: { provider: { enum: EnvoyTracingProvider }, address: 'string', port: 'port', samplingPercent: 'number', serviceName: 'string' }, required: ['provider'] },
      stats: {
        struct: {
          inclusionPrefixes: 'stringArray',
          inclusionSuffixes: 'stringArray',
          inclusionRegexps: 'stringArray',
          histogramBuckets: { each: { statPrefix: 'string', buckets: 'array' }, required: ['statPrefix', 'buckets'] },
          sinks: { each: { kind: { enum: EnvoyStatsSinkKind }, address: 'string', port: 'port', prefix: 'string' }, required: ['kind'] },
          flushIntervalSeconds: 'number',
        },
      },
      proxyHeaders: {
        struct: { serverName: 'string', serverHeader: { enum: EnvoyServerHeader }, generateRequestId: 'boolean', forwardClientCert: { enum: EnvoyForwardClientCert }, suppressEnvoyHeaders: 'boolean' },
      },
      connectionSettings: {
        struct: {
          idleTimeoutSeconds: 'number',
          maxConnectionDurationSeconds: 'number',
          streamIdleTimeoutSeconds: 'number',
          requestHeadersTimeoutSeconds: 'number',
          http2InitialStreamWindowBytes: 'size',
          http2InitialConnectionWindowBytes: 'size',
        },
      },
      componentLogLevels: { each: { component: 'string', level: { enum: EnvoyLogLevel } }, required: ['component', 'level'] },
      accessLogFlushIntervalMilliseconds: 'size',
      accessLogFlushMinSizeKilobytes: 'size',
      exitOnZeroActiveConnections: 'boolean',
      bootstrapOverride: 'map',
    });
    // Text Envoy writes into headers, stat names and spans: no control characters (HTTP header values, route_components.proto).
    const text = (field: string, value: string | undefined, max = 255) => {
      if (value !== undefined && (value === '' || value.length > max || /[\u0000-\u001f\u007f]/.test(value))) {
        throw Errors.invalidRole(path, field, value, `is empty, longer than ${max} characters or holds a control character`, 'Give printable text');
      }
    };
    const t = p.tracing;
    if (t) {
      const address = t.address ?? '127.0.0.1';
      const problem = upstreamAddressProblem(address);
      if (problem) { throw Errors.invalidRole(path, 'tracing.address', address, problem, 'Give the collector\'s IP address or host name, e.g. "127.0.0.1" or "otel-collector.observability"'); }
      // XRayConfig.daemon_endpoint is a SocketAddress Envoy parses as an IP address (envoy/config/trace/v3/xray.proto).
      if (t.provider === EnvoyTracingProvider.XRAY && !isIP(address)) {
        throw Errors.invalidRole(path, 'tracing.address', address, 'is not an IP address, which the X-Ray tracer needs (it sends UDP datagrams, no DNS)',
          'Give the daemon\'s IP address, e.g. "127.0.0.1" for an X-Ray daemon sidecar');
      }
      // type.v3.Percent: 0 to 100.
      if (t.samplingPercent !== undefined && (t.samplingPercent < 0 || t.samplingPercent > 100)) {
        throw Errors.invalidNumber(path, 'tracing.samplingPercent', t.samplingPercent, 'a percentage from 0 to 100');
      }
      text('tracing.serviceName', t.serviceName);
      // ZipkinConfig has no service name: Envoy's Zipkin tracer names spans with the node's cluster
      // (envoyproxy/envoy source/extensions/tracers/zipkin/zipkin_tracer_impl.cc: Tracer(local_info_.clusterName(), ...)).
      if (t.provider === EnvoyTracingProvider.ZIPKIN && t.serviceName !== undefined && t.serviceName !== (p.serviceCluster ?? 'cdk-sidecars')) {
        throw Errors.ineffectiveSetting(path, 'tracing.serviceName', t.serviceName, 'the Zipkin tracer names spans with the node\'s cluster (serviceCluster), not a service name of its own',
          `Set serviceCluster to ${JSON.stringify(t.serviceName)} and leave tracing.serviceName out`);
      }
    }
    const st = p.stats;
    if (st) {
      for (const key of ['inclusionPrefixes', 'inclusionSuffixes', 'inclusionRegexps'] as const) {
        (st[key] ?? []).forEach((v, i) => text(`stats.${key}[${i}]`, v, 1024));
      }
      (st.inclusionRegexps ?? []).forEach((r, i) => {
        // Envoy's regex engine is RE2: no lookaround, no backreferences; the rest compiles in JavaScript too.
        let ok = !/\(\?[=!<]|\\[1-9]/.test(r);
        try { new RegExp(r); } catch { ok = false; }
        if (!ok) {
          throw Errors.invalidRole(path, `stats.inclusionRegexps[${i}]`, r, 'is not an RE2 regular expression (Envoy\'s engine: no lookaround, no backreferences)',
            'Give an RE2 expression, e.g. "cluster\\\\.inbound_.*\\\\.upstream_rq_.*"');
        }
      });
      (st.histogramBuckets ?? []).forEach((b, i) => {
        text(`stats.histogramBuckets[${i}].statPrefix`, b.statPrefix, 1024);
        // HistogramBucketSettings.buckets (stats.proto): at least one, each > 0, unique.
        if (b.buckets.length === 0 || b.buckets.some((x, j) => typeof x !== 'number' || !Number.isFinite(x) || x <= 0 || b.buckets.indexOf(x) !== j)) {
          throw Errors.invalidRole(path, `stats.histogramBuckets[${i}].buckets`, b.buckets, 'is not a list of distinct upper bounds above 0', 'Give e.g. [1, 5, 10, 50, 100, 500, 1000]');
        }
      });
      (st.sinks ?? []).forEach((k, i) => {
        if (k.address !== undefined && !isIP(k.address)) {
          throw Errors.invalidRole(path, `stats.sinks[${i}].address`, k.address, 'is not an IP address, which a statsd sink needs (Envoy sends UDP datagrams to an address, no DNS)',
            'Give the agent\'s IP address, e.g. "127.0.0.1" for an agent in the same pod or task');
        }
        if (k.prefix !== undefined && !/^[A-Za-z0-9_.-]{1,128}$/.test(k.prefix)) {
          throw Errors.invalidRole(path, `stats.sinks[${i}].prefix`, k.prefix, 'is not a stat prefix (letters, digits, "_", "." and "-")', 'Give e.g. "envoy"');
        }
      });
      // Bootstrap.stats_flush_interval: at least 1 ms, below 300 s (bootstrap.proto).
      if (st.flushIntervalSeconds !== undefined) {
        if (st.flushIntervalSeconds < 0.001 || st.flushIntervalSeconds >= 300) {
          throw Errors.invalidNumber(path, 'stats.flushIntervalSeconds', st.flushIntervalSeconds, 'a number of seconds from 0.001 to below 300');
        }
        if (!(st.sinks ?? []).length) {
          throw Errors.ineffectiveSetting(path, 'stats.flushIntervalSeconds', st.flushIntervalSeconds, 'only push sinks are flushed, and stats.sinks is empty', 'Add a sink, or leave flushIntervalSeconds out');
        }
      }
    }
    if (p.proxyHeaders) { text('proxyHeaders.serverName', p.proxyHeaders.serverName); }
    const c = p.connectionSettings;
    if (c) {
      for (const key of ['idleTimeoutSeconds', 'maxConnectionDurationSeconds', 'streamIdleTimeoutSeconds', 'requestHeadersTimeoutSeconds'] as const) {
        this.checkSeconds(path, `connectionSettings.${key}`, c[key], false);
      }
      // Http2ProtocolOptions initial_stream_window_size / initial_connection_window_size: 65535 to 2^31 - 1 (protocol.proto).
      for (const key of ['http2InitialStreamWindowBytes', 'http2InitialConnectionWindowBytes'] as const) {
        const v = c[key];
        if (v !== undefined && (v < 65535 || v > 2147483647)) { throw Errors.invalidNumber(path, `connectionSettings.${key}`, v, 'a number of bytes from 65535 to 2147483647'); }
      }
    }
    const seenComponents = new Set<string>();
    (p.componentLogLevels ?? []).forEach((cl, i) => {
      // Envoy's logger names (source/common/common/logger.h ALL_LOGGER_IDS): lower-case words joined by "_".
      if (!/^[a-z][a-z0-9_]{0,63}$/.test(cl.component) || seenComponents.has(cl.component)) {
        throw Errors.invalidRole(path, `componentLogLevels[${i}].component`, cl.component, 'is not an Envoy logger name, or is listed twice',
          'Give each logger once, e.g. "upstream", "http", "connection" (envoy --help lists them)');
      }
      seenComponents.add(cl.component);
    });
    if (p.accessLog === false) {
      for (const key of ['accessLogFlushIntervalMilliseconds', 'accessLogFlushMinSizeKilobytes'] as const) {
        if (p[key] !== undefined) { throw Errors.ineffectiveSetting(path, key, p[key], 'accessLog is false', `Leave ${key} out, or turn accessLog on`); }
      }
    }
    if (p.accessLogFlushIntervalMilliseconds !== undefined && p.accessLogFlushIntervalMilliseconds > 86400000) {
      throw Errors.invalidNumber(path, 'accessLogFlushIntervalMilliseconds', p.accessLogFlushIntervalMilliseconds, 'at most 86400000 (a day)');
    }
    if (p.accessLogFlushMinSizeKilobytes !== undefined && p.accessLogFlushMinSizeKilobytes > 1048576) {
      throw Errors.invalidNumber(path, 'accessLogFlushMinSizeKilobytes', p.accessLogFlushMinSizeKilobytes, 'at most 1048576 (1 GiB)');
    }
    if (p.bootstrapOverride !== undefined) { this.checkJson(path, 'bootstrapOverride', p.bootstrapOverride); }
    if (p.xds) {
      // With xds the control plane sends the HTTP listeners: these would not be rendered.
      for (const key of ['tracing', 'proxyHeaders', 'connectionSettings'] as const) {
        if (p[key] !== undefined) {
          throw Errors.ineffectiveSetting(path, key, key, 'with xds the control plane sends the HTTP listeners these settings belong to', `Configure ${key} in the control plane, or leave xds out`);
        }
      }
    }
  }

  /** A value made of JSON only (objects, arrays, strings, finite numbers, booleans, null), as it is written into --config-yaml. */
  private checkJson(path: string, field: string, value: unknown, depth = 0): void {
    if (depth > 64) { throw Errors.invalidType(path, field, '...', 'JSON nested at most 64 levels deep'); }
    if (value === null || typeof value === 'string' || typeof value === 'boolean') { return; }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) { throw Errors.invalidType(path, field, value, 'a JSON value (finite numbers only)'); }
      return;
    }
    if (Array.isArray(value)) { value.forEach((v, i) => this.checkJson(path, `${field}[${i}]`, v, depth + 1)); return; }
    if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      for (const [k, v] of Object.entries(value as object)) { this.checkJson(path, `${field}.${k}`, v, depth + 1); }
      return;
    }
    throw Errors.invalidType(path, field, value, 'a JSON value (object, array, string, finite number, boolean or null)');
  }

  /** A duration in seconds: finite, not negative (and not zero where Envoy needs a positive one). */
  private checkSeconds(path: string, field: string, value: unknown, positive: boolean): void {
    if (value === undefined) { return; }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0) || value > 315576000000) {
      throw Errors.invalidNumber(path, field, value,
        positive ? 'a number of seconds > 0' : 'a number of seconds >= 0');
    }
  }

  /** Options a mode would ignore are refused, naming the mode. */
  private checkModes(path: string): void {
    const p = this.props;
    const mode = p.unixSockets ? 'Unix socket mode (unixSockets)' : p.redirect === false ? 'explicit proxy mode (redirect: false)' : undefined;
    if (mode) {
      // Only the transparent mode installs redirect rules and the kubelet probe route.
      for (const [field, value] of [['excludeOutboundPorts', p.excludeOutboundPorts], ['excludeOutboundCidrs', p.excludeOutboundCidrs],
        ['includeOutboundPorts', p.includeOutboundPorts], ['includeOutboundCidrs', p.includeOutboundCidrs], ['redirectImage', p.redirectImage],
        ['probePort', p.probePort], ['routedOutboundPorts', p.routedOutboundPorts], ['redirectMode', p.redirectMode], ['excludeInterfaces', p.excludeInterfaces],
        ['rerouteVirtualInterfaces', p.rerouteVirtualInterfaces], ['nativeNftables', p.nativeNftables],
        ['rewriteAppProbes', p.rewriteAppProbes]] as const) {
        if (value !== undefined) {
          throw Errors.ineffectiveSetting(path, field, value, `in ${mode} no traffic is redirected to Envoy, so ${field} is used by nothing`,
            `Leave ${field} out, or use the transparent mode (redirect: true, no unixSockets)`);
        }
      }
    }
    if (p.rewriteAppProbes === false && p.probePort !== undefined) {
      throw Errors.ineffectiveSetting(path, 'probePort', p.probePort, 'rewriteAppProbes is false, so there is no probe route', 'Leave probePort out, or rewriteAppProbes on');
    }
    if (p.redirectMode === RedirectMode.CNI) {
      // The Istio CNI plugin redirects to these two ports only (k8s/redirect.ts, cni/pkg/plugin/sidecar_redirect.go).
      for (const [field, fixed] of [['outboundPort', 15001], ['inboundPort', 15006]] as const) {
        if (p[field] !== undefined && p[field] !== fixed) {
          throw Errors.invalidRole(path, field, p[field], `differs from ${fixed}, where the Istio CNI plugin redirects (RedirectMode.CNI)`, `Leave ${field} at ${fixed}, or use RedirectMode.INIT_CONTAINER`);
        }
      }
      if (p.name !== undefined && p.name !== 'istio-proxy') {
        throw Errors.invalidRole(path, 'name', p.name, 'is not "istio-proxy", the only container name the Istio CNI plugin redirects for (RedirectMode.CNI)',
          'Leave name out (it is then "istio-proxy"), or use RedirectMode.INIT_CONTAINER');
      }
    }
    if (p.xds) {
      // With xds the control plane sends the inbound and outbound listeners (bootstrap.ts): static listener settings are not rendered.
      for (const [field, value] of [['routedOutboundPorts', p.routedOutboundPorts],
        ['inboundProtocol', p.inboundProtocol === EnvoyInboundProtocol.TCP ? p.inboundProtocol : undefined]] as const) {
        if (value !== undefined) {
          throw Errors.ineffectiveSetting(path, field, value, 'with xds the control plane sends the listeners, so the static listener settings are not rendered',
            `Leave ${field} out and configure it in the control plane, or leave xds out`);
        }
      }
    }
  }
}

// Names context.targetPath only in errors: composed once per distinct pod (declareDeterministic).
declareDeterministic(EnvoySidecar.prototype.contribute);
