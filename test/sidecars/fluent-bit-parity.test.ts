/**
 * Issue 13 (parity with the injectors, table 6a): tail knobs, multiline and line parsers,
 * filesystem buffering, grace, health thresholds, the filters and outputs added, and output
 * credentials from secrets, on each platform. Every generated config goes through the
 * independent validator (test/validate/fluent-bit.ts), which checks keys against the ones
 * Fluent Bit documents (test/validate/fluent-bit-keys.ts).
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as kplus from 'cdk8s-plus-27';
import {
  FluentBitConfigFormat, FluentBitDbSync, FluentBitFilter, FluentBitInput, FluentBitMultilineMode, FluentBitMultilineParser, FluentBitNestOperation,
  FluentBitOutput,
  FluentBitParser, FluentBitSidecar, FluentBitSidecarProps,
} from '../../src';
import { AciApp, AciContainerGroup } from '../../src/aci';
import { ErrorCode } from '../../src/core/errors';
import { SecretSource, TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { synthGroup } from '../aci/util';
import { container, fargateTask, synthTemplate, warnings } from '../ecs/util';
import { expectError } from '../errors';
import { findDoc, newChart, podOf, synth } from '../k8s/util';
import {
  fluentBitClassicErrors, fluentBitClassicParserErrors, fluentBitYamlErrors, parseClassic, splitRuleTokens,
  validateFluentBitClassic, validateFluentBitYaml,
} from '../validate/fluent-bit';

const STDOUT = FluentBitOutput.stdout();
const JAVA_RULES = FluentBitMultilineParser.regex({
  name: 'multiline_java_app',
  flushTimeoutMillis: 1000,
  rules: [
    { state: 'start_state', regex: '/^\\d{4}-\\d{2}-\\d{2} .*/', nextState: 'cont' },
    // a double quote inside a rule's regex, read back by the classic writer's quoting
    { state: 'cont', regex: '/^\\s+(at|Caused by:|"|\\.\\.\\.).*/', nextState: 'cont' },
  ],
});

function onDeployment(props: Partial<FluentBitSidecarProps> = {}) {
  const chart = newChart();
  const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
  WorkloadSidecars.of(d).add(new FluentBitSidecar(chart, 'logs', { outputs: [STDOUT], ...props }));
  const docs = synth(chart);
  const pod = podOf(findDoc(docs, 'Deployment'));
  const cm = docs.find(x => x.kind === 'ConfigMap' && x.metadata.name.endsWith('fluent-bit-config'));
  return { docs, pod, cm, fb: [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c: any) => c.name === 'fluent-bit') };
}

/** The classic files: main config (validated, with its parsers file) and parsers. */
function classicFiles(props: Partial<FluentBitSidecarProps>) {
  const { cm } = onDeployment({ configFormat: FluentBitConfigFormat.CLASSIC, ...props });
  const main = validateFluentBitClassic(cm.data['fluent-bit.conf']);
  const parsers = cm.data['parsers.conf'] ? validateFluentBitClassic(cm.data['parsers.conf']) : [];
  expect(fluentBitClassicParserErrors(cm.data['fluent-bit.conf'], cm.data['parsers.conf'])).toEqual([]);
  return { main, parsers, text: cm.data['fluent-bit.conf'] as string };
}

/** The FireLens include (pipeline.conf) as the config writer delivers it. */
const include = (t: any) => {
  const writer = container(t, 'cdk-sidecars-config');
  const variable = /"\$(CDK_SIDECARS_FILE_\d+)" \| base64 -d > '\/cdk-sidecars\/fluent-bit-config\/pipeline.conf'/.exec(writer.Command[0])![1];
  return Buffer.from(writer.Environment.find((e: any) => e.Name === variable).Value, 'base64').toString();
};

const entry = (sections: Array<{ name: string; entries: Array<[string, string]> }>, name: string, i = 0) =>
  Object.fromEntries(sections.filter(s => s.name === name)[i].entries);

describe('tail input knobs (rows 2-4, 6, 8-9, 11-15, 17-19)', () => {
  const tail = {
    excludePaths: ['*.gz', '*.zip'],
    tag: 'app.<file>',
    tagRegex: '(?<file>[a-z]+)\\.log$',
    dbSync: FluentBitDbSync.FULL,
    dbLocking: true,
    dbJournalMode: 'WAL',
    dbCompareFilename: true,
    bufferChunkSizeKibibytes: 64,
    bufferMaxSizeKibibytes: 256,
    skipEmptyLines: true,
    refreshIntervalSeconds: 10,
    rotateWaitSeconds: 30,
    readFromHead: true,
    ignoreOlderMinutes: 1440,
    parser: FluentBitParser.json({ timeKey: 'ts', timeFormat: '%Y-%m-%dT%H:%M:%S.%L%z' }),
    key: 'message',
    pathKey: 'file',
    offsetKey: 'offset',
    threaded: true,
  };
  const expected = {
    'name': 'tail',
    'tag': 'app.<file>',
    'tag_regex': '(?<file>[a-z]+)\\.log$',
    'path': '/var/log/app/*.log',
    'exclude_path': '*.gz,*.zip',
    'db': '/var/lib/fluent-bit/tail.db',
    'db.sync': 'full',
    'db.locking': 'on',
    'db.journal_mode': 'WAL',
    'db.compare_filename': 'on',
    'mem_buf_limit': '5MB',
    'buffer_chunk_size': '64k',
    'buffer_max_size': '256k',
    'skip_long_lines': 'on',
    'skip_empty_lines': 'on',
    'refresh_interval': 10,
    'rotate_wait': 30,
    'read_from_head': 'on',
    'ignore_older': '1440m',
    'parser': 'json',
    'key': 'message',
    'path_key': 'file',
    'offset_key': 'offset',
    'threaded': 'on',
  };

  test('YAML: every knob in the input, the parser defined in parsers:', () => {
    const doc = validateFluentBitYaml(onDeployment({ tail }).cm.data['fluent-bit.yaml']);
    expect(doc.pipeline.inputs).toEqual([expected]);
    expect(doc.parsers).toEqual([{ name: 'json', format: 'json', time_key: 'ts', time_format: '%Y-%m-%dT%H:%M:%S.%L%z' }]);
  });

  test('classic: the same values, the parser in parsers.conf loaded by parsers_file', () => {
    const { main, parsers } = classicFiles({ tail });
    expect(entry(main, 'INPUT')).toEqual(Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, String(v)])));
    expect(entry(main, 'SERVICE').parsers_file).toBe('/etc/cdk-sidecars/fluent-bit/parsers.conf');
    expect(entry(parsers, 'PARSER')).toEqual({ name: 'json', format: 'json', time_key: 'ts', time_format: '%Y-%m-%dT%H:%M:%S.%L%z' });
  });

  test('a regex line parser shared by tail and the parser filter is defined once', () => {
    const p = FluentBitParser.regex({ name: 'access', regex: '^(?<host>[^ ]+) (?<method>[A-Z]+) (?<path>[^ ]+)$' });
    const doc = validateFluentBitYaml(onDeployment({
      tail: { parser: p },
      filters: [FluentBitFilter.parser({ keyName: 'log', parsers: [p, FluentBitParser.logfmt()], reserveData: true })],
    }).cm.data['fluent-bit.yaml']);
    expect(doc.parsers.map((x: any) => x.name)).toEqual(['access', 'logfmt']);
    expect(doc.pipeline.filters).toEqual([{ name: 'parser', match: '*', key_name: 'log', reserve_data: 'on', parser: ['access', 'logfmt'] }]);
  });
});

