/**
 * Checks of DaprSidecar's own props (the neutral ones are checked by the model). Internal:
 * not part of the jsii API. Split from ../dapr.ts, which keeps the public props and the class.
 */
import { SecretKeyReference, WaitCondition } from '../../core/container';
import { Errors } from '../../core/errors';
import { DNS_LABEL, ENV_NAME, FILE_NAME, isImageReference } from '../../core/names';
import { hideTokens, isOnlyToken, literalParts } from '../../core/tokens';
import {
  DaprAppProtocol, DaprComponent, DaprConfiguration, DaprControlPlaneOptions, DaprLogLevel, DaprMode, DaprOtelProtocol,
  DaprSecretStoreKey, DaprSidecarProps,
} from '../dapr';
import { secretEnvName } from './files';

const APP_ID = /^[a-z0-9]([-a-z0-9]{0,56}[a-z0-9])?$/;
const COMPONENT_TYPE = /^(state|pubsub|bindings|secretstores|configuration|lock|crypto|conversation|nameresolution|workflow|middleware\.http)\.[a-z0-9]+([.-][a-z0-9]+)*$/;
const COMPONENT_VERSION = /^v[0-9]+([a-z]+[0-9]+)?$/;
const METADATA_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const HOST_PORT = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:[0-9]{1,5}$/;
const QUANTITY = /^[1-9][0-9]*(Ki|Mi|Gi|k|M|G)?$/;
const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** daprd's API server addresses: an IPv4 address, a bracketed IPv6 address, or a host name. */
const LISTEN_ADDRESS = /^([0-9]{1,3}(\.[0-9]{1,3}){3}|\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/;
const API_NAME = /^[a-z][a-z0-9._-]{0,62}$/;
const API_VERSION = /^v[0-9]+(\.[0-9]+)?(-(alpha|beta)[0-9]*)?$/;

/** Kubernetes annotation keys: an optional DNS subdomain prefix and '/', then a name of up to 63 characters. */
const ANNOTATION_KEY = /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** The ports of one daprd, by prop name. */
export interface DaprPorts {
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly internalGrpcPort: number;
  readonly publicPort: number;
  readonly metricsPort: number;
}

/** A value of the wrong shape, where the catalogue's name rule (lowercase, digits, '-') would mislead. */
function malformed(path: string, field: string, value: unknown, what: string, example: string): Error {
  return Errors.invalidRole(path, field, value, `is not ${what}`, `Use ${example}`);
}

function isPort(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** Checks of Dapr's own props (the neutral ones are checked by the model). */
export function checkProps(path: string, name: string, mode: DaprMode, p: DaprSidecarProps, ports: DaprPorts): void {
  if (typeof name !== 'string' || !DNS_LABEL.test(name) || name.length > 52) {
    throw Errors.invalidName(path, 'name', name, 'a DNS label of at most 52 characters');
  }
  if (typeof p.appId !== 'string' || !APP_ID.test(p.appId)) {
    throw Errors.invalidName(path, 'appId', p.appId, 'a Dapr app ID: lowercase letters, digits and \'-\', no dots, at most 58 characters');
  }
  if (!Object.values(DaprMode).includes(mode)) {
    throw Errors.invalidRole(path, 'mode', mode, 'is not a DaprMode', 'Use DaprMode.STANDALONE or DaprMode.CONTROL_PLANE');
  }
  if (p.image !== undefined && (typeof p.image !== 'string' || !isImageReference(p.image))) { throw Errors.invalidImage(path, 'image', p.image); }

  const seen = new Map<number, string>();
  for (const [field, port] of Object.entries(ports)) {
    if (!isPort(port)) { throw Errors.invalidPort(path, field, port); }
    const other = seen.get(port);
    if (other) { throw Errors.duplicatePort(path, field, port, 'TCP', other); }
    seen.set(port, field);
  }
  if (p.appPort !== undefined) {
    if (!isPort(p.appPort)) { throw Errors.invalidPort(path, 'appPort', p.appPort); }
    const other = seen.get(p.appPort);
    if (other) { throw Errors.duplicatePort(path, 'appPort', p.appPort, 'TCP', `${other}, daprd's own port`); }
  } else if (p.appProtocol !== undefined) {
    throw Errors.ineffectiveSetting(path, 'appProtocol', p.appProtocol, 'appPort is not set, so daprd never calls the app', 'Set appPort, or leave appProtocol out');
  }
  if (p.appProtocol !== undefined && !Object.values(DaprAppProtocol).includes(p.appProtocol)) {
    throw Errors.invalidRole(path, 'appProtocol', p.appProtocol, 'is not a DaprAppProtocol', 'Use HTTP, GRPC, HTTPS, GRPCS or H2C');
  }
  if (p.logLevel !== undefined && !Object.values(DaprLogLevel).includes(p.logLevel)) {
    throw Errors.invalidRole(path, 'logLevel', p.logLevel, 'is not a DaprLogLevel', 'Use DEBUG, INFO, WARN or ERROR');
  }
  if (p.maxBodySize !== undefined && (typeof p.maxBodySize !== 'string' || !QUANTITY.test(p.maxBodySize))) {
    throw Errors.invalidNumber(path, 'maxBodySize', p.maxBodySize, 'a positive resource quantity such as "4Mi", "16Mi" or "1Gi"');
  }
  const graceful = p.gracefulShutdownSeconds;
  if (graceful !== undefined && (typeof graceful !== 'number' || !Number.isInteger(graceful) || graceful < 0 || graceful > 3600)) {
    throw Errors.invalidNumber(path, 'gracefulShutdownSeconds', graceful, 'an integer number of seconds from 0 to 3600');
  }
  if (p.appWaitsFor !== undefined && p.appWaitsFor !== WaitCondition.HEALTHY && p.appWaitsFor !== WaitCondition.STARTED) {
    throw Errors.invalidRole(path, 'appWaitsFor', p.appWaitsFor, 'does not fit a long-running sidecar', 'Use WaitCondition.HEALTHY or WaitCondition.STARTED');
  }
  for (const field of ['placementHostAddress', 'schedulerHostAddress'] as const) {
    const value = p[field];
    if (value !== undefined && (typeof value !== 'string' || !value.split(',').every(a => HOST_PORT.test(a.trim())))) {
      throw malformed(path, field, value, 'one or more host:port addresses separated by commas', 'e.g. "dapr-placement-server.dapr-system.svc.cluster.local:50005"');
    }
  }
  if (p.apiToken !== undefined) { checkSecretRef(path, 'apiToken', p.apiToken); }
  checkRuntimeOptions(path, name, mode, p, ports);

  if (mode === DaprMode.CONTROL_PLANE) {
    for (const field of ['components', 'configuration'] as const) {
      if (p[field] !== undefined) {
        throw Errors.ineffectiveSetting(path, field, field === 'components' ? p.components!.map(c => c.name) : p.configuration!.name ?? '(configuration)',
          'in CONTROL_PLANE mode daprd gets components and configurations from the Dapr operator',
          'Apply them to the cluster as Component and Configuration resources (controlPlane.configName names the configuration), or use DaprMode.STANDALONE');
      }
    }
    checkControlPlane(path, p.controlPlane ?? {});
  } else {
    if (p.controlPlane !== undefined) {
      throw Errors.ineffectiveSetting(path, 'controlPlane', p.controlPlane, 'mode is STANDALONE, which uses no control plane', 'Set mode: DaprMode.CONTROL_PLANE, or leave controlPlane out');
    }
    checkComponents(path, p.components ?? []);
    if (p.configuration !== undefined) { checkConfiguration(path, p.configuration); }
  }
}

/** Whole seconds in a range, for daprd's duration flags (rendered as "<n>s"). */
function checkSeconds(path: string, field: string, value: unknown, min: number, max: number): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)) {
    throw Errors.invalidNumber(path, field, value, `an integer number of seconds from ${min} to ${max}`);
  }
}

