/**
 * ARM evaluates a JSON string that starts with '[' and ends with ']' as a template expression;
 * a literal of that shape is written '[[...]' (learn.microsoft.com/azure/azure-resource-manager/
 * templates/template-expressions, "Escape characters"). `az container create --file` sends the
 * YAML as the resource body (Azure/azure-cli container/custom.py _create_update_from_file:
 * resources.create_or_update), with no template evaluation: there the value stays as it is.
 */
import { execFileSync } from 'child_process';
import * as YAML from 'yaml';
import { appGroup, appProps, synthGroup } from './util';
import { Sidecar, StartupRole } from '../../src';
import { AciApp } from '../../src/aci';
import { ErrorCode } from '../../src/core/errors';

/** What ARM makes of a template string: a literal, or undefined for an expression it would evaluate. */
function armLiteral(s: string): string | undefined {
  if (s.startsWith('[[')) { return s.slice(1); }
  if (s.startsWith('[') && s.endsWith(']')) { return undefined; }
  return s;
}

const byName = (list: any[], name: string) => list.find(x => x.name === name);

describe('values shaped like ARM expressions', () => {
  const app = new AciApp();
  const group = appGroup(app, {
    containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }], environment: { APP_LIST: '[a, b]' } }],
  });
  group.addSidecars(
    new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', env: { FOO: '[OUTPUT]', BAR: '[x] y' }, command: ['/agent', '[--flag]'], appEnv: { FROM_SIDECAR: '[1]' } }),
    new Sidecar(app, 'init', { image: 'ghcr.io/acme/init:1.0.0', role: StartupRole.INIT_STEP, command: ['[run]'] }),
  );
  const { resource, yaml } = synthGroup(group);
  const armEnv = (c: string) => byName(resource.properties.containers, c).properties.environmentVariables;
  const yamlEnv = (c: string) => byName(yaml.properties.containers, c).properties.environmentVariables;

  test('are escaped in the ARM template and read back by ARM as the value given', () => {
    expect(byName(armEnv('agent'), 'FOO').value).toBe('[[OUTPUT]');
    expect(armLiteral(byName(armEnv('agent'), 'FOO').value)).toBe('[OUTPUT]');
    // Not ending in ']': a literal already, left as it is.
    expect(byName(armEnv('agent'), 'BAR').value).toBe('[x] y');
    expect(armLiteral(byName(resource.properties.containers, 'agent').properties.command.at(-1))).toBe('[--flag]');
    expect(armLiteral(byName(armEnv('api'), 'FROM_SIDECAR').value)).toBe('[1]');
    expect(armLiteral(byName(armEnv('api'), 'APP_LIST').value)).toBe('[a, b]');
    expect(armLiteral(byName(resource.properties.initContainers, 'init').properties.command[0])).toBe('[run]');
  });

  test('the library\'s own parameter references stay expressions', () => {
    expect(byName(armEnv('api'), 'DB_PASSWORD')).toBeUndefined();
    expect(resource.location).toBe("[parameters('location')]");
  });

  test('stay as given in the YAML (not template-evaluated)', () => {
    expect(byName(yamlEnv('agent'), 'FOO').value).toBe('[OUTPUT]');
    expect(byName(yamlEnv('api'), 'FROM_SIDECAR').value).toBe('[1]');
    expect(byName(yamlEnv('api'), 'APP_LIST').value).toBe('[a, b]');
  });
});

describe('values shaped like ARM expressions outside the containers (group options, volumes, tags)', () => {
  const app = new AciApp();
  const group = appGroup(app, {
    extensions: [{ name: 'kube-proxy', extensionType: 'kube-proxy', version: '1.0', settings: { clusterCidr: '[10.240.0.0/16]' } }],
    logAnalytics: { workspaceId: '00000000-0000-0000-0000-000000000001', workspaceKey: { secretName: 'la', key: 'key' }, metadata: { team: '[a, b]' } },
    volumes: [{ name: 'config', gitRepo: { repository: '[git@host:x]' } }],
    tags: { owner: '[team a]' },
  });
  const { resource, yaml } = synthGroup(group);

  test('are escaped in the ARM template, and the library\'s own parameter references stay expressions', () => {
    expect(armLiteral(resource.properties.extensions[0].properties.settings.clusterCidr)).toBe('[10.240.0.0/16]');
    expect(armLiteral(resource.properties.diagnostics.logAnalytics.metadata.team)).toBe('[a, b]');
    expect(armLiteral(byName(resource.properties.volumes, 'config').gitRepo.repository)).toBe('[git@host:x]');
    expect(armLiteral(resource.tags.owner)).toBe('[team a]');
    expect(resource.properties.diagnostics.logAnalytics.workspaceKey).toBe("[parameters('laKey')]");
    expect(byName(byName(resource.properties.containers, 'api').properties.environmentVariables, 'DB_PASSWORD').secureValue).toBe("[parameters('dbPassword')]");
  });

  test('stay as given in the YAML', () => {
    expect(yaml.properties.extensions[0].properties.settings.clusterCidr).toBe('[10.240.0.0/16]');
    expect(byName(yaml.properties.volumes, 'config').gitRepo.repository).toBe('[git@host:x]');
  });
});

