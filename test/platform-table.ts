/**
 * The README's table "What each platform honours, warns about or refuses" (issue 15): each row is
 * one sidecar configuration, built once under a construct of no platform, composed with a plain
 * app container onto each of the five platforms, synthesized and checked by the platform's
 * validator. A cell is `honoured` (no warning), `warned` (the binder's warnings) or `refused`
 * (a catalogued error, by its code). See test/platform-table.test.ts.
 */
import { Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cdk8s from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  DaprSidecar, EnvoySidecar, FluentBitFilter, FluentBitSidecar, FluentBitOutput, ISidecar, OpaSidecar, OtelCollectorSidecar, OtelInstrumentation,
  OtelInstrumentationLanguage, PortExposure, Probe, Sidecar, StartupRole, VaultAgentSidecar, VaultAuth, VolumeKind, XRayDaemonSidecar,
} from '../src';
import { AciApp, AciContainerGroup, AciMemoryVolumeHandling } from '../src/aci';
import { CloudRunApp, CloudRunService } from '../src/cloudrun';
import { ComposeApp, ComposeProject } from '../src/compose';
import { SidecarError } from '../src/core/errors';
import { MemoryVolumeHandling, SecretSource, TaskSidecars } from '../src/ecs';
import { WorkloadSidecars } from '../src/k8s';
import { synthGroup } from './aci/util';
import { synthService } from './cloudrun/util';
import { fargateTask, synthTemplate, warnings as ecsWarnings } from './ecs/util';
import { synth as synthChart } from './k8s/util';
import { validateComposeYaml } from './validate/compose';

/** The columns, in the README's order. */
export const PLATFORMS = ['Kubernetes', 'ECS Fargate', 'ACI', 'Docker Compose', 'Cloud Run'] as const;
export type Platform = typeof PLATFORMS[number];

export interface Row {
  /** The first column: the sidecar, as its class is named. */
  readonly sidecar: string;
  /** The second column: the configuration, in a few words. */
  readonly configuration: string;
  /** What a user writes, under `scope` (a construct of no platform). */
  readonly make: (scope: Construct) => ISidecar[];
  /**
   * Where a platform refuses the row as written and the README's cell names an option of the
   * platform's binder as the fix: those options (TaskSidecarsOptions, AciContainerGroupProps,
   * ComposeProjectProps, CloudRunServiceProps; given the ECS stack), with which the row must no longer be refused.
   */
  readonly alternatives?: { readonly [platform in Platform]?: (stack: Stack) => object };
}

export interface Outcome {
  readonly status: 'honoured' | 'warned' | 'refused';
  /** The ErrorCode of a refusal. */
  readonly code?: string;
  /** The message of a refusal, or the binder's warnings. */
  readonly messages: string[];
}

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/approle-AbCdEf';
const opaPolicy = { 'authz.rego': 'package authz\n\nimport rego.v1\n\ndefault allow := false\n' };
const vault = (scope: Construct, extra: object = {}) => new VaultAgentSidecar(scope, 'vault', {
  address: 'https://vault.example.com:8200',
  // The method of each platform's own identity, AppRole where there is none (Compose).
  auth: [VaultAuth.kubernetes({ role: 'shop' }), VaultAuth.aws({ role: 'shop' }), VaultAuth.azure({ role: 'shop' }), VaultAuth.gcp({ role: 'shop' }),
    VaultAuth.appRole({ secretName: 'approle' })],
  secrets: [{ path: 'secret/data/shop/db', file: 'db.json' }],
  ...extra,
});

