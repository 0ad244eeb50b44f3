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
import { validateEnvoyBootstrap, validateEnvoyMessage } from '../test/validate/envoy';
import { validateYamlFile } from '../test/validate/k8s';

/** A generated config file found in a synthesized output. */
export interface EmbeddedConfig { readonly file: string; readonly content: string; readonly where: string }

/** Config files carried in Kubernetes ConfigMaps and Secrets. */
export function kubernetesConfigs(docs: any[]): EmbeddedConfig[] {
  return docs.filter(d => d.kind === 'ConfigMap' || d.kind === 'Secret').flatMap(d => Object.entries<string>(d.data ?? {}).map(([file, value]) => ({
    file, content: d.kind === 'Secret' ? Buffer.from(value, 'base64').toString('utf-8') : value, where: `${d.kind}/${d.metadata.name}`,
  })));
}

/** Config files the ECS init writer carries in its environment (base64), named by its script. */
export function ecsConfigs(templates: any[]): EmbeddedConfig[] {
  const out: EmbeddedConfig[] = [];
  for (const t of templates) {
    for (const [id, r] of Object.entries<any>(t.Resources ?? {})) {
      if (r.Type !== 'AWS::ECS::TaskDefinition') { continue; }
      for (const c of r.Properties.ContainerDefinitions ?? []) {
        if (c.Name !== 'cdk-sidecars-config') { continue; }
        const script = String(c.Command?.[0] ?? '');
        for (const e of c.Environment ?? []) {
          const m = new RegExp(`"\\$${e.Name}" \\| base64 -d > '([^']+)'`).exec(script);
          if (m) { out.push({ file: path.basename(m[1]), content: Buffer.from(e.Value, 'base64').toString('utf-8'), where: `${id}/${m[1]}` }); }
        }
      }
    }
  }
  return out;
}

/** Config files in ACI secret volumes (base64). */
export function aciConfigs(templates: any[]): EmbeddedConfig[] {
  return templates.flatMap(t => (t.resources ?? []).flatMap((r: any) => (r.properties?.volumes ?? []).flatMap((v: any) =>
    Object.entries<string>(v.secret ?? {}).filter(([, value]) => !value.startsWith('[')).map(([file, value]) => ({
      file, content: Buffer.from(value, 'base64').toString('utf-8'), where: `${r.name}/${v.name}`,
    })))));
}

/** Checks every generated config whose format has an independent validator; returns what was checked. */
export function checkConfigs(configs: EmbeddedConfig[]): string[] {
  const checked: string[] = [];
  for (const c of configs) {
    if (c.file === 'envoy.json') {
      try { validateEnvoyBootstrap(JSON.parse(c.content)); } catch (e) { throw new Error(`${c.where}: ${(e as Error).message}`); }
      checked.push(`${c.where} (Envoy v3 protos)`);
    } else if (c.file === 'tls_certificate.json' || c.file === 'validation_context.json') {
      try { validateEnvoyMessage('envoy.service.discovery.v3.DiscoveryResponse', JSON.parse(c.content)); } catch (e) { throw new Error(`${c.where}: ${(e as Error).message}`); }
      checked.push(`${c.where}/${c.file} (Envoy SDS, v3 protos)`);
    }
  }
  return checked;
}

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
export function synthEcsExample(example: string, outdir: string): { files: string[]; templates: any[]; configs: string[] } {
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
  const templates = files.map(f => JSON.parse(fs.readFileSync(f, 'utf-8')));
  return { files, templates, configs: checkConfigs(ecsConfigs(templates)) };
}

/** Synthesizes an ACI example (AciApp.synth) into `outdir` and validates the ARM templates and YAML. */
export function synthAciExample(example: string, outdir: string): { files: string[]; templates: any[]; yaml: any[]; configs: string[] } {
  fs.rmSync(outdir, { recursive: true, force: true });
  run(example, { ACI_OUTDIR: outdir });
  const files = fs.readdirSync(outdir).map(f => path.join(outdir, f)).sort();
  const arm = files.filter(f => f.endsWith('.arm.json'));
  const yaml = files.filter(f => f.endsWith('.aci.yaml'));
  if (arm.length === 0 || arm.length !== yaml.length) { throw new Error(`${example} wrote ${arm.length} ARM templates and ${yaml.length} YAML files to ${outdir}`); }
  const templates = arm.map(f => JSON.parse(fs.readFileSync(f, 'utf-8')));
  templates.forEach(validateArmTemplate);
  yaml.forEach(validateAciYamlFile);
  return { files, templates, yaml: yaml.map(f => parseAllDocuments(fs.readFileSync(f, 'utf-8'))[0].toJS()), configs: checkConfigs(aciConfigs(templates)) };
}

/** Synthesizes a cdk8s example into `outdir` and validates every YAML file; returns the documents. */
export function synthKubernetesExample(example: string, outdir: string): { files: string[]; docs: any[]; configs: string[] } {
  fs.rmSync(outdir, { recursive: true, force: true });
  run(example, { CDK8S_OUTDIR: outdir });
  const files = fs.readdirSync(outdir).filter(f => f.endsWith('.yaml')).map(f => path.join(outdir, f));
  if (files.length === 0) { throw new Error(`${example} wrote no YAML to ${outdir}`); }
  const docs: any[] = [];
  for (const f of files) {
    validateYamlFile(f);
    docs.push(...parseAllDocuments(fs.readFileSync(f, 'utf-8')).map(d => d.toJS()).filter(d => d));
  }
  const configs = checkConfigs(kubernetesConfigs(docs));
  return { files, docs, configs };
}
