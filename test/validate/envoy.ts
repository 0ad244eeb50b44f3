/**
 * Strict, independent validator for Envoy bootstrap configuration (the JSON object written to
 * envoy.yaml / envoy.json), checked against Envoy's own v3 API protos as shipped in
 * `@grpc/grpc-js-xds` (deps/envoy-api, deps/xds, deps/googleapis, deps/protoc-gen-validate).
 *
 * protobufjs only supplies the reflection (types, fields, oneofs, enums, options); the proto3 JSON
 * mapping is checked here, because `Type.fromObject` is lenient (ignores unknown fields, coerces
 * types). What is checked:
 * - unknown fields are errors; a field may be written as its proto name (`stat_prefix`) or its
 *   lowerCamel JSON name (`statPrefix`), not both. `null` means "not set" (proto3 JSON);
 * - scalars: int32/uint32 family must be JSON numbers (integral, in range); int64/uint64 family a
 *   number or a decimal string; float/double a number or "NaN"/"Infinity"/"-Infinity"; bool a
 *   boolean; string a string; bytes base64 (standard or URL-safe). Quoted 32-bit numbers ("8080"),
 *   which the protobuf C++ parser would also accept, are rejected: generated configs should be canonical;
 * - enums by name or number, which must exist in the enum; repeated fields must be arrays, maps
 *   objects whose keys parse as the key type;
 * - oneofs: at most one member set (e.g. Cluster `type` + `cluster_type`, Route `route` + `redirect`);
 * - well-known types: Duration as "1s" / "0.250s" (numbers are rejected), Timestamp as RFC 3339,
 *   Struct/Value/ListValue as any JSON object/value/array, wrappers (UInt32Value, BoolValue, ...) as
 *   the bare value, FieldMask as a string, Any as `{"@type": "type.googleapis.com/<full.name>", ...}`
 *   whose other fields are checked against that type (well-known types inside an Any use `value`).
 *   `xds.type.v3.TypedStruct` / `udpa.type.v1.TypedStruct` also get their `value` checked against `type_url`;
 * - fields, enum values and (via `@type`) messages marked `deprecated = true` are errors: generated
 *   configs should not use them (Envoy only warns, or rejects them under --reject-deprecated).
 *
 * protoc-gen-validate. protobufjs flattens `[(validate.rules).string = {in: "a" in: "b"}]` into
 * `field.options['(validate.rules).string.in'] = 'b'` (repeated values lost) and drops empty
 * messages such as `(validate.rules).duration = {gt {}}`, but keeps the structured form in
 * `field.parsedOptions` (`[{'(validate.rules)': {string: {in: ['a', 'b']}}}]`), which is what is
 * read here. Enforced:
 * - oneof `option (validate.required) = true`: exactly one member set (Address, Route action, HCM route_specifier ...);
 * - `message.required`, `any.required`, `duration.required`, `timestamp.required`;
 * - numbers (int32 ... double, also on wrapper types): `const`, `lt`, `lte`, `gt`, `gte` (PGV's
 *   exclusive range when lt < gt), `in`, `not_in`, `ignore_empty`;
 * - `string`: `const`, `len`, `min_len`, `max_len` (code points), `min_bytes`, `max_bytes`, `pattern`
 *   (RE2 read as a JS RegExp), `prefix`, `suffix`, `contains`, `not_contains`, `in`, `not_in`,
 *   `well_known_regex` HTTP_HEADER_NAME / HTTP_HEADER_VALUE with `strict`, `ignore_empty`;
 * - `bytes`: `len`, `min_len`, `max_len`; `bool.const`; `enum`: `defined_only` (always, see above),
 *   `const`, `in`, `not_in`;
 * - `duration`: `const`, `lt`, `lte`, `gt`, `gte` (so `connect_timeout` must be > 0s), `in`, `not_in`;
 * - `repeated`: `min_items`, `max_items`, `unique`, `items` (any of the above per element), `ignore_empty`;
 * - `map`: `min_pairs`, `max_pairs`, `keys`, `values`;
 * - `any`: `in`, `not_in`.
 * As in PGV, rules of a plain proto3 scalar field also apply when it is absent (its value is then
 * the default), so a Cluster without `name` fails `string.min_len = 1` (likewise an absent enum whose
 * value 0 is `(envoy.annotations.disallowed_by_default_enum)`: ApiConfigSource.api_type); rules of oneof members and
 * `optional` fields apply only when set. Not enforced: string formats (`email`, `hostname`, `ip`,
 * `uri` ...; unused in the v3 config protos), `timestamp` ranges, `message.skip`.
 *
 * `@type` resolution: the Root starts with bootstrap.proto plus the extensions a sidecar config
 * commonly names (EAGER_FILES). An `@type` naming anything else is looked up in an index
 * `full message name -> .proto file`, built once by scanning the `package` and top-level `message`
 * declarations of every file under deps/envoy-api/envoy, deps/xds/xds and deps/xds/udpa; the file is
 * then loaded into the same Root. Files whose imports are missing from deps (the v2 API, OpenTelemetry
 * ...) are refused before loading; a file that protobufjs cannot parse or resolve is skipped (the Root
 * is rebuilt from the files that did load, because a failed load leaves it half-populated). Either way
 * the `@type` is reported as an error.
 *
 * Cost (node 20, this machine, noisy): the first call loads bootstrap.proto and EAGER_FILES (99
 * .proto files with their imports): 220-420 ms. The type index is built on the first `@type` not
 * yet loaded: 40-50 ms; each further file then costs 1-5 ms (most imports are already loaded).
 * After that 0.2-0.4 ms per call for the complete sidecar bootstrap of envoy.test.ts (5 listeners,
 * 7 clusters, ~7 KB of JSON). Every message type of the deps (1040 top-level messages) resolves in
 * 0.45-0.8 s in total: 855 load, 185 are refused because their files import protos that are not in
 * deps (175 the removed v2 API envoy/api/v2, 4 envoy/admin/v2alpha, 3 OpenCensus, 2 Prometheus,
 * 1 OpenTelemetry); no file that passes the import check fails to parse. The Root, the index and
 * per-type field tables are cached at module level; jest gives every test file its own module
 * registry, so each test file that validates pays the first load once.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as protobuf from 'protobufjs';

const DEPS = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const ENVOY_API = path.join(DEPS, 'envoy-api');
const XDS_API = path.join(DEPS, 'xds');
/**
 * Import roots, searched in order. google/protobuf/{any,duration,struct,wrappers,...}.proto are
 * bundled in protobufjs; google/protobuf/descriptor.proto (imported by validate.proto and the
 * annotation protos) is not in deps, so protobufjs' own copy is the last root.
 */
