import { IConstruct } from 'constructs';
import { RenderSettings } from './render';
import { ComposedPod, isDeterministic } from '../core/composition';
import { ISidecar } from '../core/contribution';
import { policyGeneration } from '../core/image-policy';

/**
 * Most apps attach one set of sidecars to many workloads whose pods differ only in names and
 * labels. The injected pod template of such a workload is a function of its pod spec, its pod
 * annotations, its kind, the sidecars, the render settings and the ImagePolicy scopes; so it is composed, checked and
 * rendered once per app for each distinct combination, and patched into the others. What depends on
 * a workload's place in the construct tree (namespace, ImagePolicy scope, seccomp profiles,
 * warnings, notes) is still done per workload by WorkloadSidecars.
 *
 * A later workload's part costs about what the same sidecars written by hand as literal JSON cost:
 * its pod spec is compared with the first one's (matcher), and the patch is one generated function of literals
 * (JSON.stringify is its one escaping function) that keeps what injection left alone from the
 * workload's own JSON; `npm run bench` measures it against that hand-written code.
 *
 * A rendering is reused only when every sidecar's `contribute` is declared deterministic
 * (the built-in sidecars: a user's own ISidecar may read `targetPath`), when no warning names the
 * workload, and when no string kubectl would misread was let through because the first workload's
 * own JSON has it. The same app pod must give the same output with and without reuse
 * (test/k8s/render-memo.test.ts renders every case both ways).
 */
export interface RenderMemoEntry {
  /** Whether a later workload's pod template spec equals the first workload's, as written (keys in the same order). */
  readonly matches: Matcher;
  /** The composed pod (its targetPath is the first workload's, used only in errors). */
  readonly composed: ComposedPod;
  /** The warnings of the pod, none naming the workload. */
  readonly warnings: readonly string[];
  /** Makes the injected pod template spec from a later workload's own (equal to the first's as written). */
  readonly spec: Patcher;
  /** A copier of the injected pod template's annotations (before other constructs' annotations). */
  readonly annotations: Copier;
  /** The first workload's ConfigMap and Secret names, by volume, replaced by each workload's own. */
  readonly configObjectNames: ReadonlyMap<string, string>;
}

/** Distinct renderings kept per app; an app with more distinct pods renders the rest afresh. */
export const RENDER_MEMO_SIZE = 256;

/** Most key levels kept per app (each distinct value of a key part at a level is one). */
const MAX_KEY_LEVELS = RENDER_MEMO_SIZE * 16;

/**
 * One level of the memo's key: the next key part's value leads to the level below (a Map, so a
 * lookup builds no key string); the last level holds the renderings of that key.
 */
export class RenderSlot {
  /** @internal */
  public readonly next = new Map<unknown, RenderSlot>();
  /** @internal */
  public entries?: RenderMemoEntry[];
}

/** The renderings of one app: by everything but the pod spec, then compared by pod spec. */
export class RenderMemo {
  private readonly root = new RenderSlot();
  /** The key of the last slot asked for (a copy: renderKey overwrites its array), and that slot. */
  private readonly lastKey: unknown[] = [];
  private lastSlot?: RenderSlot;
  private size = 0;
  private levels = 0;
  private found = 0;

  /**
   * The slot of a key (renderKey): made on first use while the memo has room, undefined when it
   * has none and the key is new.
   */
  public slot(key: readonly unknown[]): RenderSlot | undefined {
    // Most apps give many workloads in a row the same key: compared part by part, no Map is asked.
    const last = this.lastKey;
    if (this.lastSlot !== undefined && last.length === key.length) {
      let same = true;
      for (let i = 0; i < key.length && same; i++) { same = last[i] === key[i]; }
      if (same) { return this.lastSlot; }
    }
    let level = this.root;
    for (let i = 0; i < key.length; i++) {
      let below = level.next.get(key[i]);
      if (below === undefined) {
        if (this.full) { return undefined; }
        below = new RenderSlot();
        level.next.set(key[i], below);
        this.levels++;
      }
      level = below;
    }
    this.lastSlot = level;
    last.length = key.length;
    for (let i = 0; i < key.length; i++) { last[i] = key[i]; }
    return level;
  }

