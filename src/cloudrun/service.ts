import { Construct } from 'constructs';
import { PLATFORM, cloudRunProbe, cpuQuantity, renderContainer, renderEnv } from './render';
import { cloudRunRuntime } from './runtime';
import { AppContainerModel, ComposedPod, composePod } from '../core/composition';
import { PortExposure, Protocol, StartupRole } from '../core/container';
import { RUNTIME_DEFAULT_CAPABILITIES, checkRuntimeContract } from '../core/contract';
import { ISidecar } from '../core/contribution';
import {
  appEnvModel, _AppMountFields, attachSidecars, checkAppEnvironment, checkAppVolumeMounts, checkCommandList, checkSecretEnvNames, diagnosticLines,
  documentName, forwardPodWarnings, refuseFileGroup, refuseKubernetesServices, refusePodAnnotations, refuseSharedProcessNamespace,
  refuseTrafficInterception, requestedAppEnv, startDiagnostics, warnMissingPodServices,
} from '../core/document-binders';
import { Errors } from '../core/errors';
import { DNS_LABEL, FILE_NAME, LIBRARY_NAMES, isImageReference } from '../core/names';
import { Probe } from '../core/probe';
import { checkArray, checkEnum, checkMap, checkPropTypes, isPlainMap } from '../core/prop-types';
import { isDeclared } from '../core/resolve';
import { shellWord } from '../core/shell-words';
import { refuseTokens } from '../core/token-check';
import { stringHasToken } from '../core/tokens';
import { VolumeKind } from '../core/volume';
import { toYamlText } from '../core/yaml-writer';

/** The execution environment of a Cloud Run revision (`run.googleapis.com/execution-environment`). */
export enum CloudRunExecutionEnvironment {
  /** First generation (gVisor). */
  GEN1 = 'gen1',
  /** Second generation (full Linux compatibility: faster CPU and network, in-memory volumes). */
  GEN2 = 'gen2',
}

/** An environment variable from a Secret Manager secret. */
export interface CloudRunSecretEnv {
  /** Secret Manager secret name (`projects/<p>/secrets/` is not part of it). */
  readonly secret: string;
  /**
   * Version: 'latest' or a version number.
   * @default 'latest'
   */
  readonly version?: string;
}

/** A volume mounted into an app container. */
export interface CloudRunVolumeMount extends _AppMountFields {
  /** Name of a volume of the service (`volumes`). */
  readonly volume: string;
}

/**
 * A volume of the service for the app containers: an in-memory `emptyDir` (the default), or a
 * Secret Manager secret mounted as one file.
 */
export interface CloudRunVolume {
  /** Volume name (a DNS label). */
  readonly name: string;
  /**
   * Size limit of the in-memory volume, in MiB (counts against the memory of the containers that write to it).
   * @default - none (Cloud Run's: half the memory of the instance's containers)
   */
  readonly sizeLimitMebibytes?: number;
  /**
   * A Secret Manager secret mounted as the file `secretFileName` of the volume.
   * @default - none (an in-memory emptyDir)
   */
  readonly secret?: string;
  /**
   * The file name of the secret in the volume.
   * @default - the secret's name
   */
  readonly secretFileName?: string;
  /**
   * The secret's version.
   * @default 'latest'
   */
  readonly secretVersion?: string;
}

/**
 * A gRPC health check (grpc.health.v1.Health/Check) as a Cloud Run probe (`grpc`); Cloud Run's
 * startup and liveness probes both take it (cloud.google.com/run/docs/configuring/healthchecks).
 */
export interface CloudRunGrpcProbe {
  /** Port of the gRPC server. */
  readonly port: number;
  /**
   * Service name sent in the HealthCheckRequest.
   * @default - none (the server's overall health)
   */
  readonly service?: string;
  /**
   * Seconds before the first probe.
   * @default 0
   */
  readonly initialDelaySeconds?: number;
  /**
   * Seconds between probes.
   * @default 10
   */
  readonly periodSeconds?: number;
  /**
   * Seconds before a probe times out (below periodSeconds).
   * @default 1
   */
  readonly timeoutSeconds?: number;
  /**
   * Failures before the container is restarted (liveness) or shut down (startup).
   * @default 3
   */
  readonly failureThreshold?: number;
}