describe('multiline (row 16, row 36): built-in and custom parsers, the multiline filter', () => {
  test('YAML: built-in and custom parsers on tail; the custom one in multiline_parsers with its rules', () => {
    const doc = validateFluentBitYaml(onDeployment({ tail: { multilineParsers: [FluentBitMultilineParser.docker(), FluentBitMultilineParser.cri(), JAVA_RULES] } }).cm.data['fluent-bit.yaml']);
    expect(doc.pipeline.inputs[0]['multiline.parser']).toBe('docker, cri, multiline_java_app');
    expect(doc.multiline_parsers).toEqual([{
      name: 'multiline_java_app',
      type: 'regex',
      flush_timeout: 1000,
      rules: [
        { state: 'start_state', regex: '/^\\d{4}-\\d{2}-\\d{2} .*/', next_state: 'cont' },
        { state: 'cont', regex: '/^\\s+(at|Caused by:|"|\\.\\.\\.).*/', next_state: 'cont' },
      ],
    }]);
  });

  test('classic: [MULTILINE_PARSER] rule lines split back (Fluent Bit\'s token reader) into exactly the states and regexes given', () => {
    const { parsers } = classicFiles({ tail: { multilineParsers: [FluentBitMultilineParser.go(), JAVA_RULES] } });
    const ml = parsers.find(s => s.name === 'MULTILINE_PARSER')!;
    expect(ml.entries.filter(([k]) => k === 'rule').map(([, v]) => splitRuleTokens(v))).toEqual([
      ['start_state', '/^\\d{4}-\\d{2}-\\d{2} .*/', 'cont'],
      ['cont', '/^\\s+(at|Caused by:|"|\\.\\.\\.).*/', 'cont'],
    ]);
    expect(Object.fromEntries(ml.entries.filter(([k]) => k !== 'rule'))).toEqual({ name: 'multiline_java_app', type: 'regex', flush_timeout: '1000' });
  });

  test('the multiline filter, parser mode and partial_message mode', () => {
    const doc = validateFluentBitYaml(onDeployment({
      filters: [
        FluentBitFilter.multiline({ parsers: [FluentBitMultilineParser.java(), FluentBitMultilineParser.python()], keyContent: 'log', flushMillis: 1000 }),
        FluentBitFilter.multiline({ mode: FluentBitMultilineMode.PARTIAL_MESSAGE }),
      ],
    }).cm.data['fluent-bit.yaml']);
    expect(doc.pipeline.filters).toEqual([
      { 'name': 'multiline', 'match': '*', 'mode': 'parser', 'multiline.parser': 'java, python', 'multiline.key_content': 'log', 'flush_ms': '1000' },
      { name: 'multiline', match: '*', mode: 'partial_message' },
    ]);
  });

  test('the validator catches a multiline parser that is named but not defined, and rules that do not chain', () => {
    const yaml = onDeployment({ tail: { multilineParsers: [JAVA_RULES] } }).cm.data['fluent-bit.yaml'] as string;
    expect(fluentBitYamlErrors(yaml.replace('multiline.parser: multiline_java_app', 'multiline.parser: nope'))).toEqual(['multiline parser "nope" is not defined']);
    expect(fluentBitYamlErrors(yaml.replace(/next_state: cont/g, 'next_state: elsewhere'))).toEqual(expect.arrayContaining([expect.stringContaining('goes to unknown state "elsewhere"')]));
  });
});

describe('filters parser, record_modifier, nest, throttle, rewrite_tag, lua (row 36)', () => {
  const filters = [
    FluentBitFilter.recordModifier({ records: { cluster: 'eu 1' }, removeKeys: ['password'] }),
    FluentBitFilter.nest({ operation: FluentBitNestOperation.NEST, wildcards: ['http_*'], nestUnder: 'http', removePrefix: 'http_' }),
    FluentBitFilter.nest({ operation: FluentBitNestOperation.LIFT, nestedUnder: 'kv' }),
    FluentBitFilter.throttle({ rate: 800, window: 3, intervalSeconds: 1 }),
    FluentBitFilter.rewriteTag({ rules: [{ key: '$level', regex: '^(ERROR|FATAL)$', newTag: 'errors.$TAG', keep: true }] }),
    FluentBitFilter.lua({ code: 'function cb(tag, ts, record) record["x"] = 1 return 1, ts, record end', call: 'cb' }),
  ];
  const expected = [
    { name: 'record_modifier', match: '*', record: 'cluster "eu 1"', remove_key: 'password' },
    { name: 'nest', match: '*', operation: 'nest', nest_under: 'http', remove_prefix: 'http_', wildcard: 'http_*' },
    { name: 'nest', match: '*', operation: 'lift', nested_under: 'kv' },
    { name: 'throttle', match: '*', rate: '800', window: '3', interval: '1s' },
    { name: 'rewrite_tag', match: '*', rule: '$level ^(ERROR|FATAL)$ errors.$TAG true' },
    { name: 'lua', match: '*', code: 'function cb(tag, ts, record) record["x"] = 1 return 1, ts, record end', call: 'cb' },
  ];
  test('YAML', () => {
    expect(validateFluentBitYaml(onDeployment({ filters }).cm.data['fluent-bit.yaml']).pipeline.filters).toEqual(expected);
  });
  test('a record value with spaces reads back whole (record is split like an SLIST: key, then the last token)', () => {
    const filter = validateFluentBitYaml(onDeployment({ filters: [FluentBitFilter.recordModifier({ records: { cluster: 'eu 1 "x"' } })] }).cm.data['fluent-bit.yaml']).pipeline.filters[0];
    expect(splitRuleTokens(filter.record)).toEqual(['cluster', 'eu 1 "x"']);
  });
  test('classic', () => {
    const { main } = classicFiles({ filters });
    expect(main.filter(s => s.name === 'FILTER').map(s => Object.fromEntries(s.entries))).toEqual(expected);
  });
});

describe('lua filter with a script file (row 36)', () => {
  const script = 'function cb(tag, ts, record)\n  record["source"] = "shop"\n  return 1, ts, record\nend\n';
  test('Kubernetes: the script is a file of the config volume, the filter points at it; the code parses back whole', () => {
    const { cm } = onDeployment({ filters: [FluentBitFilter.grep({ regex: { log: 'x' } }), FluentBitFilter.lua({ script, call: 'cb' })] });
    expect(cm.data['filter-1.lua']).toBe(script);
    expect(validateFluentBitYaml(cm.data['fluent-bit.yaml']).pipeline.filters[1]).toEqual({ name: 'lua', match: '*', call: 'cb', script: '/etc/cdk-sidecars/fluent-bit/filter-1.lua' });
  });
  test('ECS: the config writer writes the script beside pipeline.conf', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new FluentBitSidecar(f.stack, 'logs', { outputs: [STDOUT], filters: [FluentBitFilter.lua({ script, call: 'cb' })] }));
    const t = synthTemplate(f.stack);
    const writer = container(t, 'cdk-sidecars-config');
    const variable = /"\$(CDK_SIDECARS_FILE_\d+)" \| base64 -d > '\/cdk-sidecars\/fluent-bit-config\/filter-0.lua'/.exec(writer.Command[0])![1];
    expect(Buffer.from(writer.Environment.find((e: any) => e.Name === variable).Value, 'base64').toString()).toBe(script);
    expect(entry(validateFluentBitClassic(include(t)), 'FILTER').script).toBe('/etc/cdk-sidecars/fluent-bit/filter-0.lua');
  });
});