/** Checks of the daprd runtime flags (issue 13, table 3.1 of the parity reference). */
function checkRuntimeOptions(path: string, name: string, mode: DaprMode, p: DaprSidecarProps, ports: DaprPorts): void {
  // Flags about calls to the app mean nothing without an app port: refused, not dropped.
  if (p.appPort === undefined) {
    for (const field of ['appMaxConcurrency', 'appChannelAddress', 'appHealthCheck', 'appBindingOptionsTimeoutSeconds'] as const) {
      if (p[field] !== undefined) {
        throw Errors.ineffectiveSetting(path, field, p[field], 'appPort is not set, so daprd never calls the app', `Set appPort, or leave ${field} out`);
      }
    }
  }
  if (p.appToken !== undefined) { checkSecretRef(path, 'appToken', p.appToken); }
  if (p.appChannelAddress !== undefined && (typeof p.appChannelAddress !== 'string' || p.appChannelAddress.length > 253 || !LISTEN_ADDRESS.test(p.appChannelAddress) || p.appChannelAddress.startsWith('['))) {
    throw malformed(path, 'appChannelAddress', p.appChannelAddress, 'a host name or IPv4 address (no port)', 'e.g. "127.0.0.1" or "app.internal"');
  }
  const h = p.appHealthCheck;
  if (h !== undefined) {
    if (h.path !== undefined && (typeof h.path !== 'string' || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(h.path))) {
      throw Errors.invalidPath(path, 'appHealthCheck.path', h.path, 'is not an absolute URL path');
    }
    const proto = p.appProtocol ?? DaprAppProtocol.HTTP;
    if (h.path !== undefined && (proto === DaprAppProtocol.GRPC || proto === DaprAppProtocol.GRPCS)) {
      throw Errors.ineffectiveSetting(path, 'appHealthCheck.path', h.path, `appProtocol is ${proto}: daprd checks a gRPC app with its HealthCheck method, not a path`,
        'Leave appHealthCheck.path out for gRPC apps');
    }
    checkSeconds(path, 'appHealthCheck.intervalSeconds', h.intervalSeconds, 1, 3600);
    if (h.timeoutMilliseconds !== undefined && (typeof h.timeoutMilliseconds !== 'number' || !Number.isInteger(h.timeoutMilliseconds) || h.timeoutMilliseconds < 1 || h.timeoutMilliseconds > 3600000)) {
      throw Errors.invalidNumber(path, 'appHealthCheck.timeoutMilliseconds', h.timeoutMilliseconds, 'an integer number of milliseconds from 1 to 3600000');
    }
    if (h.threshold !== undefined && (typeof h.threshold !== 'number' || !Number.isInteger(h.threshold) || h.threshold < 1 || h.threshold > 1000)) {
      throw Errors.invalidNumber(path, 'appHealthCheck.threshold', h.threshold, 'an integer from 1 to 1000');
    }
    // daprd refuses to start with a probe timeout above the interval (pkg/runtime/config.go @ v1.18.3).
    const interval = (h.intervalSeconds ?? 5) * 1000;
    if ((h.timeoutMilliseconds ?? 500) > interval) {
      throw Errors.invalidNumber(path, 'appHealthCheck.timeoutMilliseconds', h.timeoutMilliseconds ?? 500, `a timeout of at most appHealthCheck.intervalSeconds (${interval} ms)`);
    }
  }
  if (p.listenAddresses !== undefined) {
    if (p.exposeApi !== undefined) {
      throw Errors.invalidRole(path, 'listenAddresses', p.listenAddresses, 'and exposeApi both set the API\'s addresses', 'Set one of them: listenAddresses: ["0.0.0.0"] is exposeApi: true');
    }
    if (p.listenAddresses.length === 0) {
      throw malformed(path, 'listenAddresses', p.listenAddresses, 'a non-empty list', 'at least one address, e.g. ["127.0.0.1"]');
    }
    p.listenAddresses.forEach((a, i) => {
      if (a.length > 253 || !LISTEN_ADDRESS.test(a)) {
        throw malformed(path, `listenAddresses[${i}]`, a, 'an IPv4 address, a bracketed IPv6 address or a host name', 'e.g. "127.0.0.1", "[::1]" or "0.0.0.0"');
      }
    });
  }
  if (p.unixDomainSocketPath !== undefined) {
    const v = p.unixDomainSocketPath;
    if (typeof v !== 'string' || v.length > 1024 || !/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/.test(v) || v.split('/').includes('..') || v.includes('//')) {
      throw Errors.invalidPath(path, 'unixDomainSocketPath', v, 'is not an absolute directory path');
    }
  }
  if (p.readBufferSize !== undefined && (typeof p.readBufferSize !== 'string' || !QUANTITY.test(p.readBufferSize))) {
    throw Errors.invalidNumber(path, 'readBufferSize', p.readBufferSize, 'a positive resource quantity such as "4Ki" or "16Ki"');
  }
  checkSeconds(path, 'blockShutdownSeconds', p.blockShutdownSeconds, 1, 3600);
  checkSeconds(path, 'appBindingOptionsTimeoutSeconds', p.appBindingOptionsTimeoutSeconds, 1, 3600);
  // daprd refuses a non-positive dissemination timeout (cmd/daprd/options/options.go @ v1.18.3).
  checkSeconds(path, 'actorsDisseminateTimeoutSeconds', p.actorsDisseminateTimeoutSeconds, 1, 3600);
  const taken = new Map<number, string>(Object.entries(ports).map(([f, port]) => [port as number, f]));
  if (p.appPort !== undefined) { taken.set(p.appPort, 'appPort'); }
  for (const [field, on, port] of [['profilePort', p.enableProfiling, p.profilePort ?? 7777], ['debugPort', p.enableDebug, p.debugPort ?? 40000]] as const) {
    if (!on) {
      if ((p as any)[field] !== undefined) {
        const flag = field === 'profilePort' ? 'enableProfiling' : 'enableDebug';
        throw Errors.ineffectiveSetting(path, field, (p as any)[field], `${flag} is not true`, `Set ${flag}: true, or leave ${field} out`);
      }
      continue;
    }
    const other = taken.get(port);
    if (other) { throw Errors.duplicatePort(path, field, port, 'TCP', other); }
    taken.set(port, field);
  }
  if (p.sentryRequestJwtAudiences !== undefined) {
    if (mode !== DaprMode.CONTROL_PLANE) {
      throw Errors.ineffectiveSetting(path, 'sentryRequestJwtAudiences', p.sentryRequestJwtAudiences, 'mode is STANDALONE, which has no Sentry', 'Set mode: DaprMode.CONTROL_PLANE, or leave it out');
    }
    p.sentryRequestJwtAudiences.forEach((a, i) => {
      if (a.length === 0 || a.length > 1024 || /[,\s]/.test(a)) {
        throw malformed(path, `sentryRequestJwtAudiences[${i}]`, a, 'a JWT audience', 'a non-empty string of at most 1024 characters without commas or spaces');
      }
    });
  }
  if (p.pluggableComponentsSocketsFolder !== undefined) {
    if (!p.pluggableComponents?.length) {
      throw Errors.ineffectiveSetting(path, 'pluggableComponentsSocketsFolder', p.pluggableComponentsSocketsFolder, 'there are no pluggableComponents',
        'Add pluggableComponents, or leave pluggableComponentsSocketsFolder out');
    }
    const v = p.pluggableComponentsSocketsFolder;
    if (v.length > 1024 || !/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/.test(v) || v.split('/').includes('..') || v.includes('//')) {
      throw Errors.invalidPath(path, 'pluggableComponentsSocketsFolder', v, 'is not an absolute directory path');
    }
  }
  const containerNames = [name];
  (p.pluggableComponents ?? []).forEach((c, i) => {
    if (!DNS_LABEL.test(c.name) || c.name.length > 63) {
      throw Errors.invalidName(path, `pluggableComponents[${i}].name`, c.name, 'a container name (a DNS label)');
    }
    if (containerNames.includes(c.name)) {
      throw Errors.invalidName(path, `pluggableComponents[${i}].name`, c.name, `a container name other than ${containerNames.map(n => JSON.stringify(n)).join(', ')}`);
    }
    containerNames.push(c.name);
    if (!isImageReference(c.image)) { throw Errors.invalidImage(path, `pluggableComponents[${i}].image`, c.image); }
  });
  for (const field of ['createService', 'serviceAnnotations'] as const) {
    if (p[field] !== undefined && mode !== DaprMode.CONTROL_PLANE) {
      throw Errors.ineffectiveSetting(path, field, p[field], 'mode is STANDALONE, whose internal API is on localhost only and needs no Service',
        `Set mode: DaprMode.CONTROL_PLANE, or leave ${field} out`);
    }
  }
  if (p.serviceAnnotations !== undefined && p.createService === false) {
    throw Errors.ineffectiveSetting(path, 'serviceAnnotations', p.serviceAnnotations, 'createService is false', 'Leave createService at true, or serviceAnnotations out');
  }
  if (mode === DaprMode.CONTROL_PLANE && (p.createService ?? true) && !/^[a-z]/.test(p.appId)) {
    throw Errors.invalidName(path, 'appId', p.appId, 'an app ID starting with a letter, since the Service "<appId>-dapr" needs one (or set createService: false)');
  }
  for (const key of Object.keys(p.serviceAnnotations ?? {})) {
    if (!ANNOTATION_KEY.test(key) || key.length > 317) {
      throw Errors.invalidAnnotation(path, `serviceAnnotations[${JSON.stringify(key)}]`, key, 'is not a valid annotation key');
    }
    if (key === 'dapr.io/app-id' || key.startsWith('prometheus.io/')) {
      throw Errors.invalidAnnotation(path, `serviceAnnotations[${JSON.stringify(key)}]`, key, 'is managed by this sidecar (as by the Dapr operator)');
    }
  }
  if (p.disableInitEndpoints !== undefined && new Set(p.disableInitEndpoints).size !== p.disableInitEndpoints.length) {
    throw malformed(path, 'disableInitEndpoints', p.disableInitEndpoints, 'a list without repeats', 'each DaprInitEndpoint once');
  }
}

