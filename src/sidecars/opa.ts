import { Construct } from 'constructs';
import { EXT_AUTHZ_GRPC } from './capabilities';
import { declareDeterministic } from '../core/composition';
import { ContainerPortSpec, ContainerSpec, PortExposure, ResourceRequirements, StartupRole, WaitCondition } from '../core/container';
import { CapabilityOffer, CompositionContext, ISidecar, SidecarContribution, WorkloadIdentity } from '../core/contribution';
import { endpointOf, endpoints } from '../core/endpoints';
import { Errors } from '../core/errors';
import { DNS_LABEL, ENV_NAME, FILE_NAME, generatedFileOrigins, isImageReference, pathProblem, portOrigins, UID_ORIGIN } from '../core/names';
import { BuiltInSidecarProps, applyOverrides, checkOverrideTypes } from '../core/overrides';
import { Probe } from '../core/probe';
import { RESOURCE_TYPES, checkPropTypes, rememberProps } from '../core/prop-types';
import { resolveContribution, withDefaultResources } from '../core/resolve';
import { hideTokens, isOnlyToken, literalParts } from '../core/tokens';
import { VolumeKind, VolumeMountSpec, VolumeSpec } from '../core/volume';
import { toYamlText } from '../core/yaml-writer';

/** OPA's log level (`opa run --log-level`). */
export enum OpaLogLevel {
  /** debug */
  DEBUG = 'debug',
  /** info */
  INFO = 'info',
  /** error */
  ERROR = 'error',
}

/**
 * Algorithm of a bundle verification key. Only the public-key algorithms: an HMAC
 * secret (HS256 ...) would have to be written into config.yaml, which is not a secret
 * on any platform.
 *
 * @see https://www.openpolicyagent.org/docs/configuration#keys
 */
export enum OpaSigningAlgorithm {
  /** RSASSA-PKCS-v1.5 using SHA-256 (OPA's default). */
  RS256 = 'RS256',
  /** RSASSA-PKCS-v1.5 using SHA-384. */
  RS384 = 'RS384',
  /** RSASSA-PKCS-v1.5 using SHA-512. */
  RS512 = 'RS512',
  /** RSASSA-PSS using SHA-256. */
  PS256 = 'PS256',
  /** RSASSA-PSS using SHA-384. */
  PS384 = 'PS384',
  /** RSASSA-PSS using SHA-512. */
  PS512 = 'PS512',
  /** ECDSA using P-256 and SHA-256. */
  ES256 = 'ES256',
  /** ECDSA using P-384 and SHA-384. */
  ES384 = 'ES384',
  /** ECDSA using P-521 and SHA-512. */
  ES512 = 'ES512',
}

/**
 * How OPA authenticates to a service (bundle server, decision log or status receiver).
 *
 * @see https://www.openpolicyagent.org/docs/configuration#bearer-token
 */
export class OpaCredentials {
  /** No credentials. */
  public static none(): OpaCredentials {
    return new OpaCredentials(undefined, undefined);
  }

  /**
   * A bearer token read from a file in the OPA container, re-read on every request
   * (`credentials.bearer.token_path`): the pod's Kubernetes service account token. The
   * library projects a token (default audience, rotated hourly) at `tokenPath` into the
   * OPA container alone, so the pod can keep `automountServiceAccountToken: false`. All
   * services of one OpaSidecar share the one token path; its directory must not be one
   * OPA mounts for its config or policies. ECS and ACI have no such token and refuse it.
   *
   * @param tokenPath absolute path of the token file
   * @param scheme the authorization scheme (default `Bearer`)
   */
  public static bearerTokenFile(tokenPath: string, scheme?: string): OpaCredentials {
    return new OpaCredentials(tokenPath, scheme);
  }

  /** Path of the token file (bearer credentials only). */
  public readonly tokenPath?: string;
  /** Authorization scheme (bearer credentials only). */
  public readonly scheme?: string;

  private constructor(tokenPath: string | undefined, scheme: string | undefined) {
    this.tokenPath = tokenPath;
    this.scheme = scheme;
  }
}

/**
 * A remote service OPA talks to: a bundle server, a decision log or status receiver.
 *
 * @see https://www.openpolicyagent.org/docs/configuration#services
 */
export interface OpaService {
  /** Name of the service, referred to by bundles, decision logs and status (letters, digits, '-', '_', '.'). */
  readonly name: string;
  /** Base URL of the service (http or https). */
  readonly url: string;
  /**
   * How OPA authenticates.
   * @default OpaCredentials.none()
   */
  readonly credentials?: OpaCredentials;
}

/**
 * Signature verification of a bundle.
 *
 * @see https://www.openpolicyagent.org/docs/management-bundles#signing
 */
export interface OpaBundleSigning {
  /** Id of a key in the sidecar's `verificationKeys`. */
  readonly keyId: string;
  /**
   * Scope the bundle's signature must carry.
   * @default - no scope is checked
   */
  readonly scope?: string;
}

/**
 * A bundle of policy and data that OPA downloads from a service and keeps up to date.
 *
 * @see https://www.openpolicyagent.org/docs/configuration#bundles
 */
