/**
 * Independent check of generated Vault agent configurations: the HCL is parsed back with
 * @cdktf/hcl2json (HashiCorp's HCL2 parser compiled to WebAssembly) and the structure
 * Vault agent expects is asserted: known top-level stanzas only, one auto_auth method with
 * a config, a file sink, each template with a destination and exactly one of source and
 * contents, a tcp listener only with a cache. Vault reads HCL v1; the generator writes
 * what both read alike, never a raw `${` or `%{` in a string (which HCL2 would evaluate),
 * and every string token is also read with a model of HCL v1's string rules
 * ({@link hclV1Strings}).
 */
import { parse } from '@cdktf/hcl2json';

const TOP_LEVEL = new Set(['pid_file', 'exit_after_auth', 'vault', 'auto_auth', 'template_config', 'template', 'cache', 'api_proxy', 'listener', 'log_level', 'log_format',
  // Rendered by vault-k8s too (hashicorp/vault-k8s agent-inject/agent/config.go Config).
  'telemetry', 'disable_idle_connections', 'disable_keep_alives']);
/** The agent's auto-auth methods (developer.hashicorp.com/vault/docs/agent-and-proxy/autoauth/methods). */
const METHODS = new Set(['kubernetes', 'aws', 'azure', 'approle', 'gcp', 'jwt', 'cert', 'alicloud', 'cf', 'kerberos', 'ldap', 'oci', 'token_file']);
/**
 * The keys of each stanza the generator writes, from the agent's own structs: vault (hashicorp/vault
 * command/agent/config/config.go Vault, Retry), the auth method and template_config
 * (hashicorp/vault-k8s agent-inject/agent/config.go Method, TemplateConfig), templates
 * (consul-template's TemplateConfig as vault-k8s writes it: Template), telemetry (vault-k8s Telemetry).
 */
const VAULT_KEYS = new Set(['address', 'ca_cert', 'ca_path', 'tls_skip_verify', 'client_cert', 'client_key', 'tls_server_name', 'namespace', 'retry']);
const METHOD_KEYS = new Set(['mount_path', 'wrap_ttl', 'min_backoff', 'max_backoff', 'namespace', 'config', 'exit_on_err']);
const TEMPLATE_KEYS = new Set(['destination', 'source', 'contents', 'perms', 'exec', 'command', 'left_delimiter', 'right_delimiter', 'error_on_missing_key', 'create_dest_dirs']);
const TEMPLATE_CONFIG_KEYS = new Set(['exit_on_retry_failure', 'static_secret_render_interval', 'max_connections_per_host', 'lease_renewal_threshold']);
const TELEMETRY_KEYS = new Set(['usage_gauge_period', 'maximum_gauge_cardinality', 'disable_hostname', 'enable_hostname_label', 'lease_metrics_epsilon',
  'num_lease_metrics_buckets', 'add_lease_metrics_namespace_labels', 'filter_default', 'prefix_filter', 'statsite_address', 'statsd_address', 'dogstatsd_addr',
  'dogstatsd_tags', 'prometheus_retention_time', 'stackdriver_project_id', 'stackdriver_location', 'stackdriver_namespace', 'stackdriver_debug_logs']);
/** Features of disable_idle_connections / disable_keep_alives (vault-k8s annotations.go; the agent also knows "proxying"). */
const FEATURES = new Set(['auto-auth', 'caching', 'templating', 'proxying']);
const DURATION = /^\d+[smh]$/;

/**
 * hcl2json writes HCL's JSON form, whose strings are templates again: a literal `${` comes
 * out as `$${`, a literal `%{` as `%%{` (a plain replace-all). This undoes it, so a value
 * compares with what the user gave; agentConfigErrors makes sure no real interpolation
 * was in the file to begin with.
 */
export function fromHclJson(v: any): any {
  if (typeof v === 'string') { return v.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{'); }
  if (Array.isArray(v)) { return v.map(fromHclJson); }
  if (v && typeof v === 'object') { return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromHclJson(x)])); }
  return v;
}

