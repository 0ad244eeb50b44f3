/**
 * The bad-input guard (issue 10, section 4): builds a built-in sidecar from a base set of
 * props with one prop replaced, composes it on Kubernetes (cdk8s), ECS Fargate or ACI,
 * synthesizes with the repository's validators, and classifies what happened:
 * a catalogued error that names the construct path and the prop, or an output whose
 * generated files are parsed back with each format's own parser.
 */
import { Construct } from 'constructs';
import * as YAML from 'yaml';
import { DaprSidecar, EnvoySidecar, FluentBitOutput, FluentBitSidecar, OpaSidecar, OtelCollectorSidecar, OtelInstrumentation, OtelInstrumentationLanguage, Sidecar, VaultAgentSidecar, VaultAuth, WaitCondition, XRayDaemonSidecar } from '../../src';
import { AciApp, AciContainerGroup, AciMemoryVolumeHandling } from '../../src/aci';
import { SidecarError } from '../../src/core/errors';
import { MemoryVolumeHandling, TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { synthGroup } from '../aci/util';
import { fargateTask, synthTemplate } from '../ecs/util';
import { newChart, rawDeployment, synth } from '../k8s/util';
import { parseClassic, validateFluentBitClassic } from '../validate/fluent-bit';
import { validateOtelCollectorConfig } from '../validate/otel-collector';
import { validateAgentConfig } from '../validate/vault';

export type Platform = 'k8s' | 'ecs' | 'aci';
export const PLATFORMS: Platform[] = ['k8s', 'ecs', 'aci'];

export interface Kind {
  readonly name: string;
  readonly make: (scope: Construct, id: string, props: any) => unknown;
  readonly base: any;
}

export const KINDS: { [name: string]: Kind } = {
  Sidecar: { name: 'Sidecar', make: (s, id, p) => new Sidecar(s, id, p), base: { image: 'ghcr.io/acme/agent:1.0.0' } },
  VaultAgentSidecar: {
    name: 'VaultAgentSidecar',
    make: (s, id, p) => new VaultAgentSidecar(s, id, p),
    base: {
      address: 'https://vault.vault.svc:8200',
      auth: [VaultAuth.kubernetes({ role: 'shop-api' }), VaultAuth.aws({ role: 'shop-api-ecs' }), VaultAuth.azure({ role: 'shop-api-aci' })],
      secrets: [{ path: 'secret/data/shop/db', file: 'db.json' }],
    },
  },
  OpaSidecar: { name: 'OpaSidecar', make: (s, id, p) => new OpaSidecar(s, id, p), base: {} },
  FluentBitSidecar: { name: 'FluentBitSidecar', make: (s, id, p) => new FluentBitSidecar(s, id, p), base: { outputs: [FluentBitOutput.loki({ host: 'loki.monitoring.svc' })] } },
  OtelCollectorSidecar: { name: 'OtelCollectorSidecar', make: (s, id, p) => new OtelCollectorSidecar(s, id, p), base: { otlpExporters: [{ endpoint: 'https://otlp.vendor.example:4317' }], appWaitsFor: WaitCondition.STARTED } },
  OtelInstrumentation: { name: 'OtelInstrumentation', make: (s, id, p) => new OtelInstrumentation(s, id, p), base: { language: OtelInstrumentationLanguage.JAVA } },
  DaprSidecar: { name: 'DaprSidecar', make: (s, id, p) => new DaprSidecar(s, id, p), base: { appId: 'orders', appPort: 8080, appWaitsFor: WaitCondition.STARTED } },
  XRayDaemonSidecar: { name: 'XRayDaemonSidecar', make: (s, id, p) => new XRayDaemonSidecar(s, id, p), base: { region: 'eu-west-1' } },
  EnvoySidecar: { name: 'EnvoySidecar', make: (s, id, p) => new EnvoySidecar(s, id, p), base: { redirect: false } },
};

/** The declared kind of a prop. */
export type PropKind = 'string' | 'number' | 'boolean' | 'enum' | 'array' | 'map' | 'object';

const HUGE = 'a'.repeat(100_000);
/** Values of the wrong runtime type (and boundaries) for a prop of each declared kind. */
export const WRONG: { [k in PropKind]: Array<[string, unknown]> } = {
  string: [['null', null], ['number', 42], ['object', {}], ['array', ['x']], ['boolean', true], ['NaN', NaN], ['empty', ''], ['huge', HUGE]],
  number: [['null', null], ['string', '80'], ['object', {}], ['array', [1]], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity], ['-1', -1], ['0', 0], ['1.5', 1.5], ['1e21', 1e21], ['2^31', 2 ** 31]],
  boolean: [['null', null], ['"false"', 'false'], ['"no"', 'no'], ['0', 0], ['1', 1], ['object', {}]],
  enum: [['null', null], ['"BOGUS"', 'BOGUS'], ['number', 42], ['object', {}], ['array', []], ['huge', HUGE]],
  array: [['null', null], ['" "', ' '], ['object', {}], ['number', 1e21], ['[null]', [null]], ['[42]', [42]], ['[undefined]', [undefined]]],
  map: [['null', null], ['" "', ' '], ['array', ['x']], ['number', 42], ['{k:null}', { K: null }], ['{k:42}', { K: 42 }], ['{k:{}}', { K: {} }]],
  object: [['null', null], ['" "', ' '], ['array', []], ['number', 42], ['{x:NaN}', { x: NaN }]],
};