export interface OpaBundle {
  /** Name of the bundle (letters, digits, '-', '_', '.', '/'). */
  readonly name: string;
  /** Name of the service (in `services`) to download from. */
  readonly service: string;
  /**
   * Path of the bundle, relative to the service URL.
   * @default 'bundles/<name>'
   */
  readonly resource?: string;
  /**
   * Least seconds between two downloads (`polling.min_delay_seconds`).
   * @default 60
   */
  readonly pollingMinDelaySeconds?: number;
  /**
   * Most seconds between two downloads (`polling.max_delay_seconds`).
   * @default 120
   */
  readonly pollingMaxDelaySeconds?: number;
  /**
   * Verify the bundle's signature.
   * @default - not verified
   */
  readonly signing?: OpaBundleSigning;
}

/**
 * A public key that verifies signed bundles (`keys.<keyId>` in config.yaml).
 *
 * @see https://www.openpolicyagent.org/docs/configuration#keys
 */
export interface OpaVerificationKey {
  /** Id of the key, referred to by `bundles[].signing.keyId`. */
  readonly keyId: string;
  /** The PEM-encoded public key (`-----BEGIN PUBLIC KEY-----` ...). Private keys are refused. */
  readonly publicKeyPem: string;
  /**
   * Signing algorithm.
   * @default OpaSigningAlgorithm.RS256
   */
  readonly algorithm?: OpaSigningAlgorithm;
}

/**
 * Where OPA logs its decisions. At least one of `console` and `service` is set.
 *
 * @see https://www.openpolicyagent.org/docs/configuration#decision-logs
 */
export interface OpaDecisionLogs {
  /**
   * Log decisions to the container's standard output.
   * @default false
   */
  readonly console?: boolean;
  /**
   * Upload decisions to this service (in `services`).
   * @default - not uploaded
   */
  readonly service?: string;
  /**
   * Least seconds between two uploads (needs `service`).
   * @default 300
   */
  readonly reportingMinDelaySeconds?: number;
  /**
   * Most seconds between two uploads (needs `service`).
   * @default 600
   */
  readonly reportingMaxDelaySeconds?: number;
}

/**
 * Where OPA reports its status (bundle activations, plugin states). At least one of
 * `console` and `service` is set.
 *
 * @see https://www.openpolicyagent.org/docs/configuration#status
 */
export interface OpaStatus {
  /**
   * Log status updates to the container's standard output.
   * @default false
   */
  readonly console?: boolean;
  /**
   * Send status updates to this service (in `services`).
   * @default - not sent
   */
  readonly service?: string;
}

/**
 * Props of an Open Policy Agent sidecar.
 */
export interface OpaSidecarProps extends BuiltInSidecarProps {
  /**
   * Container name, unique in the pod (DNS label).
   * @default 'opa'
   */
  readonly name?: string;
  /**
   * Image. OPA's static images contain only the `/opa` binary.
   * @default 'openpolicyagent/opa:1.10.1-static', or 'openpolicyagent/opa:1.10.1-envoy-static' with `envoyPlugin`
   */
  readonly image?: string;
  /**
   * Port of OPA's REST API, where the app asks for decisions.
   * @default 8181
   */
  readonly port?: number;
  /**
   * Serve the REST API on 0.0.0.0 (EXPOSED) instead of 127.0.0.1 (reachable only from
   * the pod). The API has no authentication here: anyone who reaches it can query and,
   * for documents not owned by a bundle, replace policies and data.
   * @default false
   */
  readonly exposeApi?: boolean;
  /**
   * Port of OPA's diagnostic server (`/health`, `/metrics`), on 0.0.0.0 (EXPOSED) so
   * that platform probes and Prometheus reach it.
   * @default 8282
   */
  readonly diagnosticPort?: number;
  /**
   * UID (and GID) OPA runs as. OPA's images run as any non-root UID.
   * @default 1111 (the UID OPA's own Envoy tutorial uses)
   */
  readonly uid?: number;
  /**
   * Log level (logs are JSON).
   * @default OpaLogLevel.INFO
   */
  readonly logLevel?: OpaLogLevel;
  /**
   * CPU and memory. Fields left out take the defaults.
   * @default - requests 100m CPU and 128 MiB, memory limit 512 MiB, no CPU limit
   */
  readonly resources?: ResourceRequirements;
  /**
   * Services OPA downloads bundles from and reports to.
   * @default - none
   */
  readonly services?: OpaService[];
  /**
   * Bundles OPA downloads and keeps up to date.
   * @default - none
   */
  readonly bundles?: OpaBundle[];
  /**
   * Public keys that verify signed bundles; each must be used by a bundle.
   * @default - none
   */
  readonly verificationKeys?: OpaVerificationKey[];
  /**
   * Decision logging.
   * @default - decisions are not logged
   */
  readonly decisionLogs?: OpaDecisionLogs;
  /**
   * Status reporting.
   * @default - no status reports
   */
  readonly status?: OpaStatus;
  /**
   * Labels of this OPA, sent with decision logs and status (OPA adds `id` and `version` itself).
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Local policies: file name (ending in `.rego`) to Rego source, mounted read-only
   * at `/policies` and loaded at start.
   * @default - none
   */
  readonly policies?: { [fileName: string]: string };
  /**
   * Variable that tells the app containers where OPA is (`http://127.0.0.1:<port>`).
   * @default 'OPA_ADDR'
   */
  readonly appEnvName?: string;
  /**
   * Names of the app containers that get the address variable.
   * @default - every app container
   */
  readonly appContainers?: string[];
  /**
   * What the app waits for before it starts: HEALTHY (OPA answers and, with bundles,
   * has activated them) or STARTED.
   * @default WaitCondition.HEALTHY
   */
  readonly appWaitsFor?: WaitCondition;
  /**
   * Run OPA's Envoy plugin (the `-envoy` image): an Envoy ext_authz gRPC server on
   * 127.0.0.1:`extAuthzPort`, offered to the other sidecars of the pod. An Envoy proxy
   * in the same pod must take the offer.
   * @default false
   * @see https://www.openpolicyagent.org/docs/envoy
   */
  readonly envoyPlugin?: boolean;
  /**
   * Rule the Envoy plugin evaluates for each request (needs `envoyPlugin`).
   * @default 'envoy/authz/allow'
   */
  readonly envoyPluginPath?: string;
  /**
   * Port of the ext_authz gRPC server (needs `envoyPlugin`).
   * @default 9191
   */
  readonly extAuthzPort?: number;
  /**
   * Seconds the proxy waits for a decision (needs `envoyPlugin`).
   * @default 0.5
   */
  readonly extAuthzTimeoutSeconds?: number;
  /**
   * The proxy lets a request through when OPA cannot be asked (needs `envoyPlugin`).
   * @default false (fail closed)
   */
  readonly extAuthzFailureModeAllow?: boolean;
}

