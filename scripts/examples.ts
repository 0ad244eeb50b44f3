/**
 * Running the examples: each example is a user app in its own node process, as
 * `cdk8s synth` or `cdk synth` would run it; each output is checked with the
 * independent validators. Used by `npm run synth` and by test/examples.test.ts.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { validateYamlFile } from '../test/validate/k8s';

export const ROOT = path.resolve(__dirname, '..');

/** The example apps of a platform folder (examples/<platform>/*.ts). */
export function examplesOf(platform: string): string[] {
  const dir = path.join(ROOT, 'examples', platform);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter(f => f.endsWith('.ts')).sort().map(f => path.join(dir, f)) : [];
}

function run(example: string, env: NodeJS.ProcessEnv): void {
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', example], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.tools.json'), ...env },
  });
}

/** Synthesizes a cdk8s example into `outdir` and validates every YAML file; returns the documents. */
export function synthKubernetesExample(example: string, outdir: string): { files: string[]; docs: any[] } {
  fs.rmSync(outdir, { recursive: true, force: true });
  run(example, { CDK8S_OUTDIR: outdir });
  const files = fs.readdirSync(outdir).filter(f => f.endsWith('.yaml')).map(f => path.join(outdir, f));
  if (files.length === 0) { throw new Error(`${example} wrote no YAML to ${outdir}`); }
  const docs: any[] = [];
  for (const f of files) {
    validateYamlFile(f);
    docs.push(...parseAllDocuments(fs.readFileSync(f, 'utf-8')).map(d => d.toJS()).filter(d => d));
  }
  return { files, docs };
}
