/**
 * The Vault agent configuration's one quoting rule and one comment rule, proved with the
 * formats' readers: HCL2 (@cdktf/hcl2json, HashiCorp's parser) and a model of HCL v1's
 * string rules (test/validate/vault.ts readHclV1String, after hashicorp/hcl v1
 * hcl/scanner/scanner.go and hcl/strconv/quote.go), which Vault's agent uses
 * (hashicorp/vault command/agent/config/config.go: hcl.Parse).
 */
import { parse } from '@cdktf/hcl2json';
import * as fc from 'fast-check';
import { VaultAgentSidecar, VaultAgentSidecarProps, VaultAuth } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { WorkloadSidecars } from '../../src/k8s';
import { hcl, hclComment, hclString, hclWritable } from '../../src/sidecars/vault/hcl';
import { expectError } from '../errors';
import { findDoc, newChart, rawDeployment, synth } from '../k8s/util';
import { fromHclJson, hclV1Strings, readHclV1String, validateAgentConfig } from '../validate/vault';

/** Pieces that mean something to HCL v1, HCL2, consul-template or a line-based reader. */
const SPECIAL = ['${', '%{', '$${', '%%{', '$', '%', '{', '}', '{{', '}}', '"', '\\', '\\n', '\n', '\r', '\r\n', '\t', '\u0000', '\u0007',
  '\u007f', '\u0085', '\u2028', '\u2029', '#', '//', '/*', '*/', '<<EOF', '=', 'é', '😀', '\u{10ffff}', '\ufeff', ' ', 'listener "tcp" {'];
const hostileText = fc.array(fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 12 })
  .map(parts => parts.join(''))
  .filter(hclWritable);

async function hcl2(src: string): Promise<any> {
  return fromHclJson(await parse('t.hcl', src));
}

describe('hclString: one quoting rule, read back identically by HCL2 and HCL v1', () => {
  test('any string parses back to exactly itself (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(hostileText, { minLength: 1, maxLength: 16 }), async values => {
      const src = values.map((v, i) => `a${i} = ${hclString(v)}`).join('\n') + '\n';
      const doc = await hcl2(src);
      expect(values.map((_, i) => doc[`a${i}`])).toEqual(values);
      expect(hclV1Strings(src)).toEqual(values);
      // Never a raw template sequence: HCL2 would evaluate it, HCL v1 would count braces.
      expect(src).not.toMatch(/[$%]\{/);
    }), { numRuns: 150 });
  });

  test.each([
    ['an interpolation', 'shop-${var.x}'],
    ['an unterminated interpolation', 'a${b'],
    ['a directive', '%{ if true }x%{ endif }'],
    ['HCL2 escapes, which HCL v1 would keep', '$${x} %%{y}'],
    ['quote, backslash, newline', 'a"b\\c\nd'],
    ['a consul-template action', '{{ with secret "x" }}{{ .Data }}{{ end }}'],
    ['unicode beyond the BMP', '😀 \u{10ffff}'],
  ])('%s', async (_t, value) => {
    const literal = hclString(value);
    expect((await hcl2(`a = ${literal}\n`)).a).toBe(value);
    expect(readHclV1String(literal, 0)).toEqual({ value, end: literal.length });
  });

  test('what the two cannot read alike is refused by the writer: a lone surrogate, text not in NFC', async () => {
    expect(hclWritable('a\ud800b')).toBe(false);
    expect(() => hclString('a\ud800b')).toThrow(/surrogate without its pair/);
    // HCL2 normalizes to NFC, escapes included; HCL v1 (Vault) keeps the text as it is.
    expect((await hcl2('a = "\\uf900"\n')).a).toBe('\u8c48');
    expect(readHclV1String('"\\uf900"', 0).value).toBe('\uf900');
    expect(hclWritable('\uf900')).toBe(false);
    expect(hclWritable('e\u0301')).toBe(false);
    expect(hclWritable('\u00e9')).toBe(true);
  });
});