describe('filesystem buffering (rows 20, 26-28) and service knobs (rows 22, 25, 30, 32)', () => {
  const props: Partial<FluentBitSidecarProps> = {
    storage: {
      sizeLimitMebibytes: 1024,
      sync: 'full',
      checksum: true,
      backlogMemLimitMebibytes: 20,
      maxChunksUp: 64,
      backlogFlushOnShutdown: true,
      metrics: true,
      keepRejected: true,
      deleteIrrecoverableChunks: true,
      pauseOnChunksOverlimit: true,
    },
    outputs: [FluentBitOutput.loki({ host: 'loki', storageTotalLimitSizeMebibytes: 500, workers: 2 })],
    graceSeconds: 25,
    healthCheck: { errorsCount: 3, retryFailureCount: 2, periodSeconds: 30 },
    schedulerBaseSeconds: 3,
    schedulerCapSeconds: 300,
    dnsMode: 'TCP',
    dnsResolver: 'LEGACY',
    dnsPreferIpv4: true,
  };
  const service = {
    'grace': 25,
    'hc_errors_count': 3,
    'hc_retry_failure_count': 2,
    'hc_period': 30,
    'scheduler.base': 3,
    'scheduler.cap': 300,
    'dns.mode': 'TCP',
    'dns.resolver': 'LEGACY',
    'dns.prefer_ipv4': 'on',
    'storage.path': '/var/lib/fluent-bit-storage/',
    'storage.sync': 'full',
    'storage.checksum': 'on',
    'storage.backlog.mem_limit': '20M',
    'storage.max_chunks_up': 64,
    'storage.backlog.flush_on_shutdown': 'on',
    'storage.metrics': 'on',
    'storage.keep.rejected': 'on',
    'storage.delete_irrecoverable_chunks': 'on',
  };

  test('Kubernetes YAML: service, input and output settings; the chunks on a size-limited scratch volume; termination grace = grace + 5 per native sidecar', () => {
    const { cm, pod, fb } = onDeployment(props);
    const doc = validateFluentBitYaml(cm.data['fluent-bit.yaml']);
    expect(doc.service).toMatchObject(service);
    expect(doc.pipeline.inputs[0]).toMatchObject({ 'storage.type': 'filesystem', 'storage.pause_on_chunks_overlimit': 'on' });
    expect(doc.pipeline.outputs[0]).toMatchObject({ 'storage.total_limit_size': '500M', 'workers': 2 });
    expect(pod.spec.volumes).toEqual(expect.arrayContaining([{ name: 'fluent-bit-storage', emptyDir: { sizeLimit: '1024Mi' } }]));
    expect(fb.volumeMounts).toEqual(expect.arrayContaining([{ name: 'fluent-bit-storage', mountPath: '/var/lib/fluent-bit-storage', readOnly: false }]));
    // native sidecars stop after the app: the app's 30 s + Fluent Bit's 25 + 5
    expect(pod.spec.terminationGracePeriodSeconds).toBe(60);
  });

  test('classic: the same service settings', () => {
    const { main } = classicFiles(props);
    expect(entry(main, 'SERVICE')).toMatchObject(Object.fromEntries(Object.entries(service).map(([k, v]) => [k, String(v)])));
    expect(entry(main, 'INPUT')['storage.type']).toBe('filesystem');
  });

  test('the default grace is Fluent Bit\'s 5 s, and the container keeps 10 s', () => {
    const { cm, pod } = onDeployment();
    expect(validateFluentBitYaml(cm.data['fluent-bit.yaml']).service.grace).toBe(5);
    expect(pod.spec.terminationGracePeriodSeconds).toBe(40);
  });

  test('ECS: the include carries the [SERVICE] section (the generated main config has none), so flush, log level, grace, health and storage apply; stopTimeout = graceSeconds + 5', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new FluentBitSidecar(f.stack, 'logs', { ...props, outputs: [STDOUT], flushSeconds: 3, logLevel: 'debug' }));
    const t = synthTemplate(f.stack);
    expect(container(t, 'fluent-bit').StopTimeout).toBe(30);
    const sections = validateFluentBitClassic(include(t));
    expect(sections.map(s => s.name)).toEqual(['SERVICE', 'INPUT', 'OUTPUT']);
    expect(entry(sections, 'SERVICE')).toMatchObject({ flush: '3', log_level: 'debug', ...Object.fromEntries(Object.entries(service).map(([k, v]) => [k, String(v)])) });
    expect(entry(sections, 'INPUT')['storage.type']).toBe('filesystem');
    expect(container(t, 'fluent-bit').MountPoints).toEqual(expect.arrayContaining([{ SourceVolume: 'fluent-bit-storage', ContainerPath: '/var/lib/fluent-bit-storage', ReadOnly: false }]));
    expect(warnings(f.stack).join('\n')).not.toContain('graceSeconds');
  });

  test('ECS Fargate: a stop timeout above 120 s is an error naming graceSeconds', () => {
    const g = fargateTask();
    TaskSidecars.of(g.td).add(new FluentBitSidecar(g.stack, 'logs', { outputs: [STDOUT], graceSeconds: 116 }));
    expectError(() => Template.fromStack(g.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/logs: graceSeconds 116 cannot be rendered', 'Set graceSeconds to at most 115');
  });

  test('ACI: the storage volume is an emptyDir, the config validates', () => {
    const app = new AciApp();
    const group = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] }] });
    group.addSidecars(new FluentBitSidecar(app, 'logs', { outputs: [STDOUT], storage: {} }));
    const { resource } = synthGroup(group);
    expect(resource.properties.volumes.find((v: any) => v.name === 'fluent-bit-storage')).toEqual({ name: 'fluent-bit-storage', emptyDir: {} });
    const cfg = resource.properties.volumes.find((v: any) => v.name === 'fluent-bit-config').secret;
    expect(validateFluentBitYaml(Buffer.from(cfg['fluent-bit.yaml'], 'base64').toString()).service['storage.path']).toBe('/var/lib/fluent-bit-storage/');
  });
});

