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
import { VaultAgentSidecar, VaultAuth } from '../../src';
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
});