/** An app container of a Cloud Run service. */
export interface CloudRunContainerProps {
  /** Container name (a DNS label). */
  readonly name: string;
  /** Image reference. */
  readonly image: string;
  /**
   * Entrypoint (replaces the image's ENTRYPOINT).
   * @default - the image's
   */
  readonly command?: string[];
  /**
   * Arguments (replace the image's CMD).
   * @default - the image's
   */
  readonly args?: string[];
  /**
   * The port the container serves requests on: the service's ingress port. Exactly one app
   * container has one, unless a sidecar (an Envoy explicit proxy) takes the ingress and forwards to it.
   * @default - none
   */
  readonly port?: number;
  /**
   * Environment variables.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * Environment variables from Secret Manager secrets.
   * @default - none
   */
  readonly secretEnvironment?: { [name: string]: CloudRunSecretEnv };
  /** CPU limit in millicores (Cloud Run requires a CPU limit on every container of a multi-container service). */
  readonly cpuMillicores: number;
  /**
   * Memory limit in MiB.
   * @default 512
   */
  readonly memoryMebibytes?: number;
  /**
   * Startup probe (HTTP GET or TCP).
   * @default - Cloud Run's TCP probe on the ingress port (ingress container only)
   */
  readonly startupProbe?: Probe;
  /**
   * Liveness probe (HTTP GET).
   * @default - none
   */
  readonly livenessProbe?: Probe;
  /**
   * Volume mounts.
   * @default - none
   */
  readonly volumeMounts?: CloudRunVolumeMount[];
  /**
   * A gRPC startup probe (instead of `startupProbe`).
   * @default - none
   */
  readonly grpcStartupProbe?: CloudRunGrpcProbe;
  /**
   * A gRPC liveness probe (instead of `livenessProbe`).
   * @default - none
   */
  readonly grpcLivenessProbe?: CloudRunGrpcProbe;
}

/** Props of a Cloud Run service. */
export interface CloudRunServiceProps {
  /**
   * Service name (a DNS label of at most 49 characters).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Region, e.g. "europe-west1" (the `cloud.googleapis.com/location` label).
   * @default - none (give `--region` to gcloud run services replace)
   */
  readonly region?: string;
  /** The app containers. */
  readonly containers: CloudRunContainerProps[];
  /**
   * Volumes of the app containers.
   * @default - none
   */
  readonly volumes?: CloudRunVolume[];
  /**
   * Throttle CPU outside requests (`run.googleapis.com/cpu-throttling`). Sidecars that work in
   * the background (log routers, collectors, agents) need CPU between requests.
   * @default - false when sidecars are attached, true otherwise
   */
  readonly cpuThrottling?: boolean;
  /**
   * Execution environment.
   * @default CloudRunExecutionEnvironment.GEN2
   */
  readonly executionEnvironment?: CloudRunExecutionEnvironment;
  /**
   * Email of the service account the revision runs as.
   * @default - the project's default compute service account
   */
  readonly serviceAccountName?: string;
  /**
   * The Secret Manager secret (one file) behind each secret that sidecars mount as a SECRET
   * volume: secret name to the file name it is mounted as.
   * @default - none: a SECRET volume is an error
   */
  readonly secretVolumeFiles?: { [secretName: string]: string };
}

/** A generated config file that Cloud Run reads from Secret Manager: written beside the YAML. */
export interface CloudRunGeneratedSecret {
  /** Secret Manager secret name to create. */
  readonly secret: string;
  /** File name (beside the service YAML) holding the content. */
  readonly fileName: string;
  /** The content. */
  readonly content: string;
}

const SERVICE_NAME = /^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$/;
const SECRET_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const VERSION = /^(latest|[1-9][0-9]*)$/;
const REGION = /^[a-z]+-[a-z]+[0-9]+$/;
const DEPENDENCIES = 'run.googleapis.com/container-dependencies';

/**
 * A Google Cloud Run service (`serving.knative.dev/v1` Service, as `gcloud run services replace`
 * takes it): the app containers, to which sidecars attach (`add`).
 *
 * - exactly one container has a port, the ingress container: the app's, or a sidecar's PUBLIC
 *   port (Envoy as an explicit proxy, which forwards to the app on localhost); other sidecar
 *   ports are not declared (containers of an instance reach each other on localhost);
 * - start order: `run.googleapis.com/container-dependencies` on the revision template (the app
 *   waits for its sidecars; an ingress sidecar waits for the app);
 * - probes: startup (HTTP, TCP) and liveness (HTTP); a sidecar's readiness probe is its startup probe;
 * - MEMORY and SCRATCH volumes: in-memory `emptyDir`; CONFIG_FILES: a Secret Manager secret per
 *   file, written beside the YAML (`generatedSecrets`) for the user to create; SECRET volumes and
 *   secret env: Secret Manager secrets;
 * - refused: init steps (Cloud Run has no init containers), transparent redirection (no NET_ADMIN),
 *   privileged containers, capabilities beyond the runtime's defaults, pod file groups, shared
 *   process namespaces, Kubernetes Services and annotations; the security context (user, read-only
 *   root, dropped capabilities) is not applied: a note says so.
 */
