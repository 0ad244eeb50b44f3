/**
 * Runs a synthesized ECS Fargate task definition (AWS::ECS::TaskDefinition in a CloudFormation
 * template) with podman the way the ECS agent on Fargate would, as a translation of the task
 * definition (never a re-implementation of the library's own model):
 * - one podman pod per task: the task's awsvpc network namespace, shared by every container;
 * - volumes: Fargate bind mounts (task storage), each a directory created empty, owner root,
 *   mode 0755 (ECS developer guide, bind-mounts.html, "Considerations": "by default, the volume
 *   permissions are set to 0755 and the owner as root"; aws/containers-roadmap#938 and #863:
 *   no way to set the owner or mode, and a non-root container cannot write there). Content of
 *   the image at the container path is copied only for a Dockerfile VOLUME at that path (same
 *   page): the stand-in image declares none, so nothing is copied;
 * - each container with its User ("uid" or "uid:gid"; a name is refused: the stand-in image
 *   lists no users), ReadonlyRootFilesystem (without podman's extra tmpfs mounts), Docker's
 *   default capability set with LinuxParameters.Capabilities drop then add (ECS API
 *   KernelCapabilities: "the default is to first drop ... then add"; Fargate accepts only
 *   SYS_PTRACE as an add; a non-root container's adds stay in its bounding set only, as Docker
 *   sets no ambient capabilities: it starts as root and drops to its User through the stand-in's
 *   `drop-to`, podman.ts containerArgs), InitProcessEnabled as podman's --init, Environment, Secrets (their
 *   values are stand-ins naming the ARN: no Secrets Manager here), MountPoints, PortMappings
 *   (the app stand-in listens on them), EntryPoint/Command (the image's ENTRYPOINT with the
 *   Command when EntryPoint is absent: IMAGE_ENTRYPOINTS in podman.ts);
 * - DependsOn as the ECS agent orders it (ECS API ContainerDependency): a container starts once
 *   each dependency has reached its condition: START (started), COMPLETE (exited), SUCCESS
 *   (exited 0; a non-zero exit means the dependent can never start, and the task stops),
 *   HEALTHY (its HealthCheck passed); containers whose dependencies are met start together;
 * - HealthCheck: CMD runs the command in the container, CMD-SHELL runs it with `sh -c` (ECS API
 *   HealthCheck), as the container's user; StartPeriod failures are not counted; Retries
 *   consecutive failures after it make the container UNHEALTHY, which stops the task when a
 *   dependency waits for HEALTHY;
 * - Essential: an essential container that exits stops the task (`essentialExited()`);
 * - stop: containers stopped in reverse dependency order (a container is stopped once every
 *   container that depends on it has stopped; ECS developer guide, task definition
 *   parameters, "Container dependency"), each with SIGTERM and its StopTimeout (Fargate's
 *   default 30 s) before SIGKILL;
 * - ProxyConfiguration (APPMESH): the iptables rules of the aws-appmesh CNI plugin
 *   (aws/amazon-vpc-cni-plugins plugins/aws-appmesh/plugin/commands.go, setupIngressRules and
 *   setupEgressRules; config/netconfig.go separates EgressIgnoredIPs into IPv4 and IPv6),
 *   applied in the task's network namespace before any container starts, for IPv4 and IPv6;
 * - FireLens: the config ECS generates for the router (forward inputs on /var/run/fluent.sock
 *   and 24224, a health-check tcp input, @INCLUDE of config-file-value) written at
 *   /fluent-bit/etc/fluent-bit.conf as the agent mounts it.
 *
 * Where it differs from Fargate (each in one line of the README's pod tier section): images are
 * the stand-ins of podman.ts imageArgs (a library image holds what its facts row lists); an app image's USER is unknown, so a user's container without User runs
 * as APP_IMAGE_USER (podman.ts); Secrets are stand-in values; the awsfirelens and awslogs log drivers are Docker
 * log drivers podman cannot emulate (the app's stdout does not reach the router; what the router
 * reads from files is checked); health checks run every second instead of every Interval (the
 * pass/fail rules are the same) and stop once the container is healthy (ECS keeps checking);
 * RestartPolicy is not exercised (no container is restarted);
 * the IPv6 test runs on a dual-stack podman network (dualStackNetwork) standing in for a
 * dual-stack subnet; ECS's own agent containers and metadata endpoints (169.254.170.2) do not exist.
 */
