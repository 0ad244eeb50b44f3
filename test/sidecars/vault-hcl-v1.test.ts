/**
 * The agent configuration read by the real HCL v1 parser, the one Vault's agent uses
 * (hashicorp/hcl 1.0.0 from Debian's golang-github-hashicorp-hcl-dev, built with Debian's
 * golang-go from test/validate/hclv1/main.go). Skipped with a printed reason where Go or
 * that package is missing; test/sidecars/vault-hcl.test.ts checks the same against a model.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as fc from 'fast-check';
import { VaultAgentFeature, VaultAgentSidecar, VaultAuth, VaultTemplateFormat } from '../../src';
import { WorkloadIdentity } from '../../src/core/contribution';
import { hcl, hclString, hclWritable } from '../../src/sidecars/vault/hcl';
import { newChart } from '../k8s/util';
import { buildGo, realTest } from '../prerequisites';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-hclv1-'));
const binary = path.join(dir, 'hclv1');
const v1Test = realTest('vault-hcl-v1.test.ts',
  buildGo(path.join(__dirname, '../validate/hclv1'), binary, [['github.com/hashicorp/hcl', 'golang-github-hashicorp-hcl-dev']], path.join(dir, 'cache')));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What HCL v1 decodes, or its error. */
function readV1(src: string): { ok: true; value: any } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(execFileSync(binary, { input: src, stdio: ['pipe', 'pipe', 'pipe'] }).toString()) };
  } catch (e: any) {
    return { ok: false, error: String(e.stderr ?? e.message) };
  }
}

/** Every string in a decoded value. */
function strings(v: any): string[] {
  if (typeof v === 'string') { return [v]; }
  if (Array.isArray(v)) { return v.flatMap(strings); }
  if (v && typeof v === 'object') { return Object.values(v).flatMap(strings); }
  return [];
}

const SPECIAL = ['${', '%{', '$${', '%%{', '$', '%', '{', '}', '{{', '}}', '"', '\\', '\\n', '\n', '\r', '\t', '\u0000', '\u007f', '\u2028',
  '#', '//', '/*', '<<EOF', 'é', '😀', 'listener "tcp" {'];
const hostileText = fc.array(fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 10 })
  .map(parts => parts.join('')).filter(hclWritable);