export class CloudRunService extends Construct {
  /** Service name. */
  public readonly name: string;
  /** Warnings of the last synthesis: what the user set that Cloud Run cannot honour. */
  public readonly warnings: string[] = [];
  /** Notes of the last synthesis: where Cloud Run differs from a sidecar's default and nothing is to be done. */
  public readonly notes: string[] = [];
  private readonly props: CloudRunServiceProps;
  private readonly attached: ISidecar[] = [];
  private secrets: CloudRunGeneratedSecret[] = [];

  constructor(scope: Construct, id: string, props: CloudRunServiceProps) {
    super(scope, id);
    const path = this.node.path;
    this.props = props;
    this.name = documentName(path, props.name, id, SERVICE_NAME, 'a Cloud Run service name: 1-49 lowercase letters, digits and \'-\', starting with a letter');
    checkProps(path, props);
  }

  /** The attached sidecars. */
  public get sidecars(): ISidecar[] {
    return [...this.attached];
  }

  /** Attaches sidecars (a sidecar already attached is skipped). */
  public add(...sidecars: ISidecar[]): CloudRunService {
    attachSidecars(this.node.path, this.attached, sidecars);
    return this;
  }

  /** The config files of the last synthesis that are to be created as Secret Manager secrets. */
  public get generatedSecrets(): CloudRunGeneratedSecret[] {
    return [...this.secrets];
  }

  /** The Service document. */
  public toJson(): any {
    const props = this.props;
    const path = this.node.path;
    const { warn, note } = startDiagnostics(this.warnings, this.notes);
    this.secrets = [];
    const app = {
      containers: props.containers.map((c): AppContainerModel => ({
        name: c.name,
        ports: c.port !== undefined ? [{ port: c.port, protocol: Protocol.TCP }] : [],
        env: appEnvModel(c.environment, c.secretEnvironment),
        mountPaths: (c.volumeMounts ?? []).map(m => m.path),
      })),
      initContainers: [],
      volumes: (props.volumes ?? []).map(v => v.name),
    };
    const pod = composePod(path, app, this.attached, undefined);
    refuseTokens(pod, PLATFORM, 'the service YAML is written at synthesis with no deployment engine to fill the value in');
    checkRuntimeContract(pod, cloudRunRuntime(app.containers.map(c => c.name)));
    this.checkPod(pod, warn);
    forwardPodWarnings(pod, warn);

    const ingress = this.ingress(pod);
    const sidecars = pod.containers.filter(c => c.role === StartupRole.SIDECAR);
    for (const c of sidecars) {
      for (const p of c.ports.filter(isDeclared)) {
        if (ingress.sidecar === c && p.port === ingress.port) { continue; }
        note(c.owner.path, `${c.field}port ${p.port}${p.name ? ` (${p.name})` : ''} is not declared: only the ingress container of a Cloud Run service `
          + 'has a port; the other containers of the instance reach it on localhost');
      }
    }
    const written: ComposedPod['volumes'][number]['volume'][] = [];
    const sidecarVolumes = this.sidecarVolumes(pod, warn, note, written);
    const writer = written.length ? configWriter(pod, written) : undefined;
    if (this.secrets.length) {
      // Cloud Run has no ConfigMaps: the user creates each secret (the files are written beside the YAML by CloudRunApp.synth).
      warn(path, 'the generated config files are read from Secret Manager secrets that must exist before the service deploys; create them from the files '
        + `written beside the YAML: ${this.secrets.map(x => `gcloud secrets create ${x.secret} --data-file=${x.fileName}`).join('; ')}`);
    }
    if (writer) {
      note(path, `config volumes ${written.map(v => v.name).join(', ')} hold several files each, which no one Secret Manager secret can: the container `
        + `${WRITER} (busybox) writes them into in-memory volumes from its environment, then listens on port ${writer.port} (an empty directory) for its startup probe; `
        + 'the containers that mount them wait for it');
    }
    const renderedSidecars = sidecars.map(c => renderContainer(c, { warn, note, ingressPort: ingress.sidecar === c ? ingress.port : undefined }));
    if (sidecars.length) {
      const unenforced = sidecars.map(c => `${c.name} (runAsUser ${c.security.uid}, readOnlyRootFilesystem ${c.security.readOnlyRootFilesystem}, capabilities drop ALL)`).join('; ');
      // run-api.json Container.securityContext: "Not supported by Cloud Run".
      note(path, `Cloud Run does not apply container security contexts, so none is rendered and these are not enforced: ${unenforced}; `
        + 'each container runs as its image\'s user with the runtime\'s default capabilities and a writable (in-memory) root filesystem');
    }
    const appContainers = props.containers.map(c => this.renderAppContainer(c, pod, ingress.sidecar ? undefined : ingress.port));

    // Start order: the app waits for its sidecars (Cloud Run starts a container once the ones
    // it depends on pass their startup probes); an ingress sidecar waits for the app instead.
    const deps: { [name: string]: string[] } = {};
    const addDep = (from: string, to: string) => { (deps[from] ??= []).includes(to) || deps[from].push(to); };
    for (const c of sidecars) {
      if (c === ingress.sidecar) {
        for (const a of props.containers) { addDep(c.name, a.name); }
      } else {
        for (const a of props.containers) { addDep(a.name, c.name); }
      }
      for (const d of c.dependsOn) { addDep(c.name, d.container); }
      if (writer && c.volumeMounts.some(m => written.some(v => v.name === m.volume))) { addDep(c.name, WRITER); }
    }
    for (const a of props.containers) {
      if (writer && (pod.appMounts.get(a.name) ?? []).some(m => written.some(v => v.name === m.volume))) { addDep(a.name, WRITER); }
    }
    const probed = new Set([...renderedSidecars, ...appContainers, ...(writer ? [writer.container] : [])]
      .filter(c => c.startupProbe || c.ports).map(c => c.name));
    for (const target of new Set(Object.values(deps).flat())) {
      if (!probed.has(target)) {
        const owner = pod.containers.find(c => c.name === target)?.owner.path ?? path;
        note(owner, `${target} has no startup probe: containers that depend on it start as soon as it has started`);
      }
    }

    const volumes = [
      ...(props.volumes ?? []).map(v => (v.secret
        ? { name: v.name, secret: { secretName: v.secret, items: [{ key: v.secretVersion ?? 'latest', path: v.secretFileName ?? v.secret }] } }
        : { name: v.name, emptyDir: { medium: 'Memory', ...(v.sizeLimitMebibytes ? { sizeLimit: `${v.sizeLimitMebibytes}Mi` } : {}) } })),
      ...sidecarVolumes,
    ];

    const throttling = props.cpuThrottling ?? this.attached.length === 0;
    if (props.cpuThrottling === true && this.attached.length) {
      warn(path, 'cpuThrottling is true: the sidecars get CPU only while a request is served, so background work (shipping logs, exporting telemetry, '
        + 'renewing secrets) stalls between requests; leave cpuThrottling out to silence this');
    }
    const annotations: { [k: string]: string } = {
      'run.googleapis.com/execution-environment': props.executionEnvironment ?? CloudRunExecutionEnvironment.GEN2,
      'run.googleapis.com/cpu-throttling': String(throttling),
    };
    if (Object.keys(deps).length) { annotations[DEPENDENCIES] = JSON.stringify(deps); }
    const spec: any = { containers: [...appContainers, ...(writer ? [writer.container] : []), ...renderedSidecars] };
    if (props.serviceAccountName) { spec.serviceAccountName = props.serviceAccountName; }
    if (volumes.length) { spec.volumes = volumes; }
    const metadata: any = { name: this.name, labels: { 'app.kubernetes.io/managed-by': 'cdk-sidecars' } };
    if (props.region) { metadata.labels['cloud.googleapis.com/location'] = props.region; }
    return {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata,
      spec: { template: { metadata: { annotations }, spec } },
    };
  }

