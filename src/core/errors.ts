/**
 * The error catalogue. Every error the library throws is made here, so that each
 * message names the construct path, the field, the offending value and a fix.
 * Never build a message string elsewhere: add an entry here.
 */
import { TOKEN_PLACEHOLDER, hideTokens, isUnresolved } from './tokens';

/**
 * Codes of the errors in the catalogue.
 */
export enum ErrorCode {
  INVALID_NAME = 'INVALID_NAME',
  INVALID_ANNOTATION = 'INVALID_ANNOTATION',
  INVALID_IMAGE = 'INVALID_IMAGE',
  INVALID_PORT = 'INVALID_PORT',
  INVALID_PORT_NAME = 'INVALID_PORT_NAME',
  DUPLICATE_PORT = 'DUPLICATE_PORT',
  INVALID_ENV = 'INVALID_ENV',
  DUPLICATE_ENV = 'DUPLICATE_ENV',
  ROOT_NOT_ALLOWED = 'ROOT_NOT_ALLOWED',
  INVALID_ID = 'INVALID_ID',
  UNKNOWN_CAPABILITY = 'UNKNOWN_CAPABILITY',
  INVALID_RESOURCES = 'INVALID_RESOURCES',
  INVALID_PROBE = 'INVALID_PROBE',
  PROBE_PORT_NOT_DECLARED = 'PROBE_PORT_NOT_DECLARED',
  INVALID_ROLE = 'INVALID_ROLE',
  HEALTHY_NEEDS_PROBE = 'HEALTHY_NEEDS_PROBE',
  INVALID_PATH = 'INVALID_PATH',
  UNKNOWN_VOLUME = 'UNKNOWN_VOLUME',
  DUPLICATE_MOUNT_PATH = 'DUPLICATE_MOUNT_PATH',
  INVALID_VOLUME = 'INVALID_VOLUME',
  DUPLICATE_VOLUME = 'DUPLICATE_VOLUME',
  INVALID_CONFIG_FILE = 'INVALID_CONFIG_FILE',
  INVALID_NUMBER = 'INVALID_NUMBER',
  INVALID_COMMAND = 'INVALID_COMMAND',
  NO_CONTAINERS = 'NO_CONTAINERS',
  DUPLICATE_CONTAINER_NAME = 'DUPLICATE_CONTAINER_NAME',
  PORT_CLASH = 'PORT_CLASH',
  UID_CLASH = 'UID_CLASH',
  VOLUME_CONFLICT = 'VOLUME_CONFLICT',
  ENV_CONFLICT = 'ENV_CONFLICT',
  MOUNT_CONFLICT = 'MOUNT_CONFLICT',
  UNKNOWN_APP_CONTAINER = 'UNKNOWN_APP_CONTAINER',
  NO_APP_CONTAINERS = 'NO_APP_CONTAINERS',
  UNKNOWN_DEPENDENCY = 'UNKNOWN_DEPENDENCY',
  DEPENDENCY_CONDITION = 'DEPENDENCY_CONDITION',
  DEPENDENCY_CYCLE = 'DEPENDENCY_CYCLE',
  NOT_A_WORKLOAD = 'NOT_A_WORKLOAD',
  AMBIGUOUS_WORKLOAD = 'AMBIGUOUS_WORKLOAD',
  ALREADY_INJECTED = 'ALREADY_INJECTED',
  INVALID_KUBERNETES_VERSION = 'INVALID_KUBERNETES_VERSION',
  NATIVE_SIDECARS_UNSUPPORTED = 'NATIVE_SIDECARS_UNSUPPORTED',
  JOB_NEEDS_NATIVE_SIDECARS = 'JOB_NEEDS_NATIVE_SIDECARS',
  CLASSIC_CANNOT_WAIT = 'CLASSIC_CANNOT_WAIT',
  PROBE_UNREACHABLE = 'PROBE_UNREACHABLE',
  INVALID_SELECTOR = 'INVALID_SELECTOR',
  NO_SIDECARS = 'NO_SIDECARS',
  INVALID_INTERCEPTION = 'INVALID_INTERCEPTION',
  INTERCEPTION_CONFLICT = 'INTERCEPTION_CONFLICT',
  UNSUPPORTED_ON_PLATFORM = 'UNSUPPORTED_ON_PLATFORM',
  MISSING_SECRET_SOURCE = 'MISSING_SECRET_SOURCE',
  RESOURCES_EXCEED_TASK = 'RESOURCES_EXCEED_TASK',
  ALREADY_SET = 'ALREADY_SET',
  UNCONSUMED_CAPABILITY = 'UNCONSUMED_CAPABILITY',
  NO_AUTH_METHOD = 'NO_AUTH_METHOD',
  UNKNOWN_REFERENCE = 'UNKNOWN_REFERENCE',
  INVALID_URL = 'INVALID_URL',
  INVALID_RANGE = 'INVALID_RANGE',
  INVALID_POLICY_FILE = 'INVALID_POLICY_FILE',
  INVALID_KEY = 'INVALID_KEY',
  INEFFECTIVE_SETTING = 'INEFFECTIVE_SETTING',
  RUNTIME_UNREADABLE = 'RUNTIME_UNREADABLE',
  RUNTIME_UNWRITABLE = 'RUNTIME_UNWRITABLE',
  RUNTIME_MISSING_FILE = 'RUNTIME_MISSING_FILE',
  RUNTIME_SOCKET_UNREACHABLE = 'RUNTIME_SOCKET_UNREACHABLE',
  RUNTIME_SIGNAL_UNDELIVERABLE = 'RUNTIME_SIGNAL_UNDELIVERABLE',
  RUNTIME_MISSING_BINARY = 'RUNTIME_MISSING_BINARY',
  PORT_NOT_CAPTURED = 'PORT_NOT_CAPTURED',
  EXEMPT_GROUP = 'EXEMPT_GROUP',
  MISSING_SETTING = 'MISSING_SETTING',
  SIGNAL_NOT_DELIVERABLE = 'SIGNAL_NOT_DELIVERABLE',
  IMAGE_LACKS_BINARY = 'IMAGE_LACKS_BINARY',
  UNREPRESENTABLE_VALUE = 'UNREPRESENTABLE_VALUE',
  INVALID_SECRET_KEY = 'INVALID_SECRET_KEY',
  UNWRITABLE_TEXT = 'UNWRITABLE_TEXT',
  INVALID_TYPE = 'INVALID_TYPE',
  INVALID_TAG = 'INVALID_TAG',
  RESERVED_NAME = 'RESERVED_NAME',
  DERIVED_NAME_CLASH = 'DERIVED_NAME_CLASH',
  TOKEN_NOT_SUPPORTED = 'TOKEN_NOT_SUPPORTED',
  INVALID_SECRET_NAME = 'INVALID_SECRET_NAME',
  OVERRIDE_CONFLICT = 'OVERRIDE_CONFLICT',
  OVERRIDE_TARGET_MISSING = 'OVERRIDE_TARGET_MISSING',
  INVALID_PATCH = 'INVALID_PATCH',
  PROTECTED_PATCH = 'PROTECTED_PATCH',
  APP_VOLUME_MISSING = 'APP_VOLUME_MISSING',
  INVALID_CIDR = 'INVALID_CIDR',
  INVALID_PEER = 'INVALID_PEER',
  NO_POD_SELECTOR = 'NO_POD_SELECTOR',
  INVALID_CANARY = 'INVALID_CANARY',
  CANARY_DRIFT = 'CANARY_DRIFT',
  INVALID_DISRUPTION_BUDGET = 'INVALID_DISRUPTION_BUDGET',
}

