import { IConstruct } from 'constructs';
import { AppInitContainerPlacement } from './placement';
import { Errors } from '../core/errors';

/**
 * How long-running sidecars are placed in the pod.
 */
export enum SidecarMode {
  /**
   * Native sidecars: init containers with `restartPolicy: Always` (Kubernetes >= 1.29).
   * They start before the app in order (waiting for their startup probes), stop after
   * it in reverse order, and do not keep Jobs from completing.
   */
  NATIVE = 'NATIVE',
  /**
   * Classic sidecars: extra entries in `containers`, placed before the app containers.
   * For clusters older than 1.29. The kubelet starts containers in list order; a
   * sidecar's `waitCommand` becomes a postStart hook that holds the app until the
   * sidecar is healthy. Jobs with classic long-running sidecars are refused.
   */
  CLASSIC = 'CLASSIC',
}

/** The first Kubernetes minor version with native sidecars on by default. */
export const NATIVE_SIDECARS_SINCE = 29;

/** The construct context key that can carry the target version instead of `KubernetesTarget.set`. */
export const KUBERNETES_VERSION_CONTEXT = 'cdk-sidecars:kubernetesVersion';

const targets = new WeakMap<IConstruct, string>();
/** Versions looked up, valid while `generation` (bumped by every `set`) is the same. */
const looked = new WeakMap<IConstruct, Looked>();
let generation = 0;

/**
 * The Kubernetes version a chart or app is deployed to, stated once. It decides
 * whether sidecars are native (>= 1.29) or classic.
 *
 * @example
 * KubernetesTarget.set(app, '1.28'); // every chart of the app gets classic sidecars
 */
export class KubernetesTarget {
  /**
   * States the target Kubernetes version for `scope` and everything under it.
   * @param scope a cdk8s App or Chart (any construct works)
   * @param version "<major>.<minor>", e.g. "1.29" (a patch or a leading "v" is accepted)
   */
  public static set(scope: IConstruct, version: string): void {
    parseVersion(scope.node.path || '<app>', 'version', version);
    targets.set(scope, version);
    generation++;
  }

  /**
   * The target version stated for `scope` or its nearest ancestor (by `set` or by
   * the construct context key `cdk-sidecars:kubernetesVersion`).
   * @returns the version, or undefined when none was stated
   */
  public static versionOf(scope: IConstruct): string | undefined {
    return look(scope, true).version;
  }

  /**
   * The same as versionOf, without remembering the answer for `scope` itself: asked once per
   * workload at each synthesis, where a remembered answer per workload would only cost memory.
   * Every context value on the way up is checked, also one a nearer value hides. @internal
   */
  public static _versionOfWorkload(scope: IConstruct): string | undefined {
    // Most apps state the version with `set` or not at all. Without a context value anywhere on the
    // way up (tryGetContext gives the nearest), there is nothing to check, and the answer is the
    // nearest `set` (checked when it was made): found by walking up, where `look` would remember
    // an answer per workload.
    if (scope.node.tryGetContext(KUBERNETES_VERSION_CONTEXT) === undefined) {
      for (let s: IConstruct | undefined = scope; s !== undefined; s = s.node.scope) {
        const own = targets.get(s);
        if (own !== undefined) { return own; }
      }
      return undefined;
    }
    return look(scope, false).version;
  }

  private constructor() {}
}

interface Looked { readonly generation: number; readonly version: string | undefined; readonly stated: boolean }

/**
 * The version for `scope`: `set` on it or its nearest ancestor, else the context key's nearest value
 * (a set anywhere above wins over context). Remembered per scope until the next `set` (the context
 * of a construct with children cannot change, constructs' Node.setContext); `remember` false keeps
 * only the ancestors' answers.
 */
