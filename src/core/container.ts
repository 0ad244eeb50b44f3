import { Probe } from './probe';
import { LocalhostSeccompProfile } from './seccomp';
import { VolumeMountSpec } from './volume';

/**
 * Transport protocol of a port.
 */
export enum Protocol {
  /** TCP. */
  TCP = 'TCP',
  /** UDP. */
  UDP = 'UDP',
}

/**
 * Who can reach a port.
 */
export enum PortExposure {
  /**
   * Only containers of the same pod or task, on localhost. The port is not
   * declared on the platform (no Kubernetes `containerPort`, no ECS port
   * mapping, no ACI container port) but still counts in the pod's port check.
   * Platform probes from outside the container (the kubelet) cannot reach it.
   */
  POD_LOCAL = 'POD_LOCAL',
  /**
   * Reachable from outside the pod or task, where the platform lets other
   * parties in the same network reach it: a Kubernetes `containerPort` (the pod
   * IP, for the kubelet's probes and in-cluster scrapers), an ECS port mapping,
   * and an ACI container port. On ACI it is published on the group's IP address
   * only when that address is private (a group in a virtual network, `subnetIds`);
   * a group with a public IP address never publishes it, so that admin, health
   * and metrics ports do not face the internet (ACI probes still reach it).
   * Use `PUBLIC` for the workload's entry point.
   */
  EXPOSED = 'EXPOSED',
  /**
   * The workload's entry point: reachable from outside the pod like `EXPOSED` and,
   * where a platform publishes ports to the outside (the ACI group IP address,
   * public or private), published. On Kubernetes and ECS it renders exactly like
   * `EXPOSED` (a `containerPort`, a port mapping): whether it is reachable from
   * outside the cluster is up to a Service, Ingress or load balancer. Only for
   * ports that are meant to take outside traffic, such as the inbound listener of
   * an explicit proxy; never for admin, health or metrics ports.
   */
  PUBLIC = 'PUBLIC',
}

/**
 * A port a container listens on.
 */
export interface ContainerPortSpec {
  /** Port number, 1 to 65535. */
  readonly port: number;
  /**
   * Name of the port (IANA service name: at most 15 lowercase letters, digits and '-').
   * @default - no name
   */
  readonly name?: string;
  /**
   * Transport protocol.
   * @default Protocol.TCP
   */
  readonly protocol?: Protocol;
  /**
   * Who can reach the port.
   * @default PortExposure.POD_LOCAL
   */
  readonly exposure?: PortExposure;
  /**
   * The HTTP path at which the port serves Prometheus metrics (text exposition format), e.g.
   * `/metrics`. A metrics port must be named and reachable from outside the pod (EXPOSED or
   * PUBLIC, TCP), so that a scraper (a `PodMonitor` of `SidecarMonitoring`) can name it.
   * @default - the port serves no Prometheus metrics
   */
  readonly metricsPath?: string;
}

/**
 * A value a container learns from the pod it runs in.
 */
export enum PodField {
  /** Name of the pod (Kubernetes), task (ECS) or container group (ACI). */
  POD_NAME = 'POD_NAME',
  /** Namespace of the pod (Kubernetes only). */
  POD_NAMESPACE = 'POD_NAMESPACE',
  /** IP address of the pod. */
  POD_IP = 'POD_IP',
  /** Name of the node the pod runs on (Kubernetes only). */
  NODE_NAME = 'NODE_NAME',
  /** UID of the pod object (Kubernetes only: `metadata.uid`). */
  POD_UID = 'POD_UID',
}

/**
 * A key of a secret kept by the platform's secret store.
 *
 * The secret is named here in platform-neutral terms: on Kubernetes it is a
 * `Secret` of that name in the workload's namespace; on ECS and ACI the binder
 * maps the name to a Secrets Manager / SSM parameter or an ARM secure parameter.
 */
export interface SecretKeyReference {
  /** Logical name of the secret (on Kubernetes, the Secret's name). */
  readonly secretName: string;
  /** Key inside the secret. */
  readonly key: string;
}

/**
 * An environment variable. Exactly one of `value`, `secret` and `podField` is set.
 */