const INCLUDE_ROOTS = [ENVOY_API, XDS_API, path.join(DEPS, 'googleapis'), path.join(DEPS, 'protoc-gen-validate'),
  path.dirname(require.resolve('protobufjs/package.json'))];

const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';

/** Loaded up front: bootstrap plus what a sidecar config commonly names in `typed_config`. */
const EAGER_FILES = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/ext_authz/v3/ext_authz.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto',
  'envoy/extensions/filters/http/health_check/v3/health_check.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
];

const MAX_DEPTH = 200;

// ---------------------------------------------------------------------------------------------
// Loading: one Root, grown lazily; `@type` index
// ---------------------------------------------------------------------------------------------

const includeCache = new Map<string, string | null>();

/** Absolute path of an import (`envoy/config/core/v3/base.proto`), or null when no root has it. */
function findInclude(target: string): string | null {
  if (path.isAbsolute(target)) return target;
  let found = includeCache.get(target);
  if (found === undefined) {
    found = null;
    for (const dir of INCLUDE_ROOTS) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) { found = candidate; break; }
    }
    includeCache.set(target, found);
  }
  return found;
}

const isBundled = (target: string) => target.startsWith('google/protobuf/') && target in (protobuf.common as any);

let root: protobuf.Root | undefined;
/** Files loaded into `root`, in order (to rebuild it after a failed load). */
const loadedFiles: string[] = [];
/** file -> why it cannot be loaded */
const unloadable = new Map<string, string>();
/** full type name (no leading dot) -> Type, or the reason it cannot be resolved */
const typeCache = new Map<string, protobuf.Type | string>();
/** full message name -> file (relative to its include root); built on the first miss */
let typeIndex: Map<string, string> | undefined;
const missingImportCache = new Map<string, string | null>();

function freshRoot(): protobuf.Root {
  const r = new protobuf.Root();
  r.resolvePath = (_origin: string, target: string) => findInclude(target);
  return r;
}

/** The first import in `file`'s transitive closure that no include root has, or null. */
function missingImport(file: string, seen = new Set<string>()): string | null {
  if (missingImportCache.has(file)) return missingImportCache.get(file)!;
  if (seen.has(file)) return null;
  seen.add(file);
  const abs = findInclude(file);
  let missing: string | null = abs ? null : file;
  if (abs) {
    for (const m of fs.readFileSync(abs, 'utf8').matchAll(/^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm)) {
      if (isBundled(m[1])) continue;
      missing = missingImport(m[1], seen);
      if (missing) break;
    }
  }
  missingImportCache.set(file, missing);
  return missing;
}

/** Loads `file` into the Root; returns false (and records why) when it cannot be loaded. */
function loadFile(file: string): boolean {
  if (loadedFiles.includes(file)) return true;
  if (unloadable.has(file)) return false;
  const missing = missingImport(file);
  if (missing) {
    unloadable.set(file, `imports ${missing}, which is not in ${DEPS}`);
    return false;
  }
  try {
    getRoot().loadSync(file, { keepCase: true });
    loadedFiles.push(file);
    return true;
  } catch (e) {
    unloadable.set(file, `protobufjs cannot load it: ${(e as Error).message.split('\n')[0]}`);
    // a failed load leaves the Root half-populated (and unresolvable): rebuild it
    root = freshRoot();
    typeCache.clear();
    for (const f of loadedFiles) root.loadSync(f, { keepCase: true });
    return false;
  }
}

function getRoot(): protobuf.Root {
  if (!root) {
    root = freshRoot();
    for (const file of EAGER_FILES) {
      if (!loadFile(file) && file === EAGER_FILES[0]) {
        root = undefined;
        throw new Error(`Cannot load Envoy's bootstrap.proto from ${ENVOY_API}:\n  ${unloadable.get(file)}`);
      }
    }
  }
  return root;
}

