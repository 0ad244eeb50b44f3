import { IConstruct } from 'constructs';
import { RenderSettings } from './render';
import { ComposedPod, isDeterministic } from '../core/composition';
import { ISidecar } from '../core/contribution';
import { policyGeneration } from '../core/image-policy';

/**
 * Most apps attach one set of sidecars to many workloads whose pods differ only in names and
 * labels. The injected pod template of such a workload is a function of its pod spec, its pod
 * annotations, its kind, the sidecars, the render settings and the ImagePolicy scopes; so it is composed, checked and
 * rendered once per app for each distinct combination, and copied for the others. What depends on
 * a workload's place in the construct tree (namespace, ImagePolicy scope, seccomp profiles,
 * warnings, notes) is still done per workload by WorkloadSidecars.
 *
 * A rendering is reused only when every sidecar's `contribute` is declared deterministic
 * (the built-in sidecars: a user's own ISidecar may read `targetPath`), when no warning names the
 * workload, and when no string kubectl would misread was let through because the first workload's
 * own JSON has it. The same app pod must give the same output with and without reuse
 * (test/k8s/render-memo.test.ts renders every case both ways).
 */
export interface RenderMemoEntry {
  /** The pod template's spec as the first workload wrote it (compared with each later workload's). */
  readonly original: any;
  /** The composed pod (its targetPath is the first workload's, used only in errors). */
  readonly composed: ComposedPod;
  /** The warnings of the pod, none naming the workload. */
  readonly warnings: readonly string[];
  /**
   * The injected pod template's spec, field by field: a copier of the value where injection added
   * or changed the field, undefined where it is the workload's own (taken from each workload's JSON).
   */
  readonly spec: ReadonlyArray<readonly [string, Copier | undefined]>;
  /** A copier of the injected pod template's annotations (before other constructs' annotations). */
  readonly annotations: Copier;
  /** The first workload's ConfigMap and Secret names, by volume, replaced by each workload's own. */
  readonly configObjectNames: ReadonlyMap<string, string>;
}

/** Distinct renderings kept per app; an app with more distinct pods renders the rest afresh. */
export const RENDER_MEMO_SIZE = 256;

/** The renderings of one app: by everything but the pod spec, then compared by pod spec. */
export class RenderMemo {
  private readonly byKey = new Map<string, RenderMemoEntry[]>();
  private size = 0;
  private found = 0;

  /** The rendering of a pod spec equal to `spec` (same keys in the same order) under `key`. */
  public find(key: string, spec: unknown): RenderMemoEntry | undefined {
    const entry = this.byKey.get(key)?.find(e => sameJson(e.original, spec));
    if (entry) { this.found++; }
    return entry;
  }

  /** How many renderings were reused (for tests). */
  public get hits(): number {
    return this.found;
  }

  /** Keeps a rendering, unless RENDER_MEMO_SIZE are kept already. */
  public add(key: string, entry: RenderMemoEntry): void {
    if (this.size >= RENDER_MEMO_SIZE) { return; }
    this.size++;
    const list = this.byKey.get(key);
    if (list) { list.push(entry); } else { this.byKey.set(key, [entry]); }
  }

  /** Whether another rendering may be kept. */
  public get full(): boolean {
    return this.size >= RENDER_MEMO_SIZE;
  }
}

const memos = new WeakMap<IConstruct, RenderMemo>();
let enabled = true;

/** Turns reuse off (tests compare the output with and without it). */
export function setRenderMemo(on: boolean): void {
  enabled = on;
}

/** The renderings of the app whose root is `root`. */
export function renderMemo(root: IConstruct): RenderMemo {
  let memo = memos.get(root);
  if (!memo) {
    memo = new RenderMemo();
    memos.set(root, memo);
  }
  return memo;
}

const ids = new WeakMap<ISidecar, number>();
let nextId = 0;

/**
 * The sidecars' part of the key, or undefined when one of them is not declared deterministic
 * (a user's own ISidecar may read `targetPath`): its pods are composed afresh.
 */
export function sidecarsKey(sidecars: readonly ISidecar[]): string | undefined {
  if (!sidecars.every(isDeterministic)) { return undefined; }
  return sidecars.map(s => {
    let id = ids.get(s);
    if (id === undefined) {
      id = nextId++;
      ids.set(s, id);
    }
    return id;
  }).join(',');
}

/**
 * Everything but the pod spec that the injected pod template depends on, or undefined when the
 * rendering must not be reused (reuse off, or `sidecars` undefined: see sidecarsKey).
 */
