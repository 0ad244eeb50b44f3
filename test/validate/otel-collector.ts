/**
 * Independent validator for OpenTelemetry Collector configuration YAML (the `config.yaml` that
 * `OtelCollectorSidecar` writes), for the component types the sidecar can emit, at the contrib
 * distribution's 0.16x line.
 *
 * There is no official JSON schema of a whole collector configuration. Each component's schema in
 * `schemas/otel-collector/` (draft-07, ajv) is written field by field from the upstream Go config
 * structs (`mapstructure` tags; squashed structs flattened; every object closed, because the
 * collector decodes with ErrorUnused and rejects unknown keys); each file's `$comment` names the
 * upstream path and commit it was read from, and `schemas/otel-collector/README.md` lists them all.
 *
 * On top of the schemas, this file implements what the collector itself checks:
 * - component ids `type[/name]` (component/identifiable.go) and pipeline ids `signal[/name]`
 *   (pipeline/pipeline.go), and unknown types (otelcol's unmarshaler: "unknown type");
 * - each component's `Validate()` (required endpoints, memory limiter limits, batch sizes, the
 *   resource processor's per-action rules, ...), named next to the function in this file;
 * - the graph rules of otelcol/config.go and service/pipelines/config.go: at least one receiver and
 *   exporter configured, at least one pipeline, each pipeline with a receiver and an exporter, no
 *   processor twice in one pipeline, every referenced receiver/processor/exporter/extension
 *   configured, known signals only (profiles are behind a feature gate); and, from graph building,
 *   every component in a pipeline must support the pipeline's signal (metadata.yaml stabilities).
 *   Components that are configured but unused are NOT errors: upstream allows them
 *   (open-telemetry/opentelemetry-collector#5512).
 * - confmap expansion: `$$` is a literal `$`; `${env:NAME}` / `${NAME}` (default scheme env, name
 *   `^[a-zA-Z_][a-zA-Z0-9_]*$`, optional `:-default`), `${file:...}`, `${yaml:...}`, `${http(s):...}`
 *   are references; a value that holds one is not checked for its type, format or enum (it is only
 *   known at run time), a malformed reference is an error (confmap/expand.go, envprovider).
 * - durations: Go `time.ParseDuration` strings (or integer nanoseconds) in collector structs;
 *   Prometheus `model.Duration` (no fractions, units y w d h m s ms) inside the prometheus
 *   receiver's `config`.
 *
 * Messages name the place in collector notation (`exporters::otlp_grpc::tls::insecure`) and say
 * what is wrong; where upstream has a message for the rule, it is reused.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import * as YAML from 'yaml';

const SCHEMA_DIR = path.join(__dirname, 'schemas', 'otel-collector');
const SCHEMA_BASE = 'https://cdk-sidecars.test/otel-collector/';

type Section = 'receivers' | 'processors' | 'exporters' | 'extensions' | 'connectors';
type Signal = 'traces' | 'metrics' | 'logs';
const SECTIONS: Section[] = ['receivers', 'processors', 'exporters', 'extensions', 'connectors'];
const TOP_LEVEL = [...SECTIONS, 'service'];
const ALL: Signal[] = ['traces', 'metrics', 'logs'];

/** Places in a component's config whose value holds a `${...}` reference (JSON pointers relative to the component). */
interface Dynamic {
  /** The value contains a reference: its final text is only known at run time. */
  readonly partial: Set<string>;
  /** The value is exactly one reference: it may even expand to a number or a map. */
  readonly whole: Set<string>;
}

interface Kind {
  /** Schema file in schemas/otel-collector. */
  readonly schema: string;
  /** Signals the factory supports (metadata.yaml stability); extensions have none. */
  readonly signals?: Signal[];
  /** The component's Validate() and the checks its factory makes when it is created. */
  readonly check?: (cfg: any, at: string, dyn: Dynamic) => string[];
  /** The type upstream now registers when this one is a deprecated alias. */
  readonly aliasOf?: string;
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);
const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 120 ? `${s.slice(0, 117)}...` : s;
};
const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapePointer = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** `exporters::debug` + `/sending_queue/batch/0/x` -> `exporters::debug::sending_queue::batch[0]::x`. */
function place(base: string, pointer: string): string {
  let out = base;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = unescapePointer(raw);
    out += /^\d+$/.test(seg) ? `[${seg}]` : `::${seg}`;
  }
  return out;
}