function walkProtos(dir: string, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walkProtos(p, out);
    else if (entry.name.endsWith('.proto')) out.push(p);
  }
  return out;
}

/** `full.message.Name -> file`, from the `package` and top-level `message` declarations. */
function getTypeIndex(): Map<string, string> {
  if (!typeIndex) {
    typeIndex = new Map();
    const sources: Array<[string, string]> = [[ENVOY_API, 'envoy'], [XDS_API, 'xds'], [XDS_API, 'udpa']];
    for (const [base, sub] of sources) {
      for (const abs of walkProtos(path.join(base, sub))) {
        const text = fs.readFileSync(abs, 'utf8');
        const pkg = text.match(/^package\s+([\w.]+)\s*;/m)?.[1];
        if (!pkg) continue;
        const rel = path.relative(base, abs).split(path.sep).join('/');
        for (const m of text.matchAll(/^message\s+(\w+)/gm)) {
          if (!typeIndex.has(`${pkg}.${m[1]}`)) typeIndex.set(`${pkg}.${m[1]}`, rel);
        }
      }
    }
  }
  return typeIndex;
}

/** The message type `name` (leading dot optional), loading its file if needed; else why not. */
function resolveType(name: string): protobuf.Type | string {
  name = name.replace(/^\./, '');
  const cached = typeCache.get(name);
  if (cached) return cached;
  const lookup = () => {
    const found = getRoot().lookup(name, [protobuf.Type]);
    return found instanceof protobuf.Type && found.fullName === `.${name}` ? found : undefined;
  };
  let result: protobuf.Type | string | undefined = lookup();
  if (!result) {
    // top-level message in the index, or a nested one (strip trailing components)
    const parts = name.split('.');
    let file: string | undefined;
    for (let n = parts.length; n > 1 && !file; n--) file = getTypeIndex().get(parts.slice(0, n).join('.'));
    if (!file) {
      result = `unknown type "${name}" (no such message in the Envoy/xDS protos of ${DEPS})`;
    } else if (!loadFile(file)) {
      result = `type "${name}" is defined in ${file}, which cannot be used: ${unloadable.get(file)}`;
    } else {
      result = lookup() ?? `unknown type "${name}" (not a message in ${file})`;
    }
  }
  typeCache.set(name, result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Per-type tables and validate rules (cached)
// ---------------------------------------------------------------------------------------------

/** protoc's ToJsonName: drop each `_` and upper-case the character after it. */
function jsonName(name: string): string {
  let out = '';
  let upper = false;
  for (const c of name) {
    if (c === '_') {
      upper = true;
    } else {
      out += upper ? c.toUpperCase() : c;
      upper = false;
    }
  }
  return out;
}

type Rules = Record<string, any>;
const rulesCache = new WeakMap<protobuf.ReflectionObject, Rules>();

function deepMerge(into: Rules, from: Rules): Rules {
  for (const [k, v] of Object.entries(from)) {
    if (isPlainObject(v) && isPlainObject(into[k])) deepMerge(into[k], v);
    else into[k] = v;
  }
  return into;
}

/** `(validate.rules)` of a field, structured (`{string: {min_len: 1}}`), and `(validate.required)` of a oneof as `required`. */
function rulesOf(obj: protobuf.Field | protobuf.OneOf): Rules {
  let rules = rulesCache.get(obj);
  if (!rules) {
    rules = {};
    for (const opt of ((obj as any).parsedOptions ?? []) as Rules[]) {
      if (isPlainObject(opt['(validate.rules)'])) deepMerge(rules, opt['(validate.rules)']);
      if (opt['(validate.required)'] === true) rules.required = true;
    }
    rulesCache.set(obj, rules);
  }
  return rules;
}

interface TypeInfo {
  /** full name without the leading dot (protobufjs recomputes `fullName` on every access) */
  readonly name: string;
  /** proto name and JSON name -> field */
  readonly byKey: Map<string, protobuf.Field>;
  /** real oneofs (not the synthetic ones protobufjs makes for proto3 `optional`), with `(validate.required)` */
  readonly oneofs: Array<{ oneof: protobuf.OneOf; required: boolean }>;
  /** fields whose validate rules fail when the field is absent -> why (computed once per type) */
  readonly failWhenAbsent: Array<[protobuf.Field, string]>;
}

const typeInfos = new WeakMap<protobuf.Type | protobuf.Enum, TypeInfo>();
const nameOf = (t: protobuf.Type | protobuf.Enum) => (t instanceof protobuf.Type ? typeInfo(t).name : t.fullName.slice(1));

function typeInfo(type: protobuf.Type): TypeInfo {
  let info = typeInfos.get(type);
  if (!info) {
    const byKey = new Map<string, protobuf.Field>();
    for (const f of type.fieldsArray) {
      byKey.set(f.name, f);
      byKey.set(jsonName(f.name), f);
    }
    const oneofs = type.oneofsArray
      .filter(o => !(o.fieldsArray.length === 1 && o.fieldsArray[0].options?.proto3_optional))
      .map(oneof => ({ oneof, required: rulesOf(oneof).required === true }));
    info = { name: type.fullName.slice(1), byKey, oneofs, failWhenAbsent: [] };
    typeInfos.set(type, info);
    for (const field of type.fieldsArray) {
      const why = failsWhenAbsent(field);
      if (why) info.failWhenAbsent.push([field, why]);
    }
  }
  return info;
}

/**
 * Why `field` is invalid when absent, or undefined. Oneof members and proto3 `optional` fields are
 * only checked when set; an absent plain scalar/enum has its default value, and PGV checks that.
 */
function failsWhenAbsent(field: protobuf.Field): string | undefined {
  if (field.partOf) return undefined;
  const rules = rulesOf(field);
  if (field.map) {
    return Number(rules.map?.min_pairs ?? 0) > 0 ? `(validate.rules).map.min_pairs = ${rules.map.min_pairs}` : undefined;
  }
  if (field.repeated) {
    return Number(rules.repeated?.min_items ?? 0) > 0 ? `(validate.rules).repeated.min_items = ${rules.repeated.min_items}` : undefined;
  }
  if (field.resolvedType instanceof protobuf.Type) {
    const kind = ['message', 'any', 'duration', 'timestamp'].find(k => rules[k]?.required === true);
    return kind ? `required by (validate.rules).${kind}.required` : undefined;
  }
  if (field.resolvedType instanceof protobuf.Enum) {
    // ApiConfigSource.api_type, ZipkinConfig.collector_endpoint_version: value 0 is a placeholder Envoy rejects
    const zero = field.resolvedType.valuesById[0];
    if (field.resolvedType.valuesOptions?.[zero]?.['(envoy.annotations.disallowed_by_default_enum)']) {
      return `its default ${zero} is disallowed by Envoy; set it explicitly`;
    }
  }
  const defaultValue = field.resolvedType instanceof protobuf.Enum ? 0 : field.type === 'string' || field.type === 'bytes' ? '' : field.type === 'bool' ? false : 0;
  const sub: string[] = [];
  checkValue(field, defaultValue, field.name, sub, 0, rules, '(validate.rules)', true);
  return sub.length ? `its default ${JSON.stringify(defaultValue)} ${sub.map(x => x.replace(/^.*? violates /, 'violates ')).join('; ')}` : undefined;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function isPlainObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const where = (p: string) => p || '(root)';
const at = (p: string, key: string) => (p ? `${p}.${key}` : key);
const asArray = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v)}`;
  return `${typeof v} ${String(v)}`;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

function suggestion(type: protobuf.Type, key: string): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const f of type.fieldsArray) {
    for (const name of [f.name, jsonName(f.name)]) {
      const distance = editDistance(key.toLowerCase(), name.toLowerCase());
      if (distance < bestDistance) { best = f.name; bestDistance = distance; }
    }
  }
  return best ? `; did you mean "${best}"?` : '';
}

const WRAPPERS: Record<string, string> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};
/** Well-known types whose JSON form is not an object of fields; inside an Any they go in `value`. */
const SPECIAL_JSON = new Set([...Object.keys(WRAPPERS), 'google.protobuf.Duration', 'google.protobuf.Timestamp',
  'google.protobuf.FieldMask', 'google.protobuf.Struct', 'google.protobuf.Value', 'google.protobuf.ListValue', 'google.protobuf.Any']);
const TYPED_STRUCTS = new Set(['xds.type.v3.TypedStruct', 'udpa.type.v1.TypedStruct']);
const TYPE_URL = /^type\.googleapis\.com\/([A-Za-z_][\w.]*)$/;

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};
const is64 = (kind: string) => /64$/.test(kind);

/**
 * Checks a scalar against the proto3 JSON mapping of `kind`; returns the value to apply rules to
 * (bigint for integers, number for floats, string, boolean, byte length for bytes) or undefined.
 */
function checkScalar(kind: string, v: unknown, p: string, out: string[]): number | bigint | string | boolean | undefined {
  const bad = (expected: string) => { out.push(`${where(p)}: expected ${expected}, got ${describe(v)}`); return undefined; };
  const range = INT_RANGES[kind];
  if (range) {
    let n: bigint;
    if (typeof v === 'number' && Number.isInteger(v)) {
      if (is64(kind) && !Number.isSafeInteger(v)) return bad(`${kind} (a JSON number beyond 2^53 loses precision; write it as a decimal string)`);
      n = BigInt(v);
    } else if (typeof v === 'string' && is64(kind) && /^-?\d+$/.test(v)) {
      n = BigInt(v);
    } else {
      return bad(is64(kind) ? `${kind} (an integer number or a decimal string)` : `${kind} (an integer JSON number)`);
    }
    if (n < range[0] || n > range[1]) return bad(`${kind} in [${range[0]}, ${range[1]}]`);
    return n;
  }
  switch (kind) {
    case 'double':
    case 'float':
      if (typeof v === 'number') {
        if (kind === 'float' && Math.abs(v) > 3.4028234663852886e38) return bad('float within ±3.4028235e38');
        return v;
      }
      if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
      return bad(`${kind} (a JSON number, or "NaN", "Infinity", "-Infinity")`);
    case 'bool':
      return typeof v === 'boolean' ? v : bad('bool (true or false)');
    case 'string':
      return typeof v === 'string' ? v : bad('string');
    case 'bytes':
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v) || v.replace(/=+$/, '').length % 4 === 1) return bad('bytes (a base64 string)');
      return Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64').length;
    default:
      return bad(`a value of unsupported scalar type ${kind}`);
  }
}

// ---------------------------------------------------------------------------------------------
// protoc-gen-validate rules; each returns the violated rules, e.g. `(validate.rules).uint32.lte = 65535`
// ---------------------------------------------------------------------------------------------

const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+-.^_|~`]+$/; // as in PGV (`+-.` is a range that includes `,` and `-`)
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
const HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/;

