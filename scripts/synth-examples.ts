/**
 * The README's main job: synthesizes every example under examples/ into dist/ and
 * checks each output with the independent validators (official schemas).
 *
 *   examples/k8s/<name>.ts  ->  dist/k8s/<name>/*.k8s.yaml   (cdk8s App.synth)
 */
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, examplesOf, synthKubernetesExample } from './examples';

const dist = path.join(ROOT, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
let count = 0;

for (const example of examplesOf('k8s')) {
  const { files, docs } = synthKubernetesExample(example, path.join(dist, 'k8s', path.basename(example, '.ts')));
  for (const f of files) { console.log(`  ok  ${path.relative(ROOT, f)}`); }
  console.log(`      ${docs.length} manifests, valid against the Kubernetes 1.35 OpenAPI schemas (strict)`);
  count += files.length;
}

console.log(`synthesized ${count} files into dist/`);