const OPA_VERSION = '1.10.1';
const DEFAULT_IMAGE = `openpolicyagent/opa:${OPA_VERSION}-static`;
const DEFAULT_ENVOY_IMAGE = `openpolicyagent/opa:${OPA_VERSION}-envoy-static`;
const CONFIG_DIR = '/config/opa';
const POLICY_DIR = '/policies';
/** OPA's config map keys: letters, digits, '-', '_', '.' (and '/' for bundle names). */
const CONFIG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const BUNDLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;
/** A rule path as the Envoy plugin takes it: Rego identifiers separated by '/'. */
const RULE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;
const HTTP_TOKEN = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*$/;

/** The ports of one OPA sidecar, by prop name. */
interface OpaPorts {
  readonly port: number;
  readonly diagnosticPort: number;
  readonly extAuthzPort?: number;
}

/**
 * Open Policy Agent beside the app: the app asks OPA for decisions at
 * `http://127.0.0.1:8181` (`OPA_ADDR`), OPA loads local policies and/or downloads
 * bundles, logs decisions and reports status as configured; its generated
 * `config.yaml` is mounted at `/config/opa`.
 *
 * With `envoyPlugin`, OPA also serves Envoy's ext_authz gRPC API on 127.0.0.1:9191 and
 * offers it to the pod; an `EnvoySidecar` in the same pod then checks every inbound
 * HTTP request with OPA.
 *
 * Start order: with a transparent proxy in the same pod (e.g. Envoy with redirect), OPA
 * starts after the proxy whatever the attachment order, so that its first bundle download
 * already goes through the proxy.
 *
 * On Kubernetes classic sidecar mode (< 1.29) OPA cannot be waited for (its static image
 * has no shell for a wait command): set `appWaitsFor: WaitCondition.STARTED` there.
 *
 * @see https://www.openpolicyagent.org/docs/deployments
 */
export class OpaSidecar extends Construct implements ISidecar {
  /** Container name. */
  public readonly name: string;
  /** UID (and GID) OPA runs as. */
  public readonly uid: number;
  /** Port of the REST API. */
  public readonly port: number;
  /** Port of the diagnostic server (`/health`, `/metrics`). */
  public readonly diagnosticPort: number;
  /** Port of the ext_authz gRPC server (with `envoyPlugin`). */
  public readonly extAuthzPort?: number;
  /** The address the app containers get. */
  public readonly appAddress: string;

  private readonly contribution: SidecarContribution;
  private readonly props: OpaSidecarProps;

