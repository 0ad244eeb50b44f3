import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { VaultAuth } from './auth';
import { HclBlock, HclBody, hcl, hclProblem, wellFormed } from './hcl';
import { APPROLE_DIR } from './paths';
import { VaultReload, VaultReloadMethod } from './reload';
import { ContainerSpec, ResourceRequirements, StartupRole, WaitCondition, FieldOrigin } from '../../core/container';
import { CompositionContext, ISidecar, SidecarContribution, WorkloadIdentity } from '../../core/contribution';
import { Errors } from '../../core/errors';
import { DNS_LABEL, FILE_NAME, isImageReference, pathProblem, generatedFileOrigins, portOrigins, UID_ORIGIN } from '../../core/names';
import { BuiltInSidecarProps, applyOverrides, checkOverrideTypes } from '../../core/overrides';
import { PropTypes, RESOURCE_TYPES, checkPropTypes, checkSecretRef, rememberProps } from '../../core/prop-types';
import { resolveContribution, withDefaultResources } from '../../core/resolve';
import { literalPartsPass } from '../../core/tokens';
import { VolumeKind, VolumeMountSpec, VolumeSpec } from '../../core/volume';

/** A secret the agent renders into a file for the app. */
export interface VaultSecret {
  /** Vault path read by the template, e.g. `secret/data/shop/db`. */
  readonly path: string;
  /** File name in the app's secrets directory, e.g. `db.json` (no directories). */
  readonly file: string;
  /**
   * Consul Template body.
   * @default - the secret's data as JSON: `{{ with secret "<path>" }}{{ .Data | toJSON }}{{ end }}`
   */
  readonly template?: string;
  /**
   * Write the template inline (`contents`) in the agent configuration instead of as a
   * separate file (`source`). Inline templates must not contain `${` or `%{`.
   * @default false
   */
  readonly inline?: boolean;
  /**
   * File mode of the rendered file. The agent owns the file and re-reads it before each
   * render (so owner-read is needed); the app runs as another user. On Kubernetes the pod
   * gets `fsGroup` = the agent's GID: the secrets volume is then group-owned with the
   * setgid bit, files inherit the group, every container has it as a supplementary group,
   * and group-read suffices. ECS and ACI have no such group, so the file must be
   * world-readable there. Either way only the agent and the app containers that asked
   * mount the volume.
   * @default - 0o440 on Kubernetes, 0o444 on ECS and ACI
   */
  readonly perms?: number;
  /**
   * Command the long-running agent runs after each re-render (never the init step: the
   * app is not running yet). Consul Template runs it without a shell, and a non-zero exit
   * stops the agent (hashicorp/consul-template#508). Commands that send a signal (`kill`,
   * `pkill`, `killall`) are refused: the non-root agent cannot signal the app. To make the
   * app reload, use `reload`.
   * @default - none
   */
  readonly command?: string[];
  /**
   * How the long-running agent makes the app reload after a re-render, e.g.
   * `VaultReload.http({ port: 8080, path: '/-/reload' })`. Not with `command`.
   * @default - none (the app re-reads the file itself)
   */
  readonly reload?: VaultReload;
  /**
   * App containers that get this file.
   * @default - every app container
   */
  readonly appContainers?: string[];
}