describe('outputs with credentials from secrets (rows 40-46, 48-50)', () => {
  const pw = { secretName: 'es-creds', key: 'password' };
  const outputs = [
    FluentBitOutput.elasticsearch({ host: 'es.example.com', httpUser: 'fluent', httpPassword: pw, logstashFormat: true, logstashPrefix: 'shop', replaceDots: true }),
    FluentBitOutput.http({ host: 'collector.example.com', headers: { 'X-Source': 'shop' }, secretHeaders: { 'X-Api-Key': { secretName: 'http-creds', key: 'api-key' } }, compress: 'gzip' }),
  ];

  test('Kubernetes: secretKeyRef env in the Fluent Bit container only; the config refers to it as ${NAME}', () => {
    const { cm, pod, fb } = onDeployment({ outputs });
    expect(fb.env).toEqual(expect.arrayContaining([
      { name: 'FLB_OUTPUT_0_SECRET_0', valueFrom: { secretKeyRef: { name: 'es-creds', key: 'password' } } },
      { name: 'FLB_OUTPUT_1_SECRET_0', valueFrom: { secretKeyRef: { name: 'http-creds', key: 'api-key' } } },
    ]));
    expect(JSON.stringify(pod.spec.containers.find((c: any) => c.name === 'api'))).not.toContain('FLB_OUTPUT');
    const doc = validateFluentBitYaml(cm.data['fluent-bit.yaml']);
    expect(doc.pipeline.outputs[0]).toMatchObject({
      name: 'es', http_user: 'fluent', http_passwd: '${FLB_OUTPUT_0_SECRET_0}', logstash_format: 'on', logstash_prefix: 'shop', replace_dots: 'on',
    });
    expect(doc.pipeline.outputs[0].index).toBeUndefined();
    expect(doc.pipeline.outputs[1]).toMatchObject({ name: 'http', header: ['X-Source shop', 'X-Api-Key ${FLB_OUTPUT_1_SECRET_0}'], compress: 'gzip' });
    // and the secret value never appears in the ConfigMap
    const { main } = classicFiles({ outputs });
    expect(entry(main, 'OUTPUT', 0).http_passwd).toBe('${FLB_OUTPUT_0_SECRET_0}');
    expect(main.filter(s => s.name === 'OUTPUT')[1].entries.filter(([k]) => k === 'header')).toEqual([['header', 'X-Source shop'], ['header', 'X-Api-Key ${FLB_OUTPUT_1_SECRET_0}']]);
  });

  test('ECS: the router container gets the secrets from the task\'s secret sources; the FireLens include refers to them', () => {
    const f = fargateTask();
    const esSecret = new secretsmanager.Secret(f.stack, 'Es');
    const httpSecret = new secretsmanager.Secret(f.stack, 'Http');
    TaskSidecars.of(f.td, { secrets: { 'es-creds': SecretSource.fromSecretsManager(esSecret), 'http-creds': SecretSource.fromSecretsManager(httpSecret) } })
      .add(new FluentBitSidecar(f.stack, 'logs', { outputs }));
    const t = synthTemplate(f.stack);
    const router = container(t, 'fluent-bit');
    expect(router.Secrets.map((s: any) => s.Name).sort()).toEqual(['FLB_OUTPUT_0_SECRET_0', 'FLB_OUTPUT_1_SECRET_0']);
    expect(container(t, 'app').Secrets).toBeUndefined();
    const writer = container(t, 'cdk-sidecars-config');
    const variable = /"\$(CDK_SIDECARS_FILE_\d+)" \| base64 -d > '\/cdk-sidecars\/fluent-bit-config\/pipeline.conf'/.exec(writer.Command[0])![1];
    const text = Buffer.from(writer.Environment.find((e: any) => e.Name === variable).Value, 'base64').toString();
    const sections = validateFluentBitClassic(text);
    expect(entry(sections, 'OUTPUT', 0).http_passwd).toBe('${FLB_OUTPUT_0_SECRET_0}');
  });

  test('ECS: a secret with no source in the task is the catalogued error naming it', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new FluentBitSidecar(f.stack, 'logs', { outputs }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.MISSING_SECRET_SOURCE, 'takes secret "es-creds"');
  });

  test('ACI: secure environment values from ARM secure parameters', () => {
    const app = new AciApp();
    const group = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] }] });
    group.addSidecars(new FluentBitSidecar(app, 'logs', { outputs }));
    const { resource } = synthGroup(group);
    const fb = resource.properties.containers.find((c: any) => c.name === 'fluent-bit');
    const env = fb.properties.environmentVariables.filter((e: any) => e.name.startsWith('FLB_OUTPUT'));
    expect(env.map((e: any) => e.name)).toEqual(['FLB_OUTPUT_0_SECRET_0', 'FLB_OUTPUT_1_SECRET_0']);
    expect(env.every((e: any) => /^\[parameters\('.+'\)\]$/.test(e.secureValue) && e.value === undefined)).toBe(true);
    expect(JSON.stringify(resource.properties.containers.find((c: any) => c.name === 'api'))).not.toContain('FLB_OUTPUT');
  });

  test('every new output renders documented keys, in both formats', () => {
    const key = (k: string) => ({ secretName: 'backend', key: k });
    const all = [
      FluentBitOutput.elasticsearch({ cloudId: 'shop:ZXUtd2VzdC0x', cloudAuth: key('cloud-auth'), apiKey: key('api-key') }),
      FluentBitOutput.opensearch({ host: 'search-shop.eu-west-1.es.amazonaws.com', awsAuth: true, awsRegion: 'eu-west-1', awsRoleArn: 'arn:aws:iam::123456789012:role/os' }),
      FluentBitOutput.loki({ host: 'loki', tenantId: 'shop', bearerToken: key('loki-token'), labelKeys: ['$level', '$kubernetes[\'pod_name\']'], lineFormat: 'key_value' }),
      FluentBitOutput.cloudWatchLogs({ region: 'eu-west-1', logGroupName: '/shop', logStreamName: 'api', autoCreateGroup: true, logRetentionDays: 30, logFormat: 'json/emf' }),
      FluentBitOutput.s3({ bucket: 'shop-logs', region: 'eu-west-1', s3KeyFormat: '/logs/$TAG/%Y/%m/%d/$UUID.gz', compression: 'gzip' }),
      FluentBitOutput.forward({ host: 'fluentd', sharedKey: key('shared'), selfHostname: 'shop', tls: true, tlsVerify: true }),
      FluentBitOutput.openTelemetry({ host: 'otel-collector', secretHeaders: { Authorization: key('otlp-auth') } }),
      FluentBitOutput.datadog({ apiKey: key('dd'), service: 'shop', source: 'java', tags: 'env:prod,team:x' }),
      FluentBitOutput.splunk({ host: 'splunk', token: key('hec'), index: 'main' }),
      FluentBitOutput.kafka({ brokers: ['b1:9092', 'b2:9092'], topics: ['logs'], saslUsername: 'shop', saslPassword: key('kafka') }),
      FluentBitOutput.kinesisFirehose({ region: 'eu-west-1', deliveryStream: 'logs' }),
      FluentBitOutput.kinesisStreams({ region: 'eu-west-1', stream: 'logs' }),
      FluentBitOutput.azureLogAnalytics({ customerId: '00000000-0000-0000-0000-000000000000', sharedKey: key('la') }),
      FluentBitOutput.azureBlob({ accountName: 'shoplogs', sharedKey: key('blob'), containerName: 'logs' }),
      FluentBitOutput.stackdriver({ resource: 'k8s_container', exportToProjectId: 'shop-prod', labels: { team: 'payments' } }),
    ];
    const { cm } = onDeployment({ outputs: all });
    const doc = validateFluentBitYaml(cm.data['fluent-bit.yaml']);
    expect(doc.pipeline.outputs.map((o: any) => o.name)).toEqual(['es', 'opensearch', 'loki', 'cloudwatch_logs', 's3', 'forward', 'opentelemetry', 'datadog', 'splunk', 'kafka',
      'kinesis_firehose', 'kinesis_streams', 'azure', 'azure_blob', 'stackdriver']);
    const byName = (n: string) => doc.pipeline.outputs.find((o: any) => o.name === n);
    expect(byName('es')).toMatchObject({ cloud_id: 'shop:ZXUtd2VzdC0x', cloud_auth: '${FLB_OUTPUT_0_SECRET_1}', http_api_key: '${FLB_OUTPUT_0_SECRET_0}' });
    expect(byName('es').host).toBeUndefined();
    expect(byName('opensearch')).toMatchObject({ aws_auth: 'on', aws_region: 'eu-west-1', aws_role_arn: 'arn:aws:iam::123456789012:role/os', port: 443 });
    expect(byName('loki')).toMatchObject({ tenant_id: 'shop', bearer_token: '${FLB_OUTPUT_2_SECRET_0}', label_keys: '$level,$kubernetes[\'pod_name\']', line_format: 'key_value' });
    expect(byName('cloudwatch_logs')).toMatchObject({ log_stream_name: 'api', log_retention_days: 30, log_format: 'json/emf' });
    expect(byName('cloudwatch_logs').log_stream_prefix).toBeUndefined();
    expect(byName('s3')).toMatchObject({ s3_key_format: '/logs/$TAG/%Y/%m/%d/$UUID.gz', compression: 'gzip' });
    expect(byName('forward')).toMatchObject({ 'shared_key': '${FLB_OUTPUT_5_SECRET_0}', 'self_hostname': 'shop', 'tls': 'on', 'tls.verify': 'on' });
    expect(byName('opentelemetry')).toMatchObject({ host: 'otel-collector', port: 4318, logs_uri: '/v1/logs', header: 'Authorization ${FLB_OUTPUT_6_SECRET_0}' });
    expect(byName('datadog')).toMatchObject({ apikey: '${FLB_OUTPUT_7_SECRET_0}', dd_service: 'shop', dd_source: 'java', dd_tags: 'env:prod,team:x', tls: 'on' });
    expect(byName('splunk')).toMatchObject({ splunk_token: '${FLB_OUTPUT_8_SECRET_0}', event_index: 'main', port: 8088 });
    expect(byName('kafka')).toMatchObject({
      'brokers': 'b1:9092,b2:9092',
      'topics': 'logs',
      'rdkafka.security.protocol': 'SASL_SSL',
      'rdkafka.sasl.mechanisms': 'PLAIN',
      'rdkafka.sasl.username': 'shop',
      'rdkafka.sasl.password': '${FLB_OUTPUT_9_SECRET_0}',
    });
    expect(byName('kinesis_firehose')).toMatchObject({ region: 'eu-west-1', delivery_stream: 'logs' });
    expect(byName('kinesis_streams')).toMatchObject({ region: 'eu-west-1', stream: 'logs' });
    expect(byName('azure')).toMatchObject({ customer_id: '00000000-0000-0000-0000-000000000000', shared_key: '${FLB_OUTPUT_12_SECRET_0}', log_type: 'fluentbit' });
    expect(byName('azure_blob')).toMatchObject({ account_name: 'shoplogs', shared_key: '${FLB_OUTPUT_13_SECRET_0}', container_name: 'logs' });
    expect(byName('stackdriver')).toMatchObject({ resource: 'k8s_container', export_to_project_id: 'shop-prod', labels: 'team=payments' });
    const { main } = classicFiles({ outputs: all });
    expect(main.filter(s => s.name === 'OUTPUT')).toHaveLength(15);
  });

  test('the validator refuses a key the plugin does not document', () => {
    const yaml = onDeployment({ outputs: [FluentBitOutput.datadog({ apiKey: { secretName: 'dd', key: 'k' } })] }).cm.data['fluent-bit.yaml'] as string;
    expect(fluentBitYamlErrors(yaml.replace('dd_', 'xx_').replace('apikey:', 'api_key:'))).toEqual(['pipeline.outputs[0]: output "datadog" has no key "api_key"']);
    expect(fluentBitClassicErrors('[INPUT]\n    name tail\n    path /x\n    mem_buf_limit 5MB\n    read_from_tail on\n'))
      .toEqual(['[INPUT] #0: input "tail" has no key "read_from_tail"']);
  });

  test('ECS: IAM actions of the AWS outputs (firehose, kinesis, opensearch signing, assumed roles, retention)', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new FluentBitSidecar(f.stack, 'logs', {
      outputs: [
        FluentBitOutput.kinesisFirehose({ region: 'eu-west-1', deliveryStream: 'logs' }),
        FluentBitOutput.kinesisStreams({ region: 'eu-west-1', stream: 'logs', roleArn: 'arn:aws:iam::123456789012:role/writer' }),
        FluentBitOutput.opensearch({ host: 'search', awsAuth: true, awsRegion: 'eu-west-1' }),
        FluentBitOutput.cloudWatchLogs({ region: 'eu-west-1', logGroupName: '/shop', autoCreateGroup: true, logRetentionDays: 7 }),
      ],
    }));
    const t = synthTemplate(f.stack);
    const policy = Object.values<any>(t.Resources).find(r => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes('TaskRole'));
    const actions = policy.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['firehose:PutRecordBatch', 'kinesis:PutRecords', 'sts:AssumeRole', 'es:ESHttpPost', 'es:ESHttpPut', 'logs:PutRetentionPolicy']));
    expect(policy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::123456789012:role/writer' }),
    ]));
  });
});

