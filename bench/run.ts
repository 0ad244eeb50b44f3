/**
 * `npm run bench`: cdk-sidecars side by side with the hand-written equivalent, in one
 * process run. Each case builds the constructs and synthesizes the chart to JSON
 * (what `cdk8s synth` does before writing YAML). Cases alternate A, B, A, B, ... so
 * that both see the same machine state; the median of the rounds is reported.
 *
 * Wall time: performance.now() around build + synth.
 * Peak memory: the largest V8 heap in use seen during the case (sampled while building
 * and after synthesis, with the heap collected before the case starts), minus the
 * heap before it.
 */
import * as fs from 'fs';
import { performance } from 'perf_hooks';
import { Testing } from 'cdk8s';
import { Scenario, plusHandWritten, plusLibrary, rawHandWritten, rawLibrary } from './k8s-scenarios';
import { defaultUid } from '../src/core/names';

const gc: () => void = (globalThis as any).gc ?? (() => { throw new Error('run node with --expose-gc'); });
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MIGRATE_UID = defaultUid('migrate');

interface Measure { ms: number; heapMiB: number; docs: any[] }

/**
 * One case. `toYaml` false: build + synthesize to JSON (Testing.synth); true: build +
 * `app.synth()`, which is what `cdk8s synth` runs (JSON, then YAML files on disk).
 */
function measure(build: (n: number, sample: () => void) => Scenario, n: number, toYaml: boolean): Measure {
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sample = () => { peak = Math.max(peak, process.memoryUsage().heapUsed); };
  const t0 = performance.now();
  const s = build(n, sample);
  let docs: any[] = [];
  if (toYaml) { s.app.synth(); } else { docs = Testing.synth(s.chart); }
  const ms = performance.now() - t0;
  sample();
  fs.rmSync(s.app.outdir, { recursive: true, force: true });
  return { ms, heapMiB: (peak - base) / 1024 / 1024, docs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** JSON with sorted keys and without the annotations only the library writes. */
function canonical(docs: any[]): string {
  return JSON.stringify(docs, (k, v) => {
    if (k === 'annotations' && v && typeof v === 'object') {
      const rest = Object.fromEntries(Object.entries(v).filter(([key]) => !key.startsWith('cdk-sidecars.dev/')));
      return Object.keys(rest).length ? canonicalObject(rest) : undefined;
    }
    return v && typeof v === 'object' && !Array.isArray(v) ? canonicalObject(v) : v;
  });
}

function canonicalObject(o: any): any {
  return Object.fromEntries(Object.keys(o).sort().map(k => [k, o[k]]));
}

function compare(name: string, n: number, lib: (n: number, s: () => void) => Scenario, hand: (n: number, s: () => void) => Scenario, toYaml = false) {
  // One warm-up of each (JIT, module loading), then alternating rounds.
  const wl = measure(lib, Math.min(n, 200), false);
  const wh = measure(hand, Math.min(n, 200), false);
  const same = canonical(wl.docs) === canonical(wh.docs);
  const libRuns: Measure[] = [];
  const handRuns: Measure[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    libRuns.push(measure(lib, n, toYaml));
    handRuns.push(measure(hand, n, toYaml));
    libRuns[r].docs = []; handRuns[r].docs = [];
  }
  const lm = median(libRuns.map(x => x.ms));
  const hm = median(handRuns.map(x => x.ms));
  const lh = median(libRuns.map(x => x.heapMiB));
  const hh = median(handRuns.map(x => x.heapMiB));
  console.log(`${name.padEnd(46)} ${String(n).padStart(6)}  library ${lm.toFixed(0).padStart(6)} ms ${lh.toFixed(0).padStart(5)} MiB | hand-written ${hm.toFixed(0).padStart(6)} ms ${hh.toFixed(0).padStart(5)} MiB | time ratio ${(lm / hm).toFixed(3)}  heap ratio ${(lh / hh).toFixed(3)}  same output: ${same ? 'yes' : 'NO'}`);
  return { lm, hm, same };
}

console.log(`node ${process.version}, ${ROUNDS} rounds each, median; "to JSON" = build + Testing.synth, "to YAML" = build + app.synth() (cdk8s synth)`);
const plusHand = (n: number, s: () => void) => plusHandWritten(n, s, MIGRATE_UID);
const rawHand = (n: number, s: () => void) => rawHandWritten(n, s, MIGRATE_UID);
const plus = compare('plus-27 Deployment+4 sidecars+init, to JSON', 1000, plusLibrary, plusHand);
const plusYaml = compare('plus-27 Deployment+4 sidecars+init, to YAML', 1000, plusLibrary, plusHand, true);
const raw1k = compare('raw ApiObject+4 sidecars+init, to JSON', 1000, rawLibrary, rawHand);
const raw10k = compare('raw ApiObject+4 sidecars+init, to JSON', 10000, rawLibrary, rawHand);
console.log(`growth 1,000 -> 10,000 (raw, library): ${(raw10k.lm / raw1k.lm).toFixed(2)}x time for 10x the workloads (linear = 10.00x)`);
for (const [what, r] of [['to JSON', plus], ['to YAML', plusYaml]] as const) {
  console.log(`target cdk8s-plus-27 time ratio <= 1.05 (${what}): ${(r.lm / r.hm).toFixed(3)} ${r.lm / r.hm <= 1.05 ? 'met' : 'NOT met'}`);
}
if (!plus.same || !raw1k.same) {
  console.error('the library and the hand-written scenario do not produce the same manifests');
  process.exitCode = 1;
}