export interface EnvVarSpec {
  /** Name of the variable. */
  readonly name: string;
  /**
   * Literal value.
   * @default - not a literal
   */
  readonly value?: string;
  /**
   * Value taken from a secret, given only to this container.
   * @default - not from a secret
   */
  readonly secret?: SecretKeyReference;
  /**
   * Value taken from the pod.
   * @default - not from the pod
   */
  readonly podField?: PodField;
}

/**
 * CPU and memory of a container. Every value left out is not set on the platform
 * (where the platform requires one, the binder says so).
 */
export interface ResourceRequirements {
  /**
   * CPU the container is guaranteed, in millicores (1000 = one vCPU).
   * @default - not set
   */
  readonly cpuRequestMillicores?: number;
  /**
   * CPU the container may use at most, in millicores.
   * @default - not set
   */
  readonly cpuLimitMillicores?: number;
  /**
   * Memory the container is guaranteed, in MiB.
   * @default - not set
   */
  readonly memoryRequestMebibytes?: number;
  /**
   * Memory at which the container is killed, in MiB.
   * @default - not set
   */
  readonly memoryLimitMebibytes?: number;
  /**
   * Local ephemeral storage (writable layer, logs, emptyDir on disk) the container is
   * guaranteed, in MiB. Kubernetes: `resources.requests.ephemeral-storage`. ECS and ACI have no
   * per-container value (ECS sizes the whole task with `ephemeralStorageGiB`): a warning says so.
   * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#local-ephemeral-storage
   * @default - not set
   */
  readonly ephemeralStorageRequestMebibytes?: number;
  /**
   * Local ephemeral storage at which the kubelet evicts the pod, in MiB. Kubernetes:
   * `resources.limits.ephemeral-storage`. ECS and ACI: a warning (no per-container limit).
   * @default - not set
   */
  readonly ephemeralStorageLimitMebibytes?: number;
}

/**
 * When the platform pulls a container's image.
 * @see https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy
 */
export enum ImagePullPolicy {
  /** Pull on every start (Kubernetes `Always`). */
  ALWAYS = 'ALWAYS',
  /** Pull only when the node does not have the image (Kubernetes `IfNotPresent`). */
  IF_NOT_PRESENT = 'IF_NOT_PRESENT',
  /** Never pull; the image must be on the node (Kubernetes `Never`). */
  NEVER = 'NEVER',
}

/** The operation of a {@link ContainerPatch} (RFC 6902 JSON Patch). */
export enum PatchOperation {
  /** Add a member or array element (`-` appends); an existing member is replaced. */
  ADD = 'ADD',
  /** Replace a value that exists. */
  REPLACE = 'REPLACE',
  /** Remove a value that exists. */
  REMOVE = 'REMOVE',
}

/**
 * One JSON Patch operation (RFC 6902) on a container as a platform renders it: the last resort
 * for a field the library has no prop for. Fields the library's checks rely on (security
 * settings, mounts, ports, secret variables, the name) are refused: set them with the typed props.
 * @see https://datatracker.ietf.org/doc/html/rfc6902
 */
export interface ContainerPatch {
  /** The operation. */
  readonly op: PatchOperation;
  /**
   * JSON Pointer (RFC 6901) into the rendered container, e.g. `/resources/limits/nvidia.com~1gpu`
   * (`~1` is `/`, `~0` is `~`).
   */
  readonly path: string;
  /**
   * The value for ADD and REPLACE (a JSON value).
   * @default - none (required for ADD and REPLACE, refused for REMOVE)
   */
  readonly value?: any;
}

/**
 * The seccomp profile of a container.
 */
export enum SeccompProfile {
  /** The container runtime's default profile. */
  RUNTIME_DEFAULT = 'RUNTIME_DEFAULT',
  /** No seccomp filtering. Only with a reason: an explicit opt-out (ECS Fargate refuses it). */
  UNCONFINED = 'UNCONFINED',
}

/**
 * Which AppArmor profile a container runs under (Kubernetes only: core/v1 AppArmorProfile).
 */
export enum AppArmorProfileType {
  /** The container runtime's default profile. */
  RUNTIME_DEFAULT = 'RUNTIME_DEFAULT',
  /** A profile loaded on the node, named by `localhostProfile`. */
  LOCALHOST = 'LOCALHOST',
  /** No AppArmor confinement. Only with a reason. */
  UNCONFINED = 'UNCONFINED',
}