type Num = number | bigint;
const numEq = (a: Num, b: unknown) => (typeof a === 'bigint' ? a === BigInt(b as any) : a === Number(b));
const numLt = (a: Num, b: unknown) => (typeof a === 'bigint' ? a < BigInt(b as any) : a < Number(b));
const numGt = (a: Num, b: unknown) => (typeof a === 'bigint' ? a > BigInt(b as any) : a > Number(b));

/** const / lt / lte / gt / gte / in / not_in, shared by numbers and durations (`fmt` renders a bound). */
function rangeViolations(v: Num, r: Rules, label: string, fmt: (x: any) => string = String, conv: (x: any) => unknown = x => x): string[] {
  const fails: string[] = [];
  if (r.const !== undefined && !numEq(v, conv(r.const))) fails.push(`${label}.const = ${fmt(r.const)}`);
  const lowerKey = r.gt !== undefined ? 'gt' : r.gte !== undefined ? 'gte' : undefined;
  const upperKey = r.lt !== undefined ? 'lt' : r.lte !== undefined ? 'lte' : undefined;
  const lowerOk = lowerKey === undefined || (lowerKey === 'gt' ? numGt(v, conv(r.gt)) : !numLt(v, conv(r.gte)));
  const upperOk = upperKey === undefined || (upperKey === 'lt' ? numLt(v, conv(r.lt)) : !numGt(v, conv(r.lte)));
  const exclusive = lowerKey && upperKey && Number(conv(r[upperKey])) < Number(conv(r[lowerKey])); // PGV: outside the range
  if (exclusive ? !(lowerOk || upperOk) : !(lowerOk && upperOk)) {
    const parts = [lowerKey && `${label}.${lowerKey} = ${fmt(r[lowerKey])}`, upperKey && `${label}.${upperKey} = ${fmt(r[upperKey])}`];
    fails.push(parts.filter(Boolean).join(exclusive ? ' or ' : ', '));
  }
  if (r.in !== undefined && !asArray(r.in).some(x => numEq(v, conv(x)))) fails.push(`${label}.in = [${asArray(r.in).map(fmt).join(', ')}]`);
  if (asArray(r.not_in).some(x => numEq(v, conv(x)))) fails.push(`${label}.not_in = [${asArray(r.not_in).map(fmt).join(', ')}]`);
  return fails;
}