function checkSecretRef(path: string, field: string, ref: SecretKeyReference): void {
  if (typeof ref?.secretName !== 'string' || !SECRET_NAME.test(ref.secretName)) {
    throw Errors.invalidName(path, `${field}.secretName`, ref?.secretName, 'a secret name of lowercase letters, digits, \'-\' and \'.\'');
  }
  if (typeof ref.key !== 'string' || !FILE_NAME.test(ref.key)) {
    throw malformed(path, `${field}.key`, ref.key, 'a secret key', 'letters, digits, \'-\', \'_\' and \'.\', e.g. "password"');
  }
}

function checkControlPlane(path: string, cp: DaprControlPlaneOptions): void {
  if (cp.namespace !== undefined && (typeof cp.namespace !== 'string' || !DNS_LABEL.test(cp.namespace))) {
    throw Errors.invalidName(path, 'controlPlane.namespace', cp.namespace, 'a Kubernetes namespace name');
  }
  if (cp.trustDomain !== undefined && (typeof cp.trustDomain !== 'string' || !/^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/.test(cp.trustDomain))) {
    throw malformed(path, 'controlPlane.trustDomain', cp.trustDomain, 'a SPIFFE trust domain', 'the control plane\'s trust domain, e.g. "cluster.local"');
  }
  for (const field of ['sentryAddress', 'operatorAddress'] as const) {
    const value = cp[field];
    if (value !== undefined && (typeof value !== 'string' || !HOST_PORT.test(value))) {
      throw malformed(path, `controlPlane.${field}`, value, 'a host:port address', 'e.g. "dapr-sentry.dapr-system.svc.cluster.local:443"');
    }
  }
  if (cp.trustAnchorsSecret !== undefined) { checkSecretRef(path, 'controlPlane.trustAnchorsSecret', cp.trustAnchorsSecret); }
  if (cp.configName !== undefined && (typeof cp.configName !== 'string' || !DNS_LABEL.test(cp.configName))) {
    throw Errors.invalidName(path, 'controlPlane.configName', cp.configName, 'the name of a Configuration resource');
  }
}

