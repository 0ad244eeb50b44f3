/**
 * jsii-rosetta in strict mode over the assembly (`.jsii`, so the README, which jsii stores as the
 * package readme, and every `@example` of the API): each TypeScript snippet must compile, with its
 * fixture from rosetta/ (default.ts-fixture for Kubernetes snippets, ecs/aci for the others).
 *
 * Rosetta normally runs `npm install` of the examples' dependencies into a temporary folder;
 * here it gets a compilation directory instead (`--directory`) whose node_modules links the
 * package itself and the installed dev dependencies the snippets import, so nothing is installed.
 * (jsii-rosetta lib/rosetta-translator.js: a given compilationDirectory is only checked.)
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
if (!fs.existsSync(path.join(root, '.jsii'))) { throw new Error('.jsii is missing: run `npx projen compile` first'); }

/** Packages the README snippets and fixtures import, besides cdk-sidecars itself. */
const SNIPPET_DEPS = ['constructs', 'cdk8s', 'cdk8s-plus-27', 'aws-cdk-lib'];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-rosetta-'));
try {
  const nm = path.join(dir, 'node_modules');
  fs.mkdirSync(nm);
  fs.symlinkSync(root, path.join(nm, 'cdk-sidecars'), 'dir');
  for (const dep of SNIPPET_DEPS) {
    fs.symlinkSync(fs.realpathSync(path.join(root, 'node_modules', dep)), path.join(nm, dep), 'dir');
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'rosetta-snippets', private: true }));
  const tablet = path.join(dir, 'snippets.tabl.json');
  execFileSync(path.join(root, 'node_modules', '.bin', 'jsii-rosetta'),
    ['extract', '--strict', '--directory', dir, '--output', tablet, path.join(root, '.jsii')],
    { cwd: root, stdio: 'inherit' });
  const snippets = Object.keys(JSON.parse(fs.readFileSync(tablet, 'utf-8')).snippets ?? {}).length;
  console.log(`jsii-rosetta --strict: ${snippets} snippets compile`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