function stringViolations(s: string, r: Rules, label: string): string[] {
  if (r.ignore_empty && s === '') return [];
  const fails: string[] = [];
  const len = [...s].length;
  const bytes = Buffer.byteLength(s, 'utf8');
  const check = (ok: boolean, rule: string) => { if (!ok) fails.push(`${label}.${rule}`); };
  if (r.const !== undefined) check(s === r.const, `const = ${JSON.stringify(r.const)}`);
  if (r.len !== undefined) check(len === Number(r.len), `len = ${r.len}`);
  if (r.min_len !== undefined) check(len >= Number(r.min_len), `min_len = ${r.min_len}`);
  if (r.max_len !== undefined) check(len <= Number(r.max_len), `max_len = ${r.max_len}`);
  if (r.min_bytes !== undefined) check(bytes >= Number(r.min_bytes), `min_bytes = ${r.min_bytes}`);
  if (r.max_bytes !== undefined) check(bytes <= Number(r.max_bytes), `max_bytes = ${r.max_bytes}`);
  if (r.prefix !== undefined) check(s.startsWith(r.prefix), `prefix = ${JSON.stringify(r.prefix)}`);
  if (r.suffix !== undefined) check(s.endsWith(r.suffix), `suffix = ${JSON.stringify(r.suffix)}`);
  if (r.contains !== undefined) check(s.includes(r.contains), `contains = ${JSON.stringify(r.contains)}`);
  if (r.not_contains !== undefined) check(!s.includes(r.not_contains), `not_contains = ${JSON.stringify(r.not_contains)}`);
  if (r.in !== undefined) check(asArray(r.in).includes(s), `in = ${JSON.stringify(asArray(r.in))}`);
  if (r.not_in !== undefined) check(!asArray(r.not_in).includes(s), `not_in = ${JSON.stringify(asArray(r.not_in))}`);
  if (r.pattern !== undefined) {
    let re: RegExp | undefined;
    try { re = new RegExp(r.pattern, 'u'); } catch { /* RE2 syntax JS does not know: not checked */ }
    if (re) check(re.test(s), `pattern = ${JSON.stringify(r.pattern)}`);
  }
  if (r.well_known_regex === 'HTTP_HEADER_NAME' || r.well_known_regex === 'HTTP_HEADER_VALUE') {
    const strict = r.strict !== false;
    const re = !strict ? HEADER_LOOSE : r.well_known_regex === 'HTTP_HEADER_NAME' ? HEADER_NAME_STRICT : HEADER_VALUE_STRICT;
    check(re.test(s), `well_known_regex = ${r.well_known_regex}${strict ? '' : ' (strict: false)'}`);
  }
  return fails;
}