/** Strings that carry each target format's special characters. */
export const SPECIALS: Array<[string, string]> = [
  ['newline', 'a\nb'], ['quote', 'a"b'], ['single quote', "a'b"], ['${', 'a${b}'], ['%{', 'a%{b}'], ['#', 'a # b'], ['colon', 'a: b'],
  ['[', '[OUTPUT]'], ['@INCLUDE', '@INCLUDE /etc/passwd'], ['..', '../../etc/passwd'], ['backslash', 'a\\b'],
  ['yaml 1.1 octal', '0o17'], ['yaml bool', 'yes'], ['leading space', ' a'], ['section injection', 'x\n[OUTPUT]\n    name http\n    host evil.example.com'],
];

/** A parsed generated file or manifest, by where it came from. */
export interface Output { readonly docs: Array<{ where: string; value: unknown }> }

export type Outcome =
  | { kind: 'error'; error: SidecarError; path: string }
  | { kind: 'output'; output: Output; path: string }
  | { kind: 'crash'; error: unknown; path: string };

const ID = 'sc';

/** Parses a generated file with its format's own parser (by file name). */
async function parseFile(name: string, text: string): Promise<unknown> {
  if (/\.hcl$/.test(name)) { return validateAgentConfig(text); }
  if (/\.ya?ml$/.test(name)) {
    const doc = YAML.parse(text);
    if (doc && typeof doc === 'object' && 'receivers' in doc && 'exporters' in doc && 'service' in doc) {
      // A collector configuration: confmap reads `$$` as a literal `$` (test/validate/otel-collector.ts).
      validateOtelCollectorConfig(text);
      return unDollar(doc);
    }
    return doc;
  }
  if (/\.json$/.test(name)) { try { return JSON.parse(text); } catch { return text; } }
  if (/\.conf$/.test(name)) {
    validateFluentBitClassic(text);
    return parseClassic(text).map(s => ({ section: s.name, entries: s.entries.map(([k, v]) => [k, v]) }));
  }
  return text;
}

function unDollar(v: any): any {
  if (typeof v === 'string') { return v.replace(/\$\$/g, '$'); }
  if (Array.isArray(v)) { return v.map(unDollar); }
  if (v && typeof v === 'object') { return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unDollar(x)])); }
  return v;
}

