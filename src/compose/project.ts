/**
 * Docker Compose: one pod (app services and their sidecars) as one Compose project, written as
 * a Compose Specification file (compose-spec/compose-go schema/compose-spec.json, v2.13.0).
 * Knows Compose, nothing about any particular sidecar; loads neither cdk8s nor aws-cdk-lib.
 *
 * The pod's shared namespaces are a pause service that every other service joins
 * (`network_mode: "service:<pause>"`, and `pid: "service:<pause>"` when the pod shares its
 * process namespace), so that the containers reach each other on localhost exactly as in a
 * Kubernetes pod; the ports are published on the pause service (a service with
 * `network_mode: service:...` cannot publish ports of its own: Docker refuses port bindings
 * in a joined network namespace with "conflicting options: port publishing and the container
 * type network mode", testcontainers/testcontainers-java#3160; podman likewise, #845).
 */
import { Construct } from 'constructs';
import { ComposeAppServiceProps, ComposeProjectProps } from './props';
import {
  COMPOSE_PLATFORM, PAUSE_SERVICE, WAIT_IMAGE, composeRuntime, dependsOnEntry, escapeDoc, renderSidecarService, secretReference, secretVariable,
  serviceDependencies, waitService, waitServiceName,
} from './render';
import { AppContainerModel, composePod } from '../core/composition';
import { EnvVarSpec, Protocol, StartupRole } from '../core/container';
import { checkRuntimeContract } from '../core/contract';
import { ISidecar, WorkloadIdentity } from '../core/contribution';
import {
  appEnvModel, attachSidecars, diagnosticLines, documentName, forwardPodWarnings, refuseFileGroup, refuseKubernetesServices, refusePodAnnotations,
  requestedAppEnv, startDiagnostics, unsupportedVolume, warnMissingPodServices, warnUnrenderedFileModes,
} from '../core/document-binders';
import { Errors } from '../core/errors';
import { DNS_LABEL, ENV_NAME, isImageReference, parseUser, pathProblem, RESERVED_PREFIX } from '../core/names';
import { checkPropTypes } from '../core/prop-types';
import { redirectCommand, redirectRules, REDIRECT_CONTAINER, RULES_FILE, RULES_FILE_V6 } from '../core/redirect-rules';
import { refuseTokens } from '../core/token-check';
import { VolumeKind } from '../core/volume';
import { toYamlText } from '../core/yaml-writer';

export * from './props';

/**
 * The pause image that holds the pod's namespaces: Kubernetes' own pod sandbox image
 * (kubernetes/kubernetes build/pause: a static binary that sleeps until SIGTERM/SIGINT and
 * reaps zombies; about 300 kB, non-root 65535). 3.10 is what kubeadm 1.31+ pulls
 * (kubernetes/kubernetes cmd/kubeadm/app/constants PauseVersion).
 */
export const DEFAULT_PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';

/** A Compose project name: lowercase letters, digits, '_' and '-', starting with a letter or digit (compose-spec 04-version-and-name.md). */
const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;
/** A service name as the schema takes it in depends_on/network_mode and Docker in container names. */
const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * One pod as a Docker Compose project, for local development: the app services plus the
 * sidecars added with `add()`, written by `ComposeApp.synth()` as `<name>.compose.yaml`.
 *
 * What Compose cannot express is an error with the fix, or a warning printed to stderr and
 * written into the file's header.
 */
export class ComposeProject extends Construct {
  /** Project name (the `name` of the file). */
  public readonly name: string;
  /** Warnings of the last synthesis: what the user set that Compose cannot honour. */
  public readonly warnings: string[] = [];
  /** Notes of the last synthesis: where Compose differs from the other platforms and nothing is to be done. */
  public readonly notes: string[] = [];
  private readonly props: ComposeProjectProps;
  private readonly attached: ISidecar[] = [];
  private secretFiles: { [relativePath: string]: string } = {};

