/**
 * The examples the pod tier runs: each synthesized once per test process (with the validation
 * of scripts/examples.ts) into a temporary folder removed when the process exits.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AciExampleOutput, examplesOf, synthAciExample, synthEcsExample, synthKubernetesExample } from '../../scripts/examples';

/** A pod, task or group takes seconds to start: each test has minutes. */
export const POD_TIMEOUT = 300_000;

let out: string | undefined;
function outdir(platform: string, name: string): string {
  if (!out) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-pod-examples-'));
    out = dir;
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return path.join(out, platform, name);
}

function exampleFile(platform: string, name: string): string {
  const file = examplesOf(platform).find(f => path.basename(f, '.ts') === name);
  if (!file) { throw new Error(`no ${platform} example ${name}`); }
  return file;
}

const synthesized = new Map<string, Promise<any>>();
function once<T>(key: string, make: () => Promise<T>): Promise<T> {
  if (!synthesized.has(key)) { synthesized.set(key, make()); }
  return synthesized.get(key)!;
}

/** The documents a Kubernetes example synthesizes. */
export function kubernetesExample(name: string): Promise<any[]> {
  return once(`k8s/${name}`, async () => (await synthKubernetesExample(exampleFile('k8s', name), outdir('k8s', name))).docs);
}

/** The one template of an ECS example that holds a task definition. */
export function ecsExample(name: string): Promise<any> {
  return once(`ecs/${name}`, async () => {
    const r = await synthEcsExample(exampleFile('ecs', name), outdir('ecs', name));
    const tasks = r.templates.filter(t => Object.values<any>(t.Resources ?? {}).some(x => x.Type === 'AWS::ECS::TaskDefinition'));
    if (tasks.length !== 1) { throw new Error(`${name}: ${tasks.length} templates with a task definition`); }
    return tasks[0];
  });
}

/** What an ACI example synthesizes (the ARM template and the ACI YAML files). */
export function aciExample(name: string): Promise<AciExampleOutput> {
  return once(`aci/${name}`, () => synthAciExample(exampleFile('aci', name), outdir('aci', name)));
}