/**
 * An error from the catalogue: `code` identifies it, the message says where,
 * what and how to fix it.
 */
export class SidecarError extends Error {
  public readonly code: ErrorCode;
  /**
   * The field the message names, where it names one (for example `ports[0].port`).
   */
  public readonly field?: string;
  /** Makes the same error naming another field (and value, for errors whose third argument is the value). */
  private remake?: (field: string, value?: (value: unknown) => unknown) => SidecarError;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'SidecarError';
    Object.setPrototypeOf(this, SidecarError.prototype);
  }

  /**
   * The same error naming `field` (the prop the user wrote) instead of the library's own field,
   * and the value `value` makes of the field's value, where given (the value the user wrote, when
   * the library's field holds a value derived from it). Errors that name no field are returned
   * as they are.
   * @internal
   */
  public _renamed(field: string, value?: (value: unknown) => unknown): SidecarError {
    return this.remake ? this.remake(field, value) : this;
  }

  /** @internal */
  public _remakeWith(field: string, remake: (field: string, value?: (value: unknown) => unknown) => SidecarError): this {
    (this as { field?: string }).field = field;
    this.remake = remake;
    return this;
  }
}

/** Renders a value for a message (strings quoted, arrays and objects as JSON). */
export function show(value: unknown): string {
  // A CDK token is shown as a placeholder, never as its encoding (issue 10, section 3).
  return hideTokens(showValue(value, new Set()));
}

/**
 * JSON for strings, plain numbers, arrays and objects; JavaScript notation for what JSON
 * cannot carry (JSON.stringify writes NaN and Infinity as null, drops functions and throws on
 * BigInt and cycles), so a message shows the value the user passed.
 */
function showValue(value: unknown, seen: Set<unknown>): string {
  switch (typeof value) {
    case 'string': return JSON.stringify(value);
    case 'undefined': return 'undefined';
    case 'number': return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint': return `${value}n`;
    case 'boolean': return String(value);
    case 'symbol': return value.toString();
    case 'function': return value.name ? `[function ${value.name}]` : '[function]';
  }
  if (value === null) { return 'null'; }
  if (isUnresolved(value)) { return TOKEN_PLACEHOLDER; }
  if (seen.has(value)) { return '[Circular]'; }
  seen.add(value);
  try {
    if (Array.isArray(value)) { return `[${value.map(v => showValue(v, seen)).join(',')}]`; }
    const json = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof json === 'function') { return showValue(json.call(value), seen); }
    return `{${Object.entries(value as object).map(([k, v]) => `${JSON.stringify(k)}:${showValue(v, seen)}`).join(',')}}`;
  } finally {
    seen.delete(value);
  }
}

/**
 * Why a config file name may not start with "..": Kubernetes refuses such a ConfigMap or
 * Secret key (kubernetes/apimachinery pkg/util/validation IsConfigMapKey), because the
 * kubelet's atomic writer keeps its own ..data link and ..<timestamp> directory in the volume.
 */
export const KUBELET_DOT_DOT = 'has a file name starting with "..", which Kubernetes refuses as a ConfigMap or Secret key (the kubelet keeps its own ..data link in the volume)';

function err(code: ErrorCode, path: string, what: string, fix: string): SidecarError {
  // Backstop: a token that reached a message through a field or a computed text is hidden too.
  return new SidecarError(code, hideTokens(`${path}: ${what}. ${fix}`));
}

/**
 * The catalogue. `path` is a construct path; `field` names the field as the user
 * wrote it (for example `ports[1].port` or `security.uid`).
 */