describe('hclComment: one comment rule, always a single line', () => {
  test('any text stays in one comment line (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 30 }).chain(s => fc.constantFrom(s, `${s}\nlistener "tcp" {\n  tls_disable = true\n}\n#`)), async t => {
      const src = hcl([['x', 1]], t);
      expect(src.split('\n')).toHaveLength(3);
      expect(await hcl2(src)).toEqual({ x: 1 });
    }), { numRuns: 150 });
  });

  test('the text is shown with escapes', () => {
    expect(hclComment('a\nb\\c\ud800')).toBe('# a\\u000ab\\\\c\\ud800');
  });
});

const props = (extra: Partial<VaultAgentSidecarProps>): VaultAgentSidecarProps => ({
  address: 'https://vault.vault.svc:8200',
  auth: [VaultAuth.kubernetes({ role: 'shop' })],
  secrets: [{ path: 'secret/data/shop/db', file: 'db.json' }],
  ...extra,
});

async function agentConfig(id: string, extra: Partial<VaultAgentSidecarProps> = {}): Promise<{ text: string; doc: any }> {
  const chart = newChart();
  WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new VaultAgentSidecar(chart, id, props(extra)));
  const docs = synth(chart);
  const cm = docs.find(d => d.kind === 'ConfigMap' && d.data['agent.hcl']);
  void findDoc;
  return { text: cm.data['agent.hcl'], doc: await validateAgentConfig(cm.data['agent.hcl']) };
}