describe('HCL v1 (the parser Vault uses) reads what the writer writes', () => {
  v1Test('the facts the writer relies on: no $${ escape in v1, \\u0024{ is a plain "${", a raw "${" unterminated is an error', () => {
    expect(readV1('a = "$${x}"\n')).toEqual({ ok: true, value: { a: '$${x}' } });
    expect(readV1('a = "\\u0024{x} \\u0025{y}"\n')).toEqual({ ok: true, value: { a: '${x} %{y}' } });
    expect(readV1('a = "a${b"\n').ok).toBe(false);
    expect(readV1('# c\nlistener "tcp" {\n}\n')).toMatchObject({ ok: true, value: { listener: expect.anything() } });
  });

  v1Test('any string written by hclString decodes to exactly itself (property)', () => {
    fc.assert(fc.property(fc.array(hostileText, { minLength: 1, maxLength: 12 }), values => {
      const read = readV1(values.map((v, i) => `a${i} = ${hclString(v)}`).join('\n') + '\n');
      expect(read).toEqual({ ok: true, value: Object.fromEntries(values.map((v, i) => [`a${i}`, v])) });
    }), { numRuns: 100 });
  });

  v1Test('any header comment stays a comment (property)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 30 }).map(s => `${s}\nlistener "tcp" {\n}\n#`), t => {
      expect(readV1(hcl([['x', 1]], t))).toEqual({ ok: true, value: { x: 1 } });
    }), { numRuns: 50 });
  });

  v1Test('a whole agent.hcl with hostile strings: Vault would read every one of them as given', () => {
    const id = 'vault\nlistener "tcp" {\n  tls_disable = true\n}\n#';
    const values = { role: 'r-${x}"\\\n%{ if }', headerValue: '$${y}', region: 'eu-%%{z}', template: 'A="${HOME}"\n{{ .Data }}\n', arg: '${FILE}' };
    const v = new VaultAgentSidecar(newChart(), id, {
      address: 'https://vault.acme.internal:8200/${p}',
      auth: [VaultAuth.aws({ role: values.role, headerValue: values.headerValue, region: values.region })],
      secrets: [{ path: 'secret/data/x', file: 'x', inline: true, template: values.template, command: ['/bin/notify', values.arg] }],
    });
    const agentHcl = (v.contribute({ targetPath: 'x', appContainers: [] }).volumes ?? []).flatMap(vol => vol.files ?? []).find(f => f.name === 'agent.hcl')!.content;
    const read = readV1(agentHcl);
    expect(read.ok).toBe(true);
    const found = strings((read as any).value);
    expect(found).toEqual(expect.arrayContaining([...Object.values(values), 'https://vault.acme.internal:8200/${p}']));
    expect((read as any).value.listener).toBeUndefined();
  });

  v1Test('the issue 13 knobs decode as Vault reads them: negative and fractional numbers, "force", nested labelled blocks, an empty config', () => {
    const v = new VaultAgentSidecar(newChart(), 'vault', {
      address: 'https://vault:8200',
      auth: [VaultAuth.kubernetes({ role: 'r' }), VaultAuth.cert({ name: 'c', clientCertificateFile: '/vault/tls/tls.crt', clientKeyFile: '/vault/tls/tls.key' })],
      tlsSecretName: 'tls',
      secrets: [{ path: 'secret/data/x', file: 'a/x.txt', leftDelimiter: '[[', rightDelimiter: ']]', errorOnMissingKey: true }],
      clientMaxRetries: 0,
      leaseRenewalThreshold: 0.75,
      exitOnAuthError: true,
      authMinBackoffSeconds: 1,
      authMaxBackoffSeconds: 60,
      cache: true,
      cacheForceAutoAuthToken: true,
      cachePersist: true,
      cacheExitOnError: true,
      enableQuit: true,
      defaultTemplateFormat: VaultTemplateFormat.MAP,
      disableKeepAlives: [VaultAgentFeature.TEMPLATING],
      telemetry: { prometheusRetentionSeconds: 30, prefixFilter: ['-vault.agent.auth'] },
    });
    const files = (context: any) => (v.contribute(context).volumes ?? []).flatMap(vol => vol.files ?? []);
    const k8s = files({ targetPath: 'x', appContainers: [{ name: 'app', ports: [] }], identity: WorkloadIdentity.KUBERNETES_SERVICE_ACCOUNT, fileGroups: true, preStopHooks: true });
    const read = readV1(k8s.find(f => f.name === 'agent.hcl')!.content);
    expect(read.ok).toBe(true);
    const value = (read as any).value;
    expect(value.vault[0].retry[0].num_retries).toBe(-1);
    expect(value.template_config[0].lease_renewal_threshold).toBe(0.75);
    expect(value.api_proxy[0].use_auto_auth_token).toBe('force');
    expect(value.cache[0].persist[0].kubernetes[0]).toMatchObject({ path: '/vault/agent-cache', exit_on_err: true });
    expect(value.listener[0].tcp[0].agent_api[0].enable_quit).toBe(true);
    expect(value.auto_auth[0].method[0].kubernetes[0]).toMatchObject({ min_backoff: '1s', max_backoff: '60s', exit_on_err: true });
    expect(value.template[0]).toMatchObject({ destination: '/vault/secrets/a/x.txt', left_delimiter: '[[', right_delimiter: ']]', error_on_missing_key: true });
    expect(value.disable_keep_alives).toEqual(['templating']);
    expect(value.telemetry[0].prefix_filter).toEqual(['-vault.agent.auth']);
    // The cert method with an empty config (the vault stanza's client certificate is used).
    const cert = new VaultAgentSidecar(newChart(), 'cert', {
      address: 'https://vault:8200',
      auth: [VaultAuth.cert()],
      tlsSecretName: 'tls',
      clientCertificateFile: '/vault/tls/tls.crt',
      clientKeyFile: '/vault/tls/tls.key',
      secrets: [{ path: 'secret/data/x', file: 'x' }],
    });
    const certHcl = (cert.contribute({ targetPath: 'x', appContainers: [{ name: 'app', ports: [] }] }).volumes ?? []).flatMap(vol => vol.files ?? [])
      .find(f => f.name === 'agent.hcl')!.content;
    const certRead = readV1(certHcl);
    expect(certRead).toMatchObject({ ok: true });
    expect((certRead as any).value.auto_auth[0].method[0].cert[0]).toEqual({ mount_path: 'auth/cert', config: [{}] });
    expect((certRead as any).value.vault[0]).toMatchObject({ client_cert: '/vault/tls/tls.crt', client_key: '/vault/tls/tls.key' });
  });
});