describe('inputs other than tail (row 51), kubernetes filter options (row 33), output match_regex, net and TLS options (rows 38-39)', () => {
  const inputs = [FluentBitInput.forward(), FluentBitInput.openTelemetry({ tag: 'otel' }), FluentBitInput.tcp({ port: 5170, format: 'none', tag: 'raw' })];
  const expected = [
    { name: 'forward', listen: '127.0.0.1', port: 24224, mem_buf_limit: '5MB' },
    { name: 'opentelemetry', tag: 'otel', listen: '127.0.0.1', port: 4318, mem_buf_limit: '5MB' },
    { name: 'tcp', tag: 'raw', listen: '127.0.0.1', port: 5170, format: 'none', mem_buf_limit: '5MB' },
  ];

  test('Kubernetes: the inputs listen on localhost, their ports are pod-local (not declared), and the memory limit covers every buffer', () => {
    const { cm, fb } = onDeployment({ inputs });
    const doc = validateFluentBitYaml(cm.data['fluent-bit.yaml']);
    expect(doc.pipeline.inputs.slice(1)).toEqual(expected);
    expect(fb.ports).toEqual([{ containerPort: 2020, name: 'http-metrics', protocol: 'TCP' }]);
    // 2 x (4 x 5 MiB) + 48, rounded up to 16
    expect(fb.resources.limits.memory).toBe('96Mi');
    const { main } = classicFiles({ inputs, storage: {} });
    expect(main.filter(s => s.name === 'INPUT').slice(1).map(s => Object.fromEntries(s.entries)))
      .toEqual(expected.map(e => ({ ...Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)])), 'storage.type': 'filesystem' })));
  });

  test('ECS: FireLens\'s own ports are refused; another forward port is included in pipeline.conf', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new FluentBitSidecar(f.stack, 'logs', { outputs: [STDOUT], inputs: [FluentBitInput.forward()] }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/logs: inputs[0].port 24224 cannot be rendered on Shop/Api', 'Give the input another port');
    const g = fargateTask();
    TaskSidecars.of(g.td).add(new FluentBitSidecar(g.stack, 'logs', { outputs: [STDOUT], inputs: [FluentBitInput.forward({ port: 24225 })] }));
    const sections = validateFluentBitClassic(include(synthTemplate(g.stack)));
    expect(sections.filter(s => s.name === 'INPUT').map(s => Object.fromEntries(s.entries).name)).toEqual(['tail', 'forward']);
  });

  test('ACI: the group validates with a TCP input; its port is not published', () => {
    const app = new AciApp();
    const group = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] }] });
    group.addSidecars(new FluentBitSidecar(app, 'logs', { outputs: [STDOUT], inputs: [FluentBitInput.tcp()] }));
    const { resource } = synthGroup(group);
    const fb = resource.properties.containers.find((c: any) => c.name === 'fluent-bit');
    expect(JSON.stringify(fb.properties.ports ?? [])).not.toContain('5170');
    const cfg = resource.properties.volumes.find((v: any) => v.name === 'fluent-bit-config').secret;
    expect(validateFluentBitYaml(Buffer.from(cfg['fluent-bit.yaml'], 'base64').toString()).pipeline.inputs[1]).toMatchObject({ name: 'tcp', port: 5170 });
  });

  test('kubernetes filter: pod-suggested parsers and exclusion, merge_log_key', () => {
    const doc = validateFluentBitYaml(onDeployment({ filters: [FluentBitFilter.kubernetes({ allowPodParser: true, allowPodExclude: true, mergeLogKey: 'app' })] }).cm.data['fluent-bit.yaml']);
    expect(doc.pipeline.filters[0]).toMatchObject({ 'k8s-logging.parser': 'on', 'k8s-logging.exclude': 'on', 'merge_log_key': 'app' });
  });

  test('outputs: match_regex instead of match, net.connect_timeout, net.keepalive, tls.verify', () => {
    const doc = validateFluentBitYaml(onDeployment({
      outputs: [FluentBitOutput.http({
        host: 'h',
        matchRegex: '^(app|kube)\\..*$',
        connectTimeoutSeconds: 5,
        keepalive: false,
        tlsVerify: false,
        ioTimeoutSeconds: 60,
        keepaliveIdleTimeoutSeconds: 10,
        keepaliveMaxRecycle: 100,
        maxWorkerConnections: 4,
        dnsMode: 'TCP',
      })],
    }).cm.data['fluent-bit.yaml']);
    expect(doc.pipeline.outputs[0]).toMatchObject({
      'match_regex': '^(app|kube)\\..*$',
      'net.connect_timeout': 5,
      'net.keepalive': 'off',
      'tls.verify': 'off',
      'net.io_timeout': 60,
      'net.keepalive_idle_timeout': 10,
      'net.keepalive_max_recycle': 100,
      'net.max_worker_connections': 4,
      'net.dns.mode': 'TCP',
    });
    expect(doc.pipeline.outputs[0].match).toBeUndefined();
  });
});