  /** The YAML for `gcloud run services replace`, with the warnings and notes as comments. */
  public toYaml(): string {
    const doc = this.toJson();
    const header = [
      `Google Cloud Run service ${this.name}, generated by cdk-sidecars from ${this.node.path}.`,
      `Deploy: gcloud run services replace <this file>${this.props.region ? '' : ' --region <region>'}`,
      ...(this.secrets.length ? ['Create the Secret Manager secrets of the generated config files first (files beside this one):',
        ...this.secrets.map(s => `  gcloud secrets create ${s.secret} --data-file=${s.fileName}  (or: gcloud secrets versions add ${s.secret} --data-file=${s.fileName})`)] : []),
      ...diagnosticLines(this.warnings, this.notes),
    ];
    return toYamlText(doc, header);
  }

  /** The ingress port and the container that takes it: a sidecar's PUBLIC port, else the app port. */
  private ingress(pod: ComposedPod): { port: number; sidecar?: ComposedPod['containers'][number] } {
    const path = this.node.path;
    const publicPorts = pod.containers.filter(c => c.role === StartupRole.SIDECAR)
      .flatMap(c => c.ports.filter(p => p.exposure === PortExposure.PUBLIC && p.protocol === Protocol.TCP).map(p => ({ c, p })));
    if (publicPorts.length > 1) {
      const [a, b] = publicPorts;
      throw Errors.unsupportedOnPlatform(b.c.owner.path, `${b.c.field}ports (${b.p.port})`, b.p.port, PLATFORM,
        `a Cloud Run service has one ingress port, and ${a.c.owner.path} already takes it (port ${a.p.port})`,
        'Keep one entry point: attach one explicit proxy, or run the other sidecar with unix sockets or no public port');
    }
    const appPorts = this.props.containers.filter(c => c.port !== undefined);
    if (publicPorts.length === 1) {
      const { c, p } = publicPorts[0];
      for (const a of appPorts) {
        this.notes.push(`${c.owner.path}: ${c.name} takes the ingress port ${p.port} and forwards to ${a.name} on localhost:${a.port}; `
          + `${a.name}'s port is not declared (only the ingress container of a Cloud Run service has a port)`);
      }
      return { port: p.port, sidecar: c };
    }
    if (appPorts.length === 0) {
      throw Errors.missingSetting(path, 'containers[].port', 'a Cloud Run service has exactly one ingress container, the one with a port, and no container has one',
        'Give the container that serves requests a port (e.g. port: 8080)');
    }
    if (appPorts.length > 1) {
      const i = this.props.containers.indexOf(appPorts[1]);
      throw Errors.unsupportedOnPlatform(path, `containers[${i}].port`, appPorts[1].port, PLATFORM,
        `only one container of a Cloud Run service may have a port, and ${appPorts[0].name} has one`,
        'Leave the port out on every container but the one that serves requests (the others are reached on localhost)');
    }
    return { port: appPorts[0].port! };
  }