/** Props of a Vault agent sidecar. */
export interface VaultAgentSidecarProps extends BuiltInSidecarProps {
  /** Vault's address, e.g. `https://vault.vault.svc:8200`. */
  readonly address: string;
  /**
   * How the agent logs in; the method for the identity the platform gives the pod is
   * used (Kubernetes service account, AWS IAM role, Azure managed identity), else AppRole.
   */
  readonly auth: VaultAuth[];
  /** Secrets rendered for the app. */
  readonly secrets: VaultSecret[];
  /**
   * PEM of the CA that signs Vault's certificate (public: delivered as a config file).
   * @default - the system trust store of the image
   */
  readonly caCertificatePem?: string;
  /**
   * Skip verifying Vault's certificate. Only for development.
   * @default false
   */
  readonly tlsSkipVerify?: boolean;
  /**
   * Vault Enterprise namespace.
   * @default - none
   */
  readonly namespace?: string;
  /**
   * Render the secrets once in an init step before the app starts (`exit_after_auth`), so
   * the app never starts without them.
   * @default true
   */
  readonly prePopulate?: boolean;
  /**
   * Only the init step, no long-running agent (Jobs and batch: nothing keeps the pod alive,
   * secrets are not renewed).
   * @default false
   */
  readonly prePopulateOnly?: boolean;
  /**
   * Response-wrap the token written to the sink, with this TTL in seconds.
   * @default - not wrapped
   */
  readonly sinkWrapTtlSeconds?: number;
  /**
   * A caching API proxy for the app on 127.0.0.1:`cachePort` using the agent's token; the
   * app gets VAULT_ADDR pointing at it.
   * @default false
   */
  readonly cache?: boolean;
  /**
   * Port of the caching API proxy (only with `cache`).
   * @default 8200
   */
  readonly cachePort?: number;
  /**
   * Directory of the rendered files in the app containers.
   * @default '/vault/secrets'
   */
  readonly secretsPath?: string;
  /**
   * Stop the agent when a template keeps failing, instead of serving stale secrets.
   * @default true
   */
  readonly exitOnRetryFailure?: boolean;
  /**
   * Image.
   * @default 'hashicorp/vault:2.1.0'
   */
  readonly image?: string;
  /**
   * UID of the agent.
   * @default 100
   */
  readonly uid?: number;
  /**
   * GID of the agent.
   * @default 1000
   */
  readonly gid?: number;
  /**
   * CPU and memory of each agent container.
   * @default - requests 250m and 64 MiB, limits 500m and 128 MiB (vault-k8s's defaults)
   */
  readonly resources?: ResourceRequirements;
  /**
   * Name of the long-running container; the init step is `<name>-init`.
   * @default 'vault-agent'
   */
  readonly name?: string;
}

const DEFAULT_IMAGE = 'hashicorp/vault:2.1.0';
const CONFIG_DIR = '/vault/config';
const HOME = '/home/vault';
const AGENT_SECRETS = '/vault/secrets';

interface Group {
  readonly key: string;
  readonly volume: string;
  readonly agentPath: string;
  readonly targets?: string[];
  readonly secrets: VaultSecret[];
}

/** The options of each VaultAuth factory, by method (auth.ts). */
const AUTH_OPTION_TYPES: { [method: string]: PropTypes } = {
  kubernetes: { role: 'string', mountPath: 'string', tokenPath: 'string', audience: 'string' },
  aws: { role: 'string', mountPath: 'string', headerValue: 'string', region: 'string' },
  azure: { role: 'string', mountPath: 'string', resource: 'string', clientId: 'string' },
  approle: { secretName: 'string', roleIdKey: 'string', secretIdKey: 'string', mountPath: 'string' },
};
const AUTH_REQUIRED: { [method: string]: string[] } = { kubernetes: ['role'], aws: ['role'], azure: ['role'], approle: ['secretName'] };

/**
 * HashiCorp Vault Agent beside the app: an init step renders the secrets before the app
 * starts, and a long-running agent renews and re-renders them (like vault-k8s). The
 * rendered files live on a memory-backed volume mounted read-only only into the app
 * containers that asked for them.
 */
export class VaultAgentSidecar extends Construct implements ISidecar {
  /** Name of the long-running agent container. */
  public readonly name: string;
  /** UID of the agent. */
  public readonly uid: number;
  private readonly props: VaultAgentSidecarProps;

