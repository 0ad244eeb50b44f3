/**
 * Runs a synthesized Azure Container Instances group with podman the way ACI would, as a
 * translation of the `Microsoft.ContainerInstance/containerGroups` resource (ARM template or
 * the YAML for `az container create --file`), never a re-implementation of the library's model:
 * - one podman pod per group: the containers share the group's network namespace only
 *   ("share a lifecycle, resources, local network, and storage volumes":
 *   MicrosoftDocs/azure-docs articles/container-instances/container-instances-container-groups.md);
 * - volumes: emptyDir a directory on the host's disk writable by every container ("a writable
 *   directory accessible to each container": container-instances-volume-emptydir.md), so mode
 *   0777; secret a tmpfs ("All secret volumes are backed by tmpfs": container-instances-volume-secret.md)
 *   holding each key's base64-decoded value as a file. Azure documents neither the owner nor the
 *   mode of those files; the documented example reads them as the image's user (no security
 *   context). Relied on here: root-owned files of mode 0644 in a 0755 tmpfs, readable by every
 *   container that mounts the volume and by none that does not (the assumption the library's
 *   runtime contract makes for ACI: README, "readable and writable by all"). gitRepo and
 *   azureFile volumes are refused (nothing to clone or mount here);
 * - init containers one after another, each run to its exit (a failure stops the group:
 *   container-instances-init-container.md), then the containers with NO order: ACI starts them
 *   together, so the runner starts them in the declared order or reversed (callers run both);
 * - each container: `command` replaces the image's ENTRYPOINT and there are no args
 *   (container-instances-start-command.md), else the image's ENTRYPOINT (IMAGE_ENTRYPOINTS);
 *   environmentVariables with value or secureValue; resources as cgroup limits (limits, else
 *   the request: "If you don't specify a resource limit, the container instance's maximum
 *   resource usage is the same as its resource request", container-instances-container-groups.md;
 *   init containers run within the group's); readiness and liveness probes (exec, httpGet);
 *   securityContext (privileged, allowPrivilegeEscalation, capabilities add/drop (a non-root
 *   container's adds only in its bounding set, as Docker leaves them: podman.ts containerArgs), runAsUser,
 *   runAsGroup, seccompProfile: a base64 JSON profile, Azure/azure-rest-api-specs
 *   SecurityContextDefinition); without runAsUser, the image's USER (src/core/image-facts.ts and
 *   the Dockerfiles it cites; a UID's primary group is taken to be the same number);
 * - only the ports of `ipAddress.ports` reach the group's IP address from elsewhere (public or
 *   VNet-private): a packet filter in the group's namespace admits those and rejects the rest.
 *
 * Where it differs from ACI, documented in the README's pod tier section: images are the
 * stand-in image; an app image's USER is unknown, so a user's container runs as
 * APP_IMAGE_USER (podman.ts, 25000:26000);
 * secure values are stand-in strings; the published-ports filter stands in for Azure's load
 * balancer / VNet address; probes run from the group's network namespace; host names the test
 * gives (`hosts`) stand in for Azure DNS; the Envoy stand-in speaks plain HTTP to TLS clusters
 * and checks only that the ext_authz service answers; a container that fails is not restarted
 * (restartPolicy): the test fails instead.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { APP_IMAGE_USER, IMAGE_ENTRYPOINTS, NeutralProbe, Result, containerArgs, neutralProbe, podman, standInImage, toolExec, uniqueName, waitForProbe } from './podman';
import { imageFacts } from '../../src/core/image-facts';

const RESOURCE_TYPE = 'Microsoft.ContainerInstance/containerGroups';

/** What a secure value (a securestring parameter) holds in the test: a stand-in naming the parameter. */
export const secureValue = (parameter: string) => `stand-in secure value ${parameter}`;

/** A container group resource with its parameters replaced by stand-in values. */
export interface AciGroup { readonly name: string; readonly properties: any }

/**
 * Images the library runs that src/core/image-facts.ts has no row for, with their USER.
 * prometheus/statsd_exporter Dockerfile: FROM quay.io/prometheus/busybox, USER nobody
 * (busybox's passwd: nobody 65534:65534).
 */
const OTHER_IMAGE_USERS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^(docker\.io\/)?prom\/statsd-exporter:/, 65534],
];

function replaceParameters(value: any, param: (s: string) => string | undefined): any {
  if (typeof value === 'string') { return param(value) ?? value; }
  if (Array.isArray(value)) { return value.map(v => replaceParameters(v, param)); }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceParameters(v, param)]));
  }
  return value;
}