  /** The rendering in `slot` of a pod spec equal to `spec` (same keys in the same order). */
  public find(slot: RenderSlot, spec: unknown): RenderMemoEntry | undefined {
    const entries = slot.entries;
    if (entries === undefined) { return undefined; }
    for (let i = 0; i < entries.length; i++) {
      if (entries[i].matches(spec)) {
        this.found++;
        return entries[i];
      }
    }
    return undefined;
  }

  /** How many renderings were reused (for tests). */
  public get hits(): number {
    return this.found;
  }

  /** Keeps a rendering, unless RENDER_MEMO_SIZE are kept already. */
  public add(slot: RenderSlot, entry: RenderMemoEntry): void {
    if (this.size >= RENDER_MEMO_SIZE) { return; }
    this.size++;
    if (slot.entries) { slot.entries.push(entry); } else { slot.entries = [entry]; }
  }

  /** Whether another rendering may be kept. */
  public get full(): boolean {
    return this.size >= RENDER_MEMO_SIZE || this.levels >= MAX_KEY_LEVELS;
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

/**
 * The sidecars attached to a workload, in order: one shared, frozen list for every workload that
 * attached the same sidecars in the same order (most apps attach one set to many workloads): the
 * list itself is a part of the render key.
 */
export class SidecarList {
  /** No sidecars. */
  public static readonly EMPTY = new SidecarList(Object.freeze([]));

  private readonly longer = new WeakMap<ISidecar, SidecarList>();
  private allDeterministic?: boolean;

  private constructor(public readonly sidecars: readonly ISidecar[]) {}

  /** This list with `sidecar` added at the end (the same list object for every workload). */
  public with(sidecar: ISidecar): SidecarList {
    let list = this.longer.get(sidecar);
    if (!list) {
      list = new SidecarList(Object.freeze([...this.sidecars, sidecar]));
      this.longer.set(sidecar, list);
    }
    return list;
  }

  /**
   * Whether every sidecar's `contribute` is declared deterministic: the renderings of a list with
   * one that is not (a user's own ISidecar may read `targetPath`) are not reused.
   */
  public get deterministic(): boolean {
    if (this.allDeterministic === undefined) { this.allDeterministic = this.sidecars.every(isDeterministic); }
    return this.allDeterministic;
  }
}

/** The render settings a key holds: RenderSettings but the library's version, the same for every workload. */
export type KeySettings = Pick<RenderSettings, 'mode' | 'appInitContainers' | 'appArmorField' | 'serviceAccountName' | 'injectors' | 'configObjectNames'>;

/** Written by each renderKey call and read at once by RenderMemo.slot (a key builds no object). */
const scratchKey: unknown[] = [];

/**
 * Everything but the pod spec that the injected pod template depends on (the workload's JSON and
 * its pod template's annotations, read once by the caller), part by part, or
 * undefined when the rendering must not be reused (reuse off, or a sidecar not declared
 * deterministic). The array is overwritten by the next call: pass it to RenderMemo.slot at once.
 */
export function renderKey(json: any, annotations: unknown, sidecars: SidecarList, settings: KeySettings): readonly unknown[] | undefined {
  if (!enabled || !sidecars.deterministic) { return undefined; }
  const kind = json.kind;
  scratchKey[0] = sidecars;
  scratchKey[1] = json.apiVersion;
  scratchKey[2] = kind;
  // A StatefulSet's claim templates are volumes of its pods (readWorkloadPod).
  scratchKey[3] = kind === 'StatefulSet' ? JSON.stringify(json.spec?.volumeClaimTemplates ?? null) : '';
  scratchKey[4] = annotations === undefined ? '' : JSON.stringify(annotations);
  scratchKey[5] = policyGeneration();
  scratchKey[6] = settings.mode;
  scratchKey[7] = settings.appInitContainers;
  scratchKey[8] = settings.appArmorField;
  scratchKey[9] = settings.serviceAccountName ?? '';
  scratchKey[10] = settings.injectors.length === 0 ? '' : settings.injectors.join('\u0000');
  scratchKey[11] = settings.configObjectNames.size === 0 ? '' : [...settings.configObjectNames.keys()].join('\u0000');
  return scratchKey;
}

/** A rendering to keep: the original spec, and what injection made of it. */
export function memoEntry(original: any, rendered: { metadata?: any; spec?: any }, composed: ComposedPod, warnings: readonly string[],
  configObjectNames: ReadonlyMap<string, string>): RenderMemoEntry {
  return {
    matches: matcher(original),
    composed,
    warnings,
    spec: patcher(original, rendered.spec ?? {}),
    annotations: copier(rendered.metadata?.annotations),
    configObjectNames: new Map(configObjectNames),
  };
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

/** Whether a workload's value equals the one the matcher was made from. */
export type Matcher = (value: unknown) => boolean;

/**
 * A matcher of a value as a workload wrote it. Equal means equal as JSON text, keys in the same
 * order: the form in which the manifest is synthesized. `expected` is taken apart once (shapeOf);
 * each later value is walked with Object.entries, which reads an object's keys and values in
 * their JSON order without listing its keys into a cache (Object.keys, Object.getOwnPropertyNames
 * and for...in give each object's hidden class an enum cache that outlives the comparison, about
 * 440 bytes per cdk8s-plus workload, whose objects of equal shape often have hidden classes of
 * their own), and faster than writing the JSON text (measured on cdk8s-plus-27 pod specs).
 * Exact when `expected` has neither null nor anything JSON text does not give back (cdk8s writes
 * no null, dropping null and undefined fields): a later value's NaN or Infinity (written as null)
 * cannot match, and its undefined fields are skipped, as JSON text leaves them out. Otherwise the
 * walking comparison (sameJson).
 */
export function matcher(expected: unknown): Matcher {
  if (!textFaithful(expected)) { return v => sameJson(expected, v); }
  const shape = shapeOf(expected);
  return v => {
    try {
      return matchesShape(shape, v);
    } catch {
      // A getter or proxy that throws: not a value cdk8s wrote.
      return false;
    }
  };
}

/** A JSON value taken apart once: an object's keys and values in order, an array's items, or the value itself. */
type Shape = string | number | boolean | ObjectShape | ArrayShape;
interface ObjectShape { readonly keys: readonly string[]; readonly values: readonly Shape[]; readonly items?: undefined }
interface ArrayShape { readonly items: readonly Shape[] }

function shapeOf(value: unknown): Shape {
  if (typeof value !== 'object' || value === null) { return value as string | number | boolean; }
  if (Array.isArray(value)) { return { items: value.map(shapeOf) }; }
  const keys = Object.keys(value);
  return { keys, values: keys.map(k => shapeOf((value as { [key: string]: unknown })[k])) };
}

/** Whether `v` is, as JSON text, the value `shape` was taken from (the walk follows the shape, so a cycle in `v` ends). */
function matchesShape(shape: Shape, v: unknown): boolean {
  if (typeof shape !== 'object') { return shape === v; }
  if (v === null || typeof v !== 'object') { return false; }
  if (shape.items !== undefined) {
    const items = shape.items;
    if (!Array.isArray(v) || v.length !== items.length) { return false; }
    for (let i = 0; i < items.length; i++) {
      if (!matchesShape(items[i], v[i])) { return false; }
    }
    return true;
  }
  if (Array.isArray(v)) { return false; }
  const { keys, values } = shape as ObjectShape;
  const entries = Object.entries(v);
  let n = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    // Left out of JSON text, as of the synthesized manifest.
    if (entry[1] === undefined) { continue; }
    if (n === keys.length || entry[0] !== keys[n] || !matchesShape(values[n], entry[1])) { return false; }
    n++;
  }
  return n === keys.length;
}

/** Whether JSON text gives `value` back as it is, and it holds no null. */
function textFaithful(value: unknown): boolean {
  if (value === null) { return false; }
  if (typeof value !== 'object') { return literalSafe('', value); }
  if (!literalSafe('', value)) { return false; }
  for (const [k, v] of Object.entries(value)) {
    if (k === '__proto__' || !textFaithful(v)) { return false; }
  }
  return true;
}

/** Makes the injected value from a workload's own value, which equals the first workload's as written. */
export type Patcher = (own: any) => any;

const TAKE_OWN: Patcher = own => own;

/**
 * A patcher from `original` (a value as the first workload wrote it) to `rendered` (what injection
 * made of it), worked out once. What injection left alone is taken from each workload's own JSON
 * (fresh from cdk8s, so not shared with another workload); an object or a same-length array that
 * injection changed is rebuilt around its unchanged parts, in the rendered key order; the rest is
 * copied (copier).
 */
export function patcher(original: unknown, rendered: unknown): Patcher {
  if (sameJson(original, rendered)) { return TAKE_OWN; }
  // The generated patch depends on the two values' JSON text alone where that text gives them back
  // (literalText): each app of a process (a test suite, a watch loop) then works it out once.
  const from = literalText(original);
  const to = from === undefined ? undefined : literalText(rendered);
  // JSON text escapes U+0000, so the separator cannot occur in either part.
  const key = to === undefined ? undefined : `${from}\u0000${to}`;
  const known = key === undefined ? undefined : patchers.get(key);
  if (known !== undefined) { return known; }
  const writer = new LiteralWriter();
  const expression = patchExpression(original, rendered, 'own', 0, writer);
  const fn = expression === undefined ? undefined : writer.compile(expression);
  if (fn === undefined) { return walkingPatcher(original, rendered); }
  if (key !== undefined && patchers.size < MAX_COMPILED) { patchers.set(key, fn); }
  return fn;
}

/** Patchers worked out so far, by the JSON text of the value as written and as rendered (see patcher). */
const patchers = new Map<string, Patcher>();

/**
 * The patch as one JavaScript expression over `own` (the workload's own value), or undefined
 * where a literal cannot say it (see literalText). Unchanged parts are read from `own` by their
 * path, changed objects and same-length arrays are literals around them, the rest literal copies.
 */
function patchExpression(original: unknown, rendered: unknown, own: string, depth: number, writer: LiteralWriter): string | undefined {
  if (sameJson(original, rendered)) { return own; }
  const both = Array.isArray(original) && Array.isArray(rendered) ? original.length === rendered.length
    : isPlainObject(original) && isPlainObject(rendered);
  if (!both) { return literalText(rendered) === undefined ? undefined : writer.value(rendered, depth); }
  if (depth >= MAX_LITERAL_DEPTH) {
    const inner = patchExpression(original, rendered, own, 0, writer);
    return inner === undefined ? undefined : writer.hoist(inner);
  }
  if (Array.isArray(rendered)) {
    const items = rendered.map((r, i) => patchExpression((original as unknown[])[i], r, `${own}[${i}]`, depth + 1, writer));
    return items.includes(undefined) ? undefined : `[${items.join(', ')}]`;
  }
  const was = original as { [key: string]: unknown };
  const entries: string[] = [];
  for (const k of Object.keys(rendered as object)) {
    if (k === '__proto__') { return undefined; }
    const key = JSON.stringify(k);
    const r = (rendered as any)[k];
    const value = Object.prototype.hasOwnProperty.call(was, k) ? patchExpression(was[k], r, `${own}[${key}]`, depth + 1, writer)
      : (literalText(r) === undefined ? undefined : writer.value(r, depth + 1));
    if (value === undefined) { return undefined; }
    entries.push(`${key}: ${value}`);
  }
  return `{${entries.join(', ')}}`;
}

/**
 * Deepest nesting of one generated literal. V8 copies a shallow literal inline and learns from it
 * where to allocate (copies that outlive the synthesis go straight to the old generation, as the
 * same code written by hand does); a deeper one is copied by the runtime, which learns nothing, so
 * deeper parts become functions of their own.
 */
const MAX_LITERAL_DEPTH = 2;

/** Writes the source of a copier or patcher: literals no deeper than MAX_LITERAL_DEPTH, deeper parts hoisted into functions. */
class LiteralWriter {
  private readonly defs: string[] = [];

  /** The literal of a JSON value that literalText accepts. */
  public value(v: unknown, depth: number): string {
    if (v === null || typeof v !== 'object') { return JSON.stringify(v); }
    if (depth >= MAX_LITERAL_DEPTH) { return this.hoist(this.value(v, 0)); }
    if (Array.isArray(v)) { return `[${v.map(x => this.value(x, depth + 1)).join(', ')}]`; }
    return `{${Object.keys(v).map(k => `${JSON.stringify(k)}: ${this.value((v as any)[k], depth + 1)}`).join(', ')}}`;
  }

  /** A function returning `expression` (over the workload's value `own`), and the call of it. */
  public hoist(expression: string): string {
    const name = `$${this.defs.length}`;
    this.defs.push(`const ${name} = own => (${expression});`);
    return `${name}(own)`;
  }

  /** `own => expression`, compiled once per distinct source in the process (see compiled). */
  public compile(expression: string): ((own?: any) => any) | undefined {
    return compile(`${this.defs.join('\n')}\nreturn function (own) { return ${expression}; };`);
  }
}

/** The same patch built by walking, where no literal can say it (or no code can be generated). */
function walkingPatcher(original: unknown, rendered: unknown): Patcher {
  if (sameJson(original, rendered)) { return TAKE_OWN; }
  if (Array.isArray(original) && Array.isArray(rendered) && original.length === rendered.length) {
    const items = rendered.map((r, i) => walkingPatcher(original[i], r));
    return (own: any) => {
      const out = new Array(items.length);
      for (let i = 0; i < items.length; i++) { out[i] = items[i](own[i]); }
      return out;
    };
  }
  if (!isPlainObject(original) || !isPlainObject(rendered)) { return copier(rendered); }
  const keys = Object.keys(rendered);
  const items = keys.map(k => (Object.prototype.hasOwnProperty.call(original, k) ? walkingPatcher(original[k], rendered[k]) : copier(rendered[k])));
  return (own: any) => {
    const out: { [key: string]: unknown } = {};
    for (let i = 0; i < keys.length; i++) { setOwn(out, keys[i], items[i](own[keys[i]])); }
    return out;
  };
}

/**
 * Sets an own, enumerable key: `out.__proto__ = v` would set the prototype instead (a JSON object
 * may have a "__proto__" key, e.g. as an annotation).
 */
function setOwn(out: { [key: string]: unknown }, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    out[key] = value;
  }
}

function isPlainObject(v: unknown): v is { [key: string]: unknown } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Writes a kept rendering into a workload's fresh JSON (mutates and returns it). */
export function reuseRendering(json: any, template: { metadata?: any; spec?: any }, entry: RenderMemoEntry,
  configObjectNames: ReadonlyMap<string, string>): any {
  // Equal to the first workload's original: its unchanged parts are this workload's own (fresh) values.
  const spec = entry.spec(template.spec ?? {});
  template.spec = spec;
  // Written only when missing: a store into an object whose hidden class is its own is a runtime call.
  const metadata = template.metadata ?? (template.metadata = {});
  metadata.annotations = entry.annotations();
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
  const literal = literalCopier(value);
  if (literal) { return literal; }
  return walkingCopier(value);
}

/**
 * A copier compiled from the value's JSON text as an object literal: V8 then builds each copy from
 * the literal's template, as fast as hand-written literal code and with objects of exactly the
 * right size. JSON.stringify is the one escaping function: JSON text is a JavaScript expression
 * (ECMAScript 2019 made every JSON string a valid string literal), with one exception: a
 * `"__proto__"` key in a literal sets the prototype instead of adding the key. Undefined (the
 * walking copier then serves) for such a key, for anything JSON text would not give back as it is
 * (undefined, functions, non-finite numbers, objects other than plain ones and arrays), and where
 * code cannot be generated from strings (node --disallow-code-generation-from-strings).
 */
function literalCopier(value: object): Copier | undefined {
  if (literalText(value) === undefined) { return undefined; }
  const writer = new LiteralWriter();
  return writer.compile(writer.value(value, 0));
}

/** A value's JSON text, which is its JavaScript literal; undefined where it would not give the value back (literalSafe). */
function literalText(value: unknown): string | undefined {
  // A walk, then JSON text without a replacer (a replacer call per value made this the larger part
  // of reusing the first rendering); the replacer serves values nested deeper than any manifest, and cycles.
  const safe = literalWalk('', value, 0);
  if (safe !== undefined) { return safe ? JSON.stringify(value) : undefined; }
  try {
    return JSON.stringify(value, function (this: any, key: string, v: unknown) {
      if (!literalSafe(key, this[key])) { throw NOT_LITERAL; }
      return v;
    });
  } catch (e) {
    if (e === NOT_LITERAL) { return undefined; }
    throw e;
  }
}

/**
 * Functions compiled so far, by source: the same rendering in another app of the process (a test
 * suite, a watch loop, the benchmark's rounds) reuses the function and what V8 learnt of it (which
 * literals to allocate straight in the old generation, as they outlive the synthesis).
 */
const compiled = new Map<string, (own?: any) => any>();
const MAX_COMPILED = 1024;

/**
 * The function a source returns (a function body), compiled once per distinct source in the process.
 * Undefined where code cannot be generated from strings (node --disallow-code-generation-from-strings).
 */
function compile(body: string): ((own?: any) => any) | undefined {
  let fn = compiled.get(body);
  if (fn === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      fn = new Function(body)() as (own?: any) => any;
    } catch {
      return undefined;
    }
    if (compiled.size < MAX_COMPILED) { compiled.set(body, fn); }
  }
  return fn;
}