  constructor(scope: Construct, id: string, props: VaultAgentSidecarProps) {
    super(scope, id);
    // Runtime types first (issue 10, section 2): a wrong type is a catalogued error naming the prop, never a TypeError.
    checkPropTypes(this.node.path, props, {
      address: 'string',
      auth: 'objectArray',
      secrets: 'objectArray',
      caCertificatePem: 'string',
      tlsSkipVerify: 'boolean',
      namespace: 'string',
      prePopulate: 'boolean',
      prePopulateOnly: 'boolean',
      sinkWrapTtlSeconds: 'number',
      cache: 'boolean',
      cachePort: 'port',
      secretsPath: 'string',
      exitOnRetryFailure: 'boolean',
      image: 'string',
      uid: 'number',
      gid: 'number',
      resources: 'object',
      name: 'string',
    }, ['address', 'auth', 'secrets']);
    props.secrets.forEach((secret, i) => checkPropTypes(this.node.path, secret, {
      path: 'string', file: 'string', template: 'string', inline: 'boolean', perms: 'number', command: 'stringArray', reload: 'object', appContainers: 'stringArray',
    }, ['path', 'file'], `secrets[${i}].`));
    // Nested fields, named as the user wrote them (issue 10, section 2): the options given to
    // each VaultAuth factory, each secret's reload, and the resources.
    props.auth.forEach((a, i) => {
      const given = typeof (a as any)?._given === 'function' ? (a as any)._given() : undefined;
      if (given !== undefined) { checkPropTypes(this.node.path, given, AUTH_OPTION_TYPES[a.method] ?? {}, AUTH_REQUIRED[a.method] ?? [], `auth[${i}].`); }
      // AppRole's secretName names a Secret (reported as the agent's volume otherwise).
      if (a.method === 'approle') { checkSecretRef(this.node.path, `auth[${i}]`, { secretName: a.secretName }); }
      // The model's rule for the projected token's audience, under the option's name (not identityToken.audience).
      const audience = (given as { audience?: unknown } | undefined)?.audience;
      if (typeof audience === 'string' && (audience.length === 0 || /\s/.test(audience))) {
        throw Errors.invalidName(this.node.path, `auth[${i}].audience`, audience, 'a token audience without spaces');
      }
    });
    checkPropTypes(this.node.path, props, {
      secrets: { each: { reload: { struct: { port: 'port', path: 'string', method: { enum: VaultReloadMethod } }, required: ['port', 'path'] } } },
      resources: { struct: RESOURCE_TYPES },
    });
    this.props = props;
    rememberProps(this, props);
    checkOverrideTypes(this.node.path, props);
    this.name = props.name ?? 'vault-agent';
    this.uid = props.uid ?? 100;
    this.check(this.node.path);
    resolveContribution(this.node.path, this.contribute({ targetPath: this.node.path, appContainers: [], identity: WorkloadIdentity.NONE }));
  }