describe('a private CA for an output (row 39: tls.ca_file) from a secret mounted as a file', () => {
  const es = FluentBitOutput.elasticsearch({ host: 'es.internal', tlsCaSecret: { secretName: 'es-ca', key: 'ca.crt' } });

  test('Kubernetes: a Secret volume mounted read-only into Fluent Bit only; tls.ca_file points at the key', () => {
    const { cm, pod, fb } = onDeployment({ outputs: [STDOUT, es] });
    expect(validateFluentBitYaml(cm.data['fluent-bit.yaml']).pipeline.outputs[1]['tls.ca_file']).toBe('/etc/cdk-sidecars/fluent-bit-ca/1/ca.crt');
    expect(pod.spec.volumes).toEqual(expect.arrayContaining([{ name: 'fluent-bit-ca-1', secret: { secretName: 'es-ca', defaultMode: 0o444 } }]));
    expect(fb.volumeMounts).toEqual(expect.arrayContaining([{ name: 'fluent-bit-ca-1', mountPath: '/etc/cdk-sidecars/fluent-bit-ca/1', readOnly: true }]));
    expect(JSON.stringify(pod.spec.containers.find((c: any) => c.name === 'api').volumeMounts ?? [])).not.toContain('fluent-bit-ca');
  });

  test('ACI: a secret volume from the group\'s secure parameters (secretVolumeKeys)', () => {
    const app = new AciApp();
    const group = new AciContainerGroup(app, 'shop', {
      containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] }], secretVolumeKeys: { 'es-ca': ['ca.crt'] },
    });
    group.addSidecars(new FluentBitSidecar(app, 'logs', { outputs: [es] }));
    const { resource } = synthGroup(group);
    const vol = resource.properties.volumes.find((v: any) => v.name === 'fluent-bit-ca-0');
    expect(Object.keys(vol.secret)).toEqual(['ca.crt']);
    expect(vol.secret['ca.crt']).toMatch(/^\[parameters\('.+'\)\]$/);
  });

  test('stackdriver: a service account key from a secret, as google_service_credentials', () => {
    const { cm, pod } = onDeployment({ outputs: [FluentBitOutput.stackdriver({ credentialsSecret: { secretName: 'gcp-sa', key: 'key.json' } })] });
    expect(validateFluentBitYaml(cm.data['fluent-bit.yaml']).pipeline.outputs[0].google_service_credentials).toBe('/etc/cdk-sidecars/fluent-bit-gcp/0/key.json');
    expect(pod.spec.volumes).toEqual(expect.arrayContaining([{ name: 'fluent-bit-gcp-0', secret: { secretName: 'gcp-sa', defaultMode: 0o444 } }]));
  });

  test('ECS: cannot mount a secret as files, named as the output\'s option', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new FluentBitSidecar(f.stack, 'logs', { outputs: [es] }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/logs: outputs[0].tlsCaSecret "es-ca" cannot be rendered', 'Leave outputs[0].tlsCaSecret out on ECS');
  });
});

describe('S3 buffers on the state volume (the root filesystem is read-only)', () => {
  test('store_dir is on the state volume, which grows by two objects per S3 output', () => {
    const { cm, pod, fb } = onDeployment({ outputs: [FluentBitOutput.s3({ bucket: 'shop-logs', region: 'eu-west-1', totalFileSizeMebibytes: 20 })] });
    expect(validateFluentBitYaml(cm.data['fluent-bit.yaml']).pipeline.outputs[0].store_dir).toBe('/var/lib/fluent-bit/s3');
    expect(fb.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.spec.volumes).toEqual(expect.arrayContaining([{ name: 'fluent-bit-state', emptyDir: { sizeLimit: '104Mi' } }]));
  });
});

describe('FireLens include carries the user\'s parsers itself', () => {
  test('ECS: [PARSER] and [MULTILINE_PARSER] sections in pipeline.conf, every name the input uses defined there', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new FluentBitSidecar(f.stack, 'logs', { outputs: [STDOUT], tail: { parser: FluentBitParser.json(), multilineParsers: [JAVA_RULES] } }));
    const t = synthTemplate(f.stack);
    const writer = container(t, 'cdk-sidecars-config');
    const variable = /"\$(CDK_SIDECARS_FILE_\d+)" \| base64 -d > '\/cdk-sidecars\/fluent-bit-config\/pipeline.conf'/.exec(writer.Command[0])![1];
    const text = Buffer.from(writer.Environment.find((e: any) => e.Name === variable).Value, 'base64').toString();
    expect(validateFluentBitClassic(text).map(s => s.name)).toEqual(['SERVICE', 'PARSER', 'MULTILINE_PARSER', 'INPUT', 'OUTPUT']);
    expect(fluentBitClassicParserErrors(text)).toEqual([]);
    expect(parseClassic(text)[3].entries).toEqual(expect.arrayContaining([['parser', 'json'], ['multiline.parser', 'multiline_java_app']]));
  });
});