const NOT_LITERAL = Symbol('not a JSON literal');

/** Deepest nesting literalWalk follows before it leaves the value to JSON.stringify with a replacer. */
const MAX_WALK_DEPTH = 64;

/**
 * Whether every value under `value` is literalSafe under its key, as JSON.stringify would visit
 * them (own enumerable string keys, read with Object.entries, which lists no keys into a cache);
 * undefined when the value is nested deeper than MAX_WALK_DEPTH.
 */
function literalWalk(key: string, value: unknown, depth: number): boolean | undefined {
  if (!literalSafe(key, value)) { return false; }
  if (value === null || typeof value !== 'object') { return true; }
  if (depth >= MAX_WALK_DEPTH) { return undefined; }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = literalWalk('', value[i], depth + 1);
      if (item !== true) { return item; }
    }
    return true;
  }
  const entries = Object.entries(value);
  for (let i = 0; i < entries.length; i++) {
    const item = literalWalk(entries[i][0], entries[i][1], depth + 1);
    if (item !== true) { return item; }
  }
  return true;
}

/** Whether JSON text gives the value back as it is, under its key, in a JavaScript object literal. */
function literalSafe(key: string, value: unknown): boolean {
  if (key === '__proto__') { return false; }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null || Array.isArray(value)) { return true; }
      const proto = Object.getPrototypeOf(value);
      return proto === Object.prototype || proto === null;
    }
    default:
      return false;
  }
}

function walkingCopier(value: object): Copier {
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
      setOwn(out, keys[i], copy === undefined ? plain[i] : copy());
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
  for (const k of Object.keys(value)) { setOwn(out, k, cloneJson((value as any)[k])); }
  return out as T;
}