  constructor(scope: Construct, id: string, props: ComposeProjectProps) {
    super(scope, id);
    const path = this.node.path;
    checkPropTypes(path, props, {
      name: 'string',
      services: { each: { name: 'string', image: 'string', command: 'stringArray', entrypoint: 'stringArray', environment: 'stringMap', secretEnvironment: 'objectMap', ports: { each: { port: 'port', hostPort: 'port' }, required: ['port'] }, user: 'string', volumes: { each: { volume: 'string', path: 'string', readOnly: 'boolean' }, required: ['volume', 'path'] } }, required: ['name', 'image'] },
      volumes: 'stringArray',
      secretFiles: 'objectMap',
      pauseImage: 'string',
    }, ['services']);
    this.props = props;
    this.name = documentName(path, props.name, id, PROJECT_NAME, 'a Compose project name: lowercase letters, digits, \'_\' and \'-\', starting with a letter or digit');
    const names = new Set<string>();
    props.services.forEach((s, i) => {
      if (!SERVICE_NAME.test(s.name) || s.name.startsWith(RESERVED_PREFIX)) {
        throw Errors.invalidName(path, `services[${i}].name`, s.name, `a service name (letters, digits, '_', '.', '-', not starting with "${RESERVED_PREFIX}")`);
      }
      if (names.has(s.name)) { throw Errors.alreadySet(path, `services[${i}].name`, s.name, 'by an earlier service; give each service its own name'); }
      names.add(s.name);
      if (!isImageReference(s.image)) { throw Errors.invalidName(path, `services[${i}].image`, s.image, 'an image reference such as "nginx:1.27"'); }
      if (s.user !== undefined && !/^\d+(:\d+)?$/.test(s.user)) {
        throw Errors.invalidName(path, `services[${i}].user`, s.user, 'a numeric "uid" or "uid:gid", as the runtime contract check needs numbers');
      }
      for (const k of [...Object.keys(s.environment ?? {}), ...Object.keys(s.secretEnvironment ?? {})]) {
        if (!ENV_NAME.test(k)) { throw Errors.invalidName(path, `services[${i}].environment`, k, 'an environment variable name'); }
      }
      (s.volumes ?? []).forEach((m, j) => {
        if (!(props.volumes ?? []).includes(m.volume)) {
          throw Errors.unknownReference(path, `services[${i}].volumes[${j}].volume`, m.volume, 'volume', 'volumes', [...(props.volumes ?? [])]);
        }
        const problem = pathProblem(m.path);
        if (problem) { throw Errors.invalidName(path, `services[${i}].volumes[${j}].path`, m.path, `an absolute path (${problem})`); }
      });
    });
    (props.volumes ?? []).forEach((v, i) => {
      if (!DNS_LABEL.test(v)) { throw Errors.invalidName(path, `volumes[${i}]`, v, 'a volume name (a DNS label)'); }
    });
    if (props.pauseImage !== undefined && !isImageReference(props.pauseImage)) {
      throw Errors.invalidName(path, 'pauseImage', props.pauseImage, 'an image reference such as "registry.k8s.io/pause:3.10"');
    }
  }

  /** The sidecars added. */
  public get sidecars(): ISidecar[] {
    return [...this.attached];
  }

  /** Adds sidecars to the pod (one already added is skipped). */
  public add(...sidecars: ISidecar[]): ComposeProject {
    attachSidecars(this.node.path, this.attached, sidecars);
    return this;
  }