  /** Describes the agent: its auth method follows the identity the platform gives the pod. */
  public contribute(context: CompositionContext): SidecarContribution {
    const p = this.props;
    const path = this.node.path;
    const prePopulateOnly = p.prePopulateOnly ?? false;
    const prePopulate = prePopulateOnly || (p.prePopulate ?? true);
    const identity = context.identity ?? WorkloadIdentity.NONE;
    // With no pod yet (a sidecar describing itself), any method will do.
    const auth = p.auth.find(a => a.identity === identity) ?? p.auth.find(a => a.identity === undefined)
      ?? (context.appContainers.length === 0 ? p.auth[0] : undefined);
    if (!auth) {
      throw Errors.noAuthMethod(path, 'auth', identity, context.targetPath, p.auth.map(a => a.method));
    }

    const groups = this.groups();
    // Kubernetes gives the pod a file group (fsGroup); ECS and ACI do not, so there the
    // rendered files must be world-readable for an app of another UID and group.
    const fileGroups = context.fileGroups ?? false;
    const defaultPerms = fileGroups ? 0o440 : 0o444;
    if (context.appContainers.length > 0) {
      this.checkGroups(path, groups, context);
      this.checkPerms(path, fileGroups);
    }
    const configFiles: Array<{ name: string; content: string; mode?: number }> = [];
    const sources = new Map<VaultSecret, string>();
    for (const s of groups.flatMap(g => g.secrets)) {
      if (s.inline) { continue; }
      const source = `${s.file}.ctmpl`;
      configFiles.push({ name: source, content: s.template ?? defaultTemplate(s.path) });
      sources.set(s, `${CONFIG_DIR}/${source}`);
    }
    // The init step renders only: a command there would run before the app exists and,
    // failing, make the agent (and so the pod) fail.
    const templates = (init: boolean): HclBlock[] => groups.flatMap(g => g.secrets.map(s => {
      const block: HclBody = [['destination', `${g.agentPath}/${s.file}`]];
      block.push(s.inline ? ['contents', s.template ?? defaultTemplate(s.path)] : ['source', sources.get(s)!]);
      block.push(['perms', `0${(s.perms ?? defaultPerms).toString(8).padStart(3, '0')}`]);
      const command = s.reload ? s.reload._command() : s.command;
      if (command && !init) { block.push({ type: 'exec', body: [['command', command], ['timeout', '30s']] }); }
      return { type: 'template', body: block } as HclBlock;
    }));

    const config = (init: boolean): string => {
      const vault: HclBody = [['address', p.address]];
      if (p.caCertificatePem) { vault.push(['ca_cert', `${CONFIG_DIR}/ca.pem`]); }
      vault.push(['tls_skip_verify', p.tlsSkipVerify ?? false]);
      if (p.namespace) { vault.push(['namespace', p.namespace]); }
      const sink: HclBody = [];
      if (p.sinkWrapTtlSeconds !== undefined) { sink.push(['wrap_ttl', `${p.sinkWrapTtlSeconds}s`]); }
      sink.push(['config', { path: `${HOME}/.vault-token`, mode: 0o640 }]);
      const doc: HclBody = [
        ['pid_file', `${HOME}/.pid`],
        ['exit_after_auth', init],
        { type: 'vault', body: vault },
        { type: 'auto_auth', body: [auth._render(), { type: 'sink', labels: ['file'], body: sink }] },
        { type: 'template_config', body: [['exit_on_retry_failure', p.exitOnRetryFailure ?? true]] },
        ...templates(init),
      ];
      if (!init && p.cache) {
        doc.push(
          { type: 'cache', body: [] },
          { type: 'api_proxy', body: [['use_auto_auth_token', true]] },
          { type: 'listener', labels: ['tcp'], body: [['address', `127.0.0.1:${p.cachePort ?? 8200}`], ['tls_disable', true]] },
        );
      }
      return hcl(doc, `Vault agent${init ? ' (init: render once, then exit)' : ''}, generated by cdk-sidecars for ${path}`);
    };
    configFiles.push({ name: 'agent-init.hcl', content: config(true) }, { name: 'agent.hcl', content: config(false) });
    if (p.caCertificatePem) { configFiles.push({ name: 'ca.pem', content: p.caCertificatePem }); }

    const volumes: VolumeSpec[] = [
      { name: `${this.name}-config`, kind: VolumeKind.CONFIG_FILES, files: configFiles },
      { name: `${this.name}-home`, kind: VolumeKind.MEMORY, sizeLimitMebibytes: 1 },
      ...groups.map(g => ({ name: g.volume, kind: VolumeKind.MEMORY, sizeLimitMebibytes: 16 })),
    ];
    const agentMounts: VolumeMountSpec[] = [
      { volume: `${this.name}-config`, path: CONFIG_DIR, readOnly: true },
      { volume: `${this.name}-home`, path: HOME },
      ...groups.map(g => ({ volume: g.volume, path: g.agentPath })),
    ];
    const origins: FieldOrigin[] = [];
    if (auth.secretName) {
      // A platform that cannot mount the AppRole secret as files names the auth method.
      origins.push({
        field: `volumes[${volumes.length}]`,
        prop: `auth[${p.auth.indexOf(auth)}] (VaultAuth.appRole())`,
        alternative: 'the method of the platform\'s own identity (VaultAuth.aws() for the ECS task role)',
      });
      volumes.push({ name: `${this.name}-approle`, kind: VolumeKind.SECRET, secretName: auth.secretName });
      agentMounts.push({ volume: `${this.name}-approle`, path: APPROLE_DIR, readOnly: true });
    }
    const gid = p.gid ?? 1000;
    const base = (name: string, role: StartupRole, init: boolean): ContainerSpec => ({
      name,
      image: p.image ?? DEFAULT_IMAGE,
      role,
      appWaitsFor: role === StartupRole.SIDECAR ? WaitCondition.STARTED : undefined,
      command: ['vault'],
      args: ['agent', `-config=${CONFIG_DIR}/${init ? 'agent-init.hcl' : 'agent.hcl'}`],
      env: [{ name: 'VAULT_LOG_FORMAT', value: 'json' }, { name: 'HOME', value: HOME }],
      ports: !init && p.cache ? [{ port: p.cachePort ?? 8200, name: 'vault-proxy' }] : undefined,
      origins: [...(!init && p.cache ? portOrigins(['cachePort']) : []), UID_ORIGIN],
      // No capability: the reload is an HTTP call, and a capability added to a non-root
      // container is not in effect anyway (kubernetes/kubernetes#56374).
      security: { uid: this.uid, gid },
      resources: withDefaultResources(path,
        { cpuRequestMillicores: 250, memoryRequestMebibytes: 64, cpuLimitMillicores: 500, memoryLimitMebibytes: 128 }, p.resources),
      volumeMounts: agentMounts,
      dependsOn: !init && prePopulate ? [{ container: `${this.name}-init`, condition: WaitCondition.COMPLETED }] : undefined,
      identityToken: auth._identityToken(),
      // What the runtime contract proves: the token it authenticates with is mounted and
      // readable, it can write its sink and pid file, and every app container that mounts
      // the secrets can read what it renders (with the modes of the templates).
      readsPaths: auth._identityToken()?.path ? [auth._identityToken()!.path!] : undefined,
      writesPaths: [`${HOME}/.vault-token`, `${HOME}/.pid`],
      createsFiles: [
        { volume: `${this.name}-home`, mode: 0o640 },
        ...groups.flatMap(g => [...new Set(g.secrets.map(s => s.perms ?? defaultPerms))].map(mode => ({ volume: g.volume, mode }))),
      ],
    });
    const containers: ContainerSpec[] = [];
    if (prePopulate) { containers.push(base(`${this.name}-init`, StartupRole.INIT_STEP, true)); }
    if (!prePopulateOnly) { containers.push(base(this.name, StartupRole.SIDECAR, false)); }

    // The rendered files go only to the app containers that asked for them.
    const secretsPath = p.secretsPath ?? AGENT_SECRETS;
    if (groups.length > 1) {
      throw Errors.invalidRole(path, 'secrets[].appContainers', groups.map(g => g.key),
        'send secrets to different sets of app containers, which would need two secrets directories in one container',
        'Give every secret the same appContainers, or use one VaultAgentSidecar per set of app containers');
    }
    return applyOverrides(path, {
      containers,
      volumes,
      // A file too large for a platform names the prop with the largest value (e.g. a template).
      origins: [...origins, ...generatedFileOrigins(p, volumes)],
      appRequests: {
        env: !prePopulateOnly && p.cache ? [{ name: 'VAULT_ADDR', value: `http://127.0.0.1:${p.cachePort ?? 8200}` }] : [],
        mounts: [{ volume: groups[0].volume, path: secretsPath, readOnly: true }],
        containers: groups[0].targets,
      },
      // Group-read files need the pod's file group (fsGroup = the agent's GID).
      pod: fileGroups && p.secrets.some(s => !hasBit(s.perms ?? defaultPerms, 0o004)) ? { fileGroup: gid } : undefined,
    }, p.overrides);
  }