  /** What Cloud Run cannot honour in a composed pod. */
  private checkPod(pod: ComposedPod, warn: (at: string, message: string) => void): void {
    refuseTrafficInterception(pod, PLATFORM, 'transparent redirection needs NET_ADMIN in the instance\'s network namespace, which Cloud Run does not give',
      'it takes the ingress port and forwards to the app on localhost');
    refuseFileGroup(pod, PLATFORM, 'Cloud Run has no pod-wide file group (no fsGroup, no supplementary groups)', 'Write shared files with a world-readable mode');
    refuseSharedProcessNamespace(pod, PLATFORM, 'containers of an instance cannot share a process namespace');
    refuseKubernetesServices(pod, PLATFORM, 'Cloud Run has no Kubernetes Services (a service is reached on its URL)',
      'Use this sidecar in a mode that needs no Kubernetes Service on Cloud Run');
    refusePodAnnotations(pod, PLATFORM, 'Cloud Run revisions take only run.googleapis.com and autoscaling.knative.dev annotations',
      'Use this sidecar in a mode that needs no Kubernetes annotation on Cloud Run');
    for (const c of pod.containers) {
      if (c.role === StartupRole.INIT_STEP) {
        // Every container of a Cloud Run service is long-running: no init containers.
        throw Errors.unsupportedOnPlatform(c.owner.path, `${c.field}role`, 'INIT_STEP', PLATFORM,
          `Cloud Run has no init containers: every container of a service runs for the instance's life, so the init step ${JSON.stringify(c.name)} cannot run to completion first`,
          'Do the step in the app image or its entrypoint, or use the sidecar in a mode without init steps on Cloud Run');
      }
      const extra = c.security.addCapabilities.filter(cap => !RUNTIME_DEFAULT_CAPABILITIES.includes(cap));
      if (extra.length) {
        throw Errors.unsupportedOnPlatform(c.owner.path, userField2(c, 'security.addCapabilities'), extra, PLATFORM,
          'Cloud Run grants no capabilities beyond the container runtime\'s defaults', 'Leave the capability out, or the sidecar out on Cloud Run');
      }
    }
    warnMissingPodServices(pod, warn, 'Cloud Run', 'which a Cloud Run service account cannot be given; the sidecar will be denied');
  }

