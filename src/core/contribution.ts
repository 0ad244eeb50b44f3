import { IConstruct } from 'constructs';
import { ContainerPortSpec, ContainerSpec, EnvVarSpec, FieldOrigin, Protocol } from './container';
import { VolumeMountSpec, VolumeSpec } from './volume';

/**
 * What a sidecar asks of the app containers of its pod.
 */
export interface AppRequests {
  /**
   * Environment variables given to the app containers (for example
   * `OTEL_EXPORTER_OTLP_ENDPOINT`). A variable the app already sets to another
   * value is a composition error.
   * @default - none
   */
  readonly env?: EnvVarSpec[];
  /**
   * Volumes (of this sidecar) mounted into the app containers.
   * @default - none
   */
  readonly mounts?: VolumeMountSpec[];
  /**
   * Names of the app containers these requests apply to.
   * @default - every app container of the pod
   */
  readonly containers?: string[];
}

/**
 * Who installs the rules that send the pod's traffic through the proxy.
 */
export enum RedirectMode {
  /**
   * An init container of the pod installs them (Kubernetes: root with NET_ADMIN and
   * NET_RAW, which Pod Security `baseline` and `restricted` refuse); ECS: the task's
   * proxyConfiguration, which the platform's own CNI plugin applies.
   */
  INIT_CONTAINER = 'INIT_CONTAINER',
  /**
   * A CNI plugin of the node installs them when the pod's network is created (the Istio
   * CNI plugin, or one that reads the same pod annotations): no container of the pod needs
   * a capability or root. Kubernetes only.
   */
  CNI = 'CNI',
}

/**
 * A request to send the app's TCP traffic through a proxy of the sidecar without
 * the app knowing (transparent interception). Kubernetes renders it as a redirect
 * init container, ECS as the task's proxyConfiguration; ACI cannot.
 */
export interface TrafficInterceptionSpec {
  /** Name of the proxy container (a long-running container of the same sidecar). */
  readonly proxyContainer: string;
  /** UID of the proxy process: its own traffic is never redirected. Must be the proxy container's UID. */
  readonly proxyUid: number;
  /**
   * GID of the proxy process, also exempt.
   * @default - only the UID is exempt
   */
  readonly proxyGid?: number;
  /** Port where the proxy takes redirected inbound traffic. */
  readonly inboundPort: number;
  /** Port where the proxy takes redirected outbound traffic. */
  readonly outboundPort: number;
  /**
   * Inbound ports to capture.
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
   * Outbound destinations (CIDRs) never captured. Platform metadata endpoints are
   * always added by the binder (e.g. 169.254.170.2 and 169.254.169.254 on ECS).
   * @default - none
   */
  readonly excludeOutboundCidrs?: string[];
  /**
   * Only these outbound destination ports are captured (where the platform can
   * express it; ECS cannot).
   * @default - every port
   */
  readonly includeOutboundPorts?: number[];
  /**
   * Only these outbound destinations (CIDRs) are captured (where the platform can
   * express it; ECS cannot).
   * @default - every destination
   */
  readonly includeOutboundCidrs?: string[];
  /**
   * The proxy checks the app for platform probes that come from outside the pod (the
   * kubelet), so that they keep working while inbound traffic is captured: an HTTP
   * probe of app port P at path X is answered at `<pathPrefix>/http/P<X>`, a TCP probe
   * of port P at `<pathPrefix>/tcp/P` (200 while P accepts connections).
   * @default - probes are not rewritten
   */
  readonly probeRedirect?: ProbeRedirectSpec;
  /**
   * Image of the init container that installs the redirect rules in the pod, where a
   * platform does it that way (Kubernetes). It must contain `sh`, `iptables-restore` and
   * `ip6tables-restore` (distroless images are refused).
   * @default - the binder's default (docker.io/istio/proxyv2, which contains iptables)
   */
  readonly redirectImage?: string;
  /**
   * Who installs the rules.
   * @default RedirectMode.INIT_CONTAINER
   */
  readonly redirectMode?: RedirectMode;
  /**
   * Network interfaces whose traffic is never captured, inbound or outbound (e.g. a second
   * interface added by Multus). Where the platform can express it (Kubernetes).
   * @default - none
   */
  readonly excludeInterfaces?: string[];
  /**
   * Network interfaces whose inbound TCP traffic is treated as outbound traffic of the pod
   * (sent to the outbound port), e.g. the bridge of a KubeVirt virtual machine in the pod.
   * Where the platform can express it (Kubernetes).
   * @default - none
   */
  readonly rerouteVirtualInterfaces?: string[];
  /**
   * Install the rules with native nftables (`nft`, one `inet` table for IPv4 and IPv6)
   * instead of iptables, where the platform installs them itself (Kubernetes, redirect
   * init container), as Istio's `global.nativeNftables`.
   * @default false
   */
  readonly nativeNftables?: boolean;
  /**
   * How the user turns this interception off, for the error of a platform that cannot
   * intercept (e.g. `set redirect: false to run Envoy as an explicit proxy`).
   * @default - the error gives a generic fix
   */
  readonly disableHint?: string;
}