  /** Every rendered file must be readable by its owner (the agent re-reads it) and by the app. */
  private checkPerms(path: string, fileGroups: boolean): void {
    const uid = this.uid;
    this.props.secrets.forEach((s, i) => {
      if (s.perms === undefined) { return; }
      const shown = `0${s.perms.toString(8).padStart(3, '0')}`;
      if (!hasBit(s.perms, 0o400)) {
        throw Errors.invalidRole(path, `secrets[${i}].perms`, shown, `has no owner-read bit: the agent (UID ${uid}) owns the file and re-reads it before each render (consul-template renderer.Render), and fails if it cannot`,
          `Add owner-read, e.g. ${fileGroups ? '0o440' : '0o444'}`);
      }
      if (fileGroups && !hasBit(s.perms, 0o040) && !hasBit(s.perms, 0o004)) {
        throw Errors.invalidRole(path, `secrets[${i}].perms`, shown, `lets only the agent (UID ${uid}) read the file, and the app runs as another user`,
          'Use 0o440 (the default): the pod\'s fsGroup, the agent\'s GID, gives the app the group; the volume is mounted only into the app containers that asked');
      }
      if (!fileGroups && !hasBit(s.perms, 0o004)) {
        throw Errors.invalidRole(path, `secrets[${i}].perms`, shown, 'has no world-read bit, and this platform has no pod file group (fsGroup) that could let the app, another user, in',
          'Use 0o444 (the default here): only the agent and the app containers that asked mount the volume');
      }
    });
  }

  /** Secrets grouped by the app containers that get them: one memory volume per group. */
  private groups(): Group[] {
    const byKey = new Map<string, VaultSecret[]>();
    for (const s of this.props.secrets) {
      const key = s.appContainers ? [...new Set(s.appContainers)].sort().join(',') : '*';
      byKey.set(key, [...(byKey.get(key) ?? []), s]);
    }
    const keys = [...byKey.keys()];
    return keys.map(key => {
      const suffix = key === '*' ? '' : `-${createHash('sha256').update(key).digest('hex').slice(0, 6)}`;
      return {
        key,
        // Shorten the base, not the hash: a cut hash would give every group one name.
        volume: `${`${this.name}-secrets`.slice(0, 63 - suffix.length)}${suffix}`,
        agentPath: AGENT_SECRETS,
        targets: key === '*' ? undefined : key.split(','),
        secrets: byKey.get(key)!,
      };
    });
  }

