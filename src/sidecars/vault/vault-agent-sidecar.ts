import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { VaultAuth, VaultGenericAuthOptions } from './auth';
import { HclBlock, HclBody, hcl, hclProblem, wellFormed } from './hcl';
import { VaultAgentFeature, VaultLogFormat, VaultLogLevel, VaultTelemetry, VaultTemplateFormat } from './options';
import { APPROLE_DIR, VAULT_AGENT_AUTH_METHODS } from './paths';
import { VaultReload, VaultReloadMethod } from './reload';
import { declareDeterministic } from '../../core/composition';
import { ContainerSpec, EnvVarSpec, ResourceRequirements, StartupRole, WaitCondition, FieldOrigin, Protocol } from '../../core/container';
import { CompositionContext, ISidecar, SidecarContribution, WorkloadIdentity } from '../../core/contribution';
import { endpointOf, endpoints } from '../../core/endpoints';
import { Errors } from '../../core/errors';
import { DNS_LABEL, FILE_NAME, isImageReference, pathProblem, generatedFileOrigins, portOrigins, UID_ORIGIN } from '../../core/names';
import { BuiltInSidecarProps, applyOverrides, checkOverrideTypes } from '../../core/overrides';
import { PropTypes, RESOURCE_TYPES, checkPropTypes, checkSecretRef, rememberProps } from '../../core/prop-types';
import { DEFAULT_TOKEN_PATH, resolveContribution, withDefaultResources } from '../../core/resolve';
import { shellWord } from '../../core/shell-words';
import { literalPartsPass } from '../../core/tokens';
import { VolumeKind, VolumeMountSpec, VolumeSpec } from '../../core/volume';