/** Go time.ParseDuration: "0", or a sequence of decimal numbers with units. */
const GO_DURATION = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;
/** Prometheus model.ParseDuration (prometheus/common model/time.go). */
const PROM_DURATION = /^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$/;
const isGoDuration = (s: string) => GO_DURATION.test(s);
const isPromDuration = (s: string) => s === '0' || (s !== '' && PROM_DURATION.test(s));

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
/** Nanoseconds of a Go duration (string or integer); undefined when not one. */
function goNanos(v: unknown): number | undefined {
  if (typeof v === 'number') { return Number.isInteger(v) ? v : undefined; }
  if (typeof v !== 'string' || !isGoDuration(v)) { return undefined; }
  const sign = v.startsWith('-') ? -1 : 1;
  let total = 0;
  for (const m of v.replace(/^[-+]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) { total += Number(m[1]) * UNIT_NS[m[2]]; }
  return sign * total;
}
const PROM_UNIT_MS: Record<string, number> = { y: 365 * 24 * 3600e3, w: 7 * 24 * 3600e3, d: 24 * 3600e3, h: 3600e3, m: 60e3, s: 1e3, ms: 1 };
/** Milliseconds of a Prometheus duration; undefined when not one. */
function promMillis(v: unknown): number | undefined {
  if (typeof v !== 'string' || !isPromDuration(v)) { return undefined; }
  let total = 0;
  for (const m of v.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) { total += Number(m[1]) * PROM_UNIT_MS[m[2]]; }
  return total;
}

// ---------------------------------------------------------------------------------------------
// confmap expansion: $$ and ${...}
// ---------------------------------------------------------------------------------------------

/** confmap/provider/envprovider: envvar.ValidationPattern. */
const ENV_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** confmap/expand.go: schemePattern. */
const URI = /^([A-Za-z][A-Za-z0-9+.-]+):(.*)$/s;
/** Providers of the contrib distribution that read the configuration itself. */
const SCHEMES = ['env', 'file', 'yaml', 'http', 'https'];

interface Scanned { readonly text: string; readonly refs: number; readonly whole: boolean; readonly errors: string[] }

/** Decodes one string the way confmap does: `$$` is `$`, `${...}` is a reference (kept as written). */
function scan(s: string): Scanned {
  let text = '';
  let refs = 0;
  const errors: string[] = [];
  for (let i = 0; i < s.length;) {
    if (s.startsWith('$$', i)) { text += '$'; i += 2; continue; }
    if (s.startsWith('${', i)) {
      const close = s.indexOf('}', i);
      if (close < 0) { text += s.slice(i); break; }
      const body = s.slice(i + 2, close);
      refs++;
      const uri = URI.exec(body);
      const scheme = uri ? uri[1] : 'env';
      const opaque = uri ? uri[2] : body;
      if (!uri && body.includes(':')) {
        errors.push(`invalid uri: ${show(body)}`);
      } else if (opaque.includes('$')) {
        errors.push(`the uri ${show(`${scheme}:${opaque}`)} contains unsupported characters ('$')`);
      } else if (!SCHEMES.includes(scheme)) {
        errors.push(`scheme ${show(scheme)} is not supported for uri ${show(body)} (providers: ${SCHEMES.join(', ')})`);
      } else if (scheme === 'env') {
        const name = opaque.split(':-')[0];
        if (!ENV_NAME.test(name)) { errors.push(`environment variable ${show(name)} has invalid name: must match regex ${ENV_NAME.source}`); }
      }
      text += s.slice(i, close + 1);
      i = close + 1;
      continue;
    }
    text += s[i];
    i++;
  }
  return { text, refs, whole: refs === 1 && /^\$\{[^}]*\}$/.test(s), errors };
}

/** A copy of `value` with every string decoded, the places of references, and reference errors. */
function expand(value: any, at: string): { value: any; dyn: Dynamic; errors: string[] } {
  const dyn: Dynamic = { partial: new Set(), whole: new Set() };
  const errors: string[] = [];
  const walk = (v: any, pointer: string): any => {
    if (typeof v === 'string') {
      const r = scan(v);
      if (r.refs) { dyn.partial.add(pointer); }
      if (r.whole) { dyn.whole.add(pointer); }
      for (const e of r.errors) { errors.push(`${place(at, pointer)}: ${e}`); }
      return r.text;
    }
    if (Array.isArray(v)) { return v.map((x, i) => walk(x, `${pointer}/${i}`)); }
    if (isObject(v)) { return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, `${pointer}/${escapePointer(k)}`)])); }
    return v;
  };
  return { value: walk(value, ''), dyn, errors };
}

// ---------------------------------------------------------------------------------------------
// ajv and the schema files
// ---------------------------------------------------------------------------------------------

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

function validatorFor(file: string): ValidateFunction {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
    ajv.addFormat('go-duration', { type: 'string', validate: isGoDuration });
    ajv.addFormat('prometheus-duration', { type: 'string', validate: isPromDuration });
    // An enum the Go side lower-cases before comparing (configtelemetry.Level, attraction.Action, zapcore.Level, relabel.Action).
    ajv.addKeyword({
      keyword: 'enumIgnoreCase',
      type: 'string',
      schemaType: 'array',
      validate: (allowed: string[], data: string) => allowed.includes(data.toLowerCase()),
    });
    for (const f of fs.readdirSync(SCHEMA_DIR).filter(n => n.endsWith('.json'))) {
      ajv.addSchema(JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, f), 'utf8')));
    }
  }
  let validate = validators.get(file);
  if (!validate) {
    validate = ajv.getSchema(`${SCHEMA_BASE}${file}`);
    if (!validate) { throw new Error(`no schema ${file} in ${SCHEMA_DIR}`); }
    validators.set(file, validate);
  }
  return validate;
}

const VALUE_KEYWORDS = new Set(['type', 'format', 'enum', 'enumIgnoreCase', 'pattern', 'minLength', 'minimum', 'maximum']);

function formatError(e: ErrorObject, base: string): string {
  const at = place(base, e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties': return `${at}: unknown field ${show(e.params.additionalProperty)}`;
    case 'required': return `${at}: missing required field ${show(e.params.missingProperty)}`;
    case 'type': return `${at}: ${show(e.data)} is not of type ${[e.schema].flat().join(' or ')}`;
    case 'enum': return `${at}: ${show(e.data)} is not one of ${(e.schema as unknown[]).map(show).join(', ')}`;
    case 'enumIgnoreCase': return `${at}: ${show(e.data)} is not one of ${(e.schema as string[]).map(show).join(', ')} (case-insensitive)`;
    case 'format':
      return e.params.format === 'go-duration'
        ? `${at}: ${show(e.data)} is not a Go duration (time.ParseDuration, e.g. "1s", "200ms", "1m30s")`
        : `${at}: ${show(e.data)} is not a Prometheus duration (model.Duration, e.g. "15s", "1m", "1h30m"; no fractions)`;
    default: return `${at}: ${show(e.data)} ${e.message}`;
  }
}

/** Schema errors of one component (or the service section), without those a `${...}` reference makes moot. */
function schemaErrors(file: string, value: any, at: string, dyn: Dynamic): string[] {
  const validate = validatorFor(file);
  if (validate(value)) { return []; }
  return [...new Set((validate.errors ?? [])
    .filter(e => !(VALUE_KEYWORDS.has(e.keyword) && (e.keyword === 'type' ? dyn.whole : dyn.partial).has(e.instancePath)))
    .map(e => formatError(e, at)))];
}

// ---------------------------------------------------------------------------------------------
// Component Validate() functions
// ---------------------------------------------------------------------------------------------