  private checkGroups(path: string, groups: Group[], context: CompositionContext): void {
    const names = context.appContainers.map(c => c.name);
    for (const g of groups) {
      for (const t of g.targets ?? []) {
        if (!names.includes(t)) {
          throw Errors.unknownAppContainer(path, 'secrets[].appContainers', t, context.targetPath, names);
        }
      }
    }
  }

  /** The token is mounted in a directory of its own: not one the agent mounts for something else. */
  private checkTokenPath(path: string, field: string, tokenPath: string): void {
    const dir = tokenPath.slice(0, tokenPath.lastIndexOf('/'));
    const taken = [CONFIG_DIR, HOME, AGENT_SECRETS, APPROLE_DIR];
    const clash = taken.find(t => dir === '' || t === dir || t.startsWith(`${dir}/`) || dir.startsWith(`${t}/`));
    if (clash !== undefined || ['ca.crt', 'namespace'].includes(tokenPath.slice(dir.length + 1))) {
      throw Errors.invalidPath(path, field, tokenPath, `is in directory ${JSON.stringify(dir || '/')}, which the agent needs for itself (${taken.join(', ')}) or for the token's ca.crt and namespace; the projected token gets a directory of its own`);
    }
  }

  private check(path: string): void {
    const p = this.props;
    // Every user string that reaches the agent configuration: a string (or unset) that HCL v1
    // and HCL2 can read alike (./hcl.ts hclProblem); the HCL writer escapes everything else.
    const text = (field: string, value: unknown, prefix = '', inHcl = true) => {
      if (value === undefined) { return; }
      if (typeof value !== 'string') { throw Errors.invalidType(path, `${prefix}${field}`, value, 'a string'); }
      const problem = inHcl ? hclProblem(value) : (wellFormed(value) ? undefined : 'has a UTF-16 surrogate without its pair, which no UTF-8 file can carry');
      if (problem) { throw Errors.unwritableText(path, `${prefix}${field}`, value, inHcl ? 'the Vault agent configuration' : 'a template file', problem); }
    };
    text('caCertificatePem', p.caCertificatePem);
    text('secretsPath', p.secretsPath);
    // Derived names must stay DNS labels of at most 63 characters: <name>-config always,
    // <name>-approle with AppRole (the secrets volume shortens its base instead, keeping its hash).
    const maxName = 63 - (p.auth?.some(a => a?.secretName) ? '-approle' : '-config').length;
    if (typeof this.name !== 'string' || !DNS_LABEL.test(this.name) || this.name.length > maxName) {
      throw Errors.invalidName(path, 'name', this.name, `a DNS label of at most ${maxName} characters, so that the volume names made from it (${this.name}-config${maxName === 55 ? `, ${this.name}-approle` : ''}) are at most 63`);
    }
    if (p.image !== undefined && !isImageReference(p.image)) { throw Errors.invalidImage(path, 'image', p.image); }
    // An address from another construct (a CDK token) is checked on its literal parts.
    if (typeof p.address !== 'string' || !literalPartsPass(p.address, a => /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?(\/.*)?$/.test(a))) {
      throw Errors.invalidName(path, 'address', p.address, 'an http(s) URL such as "https://vault.vault.svc:8200"');
    }
    text('address', p.address);
    if (!Array.isArray(p.auth) || p.auth.length === 0) {
      throw Errors.noAuthMethod(path, 'auth', 'any', path, []);
    }
    const methods = new Set<string>();
    p.auth.forEach((a, i) => {
      if (!(a instanceof VaultAuth)) { throw Errors.invalidRole(path, `auth[${i}]`, a, 'is not a VaultAuth', 'Make it with VaultAuth.kubernetes(), aws(), azure() or appRole()'); }
      if (methods.has(a.method)) { throw Errors.invalidRole(path, `auth[${i}]`, a.method, 'is given twice', 'Give each method once'); }
      methods.add(a.method);
      if (!a.role || typeof a.role !== 'string') { throw Errors.invalidName(path, `auth[${i}].role`, a.role, 'a Vault role name'); }
      text(a.secretName !== undefined ? 'secretName' : 'role', a.role, `auth[${i}].`);
      for (const [key, value] of a._texts()) { text(key, value, `auth[${i}].`); }
      for (const [key, value] of a._secretKeys()) {
        if (value === undefined) { continue; }
        text(key, value, `auth[${i}].`);
        // A Kubernetes Secret key (IsConfigMapKey in kubernetes/kubernetes
        // staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go): the agent reads
        // it as a file name under the secret's mount, so "/" or ".." would leave it.
        if (!/^[-._a-zA-Z0-9]+$/.test(value) || value === '.' || value === '..' || value.length > 253) {
          throw Errors.invalidSecretKey(path, `auth[${i}].${key}`, value, `the agent reads under ${APPROLE_DIR}`);
        }
      }
      for (const [key, value] of a._paths()) {
        if (value === undefined) { continue; }
        text(key, value, `auth[${i}].`);
        const problem = key === 'mountPath' ? (/^[A-Za-z0-9_/.-]+$/.test(value) && !value.startsWith('/') ? undefined : 'is not a Vault mount path like "auth/kubernetes"') : pathProblem(value);
        if (problem) { throw Errors.invalidPath(path, `auth[${i}].${key}`, value, problem); }
        if (key === 'tokenPath') { this.checkTokenPath(path, `auth[${i}].${key}`, value); }
      }
    });
    if (!Array.isArray(p.secrets) || p.secrets.length === 0) {
      throw Errors.invalidRole(path, 'secrets', [], 'is empty', 'Name at least one secret to render');
    }
    const files = new Set<string>();
    p.secrets.forEach((s, i) => {
      const f = `secrets[${i}]`;
      if (typeof s.path !== 'string' || !/^[A-Za-z0-9_.\-/]+$/.test(s.path) || s.path.startsWith('/') || s.path.includes('..')) {
        throw Errors.invalidName(path, `${f}.path`, s.path, 'a Vault path such as "secret/data/shop/db"');
      }
      if (typeof s.file !== 'string' || !FILE_NAME.test(s.file) || s.file === '.' || s.file === '..' || s.file.includes('/')) {
        throw Errors.invalidPath(path, `${f}.file`, s.file, 'is not a file name inside the secrets directory (no "/" or "..")',
          'Give a file name of letters, digits, \'-\', \'_\' and \'.\' without a directory, e.g. "db.json"; the agent writes it into the secrets directory');
      }
      if (files.has(s.file)) { throw Errors.invalidConfigFile(path, `${f}.file`, s.file, 'is the destination of two secrets', 'Give each secret a file of its own'); }
      // Its template is the config file "<file>.ctmpl": a ConfigMap key and a file name of at most 253 characters.
      if (!s.inline && s.file.length + '.ctmpl'.length > 253) {
        throw Errors.invalidConfigFile(path, `${f}.file`, s.file, `is ${s.file.length} characters long; its template "<file>.ctmpl" must be a file name of at most 253`,
          'Use a file name of at most 247 characters');
      }
      files.add(s.file);
      if (s.perms !== undefined && (!Number.isInteger(s.perms) || s.perms < 0 || s.perms > 0o777)) {
        throw Errors.invalidNumber(path, `${f}.perms`, s.perms, 'a file mode from 0o000 to 0o777');
      }
      // Written into agent.hcl (inline) or a template file: any text, escaped by the HCL writer.
      text('template', s.template, `${f}.`, s.inline === true);
      if (s.command !== undefined && (!Array.isArray(s.command) || s.command.length === 0 || s.command.some(c => typeof c !== 'string' || !c))) {
        throw Errors.invalidCommand(path, `${f}.command`, s.command);
      }
      (s.command ?? []).forEach((c, j) => text(`command[${j}]`, c, `${f}.`));
      if (s.command !== undefined && sendsSignal(s.command)) {
        throw Errors.signalNotDeliverable(path, `${f}.command`, s.command, `the agent (UID ${this.uid}, every capability dropped)`,
          `Make the app reload over HTTP with ${f}.reload: VaultReload.http({ port, path }), or have the app watch the file`);
      }
      if (s.reload !== undefined) {
        if (!(s.reload instanceof VaultReload)) {
          throw Errors.invalidRole(path, `${f}.reload`, s.reload, 'is not a VaultReload', 'Make it with VaultReload.http({ port, path })');
        }
        if (s.command !== undefined) {
          throw Errors.invalidRole(path, `${f}.reload`, s.reload.path, `is set together with ${f}.command; a template runs one command`, 'Keep one of the two');
        }
        const r = s.reload;
        if (typeof r.port !== 'number' || !Number.isInteger(r.port) || r.port < 1 || r.port > 65535) { throw Errors.invalidPort(path, `${f}.reload.port`, r.port); }
        if (typeof r.path !== 'string' || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/.test(r.path)) {
          throw Errors.invalidUrl(path, `${f}.reload.path`, r.path, 'is not a URL path starting with "/" (no spaces)', 'Give the app\'s reload path, e.g. "/-/reload"');
        }
        if (!['GET', 'POST'].includes(r.method)) {
          throw Errors.invalidRole(path, `${f}.reload.method`, r.method, 'is not a VaultReloadMethod', 'Use VaultReloadMethod.GET or POST');
        }
      }
      if (p.prePopulateOnly && (s.command !== undefined || s.reload !== undefined)) {
        const key = s.reload !== undefined ? 'reload' : 'command';
        throw Errors.ineffectiveSetting(path, `${f}.${key}`, key === 'reload' ? s.reload!.path : s.command, 'prePopulateOnly leaves only the init step, which renders once and never reloads the app',
          `Drop ${f}.${key}, or prePopulateOnly`);
      }
    });
    if (p.cachePort !== undefined && !p.cache) {
      throw Errors.ineffectiveSetting(path, 'cachePort', p.cachePort, 'cache is off, so no listener serves it', 'Set cache: true, or leave cachePort out');
    }
    if (p.cachePort !== undefined && (typeof p.cachePort !== 'number' || !Number.isInteger(p.cachePort) || p.cachePort < 1 || p.cachePort > 65535)) {
      throw Errors.invalidPort(path, 'cachePort', p.cachePort);
    }
    if (p.prePopulateOnly && p.cache) {
      throw Errors.invalidRole(path, 'cache', true, 'needs the long-running agent, but prePopulateOnly leaves only the init step', 'Drop cache, or prePopulateOnly');
    }
    if (p.prePopulateOnly && p.prePopulate === false) {
      throw Errors.invalidRole(path, 'prePopulate', false, 'contradicts prePopulateOnly', 'Leave prePopulate out');
    }
    if (p.secretsPath !== undefined) {
      const problem = pathProblem(p.secretsPath);
      if (problem) { throw Errors.invalidPath(path, 'secretsPath', p.secretsPath, problem); }
    }
    if (p.sinkWrapTtlSeconds !== undefined && (!Number.isInteger(p.sinkWrapTtlSeconds) || p.sinkWrapTtlSeconds < 1)) {
      throw Errors.invalidNumber(path, 'sinkWrapTtlSeconds', p.sinkWrapTtlSeconds, 'a whole number of seconds >= 1');
    }
    if (p.namespace !== undefined && !/^[A-Za-z0-9_/-]+$/.test(p.namespace)) {
      throw Errors.invalidName(path, 'namespace', p.namespace, 'a Vault namespace such as "admin/shop"');
    }
    if (p.caCertificatePem !== undefined && !/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(p.caCertificatePem)) {
      throw Errors.invalidConfigFile(path, 'caCertificatePem', p.caCertificatePem.slice(0, 30), 'is not a PEM certificate');
    }
  }
}

/** One permission bit of a file mode is set (mode and bit are 0..0o777). */
function hasBit(mode: number, bit: number): boolean {
  return Math.floor(mode / bit) % 2 === 1;
}

function defaultTemplate(secretPath: string): string {
  return `{{- with secret ${JSON.stringify(secretPath)} -}}{{ .Data | toJSON }}{{- end -}}\n`;
}

const SIGNAL_PROGRAMS = new Set(['kill', 'pkill', 'killall', 'killall5', 'skill', 'snice']);
const SHELLS = new Set(['sh', 'ash', 'bash', 'dash', 'zsh', 'busybox', 'env', 'timeout', 'nice', 'nohup']);

/** The command sends a signal: a kill program, or a shell (or wrapper) whose arguments run one. */
function sendsSignal(command: string[]): boolean {
  const program = command[0].slice(command[0].lastIndexOf('/') + 1);
  if (SIGNAL_PROGRAMS.has(program)) { return true; }
  return SHELLS.has(program) && command.slice(1).some(a => /(^|[^A-Za-z0-9_.-])(kill|pkill|killall|killall5)([^A-Za-z0-9_.-]|$)/.test(a));
}