/**
 * The AppArmor profile of a container. Kubernetes 1.30 and later take it as
 * `securityContext.appArmorProfile` (AppArmor went GA in 1.30, kubernetes/enhancements#24);
 * for an older target (`KubernetesTarget`) it becomes the annotation
 * `container.apparmor.security.beta.kubernetes.io/<container>` on the pod, which the API server
 * calls deprecated since 1.30. ECS Fargate and ACI refuse it.
 * @see https://kubernetes.io/docs/tutorials/security/apparmor/
 */
export interface AppArmorProfile {
  /** The kind of profile. */
  readonly type: AppArmorProfileType;
  /**
   * The name of the profile loaded on the node (as `aa-status` shows it); required for LOCALHOST, refused otherwise.
   * @default - none
   */
  readonly localhostProfile?: string;
}

/**
 * Security settings of a container. The defaults are the secure ones; each
 * weaker setting is an explicit opt-out.
 */
export interface ContainerSecurity {
  /**
   * Linux user ID the container runs as. 0 (root) needs `allowRootUser`.
   * @default - chosen by the sidecar (a distinct non-root UID per sidecar)
   */
  readonly uid?: number;
  /**
   * Linux group ID the container runs as.
   * @default - same as the UID
   */
  readonly gid?: number;
  /**
   * Allow UID 0. Off by default; only for containers that need root (for example
   * a traffic-redirect init step), and documented where used.
   * @default false
   */
  readonly allowRootUser?: boolean;
  /**
   * Mount the root filesystem read-only. Give the container a scratch volume
   * for what it must write.
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
  /**
   * Allow a process to gain more privileges than its parent (setuid binaries).
   * @default false
   */
  readonly allowPrivilegeEscalation?: boolean;
  /**
   * Linux capabilities added after dropping ALL (names without the `CAP_` prefix,
   * e.g. `NET_ADMIN`).
   * @default - none
   */
  readonly addCapabilities?: string[];
  /**
   * The seccomp profile.
   * @default SeccompProfile.RUNTIME_DEFAULT
   */
  readonly seccompProfile?: SeccompProfile;
  /**
   * A seccomp profile installed on the nodes (Kubernetes `seccompProfile.type: Localhost`); takes
   * the place of `seccompProfile`, which must then be left out. ECS Fargate and ACI refuse it.
   * @default - none: `seccompProfile` applies
   */
  readonly localhostSeccompProfile?: LocalhostSeccompProfile;
  /**
   * The AppArmor profile (Kubernetes only; ECS Fargate and ACI refuse it).
   * @default - not rendered: the node's default (the runtime's default profile where AppArmor is on)
   */
  readonly appArmorProfile?: AppArmorProfile;
  /**
   * Name of the app container whose UID this container runs as on purpose (e.g. Vault's
   * agent-run-as-same-user), so that the composition does not report the shared UID with
   * that container as a clash. Clashes with any other container are still reported.
   * @default - the UID is this container's alone
   */
  readonly sameUserAs?: string;
  /**
   * Run privileged (every capability, the host's devices). Only with a reason, such as an
   * eBPF agent (OpenTelemetry Go auto-instrumentation); needs `allowPrivilegeEscalation`.
   * Kubernetes only: ECS Fargate and ACI refuse it.
   * @default false
   */
  readonly privileged?: boolean;
}

/**
 * When a container starts and stops relative to the app.
 */
export enum StartupRole {
  /**
   * Runs to completion before the app (and later sidecars) start: a Kubernetes
   * init container, an ECS container the app waits on with SUCCESS, an ACI init container.
   */
  INIT_STEP = 'INIT_STEP',
  /**
   * Runs for the life of the pod: starts before the app and stops after it
   * (Kubernetes native sidecar, ECS dependency, ACI container).
   */
  SIDECAR = 'SIDECAR',
}

/**
 * What a dependent container waits for.
 */
export enum WaitCondition {
  /** The container has started. */
  STARTED = 'STARTED',
  /** The container passes its startup (or readiness) probe. */
  HEALTHY = 'HEALTHY',
  /** The container ran to completion with exit code 0 (init steps). */
  COMPLETED = 'COMPLETED',
}

/**
 * A container that must reach a condition before this one starts.
 */
export interface ContainerDependency {
  /** Name of the container waited for (a container of any sidecar in the same pod). */
  readonly container: string;
  /** What is waited for. */
  readonly condition: WaitCondition;
}