const known = (v: unknown) => v !== undefined && v !== null;
const isSet = (v: unknown) => known(v) && v !== '';
const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** An optional section (configoptional.Optional with a Default): present, even as null, and not `enabled: false`. */
const sectionOn = (parent: any, key: string) => isObject(parent) && key in parent && !(isObject(parent[key]) && parent[key].enabled === false);

/** receiver/otlpreceiver/config.go Validate(). */
function otlpReceiverErrors(cfg: any, at: string): string[] {
  return sectionOn(cfg.protocols, 'grpc') || sectionOn(cfg.protocols, 'http')
    ? [] : [`${at}: must specify at least one protocol when using the OTLP receiver (protocols::grpc or protocols::http)`];
}

/** internal/memorylimiter/config.go Validate(). */
function memoryLimiterErrors(cfg: any, at: string): string[] {
  const errors: string[] = [];
  const interval = goNanos(cfg.check_interval);
  if (interval !== undefined && interval <= 0) { errors.push(`${at}::check_interval: 'check_interval' must be greater than zero`); }
  const soft = goNanos(cfg.min_gc_interval_when_soft_limited ?? '10s');
  const hard = goNanos(cfg.min_gc_interval_when_hard_limited ?? 0);
  if (soft !== undefined && hard !== undefined && soft < hard) {
    errors.push(`${at}: 'min_gc_interval_when_soft_limited' should be larger than 'min_gc_interval_when_hard_limited'`);
  }
  const [mib, spikeMib, pct, spikePct] = [cfg.limit_mib, cfg.spike_limit_mib, cfg.limit_percentage, cfg.spike_limit_percentage].map(num);
  if (mib === 0 && pct === 0) { errors.push(`${at}: 'limit_mib' or 'limit_percentage' must be greater than zero`); }
  if (pct > 100 || spikePct > 100) { errors.push(`${at}: 'limit_percentage' and 'spike_limit_percentage' must be greater than zero and less than or equal to hundred`); }
  if (mib > 0 && mib <= spikeMib) { errors.push(`${at}::spike_limit_mib: 'spike_limit_mib' (${spikeMib}) must be smaller than 'limit_mib' (${mib})`); }
  if (pct > 0 && pct <= spikePct) {
    errors.push(`${at}::spike_limit_percentage: 'spike_limit_percentage' (${spikePct}) must be smaller than 'limit_percentage' (${pct})`);
  }
  return errors;
}

function duplicatesIgnoringCase(list: unknown): string[] {
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const k of Array.isArray(list) ? list : []) {
    if (typeof k !== 'string') { continue; }
    const l = k.toLowerCase();
    if (seen.has(l)) { dups.push(l); }
    seen.add(l);
  }
  return dups;
}

/** processor/batchprocessor/config.go Validate(). */
function batchErrors(cfg: any, at: string): string[] {
  const errors: string[] = [];
  if (num(cfg.send_batch_max_size) > 0 && num(cfg.send_batch_max_size) < num(cfg.send_batch_size)) {
    errors.push(`${at}::send_batch_max_size: send_batch_max_size (${cfg.send_batch_max_size}) must be greater or equal to send_batch_size (${cfg.send_batch_size})`);
  }
  for (const d of duplicatesIgnoringCase(cfg.metadata_keys)) { errors.push(`${at}::metadata_keys: duplicate entry in metadata_keys: ${show(d)} (case-insensitive)`); }
  const timeout = goNanos(cfg.timeout);
  if (timeout !== undefined && timeout < 0) { errors.push(`${at}::timeout: timeout must be greater or equal to 0`); }
  return errors;
}

/** Go RE2 named groups `(?P<name>...)` as JavaScript ones; undefined when the pattern does not compile. */
function compileRe2(pattern: string): RegExp | undefined {
  try { return new RegExp(pattern.replace(/\(\?P</g, '(?<')); } catch { return undefined; }
}

/** internal/coreinternal/attraction/attraction.go NewAttrProc(), as the resource processor's factory calls it. */
function resourceErrors(cfg: any, at: string, dyn: Dynamic): string[] {
  const errors: string[] = [];
  (Array.isArray(cfg.attributes) ? cfg.attributes : []).forEach((a: any, i: number) => {
    if (!isObject(a) || typeof a.action !== 'string' || dyn.partial.has(`/attributes/${i}/action`)) { return; }
    const here = `${at}::attributes[${i}]`;
    const action = a.action.toLowerCase();
    const sources = [known(a.value), isSet(a.from_attribute), isSet(a.from_context)].filter(Boolean).length;
    const pattern = typeof a.pattern === 'string' && a.pattern !== '' ? a.pattern : undefined;
    if ((action === 'delete' || action === 'hash') ? !isSet(a.key) && !pattern : !isSet(a.key)) {
      errors.push(action === 'delete' || action === 'hash'
        ? `${here}: missing required field (at least one of "key" and "pattern" have to be used) for action "${action}"`
        : `${here}: missing required field "key" for action "${action}"`);
    }
    if (['insert', 'update', 'upsert'].includes(action)) {
      if (sources === 0) { errors.push(`${here}: either field "value", "from_attribute" or "from_context" must be specified for action "${action}"`); }
      if (sources > 1) { errors.push(`${here}: multiple value sources ("value", "from_attribute", "from_context") are set for action "${action}"`); }
      if (pattern) { errors.push(`${here}::pattern: action "${action}" does not use the "pattern" field`); }
      if (isSet(a.converted_type)) { errors.push(`${here}::converted_type: action "${action}" does not use the "converted_type" field`); }
    } else if (action === 'hash' || action === 'delete') {
      if (known(a.value) || isSet(a.from_attribute)) { errors.push(`${here}: action "${action}" does not use "value" or "from_attribute" field`); }
      if (pattern && !compileRe2(pattern)) { errors.push(`${here}::pattern: field "pattern" has invalid pattern: ${show(pattern)}`); }
      if (isSet(a.converted_type)) { errors.push(`${here}::converted_type: action "${action}" does not use the "converted_type" field`); }
    } else if (action === 'extract') {
      if (sources > 0) { errors.push(`${here}: action "extract" does not use a value source field`); }
      if (isSet(a.converted_type)) { errors.push(`${here}::converted_type: action "extract" does not use the "converted_type" field`); }
      const re = pattern ? compileRe2(pattern) : undefined;
      if (!pattern) {
        errors.push(`${here}: missing required field "pattern" for action "extract"`);
      } else if (!re) {
        errors.push(`${here}::pattern: field "pattern" has invalid pattern: ${show(pattern)}`);
      } else {
        const groups = new RegExp(`${re.source}|`).exec('')!;
        const named = Object.keys(groups.groups ?? {}).length;
        if (groups.length <= 1) {
          errors.push(`${here}::pattern: field "pattern" contains no named matcher groups`);
        } else if (named < groups.length - 1) {
          errors.push(`${here}::pattern: field "pattern" contains at least one unnamed matcher group`);
        }
      }
    } else if (action === 'convert') {
      if (sources > 0 || pattern) { errors.push(`${here}: action "convert" does not use value sources or "pattern" field`); }
      if (!isSet(a.converted_type)) { errors.push(`${here}: missing required field "converted_type" for action "convert"`); }
    }
  });
  return errors;
}

/** configopaque.MapList.Validate(): names are unique. */
function mapListErrors(list: unknown, at: string): string[] {
  if (!Array.isArray(list)) { return []; }
  const names = list.filter(isObject).map(p => p.name);
  const dups = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))].sort();
  return dups.length ? [`${at}: duplicate keys in map-style list: ${show(dups)}`] : [];
}