function checkComponents(path: string, components: DaprComponent[]): void {
  const names: string[] = [];
  const envNames = new Map<string, string>();
  components.forEach((c, i) => {
    const f = `components[${i}]`;
    if (typeof c.name !== 'string' || !DNS_LABEL.test(c.name)) {
      throw Errors.invalidName(path, `${f}.name`, c.name, 'a component name of lowercase letters, digits and \'-\', at most 63 characters');
    }
    if (names.includes(c.name)) {
      throw Errors.invalidName(path, `${f}.name`, c.name, `a unique component name (components[${names.indexOf(c.name)}] has it too)`);
    }
    names.push(c.name);
    if (typeof c.type !== 'string' || !COMPONENT_TYPE.test(c.type)) {
      throw malformed(path, `${f}.type`, c.type, 'a Dapr component type "<building block>.<name>"', 'e.g. "state.redis", "pubsub.kafka" or "secretstores.local.env"');
    }
    if (c.version !== undefined && (typeof c.version !== 'string' || !COMPONENT_VERSION.test(c.version))) {
      throw malformed(path, `${f}.version`, c.version, 'a component version', 'e.g. "v1" or "v2"');
    }
    const keys = new Set<string>();
    const groups: Array<[string, { [key: string]: unknown } | undefined]> = [['metadata', c.metadata], ['secretMetadata', c.secretMetadata], ['secretStoreRefs', c.secretStoreRefs]];
    for (const [group, entries] of groups) {
      for (const [key, value] of Object.entries(entries ?? {})) {
        const field = `${f}.${group}.${key}`;
        if (!METADATA_NAME.test(key)) { throw malformed(path, field, key, 'a metadata name', 'letters, digits, \'_\', \'-\' and \'.\', e.g. "redisHost"'); }
        if (keys.has(key)) {
          throw Errors.invalidRole(path, field, key, 'is also in another metadata map of this component', 'Give each metadata name once: in metadata, secretMetadata or secretStoreRefs');
        }
        keys.add(key);
        if (group === 'metadata' && typeof value !== 'string') {
          throw malformed(path, field, value, 'a string', 'strings for numbers and booleans too, e.g. "true" or "6379"');
        }
        if (group === 'secretMetadata') {
          checkSecretRef(path, field, value as SecretKeyReference);
          const env = secretEnvName(c.name, key);
          if (!ENV_NAME.test(env)) { throw Errors.invalidEnv(path, field, env, 'is not a valid variable name'); }
          const other = envNames.get(env);
          if (other) { throw Errors.duplicateEnv(path, `${field} and ${other}`, env); }
          envNames.set(env, field);
        }
        if (group === 'secretStoreRefs') {
          const ref = value as DaprSecretStoreKey;
          if (ref === null || typeof ref !== 'object') {
            throw malformed(path, field, ref, 'a secret store reference', '{ name: "<secret>", key: "<key>" } with non-empty strings');
          }
          if (typeof ref.name !== 'string' || ref.name.length === 0) {
            throw malformed(path, `${field}.name`, ref.name, 'the name of a secret in the secret store', 'a non-empty string, e.g. "redis"');
          }
          if (ref.key !== undefined && (typeof ref.key !== 'string' || ref.key.length === 0)) {
            throw malformed(path, `${field}.key`, ref.key, 'a key of that secret', 'a non-empty string, e.g. "password"');
          }
        }
      }
    }
  });
  // Secret stores are referenced by name: each must be a secret store component declared here.
  const stores = components.filter(c => c.type.startsWith('secretstores.')).map(c => c.name);
  components.forEach((c, i) => {
    const f = `components[${i}]`;
    if (c.secretStore !== undefined && !stores.includes(c.secretStore)) {
      throw Errors.unknownReference(path, `${f}.secretStore`, c.secretStore, 'secret store component', 'components (type secretstores.*)', stores);
    }
    if (c.secretStoreRefs && Object.keys(c.secretStoreRefs).length && c.secretStore === undefined) {
      throw Errors.unknownReference(path, `${f}.secretStore`, undefined, 'secret store component for secretStoreRefs', 'components (type secretstores.*)', stores);
    }
    if (c.secretStore === c.name) {
      throw Errors.invalidRole(path, `${f}.secretStore`, c.secretStore, 'names the component itself', 'Read the secrets from another secret store component');
    }
  });
}

