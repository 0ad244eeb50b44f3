/**
 * Entry points load only what their platform needs: checked in a fresh node process
 * on the compiled package (npm test compiles first), through the package's own
 * `exports`, as a user's `require('cdk-sidecars/k8s')` resolves it.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');

function loadedPackages(entry: string, read = ''): string[] {
  const script = `
    const m = require(${JSON.stringify(entry)});
    ${read}
    const pkgs = new Set();
    for (const file of Object.keys(require.cache)) {
      const m = /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file);
      if (m) pkgs.add(m[1].replace(/\\\\/g, '/'));
    }
    process.stdout.write(JSON.stringify([...pkgs].sort()));
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf-8' }));
}

beforeAll(() => {
  if (!fs.existsSync(path.join(root, 'lib', 'k8s', 'index.js'))) {
    throw new Error('lib/ is not compiled: run `npx projen compile` (npm test does it first)');
  }
  if (!fs.readFileSync(path.join(root, 'lib', 'index.js'), 'utf-8').includes('Object.defineProperty(exports, "k8s"')) {
    throw new Error('lib/index.js was compiled by jsii alone: run `npx projen compile` (jsii, then scripts/lazy-platforms.ts)');
  }
});

test('cdk-sidecars/k8s loads cdk8s but no aws-cdk-lib', () => {
  const pkgs = loadedPackages('cdk-sidecars/k8s');
  expect(pkgs).toContain('cdk8s');
  expect(pkgs.filter(p => p.startsWith('aws-cdk-lib') || p.startsWith('@aws-cdk'))).toEqual([]);
  expect(pkgs.filter(p => p.startsWith('cdk8s-plus'))).toEqual([]);
});

test.each(['cdk-sidecars/core', 'cdk-sidecars/sidecars'])('%s loads neither cdk8s nor aws-cdk-lib', entry => {
  const pkgs = loadedPackages(entry);
  expect(pkgs.filter(p => p === 'cdk8s' || p.startsWith('aws-cdk-lib') || p.startsWith('cdk8s-plus'))).toEqual([]);
});

test('cdk-sidecars/aci loads neither aws-cdk-lib nor cdk8s', () => {
  const pkgs = loadedPackages('cdk-sidecars/aci');
  expect(pkgs.filter(p => p === 'cdk8s' || p.startsWith('cdk8s-plus') || p.startsWith('aws-cdk-lib') || p.startsWith('@aws-cdk'))).toEqual([]);
});

test('cdk-sidecars/cloudrun loads neither aws-cdk-lib nor cdk8s', () => {
  const pkgs = loadedPackages('cdk-sidecars/cloudrun');
  expect(pkgs.filter(p => p === 'cdk8s' || p.startsWith('cdk8s-plus') || p.startsWith('aws-cdk-lib') || p.startsWith('@aws-cdk'))).toEqual([]);
  expect(PLATFORMS(loadedPackages('cdk-sidecars', 'if (typeof m.cloudrun.CloudRunService !== "function") throw new Error("no cloudrun");'))).toEqual([]);
});

test('cdk-sidecars/compose loads neither aws-cdk-lib nor cdk8s', () => {
  const pkgs = loadedPackages('cdk-sidecars/compose');
  expect(pkgs.filter(p => p === 'cdk8s' || p.startsWith('cdk8s-plus') || p.startsWith('aws-cdk-lib') || p.startsWith('@aws-cdk'))).toEqual([]);
});

test('cdk-sidecars/ecs loads aws-cdk-lib but not cdk8s', () => {
  const pkgs = loadedPackages('cdk-sidecars/ecs');
  expect(pkgs).toContain('aws-cdk-lib');
  expect(pkgs.filter(p => p === 'cdk8s' || p.startsWith('cdk8s-plus'))).toEqual([]);
});

const PLATFORMS = (pkgs: string[]) => pkgs.filter(p => p === 'cdk8s' || p.startsWith('cdk8s-plus') || p.startsWith('aws-cdk-lib') || p.startsWith('@aws-cdk'));

// issue 11 section 2: a cdk8s-only project failed on `import { Sidecar } from 'cdk-sidecars'`
// with "Cannot find module 'aws-cdk-lib/aws-ecs'": the root entry loaded every platform.
test('cdk-sidecars (root) loads no platform until a namespace is read, then only that one', () => {
  expect(PLATFORMS(loadedPackages('cdk-sidecars', 'if (typeof m.Sidecar !== "function" || typeof m.EnvoySidecar !== "function") throw new Error("no sidecars");'))).toEqual([]);
  const k8s = loadedPackages('cdk-sidecars', 'if (typeof m.k8s.WorkloadSidecars !== "function") throw new Error("no k8s");');
  expect(PLATFORMS(k8s)).toEqual(['cdk8s']);
  const ecs = loadedPackages('cdk-sidecars', 'if (typeof m.ecs.TaskSidecars !== "function") throw new Error("no ecs");');
  expect(PLATFORMS(ecs)).toContain('aws-cdk-lib');
  expect(PLATFORMS(ecs).filter(p => p.startsWith('cdk8s'))).toEqual([]);
  expect(PLATFORMS(loadedPackages('cdk-sidecars', 'if (typeof m.aci.AciApp !== "function") throw new Error("no aci");'))).toEqual([]);
  expect(loadedPackages('cdk-sidecars', 'if (m.k8s !== m.k8s || m.k8s.WorkloadSidecars !== require("cdk-sidecars/k8s").WorkloadSidecars) throw new Error("not one module");')).toContain('cdk8s');
});

test('an ES module importing cdk-sidecars (root) loads no platform', () => {
  const script = `
    import { Sidecar, Probe } from 'cdk-sidecars';
    import { createRequire } from 'module';
    if (typeof Sidecar !== 'function' || typeof Probe.httpGet !== 'function') throw new Error('named exports missing');
    const cache = createRequire(import.meta.url).cache;
    const loaded = Object.keys(cache).filter(f => /node_modules[\\/](cdk8s|aws-cdk-lib)[\\/]/.test(f));
    process.stdout.write(JSON.stringify(loaded));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf-8' });
  expect(JSON.parse(out)).toEqual([]);
});

test('the entry points are plain CommonJS files listed in package.json exports', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf-8'));
  for (const [key, target] of Object.entries<string>(pkg.exports)) {
    expect(typeof target).toBe('string');
    if (key.startsWith('./') && target.endsWith('.js')) {
      expect(fs.existsSync(path.join(root, target))).toBe(true);
    }
  }
});
