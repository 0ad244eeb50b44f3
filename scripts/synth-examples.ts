/**
 * The README's main job: synthesizes every example under examples/ into dist/ and
 * checks each output with the independent validators (official schemas).
 *
 *   examples/k8s/<name>.ts  ->  dist/k8s/<name>/*.k8s.yaml   (cdk8s App.synth)
 *
 * Each example runs in its own node process, as `cdk8s synth` would run it.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { validateYamlFile } from '../test/validate/k8s';

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

function run(example: string, env: NodeJS.ProcessEnv): void {
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', example], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.tools.json'), ...env },
  });
}

function examples(platform: string): string[] {
  const dir = path.join(root, 'examples', platform);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter(f => f.endsWith('.ts')).sort().map(f => path.join(dir, f)) : [];
}

fs.rmSync(dist, { recursive: true, force: true });
let count = 0;

for (const example of examples('k8s')) {
  const name = path.basename(example, '.ts');
  const outdir = path.join(dist, 'k8s', name);
  run(example, { CDK8S_OUTDIR: outdir });
  const files = fs.readdirSync(outdir).filter(f => f.endsWith('.yaml'));
  if (files.length === 0) { throw new Error(`${example} wrote no YAML to ${outdir}`); }
  for (const f of files) {
    validateYamlFile(path.join(outdir, f));
    console.log(`  ok  ${path.relative(root, path.join(outdir, f))} (Kubernetes 1.35 OpenAPI, strict)`);
    count++;
  }
}

console.log(`synthesized ${count} files into ${path.relative(process.cwd(), dist) || '.'}/, all valid`);