/**
 * Where a proxy answers the app's HTTP probes for it.
 */
export interface ProbeRedirectSpec {
  /** Port of the proxy's probe listener (a port of the proxy container, not captured). */
  readonly port: number;
  /**
   * Path prefix of the probe routes (`<pathPrefix>/http/<port><path>`, `<pathPrefix>/tcp/<port>`,
   * and `<pathPrefix>/grpc/<port>[/<service, percent-encoded>]` for gRPC probes: 200 while the
   * app's gRPC health service says SERVING).
   * @default '/app-health'
   */
  readonly pathPrefix?: string;
}

/** A port of a {@link PodServiceSpec}. */
export interface PodServicePort {
  /** Port name (an IANA service name: lowercase letters, digits and '-', at most 15 characters). */
  readonly name: string;
  /** Port of the Service. */
  readonly port: number;
  /**
   * Container port the Service sends to.
   * @default - the same as port
   */
  readonly targetPort?: number;
}

/** A Kubernetes Service that selects the pod (see `PodRequirements.services`). */
export interface PodServiceSpec {
  /** Service name (a DNS label). */
  readonly name: string;
  /** Its TCP ports. */
  readonly ports: PodServicePort[];
  /**
   * Annotations of the Service.
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
  /**
   * A headless Service (`clusterIP: None`): DNS gives the pods' addresses.
   * @default false
   */
  readonly headless?: boolean;
}

/**
 * Pod-level needs of a sidecar.
 */
export interface PodRequirements {
  /**
   * The containers of the pod must share one process namespace (for example to
   * signal the app after a re-render).
   * @default false
   */
  readonly shareProcessNamespace?: boolean;
  /**
   * Send the app's TCP traffic through a proxy of this sidecar.
   * @default - no interception
   */
  readonly trafficInterception?: TrafficInterceptionSpec;
  /**
   * The sidecar reads the metadata of its own pod from the platform's API (e.g. Fluent
   * Bit's kubernetes filter): Kubernetes creates a ServiceAccount with a Role allowing
   * get, list and watch on pods of the namespace.
   * @default false
   */
  readonly readsPodMetadata?: boolean;
  /**
   * Cloud permissions the sidecar needs from the pod's identity (e.g. X-Ray writes).
   * ECS grants them to the task role; elsewhere the binder says what to grant.
   * @default - none
   */
  readonly cloudPermissions?: CloudPermission[];
  /**
   * The sidecar is the pod's log router: the platform sends the app containers' output to
   * it (ECS FireLens). Where the platform has no such routing (Kubernetes, ACI) the sidecar
   * reads the app's log files from a shared volume instead.
   * @default - not a log router
   */
  readonly logRouter?: LogRouterSpec;
  /**
   * Annotations the pod must carry (Kubernetes), e.g. `dapr.io/app-id`, which Dapr's
   * Sentry checks before it signs the pod's certificate. ECS and ACI have no pod
   * annotations: their binders refuse a sidecar that asks for them.
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
  /**
   * Kubernetes Services that select the pod, e.g. Dapr's `<appId>-dapr` for calls from
   * other Dapr sidecars. The Kubernetes binder creates each one for a workload with a label
   * selector (Deployment, StatefulSet, ReplicaSet, DaemonSet) and warns for the others.
   * Only a sidecar given the Kubernetes service account identity asks for one.
   * @default - none
   */
  readonly services?: PodServiceSpec[];
  /**
   * A group that owns the pod's shared volumes and that every container of the pod has
   * as a supplementary group (Kubernetes `fsGroup`), so that files one container writes
   * with a group-read mode are readable by the other containers that mount the volume.
   * Ask for it only when the context says the platform has one (`fileGroups`); ECS and
   * ACI have none and their binders refuse it.
   * @default - none
   */
  readonly fileGroup?: number;
  /**
   * Network destinations the sidecar connects to as configured (its server, control plane,
   * exporters, upstreams), for the network policies generated around the pod. Loopback
   * destinations (a sidecar of the same pod) may be listed; binders skip them.
   * @default - none
   */
  readonly egress?: NetworkEndpoint[];
  /**
   * Exposed ports of the sidecar that other workloads call (Dapr's internal gRPC port, which
   * the other Dapr sidecars call), unlike admin, health and metrics ports: the network
   * policies generated around the pod open them to the app's callers, not to its scrapers.
   * PUBLIC ports are such ports without being listed.
   * @default - none
   */
  readonly callerPorts?: number[];
}