/**
 * How a container stops.
 */
export interface ShutdownSpec {
  /**
   * Command run in the container when it is asked to stop, before it gets SIGTERM
   * (for example an Envoy drain). Kubernetes: a preStop hook.
   * @default - none
   */
  readonly drainCommand?: string[];
  /**
   * Seconds the container needs from the stop request until it has exited.
   * Kubernetes: added to the pod's termination grace period; ECS: stop timeout.
   * @default - the platform default
   */
  readonly gracePeriodSeconds?: number;
}

/**
 * Files a container creates at run time in one of its volumes: rendered secrets,
 * Unix domain sockets. The other containers that mount the volume are their readers;
 * the runtime contract check proves that each of them can read (or connect to) them.
 */
export interface RuntimeFilesSpec {
  /** The SCRATCH or MEMORY volume the files are created in (mounted read-write by this container). */
  readonly volume: string;
  /** Mode the files are created with, e.g. 0o440. */
  readonly mode: number;
  /**
   * The files are Unix domain sockets: a reader needs write permission to connect.
   * @default false
   */
  readonly sockets?: boolean;
}

/**
 * One container of a sidecar, in platform-neutral terms.
 */
export interface ContainerSpec {
  /** Container name (DNS label: lowercase letters, digits, '-'; at most 63). */
  readonly name: string;
  /** Image reference, e.g. `envoyproxy/envoy:v1.36.2` or with an `@sha256:` digest. */
  readonly image: string;
  /** Startup role. */
  readonly role: StartupRole;
  /**
   * What the app containers wait for before they start. Init steps: COMPLETED;
   * sidecars: STARTED or HEALTHY (HEALTHY needs a startup or readiness probe).
   * @default - COMPLETED for init steps; HEALTHY for sidecars with a startup probe, else STARTED
   */
  readonly appWaitsFor?: WaitCondition;
  /**
   * Entrypoint.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Arguments.
   * @default - the image's arguments
   */
  readonly args?: string[];
  /**
   * Working directory.
   * @default - the image's
   */
  readonly workingDir?: string;
  /**
   * Environment variables of this container.
   * @default - none
   */
  readonly env?: EnvVarSpec[];
  /**
   * Ports the container listens on.
   * @default - none
   */
  readonly ports?: ContainerPortSpec[];
  /**
   * Security settings.
   * @default - the secure defaults of `ContainerSecurity`
   */
  readonly security?: ContainerSecurity;
  /**
   * CPU and memory.
   * @default - none set
   */
  readonly resources?: ResourceRequirements;
  /**
   * Probe that gates the container's startup. On a sidecar that the app waits for
   * (HEALTHY) this is what the app waits on.
   * @default - none
   */
  readonly startupProbe?: Probe;
  /**
   * Probe that marks the container ready.
   * @default - none
   */
  readonly readinessProbe?: Probe;
  /**
   * Probe that restarts the container when it fails.
   * @default - none
   */
  readonly livenessProbe?: Probe;
  /**
   * One-shot health command (exit 0 = healthy), for platforms that run health checks
   * inside the container (ECS). Exec probes are used directly when this is not set.
   * @default - derived from an exec probe, if any
   */
  readonly healthCommand?: string[];
  /**
   * Command that blocks until the container is healthy. Used on Kubernetes in classic
   * sidecar mode (a postStart hook) so that the app starts only after this container
   * is healthy.
   * @default - none (classic mode then cannot wait for HEALTHY and says so)
   */
  readonly waitCommand?: string[];
  /**
   * Volumes mounted into this container.
   * @default - none
   */
  readonly volumeMounts?: VolumeMountSpec[];
  /**
   * Other containers of the pod this one waits for.
   * @default - none
   */
  readonly dependsOn?: ContainerDependency[];
  /**
   * How the container stops.
   * @default - platform defaults
   */
  readonly shutdown?: ShutdownSpec;
  /**
   * The pod or task fails when this container stops (ECS `essential`). A non-essential
   * sidecar (for example a log shipper) may stop without taking the app down; on
   * Kubernetes and ACI a long-running sidecar is restarted either way.
   * @default - true for long-running sidecars, false for init steps
   */
  readonly essential?: boolean;
  /**
   * The container needs the pod's own identity token as a file (e.g. Vault's Kubernetes
   * auth, Fluent Bit's kubernetes filter). Kubernetes projects a service account token
   * into this container only; platforms whose identity comes from a metadata endpoint
   * (ECS task role, ACI managed identity) need nothing.
   * @default - no token
   */
  readonly identityToken?: IdentityTokenSpec;
  /**
   * Files this container creates at run time in its volumes, for the other containers
   * that mount the volume (checked: each of them can read or connect to them).
   * @default - none
   */
  readonly createsFiles?: RuntimeFilesSpec[];
  /**
   * Absolute paths the process reads at run time besides its own config files, e.g. a
   * token file its generated configuration names. Each must lie under a mount of this
   * container (or its identity token) and be readable by it.
   * @default - none
   */
  readonly readsPaths?: string[];
  /**
   * Absolute paths (files or directories) the process writes at run time. Each must lie
   * under a read-write mount that this container can write to, unless the root
   * filesystem is writable.
   * @default - none
   */
  readonly writesPaths?: string[];
  /**
   * Names of the containers of the pod this container sends signals to (for example a
   * reload after a re-render). Checked: the pod shares one process namespace and the
   * sender is allowed to signal the target (same UID, or root with the KILL capability).
   * @default - none
   */
  readonly signals?: string[];
  /**
   * When the platform pulls the image (Kubernetes `imagePullPolicy`; ECS and ACI have no
   * per-container setting: a warning).
   * @default - the platform default
   */
  readonly imagePullPolicy?: ImagePullPolicy;
  /**
   * Volumes of the workload itself (declared by the app's pod, task or container group, not by
   * a sidecar) mounted into this container, by name. A pod without a volume of that name is an error.
   * @default - none
   */
  readonly appVolumeMounts?: VolumeMountSpec[];
  /**
   * JSON patches applied to this container as the Kubernetes binder renders it (a container of
   * the pod spec). Other platforms ignore them.
   * @default - none
   */
  readonly kubernetesPatches?: ContainerPatch[];
  /**
   * JSON patches applied to this container as the ECS binder renders it (an entry of the
   * CloudFormation `AWS::ECS::TaskDefinition` `ContainerDefinitions`, PascalCase). Other platforms ignore them.
   * @default - none
   */
  readonly ecsPatches?: ContainerPatch[];
  /**
   * JSON patches applied to this container's `properties` as the ACI binder renders them. Other
   * platforms ignore them.
   * @default - none
   */
  readonly aciPatches?: ContainerPatch[];
  /**
   * The props the user wrote that set fields of this container, so that errors name them.
   * @default - errors name the container's fields
   */
  readonly origins?: FieldOrigin[];
}