/** Rules for a checked scalar value of `kind` (a wrapper's value uses its wrapped kind's rules). */
function scalarViolations(kind: string, v: number | bigint | string | boolean, rules: Rules, label: string): string[] {
  const r = rules[kind];
  if (!isPlainObject(r)) return [];
  if (kind === 'string') return stringViolations(v as string, r, `${label}.string`);
  if (kind === 'bool') return r.const !== undefined && v !== r.const ? [`${label}.bool.const = ${r.const}`] : [];
  if (kind === 'bytes') {
    const fails: string[] = [];
    if (r.len !== undefined && v !== Number(r.len)) fails.push(`${label}.bytes.len = ${r.len}`);
    if (r.min_len !== undefined && (v as number) < Number(r.min_len)) fails.push(`${label}.bytes.min_len = ${r.min_len}`);
    if (r.max_len !== undefined && (v as number) > Number(r.max_len)) fails.push(`${label}.bytes.max_len = ${r.max_len}`);
    return fails;
  }
  if (r.ignore_empty && Number(v) === 0) return [];
  return rangeViolations(v as Num, r, `${label}.${kind}`);
}

/** Duration text ("1.5s") -> seconds, or undefined. */
function durationSeconds(v: unknown): number | undefined {
  const m = typeof v === 'string' ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(v) : null;
  if (!m || Number(m[2]) > 315576000000) return undefined;
  return (m[1] ? -1 : 1) * (Number(m[2]) + Number(`0.${m[3] ?? '0'}`));
}
const ruleSeconds = (d: any) => Number(d?.seconds ?? 0) + Number(d?.nanos ?? 0) / 1e9;

// ---------------------------------------------------------------------------------------------
// The walker
// ---------------------------------------------------------------------------------------------

function report(out: string[], p: string, v: unknown, fails: string[]): void {
  if (fails.length) out.push(`${where(p)}: ${describe(v)} violates ${fails.join(', ')}`);
}

function checkEnum(e: protobuf.Enum, v: unknown, p: string, out: string[], rules: Rules, label: string, isDefault: boolean): void {
  let name: string | undefined;
  if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(e.values, v)) name = v;
  else if (typeof v === 'number' && Number.isInteger(v) && Object.prototype.hasOwnProperty.call(e.valuesById, v)) name = e.valuesById[v];
  if (name === undefined) {
    out.push(`${where(p)}: ${describe(v)} is not a value of enum ${e.fullName.slice(1)} (allowed: ${Object.keys(e.values).join(', ')})`);
    return;
  }
  const valueOptions = e.valuesOptions?.[name];
  if (!isDefault && (valueOptions?.deprecated || valueOptions?.['(envoy.annotations.disallowed_by_default_enum)'])) {
    out.push(`${where(p)}: enum value ${name} of ${e.fullName.slice(1)} is deprecated`);
  }
  const r = rules.enum;
  if (!isPlainObject(r)) return;
  const n = e.values[name];
  const fails: string[] = [];
  if (r.const !== undefined && n !== Number(r.const)) fails.push(`${label}.enum.const = ${r.const}`);
  if (r.in !== undefined && !asArray(r.in).map(Number).includes(n)) fails.push(`${label}.enum.in = [${asArray(r.in).join(', ')}]`);
  if (asArray(r.not_in).map(Number).includes(n)) fails.push(`${label}.enum.not_in = [${asArray(r.not_in).join(', ')}] (${asArray(r.not_in).map(x => e.valuesById[Number(x)]).join(', ')})`);
  report(out, p, v, fails);
}

/** One value of `field` (a singular field, one repeated element, or one map value). */
function checkValue(
  field: protobuf.Field, v: unknown, p: string, out: string[], depth: number, rules: Rules, label: string, isDefault = false,
): void {
  const t = field.resolvedType;
  if (t instanceof protobuf.Enum) {
    checkEnum(t, v, p, out, rules, label, isDefault);
  } else if (t instanceof protobuf.Type) {
    const before = out.length;
    checkMessage(t, v, p, out, depth + 1);
    if (out.length > before) return;
    const name = nameOf(t);
    if (WRAPPERS[name]) {
      const checked = checkScalar(WRAPPERS[name], v, p, []);
      if (checked !== undefined) report(out, p, v, scalarViolations(WRAPPERS[name], checked, rules, label));
    } else if (name === 'google.protobuf.Duration' && isPlainObject(rules.duration)) {
      report(out, p, v, rangeViolations(durationSeconds(v)!, rules.duration, `${label}.duration`, d => `${ruleSeconds(d)}s`, ruleSeconds));
    } else if (name === 'google.protobuf.Any' && isPlainObject(rules.any)) {
      const url = (v as any)['@type'];
      const fails: string[] = [];
      if (rules.any.in !== undefined && !asArray(rules.any.in).includes(url)) fails.push(`${label}.any.in = ${JSON.stringify(asArray(rules.any.in))}`);
      if (asArray(rules.any.not_in).includes(url)) fails.push(`${label}.any.not_in = ${JSON.stringify(asArray(rules.any.not_in))}`);
      if (fails.length) out.push(`${where(p)}: @type ${JSON.stringify(url)} violates ${fails.join(', ')}`);
    }
  } else {
    const checked = checkScalar(field.type, v, p, out);
    if (checked !== undefined) report(out, p, v, scalarViolations(field.type, checked, rules, label));
  }
}