/** A network destination a sidecar connects to. */
export interface NetworkEndpoint {
  /** Host name or IP address, as configured. */
  readonly host: string;
  /** Port, 1 to 65535. */
  readonly port: number;
  /**
   * Transport protocol.
   * @default Protocol.TCP
   */
  readonly protocol?: Protocol;
  /** The prop the destination comes from, for messages (e.g. `address`, `clusters[1].address`). */
  readonly prop: string;
}

/** Cloud provider of a permission. */
export enum CloudProvider {
  /** Amazon Web Services (IAM). */
  AWS = 'AWS',
}

/** A permission a sidecar needs from the pod's cloud identity. */
export interface CloudPermission {
  /** The cloud. */
  readonly provider: CloudProvider;
  /** Actions, e.g. `xray:PutTraceSegments`. */
  readonly actions: string[];
  /**
   * Resources.
   * @default ['*']
   */
  readonly resources?: string[];
}

/** Kind of log router. */
export enum LogRouterType {
  /** Fluent Bit. */
  FLUENT_BIT = 'FLUENT_BIT',
  /** Fluentd. */
  FLUENTD = 'FLUENTD',
}

/** How a log router takes the app's output where the platform routes logs (ECS FireLens). */
export interface LogRouterSpec {
  /** The router container (a long-running container of the same sidecar). */
  readonly container: string;
  /** Kind of router. */
  readonly type: LogRouterType;
  /**
   * Absolute path (inside the router container) of a config file in the router's classic
   * format that the platform includes in its generated configuration.
   * @default - none
   */
  readonly configFile?: string;
  /**
   * Content of `configFile`. The file is written only where the platform includes it
   * (ECS FireLens), into the CONFIG_FILES volume of this sidecar that the router
   * container mounts at the file's directory; elsewhere it is not written at all.
   * @default - the file is one of the sidecar's own config files (or in its image)
   */
  readonly configFileContent?: string;
  /**
   * The router's command-line flag that names its main configuration file (e.g. `-c` for
   * Fluent Bit). Where the platform generates the main configuration (ECS FireLens), the
   * router runs with this flag and the generated file instead of its container's args.
   * @default - the container's args are left out and the image's defaults apply
   */
  readonly configFlag?: string;
  /**
   * Options of the app containers' log driver (FireLens output plugin settings).
   * @default - none (the included config file routes everything)
   */
  readonly appLogOptions?: { [key: string]: string };
  /**
   * Add the platform's metadata (task ARN, cluster...) to each record.
   * @default true
   */
  readonly enableMetadata?: boolean;
}

/**
 * Something a sidecar offers to other sidecars of the same pod, e.g. an ext_authz
 * gRPC service on localhost that a proxy may call.
 */
export interface CapabilityOffer {
  /** What is offered, e.g. `ext-authz.grpc`. */
  readonly name: string;
  /**
   * Port on localhost where it is offered.
   * @default - no port
   */
  readonly port?: number;
  /**
   * Free-form settings of the offer (e.g. a timeout), for the consumer.
   * @default - none
   */
  readonly settings?: { [key: string]: string };
  /**
   * The pod is wrong without a consumer (the composition check reports an offer nobody takes).
   * @default false
   */
  readonly requiresConsumer?: boolean;
}

/**
 * A capability offered in the pod, as a consumer sees it.
 */
export interface OfferedCapability extends CapabilityOffer {
  /** Construct path of the offering sidecar. */
  readonly providerPath: string;
}

/**
 * Everything a sidecar adds to one pod, in platform-neutral terms.
 */