describe('VaultAgentSidecar: user strings in agent.hcl', () => {
  test('a construct id with newlines stays in the header comment: no listener stanza appears', async () => {
    const hostile = 'vault\nlistener "tcp" {\n  address = "0.0.0.0:8200"\n  tls_disable = true\n}\n#';
    const { text, doc } = await agentConfig(hostile);
    expect(doc.listener).toBeUndefined();
    expect(text.split('\n')[0]).toMatch(/^# Vault agent, generated by cdk-sidecars for web\/vault\\u000alistener "tcp"/);
    expect(text.split('\n').filter(l => l.startsWith('#'))).toHaveLength(1);
  });

  test('role, header value, region, token path, address and namespace with HCL-special characters parse back exactly', async () => {
    const k8s = await agentConfig('vault', {
      address: 'https://vault.acme.internal:8200/p/${x}%{y}"\\',
      auth: [VaultAuth.kubernetes({ role: 'shop-${a}"\\\n%{ if x }', tokenPath: '/var/run/${t}/token' })],
    });
    expect(k8s.doc.vault[0].address).toBe('https://vault.acme.internal:8200/p/${x}%{y}"\\');
    expect(k8s.doc.auto_auth[0].method.kubernetes[0].config).toEqual({ role: 'shop-${a}"\\\n%{ if x }', token_path: '/var/run/${t}/token' });
    expect(hclV1Strings(k8s.text)).toEqual(expect.arrayContaining(['shop-${a}"\\\n%{ if x }', '/var/run/${t}/token', 'https://vault.acme.internal:8200/p/${x}%{y}"\\']));

    const chart = newChart();
    const v = new VaultAgentSidecar(chart, 'vault', props({ auth: [VaultAuth.aws({ role: 'a${b', headerValue: 'h"${x}\n', region: 'eu-${r}' })] }));
    const text = (v.contribute({ targetPath: 'x', appContainers: [] }).volumes ?? [])
      .flatMap(vol => vol.files ?? []).find(f => f.name === 'agent.hcl')!.content;
    const doc = await validateAgentConfig(text);
    expect(doc.auto_auth[0].method.aws[0].config).toEqual({ type: 'iam', role: 'a${b', header_value: 'h"${x}\n', region: 'eu-${r}' });
    expect(hclV1Strings(text)).toEqual(expect.arrayContaining(['a${b', 'h"${x}\n', 'eu-${r}']));
  });

  test('inline templates and commands may hold "${" and "%{": written so that both HCL versions read them as given', async () => {
    const template = 'export A="${HOME}"\n%{ not a directive }\n{{ with secret "secret/data/x" }}{{ .Data.data.k }}{{ end }}\n';
    const { text, doc } = await agentConfig('vault', {
      secrets: [{ path: 'secret/data/x', file: 'x.env', inline: true, template, command: ['/bin/notify', '${FILE}'] }],
    });
    expect(doc.template[0].contents).toBe(template);
    expect(doc.template[0].exec[0].command).toEqual(['/bin/notify', '${FILE}']);
    expect(hclV1Strings(text)).toEqual(expect.arrayContaining([template, '${FILE}']));
  });

  test('a non-inline template need not be NFC (it is not HCL)', async () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new VaultAgentSidecar(chart, 'vault', props({ secrets: [{ path: 'secret/data/x', file: 'x', template: 'e\u0301' }] })));
    const cm = synth(chart).find(d => d.kind === 'ConfigMap' && d.data['agent.hcl']);
    expect(cm.data['x.ctmpl']).toBe('e\u0301');
  });

  test('any id, role, header value, region, inline template and command (property): agent.hcl reads them back exactly, in HCL2 and HCL v1', async () => {
    await fc.assert(fc.asyncProperty(hostileText.filter(t => !t.includes('/')), hostileText, hostileText, hostileText, hostileText, hostileText.filter(t => t !== ''),
      async (id, role, headerValue, region, template, arg) => {
        fc.pre(id !== '' && role !== '');
        const v = new VaultAgentSidecar(newChart(), id, props({
          auth: [VaultAuth.aws({ role, headerValue, region })],
          secrets: [{ path: 'secret/data/x', file: 'x', inline: true, template, command: ['/bin/notify', arg] }],
        }));
        const files = (v.contribute({ targetPath: 'x', appContainers: [] }).volumes ?? []).flatMap(vol => vol.files ?? []);
        const agentHcl = files.find(f => f.name === 'agent.hcl')!.content;
        const doc = await validateAgentConfig(agentHcl);
        expect(doc.auto_auth[0].method.aws[0].config).toEqual({ type: 'iam', role, header_value: headerValue, region });
        expect(doc.template).toHaveLength(1);
        expect(doc.template[0].contents).toBe(template);
        expect(doc.template[0].exec[0].command).toEqual(['/bin/notify', arg]);
        expect(doc.listener).toBeUndefined();
        expect(hclV1Strings(agentHcl)).toEqual(expect.arrayContaining([role, headerValue, region, template, arg]));
        expect(agentHcl.split('\n').filter(l => l.startsWith('#'))).toHaveLength(1);
      }), { numRuns: 60 });
  });

  test('AppRole keys are file names: an allowed key renders under /vault/approle', async () => {
    const { doc } = await agentConfig('vault', { auth: [VaultAuth.appRole({ secretName: 'creds', roleIdKey: 'role.id_1-x', secretIdKey: 'sid' })] });
    expect(doc.auto_auth[0].method.approle[0].config).toMatchObject({ role_id_file_path: '/vault/approle/role.id_1-x', secret_id_file_path: '/vault/approle/sid' });
  });

  test.each<[string, Partial<VaultAgentSidecarProps>, ErrorCode, string]>([
    ['an AppRole key that climbs out of the mount', { auth: [VaultAuth.appRole({ secretName: 'creds', roleIdKey: '../../etc/passwd' })] },
      ErrorCode.INVALID_SECRET_KEY, 'web/vault: auth[0].roleIdKey "../../etc/passwd" is not a Secret key, which the agent reads under /vault/approle as a file name'],
    ['an AppRole key with a directory', { auth: [VaultAuth.appRole({ secretName: 'creds', secretIdKey: 'a/b' })] }, ErrorCode.INVALID_SECRET_KEY, 'web/vault: auth[0].secretIdKey "a/b"'],
    ['an AppRole key ".."', { auth: [VaultAuth.appRole({ secretName: 'creds', secretIdKey: '..' })] }, ErrorCode.INVALID_SECRET_KEY, 'web/vault: auth[0].secretIdKey ".."'],
    ['an AppRole key "."', { auth: [VaultAuth.appRole({ secretName: 'creds', roleIdKey: '.' })] }, ErrorCode.INVALID_SECRET_KEY, 'web/vault: auth[0].roleIdKey "."'],
    ['an empty AppRole key', { auth: [VaultAuth.appRole({ secretName: 'creds', roleIdKey: '' })] }, ErrorCode.INVALID_SECRET_KEY, 'web/vault: auth[0].roleIdKey ""'],
    ['an AppRole key with a space', { auth: [VaultAuth.appRole({ secretName: 'creds', roleIdKey: 'role id' })] }, ErrorCode.INVALID_SECRET_KEY, 'web/vault: auth[0].roleIdKey "role id"'],
    ['an AppRole key that is a number', { auth: [VaultAuth.appRole({ secretName: 'creds', roleIdKey: 7 as any })] }, ErrorCode.INVALID_TYPE, 'web/vault: auth[0].roleIdKey 7 (number) is not a string'],
    ['a header value that is an object', { auth: [VaultAuth.aws({ role: 'r', headerValue: { a: 1 } as any })] }, ErrorCode.INVALID_TYPE, 'web/vault: auth[0].headerValue {"a":1} (object) is not a string'],
    ['a region that is a number', { auth: [VaultAuth.aws({ role: 'r', region: 1 as any })] }, ErrorCode.INVALID_TYPE, 'web/vault: auth[0].region 1 (number) is not a string'],
    ['a client id that is an array', { auth: [VaultAuth.azure({ role: 'r', clientId: ['x'] as any })] }, ErrorCode.INVALID_TYPE, 'web/vault: auth[0].clientId ["x"] (array) is not a string'],
    ['a token path that is a number', { auth: [VaultAuth.kubernetes({ role: 'r', tokenPath: 5 as any })] }, ErrorCode.INVALID_TYPE, 'web/vault: auth[0].tokenPath 5 (number) is not a string'],
    ['a template that is an object', { secrets: [{ path: 'secret/data/x', file: 'x', template: {} as any }] }, ErrorCode.INVALID_TYPE, 'web/vault: secrets[0].template {} (object) is not a string'],
    ['a secrets path that is a number', { secretsPath: 5 as any }, ErrorCode.INVALID_TYPE, 'web/vault: secretsPath 5 (number) is not a string'],
    ['a role with a lone surrogate', { auth: [VaultAuth.kubernetes({ role: 'r\ud800' })] }, ErrorCode.UNWRITABLE_TEXT,
      'web/vault: auth[0].role "r\\ud800" cannot be written to the Vault agent configuration: it has a UTF-16 surrogate without its pair'],
    ['a header value not in NFC', { auth: [VaultAuth.aws({ role: 'r', headerValue: 'e\u0301' })] }, ErrorCode.UNWRITABLE_TEXT,
      'web/vault: auth[0].headerValue "e\u0301" cannot be written to the Vault agent configuration: it is not in Unicode normalization form C'],
    ['a non-inline template is a file of its own, where NFC does not matter, but a lone surrogate does', { secrets: [{ path: 'secret/data/x', file: 'x', template: 'a\ud800' }] }, ErrorCode.UNWRITABLE_TEXT, 'web/vault: secrets[0].template "a\\ud800"'],
    ['a template with a lone surrogate', { secrets: [{ path: 'secret/data/x', file: 'x', inline: true, template: '\udc00' }] }, ErrorCode.UNWRITABLE_TEXT, 'web/vault: secrets[0].template "\\udc00"'],
  ])('refused: %s', (_t, extra, code, part) => {
    expectError(() => new VaultAgentSidecar(newChart(), 'vault', props(extra)), code, part);
  });

  test('auth options missing altogether (plain JavaScript) name the role, not a TypeError', () => {
    expectError(() => new VaultAgentSidecar(newChart(), 'vault', props({ auth: [VaultAuth.kubernetes(undefined as any)] })), ErrorCode.INVALID_TYPE, 'web/vault: auth[0].role undefined');
  });
});