  /** The sidecars' volumes; `writer` receives the config volumes of several files. */
  private sidecarVolumes(pod: ComposedPod, warn: (at: string, m: string) => void, note: (at: string, m: string) => void, writer: ComposedPod['volumes'][number]['volume'][]): any[] {
    const out: any[] = [];
    for (const { volume, owners } of pod.volumes) {
      const owner = owners[0].path;
      switch (volume.kind) {
        case VolumeKind.MEMORY:
        case VolumeKind.SCRATCH:
          if (volume.kind === VolumeKind.SCRATCH) {
            note(owner, `volume ${volume.name} is an in-memory emptyDir: Cloud Run has no disk-backed scratch volumes (what is written counts against the memory limit)`);
          }
          out.push({ name: volume.name, emptyDir: { medium: 'Memory', ...(volume.sizeLimitMebibytes ? { sizeLimit: `${volume.sizeLimitMebibytes}Mi` } : {}) } });
          break;
        case VolumeKind.CONFIG_FILES: {
          // Cloud Run has no ConfigMaps; a secret volume mounts versions of ONE Secret Manager
          // secret (run-api.json SecretVolumeSource.items), so a one-file volume is a secret,
          // and a volume of several files an in-memory emptyDir the config writer fills.
          if (volume.files.length !== 1) {
            writer.push(volume);
            if (volume.sensitive) {
              warn(owner, `config volume ${volume.name} is sensitive, and its files are written by the config writer from environment variables, which anyone who can `
                + 'read the service (run.services.get) sees; configure the sidecar so that the secret part comes from Secret Manager');
            }
            out.push({ name: volume.name, emptyDir: { medium: 'Memory' } });
            break;
          }
          const f = volume.files[0];
          const secret = `${this.name}-${volume.name}`;
          this.secrets.push({ secret, fileName: `${this.name}.${volume.name}.${f.name}`, content: f.content });
          out.push({ name: volume.name, secret: { secretName: secret, items: [{ key: 'latest', path: f.name, ...(f.mode !== undefined ? { mode: f.mode } : {}) }] } });
          break;
        }
        case VolumeKind.SECRET: {
          const file = this.props.secretVolumeFiles?.[volume.secretName!];
          if (file === undefined) {
            throw Errors.missingSecretSource(owner, `volumes (${volume.name})`, volume.secretName!, this.node.path,
              `secretVolumeFiles: { '${volume.secretName}': 'tls.pem' } (the Secret Manager secret ${volume.secretName} mounted as that file)`);
          }
          out.push({ name: volume.name, secret: { secretName: volume.secretName, items: [{ key: 'latest', path: file }] } });
          break;
        }
        default:
          throw Errors.unsupportedOnPlatform(owner, `volumes (${volume.name})`, volume.kind, PLATFORM,
            `Cloud Run has no ${volume.kind} volumes (its volumes are in-memory emptyDir, Secret Manager secrets, Cloud Storage and NFS)`,
            'Declare the storage in the service\'s volumes and mount it into the sidecar with overrides.appVolumeMounts, or leave the sidecar out on Cloud Run');
      }
    }
    return out;
  }

  private renderAppContainer(c: CloudRunContainerProps, pod: ComposedPod, ingressPort: number | undefined): any {
    const requested = requestedAppEnv(pod, c.name).flatMap(r => renderEnv(r.path, 'appRequests.env', [r.env]));
    const env = [
      ...Object.entries(c.environment ?? {}).map(([name, value]) => ({ name, value })),
      ...Object.entries(c.secretEnvironment ?? {}).map(([name, ref]) => ({ name, valueFrom: { secretKeyRef: { name: ref.secret, key: ref.version ?? 'latest' } } })),
      ...requested,
    ];
    const mounts = [
      ...(c.volumeMounts ?? []).map(m => ({ name: m.volume, mountPath: m.path, ...(m.readOnly ? { readOnly: true } : {}) })),
      ...(pod.appMounts.get(c.name) ?? []).map(m => ({ name: m.volume, mountPath: m.path, ...(m.readOnly ? { readOnly: true } : {}) })),
    ];
    const out: any = { name: c.name, image: c.image };
    if (c.command) { out.command = [...c.command]; }
    if (c.args) { out.args = [...c.args]; }
    if (ingressPort !== undefined && c.port === ingressPort) { out.ports = [{ name: 'http1', containerPort: c.port }]; }
    if (env.length) { out.env = env; }
    out.resources = { limits: { cpu: cpuQuantity(c.cpuMillicores), memory: `${c.memoryMebibytes ?? 512}Mi` } };
    if (mounts.length) { out.volumeMounts = mounts; }
    if (c.startupProbe) { out.startupProbe = cloudRunProbe(this.node.path, `${fieldOf(this.props, c)}.startupProbe`, c.startupProbe, 'startup'); }
    if (c.livenessProbe) { out.livenessProbe = cloudRunProbe(this.node.path, `${fieldOf(this.props, c)}.livenessProbe`, c.livenessProbe, 'liveness'); }
    if (c.grpcStartupProbe) { out.startupProbe = grpcProbe(c.grpcStartupProbe); }
    if (c.grpcLivenessProbe) { out.livenessProbe = grpcProbe(c.grpcLivenessProbe); }
    return out;
  }
}

function fieldOf(props: CloudRunServiceProps, c: CloudRunContainerProps): string {
  return `containers[${props.containers.indexOf(c)}]`;
}

function userField2(c: ComposedPod['containers'][number], field: string): string {
  return c.origins.get(field)?.prop ?? `${c.field}${field}`;
}

