/**
 * The quick start works for one platform, as a user gets it: the package is packed
 * (`npm pack` of the compiled build), and for each platform a fresh folder runs the README's
 * own install lines (with the tarball in place of `cdk-sidecars`; everything else from the npm
 * registry), its `main.ts` snippet and its run commands, found by their markers
 * (`<!-- quickstart:<platform>:install|main.ts|run -->`), so the README cannot drift from what
 * is tested. The output is checked with the same validators as the examples.
 *
 * The run commands go once with the Node.js running the tests, then with each supported line
 * (22 and 24: the official binaries of the npm registry's node-<platform>-<arch> packages,
 * first on the PATH), and the output is checked after each run.
 *
 * Needs the npm registry and about four minutes: run in CI (CI=true, where it must pass), and
 * here with CDK_SIDECARS_PACKAGE_TEST=1; otherwise skipped with the reason.
 */
import { execFileSync, execSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { realTest } from '../prerequisites';
import { validateAciYamlFile, validateArmTemplate } from '../validate/azure';
import { validateTemplateFile } from '../validate/cloudformation';
import { validateYamlFile } from '../validate/k8s';

const root = path.resolve(__dirname, '..', '..');
const README = fs.readFileSync(path.join(root, 'README.md'), 'utf-8');

/** The fenced block right after `<!-- quickstart:<platform>:<part> -->`. */
export function quickstartBlock(readme: string, platform: string, part: string): string {
  const marker = `<!-- quickstart:${platform}:${part} -->`;
  const at = readme.indexOf(marker);
  if (at < 0) { throw new Error(`README.md has no ${marker}`); }
  // The info string may carry jsii-rosetta metadata after the language (```ts nofixture).
  const m = /^```[a-z]*(?: [^\n]*)?\n([\s\S]*?)^```$/m.exec(readme.slice(at + marker.length));
  if (!m) { throw new Error(`README.md: no fenced block after ${marker}`); }
  return m[1];
}

/** The shell commands of a block (one a line; `#` comments dropped). */
export function commands(block: string): string[] {
  return block.split('\n').map(l => l.replace(/\s+#.*$/, '').trim()).filter(l => l && !l.startsWith('#'));
}

const reason = process.env.CI === 'true' || process.env.CDK_SIDECARS_PACKAGE_TEST
  ? undefined
  : 'packs the package and installs from the npm registry (about 4 minutes); CI runs it, set CDK_SIDECARS_PACKAGE_TEST=1 to run it here';

/** The supported Node.js lines (package.json engines, README "Supported versions"). */
const NODE_LINES = ['22', '24'];
const packageTest = realTest('test/package/tarball.test.ts', reason);

let work = '';
let tarball = '';
const timings: string[] = [];
/** PATH entries that put each Node.js line first ('' = the Node.js running the tests). */
const nodePaths: { readonly line: string; readonly bin: string }[] = [];

beforeAll(() => {
  if (reason !== undefined) { return; }
  if (!fs.existsSync(path.join(root, 'lib', 'index.js'))) { throw new Error('lib/ is not compiled: run `npx projen compile` (npm test does it first)'); }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-tarball-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf-8' }));
  tarball = path.join(work, packed[0].filename);
  nodePaths.push({ line: process.versions.node.split('.')[0], bin: '' });
  for (const line of NODE_LINES) {
    const prefix = path.join(work, `node${line}`);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', prefix, `node-${process.platform}-${process.arch}@${line}`],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    nodePaths.push({ line, bin: path.join(prefix, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin') });
  }
}, 300_000);

afterAll(() => {
  if (timings.length) { process.stdout.write(`\ntest/package/tarball.test.ts timings: ${timings.join(', ')}\n`); }
  if (work) { fs.rmSync(work, { recursive: true, force: true }); }
});

/**
 * Runs the README's install lines for `platform` in a fresh folder, then its run lines with each
 * Node.js line, calling `check` on the folder after each run (outputs removed before it).
 */