  constructor(scope: Construct, id: string, props: OpaSidecarProps = {}) {
    super(scope, id);
    // Runtime types first (issue 10, section 2): a wrong type is a catalogued error naming the prop, never a TypeError.
    checkPropTypes(this.node.path, props, {
      name: 'string',
      image: 'string',
      port: 'port',
      exposeApi: 'boolean',
      diagnosticPort: 'port',
      uid: 'number',
      logLevel: { enum: OpaLogLevel },
      resources: 'object',
      services: 'objectArray',
      bundles: 'objectArray',
      verificationKeys: 'objectArray',
      decisionLogs: 'object',
      status: 'object',
      labels: 'stringMap',
      policies: 'stringMap',
      appEnvName: 'string',
      appContainers: 'stringArray',
      appWaitsFor: { enum: WaitCondition },
      envoyPlugin: 'boolean',
      envoyPluginPath: 'string',
      extAuthzPort: 'port',
      extAuthzTimeoutSeconds: 'number',
      extAuthzFailureModeAllow: 'boolean',
    });
    // Nested fields, named as the user wrote them (issue 10, section 2).
    checkPropTypes(this.node.path, props, {
      verificationKeys: { each: { keyId: 'string', publicKeyPem: 'string', algorithm: { enum: OpaSigningAlgorithm } }, required: ['keyId', 'publicKeyPem'] },
      services: { each: { name: 'string', url: 'string', credentials: { struct: { tokenPath: 'string', scheme: 'string' } } }, required: ['name', 'url'] },
      bundles: {
        each: {
          name: 'string',
          service: 'string',
          resource: 'string',
          pollingMinDelaySeconds: 'count',
          pollingMaxDelaySeconds: 'count',
          signing: { struct: { keyId: 'string', scope: 'string' }, required: ['keyId'] },
        },
        required: ['name', 'service'],
      },
      decisionLogs: { struct: { console: 'boolean', service: 'string', reportingMinDelaySeconds: 'count', reportingMaxDelaySeconds: 'count' } },
      status: { struct: { console: 'boolean', service: 'string' } },
      resources: { struct: RESOURCE_TYPES },
    });
    const path = this.node.path;
    this.name = props.name ?? 'opa';
    this.uid = props.uid ?? 1111;
    const envoy = props.envoyPlugin ?? false;
    const ports: OpaPorts = {
      port: props.port ?? 8181,
      diagnosticPort: props.diagnosticPort ?? 8282,
      extAuthzPort: envoy ? props.extAuthzPort ?? 9191 : undefined,
    };
    this.port = ports.port;
    this.diagnosticPort = ports.diagnosticPort;
    this.extAuthzPort = ports.extAuthzPort;
    this.appAddress = `http://127.0.0.1:${ports.port}`;
    checkProps(path, this.name, props, ports);
    this.props = props;
    rememberProps(this, props);
    checkOverrideTypes(path, props);
    this.contribution = applyOverrides(path, this.describe(props, ports), props.overrides);
    // Every field check of the neutral model, now.
    resolveContribution(path, this.contribution);
  }

  /** Describes OPA; it does not depend on the pod, but a token file needs a Kubernetes pod. */
  public contribute(context: CompositionContext): SidecarContribution {
    const identity = context.identity ?? WorkloadIdentity.NONE;
    const i = (this.props.services ?? []).findIndex(s => s.credentials?.tokenPath !== undefined);
    if (i >= 0 && context.appContainers.length > 0 && identity !== WorkloadIdentity.KUBERNETES_SERVICE_ACCOUNT) {
      throw Errors.invalidRole(this.node.path, `services[${i}].credentials.tokenPath`, this.props.services![i].credentials!.tokenPath,
        `needs a Kubernetes service account token, but ${context.targetPath} provides the ${identity} identity and nothing would write that file`,
        'Use OpaCredentials.none() with a bundle server that needs no token (e.g. a signed bundle over HTTPS), or run OPA on Kubernetes');
    }
    return this.contribution;
  }