describe('the YAML placeholders and the deploy-time fill the header advises (GNU gettext envsubst)', () => {
  const app = new AciApp();
  const group = appGroup(app);
  group.addSidecars(new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', env: { DATA: '$HOME/data', LIST: '${PATH}' }, command: ['sh', '-c', 'exec /agent --port "$PORT"'] }));
  const { text } = synthGroup(group);

  test('the advised command fills the placeholders and leaves the containers\' own $VARs alone', () => {
    const line = text.split('\n').find(l => l.includes('Fill the placeholders first'))!;
    const advised = /e\.g\. envsubst(.*?) < this-file > filled\.yaml:/.exec(line);
    expect(advised).not.toBeNull();
    // The advised arguments, as sh would pass them (single-quoted words).
    const args = [...advised![1].matchAll(/'([^']*)'/g)].map(m => m[1]);
    const filled = YAML.parse(execFileSync('envsubst', args, {
      input: text, env: { DB_PASSWORD: 's3cret', AZURE_LOCATION: 'westeurope', HOME: '/root', PATH: '/usr/bin', PORT: '1' },
    }).toString());
    const api = byName(filled.properties.containers, 'api').properties.environmentVariables;
    expect(byName(api, 'DB_PASSWORD').secureValue).toBe('s3cret');
    expect(filled.location).toBe('westeurope');
    const agent = byName(filled.properties.containers, 'agent').properties;
    expect(byName(agent.environmentVariables, 'DATA').value).toBe('$HOME/data');
    expect(byName(agent.environmentVariables, 'LIST').value).toBe('${PATH}');
    expect(agent.command).toEqual(['sh', '-c', 'exec /agent --port "$PORT"']);
  });
});

test('a value that holds the text of a YAML placeholder is refused: the fill would write the secret into it', () => {
  const app = new AciApp();
  const group = appGroup(app, {
    containers: [{ ...appProps().containers[0], environment: { COPY: 'x${DB_PASSWORD}' } }],
  });
  let error: any;
  try { group.toYaml(); } catch (e) { error = e; }
  expect(error?.code).toBe(ErrorCode.UNREPRESENTABLE_VALUE);
  expect(error.message).toContain('shop: properties.containers[0].properties.environmentVariables[');
  expect(error.message).toContain('"x${DB_PASSWORD}" cannot be written to the ACI YAML');
  // The ARM template has no placeholders: there the value is written as given.
  expect(() => group.toArmTemplate()).not.toThrow();
});

test('location is an Azure region name: not an ARM expression, not a YAML placeholder, not a number', () => {
  for (const location of ['[subscription().id]', '${DB_PASSWORD}']) {
    let error: any;
    try { appGroup(new AciApp(), { location }); } catch (e) { error = e; }
    expect(error?.code).toBe(ErrorCode.INVALID_NAME);
    expect(error.message).toContain(`shop: location ${JSON.stringify(location)} is not a valid name (an Azure region`);
  }
  let wrong: any;
  try { appGroup(new AciApp(), { location: 5 as any }); } catch (e) { wrong = e; }
  expect(wrong?.code).toBe(ErrorCode.INVALID_NAME);
  // Region names and display names pass.
  expect(synthGroup(appGroup(new AciApp(), { location: 'westeurope' })).arm.parameters.location.defaultValue).toBe('westeurope');
  expect(() => appGroup(new AciApp(), { location: 'West Europe' })).not.toThrow();
});