/* eslint-disable no-bitwise */ // file modes are bit sets
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { APP_IMAGE_USER, IMAGE_ENTRYPOINTS, Result, containerAddress, containerArgs, execArgs, podman, standInImage, toolExec, uniqueName } from './podman';

/** Docker's default capability set (moby oci/caps/defaults.go DefaultCapabilities), the base ECS adds to and drops from. */
export const DOCKER_DEFAULT_CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP',
  'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
];

/**
 * The capabilities of a container: Docker's default set, less Drop (ALL: every one), plus Add
 * (ECS API KernelCapabilities: "the default is to first drop ... then add").
 */
export function capabilitiesOf(c: any): string[] {
  const caps = c.LinuxParameters?.Capabilities ?? {};
  const drop: string[] = caps.Drop ?? [];
  const add: string[] = caps.Add ?? [];
  const base = add.includes('ALL') ? DOCKER_DEFAULT_CAPABILITIES : [...DOCKER_DEFAULT_CAPABILITIES, ...add];
  return [...new Set(drop.includes('ALL') ? add.filter(x => x !== 'ALL') : base.filter(x => !drop.includes(x)))];
}

/**
 * The `--user` of a container: User as "uid" (group 0, as Docker gives a UID the image's
 * /etc/passwd does not list) or "uid:gid"; a user or group name is refused (the stand-in image
 * lists no users). Without User, the library's images run as root and a user's image as
 * APP_IMAGE_USER (its USER is unknown here).
 */
export function userOf(c: any, usersImage: boolean, where: string): string {
  const user = c.User === undefined ? (usersImage ? `${APP_IMAGE_USER.uid}:${APP_IMAGE_USER.gid}` : '0:0') : String(c.User);
  if (!/^[0-9]+(:[0-9]+)?$/.test(user)) { throw new Error(`${where}: User ${user}: only "uid" or "uid:gid" is translated (the stand-in image lists no users)`); }
  return user.includes(':') ? user : `${user}:0`;
}

/** Values the tier gives to references a template makes to other resources and pseudo parameters. */
const PSEUDO: { [name: string]: string } = {
  'AWS::Region': 'eu-west-1',
  'AWS::AccountId': '123456789012',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'stand-in-stack',
};

/**
 * Resolves the intrinsics a task definition uses: Fn::Join of resolved parts, Ref of a pseudo
 * parameter or of a resource (a stand-in naming it), Fn::GetAtt of a resource attribute (a
 * stand-in naming both). Anything else is refused, naming where it was found.
 */
export function resolve(template: any, value: any, where: string): any {
  if (Array.isArray(value)) { return value.map((v, i) => resolve(template, v, `${where}[${i}]`)); }
  if (value === null || typeof value !== 'object') { return value; }
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    const [fn, arg] = [keys[0], value[keys[0]]];
    if (fn === 'Ref') {
      if (PSEUDO[arg]) { return PSEUDO[arg]; }
      if (template.Resources?.[arg]) { return `stand-in-${arg}`; }
      if (template.Parameters?.[arg]) { return `stand-in-parameter-${arg}`; }
      throw new Error(`${where}: Ref ${arg} is neither a pseudo parameter, a resource nor a parameter of the template`);
    }
    if (fn === 'Fn::GetAtt') {
      const [res, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
      if (!template.Resources?.[res]) { throw new Error(`${where}: Fn::GetAtt of ${res}, which is not a resource of the template`); }
      return `stand-in-${res}.${attr}`;
    }
    if (fn === 'Fn::Join') {
      const [sep, parts] = arg;
      return resolve(template, parts, `${where}/Fn::Join`).map((p: any) => {
        if (typeof p !== 'string' && typeof p !== 'number') { throw new Error(`${where}: Fn::Join of a part that is not a string`); }
        return String(p);
      }).join(sep);
    }
    throw new Error(`${where}: the intrinsic ${fn} is not resolved by the pod tier`);
  }
  return Object.fromEntries(keys.map(k => [k, resolve(template, value[k], `${where}.${k}`)]));
}

