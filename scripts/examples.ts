/**
 * Running the examples: each example is a user app in its own node process, as
 * `cdk8s synth` or `cdk synth` would run it; each output is checked with the
 * independent validators. Used by `npm run synth` and by test/examples.test.ts.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { validateAciYamlFile, validateArmTemplate } from '../test/validate/azure';
import { validateTemplateFile } from '../test/validate/cloudformation';
import { validateYamlFile } from '../test/validate/k8s';

export const ROOT = path.resolve(__dirname, '..');

/** The example apps of a platform folder (examples/<platform>/*.ts). */
export function examplesOf(platform: string): string[] {
  const dir = path.join(ROOT, 'examples', platform);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter(f => f.endsWith('.ts')).sort().map(f => path.join(dir, f)) : [];
}

const TS_NODE = { TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.tools.json') };

function run(example: string, env: NodeJS.ProcessEnv): void {
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', example], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...TS_NODE, ...env },
  });
}

/**
 * Synthesizes an aws-cdk-lib example with the CDK CLI (`cdk synth`, offline) into
 * `outdir` (a cloud assembly) and validates every template; returns the templates.
 */
export function synthEcsExample(example: string, outdir: string): { files: string[]; templates: any[] } {
  fs.rmSync(outdir, { recursive: true, force: true });
  const cli = require.resolve('aws-cdk/bin/cdk');
  // The CLI splits --app on spaces: give it paths relative to the repository.
  const app = `node -r ts-node/register/transpile-only ${path.relative(ROOT, example)}`;
  execFileSync(process.execPath, [cli, 'synth', '--app', app,
    '--output', outdir, '--no-notices', '--no-version-reporting', '--quiet', '--ci'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...TS_NODE, CDK_DISABLE_CLI_TELEMETRY: 'true' },
  });
  const files = fs.readdirSync(outdir).filter(f => f.endsWith('.template.json')).map(f => path.join(outdir, f));
  if (files.length === 0) { throw new Error(`${example} wrote no template to ${outdir}`); }
  for (const f of files) { validateTemplateFile(f); }
  return { files, templates: files.map(f => JSON.parse(fs.readFileSync(f, 'utf-8'))) };
}

/** Synthesizes an ACI example (AciApp.synth) into `outdir` and validates the ARM templates and YAML. */
export function synthAciExample(example: string, outdir: string): { files: string[]; templates: any[]; yaml: any[] } {
  fs.rmSync(outdir, { recursive: true, force: true });
  run(example, { ACI_OUTDIR: outdir });
  const files = fs.readdirSync(outdir).map(f => path.join(outdir, f)).sort();
  const arm = files.filter(f => f.endsWith('.arm.json'));
  const yaml = files.filter(f => f.endsWith('.aci.yaml'));
  if (arm.length === 0 || arm.length !== yaml.length) { throw new Error(`${example} wrote ${arm.length} ARM templates and ${yaml.length} YAML files to ${outdir}`); }
  const templates = arm.map(f => JSON.parse(fs.readFileSync(f, 'utf-8')));
  templates.forEach(validateArmTemplate);
  yaml.forEach(validateAciYamlFile);
  return { files, templates, yaml: yaml.map(f => parseAllDocuments(fs.readFileSync(f, 'utf-8'))[0].toJS()) };
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