describe('bad inputs of the issue-13 props', () => {
  const make = (props: Partial<FluentBitSidecarProps>) => () => new FluentBitSidecar(newChart(), 'logs', { outputs: [STDOUT], ...props });
  const secret = { secretName: 'creds', key: 'k' };
  test.each<[string, Partial<FluentBitSidecarProps>, ErrorCode, string]>([
    ['an exclude pattern with a comma', { tail: { excludePaths: ['*.gz,*.zip'] } }, ErrorCode.INVALID_NAME, 'web/logs: tail.excludePaths[0] "*.gz,*.zip"'],
    ['a tail tag with a space', { tail: { tag: 'my app' } }, ErrorCode.INVALID_NAME, 'web/logs: tail.tag "my app"'],
    ['a tail tag with the kubernetes filter', { tail: { tag: 'app' }, filters: [FluentBitFilter.kubernetes()] }, ErrorCode.ALREADY_SET, 'web/logs: tail.tag is already set ("app") by FluentBitFilter.kubernetes()'],
    ['tagRegex without tag', { tail: { tagRegex: '(?<x>.+)' } }, ErrorCode.INEFFECTIVE_SETTING, 'web/logs: tail.tagRegex "(?<x>.+)" would have no effect'],
    ['a db sync that is not a member', { tail: { dbSync: 'fast' as any } }, ErrorCode.INVALID_TYPE, 'web/logs: tail.dbSync "fast"'],
    ['an unknown journal mode', { tail: { dbJournalMode: 'wal2' } }, ErrorCode.INVALID_NAME, 'web/logs: tail.dbJournalMode "wal2"'],
    ['a chunk larger than the max buffer', { tail: { bufferChunkSizeKibibytes: 64, bufferMaxSizeKibibytes: 32 } }, ErrorCode.INVALID_RANGE, 'web/logs: tail.bufferChunkSizeKibibytes 64 is greater than tail.bufferMaxSizeKibibytes 32'],
    ['a string buffer size', { tail: { bufferMaxSizeKibibytes: '32k' as any } }, ErrorCode.INVALID_TYPE, 'web/logs: tail.bufferMaxSizeKibibytes "32k"'],
    ['a key with a space', { tail: { pathKey: 'file name' } }, ErrorCode.INVALID_NAME, 'web/logs: tail.pathKey "file name"'],
    ['a parser that is a string', { tail: { parser: 'json' as any } }, ErrorCode.INVALID_TYPE, 'web/logs: tail.parser "json"'],
    ['a multiline parser that is a string', { tail: { multilineParsers: ['java' as any] } }, ErrorCode.INVALID_TYPE, 'web/logs: tail.multilineParsers[0] "java"'],
    ['a multiline parser that is another object', { tail: { multilineParsers: [{ name: 'java' } as any] } }, ErrorCode.INVALID_ROLE, 'web/logs: tail.multilineParsers[0] {"name":"java"} is not a FluentBitMultilineParser'],
    ['a custom multiline parser with a built-in name', { tail: { multilineParsers: [FluentBitMultilineParser.regex({ name: 'java', rules: [{ state: 'start_state', regex: 'x', nextState: 'start_state' }] })] } },
      ErrorCode.INVALID_NAME, 'web/logs: tail.multilineParsers[0].name "java"'],
    ['rules not starting at start_state', { tail: { multilineParsers: [FluentBitMultilineParser.regex({ name: 'ml', rules: [{ state: 'first', regex: 'x', nextState: 'first' }] })] } },
      ErrorCode.INVALID_NAME, 'web/logs: tail.multilineParsers[0].rules[0].state "first"'],
    ['a next state no rule has', { tail: { multilineParsers: [FluentBitMultilineParser.regex({ name: 'ml', rules: [{ state: 'start_state', regex: 'x', nextState: 'cont' }] })] } },
      ErrorCode.INVALID_NAME, 'web/logs: tail.multilineParsers[0].rules[0].nextState "cont"'],
    ['a rule regex ending in a backslash', { tail: { multilineParsers: [FluentBitMultilineParser.regex({ name: 'ml', rules: [{ state: 'start_state', regex: 'x\\', nextState: 'start_state' }] })] } },
      ErrorCode.UNREPRESENTABLE_VALUE, 'web/logs: tail.multilineParsers[0].rules[0].regex "x\\\\"'],
    ['a rule regex with a line break', { tail: { multilineParsers: [FluentBitMultilineParser.regex({ name: 'ml', rules: [{ state: 'start_state', regex: 'x\ny', nextState: 'start_state' }] })] } },
      ErrorCode.UNREPRESENTABLE_VALUE, 'web/logs: tail.multilineParsers[0].rules[0].regex'],
    ['no rules', { tail: { multilineParsers: [FluentBitMultilineParser.regex({ name: 'ml', rules: [] })] } }, ErrorCode.MISSING_SETTING, 'web/logs: tail.multilineParsers[0].rules is not set'],
    ['two custom multiline parsers of one name', {
      tail: { multilineParsers: [JAVA_RULES] },
      filters: [FluentBitFilter.multiline({ parsers: [FluentBitMultilineParser.regex({ name: 'multiline_java_app', rules: [{ state: 'start_state', regex: 'x', nextState: 'start_state' }] })] })],
    }, ErrorCode.ALREADY_SET, 'web/logs: tail.multilineParsers[0].name is already set ("multiline_java_app") by filters[0].parsers[0]'],
    ['two parsers of one name', { tail: { parser: FluentBitParser.json({ name: 'p' }) }, filters: [FluentBitFilter.parser({ keyName: 'log', parsers: [FluentBitParser.logfmt({ name: 'p' })] })] },
      ErrorCode.ALREADY_SET, 'web/logs: tail.parser.name is already set ("p") by filters[0].parsers[0], a different parser of the same name'],
    ['a parser named as the library\'s own', { tail: { parser: FluentBitParser.json({ name: 'cdk_sidecars_kube_tag' }) } }, ErrorCode.INVALID_NAME, 'web/logs: tail.parser.name "cdk_sidecars_kube_tag"'],
    ['a parser regex with ${', { tail: { parser: FluentBitParser.regex({ regex: '^(?<x>${HOME})$' }) } }, ErrorCode.UNREPRESENTABLE_VALUE, 'web/logs: tail.parser.regex'],
    ['an unknown storage sync', { storage: { sync: 'always' } }, ErrorCode.INVALID_NAME, 'web/logs: storage.sync "always"'],
    ['a storage limit without storage', { outputs: [FluentBitOutput.stdout({ storageTotalLimitSizeMebibytes: 100 })] }, ErrorCode.INEFFECTIVE_SETTING, 'web/logs: outputs[0].storageTotalLimitSizeMebibytes 100 would have no effect'],
    ['a negative grace', { graceSeconds: -1 }, ErrorCode.INVALID_NUMBER, 'web/logs: graceSeconds -1'],
    ['a zero health period', { healthCheck: { periodSeconds: 0 } }, ErrorCode.INVALID_NUMBER, 'web/logs: healthCheck.periodSeconds 0'],
    ['a scheduler base above its cap', { schedulerBaseSeconds: 60, schedulerCapSeconds: 30 }, ErrorCode.INVALID_RANGE, 'web/logs: schedulerBaseSeconds 60 is greater than schedulerCapSeconds 30'],
    ['an unknown DNS mode', { dnsMode: 'DOH' }, ErrorCode.INVALID_NAME, 'web/logs: dnsMode "DOH"'],
    ['a password without a user', { outputs: [FluentBitOutput.loki({ host: 'loki', httpPassword: secret })] }, ErrorCode.MISSING_SETTING, 'web/logs: outputs[0].httpUser is not set'],
    ['a secret that is a string', { outputs: [FluentBitOutput.loki({ host: 'loki', httpUser: 'u', httpPassword: 'hunter2' as any })] }, ErrorCode.INVALID_TYPE, 'web/logs: outputs[0].httpPassword'],
    ['a secret name Kubernetes refuses', { outputs: [FluentBitOutput.datadog({ apiKey: { secretName: 'DD_Key', key: 'k' } })] }, ErrorCode.INVALID_SECRET_NAME, 'web/logs: outputs[0].apiKey.secretName "DD_Key"'],
    ['a header name with a space', { outputs: [FluentBitOutput.http({ host: 'h', headers: { 'X Key': 'v' } })] }, ErrorCode.INVALID_NAME, 'web/logs: outputs[0].headers "X Key"'],
    ['a header both literal and secret', { outputs: [FluentBitOutput.http({ host: 'h', headers: { 'X-Key': 'v' }, secretHeaders: { 'X-Key': secret } })] }, ErrorCode.ALREADY_SET, 'web/logs: outputs[0].secretHeaders["X-Key"] is already set'],
    ['elasticsearch without host or cloud id', { outputs: [FluentBitOutput.elasticsearch({})] }, ErrorCode.MISSING_SETTING, 'web/logs: outputs[0].host is not set'],
    ['aws auth without region', { outputs: [FluentBitOutput.opensearch({ host: 'search', awsAuth: true })] }, ErrorCode.MISSING_SETTING, 'web/logs: outputs[0].awsRegion is not set'],
    ['a region without aws auth', { outputs: [FluentBitOutput.opensearch({ host: 'search', awsRegion: 'eu-west-1' })] }, ErrorCode.INEFFECTIVE_SETTING, 'web/logs: outputs[0].awsRegion "eu-west-1" would have no effect'],
    ['an unknown line format', { outputs: [FluentBitOutput.loki({ host: 'loki', lineFormat: 'text' })] }, ErrorCode.INVALID_NAME, 'web/logs: outputs[0].lineFormat "text"'],
    ['a label key with a comma', { outputs: [FluentBitOutput.loki({ host: 'loki', labelKeys: ['$a,$b'] })] }, ErrorCode.INVALID_NAME, 'web/logs: outputs[0].labelKeys[0] "$a,$b"'],
    ['kafka without brokers', { outputs: [FluentBitOutput.kafka({ brokers: [], topics: ['t'] })] }, ErrorCode.MISSING_SETTING, 'web/logs: outputs[0].brokers is not set'],
    ['an unknown SASL mechanism', { outputs: [FluentBitOutput.kafka({ brokers: ['b:9092'], topics: ['t'], saslUsername: 'u', saslPassword: secret, saslMechanism: 'GSSAPI' })] },
      ErrorCode.INVALID_NAME, 'web/logs: outputs[0].saslMechanism "GSSAPI"'],
    ['splunk without a token', { outputs: [FluentBitOutput.splunk({ host: 'splunk' } as any)] }, ErrorCode.INVALID_TYPE, 'web/logs: outputs[0].token'],
    ['a stream name and a prefix', { outputs: [FluentBitOutput.cloudWatchLogs({ region: 'r', logGroupName: 'g', logStreamName: 's', logStreamPrefix: 'p' })] },
      ErrorCode.ALREADY_SET, 'web/logs: outputs[0].logStreamName is already set ("s") by outputs[0].logStreamPrefix'],
    ['retention without creating the group', { outputs: [FluentBitOutput.cloudWatchLogs({ region: 'r', logGroupName: 'g', logRetentionDays: 7 })] },
      ErrorCode.INEFFECTIVE_SETTING, 'web/logs: outputs[0].logRetentionDays 7 would have no effect'],
    ['an s3 key format without a leading slash', { outputs: [FluentBitOutput.s3({ bucket: 'b-logs', region: 'r', s3KeyFormat: 'logs/$TAG' })] }, ErrorCode.INVALID_NAME,
      'web/logs: outputs[0].s3KeyFormat "logs/$TAG"'],
    ['an unknown s3 compression', { outputs: [FluentBitOutput.s3({ bucket: 'b-logs', region: 'r', compression: 'lz4' })] }, ErrorCode.INVALID_NAME, 'web/logs: outputs[0].compression "lz4"'],
    ['tls verify without tls', { outputs: [FluentBitOutput.forward({ host: 'f', tlsVerify: false })] }, ErrorCode.INEFFECTIVE_SETTING, 'web/logs: outputs[0].tlsVerify false would have no effect'],
    ['a multiline filter in parser mode without parsers', { filters: [FluentBitFilter.multiline({})] }, ErrorCode.MISSING_SETTING, 'web/logs: filters[0].parsers is not set'],
    ['a parser filter without parsers', { filters: [FluentBitFilter.parser({ keyName: 'log', parsers: [] })] }, ErrorCode.MISSING_SETTING, 'web/logs: filters[0].parsers is not set'],
    ['a nest without nestUnder', { filters: [FluentBitFilter.nest({ operation: FluentBitNestOperation.NEST, wildcards: ['a*'] })] }, ErrorCode.MISSING_SETTING, 'web/logs: filters[0].nestUnder is not set'],
    ['a lift without nestedUnder', { filters: [FluentBitFilter.nest({ operation: FluentBitNestOperation.LIFT })] }, ErrorCode.MISSING_SETTING, 'web/logs: filters[0].nestedUnder is not set'],
    ['a nest operation that is not a member', { filters: [FluentBitFilter.nest({ operation: 'flatten' as any })] }, ErrorCode.INVALID_TYPE, 'web/logs: filters[0].operation "flatten"'],
    ['a throttle without rate', { filters: [FluentBitFilter.throttle({} as any)] }, ErrorCode.INVALID_TYPE, 'web/logs: filters[0].rate'],
    ['a rewrite rule regex with a space', { filters: [FluentBitFilter.rewriteTag({ rules: [{ key: '$log', regex: 'a b', newTag: 't' }] })] }, ErrorCode.INVALID_NAME, 'web/logs: filters[0].rules[0].regex "a b"'],
    ['a record key with a space', { filters: [FluentBitFilter.recordModifier({ records: { 'my key': 'v' } })] }, ErrorCode.UNREPRESENTABLE_VALUE, 'web/logs: filters[0].records "my key"'],
    ['a record value ending in a backslash', { filters: [FluentBitFilter.recordModifier({ records: { dir: 'C:\\logs \\' } })] }, ErrorCode.UNREPRESENTABLE_VALUE, 'web/logs: filters[0].records["dir"]'],
    ['an input that is not a FluentBitInput', { inputs: [{ plugin: 'tcp' } as any] }, ErrorCode.INVALID_ROLE, 'web/logs: inputs[0] {"plugin":"tcp"} is not a FluentBitInput'],
    ['an input on the HTTP port', { inputs: [FluentBitInput.tcp({ port: 2020 })] }, ErrorCode.ALREADY_SET, 'web/logs: inputs[0].port is already set (2020) by httpPort'],
    ['two inputs on one port', { inputs: [FluentBitInput.tcp({ port: 7000 }), FluentBitInput.forward({ port: 7000 })] }, ErrorCode.ALREADY_SET, 'web/logs: inputs[1].port is already set (7000) by inputs[0].port'],
    ['an input port out of range', { inputs: [FluentBitInput.tcp({ port: 70000 })] }, ErrorCode.INVALID_PORT, 'web/logs: inputs[0].port 70000'],
    ['an unknown tcp format', { inputs: [FluentBitInput.tcp({ format: 'msgpack' })] }, ErrorCode.INVALID_NAME, 'web/logs: inputs[0].format "msgpack"'],
    ['an input tag with a space', { inputs: [FluentBitInput.forward({ tag: 'a b' })] }, ErrorCode.INVALID_NAME, 'web/logs: inputs[0].tag "a b"'],
    ['match and matchRegex', { outputs: [FluentBitOutput.stdout({ match: 'app', matchRegex: '^app$' })] }, ErrorCode.ALREADY_SET, 'web/logs: outputs[0].matchRegex is already set ("^app$") by outputs[0].match'],
    ['a matchRegex that does not compile', { outputs: [FluentBitOutput.stdout({ matchRegex: '(' })] }, ErrorCode.INVALID_NAME, 'web/logs: outputs[0].matchRegex "("'],
    ['a CA on an output without TLS', { outputs: [FluentBitOutput.loki({ host: 'loki', tlsCaSecret: { secretName: 'ca', key: 'ca.crt' } })] }, ErrorCode.INEFFECTIVE_SETTING,
      'web/logs: outputs[0].tlsCaSecret'],
    ['an unknown output DNS mode', { outputs: [FluentBitOutput.stdout({ dnsMode: 'DOH' })] }, ErrorCode.INVALID_NAME, 'web/logs: outputs[0].dnsMode "DOH"'],
    ['a zero keepalive recycle', { outputs: [FluentBitOutput.stdout({ keepaliveMaxRecycle: 0 })] }, ErrorCode.INVALID_NUMBER, 'web/logs: outputs[0].keepaliveMaxRecycle 0'],
    ['tls verify on an output without TLS', { outputs: [FluentBitOutput.stdout({ tlsVerify: true })] }, ErrorCode.INEFFECTIVE_SETTING, 'web/logs: outputs[0].tlsVerify true would have no effect'],
    ['a merge log key with a space', { filters: [FluentBitFilter.kubernetes({ mergeLogKey: 'a b' })] }, ErrorCode.INVALID_NAME, 'web/logs: filters[0].mergeLogKey "a b"'],
    ['an unknown stackdriver resource', { outputs: [FluentBitOutput.stackdriver({ resource: 'cloud_run' })] }, ErrorCode.INVALID_NAME, 'web/logs: outputs[0].resource "cloud_run"'],
    ['a stackdriver label value with a comma', { outputs: [FluentBitOutput.stackdriver({ labels: { team: 'a,b' } })] }, ErrorCode.INVALID_NAME, 'web/logs: outputs[0].labels["team"] "a,b"'],
    ['a lua filter with code and script', { filters: [FluentBitFilter.lua({ code: 'x', script: 'y', call: 'cb' })] }, ErrorCode.ALREADY_SET, 'web/logs: filters[0].script is already set'],
    ['a lua filter with neither', { filters: [FluentBitFilter.lua({ call: 'cb' })] }, ErrorCode.MISSING_SETTING, 'web/logs: filters[0].code is not set'],
    ['lua code on two lines', { filters: [FluentBitFilter.lua({ code: 'function cb(t, ts, r)\nreturn 0, ts, r end', call: 'cb' })] }, ErrorCode.UNREPRESENTABLE_VALUE, 'web/logs: filters[0].code'],
  ])('%s', (_t, props, code, part) => {
    expectError(make(props), code, part);
  });
});