function checkField(field: protobuf.Field, v: unknown, p: string, out: string[], depth: number): void {
  const rules = rulesOf(field);
  const label = '(validate.rules)';
  if (field.map) {
    const keyType = (field as unknown as protobuf.MapField).keyType;
    if (!isPlainObject(v)) { out.push(`${where(p)}: expected an object (map<${keyType}, ${field.type}>), got ${describe(v)}`); return; }
    const r: Rules = isPlainObject(rules.map) ? rules.map : {};
    const keys = Object.keys(v);
    if (r.min_pairs !== undefined && keys.length < Number(r.min_pairs)) out.push(`${where(p)}: ${keys.length} entries violates ${label}.map.min_pairs = ${r.min_pairs}`);
    if (r.max_pairs !== undefined && keys.length > Number(r.max_pairs)) out.push(`${where(p)}: ${keys.length} entries violates ${label}.map.max_pairs = ${r.max_pairs}`);
    for (const key of keys) {
      const kp = `${p}[${JSON.stringify(key)}]`;
      let parsed: unknown = key;
      if (keyType === 'bool') parsed = key === 'true' ? true : key === 'false' ? false : key;
      else if (INT_RANGES[keyType]) parsed = /^-?\d+$/.test(key) ? (is64(keyType) ? key : Number(key)) : key;
      const keyOut: string[] = [];
      const checkedKey = checkScalar(keyType, parsed, `${kp} (key)`, keyOut);
      out.push(...keyOut);
      if (checkedKey !== undefined && isPlainObject(r.keys)) report(out, `${kp} (key)`, key, scalarViolations(keyType, checkedKey, r.keys, `${label}.map.keys`));
      if (v[key] === null) { out.push(`${kp}: null is not allowed as a map value`); continue; }
      checkValue(field, v[key], kp, out, depth, isPlainObject(r.values) ? r.values : {}, `${label}.map.values`);
    }
  } else if (field.repeated) {
    if (!Array.isArray(v)) { out.push(`${where(p)}: expected an array (repeated ${field.type}), got ${describe(v)}`); return; }
    const r: Rules = isPlainObject(rules.repeated) ? rules.repeated : {};
    if (r.min_items !== undefined && v.length < Number(r.min_items)) out.push(`${where(p)}: ${v.length} items violates ${label}.repeated.min_items = ${r.min_items}`);
    if (r.max_items !== undefined && v.length > Number(r.max_items)) out.push(`${where(p)}: ${v.length} items violates ${label}.repeated.max_items = ${r.max_items}`);
    if (r.unique && new Set(v.map(x => JSON.stringify(x))).size !== v.length) out.push(`${where(p)}: duplicate items violate ${label}.repeated.unique`);
    v.forEach((item, i) => {
      if (item === null && !(field.resolvedType && nameOf(field.resolvedType) === 'google.protobuf.Value')) { out.push(`${p}[${i}]: null is not allowed in a repeated field`); return; }
      checkValue(field, item, `${p}[${i}]`, out, depth, isPlainObject(r.items) ? r.items : {}, `${label}.repeated.items`);
    });
  } else {
    checkValue(field, v, p, out, depth, rules, label);
  }
}

/** Any JSON value of `type` at path `p`. */
function checkMessage(type: protobuf.Type, v: unknown, p: string, out: string[], depth: number): void {
  if (depth > MAX_DEPTH) { out.push(`${where(p)}: nested more than ${MAX_DEPTH} levels deep (a cyclic value?)`); return; }
  const name = nameOf(type);
  if (WRAPPERS[name]) { checkScalar(WRAPPERS[name], v, p, out); return; }
  switch (name) {
    case 'google.protobuf.Duration':
      if (durationSeconds(v) === undefined) out.push(`${where(p)}: expected a google.protobuf.Duration string such as "1s" or "0.250s" (seconds with up to 9 decimals and an "s"), got ${describe(v)}`);
      return;
    case 'google.protobuf.Timestamp':
      if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(v) || isNaN(Date.parse(v))) {
        out.push(`${where(p)}: expected a google.protobuf.Timestamp in RFC 3339 ("2024-01-31T12:00:00Z"), got ${describe(v)}`);
      }
      return;
    case 'google.protobuf.FieldMask':
      if (typeof v !== 'string') out.push(`${where(p)}: expected a google.protobuf.FieldMask string ("a.b,c"), got ${describe(v)}`);
      return;
    case 'google.protobuf.Struct':
      if (!isPlainObject(v)) out.push(`${where(p)}: expected a JSON object (google.protobuf.Struct), got ${describe(v)}`);
      return;
    case 'google.protobuf.ListValue':
      if (!Array.isArray(v)) out.push(`${where(p)}: expected a JSON array (google.protobuf.ListValue), got ${describe(v)}`);
      return;
    case 'google.protobuf.Value':
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') out.push(`${where(p)}: expected a JSON value, got ${describe(v)}`);
      return;
    case 'google.protobuf.Any':
      checkAny(v, p, out, depth);
      return;
  }
  if (!isPlainObject(v)) { out.push(`${where(p)}: expected an object (${name}), got ${describe(v)}`); return; }
  checkFields(type, v, p, out, depth);
}