function checkConfiguration(path: string, c: DaprConfiguration): void {
  if (c.name !== undefined && (typeof c.name !== 'string' || !DNS_LABEL.test(c.name))) {
    throw Errors.invalidName(path, 'configuration.name', c.name, 'a configuration name of lowercase letters, digits and \'-\'');
  }
  const rate = c.tracingSamplingRate;
  if (rate !== undefined && (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1)) {
    throw Errors.invalidNumber(path, 'configuration.tracingSamplingRate', rate, 'a number from 0 to 1');
  }
  if (c.otelEndpoint !== undefined && (typeof c.otelEndpoint !== 'string' || !HOST_PORT.test(c.otelEndpoint))) {
    throw malformed(path, 'configuration.otelEndpoint', c.otelEndpoint, 'a host:port address', 'e.g. "127.0.0.1:4317" (no scheme)');
  }
  if (c.otelEndpoint === undefined) {
    for (const field of ['otelProtocol', 'otelIsSecure'] as const) {
      if (c[field] !== undefined) {
        throw Errors.ineffectiveSetting(path, `configuration.${field}`, c[field], 'otelEndpoint is not set', 'Set configuration.otelEndpoint, or leave the field out');
      }
    }
  }
  if (c.otelProtocol !== undefined && !Object.values(DaprOtelProtocol).includes(c.otelProtocol)) {
    throw Errors.invalidRole(path, 'configuration.otelProtocol', c.otelProtocol, 'is not a DaprOtelProtocol', 'Use DaprOtelProtocol.GRPC or DaprOtelProtocol.HTTP');
  }
  if (c.zipkinEndpoint !== undefined) {
    let url: URL | undefined;
    // An endpoint from another construct (a CDK token) is checked on its literal parts.
    const endpoint: unknown = c.zipkinEndpoint;
    try { url = new URL(typeof endpoint === 'string' ? literalParts(endpoint, 'x') : String(endpoint)); } catch { url = undefined; }
    if (!(typeof endpoint === 'string' && isOnlyToken(endpoint)) && (!url || !/^https?:$/.test(url.protocol) || !url.hostname)) {
      throw Errors.invalidUrl(path, 'configuration.zipkinEndpoint', typeof endpoint === 'string' ? hideTokens(endpoint) : endpoint, 'is not an absolute http(s) URL');
    }
  }
  for (const field of ['allowedApis', 'deniedApis'] as const) {
    const list = c[field];
    if (list === undefined) { continue; }
    if (field === 'allowedApis' && list.length === 0) {
      // An empty allow list is no allow list at all (endpoint.go IsAllowed @ v1.18.3): every API stays open.
      throw Errors.ineffectiveSetting(path, 'configuration.allowedApis', list, 'an empty allow list allows every API',
        'List the APIs the app may call, or leave allowedApis out');
    }
    list.forEach((r, i) => {
      if (!API_NAME.test(r.name)) {
        throw malformed(path, `configuration.${field}[${i}].name`, r.name, 'a Dapr API name', 'e.g. "state", "invoke", "publish" or "secrets"');
      }
      if (r.version !== undefined && !API_VERSION.test(r.version)) {
        throw malformed(path, `configuration.${field}[${i}].version`, r.version, 'a Dapr API version', 'e.g. "v1.0" or "v1.0-alpha1"');
      }
    });
  }
  if ([rate, c.otelEndpoint, c.zipkinEndpoint, c.allowedApis, c.deniedApis].every(v => v === undefined)) {
    throw Errors.ineffectiveSetting(path, 'configuration', c, 'it sets nothing (no sampling rate, no exporter, no API list)',
      'Set tracingSamplingRate and an exporter (otelEndpoint or zipkinEndpoint), or an API list, or leave configuration out');
  }
}