/** The rows, in the README's order. */
export const ROWS: Row[] = [
  { sidecar: 'EnvoySidecar', configuration: 'defaults (transparent interception: redirect init)', make: s => [new EnvoySidecar(s, 'envoy')] },
  { sidecar: 'EnvoySidecar', configuration: '`redirect: false` (explicit proxy)', make: s => [new EnvoySidecar(s, 'envoy', { redirect: false })] },
  {
    sidecar: 'VaultAgentSidecar',
    configuration: 'one `auth` per platform (kubernetes, aws, azure, gcp, appRole), defaults (agent-init + agent, memory-backed volumes)',
    make: s => [vault(s)],
    alternatives: {
      'ECS Fargate': () => ({ memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }),
      'ACI': () => ({ memoryVolumes: AciMemoryVolumeHandling.DISK }),
    },
  },
  {
    sidecar: 'VaultAgentSidecar',
    configuration: 'one `auth` per platform, `prePopulate: false` (agent only)',
    make: s => [vault(s, { prePopulate: false })],
    alternatives: {
      'ECS Fargate': () => ({ memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }),
      'ACI': () => ({ memoryVolumes: AciMemoryVolumeHandling.DISK }),
    },
  },
  { sidecar: 'FluentBitSidecar', configuration: 'defaults: tails the app\'s log files (shared volume), stdout output', make: s => [new FluentBitSidecar(s, 'logs', { outputs: [FluentBitOutput.stdout()] })] },
  {
    sidecar: 'FluentBitSidecar',
    configuration: 'CloudWatch Logs output',
    make: s => [new FluentBitSidecar(s, 'logs', { outputs: [FluentBitOutput.cloudWatchLogs({ region: 'eu-west-1', logGroupName: '/shop/api' })] })],
  },
  {
    sidecar: 'FluentBitSidecar',
    configuration: '`FluentBitFilter.kubernetes()` (pod metadata)',
    make: s => [new FluentBitSidecar(s, 'logs', { filters: [FluentBitFilter.kubernetes()], outputs: [FluentBitOutput.stdout()] })],
  },
  { sidecar: 'OpaSidecar', configuration: 'policies in code', make: s => [new OpaSidecar(s, 'opa', { policies: opaPolicy })] },
  {
    sidecar: 'OpaSidecar',
    configuration: 'a bundle from a bundle service',
    make: s => [new OpaSidecar(s, 'opa', {
      services: [{ name: 'bundles', url: 'https://bundles.example.com' }],
      bundles: [{ name: 'authz', service: 'bundles', resource: 'bundles/authz.tar.gz' }],
    })],
  },
  { sidecar: 'OtelCollectorSidecar', configuration: 'debug exporter (app waits until healthy)', make: s => [new OtelCollectorSidecar(s, 'otel', { debugExporter: {} })] },
  {
    sidecar: 'OtelCollectorSidecar',
    configuration: 'with `OtelInstrumentation` (Java agent, an init step)',
    make: s => [new OtelCollectorSidecar(s, 'otel', { debugExporter: {} }), new OtelInstrumentation(s, 'otel-java', { language: OtelInstrumentationLanguage.JAVA })],
  },
  { sidecar: 'DaprSidecar', configuration: 'defaults (`appId`, `appPort`)', make: s => [new DaprSidecar(s, 'dapr', { appId: 'orders', appPort: 8080 })] },
  { sidecar: 'XRayDaemonSidecar', configuration: 'defaults (`region`)', make: s => [new XRayDaemonSidecar(s, 'xray', { region: 'eu-west-1' })] },
  {
    sidecar: 'Sidecar',
    configuration: 'long-running, HTTP readiness probe on an EXPOSED port',
    make: s => [new Sidecar(s, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', ports: [{ port: 9000, exposure: PortExposure.EXPOSED }], readinessProbe: Probe.httpGet({ port: 9000, path: '/ready' }), security: { uid: 20000 } })],
  },
  {
    sidecar: 'Sidecar',
    configuration: '`role: StartupRole.INIT_STEP`',
    make: s => [new Sidecar(s, 'prepare', { image: 'ghcr.io/acme/prepare:1.0.0', command: ['/prepare'], role: StartupRole.INIT_STEP, security: { uid: 20001 } })],
  },
  {
    sidecar: 'Sidecar',
    configuration: 'a MEMORY volume shared with the app',
    make: s => [new Sidecar(s, 'agent', {
      image: 'ghcr.io/acme/agent:1.0.0',
      security: { uid: 20000 },
      volumes: [{ name: 'cache', kind: VolumeKind.MEMORY, mountPath: '/cache', appMountPath: '/cache' }],
    })],
    alternatives: { 'ECS Fargate': () => ({ memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }), 'ACI': () => ({ memoryVolumes: AciMemoryVolumeHandling.DISK }) },
  },
  {
    sidecar: 'Sidecar',
    configuration: 'a SCRATCH volume with `sizeLimitMebibytes`',
    make: s => [new Sidecar(s, 'agent', {
      image: 'ghcr.io/acme/agent:1.0.0',
      security: { uid: 20000 },
      volumes: [{ name: 'spool', kind: VolumeKind.SCRATCH, mountPath: '/spool', sizeLimitMebibytes: 256 }],
    })],
  },
  {
    sidecar: 'Sidecar',
    configuration: 'a PERSISTENT_CLAIM volume',
    make: s => [new Sidecar(s, 'agent', {
      image: 'ghcr.io/acme/agent:1.0.0',
      security: { uid: 20000 },
      volumes: [{ name: 'data', kind: VolumeKind.PERSISTENT_CLAIM, claimName: 'agent-data', mountPath: '/data' }],
    })],
  },
  {
    sidecar: 'Sidecar',
    configuration: 'a secret environment variable (`secretEnv`)',
    make: s => [new Sidecar(s, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', security: { uid: 20000 }, secretEnv: { API_TOKEN: { secretName: 'agent', key: 'token' } } })],
    alternatives: { 'ECS Fargate': stack => ({ secrets: { agent: SecretSource.fromSecretsManager(secretsmanager.Secret.fromSecretCompleteArn(stack, 'agent', SECRET_ARN)) } }) },
  },
  {
    sidecar: 'Sidecar',
    configuration: 'a TCP readiness probe on an EXPOSED port',
    make: s => [new Sidecar(s, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', ports: [{ port: 9000, exposure: PortExposure.EXPOSED }], readinessProbe: Probe.tcpSocket({ port: 9000 }), security: { uid: 20000 } })],
  },
  {
    sidecar: 'Sidecar',
    configuration: 'an added capability (`NET_ADMIN`, as root)',
    make: s => [new Sidecar(s, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', security: { uid: 0, allowRootUser: true, addCapabilities: ['NET_ADMIN'] } })],
  },
  {
    sidecar: 'Sidecar',
    configuration: '`$(VAR)` of a literal variable in its args',
    make: s => [new Sidecar(s, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', env: { LEVEL: 'info' }, args: ['--level=$(LEVEL)'], security: { uid: 20000 } })],
  },
];

const APP_IMAGE = 'ghcr.io/acme/api:4.2.0';
const WARNING_PREFIX = '[cdk-sidecars] warning: ';

/** Composes `sidecars` with a plain app container on `platform`, synthesizes and validates; returns the binder's warnings. */
function compose(platform: Platform, sidecars: ISidecar[], alternative?: (stack: Stack) => object): string[] {
  // Options of the binders other than ECS's need no scope.
  const options = () => (platform === 'ECS Fargate' ? {} : alternative?.(undefined as any) ?? {});
  switch (platform) {
    case 'Kubernetes': {
      if (alternative) { throw new Error('no alternative on Kubernetes'); }
      const chart = new cdk8s.Chart(cdk8s.Testing.app(), 'k8s');
      const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: APP_IMAGE, portNumber: 8080 }] });
      const ws = WorkloadSidecars.of(d).add(...sidecars);
      synthChart(chart);
      return ws.warnings;
    }
    case 'ECS Fargate': {
      const f = fargateTask();
      TaskSidecars.of(f.td, alternative?.(f.stack)).add(...sidecars);
      synthTemplate(f.stack);
      return ecsWarnings(f.stack);
    }
    case 'ACI': {
      const group = new AciContainerGroup(new AciApp(), 'api', { containers: [{ name: 'api', image: APP_IMAGE, ports: [{ port: 8080 }] }], ...options() });
      group.addSidecars(...sidecars);
      synthGroup(group);
      return group.warnings;
    }
    case 'Docker Compose': {
      const project = new ComposeProject(new ComposeApp(), 'api', { services: [{ name: 'api', image: APP_IMAGE, ports: [{ port: 8080 }] }], ...options() }).add(...sidecars);
      validateComposeYaml(project.toYaml());
      return project.warnings;
    }
    case 'Cloud Run': {
      const service = new CloudRunService(new CloudRunApp(), 'api', { containers: [{ name: 'api', image: APP_IMAGE, port: 8080, cpuMillicores: 1000 }], ...options() }).add(...sidecars);
      synthService(service);
      return service.warnings;
    }
  }
}

/** What the composition does now, per row and platform. The sidecars of a row are built once. */
export function outcomes(rows: Row[] = ROWS, alternatives = false): Array<Array<Outcome | undefined>> {
  return rows.map(row => {
    const sidecars = row.make(new Construct(undefined as any, ''));
    return PLATFORMS.map(platform => {
      const alternative = alternatives ? row.alternatives?.[platform] : undefined;
      if (alternatives && !alternative) { return undefined; }
      // The binders' warnings: what they return, and any `[cdk-sidecars] warning:` printed to stderr.
      const write = process.stderr.write;
      const printed: string[] = [];
      process.stderr.write = ((chunk: unknown) => { printed.push(String(chunk)); return true; }) as any;
      try {
        const listed = compose(platform, sidecars, alternative);
        const messages = [...listed, ...printed.join('').split('\n')
          .filter(l => l.startsWith(WARNING_PREFIX)).map(l => l.slice(WARNING_PREFIX.length))
          .filter(m => !listed.includes(m))];
        return { status: messages.length ? 'warned' : 'honoured', messages } as Outcome;
      } catch (e) {
        if (e instanceof SidecarError) { return { status: 'refused', code: e.code, messages: [e.message] } as Outcome; }
        throw e;
      } finally {
        process.stderr.write = write;
      }
    });
  });
}

/** The heading of the README section that holds the table. */
export const SECTION = '## Platform support by sidecar';

export interface Cell {
  readonly status: Outcome['status'];
  readonly code?: string;
}

export interface ReadmeRow {
  readonly sidecar: string;
  readonly configuration: string;
  readonly cells: Cell[];
}

/** One cell: `honoured` (a remark may follow), `warned: <why>`, or `refused: <ERROR_CODE>, <fix>`; else a description of what is wrong. */
export function parseCell(text: string): Cell | string {
  if (/^honoured(\s|$)/.test(text)) { return { status: 'honoured' }; }
  if (/^warned: \S/.test(text)) { return { status: 'warned' }; }
  const refused = /^refused: `?([A-Z][A-Z_]*)`?, \S/.exec(text);
  if (refused) { return { status: 'refused', code: refused[1] }; }
  return `"${text}" is none of "honoured", "warned: <why>", "refused: <ERROR_CODE>, <fix>"`;
}

/** The table of the README's section: its rows, and what is malformed in it. */
export function parseTable(readme: string): { rows: ReadmeRow[]; problems: string[] } {
  const start = readme.indexOf(`\n${SECTION}\n`);
  if (start < 0) { return { rows: [], problems: [`no section "${SECTION}"`] }; }
  const lines = readme.slice(start + 1).split('\n');
  const end = lines.findIndex((l, i) => i > 0 && l.startsWith('## '));
  const table = lines.slice(0, end < 0 ? undefined : end).filter(l => l.startsWith('|'));
  const split = (l: string) => l.replace(/^\|/, '').replace(/\|$/, '').split('|').map(c => c.trim());
  const problems: string[] = [];
  const header = table.length ? split(table[0]) : [];
  const expected = ['Sidecar', 'Configuration', ...PLATFORMS];
  if (JSON.stringify(header) !== JSON.stringify(expected)) { problems.push(`the header is ${JSON.stringify(header)}, not ${JSON.stringify(expected)}`); }
  const rows: ReadmeRow[] = [];
  for (const line of table.slice(2)) {
    const cols = split(line);
    if (cols.length !== expected.length) { problems.push(`${line}: ${cols.length} columns, not ${expected.length}`); continue; }
    const [sidecar, configuration, ...texts] = cols;
    const cells: Cell[] = [];
    texts.forEach((t, i) => {
      const c = parseCell(t);
      if (typeof c === 'string') { problems.push(`${sidecar} | ${configuration} | ${PLATFORMS[i]}: ${c}`); } else { cells.push(c); }
    });
    if (cells.length === PLATFORMS.length) { rows.push({ sidecar: sidecar.replace(/`/g, ''), configuration, cells }); }
  }
  return { rows, problems };
}

const show = (c: Cell) => (c.code ? `${c.status} ${c.code}` : c.status);

/** Where the README's table and what the compositions do now differ, one line each. */
export function compareTable(readme: ReadmeRow[], rows: Row[], now: Array<Array<Outcome | undefined>>): string[] {
  const problems: string[] = [];
  const key = (r: { sidecar: string; configuration: string }) => `${r.sidecar} | ${r.configuration}`;
  const written = new Map(readme.map(r => [key(r), r]));
  if (written.size !== readme.length) { problems.push('a row appears twice in the README'); }
  rows.forEach((row, i) => {
    const r = written.get(key(row));
    if (!r) { problems.push(`${key(row)}: a row of the test missing from the README`); return; }
    written.delete(key(row));
    PLATFORMS.forEach((platform, j) => {
      const o = now[i][j]!;
      const actual: Cell = { status: o.status, code: o.code };
      if (show(actual) !== show(r.cells[j])) {
        problems.push(`${key(row)} | ${platform}: the README says ${show(r.cells[j])}, the composition is ${show(actual)}: ${o.messages.join(' / ')}`);
      }
    });
  });
  for (const k of written.keys()) { problems.push(`${k}: a row of the README the test does not build`); }
  return problems;
}