/** The runtime types and values of the service's props. */
function checkProps(path: string, props: CloudRunServiceProps): void {
  checkPropTypes(path, props, {
    region: 'string',
    cpuThrottling: 'boolean',
    serviceAccountName: 'string',
    executionEnvironment: { enum: CloudRunExecutionEnvironment },
    containers: 'objectArray',
    volumes: 'objectArray',
    secretVolumeFiles: 'stringMap',
  }, ['containers']);
  checkEnum(path, 'executionEnvironment', props.executionEnvironment, CloudRunExecutionEnvironment, 'CloudRunExecutionEnvironment');
  if (props.region !== undefined && !REGION.test(props.region)) {
    throw Errors.invalidName(path, 'region', props.region, 'a Cloud Run region such as "europe-west1"');
  }
  if (props.serviceAccountName !== undefined && !/^[a-z][-a-z0-9]{4,28}[a-z0-9]@[-a-z0-9.]+\.iam\.gserviceaccount\.com$|^[0-9]+-compute@developer\.gserviceaccount\.com$/.test(props.serviceAccountName)) {
    throw Errors.invalidName(path, 'serviceAccountName', props.serviceAccountName, 'a service account email, e.g. "api@my-project.iam.gserviceaccount.com"');
  }
  for (const [secret, file] of checkMap(path, 'secretVolumeFiles', props.secretVolumeFiles)) {
    if (!FILE_NAME.test(file as string) || file === '.' || file === '..') { throw Errors.invalidName(path, `secretVolumeFiles[${JSON.stringify(secret)}]`, file, 'a file name'); }
  }
  if (props.containers.length === 0) { throw Errors.noAppContainers(path); }
  const volumes = new Set<string>();
  checkArray(path, 'volumes', props.volumes).forEach((v, i) => {
    const f = `volumes[${i}]`;
    checkPropTypes(path, v, { name: 'string', sizeLimitMebibytes: 'size', secret: 'string', secretFileName: 'string', secretVersion: 'string' }, ['name'], `${f}.`);
    const vol = v as CloudRunVolume;
    if (!DNS_LABEL.test(vol.name)) { throw Errors.invalidName(path, `${f}.name`, vol.name, 'a DNS label'); }
    if (volumes.has(vol.name)) { throw Errors.duplicateVolume(path, `${f}.name`, vol.name); }
    volumes.add(vol.name);
    if (vol.secret !== undefined && !SECRET_NAME.test(vol.secret)) { throw Errors.invalidName(path, `${f}.secret`, vol.secret, 'a Secret Manager secret name (letters, digits, \'_\' and \'-\')'); }
    if (vol.secret === undefined) {
      for (const k of ['secretFileName', 'secretVersion'] as const) {
        if (vol[k] !== undefined) { throw Errors.ineffectiveSetting(path, `${f}.${k}`, vol[k], 'the volume is not a secret', `Set ${f}.secret, or leave ${k} out`); }
      }
    } else if (vol.sizeLimitMebibytes !== undefined) {
      throw Errors.ineffectiveSetting(path, `${f}.sizeLimitMebibytes`, vol.sizeLimitMebibytes, 'a secret volume has no size limit', 'Leave sizeLimitMebibytes out');
    }
    if (vol.secretFileName !== undefined && !FILE_NAME.test(vol.secretFileName)) { throw Errors.invalidName(path, `${f}.secretFileName`, vol.secretFileName, 'a file name'); }
    if (vol.secretVersion !== undefined && !VERSION.test(vol.secretVersion)) { throw Errors.invalidName(path, `${f}.secretVersion`, vol.secretVersion, '"latest" or a version number'); }
  });
  const names = new Set<string>();
  props.containers.forEach((c, i) => {
    const f = `containers[${i}]`;
    checkPropTypes(path, c, {
      name: 'string',
      image: 'string',
      command: 'stringArray',
      args: 'stringArray',
      port: 'port',
      environment: 'stringMap',
      secretEnvironment: { values: { secret: 'string', version: 'string' }, required: ['secret'] },
      cpuMillicores: 'size',
      memoryMebibytes: 'size',
      volumeMounts: { each: { volume: 'string', path: 'string', readOnly: 'boolean' }, required: ['volume', 'path'] },
      grpcStartupProbe: { struct: GRPC_PROBE, required: ['port'] },
      grpcLivenessProbe: { struct: GRPC_PROBE, required: ['port'] },
    }, ['name', 'image', 'cpuMillicores'], `${f}.`);
    if (!DNS_LABEL.test(c.name)) { throw Errors.invalidName(path, `${f}.name`, c.name, 'a DNS label'); }
    if (names.has(c.name)) { throw Errors.duplicateContainerName(path, c.name, path, path); }
    names.add(c.name);
    if (stringHasToken(c.image) || !isImageReference(c.image)) { throw Errors.invalidImage(path, `${f}.image`, c.image); }
    for (const k of ['command', 'args'] as const) { checkCommandList(path, `${f}.${k}`, c[k]); }
    const env = checkAppEnvironment(path, f, c.environment);
    for (const [, ref, ef] of checkSecretEnvNames<CloudRunSecretEnv>(path, f, 'secretEnvironment', c.secretEnvironment, env)) {
      if (!SECRET_NAME.test(ref.secret)) { throw Errors.invalidName(path, `${ef}.secret`, ref.secret, 'a Secret Manager secret name (letters, digits, \'_\' and \'-\')'); }
      if (ref.version !== undefined && !VERSION.test(ref.version)) { throw Errors.invalidName(path, `${ef}.version`, ref.version, '"latest" or a version number'); }
    }
    checkAppVolumeMounts(path, `${f}.volumeMounts`, c.volumeMounts, volumes, 'a CloudRunVolumeMount');
    for (const k of ['startupProbe', 'livenessProbe'] as const) {
      const p = c[k];
      if (p === undefined) { continue; }
      if (!(p instanceof Probe)) { throw Errors.invalidProbe(path, `${f}.${k}`, p, 'is not a Probe', 'Make it with Probe.httpGet() or Probe.tcpSocket()'); }
      cloudRunProbe(path, `${f}.${k}`, p, k === 'startupProbe' ? 'startup' : 'liveness');
    }
    for (const [k, plain] of [['grpcStartupProbe', 'startupProbe'], ['grpcLivenessProbe', 'livenessProbe']] as const) {
      const g = c[k];
      if (g === undefined) { continue; }
      if (c[plain] !== undefined) { throw Errors.alreadySet(path, `${f}.${k}`, g.port, `with ${f}.${plain}; a container has one ${plain}`); }
      // The limits of any Cloud Run probe of that kind, checked on a Probe of the same timing.
      cloudRunProbe(path, `${f}.${k}`, Probe.httpGet({ ...g, port: g.port, path: '/' }), k === 'grpcStartupProbe' ? 'startup' : 'liveness');
    }
    if (!isPlainMap(c)) { throw Errors.invalidType(path, f, c, 'a CloudRunContainerProps'); }
  });
}