export function renderKey(json: any, template: { metadata?: any }, sidecars: string | undefined, settings: RenderSettings): string | undefined {
  if (!enabled || sidecars === undefined) { return undefined; }
  // A StatefulSet's claim templates are volumes of its pods (readWorkloadPod).
  const claims = json.kind === 'StatefulSet' ? JSON.stringify(json.spec?.volumeClaimTemplates ?? null) : '';
  const annotations = template.metadata?.annotations;
  return `${json.apiVersion}\u0000${json.kind}\u0000${claims}\u0000${annotations === undefined ? '' : JSON.stringify(annotations)}\u0000${sidecars}`
    + `\u0000${policyGeneration()}\u0000${settings.mode}\u0000${settings.appInitContainers}\u0000${settings.appArmorField}\u0000${settings.version}`
    + `\u0000${settings.serviceAccountName ?? ''}\u0000${settings.injectors.join(',')}\u0000${[...settings.configObjectNames.keys()].join(',')}`;
}

/** A rendering to keep: the original spec, and what injection made of it. */
export function memoEntry(original: any, rendered: { metadata?: any; spec?: any }, composed: ComposedPod, warnings: readonly string[],
  configObjectNames: ReadonlyMap<string, string>): RenderMemoEntry {
  const given = rendered.spec ?? {};
  const spec = Object.keys(given).map((k): [string, Copier | undefined] =>
    [k, Object.prototype.hasOwnProperty.call(original, k) && sameJson(original[k], given[k]) ? undefined : copier(given[k])]);
  return { original, composed, warnings, spec, annotations: copier(rendered.metadata?.annotations), configObjectNames: new Map(configObjectNames) };
}

/** Whether two JSON values are equal, object keys in the same order (the output keeps the order). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) { return true; }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') { return false; }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) { return false; }
    for (let i = 0; i < a.length; i++) {
      if (!sameJson(a[i], b[i])) { return false; }
    }
    return true;
  }
  if (Array.isArray(b)) { return false; }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) { return false; }
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i] || !sameJson((a as any)[ka[i]], (b as any)[kb[i]])) { return false; }
  }
  return true;
}

/** Writes a kept rendering into a workload's fresh JSON (mutates and returns it). */
export function reuseRendering(json: any, template: { metadata?: any; spec?: any }, entry: RenderMemoEntry,
  configObjectNames: ReadonlyMap<string, string>): any {
  // Equal to the first workload's original: its unchanged fields are this workload's own (fresh) values.
  const written = template.spec ?? {};
  const spec: any = {};
  for (const [k, copy] of entry.spec) { spec[k] = copy === undefined ? written[k] : copy(); }
  template.spec = spec;
  template.metadata = template.metadata ?? {};
  template.metadata.annotations = entry.annotations();
  // The ConfigMaps and Secrets are the workload's own: their names carry its name (renderVolume, redirectVolumes).
  if (entry.configObjectNames.size > 0) {
    for (const v of spec.volumes ?? []) {
      const first = entry.configObjectNames.get(v.name);
      if (first === undefined) { continue; }
      const own = configObjectNames.get(v.name)!;
      if (v.configMap?.name === first) { v.configMap.name = own; }
      if (v.secret?.secretName === first) { v.secret.secretName = own; }
    }
  }
  return json;
}

/** Makes a fresh deep copy of one JSON value at each call. */
export type Copier = () => any;

/**
 * A copier of a JSON value, worked out once: each object and array is rebuilt from its own list
 * of keys and copiers, and strings, numbers, booleans and null are shared (they are immutable).
 * Faster than walking the value at each copy, and the copy never shares an object with `value`.
 */
export function copier(value: unknown): Copier {
  if (value === null || typeof value !== 'object') { return () => value; }
  if (Array.isArray(value)) {
    const items = value.map(v => (v !== null && typeof v === 'object' ? copier(v) : undefined));
    const plain = [...value];
    return () => {
      const out = new Array(plain.length);
      for (let i = 0; i < plain.length; i++) {
        const copy = items[i];
        out[i] = copy === undefined ? plain[i] : copy();
      }
      return out;
    };
  }
  const keys = Object.keys(value);
  const items = keys.map(k => {
    const v = (value as any)[k];
    return v !== null && typeof v === 'object' ? copier(v) : undefined;
  });
  const plain = keys.map(k => (value as any)[k]);
  return () => {
    const out: { [key: string]: unknown } = {};
    for (let i = 0; i < keys.length; i++) {
      const copy = items[i];
      out[keys[i]] = copy === undefined ? plain[i] : copy();
    }
    return out;
  };
}

/** A deep copy of a JSON value (plain objects, arrays, strings, numbers, booleans, null). */
export function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') { return value; }
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) { out[i] = cloneJson(value[i]); }
    return out as any;
  }
  const out: { [key: string]: unknown } = {};
  for (const k in value) { out[k] = cloneJson((value as any)[k]); }
  return out as T;
}