function look(scope: IConstruct, remember: boolean): Looked {
  const known = looked.get(scope);
  if (known && known.generation === generation) { return known; }
  let found: Looked;
  const own = targets.get(scope);
  const parent = scope.node.scope;
  const above = parent ? look(parent, true) : undefined;
  if (own !== undefined) {
    found = { generation, version: own, stated: true };
  } else if (above?.stated) {
    found = above;
  } else {
    const fromContext = scope.node.tryGetContext(KUBERNETES_VERSION_CONTEXT);
    if (above !== undefined && fromContext === above.version) {
      found = above;
    } else {
      if (fromContext !== undefined) { parseVersion(scope.node.path || '<app>', `context ${KUBERNETES_VERSION_CONTEXT}`, fromContext); }
      found = { generation, version: fromContext === undefined ? undefined : String(fromContext), stated: false };
    }
  }
  if (remember) { looked.set(scope, found); }
  return found;
}

/** "1.29", "v1.29" or "1.29.3": numbers without leading zeros, as Kubernetes releases are named. */
const VERSION = /^v?([1-9]\d{0,2})\.(0|[1-9]\d{0,3})(\.(0|[1-9]\d{0,4}))?$/;

/** Parses "1.29", "v1.29" or "1.29.3" into [major, minor] (numbers without leading zeros, as Kubernetes releases are named). */
export function parseVersion(path: string | (() => string), field: string, version: unknown): [number, number] {
  const m = typeof version === 'string' ? VERSION.exec(version) : null;
  if (!m) { throw Errors.invalidKubernetesVersion(typeof path === 'string' ? path : path(), field, version); }
  return [Number(m[1]), Number(m[2])];
}

/**
 * The mode for a workload: the explicit one, else from the target version, else native
 * (every Kubernetes release still supported upstream has native sidecars).
 */
export function modeFor(scope: IConstruct, path: string | (() => string), explicit: SidecarMode | undefined): SidecarMode {
  return modeForVersion(KubernetesTarget.versionOf(scope), path, explicit);
}

/** The same as modeFor, for a workload whose target version (KubernetesTarget.versionOf) is `version`. */
export function modeForVersion(version: string | undefined, path: string | (() => string), explicit: SidecarMode | undefined): SidecarMode {
  // Asked once per workload: without a stated version nothing can fail, and no closure is made.
  if (version === undefined) { return explicit ?? SidecarMode.NATIVE; }
  const native = supportsNative(parseVersion(path, 'target Kubernetes version', version));
  if (explicit === SidecarMode.NATIVE && !native) {
    throw Errors.nativeSidecarsUnsupported(typeof path === 'string' ? path : path(), version);
  }
  return explicit ?? (native ? SidecarMode.NATIVE : SidecarMode.CLASSIC);
}

/**
 * Runtime check of the binder options (mode, appInitContainers): plain JavaScript, JSON and
 * jsii callers can pass strings that are not enum members, which would otherwise fall back
 * to a default or render a pod that never starts.
 */
export function checkBinderOptions(path: string, options: { readonly mode?: unknown; readonly appInitContainers?: unknown } | undefined): void {
  if (options === undefined) { return; }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) { throw Errors.invalidType(path, 'options', options, 'an object'); }
  const members: Array<[string, unknown, object, string]> = [
    ['mode', options.mode, SidecarMode, 'SidecarMode'],
    ['appInitContainers', options.appInitContainers, AppInitContainerPlacement, 'AppInitContainerPlacement'],
  ];
  for (const [field, value, values, name] of members) {
    if (value !== undefined && !Object.values(values).includes(value)) {
      throw Errors.invalidType(path, field, value, `one of ${Object.keys(values).map(k => `${name}.${k}`).join(', ')}`);
    }
  }
}

function supportsNative([major, minor]: [number, number]): boolean {
  return major > 1 || (major === 1 && minor >= NATIVE_SIDECARS_SINCE);
}

/**
 * Whether the target Kubernetes version of `scope` is 1.`minor` or later; true when none is
 * stated (the library's default: every Kubernetes release still supported upstream).
 */
export function targetAtLeast(scope: IConstruct, path: string | (() => string), minor: number): boolean {
  return versionAtLeast(KubernetesTarget.versionOf(scope), path, minor);
}

/** Whether `version` (a target version, or undefined when none is stated) is 1.`minor` or later. */
export function versionAtLeast(version: string | undefined, path: string | (() => string), minor: number): boolean {
  if (version === undefined) { return true; }
  const [major, m] = parseVersion(path, 'target Kubernetes version', version);
  return major > 1 || (major === 1 && m >= minor);
}