function quickstart(platform: string, outputs: string, check: (dir: string) => void): string {
  const dir = path.join(work, platform);
  fs.mkdirSync(dir);
  const run = (cmd: string, bin = '') => execSync(cmd, {
    cwd: dir,
    encoding: 'utf-8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATH: bin ? `${bin}${path.delimiter}${process.env.PATH}` : process.env.PATH, npm_config_audit: 'false', npm_config_fund: 'false' },
  });
  let t = Date.now();
  for (const cmd of commands(quickstartBlock(README, platform, 'install'))) {
    // The package under test instead of the registry's cdk-sidecars.
    run(cmd.replace(/(^|\s)cdk-sidecars(?=\s|$)/, `$1${tarball}`));
  }
  const runs = [`install ${((Date.now() - t) / 1000).toFixed(0)} s`];
  fs.writeFileSync(path.join(dir, 'main.ts'), quickstartBlock(README, platform, 'main.ts'));
  for (const { line, bin } of nodePaths) {
    expect(run('node -v', bin).trim()).toMatch(new RegExp(`^v${line}\\.`));
    fs.rmSync(path.join(dir, outputs), { recursive: true, force: true });
    t = Date.now();
    for (const cmd of commands(quickstartBlock(README, platform, 'run'))) { run(cmd, bin); }
    runs.push(`run on Node ${line} ${((Date.now() - t) / 1000).toFixed(0)} s`);
    check(dir);
  }
  timings.push(`${platform}: ${runs.join(', ')}`);
  return dir;
}

const has = (dir: string, pkg: string) => fs.existsSync(path.join(dir, 'node_modules', pkg, 'package.json'));

packageTest('cdk8s only (cdk8s, cdk8s-plus-27, constructs): the quick start synthesizes a Deployment with a native sidecar', () => {
  const dir = quickstart('k8s', 'dist', d => {
    const file = path.join(d, 'dist', 'shop.k8s.yaml');
    validateYamlFile(file);
    const deployment = parseAllDocuments(fs.readFileSync(file, 'utf-8')).map(doc => doc.toJS()).find(doc => doc.kind === 'Deployment');
    expect(deployment.spec.template.spec.initContainers).toEqual([expect.objectContaining({ name: 'log-shipper', restartPolicy: 'Always' })]);
  });
  expect([has(dir, 'cdk8s'), has(dir, 'aws-cdk-lib')]).toEqual([true, false]);
}, 600_000);

packageTest('aws-cdk-lib only (aws-cdk-lib, constructs): the quick start synthesizes a task definition whose app waits for the sidecar', () => {
  const dir = quickstart('ecs', 'cdk.out', d => {
    const file = path.join(d, 'cdk.out', 'Shop.template.json');
    validateTemplateFile(file);
    const template = JSON.parse(fs.readFileSync(file, 'utf-8'));
    const td: any = Object.values(template.Resources).find((r: any) => r.Type === 'AWS::ECS::TaskDefinition');
    const byName = (n: string) => td.Properties.ContainerDefinitions.find((c: any) => c.Name === n);
    expect(byName('statsd')).toBeDefined();
    expect(byName('api').DependsOn).toEqual(expect.arrayContaining([{ ContainerName: 'statsd', Condition: 'HEALTHY' }]));
  });
  expect([has(dir, 'aws-cdk-lib'), has(dir, 'cdk8s')]).toEqual([true, false]);
}, 900_000);

packageTest('neither (constructs only): the ACI quick start writes the ARM template and the ACI YAML', () => {
  const dir = quickstart('aci', 'dist', d => {
    const arm = JSON.parse(fs.readFileSync(path.join(d, 'dist', 'shop-api.arm.json'), 'utf-8'));
    validateArmTemplate(arm);
    validateAciYamlFile(path.join(d, 'dist', 'shop-api.aci.yaml'));
    const group = arm.resources.find((r: any) => r.type === 'Microsoft.ContainerInstance/containerGroups');
    expect(group.properties.containers.map((c: any) => c.name)).toEqual(['api', 'statsd']);
  });
  expect([has(dir, 'aws-cdk-lib'), has(dir, 'cdk8s')]).toEqual([false, false]);
}, 600_000);