const CATALOGUE = {
  // The DNS-label advice only where the rule is a DNS label; otherwise the rule itself is the fix
  // (an AWS region, an ARN, a header value, ... have rules of their own).
  invalidName: (path: string, field: string, value: unknown, rule: string) =>
    err(ErrorCode.INVALID_NAME, path, `${field} ${show(value)} is not a valid name (${rule})`,
      /DNS label/.test(rule)
        ? 'Use lowercase letters, digits and \'-\', starting and ending with a letter or digit, e.g. "log-shipper"'
        : `Give ${rule}`),
  invalidAnnotation: (path: string, field: string, value: unknown, why: string) =>
    err(ErrorCode.INVALID_ANNOTATION, path, `${field} ${show(value)} ${why}`,
      'Use a key like "example.com/name" (an optional DNS subdomain prefix and \'/\', then up to 63 letters, digits, \'-\', \'_\' and \'.\') with a string value'),
  invalidImage: (path: string, field: string, value: unknown) =>
    err(ErrorCode.INVALID_IMAGE, path, `${field} ${show(value)} is not a valid image reference`,
      'Use [registry/]repository[:tag][@sha256:<64 hex digits>] with a lowercase repository, e.g. "fluent/fluent-bit:4.0.3"'),
  invalidPort: (path: string, field: string, value: unknown) =>
    err(ErrorCode.INVALID_PORT, path, `${field} ${show(value)} is not a port number`,
      'Use an integer from 1 to 65535'),
  invalidPortName: (path: string, field: string, value: unknown) =>
    err(ErrorCode.INVALID_PORT_NAME, path, `${field} ${show(value)} is not a valid port name`,
      'Use at most 15 lowercase letters, digits and \'-\' with at least one letter, e.g. "http-admin"'),
  duplicatePort: (path: string, field: string, port: number, protocol: string, other: string) =>
    err(ErrorCode.DUPLICATE_PORT, path, `${field} ${port}/${protocol} is declared twice (also ${other})`,
      'Declare each port once'),
  invalidEnv: (path: string, field: string, value: unknown, why: string,
    fix = 'Give each variable a name of letters, digits, \'_\', \'-\' or \'.\' (not starting with a digit) and exactly one of value, secret or podField') =>
    err(ErrorCode.INVALID_ENV, path, `${field} ${show(value)} ${why}`, fix),
  duplicateEnv: (path: string, field: string, name: string) =>
    err(ErrorCode.DUPLICATE_ENV, path, `${field} sets ${show(name)} twice`,
      'Set each variable once'),
  // Only the generic Sidecar's security prop has allowRootUser: a sidecar's own uid prop is never root.
  rootNotAllowed: (path: string, field: string) => field.includes('security.')
    ? err(ErrorCode.ROOT_NOT_ALLOWED, path, `${field} is 0 (root) but security.allowRootUser is not set`,
      'Run as a non-root UID, or set security.allowRootUser: true if the container really needs root (and document why)')
    : err(ErrorCode.ROOT_NOT_ALLOWED, path, `${field} is 0 (root), which this sidecar does not run as`,
      `Set ${field} to a non-root UID (from 1 to 2147483647)`),
  invalidId: (path: string, field: string, value: unknown) =>
    err(ErrorCode.INVALID_ID, path, `${field} ${show(value)} is not a valid Linux ID`,
      'Use an integer from 0 to 2147483647'),
  unknownCapability: (path: string, field: string, value: unknown) =>
    err(ErrorCode.UNKNOWN_CAPABILITY, path, `${field} ${show(value)} is not a Linux capability`,
      'Use a capability name without the CAP_ prefix, e.g. "NET_ADMIN"; see capabilities(7)'),
  invalidResources: (path: string, field: string, value: unknown, why: string, fix = 'Use positive numbers with each request at most its limit') =>
    err(ErrorCode.INVALID_RESOURCES, path, `${field} ${show(value)} ${why}`, fix),
  invalidProbe: (path: string, field: string, value: unknown, why: string, fix: string) =>
    err(ErrorCode.INVALID_PROBE, path, `${field} ${show(value)} ${why}`, fix),
  probePortNotDeclared: (path: string, field: string, port: number, container: string) =>
    err(ErrorCode.PROBE_PORT_NOT_DECLARED, path, `${field} probes port ${port}, which container ${show(container)} does not declare`,
      `Add { port: ${port} } to the container's ports, or probe a declared port`),
  invalidRole: (path: string, field: string, value: unknown, why: string, fix: string) =>
    err(ErrorCode.INVALID_ROLE, path, `${field} ${show(value)} ${why}`, fix),
  healthyNeedsProbe: (path: string, field: string, container: string) =>
    err(ErrorCode.HEALTHY_NEEDS_PROBE, path, `${field} is HEALTHY but container ${show(container)} has no startup or readiness probe`,
      'Add a startupProbe (or readinessProbe), or wait for STARTED'),
  invalidPath: (path: string, field: string, value: unknown, why: string,
    fix = 'Use an absolute, normalized path such as "/etc/app/app.conf" (no "..", no trailing "/")') =>
    err(ErrorCode.INVALID_PATH, path, `${field} ${show(value)} ${why}`, fix),
  unknownVolume: (path: string, field: string, value: unknown, known: string[]) =>
    err(ErrorCode.UNKNOWN_VOLUME, path, `${field} ${show(value)} is not a volume of this sidecar (volumes: ${known.length ? known.join(', ') : 'none'})`,
      'Declare the volume in the sidecar\'s volumes, or mount one that is declared'),
  duplicateMountPath: (path: string, field: string, value: unknown, container: string) =>
    err(ErrorCode.DUPLICATE_MOUNT_PATH, path, `${field} ${show(value)} is mounted twice in container ${show(container)}`,
      'Mount each path once'),
  invalidVolume: (path: string, field: string, value: unknown, why: string, fix: string) =>
    err(ErrorCode.INVALID_VOLUME, path, `${field} ${show(value)} ${why}`, fix),
  duplicateVolume: (path: string, field: string, name: string) =>
    err(ErrorCode.DUPLICATE_VOLUME, path, `${field} declares volume ${show(name)} twice`,
      'Give each volume a unique name'),
  invalidConfigFile: (path: string, field: string, value: unknown, why: string,
    fix = 'Give each config file a unique absolute path whose file name uses letters, digits, \'-\', \'_\' and \'.\'') =>
    err(ErrorCode.INVALID_CONFIG_FILE, path, `${field} ${show(value)} ${why}`, fix),
  invalidNumber: (path: string, field: string, value: unknown, rule: string) =>
    err(ErrorCode.INVALID_NUMBER, path, `${field} ${show(value)} is not ${rule}`, `Use ${rule}`),
  invalidCommand: (path: string, field: string, value: unknown) =>
    err(ErrorCode.INVALID_COMMAND, path, `${field} ${show(value)} is empty or has an empty element`,
      'Give a non-empty list of non-empty strings, e.g. ["/bin/app", "--flag"]'),
  noContainers: (path: string) =>
    err(ErrorCode.NO_CONTAINERS, path, 'the sidecar contributes no containers', 'Describe at least one container'),

  // --- composition (whole pod) ---
  duplicateContainerName: (path: string, name: string, otherPath: string, target: string) =>
    err(ErrorCode.DUPLICATE_CONTAINER_NAME, path, `container name ${show(name)} is already used by ${otherPath} in ${target}`,
      'Give the sidecar another name (props.name) so that every container of the pod has its own name'),
  portClash: (path: string, field: string, port: number, protocol: string, otherPath: string, otherField: string) =>
    err(ErrorCode.PORT_CLASH, path, `${field}: port ${port}/${protocol} is already used by ${otherPath} (${otherField})`,
      `Containers of one pod share localhost: set ${field} or ${otherField} to a free port`),
  uidClash: (path: string, field: string, uid: number, otherPath: string, otherField: string) =>
    err(ErrorCode.UID_CLASH, path, `${field}: UID ${uid} is already used by ${otherPath} (${otherField})`,
      `Give each sidecar its own UID (${field === otherField ? `set ${field} on one of the two` : `set ${field} or ${otherField}`} to another) so that file permissions and traffic rules can tell them apart`),
  volumeConflict: (path: string, field: string, name: string, otherPath: string, why: string) =>
    err(ErrorCode.VOLUME_CONFLICT, path, `${field}: volume ${show(name)} ${why} ${otherPath}`,
      'Rename one of the volumes, or declare a shared volume identically in every sidecar that shares it'),
  envConflict: (path: string, field: string, name: string, value: unknown, container: string, otherPath: string, otherValue: unknown) =>
    err(ErrorCode.ENV_CONFLICT, path, `${field}: ${name}=${show(value)} for app container ${show(container)} conflicts with ${name}=${show(otherValue)} from ${otherPath}`,
      'A variable can have one value: remove one of the two settings or make them equal'),
  mountConflict: (path: string, field: string, mountPath: string, container: string, otherPath: string) =>
    err(ErrorCode.MOUNT_CONFLICT, path, `${field}: path ${show(mountPath)} in app container ${show(container)} is already mounted by ${otherPath}`,
      'Mount the volume at another path'),
  unknownAppContainer: (path: string, field: string, name: string, target: string, known: string[]) =>
    err(ErrorCode.UNKNOWN_APP_CONTAINER, path, `${field} names app container ${show(name)}, which ${target} does not have (app containers: ${known.length ? known.join(', ') : 'none'})`,
      'Name an existing app container, or leave the field out to mean every app container'),
  noAppContainers: (target: string) =>
    err(ErrorCode.NO_APP_CONTAINERS, target, 'the pod has no app container to attach sidecars to',
      'Add the app container before synthesis'),
  unknownDependency: (path: string, field: string, name: string, known: string[]) =>
    err(ErrorCode.UNKNOWN_DEPENDENCY, path, `${field} waits for container ${show(name)}, which no sidecar of this pod has (sidecar containers: ${known.join(', ') || 'none'})`,
      'Wait for a container of a sidecar attached to the same pod, or attach that sidecar too'),
  dependencyCondition: (path: string, field: string, condition: string, name: string, role: string, fix: string) =>
    err(ErrorCode.DEPENDENCY_CONDITION, path, `${field} waits for ${condition} of ${show(name)}, which is a ${role}`, fix),
  dependencyCycle: (path: string, cycle: string[], otherPath: string) =>
    err(ErrorCode.DEPENDENCY_CYCLE, path, `containers wait for each other in a cycle: ${cycle.join(' -> ')} (involving ${otherPath})`,
      'Remove one of the dependsOn entries so that the start order is a line'),

  // --- Kubernetes binder ---
  notAWorkload: (path: string, kind: string) =>
    err(ErrorCode.NOT_A_WORKLOAD, path, `sidecars were attached to a ${kind}, which has no pod template`,
      'Attach sidecars to a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod'),
  ambiguousWorkload: (path: string, count: number) =>
    err(ErrorCode.AMBIGUOUS_WORKLOAD, path, `the construct holds ${count} workloads`,
      'Attach to one of them (e.g. include.apiObjects.find(o => o.name === "web")), or use SidecarInjector to inject into several'),
  alreadyInjected: (path: string, names: string) =>
    err(ErrorCode.ALREADY_INJECTED, path, `the pod template was already injected by cdk-sidecars (${names})`,
      'Include the manifest as it was before injection, or do not attach sidecars to it again'),
  invalidKubernetesVersion: (path: string, field: string, value: unknown) =>
    err(ErrorCode.INVALID_KUBERNETES_VERSION, path, `${field} ${show(value)} is not a Kubernetes version`,
      'Use "<major>.<minor>", e.g. "1.29"'),
  nativeSidecarsUnsupported: (path: string, version: string) =>
    err(ErrorCode.NATIVE_SIDECARS_UNSUPPORTED, path, `native sidecars were asked for, but the target Kubernetes version is ${version}`,
      'Native sidecars (init containers with restartPolicy: Always) are on by default from 1.29: raise the target version or use SidecarMode.CLASSIC'),
  jobNeedsNativeSidecars: (path: string, kind: string, container: string, sidecarPath: string) =>
    err(ErrorCode.JOB_NEEDS_NATIVE_SIDECARS, path, `a ${kind} in classic sidecar mode never completes while the long-running container ${show(container)} of ${sidecarPath} runs`,
      'Use native sidecars (target Kubernetes >= 1.29, SidecarMode.NATIVE), which stop when the app containers have finished'),
  classicCannotWait: (path: string, field: string, container: string, why: string) =>
    err(ErrorCode.CLASSIC_CANNOT_WAIT, path, `${field}: in classic sidecar mode ${why} (container ${show(container)})`,
      'Use native sidecars (target Kubernetes >= 1.29), or give the container a waitCommand that blocks until it is healthy'),
  probeUnreachable: (path: string, field: string, port: number) =>
    err(ErrorCode.PROBE_UNREACHABLE, path, `${field} probes port ${port}, which is POD_LOCAL (bound to localhost) and so unreachable for the kubelet`,
      'Expose the port (exposure: EXPOSED) or use an exec probe'),
  invalidSelector: (path: string, field: string, value: unknown) =>
    err(ErrorCode.INVALID_SELECTOR, path, `${field} ${show(value)} selects nothing useful`,
      'Give at least one label or annotation to match'),
  invalidInterception: (path: string, field: string, value: unknown, why: string, fix: string) =>
    err(ErrorCode.INVALID_INTERCEPTION, path, `${field} ${show(value)} ${why}`, fix),
  interceptionConflict: (path: string, otherPath: string, target: string) =>
    err(ErrorCode.INTERCEPTION_CONFLICT, path, `pod.trafficInterception: ${otherPath} already intercepts the traffic of ${target}`,
      'One proxy per pod can intercept traffic: remove the interception from one of the two sidecars'),
  unsupportedOnPlatform: (path: string, field: string, value: unknown, platform: string, why: string, fix: string) =>
    err(ErrorCode.UNSUPPORTED_ON_PLATFORM, path, `${field} ${show(value)} cannot be rendered on ${platform}: ${why}`, fix),
  missingSecretSource: (path: string, field: string, secretName: string, target: string, option: string) =>
    err(ErrorCode.MISSING_SECRET_SOURCE, path, `${field} takes secret ${show(secretName)}, which ${target} has no source for`,
      `Map it in the binder options, e.g. ${option}`),
  resourcesExceedTask: (target: string, field: string, total: number, limit: number, unit: string, parts: string) =>
    err(ErrorCode.RESOURCES_EXCEED_TASK, target, `${field}: the containers need ${total} ${unit} (${parts}), more than the task's ${limit} ${unit}`,
      `Raise the task's ${field}, or lower the containers' resources`),
  alreadySet: (path: string, field: string, value: unknown, by: string) =>
    err(ErrorCode.ALREADY_SET, path, `${field} is already set (${show(value)}) ${by}`,
      'Remove one of the two settings'),
  unconsumedCapability: (path: string, name: string, target: string, consumer = false) => consumer
    ? err(ErrorCode.UNCONSUMED_CAPABILITY, path, `consumes ${show(name)}, which no other sidecar of ${target} offers`,
      'Attach the sidecar that offers it to the same pod')
    : err(ErrorCode.UNCONSUMED_CAPABILITY, path, `offers ${show(name)}, which no other sidecar of ${target} takes`,
      'Attach the sidecar that uses it (e.g. an EnvoySidecar for ext_authz) to the same pod, or turn the offer off'),
  noAuthMethod: (path: string, field: string, identity: string, target: string, have: string[]) =>
    err(ErrorCode.NO_AUTH_METHOD, path, `${field} has no method for the ${identity} identity that ${target} provides (methods: ${have.join(', ') || 'none'})`,
      'Add a method for this platform (e.g. VaultAuth.kubernetes(), VaultAuth.aws(), VaultAuth.azure()) or the portable VaultAuth.appRole()'),
  noSidecars: (path: string, field: string) =>
    err(ErrorCode.NO_SIDECARS, path, `${field} is empty`, 'Give at least one sidecar'),

  // --- references and settings inside a sidecar's own config (e.g. OPA's services, bundles, keys) ---
  unknownReference: (path: string, field: string, value: unknown, what: string, declaredIn: string, known: string[]) =>
    err(ErrorCode.UNKNOWN_REFERENCE, path, `${field} ${show(value)} names a ${what} that is not declared in ${declaredIn} (${declaredIn}: ${known.length ? known.join(', ') : 'none'})`,
      `Declare it in ${declaredIn}, or name one that is declared`),
  invalidUrl: (path: string, field: string, value: unknown, why: string, fix = 'Use an absolute http:// or https:// URL with a host, e.g. "https://bundles.example.com/v1"') =>
    err(ErrorCode.INVALID_URL, path, `${field} ${show(value)} ${why}`, fix),
  invalidRange: (path: string, field: string, value: number, otherField: string, otherValue: number) =>
    err(ErrorCode.INVALID_RANGE, path, `${field} ${value} is greater than ${otherField} ${otherValue}`,
      `Make ${field} at most ${otherField}`),
  invalidPolicyFile: (path: string, field: string, value: unknown, why: string) =>
    err(ErrorCode.INVALID_POLICY_FILE, path, `${field} ${show(value)} ${why}`,
      'Name each policy file "<name>.rego" with letters, digits, \'-\', \'_\' and \'.\' (not starting with \'.\'), e.g. "authz.rego", and give it Rego source with a package declaration'),
  invalidKey: (path: string, field: string, firstLine: string, why: string, fix: string) =>
    err(ErrorCode.INVALID_KEY, path, `${field} (first line ${show(firstLine)}) ${why}`, fix),
  ineffectiveSetting: (path: string, field: string, value: unknown, why: string, fix: string) =>
    err(ErrorCode.INEFFECTIVE_SETTING, path, `${field} ${show(value)} would have no effect: ${why}`, fix),
  // The runtime contract (core/contract.ts): what a pod needs when it runs.
  runtimeUnreadable: (path: string, field: string, file: string, container: string, why: string, fix: string) =>
    err(ErrorCode.RUNTIME_UNREADABLE, path, `${field}: ${show(file)} cannot be read by container ${show(container)}: ${why}`, fix),
  runtimeUnwritable: (path: string, field: string, target: string, container: string, why: string, fix: string) =>
    err(ErrorCode.RUNTIME_UNWRITABLE, path, `${field}: container ${show(container)} cannot write ${show(target)}: ${why}`, fix),
  runtimeMissingFile: (path: string, field: string, file: string, container: string, why: string, fix: string) =>
    err(ErrorCode.RUNTIME_MISSING_FILE, path, `${field}: container ${show(container)} reads ${show(file)} at run time, but ${why}`, fix),
  runtimeSocketUnreachable: (path: string, field: string, volume: string, container: string, reader: string, why: string) =>
    err(ErrorCode.RUNTIME_SOCKET_UNREACHABLE, path, `${field}: container ${show(reader)} cannot connect to the Unix sockets ${show(container)} creates in volume ${show(volume)}: ${why}`,
      'Create the sockets with a mode the other containers can write to (e.g. 0666 where only they mount the volume), or a group they share'),
  runtimeSignalUndeliverable: (path: string, field: string, container: string, target: string, why: string, fix: string) =>
    err(ErrorCode.RUNTIME_SIGNAL_UNDELIVERABLE, path, `${field}: container ${show(container)} cannot signal ${show(target)}: ${why}`, fix),
  runtimeMissingBinary: (path: string, field: string, binary: string, container: string, image: string, why: string) =>
    err(ErrorCode.RUNTIME_MISSING_BINARY, path, `${field} of container ${show(container)} runs ${show(binary)} in image ${show(image)}, but ${why}`,
      'Use only what the image ships (see the image\'s Dockerfile), or an image that has it'),
  portNotCaptured: (path: string, field: string, value: unknown, port: number, container: string, target: string) =>
    err(ErrorCode.PORT_NOT_CAPTURED, path, `${field} ${show(value)} leaves port ${port} of app container ${show(container)} in ${target} uncaptured: its traffic would bypass the proxy`,
      `Add ${port} to ${field}, or list it in the inbound exclusions (excludeInboundPorts) if it must bypass the proxy`),
  exemptGroup: (path: string, field: string, gid: number, container: string, proxyPath: string, target: string) =>
    err(ErrorCode.EXEMPT_GROUP, path, `${field} ${gid} of container ${show(container)} in ${target} is the group whose traffic the proxy of ${proxyPath} never redirects: it would bypass the proxy`,
      'Run the container with another group (only the proxy may use it)'),
  missingSetting: (path: string, field: string, why: string, fix: string) =>
    err(ErrorCode.MISSING_SETTING, path, `${field} is not set: ${why}`, fix),
  signalNotDeliverable: (path: string, field: string, value: unknown, sender: string, fix: string) =>
    err(ErrorCode.SIGNAL_NOT_DELIVERABLE, path, `${field} ${show(value)} sends a signal, which ${sender} cannot deliver to a process of another UID: `
      + 'a non-root process has no capability in effect, even one added to its container (kubernetes/kubernetes#56374), and signalling another UID needs CAP_KILL', fix),
  imageLacksBinary: (path: string, field: string, image: string, binary: string, usedBy: string, fix: string) =>
    err(ErrorCode.IMAGE_LACKS_BINARY, path, `${field} ${show(image)} has no ${binary}, which ${usedBy} needs`, fix),
  /** A value that a generated file's format cannot carry as that same value. */
  unrepresentableValue: (path: string, field: string, value: unknown, format: string, why: string, fix: string) =>
    err(ErrorCode.UNREPRESENTABLE_VALUE, path, `${field} ${show(value)} cannot be written to ${format}: ${why}`, fix),
  invalidSecretKey: (path: string, field: string, value: unknown, usedAs: string) =>
    err(ErrorCode.INVALID_SECRET_KEY, path, `${field} ${show(value)} is not a Secret key, which ${usedAs} as a file name`,
      'Use the key as the Secret has it: letters, digits, \'-\', \'_\' and \'.\' (not "." or ".."), e.g. "role-id"'),
  unwritableText: (path: string, field: string, value: unknown, target: string, why: string) =>
    err(ErrorCode.UNWRITABLE_TEXT, path, `${field} ${show(value)} cannot be written to ${target}: it ${why}`,
      'Pass well-formed Unicode text in normalization form C (value.normalize("NFC"))'),
  invalidType: (path: string, field: string, value: unknown, expected: string) =>
    err(ErrorCode.INVALID_TYPE, path, `${field} ${show(value)} (${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}) is not ${expected}`,
      `Pass ${expected}`),
  /** An Azure resource tag ARM refuses (learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations). */
  invalidTag: (path: string, field: string, value: unknown, why: string) =>
    err(ErrorCode.INVALID_TAG, path, `${field} ${show(value)} ${why}`,
      'Use at most 50 tags, names of 1-512 characters without <, >, %, &, \\, ? or /, and string values of at most 256 characters'),
  /** A name the library gives its own containers or volumes. */
  reservedName: (path: string, field: string, value: unknown, usedFor: string) =>
    err(ErrorCode.RESERVED_NAME, path, `${field} ${show(value)} is reserved: cdk-sidecars gives such names to ${usedFor}`,
      'Choose another name; names starting with "cdk-sidecars-" are the library\'s'),
  /** Two different names whose derived names (volumes, parameters) are the same. */
  derivedNameClash: (path: string, field: string, value: unknown, derived: string,
    otherPath: string, otherField: string, otherValue: unknown, fix: string) =>
    err(ErrorCode.DERIVED_NAME_CLASH, path, `${field} ${show(value)} gives ${derived}, as ${otherPath} ${otherField} ${show(otherValue)} does`, fix),
  /** A CDK token (a value known only at deployment) where the library needs the value at synthesis. */
  tokenNotSupported: (path: string, field: string, why: string, fix: string) =>
    err(ErrorCode.TOKEN_NOT_SUPPORTED, path, `${field} holds a CDK token (a value known only at deployment, or a Lazy one known late in synthesis), which is not supported there: ${why}`, fix),
  /** A Secret name Kubernetes refuses (a DNS subdomain: kubernetes.io/docs/concepts/overview/working-with-objects/names). */
  invalidSecretName: (path: string, field: string, value: unknown) =>
    err(ErrorCode.INVALID_SECRET_NAME, path, `${field} ${show(value)} is not a Secret name`,
      'Use at most 253 lowercase letters, digits, \'-\' and \'.\', starting and ending with a letter or digit, e.g. "db-credentials"'),
  /** A generated or given file too large for what carries it on a platform, named by the prop that made it large. */
  fileTooLarge: (path: string, field: string, file: string, bytes: number, platform: string, why: string, fix: string) =>
    err(ErrorCode.UNSUPPORTED_ON_PLATFORM, path, `${field} makes config file ${show(file)} ${bytes} bytes, which cannot be rendered on ${platform}: ${why}`, fix),
  /** An override (SidecarOverrides) that would change what the sidecar sets itself. */
  overrideConflict: (path: string, field: string, value: unknown, why: string, fix: string) =>
    err(ErrorCode.OVERRIDE_CONFLICT, path, `${field} ${show(value)} is refused: ${why}`, fix),
  /** An override of something the sidecar does not have (e.g. the timing of a probe it lacks). */
  overrideTargetMissing: (path: string, field: string, value: unknown, why: string, fix: string) =>
    err(ErrorCode.OVERRIDE_TARGET_MISSING, path, `${field} ${show(value)} has nothing to apply to: ${why}`, fix),
  /** A JSON patch (ContainerPatch) that is malformed or does not fit the rendered container. */
  invalidPatch: (path: string, field: string, value: unknown, why: string, fix: string) =>
    err(ErrorCode.INVALID_PATCH, path, `${field} ${show(value)} ${why}`, fix),
  /** A JSON patch on a field the library's checks rely on. */
  protectedPatch: (path: string, field: string, value: unknown, target: string, instead: string) =>
    err(ErrorCode.PROTECTED_PATCH, path, `${field} ${show(value)} patches ${target}, which the library's checks (ports, users, capabilities, mounts, secrets) rely on`,
      `Use ${instead} instead of a patch`),
  /** A mount of a workload volume that the pod, task or container group does not declare. */
  appVolumeMissing: (path: string, field: string, volume: unknown, target: string, volumes: string[]) =>
    err(ErrorCode.APP_VOLUME_MISSING, path, `${field} ${show(volume)} is not a volume of ${target}, which has ${volumes.length ? volumes.map(v => JSON.stringify(v)).join(', ') : 'no volumes'}`,
      'Name a volume the workload declares (pod spec volumes, task definition volumes, container group volumes), or add it there'),
  /** A CIDR a NetworkPolicy ipBlock refuses (networking.k8s.io/v1 IPBlock: "a valid IP CIDR"). */
  invalidCidr: (path: string, field: string, value: unknown) =>
    err(ErrorCode.INVALID_CIDR, path, `${field} ${show(value)} is not a CIDR`,
      'Give an IPv4 or IPv6 network with its prefix length, e.g. "10.0.0.0/16" or "2001:db8::/64"'),
  /** A network policy peer that selects nothing or mixes an IP block with selectors (networking.k8s.io/v1 NetworkPolicyPeer). */
  invalidPeer: (path: string, field: string, value: unknown, why: string, fix: string) =>
    err(ErrorCode.INVALID_PEER, path, `${field} ${show(value)} ${why}`, fix),
  /** A construct that selects a workload's pods by its label selector, for a workload that has none. */
  noPodSelector: (path: string, field: string, workload: string, kind: string, fix: string) =>
    err(ErrorCode.NO_POD_SELECTOR, path, `${field}: ${workload} (${kind}) has no label selector (spec.selector.matchLabels) to select its pods by`, fix),
  /** A SidecarCanary whose two workloads cannot be a stable/canary pair (k8s/canary.ts). */
  invalidCanary: (path: string, field: string, value: unknown, why: string, fix: string) =>
    err(ErrorCode.INVALID_CANARY, path, `${field} ${show(value)} ${why}`, fix),
  /** The canary workload differs from the stable one in more than its sidecars' images (k8s/canary.ts). */
  canaryDrift: (path: string, field: string, stableValue: unknown, canaryValue: unknown, stable: string, canary: string) =>
    err(ErrorCode.CANARY_DRIFT, path, `the canary ${canary} differs from the stable ${stable} at ${field}: ${show(stableValue)} (stable), ${show(canaryValue)} (canary); `
      + 'a sidecar canary may change only the images of the sidecars',
    'Build both workloads and their sidecars with the same code and props, passing only the sidecar images (e.g. one function taking the images), so that they cannot drift'),
  /** A PodDisruptionBudget that cannot work for its workload (k8s/disruption-budget.ts). */
  invalidDisruptionBudget: (path: string, field: string, value: unknown, why: string, fix: string) =>
    err(ErrorCode.INVALID_DISRUPTION_BUDGET, path, `${field} ${show(value)} ${why}`, fix),
};

