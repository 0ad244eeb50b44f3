/**
 * The README's parity section (issue 13): see test/parity-check.ts for what is checked.
 */
import * as fs from 'fs';
import * as path from 'path';
import { apiTokens, checkParity, loadAssembly, parseParityTables, resolveProp } from './parity-check';

const ROOT = path.join(__dirname, '..');

describe('the README parity section', () => {
  const types = loadAssembly(path.join(ROOT, '.jsii'));

  test('every anchor has its table, each at 90 % or more of its applicable rows, with every named prop in the assembly', () => {
    const tables = parseParityTables(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    expect(tables.map(t => t.name).sort()).toEqual(['aci', 'aws', 'dapr', 'fluent-bit', 'istio', 'otel', 'vault']);
    expect(checkParity(tables, types)).toEqual([]);
  });

  test('the summary table above the tables gives each table\'s count, in the same order', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const tables = parseParityTables(readme);
    const section = readme.slice(readme.indexOf('## Parity with the injectors'), readme.indexOf('<!-- parity-table:'));
    const summary = section.split('\n').filter(l => /^\| [^-|]/.test(l)).slice(1).map(l => l.split('|').map(c => c.trim()));
    expect(summary.map(cells => cells[4])).toEqual(tables.map(t => `${t.written![0]} / ${t.written![1]}`));
  });

  test('the check itself: a made-up prop, a wrong count, a reasonless ◐ and low coverage are each reported', () => {
    const md = [
      '<!-- parity-table: demo; types: EnvoySidecarProps -->',
      '| # | knob | prop | platforms | status |',
      '| --- | --- | --- | --- | --- |',
      '| 1 | image | `image` | all | ✅ |',
      '| 2 | made up | `noSuchProp` | all | ✅ |',
      '| 3 | enum | `SidecarMode.NATIVE` | K8s | ◐ |',
      '| 4 | missing | MISSING | — | ❌ |',
      '| 5 | gone | — | — | — the anchor\'s control plane |',
      '',
      'Covered: **3 / 3** (100 %)',
    ].join('\n');
    const problems = checkParity(parseParityTables(md), types);
    expect(problems).toEqual([
      expect.stringContaining('row 2: `noSuchProp`: `noSuchProp` is neither a type nor a property of EnvoySidecarProps'),
      expect.stringContaining('row 3: a ◐ row says why'),
      expect.stringContaining('demo: written 3 / 3, counted 3 / 4'),
      'demo: 3 / 4 applicable rows covered, below 90 %',
    ]);
  });

  test('the resolver walks properties, inherited properties, array elements, methods and enum members', () => {
    expect(resolveProp(types, ['EnvoySidecarProps'], 'resources.cpuLimitMillicores')).toBeUndefined();
    expect(resolveProp(types, [], 'WorkloadSidecars.of')).toBeUndefined();
    expect(resolveProp(types, [], 'SidecarMode.CLASSIC')).toBeUndefined();
    expect(resolveProp(types, [], 'SidecarMode.HYBRID')).toBe('SidecarMode has no member HYBRID');
    expect(resolveProp(types, ['VaultAgentSidecarProps'], 'secrets.perms')).toBeUndefined();
    expect(resolveProp(types, ['VaultAgentSidecarProps'], 'secrets.nope')).toBe('VaultSecret has no property or method nope');
    expect(resolveProp(types, ['EnvoySidecarProps'], 'image.tag')).toContain('primitive type');
    // `overrides` is inherited from BuiltInSidecarProps.
    expect(resolveProp(types, ['DaprSidecarProps'], 'overrides.kubernetesPatches')).toBeUndefined();
    expect(resolveProp(types, ['DaprSidecarProps'], 'overrides.envs')).toBe('SidecarOverrides has no property or method envs');
  });

  test('a cell names fields of a struct it named before; values in backticks are not API; "built in:" rows need no prop', () => {
    expect(apiTokens('`mtls` (`secretName`, `subjectAltNames`), counter `downstream_cx_active`, `KubernetesTarget.set(app, \'1.29\')`, `cdk-sidecars.dev/inject`'))
      .toEqual(['mtls', 'secretName', 'subjectAltNames', 'KubernetesTarget.set']);
    const md = (prop: string) => [
      '<!-- parity-table: demo; types: EnvoySidecarProps -->',
      '| # | knob | prop | platforms | status |',
      '| --- | --- | --- | --- | --- |',
      `| 1 | x | ${prop} | all | ✅ |`,
      '',
      'Covered: **1 / 1** (100 %)',
    ].join('\n');
    expect(checkParity(parseParityTables(md('`mtls` (`secretName`, `subjectAltNames`)')), types)).toEqual([]);
    expect(checkParity(parseParityTables(md('`mtls` (`secretName`, `issuer`)')), types))
      .toEqual([expect.stringContaining('`issuer` is neither a type nor a property of EnvoyMtls, EnvoySidecarProps')]);
    expect(checkParity(parseParityTables(md('built in: the app waits for Envoy')), types)).toEqual([]);
    expect(checkParity(parseParityTables(md('the app waits for Envoy')), types)).toEqual([expect.stringContaining('names its prop in backticks')]);
  });
});