/** The parsed configuration (hcl2json's JSON form: blocks are arrays), strings as literal values. */
export async function parseAgentConfig(text: string): Promise<any> {
  return fromHclJson(await parse('agent.hcl', text));
}

/**
 * A model of how HCL v1 (github.com/hashicorp/hcl v1, which Vault's agent uses) reads a
 * quoted string starting at `src[start]` (the opening quote): the scanner's end of the
 * token (hcl/scanner/scanner.go scanString: a raw newline is an error, a raw `${` opens
 * a brace count during which quotes do not end the string, escapes are checked by
 * scanEscape) and its value (hcl/strconv/quote.go Unquote: `${...}` copied as it is,
 * Go escapes otherwise). Returns the value and the index after the closing quote.
 */
export function readHclV1String(src: string, start: number): { value: string; end: number } {
  if (src[start] !== '"') { throw new Error(`HCL v1: no string at ${start}`); }
  let braces = 0;
  let i = start + 1;
  for (;;) {
    const ch = src[i];
    if (ch === undefined || (ch === '\n' && braces === 0)) { throw new Error('HCL v1: literal not terminated'); }
    if (ch === '"' && braces === 0) { break; }
    if (braces === 0 && ch === '$' && src[i + 1] === '{') { braces++; i++; } else if (braces > 0 && ch === '{') { braces++; }
    if (braces > 0 && ch === '}') { braces--; }
    if (ch === '\\') {
      const e = src[i + 1];
      const digits: { [k: string]: [number, RegExp] } = { x: [2, /[0-9a-fA-F]/], u: [4, /[0-9a-fA-F]/], U: [8, /[0-9a-fA-F]/] };
      if ('abfnrtv\\"'.includes(e)) { i += 1; } else if (digits[e]) {
        const [n, re] = digits[e];
        for (let k = 0; k < n; k++) { if (!re.test(src[i + 2 + k] ?? '')) { throw new Error('HCL v1: illegal char escape'); } }
        i += 1 + n;
      } else if (/[0-7]/.test(e)) {
        if (!/^[0-7]{3}$/.test(src.slice(i + 1, i + 4))) { throw new Error('HCL v1: illegal char escape'); }
        i += 3;
      } else { throw new Error(`HCL v1: illegal char escape \\${e}`); }
    }
    i++;
  }
  // Unquote.
  const body = src.slice(start + 1, i);
  if (body.includes('\n')) { throw new Error('HCL v1: invalid syntax (newline)'); }
  let out = '';
  for (let j = 0; j < body.length;) {
    if (body[j] === '$' && body[j + 1] === '{') {
      let depth = 1;
      out += '${';
      j += 2;
      while (j < body.length && depth > 0) {
        const cp = body.codePointAt(j)!;
        const c = String.fromCodePoint(cp);
        out += c;
        j += c.length;
        if (c === '{') { depth++; } else if (c === '}') { depth--; }
      }
      if (depth !== 0) { throw new Error('HCL v1: invalid syntax (unclosed ${)'); }
      continue;
    }
    if (body[j] === '"') { throw new Error('HCL v1: invalid syntax (raw quote)'); }
    if (body[j] !== '\\') {
      const c = String.fromCodePoint(body.codePointAt(j)!);
      out += c;
      j += c.length;
      continue;
    }
    const e = body[j + 1];
    const simple: { [k: string]: string } = { 'a': '\x07', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v', '\\': '\\', '"': '"' };
    if (simple[e] !== undefined) { out += simple[e]; j += 2; continue; }
    const n = e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (n > 0) {
      const cp = parseInt(body.slice(j + 2, j + 2 + n), 16);
      if (cp > 0x10ffff) { throw new Error('HCL v1: invalid syntax (rune)'); }
      // Go's utf8.EncodeRune writes U+FFFD for a surrogate code point.
      out += cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : String.fromCodePoint(cp);
      j += 2 + n;
      continue;
    }
    throw new Error(`HCL v1: escape \\${e} outside the model (the writer never uses it)`);
  }
  return { value: out, end: i + 1 };
}

/** Every quoted string of an HCL file as HCL v1 reads it (comments skipped). */
export function hclV1Strings(src: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < src.length;) {
    if (src[i] === '#') {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? src.length : nl + 1;
    } else if (src[i] === '"') {
      const { value, end } = readHclV1String(src, i);
      values.push(value);
      i = end;
    } else { i++; }
  }
  return values;
}