  /**
   * The Compose file as a plain object (the compose-spec shape). Strings are escaped for
   * Compose's interpolation (`$` written `$$`), except the library's own `${VAR}` references
   * to the secrets it takes from the environment.
   */
  public toCompose(): any {
    const props = this.props;
    const path = this.node.path;
    const { warn, note } = startDiagnostics(this.warnings, this.notes);
    this.secretFiles = {};
    const app = {
      containers: props.services.map((s): AppContainerModel => ({
        name: s.name,
        ports: (s.ports ?? []).map(p => ({ port: p.port, protocol: p.protocol ?? Protocol.TCP })),
        env: appEnvModel(s.environment, s.secretEnvironment),
        mountPaths: (s.volumes ?? []).map(m => m.path),
        ...userOf(s),
      })),
      initContainers: [],
      volumes: [...(props.volumes ?? [])],
    };
    const pod = composePod(path, app, this.attached, WorkloadIdentity.NONE);
    refuseTokens(pod, COMPOSE_PLATFORM, 'the Compose file is written at synthesis, so the value would be the token\'s placeholder text');
    checkRuntimeContract(pod, composeRuntime(props.services.map(s => ({ name: s.name, ...userOf(s) }))));
    refuseKubernetesServices(pod, COMPOSE_PLATFORM, 'a Compose project has no Kubernetes Services (the pod\'s ports are published on the host)',
      'Use this sidecar in a mode that needs no Kubernetes Service with Compose');
    refusePodAnnotations(pod, COMPOSE_PLATFORM, 'Compose services have no pod annotations', 'Use this sidecar in a mode that needs no Kubernetes annotation with Compose');
    refuseFileGroup(pod, COMPOSE_PLATFORM, 'Compose has no pod-wide file group (no fsGroup)', 'Write shared files with a world-readable mode');
    forwardPodWarnings(pod, warn);
    warnMissingPodServices(pod, warn, 'Compose', 'which Compose cannot give; give the sidecar credentials through its environment for local runs');

    const services: { [name: string]: any } = {};
    const volumes: { [name: string]: any } = {};
    const configs: { [name: string]: any } = {};
    const secrets: { [name: string]: any } = {};
    const pidShared = pod.shareProcessNamespace;
    const join = { network_mode: `service:${PAUSE_SERVICE}`, ...(pidShared ? { pid: `service:${PAUSE_SERVICE}` } : {}) };

    // The pod's volumes. SCRATCH and MEMORY volumes are named volumes of the local driver on a
    // tmpfs (docker-volume-create(1): --driver local --opt type=tmpfs --opt device=tmpfs
    // --opt o=size=100m,uid=1000; podman-volume-create(1) takes the same options), mode
    // 1777 like a Kubernetes emptyDir (world-writable), empty when the project starts and shared
    // by every service that mounts it. A plain named volume would be a root-owned 0755
    // directory that a non-root sidecar cannot write.
    const mountsOf = new Map<string, (target: string, readOnly: boolean) => { volumes?: any[]; configs?: any[]; secrets?: any[] }>();
    for (const v of props.volumes ?? []) {
      volumes[v] = {};
      mountsOf.set(v, (target, readOnly) => ({ volumes: [{ type: 'volume', source: v, target, read_only: readOnly }] }));
    }
    for (const { volume, owners } of pod.volumes) {
      const owner = owners[0].path;
      switch (volume.kind) {
        case VolumeKind.SCRATCH:
        case VolumeKind.MEMORY: {
          const size = volume.sizeLimitMebibytes !== undefined ? `,size=${volume.sizeLimitMebibytes}m` : '';
          volumes[volume.name] = { driver: 'local', driver_opts: { type: 'tmpfs', device: 'tmpfs', o: `mode=1777${size}` } };
          if (volume.sizeLimitMebibytes !== undefined) {
            // Docker passes o= to mount(2); podman before 4.8 refuses size= on a volume outside XFS
            // project quota, tmpfs included (containers/podman#20449, fixed by #20451).
            note(owner, `volume ${JSON.stringify(volume.name)} has size=${volume.sizeLimitMebibytes}m, which podman before 4.8 refuses (containers/podman#20449); Docker and podman 4.8+ take it`);
          }
          if (volume.kind === VolumeKind.SCRATCH) {
            note(owner, `volume ${JSON.stringify(volume.name)} (SCRATCH) is a tmpfs volume, in memory: Compose's plain named volumes are root-owned 0755 directories that non-root sidecars cannot write`);
          }
          mountsOf.set(volume.name, (target, readOnly) => ({ volumes: [{ type: 'volume', source: volume.name, target, read_only: readOnly }] }));
          break;
        }
        case VolumeKind.CONFIG_FILES: {
          warnUnrenderedFileModes(volume, owner, warn, 'Compose mounts configs and secrets outside Swarm '
            + 'as files with the default mode 0444, so do not rely on the mode to keep the file from other services of the project');
          if (volume.sensitive) {
            // Compose secrets have no inline content (compose-spec 09-secrets.md: file, environment
            // or external): the generated content goes to a file beside the Compose file.
            for (const f of volume.files) {
              const file = `./${this.name}.secrets/${volume.name}-${f.name}`;
              this.secretFiles[file] = f.content;
              secrets[`${volume.name}-${f.name}`] = { file };
            }
            mountsOf.set(volume.name, target => ({ secrets: volume.files.map(f => ({ source: `${volume.name}-${f.name}`, target: `${target}/${f.name}` })) }));
          } else {
            // Compose configs may carry their content inline (docs.docker.com/reference/compose-file/configs:
            // `content`, Docker Compose 2.23.1+; compose-spec/compose-go#484), mounted with mode 0444.
            for (const f of volume.files) { configs[`${volume.name}-${f.name}`] = { content: f.content }; }
            mountsOf.set(volume.name, target => ({ configs: volume.files.map(f => ({ source: `${volume.name}-${f.name}`, target: `${target}/${f.name}` })) }));
          }
          break;
        }
        case VolumeKind.SECRET: {
          const keys = props.secretFiles?.[volume.secretName!];
          if (!keys || Object.keys(keys).length === 0) {
            throw Errors.missingSecretSource(owner, `volumes (${volume.name})`, volume.secretName!, path,
              `secretFiles: { '${volume.secretName}': { 'tls.crt': './certs/tls.crt' } }`);
          }
          for (const [key, file] of Object.entries(keys)) { secrets[`${volume.name}-${key}`] = { file }; }
          mountsOf.set(volume.name, target => ({ secrets: Object.keys(keys).map(k => ({ source: `${volume.name}-${k}`, target: `${target}/${k}` })) }));
          break;
        }
        default: {
          throw unsupportedVolume(owners[0], volume, COMPOSE_PLATFORM,
            `Compose projects made by this library have no ${volume.kind} volumes (Kubernetes only)`,
            'Declare a named volume in the project\'s volumes and mount it into the sidecar with overrides.appVolumeMounts');
        }
      }
    }
    const mount = (mounts: ReadonlyArray<{ volume: string; path: string; readOnly: boolean }>) => {
      const out: { volumes?: any[]; configs?: any[]; secrets?: any[] } = {};
      for (const m of mounts) {
        const r = mountsOf.get(m.volume)!(m.path, m.readOnly);
        for (const k of ['volumes', 'configs', 'secrets'] as const) {
          if (r[k]) { out[k] = [...(out[k] ?? []), ...r[k]!]; }
        }
      }
      return out;
    };

    // The pause service: owns the namespaces and publishes the ports.
    const published: string[] = [];
    for (const s of props.services) {
      for (const p of s.ports ?? []) { published.push(`${p.hostPort ?? p.port}:${p.port}${p.protocol === Protocol.UDP ? '/udp' : ''}`); }
    }
    for (const c of pod.containers.filter(x => x.role === StartupRole.SIDECAR)) {
      for (const p of c.ports.filter(x => x.exposure === 'PUBLIC')) { published.push(`${p.port}:${p.port}${p.protocol === Protocol.UDP ? '/udp' : ''}`); }
    }
    // The pause service holds every tmpfs volume mounted for the life of the pod: the local driver
    // mounts a volume with options when a container first uses it and unmounts it (the tmpfs and its
    // data gone) when the last one stops (moby/moby#20501: "once the tmpfs is unmounted the data is
    // gone"; podman the same), so what an init step writes would be lost before the next service
    // starts. Proved in test/pods/compose.test.ts.
    const held = pod.volumes.filter(v => v.volume.kind === VolumeKind.SCRATCH || v.volume.kind === VolumeKind.MEMORY)
      .map(v => ({ type: 'volume', source: v.volume.name, target: `/.cdk-sidecars/volumes/${v.volume.name}`, read_only: true }));
    services[PAUSE_SERVICE] = {
      image: props.pauseImage ?? DEFAULT_PAUSE_IMAGE,
      read_only: true,
      cap_drop: ['ALL'],
      security_opt: ['no-new-privileges:true'],
      ...(published.length ? { ports: published } : {}),
      ...(held.length ? { volumes: held } : {}),
    };

    // Traffic interception: the redirect init runs as root with NET_ADMIN and NET_RAW in the
    // pod's network namespace, as the Kubernetes init container does (same rules and script).
    let redirect: string | undefined;
    if (pod.trafficInterception) {
      const i = pod.trafficInterception;
      const rules = redirectCommand(i);
      if (i.spec.nativeNftables) {
        throw Errors.unsupportedOnPlatform(i.owner.path, 'pod.trafficInterception.nativeNftables', true, COMPOSE_PLATFORM,
          'the Compose binder renders the iptables-restore rules only', 'Leave nativeNftables out with Compose');
      }
      configs[`${REDIRECT_CONTAINER}-${RULES_FILE}`] = { content: redirectRules(i, 4) };
      configs[`${REDIRECT_CONTAINER}-${RULES_FILE_V6}`] = { content: redirectRules(i, 6) };
      redirect = REDIRECT_CONTAINER;
      services[redirect] = {
        image: rules.image,
        entrypoint: rules.command,
        user: '0:0',
        ...join,
        read_only: true,
        cap_drop: ['ALL'],
        cap_add: ['NET_ADMIN', 'NET_RAW'],
        security_opt: ['no-new-privileges:true'],
        tmpfs: ['/run'],
        configs: [RULES_FILE, RULES_FILE_V6].map(f => ({ source: `${REDIRECT_CONTAINER}-${f}`, target: `${rules.rulesDir}/${f}` })),
        restart: 'no',
        depends_on: { [PAUSE_SERVICE]: { condition: 'service_started' } },
      };
    }

    const needsHealth = new Set<string>();
    for (const c of pod.containers) {
      if (c.role === StartupRole.SIDECAR && c.appWaitsFor === 'HEALTHY') { needsHealth.add(c.name); }
      for (const d of c.dependsOn) { if (d.condition === 'HEALTHY') { needsHealth.add(d.container); } }
    }
    const byName = new Map(pod.containers.map(c => [c.name, c]));
    for (const c of pod.containers) {
      const deps = serviceDependencies(c, pod.containers, byName);
      if (redirect && c.name === pod.trafficInterception!.spec.proxyContainer) {
        deps[redirect] = { condition: 'service_completed_successfully' };
      }
      services[c.name] = {
        ...renderSidecarService(c, needsHealth.has(c.name), { warn, note }),
        ...join,
        ...mount([...c.volumeMounts, ...c.appVolumeMounts]),
        depends_on: { [PAUSE_SERVICE]: { condition: 'service_started' }, ...deps },
      };
    }

    // Wait services for what the waiting services cannot see through a health check.
    const waits = new Map<string, string>();
    for (const c of pod.containers) {
      if (!needsHealth.has(c.name) || services[c.name].healthcheck) { continue; }
      const wait = waitService(c);
      if (!wait) { continue; }
      const name = waitServiceName(c.name);
      services[name] = { ...wait, ...join, depends_on: { [PAUSE_SERVICE]: { condition: 'service_started' }, [c.name]: { condition: 'service_started' } } };
      waits.set(c.name, name);
      note(c.owner.path, `${JSON.stringify(c.name)} is waited for until healthy, but its image ${c.image} has no client for its probe: `
        + `the one-shot service ${name} (${WAIT_IMAGE}) polls the probe in the pod's network namespace, and the waiting services wait for it to complete`);
    }

    // App services: after every init step, and after each sidecar as the sidecar asks.
    for (const s of props.services) {
      const env: { [k: string]: string } = {};
      for (const [k, v] of Object.entries(s.environment ?? {})) { env[k] = v; }
      for (const [k, ref] of Object.entries(s.secretEnvironment ?? {})) { env[k] = secretReference(secretVariable(ref.secretName, ref.key)); }
      for (const r of requestedAppEnv(pod, s.name)) { env[r.env.name] = renderEnvValue(r.path, 'appRequests.env', r.env); }
      const depends: { [k: string]: any } = { [PAUSE_SERVICE]: { condition: 'service_started' } };
      if (redirect) { depends[redirect] = { condition: 'service_completed_successfully' }; }
      for (const c of pod.containers) { depends[c.name] = dependsOnEntry(c.role === StartupRole.INIT_STEP ? 'COMPLETED' : c.appWaitsFor); }
      const m = mount([
        ...(s.volumes ?? []).map(v => ({ volume: v.volume, path: v.path, readOnly: v.readOnly ?? false })),
        ...(pod.appMounts.get(s.name) ?? []),
      ]);
      services[s.name] = {
        image: s.image,
        ...(s.entrypoint ? { entrypoint: [...s.entrypoint] } : {}),
        ...(s.command ? { command: [...s.command] } : {}),
        ...(s.user !== undefined ? { user: s.user } : {}),
        ...(Object.keys(env).length ? { environment: env } : {}),
        ...join,
        ...m,
        depends_on: depends,
      };
    }
    // service_healthy on a container with a wait service: started, and the wait completed.
    for (const svc of Object.values<any>(services)) {
      for (const [target, wait] of waits) {
        if (svc.depends_on?.[target]?.condition === 'service_healthy') {
          svc.depends_on[target] = { condition: 'service_started' };
          svc.depends_on[wait] = { condition: 'service_completed_successfully' };
        }
      }
    }
    const doc: any = { name: this.name, services };
    if (Object.keys(volumes).length) { doc.volumes = volumes; }
    if (Object.keys(configs).length) { doc.configs = Object.fromEntries(Object.entries(configs).map(([k, v]) => [k, { content: v.content }])); }
    if (Object.keys(secrets).length) { doc.secrets = secrets; }
    return escapeDoc(doc);
  }