/**
 * The config writer's image: docker-library/busybox builds busybox with `make defconfig` and
 * installs every applet (`sh`, `printf`, `base64`, `chmod`, `mkdir`, `httpd`) into /bin.
 */
const BUSYBOX = 'docker.io/library/busybox:1.37';
const WRITER = LIBRARY_NAMES.configWriter;
const WRITER_ROOT = '/cdk-sidecars';

/**
 * The container that writes config volumes of several files into in-memory volumes: Cloud Run
 * has no init containers, so it stays up, listening (busybox httpd serving an empty directory; only
 * the ingress port of an instance is reachable from outside) so that its TCP startup probe passes once the files are written; the containers
 * that mount the volumes depend on it (container-dependencies).
 */
function configWriter(pod: ComposedPod, volumes: ComposedPod['volumes'][number]['volume'][]): { container: any; port: number } {
  const used = new Set(pod.containers.flatMap(c => c.ports.map(p => p.port)));
  let port = 15990;
  while (used.has(port)) { port++; }
  const env: any[] = [];
  const steps: string[] = [];
  volumes.forEach((v, i) => {
    v.files.forEach((f, j) => {
      const variable = `CDK_SIDECARS_FILE_${i}_${j}`;
      env.push({ name: variable, value: Buffer.from(f.content, 'utf-8').toString('base64') });
      const target = shellWord(`${WRITER_ROOT}/${v.name}/${f.name}`);
      steps.push(`printf '%s' "$${variable}" | base64 -d > ${target}`);
      steps.push(`chmod ${(f.mode ?? 0o444).toString(8).padStart(4, '0')} ${target}`);
    });
  });
  steps.push('mkdir -p /tmp/cdk-sidecars-empty', `exec httpd -f -p ${port} -h /tmp/cdk-sidecars-empty`);
  return {
    port,
    container: {
      name: WRITER,
      image: BUSYBOX,
      command: ['sh', '-c', steps.join(' && ')],
      env,
      resources: { limits: { cpu: '100m', memory: '32Mi' } },
      volumeMounts: volumes.map(v => ({ name: v.name, mountPath: `${WRITER_ROOT}/${v.name}` })),
      startupProbe: { tcpSocket: { port }, periodSeconds: 1, failureThreshold: 30 },
    },
  };
}

const GRPC_PROBE = {
  port: 'port', service: 'string', initialDelaySeconds: 'count', periodSeconds: 'size', timeoutSeconds: 'size', failureThreshold: 'size',
} as const;

function grpcProbe(g: CloudRunGrpcProbe): any {
  const out: any = { grpc: { port: g.port, ...(g.service !== undefined ? { service: g.service } : {}) } };
  for (const key of ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold'] as const) {
    if (g[key] !== undefined) { out[key] = g[key]; }
  }
  return out;
}