export async function agentConfigErrors(text: string): Promise<string[]> {
  const errors: string[] = [];
  let doc: any;
  try { doc = await parseAgentConfig(text); } catch (e) { return [`does not parse as HCL: ${(e as Error).message}`]; }
  // Outside comments, a raw `${` or `%{` is an HCL2 template sequence, which HCL v1 reads otherwise.
  text.split('\n').forEach((line, n) => {
    if (!line.trimStart().startsWith('#') && /[$%]\{/.test(line)) { errors.push(`line ${n + 1} has a raw template sequence: ${line}`); }
  });
  try { hclV1Strings(text); } catch (e) { errors.push(`a string HCL v1 cannot read: ${(e as Error).message}`); }
  for (const key of Object.keys(doc)) { if (!TOP_LEVEL.has(key)) { errors.push(`unknown top-level stanza "${key}"`); } }
  const vault = doc.vault?.[0];
  if (!vault || typeof vault.address !== 'string') { errors.push('vault.address is missing'); }
  const autoAuth = doc.auto_auth?.[0];
  if (!autoAuth) {
    errors.push('auto_auth is missing');
  } else {
    const methods = Object.keys(autoAuth.method ?? {});
    if (methods.length !== 1) { errors.push(`auto_auth needs exactly one method (found ${methods.join(', ') || 'none'})`); }
    for (const m of methods) {
      if (!METHODS.has(m)) { errors.push(`auto_auth.method "${m}" is not a Vault agent auth method`); }
      const method = autoAuth.method[m][0] ?? {};
      const config = method.config;
      if (!config || typeof config !== 'object') { errors.push(`auto_auth.method "${m}" has no config`); }
      for (const k of Object.keys(method)) { if (!METHOD_KEYS.has(k)) { errors.push(`auto_auth.method "${m}" has an unknown key "${k}"`); } }
      for (const k of ['min_backoff', 'max_backoff']) { if (method[k] !== undefined && !DURATION.test(String(method[k]))) { errors.push(`auto_auth.method "${m}".${k} "${method[k]}" is not a duration`); } }
      if (method.exit_on_err !== undefined && typeof method.exit_on_err !== 'boolean') { errors.push('auto_auth.method exit_on_err is not a boolean'); }
    }
    for (const sinkBlock of autoAuth.sink?.file ?? []) {
      if (typeof sinkBlock?.config?.path !== 'string' || !sinkBlock.config.path.startsWith('/')) { errors.push('every file sink needs an absolute config.path'); }
    }
    const sink = autoAuth.sink?.file?.[0];
    if (!sink?.config?.path) { errors.push('auto_auth.sink "file" needs config.path'); }
  }
  (doc.template ?? []).forEach((t: any, i: number) => {
    if (typeof t.destination !== 'string' || !t.destination.startsWith('/')) { errors.push(`template[${i}].destination must be an absolute path`); }
    if ((t.source === undefined) === (t.contents === undefined)) { errors.push(`template[${i}] needs exactly one of source and contents`); }
    if (t.perms !== undefined && !/^0[0-7]{3}$/.test(String(t.perms))) { errors.push(`template[${i}].perms "${t.perms}" is not an octal mode string`); }
    for (const k of Object.keys(t)) { if (!TEMPLATE_KEYS.has(k)) { errors.push(`template[${i}] has an unknown key "${k}"`); } }
    if (t.source !== undefined && !String(t.source).startsWith('/')) { errors.push(`template[${i}].source must be an absolute path`); }
    if (t.error_on_missing_key !== undefined && typeof t.error_on_missing_key !== 'boolean') { errors.push(`template[${i}].error_on_missing_key is not a boolean`); }
  });
  const vaultKeys = Object.keys(vault ?? {});
  for (const k of vaultKeys) { if (!VAULT_KEYS.has(k)) { errors.push(`vault has an unknown key "${k}"`); } }
  const retry = vault?.retry?.[0];
  if (retry !== undefined && (Object.keys(retry).some(k => k !== 'num_retries') || !Number.isInteger(retry.num_retries) || retry.num_retries < -1)) {
    errors.push('vault.retry takes num_retries only, an integer >= -1');
  }
  const templateConfig = doc.template_config?.[0] ?? {};
  for (const k of Object.keys(templateConfig)) { if (!TEMPLATE_CONFIG_KEYS.has(k)) { errors.push(`template_config has an unknown key "${k}"`); } }
  if (templateConfig.static_secret_render_interval !== undefined && !DURATION.test(String(templateConfig.static_secret_render_interval))) { errors.push('template_config.static_secret_render_interval is not a duration'); }
  const threshold = templateConfig.lease_renewal_threshold;
  if (threshold !== undefined && !(typeof threshold === 'number' && threshold > 0 && threshold <= 1)) { errors.push('template_config.lease_renewal_threshold is not a fraction in (0, 1]'); }
  for (const key of ['disable_idle_connections', 'disable_keep_alives']) {
    const list = doc[key];
    if (list !== undefined && (!Array.isArray(list) || list.some((x: unknown) => !FEATURES.has(String(x))))) { errors.push(`${key} must list features among ${[...FEATURES].join(', ')}`); }
  }
  const telemetry = doc.telemetry?.[0];
  if (doc.telemetry !== undefined) {
    if (doc.telemetry.length !== 1) { errors.push('one telemetry stanza at most'); }
    for (const k of Object.keys(telemetry ?? {})) { if (!TELEMETRY_KEYS.has(k)) { errors.push(`telemetry has an unknown key "${k}"`); } }
  }
  for (const l of doc.listener?.tcp ?? []) {
    for (const k of Object.keys(l)) { if (!['address', 'tls_disable', 'agent_api'].includes(k)) { errors.push(`listener "tcp" has an unknown key "${k}"`); } }
    const api = l.agent_api?.[0];
    if (api !== undefined && (Object.keys(api).some(k => k !== 'enable_quit') || typeof api.enable_quit !== 'boolean')) { errors.push('listener agent_api takes enable_quit (a boolean) only'); }
  }
  const useToken = doc.api_proxy?.[0]?.use_auto_auth_token;
  if (useToken !== undefined && useToken !== true && useToken !== false && useToken !== 'force') { errors.push(`api_proxy.use_auto_auth_token ${JSON.stringify(useToken)} is not true, false or "force"`); }
  if (doc.listener && !doc.cache) { errors.push('a listener without cache serves nothing'); }
  // vault-k8s gives the init step the cache listener when it fills a persistent cache (agent-inject/agent/config.go newConfig).
  const persist = doc.cache?.[0]?.persist;
  if (doc.exit_after_auth === true && doc.listener && !persist) { errors.push('exit_after_auth with a listener: the agent would exit under its clients'); }
  if (persist !== undefined) {
    const types = Object.keys(persist);
    if (types.length !== 1 || types[0] !== 'kubernetes') { errors.push(`cache.persist must be one "kubernetes" block (found ${types.join(', ')})`); }
    const store = persist.kubernetes?.[0] ?? {};
    for (const k of Object.keys(store)) { if (!['path', 'keep_after_import', 'exit_on_err', 'service_account_token_file'].includes(k)) { errors.push(`cache.persist has an unknown key "${k}"`); } }
    if (typeof store.path !== 'string' || !store.path.startsWith('/')) { errors.push('cache.persist needs an absolute path'); }
  }
  for (const k of Object.keys(doc.cache?.[0] ?? {})) { if (!['persist', 'use_auto_auth_token'].includes(k)) { errors.push(`cache has an unknown key "${k}"`); } }
  return errors;
}

/** Throws listing every problem. */
export async function validateAgentConfig(text: string): Promise<any> {
  const errors = await agentConfigErrors(text);
  if (errors.length) { throw new Error(`${errors.length} problem(s) in Vault agent configuration:\n  ${errors.join('\n  ')}\n--- config ---\n${text}`); }
  return parseAgentConfig(text);
}