/** The container group of an ARM template, `[parameters('x')]` replaced by secureValue('x'). */
export function groupOfArm(template: any): AciGroup {
  const groups = (template.resources ?? []).filter((r: any) => r.type === RESOURCE_TYPE);
  if (groups.length !== 1) { throw new Error(`ARM template: ${groups.length} ${RESOURCE_TYPE} resources, expected one`); }
  const properties = replaceParameters(groups[0].properties, s => {
    const m = /^\[parameters\('([^']+)'\)\]$/.exec(s);
    if (m) { return secureValue(m[1]); }
    if (s.startsWith('[') && !s.startsWith('[[')) { throw new Error(`ARM template: expression ${s} not translated by the pod tier`); }
    return undefined;
  });
  return { name: groups[0].name, properties };
}

/**
 * The container group of the YAML for `az container create --file`: each `${VAR}` placeholder
 * (listed with its ARM parameter in the file's header) replaced by secureValue(parameter).
 */
export function groupOfYaml(text: string): AciGroup {
  const placeholders = new Map<string, string>();
  for (const m of text.matchAll(/^#\s+\$\{([A-Z0-9_]+)\}: (\S+)$/gm)) { placeholders.set(m[1], m[2]); }
  const doc = parseAllDocuments(text)[0].toJS();
  if (doc.type !== RESOURCE_TYPE) { throw new Error(`ACI YAML: type ${doc.type}, expected ${RESOURCE_TYPE}`); }
  const properties = replaceParameters(doc.properties, s => {
    const m = /^\$\{([A-Z0-9_]+)\}$/.exec(s);
    if (!m) { return undefined; }
    const p = placeholders.get(m[1]);
    if (!p) { throw new Error(`ACI YAML: placeholder \${${m[1]}} is not listed in the header`); }
    return secureValue(p);
  });
  return { name: doc.name, properties };
}

/** A volume as ACI makes it. */
export interface VolumePlan {
  readonly name: string;
  readonly kind: 'emptyDir' | 'secret';
  /** secret: file name and content. */
  readonly files: ReadonlyArray<{ readonly name: string; readonly content: string }>;
}

/** A container as the runner starts it. */
export interface ContainerPlan {
  readonly name: string;
  readonly image: string;
  /** A user's container (its image unknown here): runs the app stand-in. */
  readonly app: boolean;
  /** `podman run` options: user, capabilities, security options, resources, environment. */
  readonly options: string[];
  readonly mounts: ReadonlyArray<{ readonly volume: string; readonly path: string; readonly readOnly: boolean }>;
  /** The program and its arguments. */
  readonly argv: string[];
  /** A seccomp profile (JSON) to give with --security-opt seccomp=. */
  readonly seccomp?: string;
  readonly readiness?: NeutralProbe;
  readonly liveness?: NeutralProbe;
}

export interface GroupPlan {
  readonly name: string;
  readonly volumes: VolumePlan[];
  readonly init: ContainerPlan[];
  readonly containers: ContainerPlan[];
  /** Ports reachable on the group's IP address from elsewhere (ipAddress.ports). */
  readonly published: ReadonlyArray<{ readonly port: number; readonly protocol: string }>;
}

/** The image's own user: a row of image-facts, the table above, or the app's stand-in user. */
function defaultUser(image: string, app: boolean): { uid: number; gid: number } {
  if (app) { return APP_IMAGE_USER; }
  const user = imageFacts(image)?.user ?? OTHER_IMAGE_USERS.find(([r]) => r.test(image))?.[1];
  const uid = user === undefined ? 0 : Number(user);
  return { uid, gid: uid };
}

function probe(where: string, p: any): NeutralProbe | undefined {
  return p ? neutralProbe(where, p) : undefined;
}

function planContainer(group: string, c: any, init: boolean): ContainerPlan {
  const where = `group ${group}: container ${c.name}`;
  const p = c.properties ?? {};
  const image = String(p.image);
  const entrypoint = IMAGE_ENTRYPOINTS.find(([r]) => r.test(image))?.[1];
  // The library's containers run images with a row in image-facts (or a known ENTRYPOINT); any
  // other image is the user's, stood in for by the app stand-in.
  const app = imageFacts(image) === undefined && entrypoint === undefined;
  const sc = p.securityContext ?? {};
  const user = defaultUser(image, app);
  const options = ['--user', `${sc.runAsUser ?? user.uid}:${sc.runAsGroup ?? (sc.runAsUser !== undefined ? sc.runAsUser : user.gid)}`];
  if (sc.privileged) { options.push('--privileged'); }
  if (sc.allowPrivilegeEscalation === false) { options.push('--security-opt', 'no-new-privileges'); }
  for (const d of sc.capabilities?.drop ?? []) { options.push('--cap-drop', d); }
  for (const a of sc.capabilities?.add ?? []) { options.push('--cap-add', a); }
  const seccomp = sc.seccompProfile === undefined ? undefined : Buffer.from(String(sc.seccompProfile), 'base64').toString('utf-8');
  if (seccomp !== undefined) { JSON.parse(seccomp); }
  const r = p.resources;
  if (r && !init) {
    const cpu = r.limits?.cpu ?? r.requests?.cpu;
    const memory = r.limits?.memoryInGB ?? r.requests?.memoryInGB;
    if (cpu !== undefined) { options.push('--cpus', String(cpu)); }
    if (memory !== undefined) { options.push('--memory', `${Math.round(Number(memory) * 1024)}m`); }
  }
  for (const e of p.environmentVariables ?? []) {
    const v = e.value ?? e.secureValue;
    if (v === undefined) { throw new Error(`${where}: environment variable ${e.name} has neither value nor secureValue`); }
    options.push('--env', `${e.name}=${v}`);
  }
  const tcp = (p.ports ?? []).filter((x: any) => (x.protocol ?? 'TCP').toUpperCase() === 'TCP').map((x: any) => x.port);
  if (app && tcp.length) { options.push('--env', `STAND_IN_APP_PORTS=${tcp.join(' ')}`); }
  if (app && init) { options.push('--env', 'STAND_IN_ONE_SHOT=1'); }
  let argv: string[];
  if (app) {
    argv = ['/usr/local/bin/app', ...(p.command ?? [])];
  } else if (p.command?.length) {
    argv = [...p.command];
  } else if (entrypoint) {
    argv = [...entrypoint];
  } else {
    throw new Error(`${where}: no command and no known ENTRYPOINT for ${image}`);
  }
  return {
    name: c.name,
    image,
    app,
    options,
    mounts: (p.volumeMounts ?? []).map((m: any) => ({ volume: m.name, path: m.mountPath, readOnly: m.readOnly === true })),
    argv,
    seccomp,
    readiness: probe(`${where}: readinessProbe`, p.readinessProbe),
    liveness: probe(`${where}: livenessProbe`, p.livenessProbe),
  };
}

/** What ACI would run for `group`: volumes, init containers, containers, published ports. */
export function planGroup(group: AciGroup): GroupPlan {
  const props = group.properties;
  if ((props.osType ?? 'Linux') !== 'Linux') { throw new Error(`group ${group.name}: osType ${props.osType}: only Linux groups run here`); }
  const volumes: VolumePlan[] = (props.volumes ?? []).map((v: any) => {
    if (v.emptyDir) { return { name: v.name, kind: 'emptyDir', files: [] }; }
    if (v.secret) {
      return {
        name: v.name,
        kind: 'secret',
        files: Object.entries<string>(v.secret).map(([name, value]) => ({
          name,
          // A secret volume item from a parameter holds the parameter's (base64) value.
          content: value.startsWith(secureValue('')) ? value : Buffer.from(value, 'base64').toString('utf-8'),
        })),
      };
    }
    throw new Error(`group ${group.name}: volume ${v.name}: ${Object.keys(v).filter(k => k !== 'name').join(', ')} volumes are not run by the pod tier (only emptyDir and secret)`);
  });
  return {
    name: group.name,
    volumes,
    init: (props.initContainers ?? []).map((c: any) => planContainer(group.name, c, true)),
    containers: (props.containers ?? []).map((c: any) => planContainer(group.name, c, false)),
    published: (props.ipAddress?.ports ?? []).map((p: any) => ({ port: Number(p.port), protocol: String(p.protocol ?? 'TCP').toLowerCase() })),
  };
}

export interface RunningGroup {
  readonly name: string;
  /** Containers in the order they were started. */
  readonly started: string[];
  /** Init containers that ran to completion, with their output. */
  readonly completed: Array<{ readonly name: string; readonly output: string }>;
  /** Runs a command in a running container as that container's user (or as `user`). */
  exec(container: string, command: string[], user?: string): Result;
  /** The host path of a volume. */
  volumePath(volume: string): string;
  logs(container: string): string;
  /** The group's IPv4 address on podman's network. */
  ip(): string;
  /** Stops every container and removes the pod and its volumes. */
  remove(): void;
}

/** The rules that admit from outside only the group's published ports (iptables-restore input). */
function publishedPortsFilter(published: GroupPlan['published']): string {
  return [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    '-A INPUT -i lo -j ACCEPT',
    '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    ...published.map(p => `-A INPUT -p ${p.protocol} -m ${p.protocol} --dport ${p.port} -j ACCEPT`),
    '-A INPUT -p tcp -j REJECT --reject-with tcp-reset',
    '-A INPUT -p udp -j REJECT',
    'COMMIT',
    '',
  ].join('\n');
}

/**
 * Starts `group` as ACI would. `order`: the order the containers are started in (ACI has none).
 * `hosts`: names resolved in the group (Azure DNS stands in).
 */
export function runAciGroup(group: AciGroup, options: {
  readonly order?: 'declared' | 'reversed';
  readonly hosts?: { readonly [name: string]: string };
} = {}): RunningGroup {
  const plan = planGroup(group);
  const name = uniqueName(`aci-${group.name}-${options.order ?? 'declared'}`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `cdk-sidecars-aci-${name}-`));
  const mounts: string[] = [];
  const volumes = new Map<string, string>();
  const started: string[] = [];
  const completed: Array<{ name: string; output: string }> = [];

  const remove = () => {
    podman(['pod', 'rm', '-f', '-t', '0', name], { check: false });
    for (const m of mounts.reverse()) { spawnSync('umount', [m]); }
    fs.rmSync(root, { recursive: true, force: true });
  };

  podman(['pod', 'rm', '-f', '-t', '0', name], { check: false });
  try {
    podman(['pod', 'create', '--name', name, '--share', 'net', '--infra-image', standInImage(), '--infra-command', '/pause',
      ...Object.entries(options.hosts ?? {}).flatMap(([h, ip]) => ['--add-host', `${h}:${ip}`])]);
    podman(['pod', 'start', name]);
    const infra = podman(['pod', 'inspect', '--format', '{{.InfraContainerID}}', name]).stdout.trim();
    const pid = podman(['inspect', '--format', '{{.State.Pid}}', infra]).stdout.trim();
    const filter = spawnSync('nsenter', ['-t', pid, '-n', 'iptables-restore'], { input: publishedPortsFilter(plan.published), encoding: 'utf-8' });
    if (filter.status !== 0) { throw new Error(`group ${name}: the published-ports filter: ${filter.stderr}`); }

    for (const v of plan.volumes) {
      const dir = path.join(root, 'volumes', v.name);
      fs.mkdirSync(dir, { recursive: true });
      volumes.set(v.name, dir);
      if (v.kind === 'emptyDir') {
        fs.chmodSync(dir, 0o777);
      } else {
        const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', dir], { encoding: 'utf-8' });
        if (mounted.status !== 0) { throw new Error(`group ${name}: volume ${v.name}: mount tmpfs: ${mounted.stderr}`); }
        mounts.push(dir);
        for (const f of v.files) {
          fs.writeFileSync(path.join(dir, f.name), f.content);
          fs.chmodSync(path.join(dir, f.name), 0o644);
        }
      }
    }

    const run = (c: ContainerPlan, detached: boolean): Result => {
      const args = ['run', '--pod', name, '--name', `${name}-${c.name}`, ...c.options];
      if (c.seccomp !== undefined) {
        const file = path.join(root, `seccomp-${c.name}.json`);
        fs.writeFileSync(file, c.seccomp);
        args.push('--security-opt', `seccomp=${file}`);
      }
      for (const m of c.mounts) {
        const host = volumes.get(m.volume);
        if (!host) { throw new Error(`group ${name}: container ${c.name} mounts ${m.volume}, which is not a group volume`); }
        args.push('--volume', `${host}:${m.path}:${m.readOnly ? 'ro' : 'rw'}`);
      }
      if (detached) { args.push('--detach'); }
      started.push(c.name);
      return podman(containerArgs(args, c.image, c.argv), { check: false });
    };

    for (const c of plan.init) {
      const r = run(c, false);
      const output = `${r.stdout}${r.stderr}`;
      if (r.code !== 0) { throw new Error(`group ${name}: init container ${c.name} exited ${r.code}:\n${output}`); }
      completed.push({ name: c.name, output });
    }
    const containers = options.order === 'reversed' ? [...plan.containers].reverse() : plan.containers;
    for (const c of containers) {
      const r = run(c, true);
      if (r.code !== 0) { throw new Error(`group ${name}: container ${c.name} did not start: ${r.stderr}`); }
    }
    for (const c of plan.containers) {
      if (c.readiness) { waitForProbe(`${name}-${c.name}`, c.readiness, 'readiness'); }
      if (c.liveness) { waitForProbe(`${name}-${c.name}`, c.liveness, 'liveness'); }
    }
  } catch (e) {
    remove();
    throw e;
  }

  return {
    name,
    started,
    completed,
    exec: (container, command, user) => toolExec(`${name}-${container}`, command, user),
    volumePath: v => volumes.get(v)!,
    logs: container => { const r = podman(['logs', `${name}-${container}`], { check: false }); return r.stdout + r.stderr; },
    ip: () => {
      const infra = podman(['pod', 'inspect', '--format', '{{.InfraContainerID}}', name]).stdout.trim();
      return podman(['inspect', '--format', '{{.NetworkSettings.IPAddress}}', infra]).stdout.trim();
    },
    remove,
  };
}
