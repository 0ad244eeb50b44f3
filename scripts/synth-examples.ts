/**
 * The README's main job: synthesizes every example under examples/ into dist/ and
 * checks each output with the independent validators (official schemas).
 *
 *   examples/k8s/<name>.ts  ->  dist/k8s/<name>/*.k8s.yaml                 (cdk8s App.synth)
 *   examples/ecs/<name>.ts  ->  dist/ecs/<name>/*.template.json + assembly (cdk synth)
 *   examples/aci/<name>.ts  ->  dist/aci/<name>/*.arm.json, *.aci.yaml     (AciApp.synth)
 *   examples/cloudrun/<name>.ts -> dist/cloudrun/<name>/*.cloudrun.yaml + generated secret files (CloudRunApp.synth)
 *   examples/compose/<name>.ts -> dist/compose/<name>/*.compose.yaml       (ComposeApp.synth)
 */
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, examplesOf, synthAciExample, synthCloudRunExample, synthComposeExample, synthEcsExample, synthKubernetesExample } from './examples';

async function main(): Promise<void> {
  const dist = path.join(ROOT, 'dist');
  fs.rmSync(dist, { recursive: true, force: true });
  let count = 0;

  for (const example of examplesOf('k8s')) {
    const { files, docs, configs } = await synthKubernetesExample(example, path.join(dist, 'k8s', path.basename(example, '.ts')));
    for (const f of files) { console.log(`  ok  ${path.relative(ROOT, f)}`); }
    console.log(`      ${docs.length} manifests, valid against the Kubernetes 1.35 OpenAPI schemas (strict)`);
    for (const c of configs) { console.log(`      config ${c}`); }
    count += files.length;
  }

  for (const example of examplesOf('ecs')) {
    const { files, configs } = await synthEcsExample(example, path.join(dist, 'ecs', path.basename(example, '.ts')));
    for (const f of files) { console.log(`  ok  ${path.relative(ROOT, f)} (CloudFormation registry schemas, strict)`); }
    for (const c of configs) { console.log(`      config ${c}`); }
    count += files.length;
  }

  for (const example of examplesOf('aci')) {
    const { files, configs } = await synthAciExample(example, path.join(dist, 'aci', path.basename(example, '.ts')));
    for (const f of files) { console.log(`  ok  ${path.relative(ROOT, f)} (ACI 2025-09-01 REST spec${f.endsWith('.json') ? ' + ARM template schema' : ''}, strict)`); }
    for (const c of configs) { console.log(`      config ${c}`); }
    count += files.length;
  }

  for (const example of examplesOf('cloudrun')) {
    const { files, configs } = await synthCloudRunExample(example, path.join(dist, 'cloudrun', path.basename(example, '.ts')));
    for (const f of files.filter(x => x.endsWith('.cloudrun.yaml'))) { console.log(`  ok  ${path.relative(ROOT, f)} (Cloud Run Admin API v1 + Knative Service CRD, strict)`); }
    for (const c of configs) { console.log(`      config ${c}`); }
    count += files.length;
  }

  for (const example of examplesOf('compose')) {
    const { files, configs } = await synthComposeExample(example, path.join(dist, 'compose', path.basename(example, '.ts')));
    for (const f of files) { console.log(`  ok  ${path.relative(ROOT, f)} (Compose Specification schema, compose-go v2.13.0, + depends_on/network_mode checks)`); }
    for (const c of configs) { console.log(`      config ${c}`); }
    count += files.length;
  }

  console.log(`synthesized ${count} files into dist/`);
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