  private describe(p: OpaSidecarProps, ports: OpaPorts): SidecarContribution {
    const envoy = ports.extAuthzPort !== undefined;
    const bundles = (p.bundles ?? []).length > 0;
    const policies = Object.entries(p.policies ?? {});
    const configVolume = `${this.name}-config`;
    const policyVolume = `${this.name}-policies`;
    const volumes: VolumeSpec[] = [{
      name: configVolume,
      kind: VolumeKind.CONFIG_FILES,
      files: [{ name: 'config.yaml', content: toYamlText(opaConfig(p, ports)) }],
    }];
    const mounts: VolumeMountSpec[] = [{ volume: configVolume, path: CONFIG_DIR, readOnly: true }];
    if (policies.length) {
      volumes.push({ name: policyVolume, kind: VolumeKind.CONFIG_FILES, files: policies.map(([name, content]) => ({ name, content })) });
      mounts.push({ volume: policyVolume, path: POLICY_DIR, readOnly: true });
    }

    const containerPorts: ContainerPortSpec[] = [
      { port: ports.port, name: 'opa-http', exposure: p.exposeApi ? PortExposure.EXPOSED : PortExposure.POD_LOCAL },
      // The kubelet (and ACI's probes, and Prometheus) come from outside the pod's
      // loopback and cannot reach 127.0.0.1: that is why OPA's diagnostic server, which
      // serves only the read-only /health and /metrics, listens on 0.0.0.0.
      // Metrics at /metrics (open-policy-agent/opa v1/server/server.go DiagnosticAddrs: "read-only diagnostic API's (eg /health, /metrics)").
      { port: ports.diagnosticPort, name: 'opa-diag', exposure: PortExposure.EXPOSED, metricsPath: '/metrics' },
      // ext_authz is for the proxy of this pod only: bound to 127.0.0.1. Traffic to
      // loopback is never captured by a transparent redirect (the proxy's own UID is
      // exempt too), so Envoy reaches OPA directly.
      ...(envoy ? [{ port: ports.extAuthzPort!, name: 'opa-authz', exposure: PortExposure.POD_LOCAL }] : []),
    ];

    // Readiness: with the Envoy plugin, every plugin (the gRPC server and the bundle
    // downloader) must be OK; with bundles, every bundle activated; else the server up.
    const readyPath = envoy ? '/health?plugins' : bundles ? '/health?bundles' : '/health';
    const diag = ports.diagnosticPort;
    const waitsFor = p.appWaitsFor ?? WaitCondition.HEALTHY;
    // ECS runs its health check inside the container, and the static image has only the
    // opa binary (no shell, no curl): `opa eval --fail` asks the diagnostic server with
    // http.send and exits non-zero when the status is not 200 or the request fails (both
    // leave the query undefined, or end in an evaluation error).
    const healthQuery = `http.send({"method": "GET", "url": "http://127.0.0.1:${diag}${readyPath}", "timeout": "2s"}).status_code == 200`;
    const container: ContainerSpec = {
      name: this.name,
      image: p.image ?? (envoy ? DEFAULT_ENVOY_IMAGE : DEFAULT_IMAGE),
      role: StartupRole.SIDECAR,
      appWaitsFor: waitsFor,
      command: ['/opa'],
      args: [
        'run',
        '--server',
        `--addr=${p.exposeApi ? '0.0.0.0' : '127.0.0.1'}:${ports.port}`,
        `--diagnostic-addr=0.0.0.0:${diag}`,
        `--config-file=${CONFIG_DIR}/config.yaml`,
        '--log-format=json',
        `--log-level=${p.logLevel ?? OpaLogLevel.INFO}`,
        // No anonymous version reports to telemetry.openpolicyagent.org from a sidecar.
        '--disable-telemetry',
        // A ConfigMap volume holds its files twice (in hidden ..data directories):
        // ignore hidden names so that each policy is loaded once.
        ...(policies.length ? ['--ignore=.*', POLICY_DIR] : []),
      ],
      ports: containerPorts,
      origins: [...portOrigins(['port', 'diagnosticPort', ...(envoy ? ['extAuthzPort'] : [])]), UID_ORIGIN, { field: 'appWaitsFor', prop: 'appWaitsFor' }],
      security: { uid: this.uid, gid: this.uid },
      resources: withDefaultResources(this.node.path,
        { cpuRequestMillicores: 100, memoryRequestMebibytes: 128, memoryLimitMebibytes: 512 }, p.resources),
      // 10 checks 5 s apart (50 s) for the first bundle activation; within ECS's health check ranges.
      startupProbe: waitsFor === WaitCondition.HEALTHY
        ? Probe.httpGet({ port: diag, path: readyPath, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 10 })
        : undefined,
      readinessProbe: Probe.httpGet({ port: diag, path: readyPath, periodSeconds: 5, timeoutSeconds: 3 }),
      livenessProbe: Probe.httpGet({ port: diag, path: '/health', periodSeconds: 10, timeoutSeconds: 3 }),
      healthCommand: ['/opa', 'eval', '--fail', healthQuery],
      volumeMounts: mounts,
      // The bundle token config.yaml names (the one path checkProps allows): projected
      // into OPA alone, since OPA reads it and nothing else mounts it
      // (https://www.openpolicyagent.org/docs/configuration#bearer-token).
      identityToken: bundleTokenPath(p) !== undefined ? { path: bundleTokenPath(p) } : undefined,
      // The runtime contract proves the token is really there for OPA to read.
      readsPaths: bundleTokenPath(p) !== undefined ? [bundleTokenPath(p)!] : undefined,
      // OPA finishes in-flight requests for up to 10 s (--shutdown-grace-period) after SIGTERM.
      shutdown: { gracePeriodSeconds: 15 },
    };

    const offers: CapabilityOffer[] = envoy ? [{
      name: EXT_AUTHZ_GRPC,
      port: ports.extAuthzPort,
      settings: {
        timeoutSeconds: String(p.extAuthzTimeoutSeconds ?? 0.5),
        failureModeAllow: String(p.extAuthzFailureModeAllow ?? false),
      },
      requiresConsumer: true,
    }] : [];
    return {
      containers: [container],
      volumes,
      // A file too large for a platform names the prop with the largest value (e.g. a policy).
      origins: generatedFileOrigins(p, volumes),
      appRequests: {
        env: [{ name: p.appEnvName ?? 'OPA_ADDR', value: this.appAddress }],
        containers: p.appContainers,
      },
      offers,
      // Where OPA connects: its services (bundles, decision logs, status; https://www.openpolicyagent.org/docs/configuration#services).
      pod: { egress: endpoints(...(p.services ?? []).map((s, i) => endpointOf(s.url, `services[${i}].url`))) },
      settableProps: ['OpaSidecarProps.appWaitsFor'],
    };
  }
}