/** The one task definition of a template, its intrinsics resolved. */
export function taskDefinitionOf(template: any): { id: string; td: any } {
  const tds = Object.entries<any>(template.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::ECS::TaskDefinition');
  if (tds.length !== 1) { throw new Error(`expected one AWS::ECS::TaskDefinition, found ${tds.length}`); }
  const [id, r] = tds[0];
  return { id, td: resolve(template, r.Properties, id) };
}

/** The iptables commands of the aws-appmesh CNI plugin for one protocol (commands.go setupIngressRules, setupEgressRules). */
export function appMeshRules(props: { [name: string]: string }, ignoredIPs: string): string[][] {
  const list = (n: string) => (props[n] ?? '').split(',').map(s => s.trim()).filter(Boolean);
  const rules: string[][] = [];
  // multiport takes at most 15 ports (commands.go multiportLimit).
  const slices = (ports: string[]) => Array.from({ length: Math.ceil(ports.length / 15) }, (_, i) => ports.slice(i * 15, i * 15 + 15));
  const appPorts = list('AppPorts');
  if (props.ProxyIngressPort && appPorts.length) {
    rules.push(['-t', 'nat', '-N', 'APPMESH_INGRESS']);
    for (const s of slices(appPorts)) {
      rules.push(['-t', 'nat', '-A', 'APPMESH_INGRESS', '-p', 'tcp', '-m', 'multiport', '--dports', s.join(','), '-j', 'REDIRECT', '--to-port', props.ProxyIngressPort]);
    }
    rules.push(['-t', 'nat', '-A', 'PREROUTING', '-p', 'tcp', '-m', 'addrtype', '!', '--src-type', 'LOCAL', '-j', 'APPMESH_INGRESS']);
  }
  rules.push(['-t', 'nat', '-N', 'APPMESH_EGRESS']);
  if (props.IgnoredUID) { rules.push(['-t', 'nat', '-A', 'APPMESH_EGRESS', '-m', 'owner', '--uid-owner', props.IgnoredUID, '-j', 'RETURN']); }
  if (props.IgnoredGID) { rules.push(['-t', 'nat', '-A', 'APPMESH_EGRESS', '-m', 'owner', '--gid-owner', props.IgnoredGID, '-j', 'RETURN']); }
  for (const s of slices(list('EgressIgnoredPorts'))) {
    rules.push(['-t', 'nat', '-A', 'APPMESH_EGRESS', '-p', 'tcp', '-m', 'multiport', '--dports', s.join(','), '-j', 'RETURN']);
  }
  if (ignoredIPs) { rules.push(['-t', 'nat', '-A', 'APPMESH_EGRESS', '-p', 'tcp', '-d', ignoredIPs, '-j', 'RETURN']); }
  rules.push(['-t', 'nat', '-A', 'APPMESH_EGRESS', '-p', 'tcp', '-j', 'REDIRECT', '--to', props.ProxyEgressPort]);
  rules.push(['-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '-m', 'addrtype', '!', '--dst-type', 'LOCAL', '-j', 'APPMESH_EGRESS']);
  return rules;
}

export interface RunningTask {
  readonly name: string;
  /** Containers in the order they were started. */
  readonly started: string[];
  /** What happened, in order: `start X`, `healthy X`, `exit X <code>`, `stop X`. */
  readonly events: string[];
  /** After stop(): for each container, the other containers still running when it was sent SIGTERM. */
  readonly runningAtStop: Map<string, string[]>;
  exec(container: string, command: string[], user?: string): Result;
  /** The host path of a task volume. */
  volumePath(volume: string): string;
  logs(container: string): string;
  /** The task's IPv4 address on podman's network. */
  ip(): string;
  /** The task's global IPv6 address (on a dual-stack network), or ''. */
  ip6(): string;
  /** Runs a command in the task's network namespace with the host's tools (iptables -S ...). */
  inNetns(command: string[]): Result;
  /** Essential containers that have exited (an ECS task stops when there is one). */
  essentialExited(): string[];
  /** Stops the task as ECS does: dependents first, each with its StopTimeout; returns the stop order. */
  stop(): string[];
  /** Removes the pod and its volumes. */
  remove(): void;
}

const SETTLE_SECONDS = 90;

/** Starts the task of `template` (a synthesized CloudFormation template with one task definition). */
export function runEcsTask(template: any, options: {
  readonly name?: string;
  /**
   * Runs the library's writer without the lines that set each prepared volume's owner and
   * mode (chown/chmod of a volume root), to show what the preparation is for. @default true
   */
  readonly prepareVolumes?: boolean;
  /** The podman network the task joins (e.g. a dual-stack one from dualStackNetwork()). @default podman's default network */
  readonly network?: string;
} = {}): RunningTask {
  const { id, td } = taskDefinitionOf(template);
  const name = options.name ?? uniqueName(`ecs-${td.Family ?? id}`);
  const containers: any[] = td.ContainerDefinitions ?? [];
  const byName = new Map<string, any>(containers.map(c => [c.Name, c]));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `cdk-sidecars-task-${name}-`));
  const volumes = new Map<string, string>();
  const started: string[] = [];
  const events: string[] = [];
  const container = (c: string) => `${name}-${c}`;

  podman(['pod', 'rm', '-f', '-t', '0', name], { check: false });
  podman(['pod', 'create', '--name', name, '--share', 'net,ipc,uts', '--infra-image', standInImage(), '--infra-command', '/pause',
    ...(options.network ? ['--network', options.network] : [])]);
  // The task's network namespace exists before any container starts (the infra container holds it).
  podman(['pod', 'start', name]);
  let pid: string | undefined;
  const infraPid = () => {
    const infra = podman(['pod', 'inspect', '--format', '{{.InfraContainerID}}', name]).stdout.trim();
    pid ??= podman(['inspect', '--format', '{{.State.Pid}}', infra]).stdout.trim();
    return pid;
  };
  const inNetns = (command: string[]): Result => {
    const r = spawnSync('nsenter', ['-t', infraPid(), '-n', ...command], { encoding: 'utf-8' });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const remove = () => {
    podman(['pod', 'rm', '-f', '-t', '0', name], { check: false });
    fs.rmSync(root, { recursive: true, force: true });
  };

  const state = (c: string): { running: boolean; exitCode: number; started: boolean } => {
    const r = podman(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', container(c)], { check: false });
    const [status, code] = r.stdout.trim().split(' ');
    return { running: status === 'running', started: r.code === 0 && status !== 'created', exitCode: Number(code) };
  };

  try {
    for (const v of td.Volumes ?? []) {
      if (v.Host || v.DockerVolumeConfiguration || v.EFSVolumeConfiguration || v.FSxWindowsFileServerVolumeConfiguration || v.ConfiguredAtLaunch) {
        throw new Error(`task ${name}: volume ${v.Name}: only Fargate bind mounts (task storage) are translated (${Object.keys(v).join(', ')})`);
      }
      const dir = path.join(root, 'volumes', v.Name);
      fs.mkdirSync(dir, { recursive: true });
      fs.chownSync(dir, 0, 0);
      fs.chmodSync(dir, 0o755);
      volumes.set(v.Name, dir);
    }

    if (td.ProxyConfiguration) {
      const pc = td.ProxyConfiguration;
      if ((pc.Type ?? 'APPMESH') !== 'APPMESH') { throw new Error(`task ${name}: ProxyConfiguration type ${pc.Type} is not translated`); }
      const props = Object.fromEntries<string>((pc.ProxyConfigurationProperties ?? []).map((p: any) => [p.Name, String(p.Value)]));
      const ips = (props.EgressIgnoredIPs ?? '').split(',').map((s: string) => s.trim()).filter(Boolean);
      for (const [tool, ignored] of [['iptables', ips.filter((ip: string) => !ip.includes(':'))], ['ip6tables', ips.filter((ip: string) => ip.includes(':'))]] as const) {
        for (const rule of appMeshRules(props, ignored.join(','))) {
          const r = inNetns([tool, '-w', ...rule]);
          if (r.code !== 0) { throw new Error(`task ${name}: ${tool} ${rule.join(' ')}: ${r.stderr}`); }
        }
      }
    }

    const firelens = containers.find(c => c.FirelensConfiguration);
    const firelensDir = path.join(root, 'firelens');
    if (firelens) {
      const o = firelens.FirelensConfiguration.Options ?? {};
      if (firelens.FirelensConfiguration.Type !== 'fluentbit') { throw new Error(`task ${name}: FireLens type ${firelens.FirelensConfiguration.Type} is not translated`); }
      // Fargate supports config-file-type file only (ECS developer guide, firelens-taskdef.html).
      if (o['config-file-value'] && o['config-file-type'] !== 'file') { throw new Error(`task ${name}: config-file-type ${o['config-file-type']} is not available on Fargate`); }
      fs.mkdirSync(path.join(firelensDir, 'socket'), { recursive: true });
      // The shape of the config the agent generates (aws-samples/amazon-ecs-firelens-under-the-hood,
      // generated-configs/fluent-bit/generated_by_firelens.conf).
      fs.writeFileSync(path.join(firelensDir, 'fluent-bit.conf'), [
        '[INPUT]', '    Name forward', '    unix_path /var/run/fluent.sock', '',
        '[INPUT]', '    Name forward', '    Listen 0.0.0.0', '    Port 24224', '',
        '[INPUT]', '    Name tcp', '    Tag firelens-healthcheck', '    Listen 127.0.0.1', '    Port 8877', '',
        ...(o['config-file-value'] ? [`@INCLUDE ${o['config-file-value']}`, ''] : []),
        '[OUTPUT]', '    Name null', '    Match firelens-healthcheck', '',
      ].join('\n'), { mode: 0o644 });
    }

    const deps = (c: any): Array<{ ContainerName: string; Condition: string }> => c.DependsOn ?? [];
    // A user's container others wait on to COMPLETE or SUCCEED is a one-shot step (e.g. a migration).
    const oneShot = new Set(containers.flatMap(c => deps(c).filter(d => d.Condition !== 'START' && d.Condition !== 'HEALTHY').map(d => d.ContainerName)));

    const start = (c: any): void => {
      const args = ['run', '--pod', name, '--name', container(c.Name), '--detach'];
      const entrypoint: string[] | undefined = c.EntryPoint ?? IMAGE_ENTRYPOINTS.find(([i]) => i.test(c.Image))?.[1];
      const users = !entrypoint;
      args.push('--user', userOf(c, users, `task ${name}: container ${c.Name}`));
      if (c.Privileged) { args.push('--privileged'); } else {
        args.push('--cap-drop', 'ALL');
        for (const a of capabilitiesOf(c)) { args.push('--cap-add', a); }
      }
      if (c.ReadonlyRootFilesystem) { args.push('--read-only', '--read-only-tmpfs=false'); }
      if (c.LinuxParameters?.InitProcessEnabled) {
        // podman's --init runs catatonit as PID 1 (Fargate runs its own init, as docker --init).
        if (!fs.existsSync('/usr/libexec/podman/catatonit')) {
          throw new Error(`task ${name}: container ${c.Name}: InitProcessEnabled needs podman's catatonit (apt-get install catatonit)`);
        }
        args.push('--init');
      }
      for (const e of c.Environment ?? []) { args.push('--env', `${e.Name}=${e.Value}`); }
      for (const s of c.Secrets ?? []) { args.push('--env', `${s.Name}=stand-in secret of ${s.ValueFrom}`); }
      for (const m of c.MountPoints ?? []) {
        const host = volumes.get(m.SourceVolume);
        if (!host) { throw new Error(`task ${name}: container ${c.Name} mounts ${m.SourceVolume}, which is not a task volume`); }
        args.push('--volume', `${host}:${m.ContainerPath}:${m.ReadOnly ? 'ro' : 'rw'}`);
      }
      if (c.FirelensConfiguration) {
        args.push('--volume', `${path.join(firelensDir, 'fluent-bit.conf')}:/fluent-bit/etc/fluent-bit.conf:ro`);
        args.push('--volume', `${path.join(firelensDir, 'socket')}:/var/run:rw`);
      }
      if (c.WorkingDirectory) { args.push('--workdir', c.WorkingDirectory); }
      let argv: string[];
      if (users) {
        if (oneShot.has(c.Name)) { args.push('--env', 'STAND_IN_ONE_SHOT=1'); }
        const ports = (c.PortMappings ?? []).filter((p: any) => (p.Protocol ?? 'tcp') === 'tcp').map((p: any) => p.ContainerPort);
        if (ports.length) { args.push('--env', `STAND_IN_APP_PORTS=${ports.join(' ')}`); }
        argv = ['/usr/local/bin/app', ...(c.Command ?? [])];
      } else {
        argv = [...entrypoint!, ...(c.Command ?? [])];
        if (c.Name === 'cdk-sidecars-config' && options.prepareVolumes === false) {
          argv = argv.map(a => a.split('\n').filter(l => !/^ch(own|mod) [0-9:]+ '\/cdk-sidecars\/[^/']+'$/.test(l)).join('\n'));
        }
      }
      podman(containerArgs(args, c.Image, argv));
      started.push(c.Name);
      events.push(`start ${c.Name}`);
    };

    // The agent's loop: start what is ready, track exits and health, until every container has started.
    const health = new Map<string, { since: number; failures: number; healthy: boolean }>();
    const exited = new Map<string, number>();
    const deadline = Date.now() + SETTLE_SECONDS * 1000;
    const check = (c: any): boolean => {
      const [kind, ...rest] = c.HealthCheck.Command;
      const command = kind === 'CMD-SHELL' ? ['sh', '-c', rest.join(' ')] : kind === 'CMD' ? rest : undefined;
      if (!command) { throw new Error(`task ${name}: container ${c.Name}: HealthCheck ${kind} is not translated`); }
      const r = spawnSync('timeout', [String(c.HealthCheck.Timeout ?? 5), 'podman', ...execArgs(container(c.Name), command)], {
        env: { ...process.env, CONTAINERS_CONF: path.join(__dirname, 'containers.conf') }, encoding: 'utf-8',
      });
      return r.status === 0;
    };
    const reached = (d: { ContainerName: string; Condition: string }): boolean => {
      if (!started.includes(d.ContainerName)) { return false; }
      switch (d.Condition) {
        case 'START': return true;
        case 'COMPLETE': return exited.has(d.ContainerName);
        case 'SUCCESS':
          if (exited.has(d.ContainerName) && exited.get(d.ContainerName) !== 0) {
            throw new Error(`task ${name}: ${d.ContainerName} exited ${exited.get(d.ContainerName)}: a dependency on its SUCCESS can never be met, ECS stops the task\n${podman(['logs', container(d.ContainerName)], { check: false }).stdout}${podman(['logs', container(d.ContainerName)], { check: false }).stderr}`);
          }
          return exited.get(d.ContainerName) === 0;
        case 'HEALTHY': return health.get(d.ContainerName)?.healthy === true;
        default: throw new Error(`task ${name}: DependsOn condition ${d.Condition} is not translated`);
      }
    };
    for (const c of containers) {
      for (const d of deps(c)) {
        if (!byName.has(d.ContainerName)) { throw new Error(`task ${name}: ${c.Name} depends on ${d.ContainerName}, which is not in the task`); }
        if (d.Condition === 'HEALTHY' && !byName.get(d.ContainerName).HealthCheck) { throw new Error(`task ${name}: ${c.Name} waits for ${d.ContainerName} to be HEALTHY, which has no HealthCheck`); }
      }
    }
    while (started.length < containers.length || [...health.values()].some(h => !h.healthy)) {
      for (const c of containers) {
        if (!started.includes(c.Name) && deps(c).every(reached)) {
          start(c);
          if (c.HealthCheck) { health.set(c.Name, { since: Date.now(), failures: 0, healthy: false }); }
        }
      }
      for (const c of started) {
        if (!exited.has(c)) {
          const s = state(c);
          if (s.started && !s.running) { exited.set(c, s.exitCode); events.push(`exit ${c} ${s.exitCode}`); }
          // An essential container that exits stops the task (ECS API ContainerDefinition essential).
          if (exited.has(c) && byName.get(c).Essential !== false) {
            const logs = podman(['logs', container(c)], { check: false });
            throw new Error(`task ${name}: essential container ${c} exited ${exited.get(c)}: ECS stops the task; logs:\n${logs.stdout}${logs.stderr}`);
          }
        }
        const h = health.get(c);
        if (h && !h.healthy && !exited.has(c)) {
          const hc = byName.get(c).HealthCheck;
          if (check(byName.get(c))) {
            h.healthy = true;
            events.push(`healthy ${c}`);
          } else if (Date.now() - h.since > (hc.StartPeriod ?? 0) * 1000 && ++h.failures >= (hc.Retries ?? 3)) {
            throw new Error(`task ${name}: ${c} is UNHEALTHY after ${h.failures} failed checks; logs:\n${podman(['logs', container(c)], { check: false }).stdout}`);
          }
        } else if (h && !h.healthy && exited.has(c)) {
          throw new Error(`task ${name}: ${c} exited ${exited.get(c)} before it was healthy; logs:\n${podman(['logs', container(c)], { check: false }).stdout}${podman(['logs', container(c)], { check: false }).stderr}`);
        }
      }
      if (Date.now() > deadline) {
        const waiting = containers.filter(c => !started.includes(c.Name)).map(c => `${c.Name} (waits for ${deps(c).map(d => `${d.ContainerName} ${d.Condition}`).join(', ')})`);
        throw new Error(`task ${name}: not settled after ${SETTLE_SECONDS}s; not started: ${waiting.join('; ')}; events: ${events.join(', ')}`);
      }
      execFileSync('sleep', ['1']);
    }
  } catch (e) {
    remove();
    throw e;
  }

  const runningAtStop = new Map<string, string[]>();
  const stop = (): string[] => {
    const order: string[] = [];
    const remaining = new Set(started);
    while (remaining.size) {
      // Stop every container no remaining container depends on (dependents first).
      const dependedOn = (c: string) => [...remaining].some(o => o !== c && (byName.get(o).DependsOn ?? []).some((d: any) => d.ContainerName === c));
      const ready = [...remaining].filter(c => !dependedOn(c));
      if (!ready.length) { throw new Error(`task ${name}: a dependency cycle among ${[...remaining].join(', ')}`); }
      for (const c of ready) {
        runningAtStop.set(c, started.filter(o => o !== c && state(o).running));
        podman(['stop', '-t', String(byName.get(c).StopTimeout ?? 30), container(c)], { check: false });
        order.push(c);
        events.push(`stop ${c}`);
        remaining.delete(c);
      }
    }
    return order;
  };

  return {
    name,
    started,
    events,
    exec: (c, command, user) => toolExec(container(c), command, user),
    volumePath: v => volumes.get(v)!,
    logs: c => { const r = podman(['logs', container(c)], { check: false }); return r.stdout + r.stderr; },
    ip: () => containerAddress(podman(['pod', 'inspect', '--format', '{{.InfraContainerID}}', name]).stdout.trim(), 'IPAddress'),
    ip6: () => containerAddress(podman(['pod', 'inspect', '--format', '{{.InfraContainerID}}', name]).stdout.trim(), 'GlobalIPv6Address'),
    inNetns,
    essentialExited: () => started.filter(c => byName.get(c).Essential !== false && !state(c).running),
    stop,
    runningAtStop,
    remove,
  };
}