/** Entries whose second argument is not a field (a new entry of that kind goes here too). */
const NO_FIELD = new Set<string>(['noContainers', 'duplicateContainerName', 'noAppContainers', 'dependencyCycle', 'notAWorkload', 'ambiguousWorkload',
  'alreadyInjected', 'nativeSidecarsUnsupported', 'jobNeedsNativeSidecars', 'interceptionConflict', 'unconsumedCapability']);
/** Entries whose third argument is not the value the field holds (kept when an error is renamed). */
const NO_VALUE = new Set<string>(['rootNotAllowed', 'healthyNeedsProbe', 'unknownDependency', 'classicCannotWait', 'missingSecretSource',
  'invalidKey', 'runtimeUnreadable', 'runtimeUnwritable', 'runtimeMissingFile', 'runtimeSocketUnreachable', 'runtimeSignalUndeliverable',
  'runtimeMissingBinary', 'missingSetting', 'noSidecars', 'noAuthMethod', 'duplicateEnv', 'duplicateVolume', 'envConflict', 'mountConflict',
  'unknownAppContainer', 'dependencyCondition', 'exemptGroup', 'imageLacksBinary', 'resourcesExceedTask', 'alreadySet', 'probePortNotDeclared',
  'fileTooLarge', 'tokenNotSupported', 'protectedPatch', 'noPodSelector']);