export interface SidecarContribution {
  /** Containers, in the order the sidecar wants them started. */
  readonly containers: ContainerSpec[];
  /**
   * Volumes the containers mount.
   * @default - none
   */
  readonly volumes?: VolumeSpec[];
  /**
   * What the sidecar asks of the app containers.
   * @default - nothing
   */
  readonly appRequests?: AppRequests;
  /**
   * The props the user wrote that set `volumes` and `appRequests` fields, so that errors name
   * them (fields of containers: `ContainerSpec.origins`).
   * @default - errors name the contribution's fields
   */
  readonly origins?: FieldOrigin[];
  /**
   * Pod-level needs.
   * @default - none
   */
  readonly pod?: PodRequirements;
  /**
   * Capabilities offered to the other sidecars of the pod. Must not depend on the context.
   * @default - none
   */
  readonly offers?: CapabilityOffer[];
  /**
   * Names of the capabilities (offered by other sidecars) this sidecar uses.
   * @default - none
   */
  readonly consumes?: string[];
  /**
   * Things the user should know about this sidecar (e.g. a deprecation); binders show
   * them at synthesis.
   * @default - none
   */
  readonly warnings?: string[];
  /**
   * Props of the sidecar's construct that a binder may suggest in a warning or note,
   * written `<props interface>.<prop>` (e.g. `DaprSidecarProps.appWaitsFor`). A binder
   * suggests a prop only when the sidecar lists it, so it never names one the sidecar
   * does not have.
   * @default - none
   */
  readonly settableProps?: string[];
  /**
   * Whether the containers and volumes are written by the user field by field (the
   * generic `Sidecar`), rather than filled in with the sidecar's own defaults. What a
   * platform cannot honour in them is then a warning naming the prop; otherwise a note.
   * @default false
   */
  readonly userWritten?: boolean;
}

/**
 * An app container as the sidecars see it.
 */
export interface AppContainerInfo {
  /** Container name. */
  readonly name: string;
  /** Ports the container declares. */
  readonly ports: ContainerPortSpec[];
  /**
   * The container's gRPC health probes (Kubernetes `grpc` probes), which a proxy with a
   * probe route answers for the kubelet.
   * @default - none
   */
  readonly grpcProbes?: GrpcProbeInfo[];
  /**
   * UID the container runs as, where the platform object says (Kubernetes
   * `securityContext.runAsUser`, of the container or the pod; ECS `user`).
   * @default - unknown (the image's user)
   */
  readonly uid?: number;
  /**
   * Primary GID the container runs as, where the platform object says.
   * @default - unknown
   */
  readonly gid?: number;
}

/** A gRPC health probe of an app container (grpc.health.v1.Health/Check). */
export interface GrpcProbeInfo {
  /** Port probed. */
  readonly port: number;
  /**
   * Service name asked for.
   * @default '' (the server's overall health)
   */
  readonly service?: string;
}

/**
 * What a sidecar may know about the pod it joins when it describes itself.
 */
/**
 * The identity a platform gives the pod, which sidecars can authenticate with.
 */
export enum WorkloadIdentity {
  /** A Kubernetes service account (projected token at /var/run/secrets/kubernetes.io/serviceaccount/token). */
  KUBERNETES_SERVICE_ACCOUNT = 'KUBERNETES_SERVICE_ACCOUNT',
  /** An AWS IAM role (the ECS task role). */
  AWS_IAM_ROLE = 'AWS_IAM_ROLE',
  /** An Azure managed identity. */
  AZURE_MANAGED_IDENTITY = 'AZURE_MANAGED_IDENTITY',
  /** None the platform vouches for. */
  NONE = 'NONE',
}

export interface CompositionContext {
  /** Path of the workload, task definition or container group. */
  readonly targetPath: string;
  /** The app containers of the pod (not the init containers, not other sidecars). */
  readonly appContainers: AppContainerInfo[];
  /**
   * The identity the platform gives the pod.
   * @default WorkloadIdentity.NONE
   */
  readonly identity?: WorkloadIdentity;
  /**
   * Capabilities the other sidecars of the pod offer.
   * @default - none
   */
  readonly offers?: OfferedCapability[];
  /**
   * The platform can give the pod a file group (`PodRequirements.fileGroup`: Kubernetes
   * `fsGroup`). Where it cannot (ECS, ACI), files shared between containers of different
   * users must be world-readable, and only mount scoping keeps other containers out.
   * @default false
   */
  readonly fileGroups?: boolean;
  /**
   * The platform runs a container's `shutdown.drainCommand` before it stops the container
   * (Kubernetes preStop). ECS and ACI have no such hook.
   * @default false
   */
  readonly preStopHooks?: boolean;
}

/**
 * A sidecar: a construct that describes, in platform-neutral terms, what it adds
 * to a pod. Platform binders (`k8s`, `ecs`, `aci`) render the description.
 */
export interface ISidecar extends IConstruct {
  /**
   * Describes what this sidecar adds to the pod described by `context`.
   * Called by binders at synthesis time; must not change the construct tree.
   */
  contribute(context: CompositionContext): SidecarContribution;
}