/**
 * Where a field of the library's model comes from: the prop the user wrote. Errors about
 * the field name the prop (for example Fluent Bit's `httpPort`, not `ports[0].port`).
 */
export interface FieldOrigin {
  /**
   * The field, as the library names it: relative to the container for `ContainerSpec.origins`
   * (e.g. `ports[0].port`, `volumeMounts[1].path`, `shutdown.gracePeriodSeconds`), relative to
   * the contribution for `SidecarContribution.origins` (e.g. `volumes[0].files[0].content`,
   * `appRequests.env[0].name`).
   */
  readonly field: string;
  /** The prop the user wrote, e.g. `httpPort` or `volumes[0].mountPath`. */
  readonly prop: string;
  /**
   * The field holds the prop's value plus this number (for example a grace period that adds a
   * few seconds to a drain time): messages show the prop's value and limits for the prop.
   * @default 0
   */
  readonly offset?: number;
  /**
   * Another setting of the sidecar that fills the field, for messages' fixes, e.g.
   * `distribution: OtelCollectorDistribution.AWS_DISTRO` for a health command.
   * @default - none
   */
  readonly alternative?: string;
}

/**
 * A projected identity token for one container.
 */
export interface IdentityTokenSpec {
  /**
   * Audience of the token.
   * @default - the API server's
   */
  readonly audience?: string;
  /**
   * Seconds the token is valid (rotated before it expires).
   * @default 3600
   */
  readonly expirationSeconds?: number;
  /**
   * Absolute path of the token file in the container. Its directory is mounted for the
   * token alone (with `ca.crt` and `namespace` beside it) and must not be another mount.
   * @default '/var/run/secrets/kubernetes.io/serviceaccount/token'
   */
  readonly path?: string;
}