/** Go net.SplitHostPort + strconv.Atoi on the port, as configgrpc.ClientConfig.Validate() uses them. */
function hostPortError(endpoint: string): string | undefined {
  const bracket = /^\[([^\]]*)\](.*)$/.exec(endpoint);
  let rest: string;
  if (bracket) {
    rest = bracket[2];
    if (!rest.startsWith(':')) { return `address ${endpoint}: missing port in address`; }
  } else {
    const colon = endpoint.lastIndexOf(':');
    if (colon < 0) { return `address ${endpoint}: missing port in address`; }
    if (endpoint.slice(0, colon).includes(':')) { return `address ${endpoint}: too many colons in address`; }
    rest = endpoint.slice(colon);
  }
  const port = rest.slice(1);
  return /^[+-]?\d+$/.test(port) ? undefined : `invalid port ${show(port)}`;
}

/** exporter/otlpexporter/config.go Validate() and configgrpc.ClientConfig.Validate(). */
function otlpGrpcExporterErrors(cfg: any, at: string, dyn: Dynamic): string[] {
  const errors = mapListErrors(cfg.headers, `${at}::headers`);
  const endpoint = cfg.endpoint;
  if (typeof endpoint !== 'string' || dyn.partial.has('/endpoint')) { return errors; }
  if (endpoint.startsWith('unix://')) {
    if (endpoint === 'unix://') { errors.push(`${at}::endpoint: unix socket path cannot be empty`); }
    return errors;
  }
  const sanitized = endpoint.replace(/^https?:\/\//, '').replace(/^dns:\/\/\/?/, '');
  if (sanitized === '') {
    errors.push(`${at}::endpoint: requires a non-empty "endpoint"`);
  } else {
    const e = hostPortError(sanitized);
    if (e) { errors.push(`${at}::endpoint: ${show(endpoint)}: ${e} (a gRPC target is host:port, optionally after http://, https:// or dns:///)`); }
  }
  return errors;
}

/** exporter/otlphttpexporter/config.go Validate(). */
function otlpHttpExporterErrors(cfg: any, at: string): string[] {
  const errors = mapListErrors(cfg.headers, `${at}::headers`);
  if (!['endpoint', 'traces_endpoint', 'metrics_endpoint', 'logs_endpoint', 'profiles_endpoint'].some(k => isSet(cfg[k]))) {
    errors.push(`${at}: at least one endpoint must be specified`);
  }
  return errors;
}

/** exporter/debugexporter/config.go Validate(): output_paths only without the internal logger. */
function debugExporterErrors(cfg: any, at: string): string[] {
  return Array.isArray(cfg.output_paths) && cfg.output_paths.length > 0 && cfg.use_internal_logger !== false
    ? [`${at}::output_paths: output_paths requires use_internal_logger: false (it defaults to true)`] : [];
}

/** internal/healthcheck/config.go Validate() (the legacy config unless use_v2). */
function healthCheckErrors(cfg: any, at: string): string[] {
  const errors: string[] = [];
  if (cfg.use_v2 !== true) {
    if (cfg.endpoint === '') { errors.push(`${at}::endpoint: http endpoint required`); }
    if (typeof cfg.path === 'string' && !cfg.path.startsWith('/')) { errors.push(`${at}::path: path must start with / (got ${show(cfg.path)})`); }
    return errors;
  }
  if (!('grpc' in cfg) && !('http' in cfg)) { errors.push(`${at}: must specify at least one protocol`); }
  if (isObject(cfg.http)) {
    if (cfg.http.endpoint === '') { errors.push(`${at}::http::endpoint: http endpoint required`); }
    for (const k of ['status', 'config']) {
      const p = cfg.http[k];
      if (isObject(p) && p.enabled === true && typeof p.path === 'string' && !p.path.startsWith('/')) { errors.push(`${at}::http::${k}::path: path must start with /`); }
    }
  }
  if (isObject(cfg.grpc) && cfg.grpc.endpoint === '') { errors.push(`${at}::grpc::endpoint: grpc endpoint required`); }
  return errors;
}

/**
 * receiver/prometheusreceiver/config.go Validate() and what Prometheus' own config.Load checks for
 * the scrape configs (config/config.go: Config/GlobalConfig/ScrapeConfig UnmarshalYAML and
 * ScrapeConfig.Validate, common HTTPClientConfig.Validate, CheckTargetAddress).
 */
function prometheusReceiverErrors(cfg: any, at: string, dyn: Dynamic): string[] {
  const errors: string[] = [];
  const prom = cfg.config;
  if (isObject(cfg.target_allocator)) {
    const ta = cfg.target_allocator;
    if (!dyn.partial.has('/target_allocator/endpoint') && !/^([a-zA-Z][a-zA-Z0-9+.-]*:|\/)/.test(String(ta.endpoint ?? ''))) {
      errors.push(`${at}::target_allocator::endpoint: TargetAllocator endpoint is not valid: ${ta.endpoint ?? ''}`);
    }
    if (!isSet(ta.collector_id)) { errors.push(`${at}::target_allocator::collector_id: CollectorID is not a valid ID`); }
  }
  if (!isObject(prom) || Object.keys(prom).length === 0) { return errors; }
  const c = `${at}::config`;
  const scrapeConfigs = Array.isArray(prom.scrape_configs) ? prom.scrape_configs : [];
  if (scrapeConfigs.length === 0 && !known(cfg.target_allocator)) { errors.push(`${c}: no Prometheus scrape_configs or target_allocator set`); }
  const unsupported = [
    ...(Array.isArray(prom.remote_write) && prom.remote_write.length ? ['remote_write'] : []),
    ...(Array.isArray(prom.remote_read) && prom.remote_read.length ? ['remote_read'] : []),
    ...(Array.isArray(prom.rule_files) && prom.rule_files.length ? ['rule_files'] : []),
    ...(isObject(prom.alerting) && Array.isArray(prom.alerting.alert_relabel_configs) && prom.alerting.alert_relabel_configs.length ? ['alert_config.relabel_configs'] : []),
    ...(isObject(prom.alerting) && Array.isArray(prom.alerting.alertmanagers) && prom.alerting.alertmanagers.length ? ['alert_config.alertmanagers'] : []),
  ].sort();
  if (unsupported.length) { errors.push(`${c}: unsupported features: ${unsupported.join(', ')}`); }
  const global = isObject(prom.global) ? prom.global : {};
  const globalInterval = promMillis(global.scrape_interval) || 60e3;
  const globalTimeout = promMillis(global.scrape_timeout) || Math.min(10e3, globalInterval);
  if (globalTimeout > globalInterval) { errors.push(`${c}::global: global scrape timeout greater than scrape interval`); }
  const jobs = new Set<string>();
  scrapeConfigs.forEach((sc: any, i: number) => {
    if (!isObject(sc)) { errors.push(`${c}::scrape_configs[${i}]: empty or null scrape config section`); return; }
    const here = `${c}::scrape_configs[${i}]`;
    const job = sc.job_name;
    const interval = promMillis(sc.scrape_interval) || globalInterval;
    const timeout = promMillis(sc.scrape_timeout);
    if (timeout !== undefined && timeout > interval) { errors.push(`${here}: scrape timeout greater than scrape interval for scrape config with job name ${show(job)}`); }
    if (typeof job === 'string') {
      if (jobs.has(job)) { errors.push(`${here}: found multiple scrape configs with job name ${show(job)}`); }
      jobs.add(job);
    }
    if (isSet(sc.bearer_token) && isSet(sc.bearer_token_file)) { errors.push(`${here}: at most one of bearer_token & bearer_token_file must be configured`); }
    if ((known(sc.basic_auth) || known(sc.oauth2)) && (isSet(sc.bearer_token) || isSet(sc.bearer_token_file))) {
      errors.push(`${here}: at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured`);
    }
    if (!(Array.isArray(sc.relabel_configs) && sc.relabel_configs.length)) {
      (Array.isArray(sc.static_configs) ? sc.static_configs : []).forEach((tg: any, j: number) => {
        (isObject(tg) && Array.isArray(tg.targets) ? tg.targets : []).forEach((t: unknown, k: number) => {
          if (typeof t === 'string' && t.includes('/')) { errors.push(`${here}::static_configs[${j}]::targets[${k}]: ${show(t)} is not a valid hostname (a target is host:port; the path is metrics_path)`); }
        });
      });
    }
    (Array.isArray(sc.metric_relabel_configs) ? sc.metric_relabel_configs : []).forEach((rc: any, j: number) => {
      if (isObject(rc) && rc.target_label === '__name__') {
        errors.push(`${here}::metric_relabel_configs[${j}]: error validating scrapeconfig for job ${job}: renaming metrics with metric_relabel_configs (target_label "__name__") is not supported by the prometheus receiver`);
      }
    });
  });
  return errors;
}

/** receiver/jaegerreceiver config.go Validate(): at least one protocol. */
function jaegerReceiverErrors(cfg: any, at: string): string[] {
  const p = isObject(cfg.protocols) ? cfg.protocols : {};
  return ['grpc', 'thrift_http', 'thrift_compact', 'thrift_binary'].some(k => k in p) ? [] : [`${at}: must specify at least one protocol when using the Jaeger receiver`];
}

/** receiver/zipkinreceiver config.go Validate(): protocols.http, unless the deprecated top-level endpoint is used. */
function zipkinReceiverErrors(cfg: any, at: string): string[] {
  if (isSet(cfg.endpoint)) { return []; }
  return isObject(cfg.protocols) && 'http' in cfg.protocols ? [] : [`${at}: must specify at least one protocol when using protocols configuration`];
}

/** pkg/stanza fileconsumer: include must not be empty (matcher.New: "'include' must be specified"). */
function filelogReceiverErrors(cfg: any, at: string): string[] {
  return Array.isArray(cfg.include) && cfg.include.length > 0 ? [] : [`${at}: 'include' must be specified`];
}

/** The metadata names extract.metadata accepts (processor/k8sattributesprocessor config.schema.yaml @1651d596). */
const K8S_METADATA = ['k8s.pod.name', 'k8s.pod.uid', 'k8s.deployment.name', 'k8s.node.name', 'k8s.namespace.name', 'k8s.pod.start_time',
  'k8s.replicaset.name', 'k8s.replicaset.uid', 'k8s.daemonset.name', 'k8s.daemonset.uid', 'k8s.job.name', 'k8s.job.uid', 'k8s.cronjob.name',
  'k8s.cronjob.uid', 'k8s.statefulset.name', 'k8s.statefulset.uid', 'k8s.container.name', 'container.id', 'container.image.name',
  'container.image.tag', 'container.image.repo_digests', 'k8s.cluster.uid'];
function k8sAttributesErrors(cfg: any, at: string): string[] {
  const errors: string[] = [];
  const meta = isObject(cfg.extract) && Array.isArray(cfg.extract.metadata) ? cfg.extract.metadata : [];
  meta.forEach((m: unknown, i: number) => {
    if (typeof m === 'string' && !K8S_METADATA.includes(m)) { errors.push(`${at}::extract::metadata[${i}]: "${m}" is not a supported metadata field`); }
  });
  return errors;
}

/** The attributes processor: the same NewAttrProc rules as the resource processor, on `actions`. */
function attributesProcessorErrors(cfg: any, at: string, dyn: Dynamic): string[] {
  const move = (set: Set<string>) => new Set([...set].map(x => x.replace(/^\/actions\//, '/attributes/')));
  return resourceErrors({ attributes: cfg.actions }, at, { partial: move(dyn.partial), whole: move(dyn.whole) })
    .map(e => e.split(`${at}::attributes[`).join(`${at}::actions[`));
}

/** processor/tailsamplingprocessor: each policy's type needs its own section (the evaluator is built from it); names unique. */
function tailSamplingErrors(cfg: any, at: string): string[] {
  const errors: string[] = [];
  const names = new Set<string>();
  (Array.isArray(cfg.policies) ? cfg.policies : []).forEach((p: any, i: number) => {
    if (!isObject(p)) { return; }
    if (typeof p.name === 'string') {
      if (names.has(p.name)) { errors.push(`${at}::policies[${i}]: duplicate policy name ${show(p.name)}`); }
      names.add(p.name);
    }
    if (typeof p.type === 'string' && p.type !== 'always_sample' && !isObject(p[p.type])) {
      errors.push(`${at}::policies[${i}]: policy type ${show(p.type)} needs its "${p.type}" section`);
    }
  });
  return errors;
}

/** exporter/elasticsearchexporter Validate(): endpoints or cloudid. */
function elasticsearchErrors(cfg: any, at: string): string[] {
  const has = (Array.isArray(cfg.endpoints) && cfg.endpoints.length > 0) || isSet(cfg.cloudid) || isSet(cfg.endpoint);
  return has ? [] : [`${at}: exactly one of [endpoint, endpoints, cloudid] must be specified`];
}

/** extension/bearertokenauthextension Validate(): a token, tokens or a file. */
function bearerTokenErrors(cfg: any, at: string): string[] {
  return isSet(cfg.token) || (Array.isArray(cfg.tokens) && cfg.tokens.length > 0) || isSet(cfg.filename) ? [] : [`${at}: no bearer token or filename is set`];
}

/** extension/oauth2clientauthextension Validate(): client id, secret and token URL. */
function oauth2ClientErrors(cfg: any, at: string): string[] {
  const errors: string[] = [];
  if (!isSet(cfg.client_id) && !isSet(cfg.client_id_file)) { errors.push(`${at}: no ClientID provided in the OAuth2 exporter configuration`); }
  if (!isSet(cfg.client_secret) && !isSet(cfg.client_secret_file) && !isSet(cfg.client_certificate_key) && !isSet(cfg.client_certificate_key_file)) {
    errors.push(`${at}: no ClientSecret provided in the OAuth2 exporter configuration`);
  }
  if (!isSet(cfg.token_url)) { errors.push(`${at}: no TokenURL provided in OAuth Client Credentials configuration`); }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// The component types this validator knows
// ---------------------------------------------------------------------------------------------

const KINDS: Record<Section, Record<string, Kind>> = {
  receivers: {
    otlp: { schema: 'receiver-otlp.json', signals: ALL, check: otlpReceiverErrors },
    prometheus: { schema: 'receiver-prometheus.json', signals: ['metrics'], check: prometheusReceiverErrors },
    jaeger: { schema: 'receiver-jaeger.json', signals: ['traces'], check: jaegerReceiverErrors },
    zipkin: { schema: 'receiver-zipkin.json', signals: ['traces'], check: zipkinReceiverErrors },
    statsd: { schema: 'receiver-statsd.json', signals: ['metrics'] },
    filelog: { schema: 'receiver-filelog.json', signals: ['logs'], check: filelogReceiverErrors },
  },
  processors: {
    memory_limiter: { schema: 'processor-memory_limiter.json', signals: ALL, check: memoryLimiterErrors },
    batch: { schema: 'processor-batch.json', signals: ALL, check: batchErrors },
    resource: { schema: 'processor-resource.json', signals: ALL, check: resourceErrors },
    k8sattributes: { schema: 'processor-k8sattributes.json', signals: ALL, check: k8sAttributesErrors },
    resourcedetection: { schema: 'processor-resourcedetection.json', signals: ALL },
    attributes: { schema: 'processor-attributes.json', signals: ALL, check: (cfg, at, dyn) => attributesProcessorErrors(cfg, at, dyn) },
    transform: { schema: 'processor-transform.json', signals: ALL },
    filter: { schema: 'processor-filter.json', signals: ALL },
    probabilistic_sampler: { schema: 'processor-probabilistic_sampler.json', signals: ['traces', 'logs'] },
    tail_sampling: { schema: 'processor-tail_sampling.json', signals: ['traces'], check: tailSamplingErrors },
  },
  exporters: {
    otlp_grpc: { schema: 'exporter-otlp_grpc.json', signals: ALL, check: otlpGrpcExporterErrors },
    otlp: { schema: 'exporter-otlp_grpc.json', signals: ALL, check: otlpGrpcExporterErrors, aliasOf: 'otlp_grpc' },
    otlp_http: { schema: 'exporter-otlp_http.json', signals: ALL, check: otlpHttpExporterErrors },
    otlphttp: { schema: 'exporter-otlp_http.json', signals: ALL, check: otlpHttpExporterErrors, aliasOf: 'otlp_http' },
    prometheus: { schema: 'exporter-prometheus.json', signals: ['metrics'] },
    debug: { schema: 'exporter-debug.json', signals: ALL, check: debugExporterErrors },
    awsxray: { schema: 'exporter-awsxray.json', signals: ['traces'] },
    awsemf: { schema: 'exporter-awsemf.json', signals: ['metrics'] },
    prometheusremotewrite: { schema: 'exporter-prometheusremotewrite.json', signals: ['metrics'] },
    datadog: { schema: 'exporter-datadog.json', signals: ALL },
    elasticsearch: { schema: 'exporter-elasticsearch.json', signals: ALL, check: elasticsearchErrors },
  },
  extensions: {
    health_check: { schema: 'extension-health_check.json', check: healthCheckErrors },
    bearertokenauth: { schema: 'extension-bearertokenauth.json', check: bearerTokenErrors },
    oauth2client: { schema: 'extension-oauth2client.json', check: oauth2ClientErrors },
    sigv4auth: { schema: 'extension-sigv4auth.json' },
    pprof: { schema: 'extension-pprof.json' },
    zpages: { schema: 'extension-zpages.json' },
  },
  connectors: {},
};

/** The component types the validator knows, per section (deprecated aliases included). */
export const OTEL_COLLECTOR_COMPONENT_TYPES: { readonly [section: string]: readonly string[] } =
  Object.fromEntries(SECTIONS.map(s => [s, Object.keys(KINDS[s])]));

// ---------------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------------

/** component.Type: typeRegexp in component/identifiable.go. */
const TYPE = /^[a-zA-Z][0-9a-zA-Z_]{0,62}$/;
/** nameRegexp in component/identifiable.go and pipeline/pipeline.go: no whitespace, control characters or symbols. */
const NAME = /^[^\p{Z}\p{C}\p{S}]+$/u;
/** internal/globalsignal: 1 to 62 lowercase ASCII letters. */
const SIGNAL = /^[a-z]{1,62}$/;

interface Id { readonly type: string; readonly name: string; readonly key: string }

/** component.ID / pipeline.ID UnmarshalText: `type[/name]`, both parts trimmed. */
function parseId(idStr: string, typeRe: RegExp, what: string): Id | string {
  const slash = idStr.indexOf('/');
  const type = (slash < 0 ? idStr : idStr.slice(0, slash)).trim();
  if (slash < 0 && type === '') { return 'id must not be empty'; }
  if (type === '') { return `in ${show(idStr)} id: the part before / should not be empty`; }
  let name = '';
  if (slash >= 0) {
    name = idStr.slice(slash + 1).trim();
    if (name === '') { return `in ${show(idStr)} id: the part after / should not be empty`; }
    if ([...name].length > 1024) { return `in ${show(name)} id: name ${show(name.slice(0, 40))}... is longer than 1024 characters`; }
    if (!NAME.test(name)) { return `in ${show(name)} id: invalid character(s) in name ${show(name)}`; }
  }
  if (!typeRe.test(type)) { return `in ${show(idStr)} id: invalid character(s) in ${what} ${show(type)}`; }
  return { type, name, key: name ? `${type}/${name}` : type };
}

// ---------------------------------------------------------------------------------------------
// The whole file
// ---------------------------------------------------------------------------------------------

interface Configured { readonly section: Section; readonly id: Id; readonly kind?: Kind }

function parse(text: string): { doc?: any; errors: string[] } {
  const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) { return { errors: doc.errors.map(e => `not YAML: ${e.message}`) }; }
  return { doc: doc.toJS(), errors: [] };
}

/** Every problem of a collector configuration, one line each; empty when it is valid. */
export function otelCollectorConfigErrors(text: string): string[] {
  const parsed = parse(text);
  if (parsed.errors.length) { return parsed.errors; }
  const root = parsed.doc ?? {};
  if (!isObject(root)) { return [`the configuration must be a mapping, not ${show(root)}`]; }
  const errors: string[] = [];
  for (const k of Object.keys(root)) {
    if (!TOP_LEVEL.includes(k)) { errors.push(`${k}: unknown top-level section ${show(k)} (valid: ${TOP_LEVEL.join(', ')})`); }
  }

  // Components: ids, types, schemas, Validate().
  const configured = new Map<string, Configured>(); // `${section}::${key}`
  for (const section of SECTIONS) {
    const entries = root[section];
    if (!known(entries)) { continue; }
    if (!isObject(entries)) { errors.push(`${section}: must be a mapping of component ids to their configuration, not ${show(entries)}`); continue; }
    const kinds = KINDS[section];
    for (const [idStr, raw] of Object.entries(entries)) {
      const id = parseId(idStr, TYPE, 'type');
      if (typeof id === 'string') { errors.push(`${section}::${idStr}: ${id}`); continue; }
      const kind = kinds[id.type];
      if (configured.has(`${section}::${id.key}`)) { errors.push(`${section}::${idStr}: duplicate id ${show(id.key)}`); }
      configured.set(`${section}::${id.key}`, { section, id, kind });
      if (!kind) {
        errors.push(`${section}::${idStr}: unknown type: ${show(id.type)} for id: ${show(idStr)} (valid values: [${Object.keys(kinds).sort().join(' ')}])`);
        continue;
      }
      const at = `${section}::${idStr}`;
      // An empty entry (`batch:`) is the factory's default configuration.
      const ex = expand(raw ?? {}, at);
      errors.push(...ex.errors);
      if (!isObject(ex.value)) { errors.push(`${at}: must be a mapping, not ${show(ex.value)}`); continue; }
      const schema = schemaErrors(kind.schema, ex.value, at, ex.dyn);
      errors.push(...schema);
      if (kind.check) { errors.push(...kind.check(ex.value, at, ex.dyn)); }
    }
  }

  // otelcol/config.go Config.Validate().
  const count = (s: Section) => (isObject(root[s]) ? Object.keys(root[s]).length : 0);
  if (SECTIONS.every(s => count(s) === 0)) {
    errors.push('empty configuration file');
  } else {
    if (count('receivers') === 0) { errors.push('receivers: no receiver configuration specified in config'); }
    if (count('exporters') === 0) { errors.push('exporters: no exporter configuration specified in config'); }
  }
  for (const id of Object.keys(isObject(root.connectors) ? root.connectors : {})) {
    const c = id.trim();
    if (isObject(root.exporters) && Object.keys(root.exporters).some(e => e.trim() === c)) { errors.push(`connectors::${id}: ambiguous ID: Found both ${show(c)} exporter and ${show(c)} connector`); }
    if (isObject(root.receivers) && Object.keys(root.receivers).some(r => r.trim() === c)) { errors.push(`connectors::${id}: ambiguous ID: Found both ${show(c)} receiver and ${show(c)} connector`); }
  }

  const authenticators: Array<[string, string]> = [];
  for (const [id, cfg] of Object.entries(isObject(root.exporters) ? root.exporters : {})) {
    const a = isObject(cfg) && isObject((cfg as any).auth) ? (cfg as any).auth.authenticator : undefined;
    if (typeof a === 'string') { authenticators.push([`exporters::${id}`, a]); }
  }
  errors.push(...serviceErrors(root.service, configured, authenticators));
  return errors;
}

function serviceErrors(service: any, configured: Map<string, Configured>, authenticators: Array<[string, string]> = []): string[] {
  const errors: string[] = [];
  const ex = expand(service ?? {}, 'service');
  errors.push(...ex.errors);
  if (!isObject(ex.value)) { return [...errors, `service: must be a mapping, not ${show(ex.value)}`]; }
  errors.push(...schemaErrors('service.json', ex.value, 'service', ex.dyn));
  const svc = ex.value;

  /** Resolves a reference from the service section to a configured component. */
  const resolve = (ref: unknown, sections: Section[], at: string, what: string): Configured | undefined => {
    if (typeof ref !== 'string') { return undefined; } // reported by the schema
    const id = parseId(ref, TYPE, 'type');
    if (typeof id === 'string') { errors.push(`${at}: ${id}`); return undefined; }
    for (const s of sections) {
      const c = configured.get(`${s}::${id.key}`);
      if (c) { return c; }
    }
    errors.push(`${at}: references ${what} ${show(ref)} which is not configured`);
    return undefined;
  };

  // Extensions (otelcol/config.go).
  (Array.isArray(svc.extensions) ? svc.extensions : []).forEach((ref: unknown) => resolve(ref, ['extensions'], 'service::extensions', 'extension'));

  // An authenticator named by an exporter must be an extension the service starts (config/configauth GetClientAuthenticator:
  // "failed to resolve authenticator": host.GetExtensions() holds only the extensions in service::extensions).
  const started = new Set((Array.isArray(svc.extensions) ? svc.extensions : []).filter((r: unknown) => typeof r === 'string'));
  for (const [key, ref] of authenticators) {
    if (!started.has(ref)) { errors.push(`${key}::auth::authenticator: failed to resolve authenticator ${show(ref)}: the extension is not in service::extensions`); }
  }

  // Pipelines (service/pipelines/config.go and otelcol/config.go).
  const pipelines = isObject(svc.pipelines) ? svc.pipelines : {};
  if (Object.keys(pipelines).length === 0) { errors.push('service::pipelines: service must have at least one pipeline'); }
  for (const [pidStr, p] of Object.entries(pipelines)) {
    const at = `service::pipelines::${pidStr}`;
    const pid = parseId(pidStr, SIGNAL, 'signal');
    if (typeof pid === 'string') { errors.push(`${at}: ${pid}`); continue; }
    const signal = pid.type;
    if (signal === 'profiles') {
      errors.push(`${at}: pipeline ${show(pidStr)}: profiling signal support is at alpha level, gated under the "service.profilesSupport" feature gate`);
      continue;
    }
    if (!(ALL as string[]).includes(signal)) { errors.push(`${at}: pipeline ${show(pidStr)}: unknown signal ${show(signal)} (valid: ${ALL.join(', ')})`); continue; }
    const pipe = isObject(p) ? p : {};
    const list = (k: string): unknown[] => (Array.isArray(pipe[k]) ? pipe[k] : []);
    if (list('receivers').length === 0) { errors.push(`${at}: must have at least one receiver`); }
    if (list('exporters').length === 0) { errors.push(`${at}: must have at least one exporter`); }
    const processors = list('processors');
    processors.forEach((ref, i) => {
      if (typeof ref === 'string' && processors.findIndex(r => typeof r === 'string' && r.trim() === ref.trim()) < i) {
        errors.push(`${at}: references processor ${show(ref)} multiple times`);
      }
    });
    const use = (key: string, sections: Section[], what: string) => list(key).forEach(ref => {
      const c = resolve(ref, sections, at, what);
      // service/internal/graph: the factory must support the pipeline's signal.
      if (c?.kind?.signals && !c.kind.signals.includes(signal as Signal)) {
        errors.push(`${at}: ${what} ${show(ref)} does not support ${signal} (telemetry type is not supported; ${c.id.type} takes ${c.kind.signals.join(', ')})`);
      }
    });
    use('receivers', ['receivers', 'connectors'], 'receiver');
    use('processors', ['processors'], 'processor');
    use('exporters', ['exporters', 'connectors'], 'exporter');
  }
  return errors;
}

/**
 * Parses and validates a collector configuration; returns the parsed YAML (as written, `$$` and
 * `${...}` not expanded) and throws with every problem.
 */
export function validateOtelCollectorConfig(text: string): any {
  const problems = otelCollectorConfigErrors(text);
  if (problems.length) {
    throw new Error(`${problems.length} problem(s) in OpenTelemetry Collector configuration:\n  ${problems.join('\n  ')}`);
  }
  return parse(text).doc;
}
