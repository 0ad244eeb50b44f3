/**
 * Entry points load only what their platform needs: checked in a fresh node process
 * on the compiled package (npm test compiles first), through the package's own
 * `exports`, as a user's `require('cdk-sidecars/k8s')` resolves it.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');

function loadedPackages(entry: string): string[] {
  const script = `
    require(${JSON.stringify(entry)});
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

test('cdk-sidecars/ecs loads aws-cdk-lib but not cdk8s', () => {
  const pkgs = loadedPackages('cdk-sidecars/ecs');
  expect(pkgs).toContain('aws-cdk-lib');
  expect(pkgs.filter(p => p === 'cdk8s' || p.startsWith('cdk8s-plus'))).toEqual([]);
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