/** A secret the agent renders into a file for the app. */
export interface VaultSecret {
  /** Vault path read by the template, e.g. `secret/data/shop/db`. */
  readonly path: string;
  /**
   * File name in the app's secrets directory, e.g. `db.json`, optionally under
   * sub-directories, e.g. `db/creds.json` (vault-k8s `agent-inject-file-<n>`); the agent
   * creates the directories. No `..`, no leading `/`.
   */
  readonly file: string;
  /**
   * Consul Template body.
   * @default - the secret's data as JSON: `{{ with secret "<path>" }}{{ .Data | toJSON }}{{ end }}`
   */
  readonly template?: string;
  /**
   * Absolute path of a template file that is already in the agent containers, e.g. in a
   * volume mounted with `extraSecretName` (`/vault/custom/db.ctmpl`) or one the app's
   * workload gives the agent (vault-k8s `agent-inject-template-file-<n>`). Written as the
   * template's `source`; the runtime contract checks that the agent can read it. Not with
   * `template` or `inline`.
   * @default - the template is `template`, or the default template
   */
  readonly templateFile?: string;
  /**
   * Left delimiter of the template's actions (vault-k8s `agent-template-left-delim-<n>`,
   * the agent's `left_delimiter`). The default template is written with it too.
   * @default '{{'
   */
  readonly leftDelimiter?: string;
  /**
   * Right delimiter of the template's actions (`right_delimiter`).
   * @default '}}'
   */
  readonly rightDelimiter?: string;
  /**
   * Fail the render when the template reads a key the secret does not have, instead of
   * writing `<no value>` (vault-k8s `error-on-missing-key-<n>`, the agent's
   * `error_on_missing_key`).
   * @default false
   */
  readonly errorOnMissingKey?: boolean;
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
   * used (Kubernetes service account, AWS IAM role, Azure managed identity), else the first
   * listed method that needs no platform identity (AppRole, JWT, GCP, cert or a generic
   * method), in the order given: on Cloud Run and Docker Compose, which give no identity
   * the binders know, the order decides.
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
   * Hand the init step's token and leases to the long-running agent through a persistent
   * cache on a memory volume (`cache { persist "kubernetes" }` at `/vault/agent-cache`), so
   * that the agent does not log in and fetch every dynamic secret a second time (vault-k8s
   * does this whenever `agent-cache-enable` is set with an init step:
   * agent-inject/agent/config.go newConfig; hashicorp/vault-k8s#620). Needs `cache`, the init
   * step, and the Kubernetes auth method: the cache is sealed with the pod's service account
   * token, so it is Kubernetes-only (an error on ECS and ACI).
   * @default false
   */
  readonly cachePersist?: boolean;
  /**
   * Exit when the persistent cache cannot be restored, instead of starting with an empty one
   * (`persist { exit_on_err }`; vault-k8s `agent-cache-exit-on-err`). Only with `cachePersist`.
   * @default false
   */
  readonly cacheExitOnError?: boolean;
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
   * Exit when auto-auth fails instead of retrying for ever with backoff (the auth method's
   * `exit_on_err`; vault-k8s `agent-auto-auth-exit-on-err`): a pod whose agent cannot log in
   * fails visibly (init step error, restarts) instead of hanging in `Init:0/1`
   * (hashicorp/vault-k8s#203). Renewal errors of a valid token never make it exit.
   * @default false
   */
  readonly exitOnAuthError?: boolean;
  /**
   * First wait, in seconds, before auto-auth retries a failed login (`min_backoff`;
   * vault-k8s `auth-min-backoff`).
   * @default - Vault's (1 s)
   */
  readonly authMinBackoffSeconds?: number;
  /**
   * Longest wait, in seconds, between auto-auth retries (`max_backoff`; vault-k8s
   * `auth-max-backoff`).
   * @default - Vault's (5 minutes)
   */
  readonly authMaxBackoffSeconds?: number;
  /**
   * Timeout of each request to Vault, in seconds (`VAULT_CLIENT_TIMEOUT`, as vault-k8s's
   * `client-timeout` sets it: agent-inject/agent/container_env.go).
   * @default - Vault's API client default (60 s)
   */
  readonly clientTimeoutSeconds?: number;
  /**
   * Retries of a request to Vault that failed with a 5xx or 412 (`vault { retry {
   * num_retries } }`; vault-k8s `client-max-retries`). 0 means no retry (written as -1, which
   * the agent reads as "none": hashicorp/vault command/agent/config/config.go).
   * @default - Vault's (12)
   */
  readonly clientMaxRetries?: number;
  /**
   * Log level (`VAULT_LOG_LEVEL`; vault-k8s `log-level`).
   * @default VaultLogLevel.INFO (Vault's default; no variable set)
   */
  readonly logLevel?: VaultLogLevel;
  /**
   * Log format (`VAULT_LOG_FORMAT`; vault-k8s `log-format`).
   * @default VaultLogFormat.JSON
   */
  readonly logFormat?: VaultLogFormat;
  /**
   * Revoke the agent's token when the long-running agent is stopped (vault-k8s
   * `agent-revoke-on-shutdown`): a pre-stop command waits `revokeGraceSeconds`, then runs
   * `vault token revoke -self` with the agent's token (agent-inject/agent/container_sidecar.go
   * createLifecycle). Kubernetes only: ECS and ACI have no pre-stop hook, and there it is an
   * error. Not with `sinkWrapTtlSeconds` (the sink then holds a wrapped token).
   * @default false
   */
  readonly revokeOnShutdown?: boolean;
  /**
   * Seconds the pre-stop command waits before it revokes the token, so that the app can
   * finish its last requests (vault-k8s `agent-revoke-grace`). Only with `revokeOnShutdown`.
   * @default 5
   */
  readonly revokeGraceSeconds?: number;
  /**
   * The agent's telemetry stanza (vault-k8s `agent-telemetry-<key>`).
   * @default - no telemetry stanza
   */
  readonly telemetry?: VaultTelemetry;
  /**
   * Run the agent containers with the UID and GID of the first app container (vault-k8s
   * `agent-run-as-same-user`), e.g. so that rendered files with an owner-only mode (0o400)
   * are readable by the app. The UID is read from the workload: Kubernetes
   * `securityContext.runAsUser` (of the container or the pod), ECS `user` as `uid[:gid]`.
   * Where it is not known (not set, or ACI, which has no container user) or is root, it is an
   * error. Not with `uid`.
   * @default false
   */
  readonly runAsSameUser?: boolean;
  /**
   * Name of a secret mounted read-only into the agent containers at `/vault/custom`
   * (vault-k8s `agent-extra-secret`), e.g. for `templateFile` or a JWT for
   * `VaultAuth.jwt()`. Kubernetes: a Secret; ACI: `secretVolumeKeys` of the group; ECS cannot
   * mount a secret as files (error).
   * @default - none
   */
  readonly extraSecretName?: string;
  /**
   * Name of a secret with TLS files for talking to Vault, mounted read-only into the agent
   * containers at `/vault/tls` (vault-k8s `tls-secret`); point `caCertificateFile`,
   * `clientCertificateFile` and `clientKeyFile` at its keys, e.g. `/vault/tls/ca.crt`.
   * Platforms as `extraSecretName`.
   * @default - none
   */
  readonly tlsSecretName?: string;
  /**
   * Absolute path of the CA certificate file that signs Vault's certificate (`ca_cert`;
   * vault-k8s `ca-cert`), e.g. `/vault/tls/ca.crt`. Not with `caCertificatePem`.
   * @default - `caCertificatePem`, else the image's trust store
   */
  readonly caCertificateFile?: string;
  /**
   * Absolute path of a directory of CA certificates (`ca_path`; vault-k8s `ca-key`, which
   * vault-k8s writes as `ca_path`: agent-inject/agent/config.go newConfig).
   * @default - none
   */
  readonly caPath?: string;
  /**
   * Absolute path of the client certificate for TLS client authentication to Vault
   * (`client_cert`; vault-k8s `client-cert`). With `clientKeyFile`.
   * @default - none
   */
  readonly clientCertificateFile?: string;
  /**
   * Absolute path of the client certificate's private key (`client_key`; vault-k8s `client-key`).
   * @default - none
   */
  readonly clientKeyFile?: string;
  /**
   * Name expected in Vault's certificate, when it differs from the host of `address`
   * (`tls_server_name`; vault-k8s `tls-server-name`).
   * @default - the host of `address`
   */
  readonly tlsServerName?: string;
  /**
   * HTTP(S) proxy the agent reaches Vault through, e.g. `http://proxy.corp:3128`
   * (`HTTPS_PROXY`, and `HTTP_PROXY` for an `http://` Vault address; vault-k8s `proxy-address`).
   * @default - direct
   */
  readonly proxyAddress?: string;
  /**
   * GOMAXPROCS of the agent (vault-k8s `go-max-procs`).
   * @default - from the CPU limit: max(2, ceil(cpuLimitMillicores / 1000)), Go's own rule for a
   * cgroup limit (golang/go#73193), set explicitly because the runtime misses limits set on a
   * parent cgroup, e.g. a task-level CPU on ECS (golang/go#81180) and on cgroup v1 (golang/go#76390)
   */
  readonly goMaxProcs?: number;
  /**
   * Format of the default template of secrets that have none (vault-k8s
   * `agent-inject-default-template`).
   * @default VaultTemplateFormat.JSON
   */
  readonly defaultTemplateFormat?: VaultTemplateFormat;
  /**
   * Also write the agent's token to `<secretsPath>/token` for the app (vault-k8s
   * `agent-inject-token`). Off by default, deliberately: the app then holds a token with
   * every policy of the agent's role, and anything that can read the secrets volume can
   * use it. Prefer `cache` (the app calls the agent, which adds the token).
   * @default false
   */
  readonly injectToken?: boolean;
  /**
   * Re-render interval, in seconds, of secrets without a lease such as KV v2
   * (`template_config { static_secret_render_interval }`; vault-k8s
   * `template-static-secret-render-interval`).
   * @default - Vault's (5 minutes)
   */
  readonly staticSecretRenderIntervalSeconds?: number;
  /**
   * Most connections the template engine opens to Vault (`template_config {
   * max_connections_per_host }`; vault-k8s `template-max-connections-per-host`).
   * @default - Vault's (10)
   */
  readonly templateMaxConnectionsPerHost?: number;
  /**
   * Fraction of a non-renewable lease's duration after which templates fetch it again, from
   * 0 to 1 (`template_config { lease_renewal_threshold }`; vault-k8s
   * `template-lease-renewal-threshold`).
   * @default - Vault's (0.9)
   */
  readonly leaseRenewalThreshold?: number;
  /**
   * Make the caching API proxy use the agent's token even for requests that carry their own
   * (`api_proxy { use_auto_auth_token = "force" }`; vault-k8s
   * `agent-cache-use-auto-auth-token: force`). Only with `cache`.
   * @default false
   */
  readonly cacheForceAutoAuthToken?: boolean;
  /**
   * Serve `POST /agent/v1/quit` on the agent's listener (127.0.0.1:`cachePort`), so that an
   * app of a Job can stop the long-running agent when it is done (vault-k8s
   * `agent-enable-quit`; `listener { agent_api { enable_quit = true } }`). Native sidecars
   * stop by themselves after the app; this is for classic mode and ECS / ACI.
   * @default false
   */
  readonly enableQuit?: boolean;
  /**
   * Features whose idle connections to Vault are closed (`disable_idle_connections`;
   * vault-k8s `agent-disable-idle-connections`).
   * @default - none
   */
  readonly disableIdleConnections?: VaultAgentFeature[];
  /**
   * Features that use a new connection per request (`disable_keep_alives`; vault-k8s
   * `agent-disable-keep-alives`).
   * @default - none
   */
  readonly disableKeepAlives?: VaultAgentFeature[];
  /**
   * Give the pod one process namespace for all its containers (vault-k8s
   * `agent-share-process-namespace`): Kubernetes `shareProcessNamespace`, ECS `pidMode: task`;
   * ACI has none (error). The agent still cannot signal the app (it is non-root with every
   * capability dropped): reload the app with `reload` instead.
   * @default false
   */
  readonly shareProcessNamespace?: boolean;
  /**
   * Image.
   * @default 'hashicorp/vault:2.1.0'
   */
  readonly image?: string;
  /**
   * UID of the agent.
   * @default 100 (the first app container's with `runAsSameUser`)
   */
  readonly uid?: number;
  /**
   * GID of the agent.
   * @default 1000 (the first app container's with `runAsSameUser`)
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
/** Where vault-k8s mounts agent-extra-secret and tls-secret (agent-inject/agent/container_volume.go). */
const CUSTOM_DIR = '/vault/custom';
const TLS_DIR = '/vault/tls';
/** Where vault-k8s keeps the persistent cache (cacheVolumePath). */
const CACHE_DIR = '/vault/agent-cache';

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
  jwt: { role: 'string', tokenPath: 'string', mountPath: 'string' },
  gcp: { role: 'string', mountPath: 'string', serviceAccount: 'string' },
  cert: { name: 'string', mountPath: 'string', clientCertificateFile: 'string', clientKeyFile: 'string' },
  generic: { type: 'string', config: 'stringMap', mountPath: 'string', files: 'stringArray' },
};
const AUTH_REQUIRED: { [method: string]: string[] } = { kubernetes: ['role'], aws: ['role'], azure: ['role'], approle: ['secretName'], jwt: ['role', 'tokenPath'], gcp: ['role'], cert: [], generic: ['type', 'config'] };

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
      exitOnAuthError: 'boolean',
      authMinBackoffSeconds: 'size',
      authMaxBackoffSeconds: 'size',
      clientTimeoutSeconds: 'size',
      clientMaxRetries: 'count',
      logLevel: { enum: VaultLogLevel },
      logFormat: { enum: VaultLogFormat },
      revokeOnShutdown: 'boolean',
      revokeGraceSeconds: 'count',
      telemetry: {
        struct: {
          prometheusRetentionSeconds: 'size',
          statsdAddress: 'string',
          statsiteAddress: 'string',
          dogstatsdAddress: 'string',
          dogstatsdTags: 'stringArray',
          disableHostname: 'boolean',
          enableHostnameLabel: 'boolean',
          prefixFilter: 'stringArray',
          filterDefault: 'boolean',
          usageGaugePeriodSeconds: 'size',
          maximumGaugeCardinality: 'size',
          leaseMetricsEpsilonSeconds: 'size',
          numLeaseMetricsBuckets: 'size',
          addLeaseMetricsNamespaceLabels: 'boolean',
          stackdriverProjectId: 'string',
          stackdriverLocation: 'string',
          stackdriverNamespace: 'string',
          stackdriverDebugLogs: 'boolean',
        },
      },
      runAsSameUser: 'boolean',
      extraSecretName: 'string',
      tlsSecretName: 'string',
      caCertificateFile: 'string',
      caPath: 'string',
      clientCertificateFile: 'string',
      clientKeyFile: 'string',
      tlsServerName: 'string',
      proxyAddress: 'string',
      goMaxProcs: 'size',
      defaultTemplateFormat: { enum: VaultTemplateFormat },
      injectToken: 'boolean',
      staticSecretRenderIntervalSeconds: 'size',
      templateMaxConnectionsPerHost: 'size',
      leaseRenewalThreshold: 'number',
      cacheForceAutoAuthToken: 'boolean',
      enableQuit: 'boolean',
      disableIdleConnections: { enumArray: VaultAgentFeature },
      disableKeepAlives: { enumArray: VaultAgentFeature },
      shareProcessNamespace: 'boolean',
      cachePersist: 'boolean',
      cacheExitOnError: 'boolean',
    }, ['address', 'auth', 'secrets']);
    props.secrets.forEach((secret, i) => checkPropTypes(this.node.path, secret, {
      path: 'string',
      file: 'string',
      template: 'string',
      inline: 'boolean',
      perms: 'number',
      command: 'stringArray',
      reload: 'object',
      appContainers: 'stringArray',
      templateFile: 'string',
      leftDelimiter: 'string',
      rightDelimiter: 'string',
      errorOnMissingKey: 'boolean',
    }, ['path', 'file'], `secrets[${i}].`));
    // Nested fields, named as the user wrote them (issue 10, section 2): the options given to
    // each VaultAuth factory, each secret's reload, and the resources.
    props.auth.forEach((a, i) => {
      const given = typeof (a as any)?._given === 'function' ? (a as any)._given() : undefined;
      const kind = typeof a?.method === 'string' && a.method.startsWith('generic:') ? 'generic' : a?.method;
      if (given !== undefined) { checkPropTypes(this.node.path, given, AUTH_OPTION_TYPES[kind] ?? {}, AUTH_REQUIRED[kind] ?? [], `auth[${i}].`); }
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
    const user = this.user(path, context);

    const groups = this.groups();
    // Kubernetes gives the pod a file group (fsGroup); ECS and ACI do not, so there the
    // rendered files must be world-readable for an app of another UID and group. An agent
    // running as the app's user (runAsSameUser) owns the files the app reads.
    const fileGroups = context.fileGroups ?? false;
    const defaultPerms = fileGroups ? 0o440 : 0o444;
    if (context.appContainers.length > 0) {
      this.checkGroups(path, groups, context);
      this.checkPerms(path, fileGroups, user.same, user.uid);
      if (p.cachePersist && (auth.method !== 'kubernetes' || identity !== WorkloadIdentity.KUBERNETES_SERVICE_ACCOUNT)) {
        throw Errors.unsupportedOnPlatform(path, 'cachePersist', true, `the platform of ${context.targetPath}`,
          `the persistent cache is sealed with a Kubernetes service account token, and the agent logs in with ${auth.method} here (developer.hashicorp.com/vault/docs/agent/caching/persistent-caches/kubernetes)`,
          'Leave cachePersist out here (the long-running agent then logs in and fetches the secrets again after the init step)');
      }
      if (p.revokeOnShutdown && !prePopulateOnly && !(context.preStopHooks ?? false)) {
        throw Errors.unsupportedOnPlatform(path, 'revokeOnShutdown', true, `the platform of ${context.targetPath}`,
          'it has no pre-stop hook that could revoke the token before the agent stops (only Kubernetes has one)', 'Leave revokeOnShutdown out here and keep the role\'s token TTL short');
      }
    }
    const configFiles: Array<{ name: string; content: string; mode?: number }> = [];
    const sources = new Map<VaultSecret, string>();
    const format = p.defaultTemplateFormat ?? VaultTemplateFormat.JSON;
    const body = (s: VaultSecret) => s.template ?? defaultTemplate(s.path, format, s.leftDelimiter ?? '{{', s.rightDelimiter ?? '}}');
    for (const s of groups.flatMap(g => g.secrets)) {
      if (s.inline || s.templateFile !== undefined) { continue; }
      const source = templateFileName(s.file);
      configFiles.push({ name: source, content: body(s) });
      sources.set(s, `${CONFIG_DIR}/${source}`);
    }
    // The init step renders only: a command there would run before the app exists and,
    // failing, make the agent (and so the pod) fail.
    const templates = (init: boolean): HclBlock[] => groups.flatMap(g => g.secrets.map(s => {
      const block: HclBody = [['destination', `${g.agentPath}/${s.file}`]];
      if (s.templateFile !== undefined) {
        block.push(['source', s.templateFile]);
      } else {
        block.push(s.inline ? ['contents', body(s)] : ['source', sources.get(s)!]);
      }
      block.push(['perms', octal(s.perms ?? defaultPerms)]);
      // consul-template's delimiters and missing-key rule (hashicorp/vault-k8s agent-inject/agent/config.go newTemplateConfigs).
      if (s.leftDelimiter !== undefined) { block.push(['left_delimiter', s.leftDelimiter]); }
      if (s.rightDelimiter !== undefined) { block.push(['right_delimiter', s.rightDelimiter]); }
      if (s.errorOnMissingKey) { block.push(['error_on_missing_key', true]); }
      const command = s.reload ? s.reload._command() : s.command;
      if (command && !init) { block.push({ type: 'exec', body: [['command', command], ['timeout', '30s']] }); }
      return { type: 'template', body: block } as HclBlock;
    }));
    const tokenMode = user.same ? 0o400 : defaultPerms;
    const caCert = p.caCertificateFile ?? (p.caCertificatePem ? `${CONFIG_DIR}/ca.pem` : undefined);
    // Whether the long-running agent has a listener: the cache, or the quit endpoint alone.
    const listens = !prePopulateOnly && (p.cache || p.enableQuit);
    const persist = p.cachePersist === true;

    const config = (init: boolean): string => {
      const vault: HclBody = [['address', p.address]];
      if (caCert) { vault.push(['ca_cert', caCert]); }
      if (p.caPath) { vault.push(['ca_path', p.caPath]); }
      if (p.clientCertificateFile) { vault.push(['client_cert', p.clientCertificateFile]); }
      if (p.clientKeyFile) { vault.push(['client_key', p.clientKeyFile]); }
      vault.push(['tls_skip_verify', p.tlsSkipVerify ?? false]);
      if (p.tlsServerName) { vault.push(['tls_server_name', p.tlsServerName]); }
      if (p.namespace) { vault.push(['namespace', p.namespace]); }
      // num_retries 0 is "Vault's default (12)", -1 "none" (hashicorp/vault command/agent/config/config.go LoadConfig).
      if (p.clientMaxRetries !== undefined) { vault.push({ type: 'retry', body: [['num_retries', p.clientMaxRetries === 0 ? -1 : p.clientMaxRetries]] }); }
      const sink: HclBody = [];
      if (p.sinkWrapTtlSeconds !== undefined) { sink.push(['wrap_ttl', `${p.sinkWrapTtlSeconds}s`]); }
      sink.push(['config', { path: `${HOME}/.vault-token`, mode: 0o640 }]);
      const method = auth._render();
      const methodBody: HclBody = [...method.body];
      if (p.authMinBackoffSeconds !== undefined) { methodBody.push(['min_backoff', `${p.authMinBackoffSeconds}s`]); }
      if (p.authMaxBackoffSeconds !== undefined) { methodBody.push(['max_backoff', `${p.authMaxBackoffSeconds}s`]); }
      if (p.exitOnAuthError) { methodBody.push(['exit_on_err', true]); }
      const autoAuth: HclBody = [{ ...method, body: methodBody }, { type: 'sink', labels: ['file'], body: sink }];
      // The token for the app, next to its secrets (vault-k8s newConfig: InjectToken adds a second file sink).
      if (p.injectToken) { autoAuth.push({ type: 'sink', labels: ['file'], body: [['config', { path: `${groups[0].agentPath}/token`, mode: tokenMode }]] }); }
      const templateConfig: HclBody = [['exit_on_retry_failure', p.exitOnRetryFailure ?? true]];
      if (p.staticSecretRenderIntervalSeconds !== undefined) { templateConfig.push(['static_secret_render_interval', `${p.staticSecretRenderIntervalSeconds}s`]); }
      if (p.templateMaxConnectionsPerHost !== undefined) { templateConfig.push(['max_connections_per_host', p.templateMaxConnectionsPerHost]); }
      if (p.leaseRenewalThreshold !== undefined) { templateConfig.push(['lease_renewal_threshold', p.leaseRenewalThreshold]); }
      const doc: HclBody = [
        ['pid_file', `${HOME}/.pid`],
        ['exit_after_auth', init],
        { type: 'vault', body: vault },
        { type: 'auto_auth', body: autoAuth },
        { type: 'template_config', body: templateConfig },
        ...templates(init),
      ];
      if (p.disableIdleConnections?.length) { doc.push(['disable_idle_connections', [...p.disableIdleConnections]]); }
      if (p.disableKeepAlives?.length) { doc.push(['disable_keep_alives', [...p.disableKeepAlives]]); }
      if (p.telemetry) { doc.push({ type: 'telemetry', body: telemetryBody(p.telemetry) }); }
      // The persistent cache: in the init step too, which fills it; a cache needs a listener
      // (hashicorp/vault command/agent/config/config.go LoadConfig), so the init step listens
      // while it runs alone (vault-k8s newConfig gives both the cache listener).
      if (persist || (!init && listens)) {
        const listener: HclBody = [['address', `127.0.0.1:${p.cachePort ?? 8200}`], ['tls_disable', true]];
        // The quit endpoint is on the listener; a listener needs a cache stanza (vault-k8s newConfig, EnableQuit).
        if (p.enableQuit && !init) { listener.push({ type: 'agent_api', body: [['enable_quit', true]] }); }
        const cache: HclBody = [];
        if (persist) {
          const store: HclBody = [['path', CACHE_DIR], ['service_account_token_file', auth._identityToken()?.path ?? DEFAULT_TOKEN_PATH]];
          if (p.cacheExitOnError) { store.push(['exit_on_err', true]); }
          cache.push({ type: 'persist', labels: ['kubernetes'], body: store });
        }
        doc.push({ type: 'cache', body: cache });
        if (p.cache && !init) { doc.push({ type: 'api_proxy', body: [['use_auto_auth_token', p.cacheForceAutoAuthToken ? 'force' : true]] }); }
        doc.push({ type: 'listener', labels: ['tcp'], body: listener });
      }
      return hcl(doc, `Vault agent${init ? ' (init: render once, then exit)' : ''}, generated by cdk-sidecars for ${path}`);
    };
    configFiles.push({ name: 'agent-init.hcl', content: config(true) }, { name: 'agent.hcl', content: config(false) });
    if (p.caCertificatePem) { configFiles.push({ name: 'ca.pem', content: p.caCertificatePem }); }

    const volumes: VolumeSpec[] = [
      { name: `${this.name}-config`, kind: VolumeKind.CONFIG_FILES, files: configFiles },
      { name: `${this.name}-home`, kind: VolumeKind.MEMORY, sizeLimitMebibytes: 1 },
      ...groups.map(g => ({ name: g.volume, kind: VolumeKind.MEMORY, sizeLimitMebibytes: 16 })),
      ...(persist ? [{ name: `${this.name}-cache`, kind: VolumeKind.MEMORY, sizeLimitMebibytes: 16 }] : []),
    ];
    const agentMounts: VolumeMountSpec[] = [
      { volume: `${this.name}-config`, path: CONFIG_DIR, readOnly: true },
      { volume: `${this.name}-home`, path: HOME },
      ...groups.map(g => ({ volume: g.volume, path: g.agentPath })),
      ...(persist ? [{ volume: `${this.name}-cache`, path: CACHE_DIR }] : []),
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
    // Secrets the user mounts into the agent (vault-k8s agent-extra-secret at /vault/custom, tls-secret at /vault/tls:
    // agent-inject/agent/container_volume.go).
    for (const [prop, secretName, suffix, dir] of [['extraSecretName', p.extraSecretName, 'custom', CUSTOM_DIR], ['tlsSecretName', p.tlsSecretName, 'tls', TLS_DIR]] as const) {
      if (secretName === undefined) { continue; }
      origins.push({ field: `volumes[${volumes.length}]`, prop, alternative: 'a Vault auth method and CA that need no mounted secret (caCertificatePem, VaultAuth.aws())' });
      volumes.push({ name: `${this.name}-${suffix}`, kind: VolumeKind.SECRET, secretName });
      agentMounts.push({ volume: `${this.name}-${suffix}`, path: dir, readOnly: true });
    }
    const gid = user.gid;
    const uidOrigin: FieldOrigin = user.same ? { field: 'security.uid', prop: 'runAsSameUser' } : UID_ORIGIN;
    // What the agent's configuration makes it read besides its own config files: checked by the runtime contract.
    const reads = [
      auth._identityToken()?.path,
      ...auth._files(),
      p.caCertificateFile, p.clientCertificateFile, p.clientKeyFile,
      ...p.secrets.map(s => s.templateFile),
    ].filter((x): x is string => x !== undefined);
    const resources = withDefaultResources(path,
      { cpuRequestMillicores: 250, memoryRequestMebibytes: 64, cpuLimitMillicores: 500, memoryLimitMebibytes: 128 }, p.resources);
    const env = (): EnvVarSpec[] => {
      const out: EnvVarSpec[] = [{ name: 'VAULT_LOG_FORMAT', value: p.logFormat ?? VaultLogFormat.JSON }, { name: 'HOME', value: HOME }];
      // What vault-k8s sets as environment (agent-inject/agent/container_env.go ContainerEnvVars).
      if (p.logLevel !== undefined) { out.push({ name: 'VAULT_LOG_LEVEL', value: p.logLevel }); }
      if (p.clientTimeoutSeconds !== undefined) { out.push({ name: 'VAULT_CLIENT_TIMEOUT', value: `${p.clientTimeoutSeconds}s` }); }
      if (p.proxyAddress !== undefined) {
        out.push({ name: 'HTTPS_PROXY', value: p.proxyAddress });
        // Go's ProxyFromEnvironment takes HTTP_PROXY for http:// URLs (net/http/httpproxy).
        if (p.address.startsWith('http://')) { out.push({ name: 'HTTP_PROXY', value: p.proxyAddress }); }
      }
      const procs = goMaxProcs(p.goMaxProcs, resources.cpuLimitMillicores);
      if (procs !== undefined) { out.push({ name: 'GOMAXPROCS', value: String(procs) }); }
      return out;
    };
    const revokeGrace = p.revokeGraceSeconds ?? 5;
    const base = (name: string, role: StartupRole, init: boolean): ContainerSpec => ({
      name,
      image: p.image ?? DEFAULT_IMAGE,
      role,
      appWaitsFor: role === StartupRole.SIDECAR ? WaitCondition.STARTED : undefined,
      command: ['vault'],
      args: ['agent', `-config=${CONFIG_DIR}/${init ? 'agent-init.hcl' : 'agent.hcl'}`],
      env: env(),
      ports: !init && listens ? [{ port: p.cachePort ?? 8200, name: 'vault-proxy' }] : undefined,
      origins: [
        ...(!init && listens ? portOrigins(['cachePort']) : []), uidOrigin,
        ...(!init && p.revokeOnShutdown ? [{ field: 'shutdown.drainCommand', prop: 'revokeOnShutdown' }] : []),
      ],
      // No capability: the reload is an HTTP call, and a capability added to a non-root
      // container is not in effect anyway (kubernetes/kubernetes#56374).
      security: { uid: user.uid, gid, ...(user.same ? { sameUserAs: user.same } : {}) },
      resources,
      volumeMounts: agentMounts,
      dependsOn: !init && prePopulate ? [{ container: `${this.name}-init`, condition: WaitCondition.COMPLETED }] : undefined,
      identityToken: auth._identityToken(),
      // Revoke the token before the agent stops (vault-k8s createLifecycle: sleep, then `vault token revoke -self`
      // with the agent's address and TLS flags). The token is the sink file the CLI's token helper reads
      // (~/.vault-token, HOME=/home/vault); sh and sleep are busybox's in the Alpine-based image (reload.ts).
      shutdown: !init && p.revokeOnShutdown ? {
        drainCommand: ['/bin/sh', '-c', `/bin/sleep ${revokeGrace} && vault token revoke -self ${this.cliFlags(caCert).map(shellWord).join(' ')}`],
        gracePeriodSeconds: revokeGrace + 10,
      } : undefined,
      // What the runtime contract proves: the token it authenticates with is mounted and
      // readable, it can write its sink and pid file, and every app container that mounts
      // the secrets can read what it renders (with the modes of the templates).
      readsPaths: reads.length ? reads : undefined,
      writesPaths: [`${HOME}/.vault-token`, `${HOME}/.pid`],
      createsFiles: [
        { volume: `${this.name}-home`, mode: 0o640 },
        // The cache's BoltDB file, written by the init step, read by the agent (both the agent's UID).
        ...(persist ? [{ volume: `${this.name}-cache`, mode: 0o600 }] : []),
        ...groups.flatMap(g => [...new Set([...g.secrets.map(s => s.perms ?? defaultPerms), ...(p.injectToken ? [tokenMode] : [])])]
          .map(mode => ({ volume: g.volume, mode }))),
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
      pod: {
        // Where the agent connects: Vault, and the telemetry sinks (hashicorp/go-metrics statsd.go and
        // DogStatsD send UDP datagrams, statsite.go dials TCP).
        egress: endpoints(
          endpointOf(p.address, 'address'),
          endpointOf(p.telemetry?.statsdAddress, 'telemetry.statsdAddress', undefined, Protocol.UDP),
          endpointOf(p.telemetry?.statsiteAddress, 'telemetry.statsiteAddress'),
          endpointOf(p.telemetry?.dogstatsdAddress, 'telemetry.dogstatsdAddress', undefined, Protocol.UDP),
        ),
        // Group-read files need the pod's file group (fsGroup = the agent's GID).
        ...(fileGroups && !user.same && (p.secrets.some(s => !hasBit(s.perms ?? defaultPerms, 0o004)) || p.injectToken) ? { fileGroup: gid } : {}),
        ...(p.shareProcessNamespace ? { shareProcessNamespace: true } : {}),
      },
    }, p.overrides);
  }

  /** The agent's UID and GID: its own, or (runAsSameUser) those of the first app container. */
  private user(path: string, context: CompositionContext): { uid: number; gid: number; same?: string } {
    const p = this.props;
    if (!p.runAsSameUser || context.appContainers.length === 0) { return { uid: this.uid, gid: p.gid ?? 1000 }; }
    // vault-k8s reads containers[0].securityContext.runAsUser and refuses root (agent-inject/agent/annotations.go runAsSameID).
    const app = context.appContainers[0];
    if (app.uid === undefined) {
      throw Errors.invalidRole(path, 'runAsSameUser', true, `needs the UID of the first app container "${app.name}" of ${context.targetPath}, which the workload does not say (no runAsUser on Kubernetes, no numeric user on ECS; ACI has no container user)`,
        'Set the app container\'s user (Kubernetes securityContext.runAsUser, ECS user: "uid:gid"), or set uid and gid instead of runAsSameUser');
    }
    if (app.uid === 0) {
      throw Errors.invalidRole(path, 'runAsSameUser', true, `would run the agent as root: the first app container "${app.name}" of ${context.targetPath} runs as UID 0`,
        'Run the app as a non-root user, or set uid and gid instead of runAsSameUser');
    }
    return { uid: app.uid, gid: app.gid ?? p.gid ?? 1000, same: app.name };
  }

  /** The Vault CLI's flags for the pre-stop revoke, from the agent's own settings (vault-k8s vaultCliFlags). */
  private cliFlags(caCert: string | undefined): string[] {
    const p = this.props;
    const flags = [`-address=${p.address}`];
    if (caCert) { flags.push(`-ca-cert=${caCert}`); }
    if (p.caPath) { flags.push(`-ca-path=${p.caPath}`); }
    if (p.clientCertificateFile) { flags.push(`-client-cert=${p.clientCertificateFile}`); }
    if (p.clientKeyFile) { flags.push(`-client-key=${p.clientKeyFile}`); }
    if (p.tlsSkipVerify) { flags.push('-tls-skip-verify'); }
    if (p.tlsServerName) { flags.push(`-tls-server-name=${p.tlsServerName}`); }
    if (p.namespace) { flags.push(`-namespace=${p.namespace}`); }
    return flags;
  }

  /** Every rendered file must be readable by its owner (the agent re-reads it) and by the app. */
  private checkPerms(path: string, fileGroups: boolean, sameUser: string | undefined, uid: number): void {
    this.props.secrets.forEach((s, i) => {
      if (s.perms === undefined) { return; }
      const shown = `0${s.perms.toString(8).padStart(3, '0')}`;
      if (!hasBit(s.perms, 0o400)) {
        throw Errors.invalidRole(path, `secrets[${i}].perms`, shown, `has no owner-read bit: the agent (UID ${uid}) owns the file and re-reads it before each render (consul-template renderer.Render), and fails if it cannot`,
          `Add owner-read, e.g. ${sameUser ? '0o400' : fileGroups ? '0o440' : '0o444'}`);
      }
      // The agent runs as the app's user (runAsSameUser): owner-read lets the app in; other
      // app containers that mount the files are proved by the runtime contract.
      if (sameUser) { return; }
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
      if (!(a instanceof VaultAuth)) { throw Errors.invalidRole(path, `auth[${i}]`, a, 'is not a VaultAuth', 'Make it with VaultAuth.kubernetes(), aws(), azure(), appRole(), jwt(), gcp() or cert()'); }
      if (methods.has(a.method)) { throw Errors.invalidRole(path, `auth[${i}]`, a.method, 'is given twice', 'Give each method once'); }
      methods.add(a.method);
      if (a.method.startsWith('generic:')) {
        this.checkGeneric(path, i, a);
      } else {
        // The cert method's role (name) is optional: any certificate the mount trusts matches.
        if (a.method !== 'cert' && (!a.role || typeof a.role !== 'string')) { throw Errors.invalidName(path, `auth[${i}].role`, a.role, 'a Vault role name'); }
        text(a.secretName !== undefined ? 'secretName' : a.method === 'cert' ? 'name' : 'role', a.role, `auth[${i}].`);
      }
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
        if (key === 'tokenPath' && a.method === 'kubernetes') { this.checkTokenPath(path, `auth[${i}].${key}`, value); }
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
      // A file name, optionally under sub-directories of the secrets directory (vault-k8s
      // agent-inject-file-<n> joins it to the mount path: agent-inject/agent/config.go).
      if (typeof s.file !== 'string' || s.file.split('/').some(part => !FILE_NAME.test(part) || part === '.' || part === '..')) {
        throw Errors.invalidPath(path, `${f}.file`, s.file, 'is not a file inside the secrets directory (no leading "/", no "..", no empty part)',
          'Give a file name of letters, digits, \'-\', \'_\' and \'.\', optionally under sub-directories, e.g. "db.json" or "db/creds.json"; the agent writes it into the secrets directory');
      }
      if (p.injectToken && s.file === 'token') {
        throw Errors.invalidConfigFile(path, `${f}.file`, s.file, 'is where injectToken writes the agent\'s token', 'Give the secret another file name');
      }
      // A directory that is also a file: "db" and "db/creds.json".
      const clash = p.secrets.find(o => o !== s && typeof o.file === 'string' && o.file.startsWith(`${s.file}/`));
      if (clash) { throw Errors.invalidConfigFile(path, `${f}.file`, s.file, `is also the directory of ${JSON.stringify(clash.file)}`, 'Give the two secrets paths that do not overlap'); }
      if (files.has(s.file)) { throw Errors.invalidConfigFile(path, `${f}.file`, s.file, 'is the destination of two secrets', 'Give each secret a file of its own'); }
      // Its template is the config file "<file>.ctmpl": a ConfigMap key and a file name of at most 253 characters.
      if (!s.inline && s.templateFile === undefined && !s.file.includes('/') && s.file.length + '.ctmpl'.length > 253) {
        throw Errors.invalidConfigFile(path, `${f}.file`, s.file, `is ${s.file.length} characters long; its template "<file>.ctmpl" must be a file name of at most 253`,
          'Use a file name of at most 247 characters');
      }
      files.add(s.file);
      if (s.perms !== undefined && (!Number.isInteger(s.perms) || s.perms < 0 || s.perms > 0o777)) {
        throw Errors.invalidNumber(path, `${f}.perms`, s.perms, 'a file mode from 0o000 to 0o777');
      }
      // Written into agent.hcl (inline) or a template file: any text, escaped by the HCL writer.
      text('template', s.template, `${f}.`, s.inline === true);
      if (s.templateFile !== undefined) {
        text('templateFile', s.templateFile, `${f}.`);
        const problem = pathProblem(s.templateFile);
        if (problem) { throw Errors.invalidPath(path, `${f}.templateFile`, s.templateFile, problem); }
        if (s.template !== undefined || s.inline) {
          throw Errors.invalidRole(path, `${f}.templateFile`, s.templateFile, `is set together with ${f}.${s.template !== undefined ? 'template' : 'inline'}; a template has one source`, 'Keep one of the two');
        }
      }
      for (const key of ['leftDelimiter', 'rightDelimiter'] as const) {
        const d = s[key];
        if (d === undefined) { continue; }
        text(key, d, `${f}.`);
        if (d.length === 0 || /\s/.test(d)) { throw Errors.invalidName(path, `${f}.${key}`, d, 'a template delimiter without spaces, e.g. "[["'); }
      }
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
    if (p.cachePort !== undefined && !p.cache && !p.enableQuit) {
      throw Errors.ineffectiveSetting(path, 'cachePort', p.cachePort, 'cache and enableQuit are off, so no listener serves it', 'Set cache: true (or enableQuit: true), or leave cachePort out');
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
    this.checkTuning(path, text);
  }

  /** VaultAuth.generic: a method the agent has, config keys that are HCL identifiers. */
  private checkGeneric(path: string, i: number, a: VaultAuth): void {
    const given = a._given() as VaultGenericAuthOptions;
    if (!VAULT_AGENT_AUTH_METHODS.includes(given.type)) {
      throw Errors.invalidName(path, `auth[${i}].type`, given.type, `an auto-auth method of the Vault agent (${VAULT_AGENT_AUTH_METHODS.join(', ')})`);
    }
    for (const key of Object.keys(given.config)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) { throw Errors.invalidName(path, `auth[${i}].config`, key, 'a config key of the method, e.g. "token_file_path"'); }
    }
  }

  /** The knobs of issue 13 (vault-k8s parity): ranges, combinations, paths and text. */
  private checkTuning(path: string, text: (field: string, value: unknown, prefix?: string) => void): void {
    const p = this.props;
    const only = (field: string, value: unknown, set: boolean, needs: string, fix: string) => {
      if (value !== undefined && !set) { throw Errors.ineffectiveSetting(path, field, value, needs, fix); }
    };
    if (p.authMinBackoffSeconds !== undefined && p.authMaxBackoffSeconds !== undefined && p.authMinBackoffSeconds > p.authMaxBackoffSeconds) {
      throw Errors.invalidNumber(path, 'authMinBackoffSeconds', p.authMinBackoffSeconds, `at most authMaxBackoffSeconds (${p.authMaxBackoffSeconds})`);
    }
    if (p.leaseRenewalThreshold !== undefined && !(p.leaseRenewalThreshold > 0 && p.leaseRenewalThreshold <= 1)) {
      throw Errors.invalidNumber(path, 'leaseRenewalThreshold', p.leaseRenewalThreshold, 'a fraction of the lease above 0 and at most 1, e.g. 0.9');
    }
    only('revokeGraceSeconds', p.revokeGraceSeconds, p.revokeOnShutdown === true, 'revokeOnShutdown is off', 'Set revokeOnShutdown: true, or leave revokeGraceSeconds out');
    if (p.revokeOnShutdown && p.prePopulateOnly) {
      throw Errors.ineffectiveSetting(path, 'revokeOnShutdown', true, 'prePopulateOnly leaves only the init step, which exits after rendering', 'Drop revokeOnShutdown, or prePopulateOnly');
    }
    if (p.revokeOnShutdown && p.sinkWrapTtlSeconds !== undefined) {
      throw Errors.invalidRole(path, 'revokeOnShutdown', true, 'needs the agent\'s token in its sink, but sinkWrapTtlSeconds writes a response-wrapped token there', 'Drop sinkWrapTtlSeconds, or revokeOnShutdown');
    }
    only('cacheForceAutoAuthToken', p.cacheForceAutoAuthToken, p.cache === true, 'cache is off, so there is no API proxy', 'Set cache: true, or leave cacheForceAutoAuthToken out');
    only('cacheExitOnError', p.cacheExitOnError, p.cachePersist === true, 'cachePersist is off, so there is no cache to restore', 'Set cachePersist: true, or leave cacheExitOnError out');
    if (p.cachePersist && (!p.cache || p.prePopulate === false || p.prePopulateOnly)) {
      throw Errors.ineffectiveSetting(path, 'cachePersist', true, 'the init step hands its cache to the long-running agent, so it needs cache, prePopulate and the long-running agent',
        'Set cache: true and keep prePopulate (and no prePopulateOnly), or leave cachePersist out');
    }
    if (p.enableQuit && p.prePopulateOnly) {
      throw Errors.ineffectiveSetting(path, 'enableQuit', true, 'prePopulateOnly leaves only the init step, which exits by itself', 'Drop enableQuit, or prePopulateOnly');
    }
    if (p.runAsSameUser && (p.uid !== undefined || p.gid !== undefined)) {
      throw Errors.invalidRole(path, 'runAsSameUser', true, `is set together with ${p.uid !== undefined ? 'uid' : 'gid'}`, 'Keep one: runAsSameUser takes both from the first app container');
    }
    if (p.caCertificateFile !== undefined && p.caCertificatePem !== undefined) {
      throw Errors.invalidRole(path, 'caCertificateFile', p.caCertificateFile, 'is set together with caCertificatePem; the agent takes one CA file', 'Keep one of the two');
    }
    p.auth.forEach((a, i) => {
      if (a.method !== 'cert') { return; }
      // The cert method presents its own certificate, else the vault stanza's client_cert (developer.hashicorp.com/vault/docs/agent-and-proxy/autoauth/methods/cert).
      const given = (a._given() as { clientCertificateFile?: string; clientKeyFile?: string });
      if ((given.clientCertificateFile === undefined) !== (given.clientKeyFile === undefined)) {
        const [set, missing] = given.clientCertificateFile !== undefined ? ['clientCertificateFile', 'clientKeyFile'] : ['clientKeyFile', 'clientCertificateFile'];
        throw Errors.invalidRole(path, `auth[${i}].${set}`, (given as any)[set], `needs ${missing}: the cert method presents a certificate and its key`, `Set auth[${i}].${missing} too`);
      }
      if (given.clientCertificateFile === undefined && p.clientCertificateFile === undefined) {
        throw Errors.invalidRole(path, `auth[${i}]`, 'cert', 'has no client certificate to log in with: neither its clientCertificateFile nor the sidecar\'s is set',
          'Set clientCertificateFile and clientKeyFile (e.g. files of tlsSecretName under /vault/tls) on the sidecar or in VaultAuth.cert()');
      }
    });
    if ((p.clientCertificateFile === undefined) !== (p.clientKeyFile === undefined)) {
      const [set, missing] = p.clientCertificateFile !== undefined ? ['clientCertificateFile', 'clientKeyFile'] : ['clientKeyFile', 'clientCertificateFile'];
      throw Errors.invalidRole(path, set, (p as any)[set], `needs ${missing}: TLS client authentication takes a certificate and its key`, `Set ${missing} too`);
    }
    for (const key of ['caCertificateFile', 'caPath', 'clientCertificateFile', 'clientKeyFile'] as const) {
      const v = p[key];
      if (v === undefined) { continue; }
      text(key, v);
      const problem = pathProblem(v);
      if (problem) { throw Errors.invalidPath(path, key, v, problem); }
    }
    for (const key of ['extraSecretName', 'tlsSecretName'] as const) {
      if (p[key] === undefined) { continue; }
      // A Secret name (Kubernetes' rule, as checkSecretRef applies it), named as the prop itself.
      if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(p[key]!)) { throw Errors.invalidSecretName(path, key, p[key]!); }
      text(key, p[key]);
    }
    if (p.tlsServerName !== undefined) {
      text('tlsServerName', p.tlsServerName);
      if (!/^[A-Za-z0-9.-]+$/.test(p.tlsServerName)) { throw Errors.invalidName(path, 'tlsServerName', p.tlsServerName, 'a DNS name such as "vault.vault.svc"'); }
    }
    if (p.proxyAddress !== undefined && !literalPartsPass(p.proxyAddress, a => /^(https?|socks5):\/\/[A-Za-z0-9.@:_%-]+(:\d+)?\/?$/.test(a))) {
      throw Errors.invalidUrl(path, 'proxyAddress', p.proxyAddress, 'is not a proxy URL', 'Give the proxy as a URL, e.g. "http://proxy.corp:3128"');
    }
    const t = p.telemetry;
    if (t !== undefined) {
      for (const key of ['statsdAddress', 'statsiteAddress', 'dogstatsdAddress'] as const) {
        const v = t[key];
        if (v === undefined) { continue; }
        text(key, v, 'telemetry.');
        if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(v)) { throw Errors.invalidName(path, `telemetry.${key}`, v, 'a host:port such as "127.0.0.1:8125"'); }
      }
      (t.dogstatsdTags ?? []).forEach((tag, i) => text(`dogstatsdTags[${i}]`, tag, 'telemetry.'));
      for (const key of ['stackdriverProjectId', 'stackdriverLocation', 'stackdriverNamespace'] as const) { text(key, t[key], 'telemetry.'); }
      (t.prefixFilter ?? []).forEach((f, i) => {
        text(`prefixFilter[${i}]`, f, 'telemetry.');
        if (!/^[+-]\S+$/.test(f)) { throw Errors.invalidName(path, `telemetry.prefixFilter[${i}]`, f, 'a metric prefix after "+" (allow) or "-" (block), e.g. "+vault.agent"'); }
      });
    }
    for (const key of ['disableIdleConnections', 'disableKeepAlives'] as const) {
      const list = p[key] ?? [];
      list.forEach((x, i) => { if (list.indexOf(x) !== i) { throw Errors.invalidRole(path, `${key}[${i}]`, x, 'is given twice', 'Give each feature once'); } });
    }
  }
}

/** One permission bit of a file mode is set (mode and bit are 0..0o777). */
function hasBit(mode: number, bit: number): boolean {
  return Math.floor(mode / bit) % 2 === 1;
}

/**
 * The template of a secret that has none: its data as JSON, or (MAP) one `key: value` line per
 * key like vault-k8s's DefaultMapTemplate (agent-inject/agent/config.go), with the secret's delimiters.
 */
function defaultTemplate(secretPath: string, format: VaultTemplateFormat = VaultTemplateFormat.JSON, l = '{{', r = '}}'): string {
  if (format === VaultTemplateFormat.MAP) {
    return `${l} with secret ${JSON.stringify(secretPath)} ${r}${l} range $k, $v := .Data ${r}${l} $k ${r}: ${l} $v ${r}\n${l} end ${r}${l} end ${r}`;
  }
  return `${l}- with secret ${JSON.stringify(secretPath)} -${r}${l} .Data | toJSON ${r}${l}- end -${r}\n`;
}

/** A file mode as the agent's `perms` string, e.g. "0440". */
function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

/**
 * The config file that holds a secret's template: `<file>.ctmpl`; a file under sub-directories
 * gets its base name and a hash of the whole path (a config file name has no "/").
 */
function templateFileName(file: string): string {
  if (!file.includes('/')) { return `${file}.ctmpl`; }
  return `${file.slice(file.lastIndexOf('/') + 1)}-${createHash('sha256').update(file).digest('hex').slice(0, 8)}.ctmpl`;
}

/** GOMAXPROCS: the user's, else Go's rule for a cgroup CPU limit, max(2, ceil(limit)) (golang/go#73193). */
function goMaxProcs(given: number | undefined, cpuLimitMillicores: number | undefined): number | undefined {
  if (given !== undefined) { return given; }
  if (typeof cpuLimitMillicores !== 'number' || !Number.isFinite(cpuLimitMillicores)) { return undefined; }
  return Math.max(2, Math.ceil(cpuLimitMillicores / 1000));
}

/** The telemetry stanza (parameters of developer.hashicorp.com/vault/docs/configuration/telemetry). */
function telemetryBody(t: VaultTelemetry): HclBody {
  const out: HclBody = [];
  if (t.prometheusRetentionSeconds !== undefined) { out.push(['prometheus_retention_time', `${t.prometheusRetentionSeconds}s`]); }
  if (t.statsdAddress !== undefined) { out.push(['statsd_address', t.statsdAddress]); }
  if (t.statsiteAddress !== undefined) { out.push(['statsite_address', t.statsiteAddress]); }
  if (t.dogstatsdAddress !== undefined) { out.push(['dogstatsd_addr', t.dogstatsdAddress]); }
  if (t.dogstatsdTags !== undefined) { out.push(['dogstatsd_tags', [...t.dogstatsdTags]]); }
  if (t.disableHostname !== undefined) { out.push(['disable_hostname', t.disableHostname]); }
  if (t.enableHostnameLabel !== undefined) { out.push(['enable_hostname_label', t.enableHostnameLabel]); }
  if (t.prefixFilter !== undefined) { out.push(['prefix_filter', [...t.prefixFilter]]); }
  if (t.filterDefault !== undefined) { out.push(['filter_default', t.filterDefault]); }
  if (t.usageGaugePeriodSeconds !== undefined) { out.push(['usage_gauge_period', `${t.usageGaugePeriodSeconds}s`]); }
  if (t.maximumGaugeCardinality !== undefined) { out.push(['maximum_gauge_cardinality', t.maximumGaugeCardinality]); }
  if (t.leaseMetricsEpsilonSeconds !== undefined) { out.push(['lease_metrics_epsilon', `${t.leaseMetricsEpsilonSeconds}s`]); }
  if (t.numLeaseMetricsBuckets !== undefined) { out.push(['num_lease_metrics_buckets', t.numLeaseMetricsBuckets]); }
  if (t.addLeaseMetricsNamespaceLabels !== undefined) { out.push(['add_lease_metrics_namespace_labels', t.addLeaseMetricsNamespaceLabels]); }
  if (t.stackdriverProjectId !== undefined) { out.push(['stackdriver_project_id', t.stackdriverProjectId]); }
  if (t.stackdriverLocation !== undefined) { out.push(['stackdriver_location', t.stackdriverLocation]); }
  if (t.stackdriverNamespace !== undefined) { out.push(['stackdriver_namespace', t.stackdriverNamespace]); }
  if (t.stackdriverDebugLogs !== undefined) { out.push(['stackdriver_debug_logs', t.stackdriverDebugLogs]); }
  return out;
}

const SIGNAL_PROGRAMS = new Set(['kill', 'pkill', 'killall', 'killall5', 'skill', 'snice']);
const SHELLS = new Set(['sh', 'ash', 'bash', 'dash', 'zsh', 'busybox', 'env', 'timeout', 'nice', 'nohup']);

/** The command sends a signal: a kill program, or a shell (or wrapper) whose arguments run one. */
function sendsSignal(command: string[]): boolean {
  const program = command[0].slice(command[0].lastIndexOf('/') + 1);
  if (SIGNAL_PROGRAMS.has(program)) { return true; }
  return SHELLS.has(program) && command.slice(1).some(a => /(^|[^A-Za-z0-9_.-])(kill|pkill|killall|killall5)([^A-Za-z0-9_.-]|$)/.test(a));
}

// Names context.targetPath only in errors: composed once per distinct pod (declareDeterministic).
declareDeterministic(VaultAgentSidecar.prototype.contribute);