/** config.yaml, as OPA reads it (snake_case keys). */
function opaConfig(p: OpaSidecarProps, ports: OpaPorts): any {
  const config: any = {};
  if (p.services?.length) {
    const credentials = (c: OpaCredentials | undefined) => c?.tokenPath === undefined ? {}
      : { credentials: { bearer: { token_path: c.tokenPath, ...(c.scheme !== undefined ? { scheme: c.scheme } : {}) } } };
    config.services = Object.fromEntries(p.services.map(s => [s.name, { url: s.url, ...credentials(s.credentials) }]));
  }
  if (p.labels && Object.keys(p.labels).length) { config.labels = { ...p.labels }; }
  if (p.bundles?.length) {
    config.bundles = Object.fromEntries(p.bundles.map(b => [b.name, {
      service: b.service,
      resource: b.resource ?? `bundles/${b.name}`,
      polling: { min_delay_seconds: b.pollingMinDelaySeconds ?? 60, max_delay_seconds: b.pollingMaxDelaySeconds ?? 120 },
      ...(b.signing ? { signing: { keyid: b.signing.keyId, ...(b.signing.scope !== undefined ? { scope: b.signing.scope } : {}) } } : {}),
    }]));
  }
  if (p.verificationKeys?.length) {
    config.keys = Object.fromEntries(p.verificationKeys.map(k => [k.keyId, {
      algorithm: k.algorithm ?? OpaSigningAlgorithm.RS256,
      key: k.publicKeyPem.endsWith('\n') ? k.publicKeyPem : `${k.publicKeyPem}\n`,
    }]));
  }
  const logs = p.decisionLogs;
  if (logs) {
    config.decision_logs = {
      ...(logs.console ? { console: true } : {}),
      ...(logs.service !== undefined ? {
        service: logs.service,
        reporting: { min_delay_seconds: logs.reportingMinDelaySeconds ?? 300, max_delay_seconds: logs.reportingMaxDelaySeconds ?? 600 },
      } : {}),
    };
  }
  if (p.status) {
    config.status = {
      ...(p.status.console ? { console: true } : {}),
      ...(p.status.service !== undefined ? { service: p.status.service } : {}),
    };
  }
  if (ports.extAuthzPort !== undefined) {
    config.plugins = {
      envoy_ext_authz_grpc: { addr: `127.0.0.1:${ports.extAuthzPort}`, path: p.envoyPluginPath ?? 'envoy/authz/allow' },
    };
  }
  return config;
}

function isPort(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

function checkSeconds(path: string, field: string, value: number | undefined, min: number): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min)) {
    throw Errors.invalidNumber(path, field, value, `an integer number of seconds >= ${min}`);
  }
}

/** min <= max, with OPA's defaults for what is left out. */
function checkDelays(path: string, minField: string, min: number | undefined, maxField: string, max: number | undefined,
  defaults: [number, number]): void {
  checkSeconds(path, minField, min, 1);
  checkSeconds(path, maxField, max, 1);
  const lo = min ?? defaults[0];
  const hi = max ?? defaults[1];
  if (lo > hi) { throw Errors.invalidRange(path, minField, lo, maxField, hi); }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0].trim().slice(0, 64);
}

