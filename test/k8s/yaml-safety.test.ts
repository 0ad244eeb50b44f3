/**
 * What kubectl reads from the manifests cdk8s writes. cdk8s writes YAML 1.1 and leaves some
 * strings unquoted that go-yaml v2 (kubectl's reader, through sigs.k8s.io/yaml) reads as
 * numbers: the binder refuses such strings in what it adds. The model of go-yaml v2 is checked
 * against the real go-yaml v2 (Debian's golang-gopkg-yaml.v2-dev, built with golang-go from
 * test/validate/goyaml/main.go), and whole synthesized manifests are read back with it.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing, Yaml } from 'cdk8s';
import * as fc from 'fast-check';
import { Sidecar } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { WorkloadSidecars } from '../../src/k8s';
import { cdk8sWritesPlain, goYamlV2Type, kubectlMisreads } from '../../src/k8s/yaml-safety';
import { expectError } from '../errors';
import { buildGo, realTest } from '../prerequisites';
import { rawDeployment, synth } from './util';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-goyaml-'));
const binary = path.join(dir, 'goyaml');
const goTest = realTest('yaml-safety.test.ts',
  buildGo(path.join(__dirname, '../validate/goyaml'), binary, [['gopkg.in/yaml.v2', 'golang-gopkg-yaml.v2-dev']], path.join(dir, 'cache')));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The documents of a YAML stream as go-yaml v2 reads them. */
function readWithGo(yaml: string): any[] {
  return JSON.parse(execFileSync(binary, { input: yaml, maxBuffer: 256 * 1024 * 1024 }).toString());
}

/** Every string up to `length` characters over `alphabet`. */
function allStrings(alphabet: string, length: number): string[] {
  const out: string[] = [];
  const rec = (s: string, d: number) => {
    if (s) { out.push(s); }
    if (d === 0) { return; }
    for (const c of alphabet) { rec(s + c, d - 1); }
  };
  rec('', length);
  return out;
}

const EDGES = [
  '0o17', '0O17', '0X1F', '0x1F', '0B101', '0b101', '0b+1', '0b-1', '-0b1', '+0b1', '1_000', '0o1_7', '017', '08', '0_8', '1e400', '.5e999', '.5e-999',
  '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '18446744073709551615', '18446744073709551616',
  '0xFFFFFFFFFFFFFFFF', '0x1FFFFFFFFFFFFFFFF', '+Inf', '+inf', '-Infinity', 'inf', 'NaN', '+nan', '.nan', '.NaN', '.Nan', '+.inf', '-.INF', '.inf',
  '0x1p3', '1:20', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-13-14', 'y', 'Y', 'yes', 'yEs', 'on', 'ON', 'oN', 'off', 'n', 'NO', 'true', 'tRUE',
  'null', 'NULL', 'nuLL', '~', '<<', '=', '-', '+', '.', '1.', '-.5', '+.5e3', '1e+3', '1E-3', '0x', '0o', '0b', '_1', '1_', '__', '+_1', '1.5_0',
];

describe('the model of go-yaml v2 agrees with go-yaml v2', () => {
  goTest('every string over digits, signs, base letters and "_" up to 4 characters, as cdk8s writes it: misread exactly when the model says so', () => {
    const list = [...allStrings('0178afeEoOxXbBp_+-.:inN', 4), ...EDGES];
    const read = readWithGo(Yaml.stringify(list))[0] as unknown[];
    expect(read.length).toBe(list.length);
    const disagree = list.filter((s, i) => (read[i] !== s) !== kubectlMisreads(s));
    expect(disagree).toEqual([]);
    // The check is not vacuous: hundreds of such strings are misread.
    expect(list.filter(kubectlMisreads).length).toBeGreaterThan(300);
  });

  goTest('the type the model gives each scalar cdk8s writes plain is the type go-yaml v2 decodes', () => {
    const plain = [...allStrings('0178aeoOxXbBnN_+-.', 3), ...EDGES].filter(cdk8sWritesPlain);
    const read = readWithGo(plain.map(s => `- ${s}\n`).join(''))[0] as unknown[];
    const goType = (v: unknown) => v === null ? 'null' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? 'num'
      : String(v).startsWith('<non-finite') ? 'num' : 'str';
    const model = (s: string) => { const t = goYamlV2Type(s); return t === 'int' || t === 'float' ? 'num' : t; };
    const disagree = plain.map((s, i) => [s, model(s), goType(read[i])]).filter(([, m, g]) => m !== g);
    expect(disagree).toEqual([]);
    expect(plain.length).toBeGreaterThan(3000);
  });

  test('cdk8s quotes what YAML 1.1 takes for a number, and leaves the strconv-only forms plain', () => {
    expect(cdk8sWritesPlain('0x1F')).toBe(false);
    expect(cdk8sWritesPlain('yes')).toBe(false);
    expect(cdk8sWritesPlain('0o17')).toBe(true);
    expect(cdk8sWritesPlain('0X1F')).toBe(true);
    expect(kubectlMisreads('0o17')).toBe(true);
    expect(kubectlMisreads('0x1F')).toBe(false);
    expect(kubectlMisreads('8080')).toBe(false);
    expect(kubectlMisreads('v1.2.3')).toBe(false);
    expect(kubectlMisreads('1\n0o17')).toBe(false);
  });

  test('only a string starting with a sign, a dot or a digit can be misread (the binder tests that first): every word of the resolve table is quoted', () => {
    const words = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE',
      'off', 'Off', 'OFF', '', '~', 'null', 'Null', 'NULL', '<<', '='];
    expect(words.filter(kubectlMisreads)).toEqual([]);
    fc.assert(fc.property(fc.string({ maxLength: 8 }).filter(s => !/^[-+.0-9]/.test(s)), s => {
      expect(kubectlMisreads(s)).toBe(false);
    }), { numRuns: 2000 });
  });

  test('any string, multi-line and unicode ones included, gets an answer (property)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 12 }), s => {
      expect(typeof kubectlMisreads(s)).toBe('boolean');
    }), { numRuns: 500 });
  });
});