async function build(kind: Kind, props: any, platform: Platform): Promise<{ path: string; output: Output }> {
  const docs: Output['docs'] = [];
  if (platform === 'k8s') {
    const chart = newChart('web');
    const d = rawDeployment(chart, 'api');
    const path = `${chart.node.path}/${ID}`;
    const sc: any = kind.make(chart, ID, props);
    WorkloadSidecars.of(d).add(sc);
    const manifests = synth(chart);
    docs.push({ where: 'manifests', value: manifests });
    for (const m of manifests) {
      if (m.kind === 'ConfigMap') {
        for (const [k, v] of Object.entries<string>(m.data ?? {})) { docs.push({ where: `ConfigMap ${k}`, value: await parseFile(k, v) }); }
      }
      if (m.kind === 'Secret') {
        for (const [k, v] of Object.entries<string>(m.stringData ?? {})) { docs.push({ where: `Secret ${k}`, value: await parseFile(k, v) }); }
        for (const [k, v] of Object.entries<string>(m.data ?? {})) { docs.push({ where: `Secret ${k}`, value: await parseFile(k, Buffer.from(v, 'base64').toString('utf-8')) }); }
      }
    }
    return { path, output: { docs } };
  }
  if (platform === 'ecs') {
    const f = fargateTask();
    const path = `${f.stack.node.path}/${ID}`;
    const sc: any = kind.make(f.stack, ID, props);
    TaskSidecars.of(f.td, { memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }).add(sc);
    const template = synthTemplate(f.stack);
    docs.push({ where: 'template', value: template });
    for (const td of Object.values<any>(template.Resources).filter(r => r.Type === 'AWS::ECS::TaskDefinition')) {
      for (const c of td.Properties.ContainerDefinitions) {
        const script = [...(c.EntryPoint ?? []), ...(c.Command ?? [])].join('\n');
        for (const m of script.matchAll(/"\$(CDK_SIDECARS_FILE_\d+)" \| base64 -d > '([^']+)'/g)) {
          const env = (c.Environment ?? []).find((e: any) => e.Name === m[1]);
          if (env && typeof env.Value === 'string') { docs.push({ where: `file ${m[2]}`, value: await parseFile(m[2], Buffer.from(env.Value, 'base64').toString('utf-8')) }); }
        }
      }
    }
    return { path, output: { docs } };
  }
  const app = new AciApp();
  const path = ID;
  const sc: any = kind.make(app, ID, props);
  const group = new AciContainerGroup(app, 'shop', {
    containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] }],
    identity: { systemAssigned: true },
    memoryVolumes: AciMemoryVolumeHandling.DISK,
  });
  group.addSidecars(sc);
  const { arm, text } = synthGroup(group);
  docs.push({ where: 'arm', value: arm }, { where: 'yaml', value: YAML.parse(text) });
  for (const v of arm.resources[0].properties.volumes ?? []) {
    for (const [k, b64] of Object.entries<string>(v.secret ?? {})) { docs.push({ where: `secret ${k}`, value: await parseFile(k, Buffer.from(b64, 'base64').toString('utf-8')) }); }
  }
  return { path, output: { docs } };
}

/** Builds and composes; never throws. */
export async function attempt(kind: Kind, props: any, platform: Platform): Promise<Outcome> {
  const expectedPath = platform === 'k8s' ? `web/${ID}` : platform === 'ecs' ? `Shop/${ID}` : ID;
  try {
    const { path, output } = await build(kind, props, platform);
    return { kind: 'output', output, path };
  } catch (e) {
    if (e instanceof SidecarError) { return { kind: 'error', error: e, path: expectedPath }; }
    return { kind: 'crash', error: e, path: expectedPath };
  }
}

/** Every string leaf of a parsed value (keys included). */
export function leaves(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') { out.push(value); } else if (Array.isArray(value)) { value.forEach(v => leaves(v, out)); } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) { out.push(k); leaves(v, out); }
  }
  return out;
}

/** Whether `want` is a string leaf of any parsed output (exactly, or in one of the given shapes). */
export function parsesBack(output: Output, want: string[]): boolean {
  const all = new Set(output.docs.flatMap(d => leaves(d.value)));
  return want.some(w => all.has(w));
}

export function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message.slice(0, 300)}` : String(e);
}

/** The counts of a guard file (the closing notes quote them). */
export interface GuardCounts { cases: number; clearErrors: number; parsedBack: number; validOutputs: number; todo: number }

export function newCounts(): GuardCounts {
  return { cases: 0, clearErrors: 0, parsedBack: 0, validOutputs: 0, todo: 0 };
}

/**
 * What a case must end in: a catalogued error naming the construct path and the prop, or an
 * output that parses back to the value given (`want`). Returns a failure description, or undefined.
 */
export function judge(counts: GuardCounts, o: Outcome, prop: string, want?: string[]): string | undefined {
  if (o.kind === 'crash') { return `crash: ${describeError(o.error)}`; }
  if (o.kind === 'error') {
    const m = o.error.message;
    if (!m.includes(`${o.path}:`) && !m.includes(`${o.path} `)) { return `error without the construct path ${o.path}: ${m.slice(0, 300)}`; }
    if (!m.includes(prop)) { return `error without the prop ${prop}: ${m.slice(0, 300)}`; }
    counts.clearErrors++;
    return undefined;
  }
  if (want && !parsesBack(o.output, want)) { return `output does not parse back to ${JSON.stringify(want[0]).slice(0, 80)}`; }
  if (want) { counts.parsedBack++; } else { counts.validOutputs++; }
  return undefined;
}