/** Checks of OPA's own props (the neutral ones are checked by the model). */
function checkProps(path: string, name: string, p: OpaSidecarProps, ports: OpaPorts): void {
  if (typeof name !== 'string' || !DNS_LABEL.test(name)) { throw Errors.invalidName(path, 'name', name, 'a DNS label of at most 63 characters'); }
  if (p.image !== undefined && (typeof p.image !== 'string' || !isImageReference(p.image))) { throw Errors.invalidImage(path, 'image', p.image); }
  const seen = new Map<number, string>();
  for (const [field, port] of Object.entries(ports)) {
    if (port === undefined) { continue; }
    if (!isPort(port)) { throw Errors.invalidPort(path, field, port); }
    const other = seen.get(port);
    if (other) { throw Errors.duplicatePort(path, field, port, 'TCP', other); }
    seen.set(port, field);
  }
  if (p.logLevel !== undefined && !Object.values(OpaLogLevel).includes(p.logLevel)) {
    throw Errors.invalidRole(path, 'logLevel', p.logLevel, 'is not an OpaLogLevel', 'Use OpaLogLevel.DEBUG, INFO or ERROR');
  }
  const appEnvName = p.appEnvName ?? 'OPA_ADDR';
  if (typeof appEnvName !== 'string' || !ENV_NAME.test(appEnvName)) {
    throw Errors.invalidEnv(path, 'appEnvName', appEnvName, 'is not a valid variable name');
  }

  // Envoy plugin settings are rendered only with the plugin.
  if (!(p.envoyPlugin ?? false)) {
    for (const field of ['envoyPluginPath', 'extAuthzPort', 'extAuthzTimeoutSeconds', 'extAuthzFailureModeAllow'] as const) {
      if (p[field] !== undefined) {
        throw Errors.ineffectiveSetting(path, field, p[field], 'envoyPlugin is not set', 'Set envoyPlugin: true, or leave the field out');
      }
    }
  }
  if (p.envoyPluginPath !== undefined && (typeof p.envoyPluginPath !== 'string' || !RULE_PATH.test(p.envoyPluginPath))) {
    throw Errors.invalidName(path, 'envoyPluginPath', p.envoyPluginPath, 'a rule path of Rego identifiers separated by "/", e.g. "envoy/authz/allow"');
  }
  const timeout = p.extAuthzTimeoutSeconds;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)) {
    throw Errors.invalidNumber(path, 'extAuthzTimeoutSeconds', timeout, 'a number of seconds > 0');
  }

  // Services.
  const services = p.services ?? [];
  const serviceNames: string[] = [];
  services.forEach((s, i) => {
    const f = `services[${i}]`;
    if (typeof s.name !== 'string' || !CONFIG_NAME.test(s.name) || serviceNames.includes(s.name)) {
      throw Errors.invalidName(path, `${f}.name`, s.name, 'a unique service name of letters, digits, \'-\', \'_\' and \'.\'');
    }
    serviceNames.push(s.name);
    checkUrl(path, `${f}.url`, s.url);
    const c = s.credentials;
    if (c !== undefined && !(c instanceof OpaCredentials)) {
      throw Errors.invalidRole(path, `${f}.credentials`, c, 'is not an OpaCredentials', 'Use OpaCredentials.bearerTokenFile(path) or OpaCredentials.none()');
    }
    if (c?.tokenPath !== undefined) {
      const problem = typeof c.tokenPath === 'string' ? pathProblem(c.tokenPath) : 'is not a string';
      if (problem) { throw Errors.invalidPath(path, `${f}.credentials.tokenPath`, c.tokenPath, problem); }
      const first = services.findIndex(x => x.credentials?.tokenPath !== undefined);
      if (first < i && services[first].credentials!.tokenPath !== c.tokenPath) {
        throw Errors.invalidPath(path, `${f}.credentials.tokenPath`, c.tokenPath,
          `differs from services[${first}].credentials.tokenPath ${JSON.stringify(services[first].credentials!.tokenPath)}: OPA gets one projected service account token; use the same path for every service`);
      }
      const dir = c.tokenPath.slice(0, c.tokenPath.lastIndexOf('/'));
      const clash = [CONFIG_DIR, POLICY_DIR].find(t => dir === '' || t === dir || t.startsWith(`${dir}/`) || dir.startsWith(`${t}/`));
      if (clash !== undefined || ['ca.crt', 'namespace'].includes(c.tokenPath.slice(dir.length + 1))) {
        throw Errors.invalidPath(path, `${f}.credentials.tokenPath`, c.tokenPath,
          `is in directory ${JSON.stringify(dir || '/')}, which OPA mounts for its config or policies (${CONFIG_DIR}, ${POLICY_DIR}) or which holds the token's ca.crt and namespace; the projected token gets a directory of its own`);
      }
    }
    if (c?.scheme !== undefined && (typeof c.scheme !== 'string' || !HTTP_TOKEN.test(c.scheme))) {
      throw Errors.invalidName(path, `${f}.credentials.scheme`, c.scheme, 'an HTTP authorization scheme such as "Bearer"');
    }
  });
  const service = (field: string, value: unknown) => {
    if (typeof value !== 'string' || !serviceNames.includes(value)) {
      throw Errors.unknownReference(path, field, value, 'service', 'services', serviceNames);
    }
  };

  // Keys and bundles.
  const keyIds: string[] = [];
  (p.verificationKeys ?? []).forEach((k, i) => {
    const f = `verificationKeys[${i}]`;
    if (typeof k.keyId !== 'string' || !CONFIG_NAME.test(k.keyId) || keyIds.includes(k.keyId)) {
      throw Errors.invalidName(path, `${f}.keyId`, k.keyId, 'a unique key id of letters, digits, \'-\', \'_\' and \'.\'');
    }
    keyIds.push(k.keyId);
    checkPublicKey(path, `${f}.publicKeyPem`, k.publicKeyPem);
    if (k.algorithm !== undefined && !Object.values(OpaSigningAlgorithm).includes(k.algorithm)) {
      throw Errors.invalidRole(path, `${f}.algorithm`, k.algorithm, 'is not an OpaSigningAlgorithm', 'Use one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512');
    }
  });
  const bundleNames: string[] = [];
  const usedKeys = new Set<string>();
  (p.bundles ?? []).forEach((b, i) => {
    const f = `bundles[${i}]`;
    if (typeof b.name !== 'string' || !BUNDLE_NAME.test(b.name) || bundleNames.includes(b.name)) {
      throw Errors.invalidName(path, `${f}.name`, b.name, 'a unique bundle name of letters, digits, \'-\', \'_\', \'.\' and \'/\'');
    }
    bundleNames.push(b.name);
    service(`${f}.service`, b.service);
    if (b.resource !== undefined && (typeof b.resource !== 'string' || b.resource.length === 0 || /\s/.test(b.resource))) {
      throw Errors.invalidPath(path, `${f}.resource`, b.resource, 'is not a resource path (empty or with white space)',
        'Give the bundle\'s path on its service, e.g. "bundles/authz.tar.gz"');
    }
    checkDelays(path, `${f}.pollingMinDelaySeconds`, b.pollingMinDelaySeconds, `${f}.pollingMaxDelaySeconds`, b.pollingMaxDelaySeconds, [60, 120]);
    if (b.signing) {
      if (typeof b.signing.keyId !== 'string' || !keyIds.includes(b.signing.keyId)) {
        throw Errors.unknownReference(path, `${f}.signing.keyId`, b.signing.keyId, 'key', 'verificationKeys', keyIds);
      }
      usedKeys.add(b.signing.keyId);
      if (b.signing.scope !== undefined && (typeof b.signing.scope !== 'string' || b.signing.scope.length === 0)) {
        throw Errors.invalidName(path, `${f}.signing.scope`, b.signing.scope, 'a non-empty scope');
      }
    }
  });
  keyIds.forEach((id, i) => {
    if (!usedKeys.has(id)) {
      throw Errors.ineffectiveSetting(path, `verificationKeys[${i}]`, id, 'no bundle verifies its signature with this key',
        'Give a bundle signing: { keyId: "' + id + '" }, or remove the key');
    }
  });

  // Decision logs and status.
  const logs = p.decisionLogs;
  if (logs) {
    if (!logs.console && logs.service === undefined) {
      throw Errors.ineffectiveSetting(path, 'decisionLogs', logs, 'neither console nor service is set (OPA would then upload to its first service)',
        'Set console: true, or service: "<a service in services>"');
    }
    if (logs.service !== undefined) {
      service('decisionLogs.service', logs.service);
    } else {
      for (const field of ['reportingMinDelaySeconds', 'reportingMaxDelaySeconds'] as const) {
        if (logs[field] !== undefined) {
          throw Errors.ineffectiveSetting(path, `decisionLogs.${field}`, logs[field], 'decision logs are not uploaded (no decisionLogs.service)',
            'Set decisionLogs.service, or leave the field out');
        }
      }
    }
    checkDelays(path, 'decisionLogs.reportingMinDelaySeconds', logs.reportingMinDelaySeconds, 'decisionLogs.reportingMaxDelaySeconds',
      logs.reportingMaxDelaySeconds, [300, 600]);
  }
  if (p.status) {
    if (!p.status.console && p.status.service === undefined) {
      throw Errors.ineffectiveSetting(path, 'status', p.status, 'neither console nor service is set', 'Set console: true, or service: "<a service in services>"');
    }
    if (p.status.service !== undefined) { service('status.service', p.status.service); }
  }
  services.forEach((s, i) => {
    const used = (p.bundles ?? []).some(b => b.service === s.name) || logs?.service === s.name || p.status?.service === s.name;
    if (!used) {
      throw Errors.ineffectiveSetting(path, `services[${i}]`, s.name, 'no bundle, decisionLogs or status uses the service',
        'Name the service in a bundle, decisionLogs.service or status.service, or remove it');
    }
  });

  // Labels: OPA sets id and version itself and would overwrite them.
  Object.entries(p.labels ?? {}).forEach(([key, value]) => {
    if (key === 'id' || key === 'version') {
      throw Errors.invalidName(path, 'labels', key, 'a label other than "id" and "version", which OPA sets itself');
    }
    if (!CONFIG_NAME.test(key) || typeof value !== 'string') {
      throw Errors.invalidName(path, 'labels', key, 'a label key of letters, digits, \'-\', \'_\' and \'.\' with a string value');
    }
  });

  // Local policies.
  for (const [fileName, source] of Object.entries(p.policies ?? {})) {
    if (!fileName.endsWith('.rego') || fileName === '.rego') {
      throw Errors.invalidPolicyFile(path, 'policies', fileName, 'does not end in ".rego" (opa run loads other files as data)');
    }
    if (fileName.startsWith('.')) {
      throw Errors.invalidPolicyFile(path, 'policies', fileName, 'starts with "." and would be skipped (hidden files are ignored)');
    }
    if (!FILE_NAME.test(fileName) || fileName.length > 253) {
      throw Errors.invalidPolicyFile(path, 'policies', fileName, 'is not a valid file name');
    }
    if (typeof source !== 'string' || !/^\s*package\s+[A-Za-z_]/m.test(source)) {
      throw Errors.invalidPolicyFile(path, 'policies', fileName, 'has no package declaration');
    }
  }
}