function checkAny(v: unknown, p: string, out: string[], depth: number): void {
  if (!isPlainObject(v)) { out.push(`${where(p)}: expected an object with "@type" (google.protobuf.Any), got ${describe(v)}`); return; }
  const url = v['@type'];
  if (typeof url !== 'string') { out.push(`${where(p)}: google.protobuf.Any needs "@type": "type.googleapis.com/<full message name>", got ${describe(url)}`); return; }
  const m = TYPE_URL.exec(url);
  if (!m) { out.push(`${at(p, '@type')}: ${JSON.stringify(url)} is not "type.googleapis.com/<full message name>"`); return; }
  const type = resolveType(m[1]);
  if (typeof type === 'string') { out.push(`${at(p, '@type')}: ${type}`); return; }
  if (type.options?.deprecated) out.push(`${at(p, '@type')}: message ${m[1]} is deprecated`);
  if (SPECIAL_JSON.has(m[1])) {
    for (const key of Object.keys(v)) if (key !== '@type' && key !== 'value') out.push(`${p}: unknown field "${key}" (an Any holding ${m[1]} has only "@type" and "value")`);
    if (v.value === undefined) out.push(`${p}: an Any holding ${m[1]} needs "value"`);
    else checkMessage(type, v.value, at(p, 'value'), out, depth + 1);
    return;
  }
  checkFields(type, v, p, out, depth, '@type');
  if (TYPED_STRUCTS.has(m[1]) && typeof v.type_url === 'string' && isPlainObject(v.value)) {
    const inner = TYPE_URL.exec(v.type_url);
    const innerType = inner ? resolveType(inner[1]) : `"${v.type_url}" is not "type.googleapis.com/<full message name>"`;
    if (typeof innerType === 'string') out.push(`${at(p, 'type_url')}: ${innerType}`);
    else checkMessage(innerType, v.value, at(p, 'value'), out, depth + 1);
  }
}

/** The fields of message `type` in object `obj`; `skip` is a key that is not a field (`@type` of an Any). */
function checkFields(type: protobuf.Type, obj: Record<string, any>, p: string, out: string[], depth: number, skip?: string): void {
  const info = typeInfo(type);
  const name = info.name;
  const present = new Map<string, string>(); // field name -> key used
  for (const [key, v] of Object.entries(obj)) {
    if (key === skip) continue;
    const field = info.byKey.get(key);
    if (!field) {
      out.push(`${where(p)}: unknown field "${key}" (not in ${name}${suggestion(type, key)})`);
      continue;
    }
    if (present.has(field.name)) {
      out.push(`${where(p)}: field ${field.name} is given twice, as "${present.get(field.name)}" and "${key}"`);
      continue;
    }
    if (v === null || v === undefined) continue; // proto3 JSON: null = not set
    present.set(field.name, key);
    if (field.options?.deprecated) {
      const since = field.options['(envoy.annotations.deprecated_at_minor_version)'];
      out.push(`${at(p, key)}: field ${name}.${field.name} is deprecated${since ? ` (since ${since})` : ''}`);
    }
    checkField(field, v, at(p, key), out, depth);
  }

  for (const { oneof, required } of info.oneofs) {
    const set = oneof.fieldsArray.filter(f => present.has(f.name)).map(f => `"${present.get(f.name)}"`);
    if (set.length > 1) {
      out.push(`${where(p)}: ${set.join(' and ')} are all set, but they belong to oneof "${oneof.name}" of ${name} (at most one may be set)`);
    } else if (set.length === 0 && required) {
      out.push(`${where(p)}: one of ${oneof.fieldsArray.map(f => `"${f.name}"`).join(', ')} must be set (oneof "${oneof.name}" of ${name} has (validate.required))`);
    }
  }

  for (const [field, why] of info.failWhenAbsent) {
    if (!present.has(field.name)) out.push(`${where(p)}: missing field "${field.name}" (${why})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/** Every problem in `value` as message `typeName` (e.g. `envoy.config.cluster.v3.Cluster`), one line each with its JSON path. */
export function envoyMessageErrors(typeName: string, value: any): string[] {
  const type = resolveType(typeName.replace(/^type\.googleapis\.com\//, ''));
  if (typeof type === 'string') return [`(type): ${type}`];
  const out: string[] = [];
  checkMessage(type, value, '', out, 0);
  return out;
}

/** Throws when `value` is not a valid `typeName` in proto3 JSON; the message lists every problem. */
export function validateEnvoyMessage(typeName: string, value: any): void {
  const problems = envoyMessageErrors(typeName, value);
  if (problems.length > 0) {
    throw new Error(`${problems.length} problem(s) in ${typeName}:\n  ${problems.join('\n  ')}`);
  }
}

/** Every problem in an Envoy bootstrap (`envoy.config.bootstrap.v3.Bootstrap`), one line each. Empty when valid. */
export function envoyBootstrapErrors(config: any): string[] {
  return envoyMessageErrors(BOOTSTRAP_TYPE, config);
}

/** Throws when the bootstrap is invalid; the message lists every problem with its JSON path. */
export function validateEnvoyBootstrap(config: any): void {
  const problems = envoyBootstrapErrors(config);
  if (problems.length > 0) {
    throw new Error(`${problems.length} problem(s) in Envoy bootstrap:\n  ${problems.join('\n  ')}`);
  }
}