/**
 * The catalogue. Each error that names a field can be made again naming another one
 * (`SidecarError._renamed`): the core renames the library's internal fields (such as
 * `ports[0].port` of a sidecar's container) to the props the user wrote (such as `httpPort`).
 */
export const Errors: typeof CATALOGUE = Object.fromEntries(Object.entries(CATALOGUE).map(([name, make]) => {
  if (NO_FIELD.has(name)) { return [name, make]; }
  const entry = (...args: unknown[]): SidecarError => {
    const e = (make as (...a: unknown[]) => SidecarError)(...args);
    // An entry added later whose second argument is not a field name is left as it is.
    if (typeof args[1] !== 'string') { return e; }
    return e._remakeWith(args[1] as string, (field, value) => {
      const again = [...args];
      again[1] = field;
      if (value !== undefined && !NO_VALUE.has(name)) { again[2] = value(again[2]); }
      return entry(...again);
    });
  };
  return [name, entry];
})) as typeof CATALOGUE;

/**
 * A value that failed a check because it is a CDK token gets the token error instead (issue 10,
 * section 3: never "-1.888e+289 is not a port number"): the check needed the value at synthesis.
 * Wrapped here, after the catalogue, so every existing caller is covered.
 */
const TOKEN_CHECKS: { readonly [entry: string]: readonly [why: string, fix: string] } = {
  invalidPort: ['the library checks the port against the pod\'s other ports and writes it into generated configuration at synthesis',
    'Pass a literal port number, e.g. 8080'],
  invalidNumber: ['the library checks the number and writes it into generated configuration at synthesis', 'Pass a literal number'],
  invalidId: ['the library checks the ID against the other containers\' IDs at synthesis', 'Pass a literal integer, e.g. 1000'],
  invalidResources: ['the library checks the resources against the task\'s and the limits at synthesis', 'Pass a literal number'],
  invalidName: ['the library checks this value (and derives names from some) at synthesis', 'Pass a literal value'],
  invalidPath: ['paths are checked against the other mounts at synthesis', 'Pass a literal path'],
  invalidType: ['the library needs this value at synthesis', 'Pass a literal value'],
  ...Object.fromEntries(['invalidAnnotation', 'invalidPortName', 'invalidEnv', 'invalidProbe', 'invalidRole', 'invalidVolume', 'invalidConfigFile',
    'invalidCommand', 'invalidSelector', 'invalidInterception', 'invalidUrl', 'invalidPolicyFile', 'invalidSecretKey', 'invalidTag',
    'unknownCapability', 'invalidKubernetesVersion', 'unknownReference', 'invalidRange', 'invalidKey']
    .map(entry => [entry, ['the library checks this value at synthesis', 'Pass a literal value'] as const])),
};
/**
 * The value itself is a token (a string holding one, a number token, an encoded list, an
 * IResolvable or a cdk8s Lazy). Not what is inside objects or lists: their members are checked
 * under their own fields, and an object passed where something else belongs (a construct, an
 * ecs.Secret for a SecretSource) holds tokens of its own and is a wrong type, not a token.
 */
function holdsToken(value: unknown): boolean {
  return isUnresolved(value);
}

for (const [entry, [why, fix]] of Object.entries(TOKEN_CHECKS)) {
  const table = Errors as unknown as { [k: string]: (path: string, field: string, value: unknown, ...rest: unknown[]) => SidecarError };
  const make = table[entry];
  table[entry] = (path, field, value, ...rest) => (holdsToken(value)
    ? Errors.tokenNotSupported(path, field, why, fix)
    : make(path, field, value, ...rest));
}