function checkUrl(path: string, field: string, value: unknown): void {
  if (typeof value !== 'string') { throw Errors.invalidUrl(path, field, value, 'is not a string'); }
  // A URL from another construct (a CDK token) is checked on its literal parts.
  if (isOnlyToken(value)) { return; }
  // Its literal parts are what is wrong then: shown with the tokens as placeholders (not the token error).
  const shown = hideTokens(value);
  let url: URL;
  try {
    url = new URL(literalParts(value, 'x'));
  } catch {
    throw Errors.invalidUrl(path, field, shown, 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw Errors.invalidUrl(path, field, shown, `has the scheme ${JSON.stringify(url.protocol.slice(0, -1))}, not http or https`);
  }
  if (!url.hostname) { throw Errors.invalidUrl(path, field, shown, 'has no host'); }
}

/** A PEM public key; a private key (which would land in a ConfigMap) is refused. */
function checkPublicKey(path: string, field: string, pem: unknown): void {
  const fix = 'Give the PEM-encoded public key ("-----BEGIN PUBLIC KEY-----" ...), e.g. from `openssl rsa -in key.pem -pubout`';
  if (typeof pem !== 'string') { throw Errors.invalidKey(path, field, String(pem), 'is not a string', fix); }
  const first = firstLine(pem);
  if (/PRIVATE KEY/.test(pem)) {
    throw Errors.invalidKey(path, field, first, 'is a private key, which must never be written into OPA\'s config (it is not a secret on any platform)', fix);
  }
  if (!/^-----BEGIN (RSA )?PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+\r?\n-----END (RSA )?PUBLIC KEY-----$/.test(pem.trim())) {
    throw Errors.invalidKey(path, field, first, 'is not a PEM-encoded public key', fix);
  }
}

/** The one token file the services read, if any (checkProps makes them agree). */
function bundleTokenPath(p: OpaSidecarProps): string | undefined {
  return (p.services ?? []).find(s => s.credentials?.tokenPath !== undefined)?.credentials?.tokenPath;
}

// Names context.targetPath only in errors: composed once per distinct pod (declareDeterministic).
declareDeterministic(OpaSidecar.prototype.contribute);