function chartWith(env: { [k: string]: string }, appEnv?: { [k: string]: string }): Chart {
  const chart = new Chart(Testing.app(), 'web');
  const app = [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0', ports: [{ containerPort: 8080 }], env: Object.entries(appEnv ?? {}).map(([name, value]) => ({ name, value })) }];
  const sidecar = new Sidecar(chart, 'agent', { image: 'ghcr.io/acme/agent:1.2.3', env });
  WorkloadSidecars.of(rawDeployment(chart, 'api', app)).add(sidecar);
  return chart;
}

describe('the binder refuses what kubectl would misread', () => {
  test('a sidecar env value "0o17": the error names the sidecar, the field, the container and the value', () => {
    expectError(() => Testing.synth(chartWith({ MODE: '0o17' })), ErrorCode.UNREPRESENTABLE_VALUE,
      'web/agent: env.MODE "0o17"', 'kubectl', 'an integer', 'Secret');
    expectError(() => Testing.synth(chartWith({ MODE: '0X1F' })), ErrorCode.UNREPRESENTABLE_VALUE, '"0X1F"');
  });

  test('a config file whose whole content kubectl would read as a number', () => {
    const chart = new Chart(Testing.app(), 'web');
    const sidecar = new Sidecar(chart, 'agent', { image: 'ghcr.io/acme/agent:1.2.3', configFiles: [{ path: '/etc/agent/mode', content: '0o17' }] });
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(sidecar);
    expectError(() => Testing.synth(chart), ErrorCode.UNREPRESENTABLE_VALUE, 'web/agent: configFiles[0].content "0o17"');
  });

  test('a value the library derived (no prop holds it) is named by its manifest field, container and variable', () => {
    const chart = new Chart(Testing.app(), 'web');
    const sidecar = new Sidecar(chart, 'agent', { image: 'ghcr.io/acme/agent:1.2.3', env: { MODE: '0o1' } });
    // Give the sidecar's props object a different value than what is rendered: the prop search finds nothing.
    (sidecar as any).contribution.containers[0].env[0].value = '0o17';
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(sidecar);
    expectError(() => Testing.synth(chart), ErrorCode.UNREPRESENTABLE_VALUE,
      'web/agent: spec.template.spec.initContainers[0].env[0].value (container "agent", variable MODE) "0o17"');
  });

  test('the app\'s own values are the user\'s and are left as cdk8s writes them; quoted forms pass', () => {
    expect(() => Testing.synth(chartWith({ MODE: 'x' }, { APP_MODE: '0o17' }))).not.toThrow();
    for (const v of ['0x1F', 'yes', '017', '1_000', '15', '2001-12-14', '<<', '1:20']) {
      expect(() => Testing.synth(chartWith({ MODE: v }))).not.toThrow();
    }
  });

  goTest('what the binder lets through, kubectl reads back as exactly the same strings (property)', () => {
    const special = fc.constantFrom('0o17', '0X1F', '0x1F', 'yes', 'on', '~', '017', '1_000', '1e3', '+.inf', '.5', '2001-12-14', '<<', '=', '0b+1', '-0B1');
    const value = fc.oneof(special, fc.string({ minLength: 1, maxLength: 6 }), fc.stringMatching(/^[-+.0-9a-fA-FoOxXbB_]{1,6}$/));
    fc.assert(fc.property(value, v => {
      let docs: any[];
      try {
        docs = synth(chartWith({ MODE: v }));
      } catch (e: any) {
        expect(e.code).toBe(ErrorCode.UNREPRESENTABLE_VALUE);
        expect(kubectlMisreads(v)).toBe(true);
        return;
      }
      const yaml = Yaml.stringify(...docs);
      const read = readWithGo(yaml);
      expect(read).toEqual(JSON.parse(JSON.stringify(docs)));
    }), { numRuns: 150 });
  });
});