  /** The variables the file takes from the environment (secrets), with what each holds. */
  public environmentVariables(): { [name: string]: string } {
    const out: { [name: string]: string } = {};
    const doc = this.toCompose();
    for (const s of Object.values<any>(doc.services)) {
      for (const v of Object.values<string>(s.environment ?? {})) {
        for (const m of v.matchAll(/(?<!\$)\$\{([A-Z0-9_]+):\?/g)) { out[m[1]] = 'a secret value'; }
      }
    }
    return out;
  }

  /**
   * The sensitive generated files (Compose secrets have no inline content, compose-spec
   * 09-secrets.md: `file`, `environment` or `external`), by path relative to the Compose file:
   * `ComposeApp.synth()` writes them beside it, under `<name>.secrets/`.
   */
  public generatedSecretFiles(): { [relativePath: string]: string } {
    this.toCompose();
    return { ...this.secretFiles };
  }

  /** The file's text, with a header naming the deploy command, variables, warnings and notes. */
  public toYaml(): string {
    const doc = this.toCompose();
    const vars = this.environmentVariables();
    const header = [
      `Docker Compose project ${this.name}, generated by cdk-sidecars from ${this.node.path}.`,
      `Run: docker compose -f ${this.name}.compose.yaml up (or podman-compose)`,
      ...(Object.keys(vars).length ? ['Set these variables first (secret values):', ...Object.entries(vars).map(([k, v]) => `  ${k}: ${v}`)] : []),
      ...diagnosticLines(this.warnings, this.notes),
    ];
    return toYamlText(doc, header);
  }
}

function userOf(s: ComposeAppServiceProps): { uid?: number; gid?: number } {
  if (s.user === undefined) { return {}; }
  const { uid, gid } = parseUser(s.user);
  return { ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}) };
}

function renderEnvValue(path: string, field: string, e: EnvVarSpec): string {
  if (e.value !== undefined) { return e.value; }
  if (e.secret) { return secretReference(secretVariable(e.secret.secretName, e.secret.key)); }
  throw Errors.unsupportedOnPlatform(path, field, e.podField, COMPOSE_PLATFORM, `Compose has no downward API for pod fields (variable ${e.name})`,
    'Pass the value as a literal');
}
