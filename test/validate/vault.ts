/**
 * Independent check of generated Vault agent configurations: the HCL is parsed back with
 * @cdktf/hcl2json (HashiCorp's HCL2 parser compiled to WebAssembly) and the structure
 * Vault agent expects is asserted: known top-level stanzas only, one auto_auth method with
 * a config, a file sink, each template with a destination and exactly one of source and
 * contents, a tcp listener only with a cache. Vault reads HCL v1; the generator keeps to
 * the subset both read alike (no `${`/`%{`), which the parse here would expose.
 */
import { parse } from '@cdktf/hcl2json';

const TOP_LEVEL = new Set(['pid_file', 'exit_after_auth', 'vault', 'auto_auth', 'template_config', 'template', 'cache', 'api_proxy', 'listener', 'log_level', 'log_format']);
const METHODS = new Set(['kubernetes', 'aws', 'azure', 'approle', 'gcp', 'jwt', 'cert']);

/** The parsed configuration (hcl2json's JSON form: blocks are arrays). */
export async function parseAgentConfig(text: string): Promise<any> {
  return parse('agent.hcl', text);
}

export async function agentConfigErrors(text: string): Promise<string[]> {
  const errors: string[] = [];
  let doc: any;
  try { doc = await parseAgentConfig(text); } catch (e) { return [`does not parse as HCL: ${(e as Error).message}`]; }
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
      const config = autoAuth.method[m][0]?.config;
      if (!config || typeof config !== 'object') { errors.push(`auto_auth.method "${m}" has no config`); }
    }
    const sink = autoAuth.sink?.file?.[0];
    if (!sink?.config?.path) { errors.push('auto_auth.sink "file" needs config.path'); }
  }
  (doc.template ?? []).forEach((t: any, i: number) => {
    if (typeof t.destination !== 'string' || !t.destination.startsWith('/')) { errors.push(`template[${i}].destination must be an absolute path`); }
    if ((t.source === undefined) === (t.contents === undefined)) { errors.push(`template[${i}] needs exactly one of source and contents`); }
    if (t.perms !== undefined && !/^0[0-7]{3}$/.test(String(t.perms))) { errors.push(`template[${i}].perms "${t.perms}" is not an octal mode string`); }
  });
  if (doc.listener && !doc.cache) { errors.push('a listener without cache serves nothing'); }
  if (doc.exit_after_auth === true && doc.listener) { errors.push('exit_after_auth with a listener: the agent would exit under its clients'); }
  return errors;
}

/** Throws listing every problem. */
export async function validateAgentConfig(text: string): Promise<any> {
  const errors = await agentConfigErrors(text);
  if (errors.length) { throw new Error(`${errors.length} problem(s) in Vault agent configuration:\n  ${errors.join('\n  ')}\n--- config ---\n${text}`); }
  return parseAgentConfig(text);
}
