/**
 * CDK tokens on ECS (issue 11 section 3, issue 10 section 3): rendered through CloudFormation
 * where the value only travels, refused with a token error where the library needs it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnParameter, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { container, fargateTask, synthTemplate, taskDefinition } from './util';
import { DaprSidecar, EnvoySidecar, FluentBitOutput, FluentBitSidecar, OpaSidecar, OtelCollectorDistribution, OtelCollectorSidecar, Sidecar, VaultAgentSidecar, VaultAuth, WaitCondition } from '../../src';
import { ErrorCode, SidecarError } from '../../src/core/errors';
import { ConfigFileDelivery, MemoryVolumeHandling, TaskSidecars } from '../../src/ecs';
import { expectError } from '../errors';
import { validateDaprResource } from '../validate/dapr';
import { validateFluentBitClassic, validateFluentBitYaml } from '../validate/fluent-bit';
import { validateOpaConfig } from '../validate/opa';
import { validateOtelCollectorConfig } from '../validate/otel-collector';
import { validateAgentConfig } from '../validate/vault';

/** Asserts the error is the token error naming path and field, with no raw token in it. */
function expectTokenError(fn: () => unknown, ...parts: Array<string | RegExp>): void {
  const e: SidecarError = expectError(fn, ErrorCode.TOKEN_NOT_SUPPORTED, ...parts, 'holds a CDK token', /[Pp]ass (a )?literal/);
  expect(e.message).not.toMatch(/Token\[|e\+289/);
}

describe('ports', () => {
  test('a sidecar port from a CfnParameter is refused naming the field, never "-1.888e+289 is not a port number"', () => {
    const f = fargateTask();
    const port = new CfnParameter(f.stack, 'Port', { type: 'Number' }).valueAsNumber;
    expectTokenError(() => new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', ports: [{ port }] }), 'Shop/agent: ports[0].port');
  });

  test('a Fluent Bit httpPort from Lazy.number is refused naming httpPort', () => {
    const f = fargateTask();
    const port = Token.asNumber(Lazy.number({ produce: () => 2020 }));
    expectTokenError(() => new FluentBitSidecar(f.stack, 'logs', { outputs: [FluentBitOutput.stdout()], httpPort: port }), 'Shop/logs: httpPort');
  });

  test('an Envoy listener port from a CfnParameter is refused naming the field', () => {
    const f = fargateTask();
    const port = new CfnParameter(f.stack, 'Port', { type: 'Number' }).valueAsNumber;
    expectTokenError(() => new EnvoySidecar(f.stack, 'mesh', { adminPort: port }), 'Shop/mesh: adminPort');
  });
});

describe('app container ports', () => {
  function proxy(scope: any): Sidecar {
    return new Sidecar(scope, 'proxy', {
      image: 'ghcr.io/acme/proxy:1.0.0',
      security: { uid: 1337 },
      ports: [{ port: 15001 }, { port: 15006 }],
      interceptTraffic: { inboundPort: 15006, outboundPort: 15001 },
    });
  }

  test('a CfnParameter containerPort stays a Ref in the port mapping; the checks run on the literal ports', () => {
    const f = fargateTask();
    const port = new CfnParameter(f.stack, 'AppPort', { type: 'Number', default: 9090 }).valueAsNumber;
    f.appContainer.addPortMappings({ containerPort: port });
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', ports: [{ port: 9102 }] }));
    const t = synthTemplate(f.stack);
    expect(container(t, 'app').PortMappings).toEqual([
      { ContainerPort: 8080, Protocol: 'tcp' },
      { ContainerPort: { Ref: 'AppPort' }, Protocol: 'tcp' },
    ]);
    expect(JSON.stringify(t)).not.toMatch(/NaN|Token\[|e\+289/);
  });

  test('a Lazy containerPort is resolved at synthesis and captured like a literal', () => {
    const f = fargateTask();
    f.appContainer.addPortMappings({ containerPort: Token.asNumber(Lazy.number({ produce: () => 9090 })) });
    TaskSidecars.of(f.td).add(proxy(f.stack));
    const t = synthTemplate(f.stack);
    expect(taskDefinition(t).ProxyConfiguration.ProxyConfigurationProperties[0]).toEqual({ Name: 'AppPorts', Value: '8080,9090' });
  });

  test('with traffic interception a CfnParameter port is refused naming the app container port, never AppPorts "NaN"', () => {
    const f = fargateTask();
    const port = new CfnParameter(f.stack, 'AppPort', { type: 'Number' }).valueAsNumber;
    f.appContainer.addPortMappings({ containerPort: port });
    TaskSidecars.of(f.td).add(proxy(f.stack));
    expectTokenError(() => synthTemplate(f.stack), 'Shop/Api: app container "app" portMappings[1].containerPort', 'Shop/proxy intercepts the task\'s traffic');
  });

  test('an Envoy sidecar never gets an inbound_NaN cluster from a token app port', () => {
    const f = fargateTask();
    const port = new CfnParameter(f.stack, 'AppPort', { type: 'Number' }).valueAsNumber;
    f.appContainer.addPortMappings({ containerPort: port });
    TaskSidecars.of(f.td).add(new EnvoySidecar(f.stack, 'mesh', {}));
    expectTokenError(() => synthTemplate(f.stack), 'Shop/Api: app container "app" portMappings[1].containerPort', 'Shop/mesh intercepts');
  });
});

describe('images', () => {
  test('an image reference from ecr.Repository.repositoryUriForTag() is accepted and rendered through CloudFormation', () => {
    const f = fargateTask();
    const repo = new ecr.Repository(f.stack, 'Repo');
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', { image: repo.repositoryUriForTag('1.0.0') }));
    const image = container(synthTemplate(f.stack), 'agent').Image;
    expect(image['Fn::Join'][1]).toContain(':1.0.0');
    expect(Stack.of(f.td).resolve(image)).toEqual(image);
    expect(JSON.stringify(image)).not.toMatch(/Token\[/);
  });

  test('a bad literal part around a token is still refused', () => {
    const f = fargateTask();
    const repo = new ecr.Repository(f.stack, 'Repo');
    expectError(() => new Sidecar(f.stack, 'agent', { image: `${repo.repositoryUri}:bad tag` }), ErrorCode.INVALID_IMAGE, 'Shop/agent: image "<CDK token>.dkr.ecr.<CDK token>.<CDK token>/<CDK token>:bad tag" is not a valid image reference');
  });

  test('images: an ECR repository image replaces the sidecar\'s image and the execution role may pull it', () => {
    const f = fargateTask();
    const repo = new ecr.Repository(f.stack, 'Repo');
    TaskSidecars.of(f.td, { images: { envoy: ecs.ContainerImage.fromEcrRepository(repo, 'v1.35.0-acme') } })
      .add(new EnvoySidecar(f.stack, 'mesh', {}));
    const t = synthTemplate(f.stack);
    const image = JSON.stringify(container(t, 'envoy').Image);
    expect(image).toContain(':v1.35.0-acme');
    expect(image).toContain(f.stack.resolve(repo.repositoryName).Ref);
    const executionRole = taskDefinition(t).ExecutionRoleArn['Fn::GetAtt'][0];
    const policies = Object.values<any>(t.Resources).filter(r => r.Type === 'AWS::IAM::Policy'
      && r.Properties.Roles.some((x: any) => x.Ref === executionRole));
    const statements = policies.flatMap(p => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      Resource: { 'Fn::GetAtt': [f.stack.resolve(repo.repositoryName).Ref, 'Arn'] },
    }));
  });

  test('images: an asset image (ContainerImage.fromAsset) is built, pushed and pulled with the execution role', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-asset-'));
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM envoyproxy/envoy:v1.35.0\n');
    const f = fargateTask();
    TaskSidecars.of(f.td, { images: { envoy: ecs.ContainerImage.fromAsset(dir) } }).add(new EnvoySidecar(f.stack, 'mesh', {}));
    const t = synthTemplate(f.stack);
    expect(JSON.stringify(container(t, 'envoy').Image)).toMatch(/cdk-hnb659fds-container-assets-123456789012-eu-west-1:[0-9a-f]{64}/);
    const statements = Object.values<any>(t.Resources).filter(r => r.Type === 'AWS::IAM::Policy')
      .flatMap(p => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'] }));
  });

  test('images: a registry image is checked by its name (its tag is known), as the sidecar\'s own image would be', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, { images: { envoy: ecs.ContainerImage.fromRegistry('otel/opentelemetry-collector-contrib:0.162.0') } })
      .add(new EnvoySidecar(f.stack, 'mesh', {}));
    expectError(() => synthTemplate(f.stack), ErrorCode.RUNTIME_MISSING_BINARY,
      'Shop/mesh: command of container "envoy" runs "envoy" in image "otel/opentelemetry-collector-contrib:0.162.0"');
  });

  test('images: a key that names no sidecar container is refused', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, { images: { proxy: ecs.ContainerImage.fromRegistry('ghcr.io/acme/proxy:1') } }).add(new EnvoySidecar(f.stack, 'mesh', {}));
    expectError(() => synthTemplate(f.stack), ErrorCode.UNKNOWN_REFERENCE, 'Shop/Api/CdkSidecars: images.proxy "proxy" names a sidecar container', '(Shop/Api: envoy)');
  });

  test('images: a value that is not an ecs.ContainerImage is refused', () => {
    const f = fargateTask();
    expectError(() => TaskSidecars.of(f.td, { images: { envoy: 'envoyproxy/envoy:v1.35.0' as any } }), ErrorCode.INVALID_TYPE, 'images.envoy "envoyproxy/envoy:v1.35.0"');
  });
});

/**
 * The value CloudFormation gives `value` with the parameters and references given (Ref,
 * Fn::GetAtt as "Id.Attr", Fn::Join): what the deployed writer's environment holds.
 */
function deploy(value: any, refs: { [id: string]: string }): string {
  if (typeof value === 'string') { return value; }
  if (value.Ref !== undefined) {
    if (refs[value.Ref] === undefined) { throw new Error(`no value for Ref ${value.Ref}`); }
    return refs[value.Ref];
  }
  if (value['Fn::GetAtt']) { return refs[value['Fn::GetAtt'].join('.')]; }
  if (value['Fn::Join']) { return value['Fn::Join'][1].map((v: any) => deploy(v, refs)).join(value['Fn::Join'][0]); }
  throw new Error(`cannot deploy ${JSON.stringify(value)}`);
}

/** The deployed content of the config file the writer writes to `target` (under /cdk-sidecars/), with `refs`. */
function deployedFile(t: any, target: string, refs: { [id: string]: string }): string {
  const writer = container(t, 'cdk-sidecars-config');
  const line = writer.Command[0].split('\n').find((l: string) => l.endsWith(` > '/cdk-sidecars/${target}'`));
  expect(line).toBeDefined();
  // A file with tokens travels as text (base64 would encode the token's placeholder).
  expect(line).not.toContain('base64');
  const variable = /"\$(CDK_SIDECARS_FILE_\d+)"/.exec(line)![1];
  return deploy(writer.Environment.find((e: any) => e.Name === variable).Value, refs);
}

function logicalId(stack: Stack, token: string): string {
  return stack.resolve(token).Ref;
}

describe('tokens in generated config files are rendered through CloudFormation', () => {
  test('a generic sidecar\'s config file: the writer\'s environment is an Fn::Join, the deployed file holds the value', () => {
    const f = fargateTask();
    const endpoint = new CfnParameter(f.stack, 'Endpoint');
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', {
      image: 'ghcr.io/acme/agent:1.0.0',
      configFiles: [{ path: '/etc/agent/agent.conf', content: `endpoint=${endpoint.valueAsString}\n` }],
    }));
    const t = synthTemplate(f.stack);
    expect(deployedFile(t, 'agent-config/agent.conf', { Endpoint: 'https://collector.example.com' })).toBe('endpoint=https://collector.example.com\n');
    expect(JSON.stringify(t)).not.toMatch(/Token\[/);
  });

  test('SSM_PARAMETERS: the parameter value is an Fn::Join', () => {
    const f = fargateTask();
    const endpoint = new CfnParameter(f.stack, 'Endpoint');
    TaskSidecars.of(f.td, { configDelivery: ConfigFileDelivery.SSM_PARAMETERS }).add(new Sidecar(f.stack, 'agent', {
      image: 'ghcr.io/acme/agent:1.0.0',
      configFiles: [{ path: '/etc/agent/agent.conf', content: `endpoint=${endpoint.valueAsString}\n` }],
    }));
    const t = synthTemplate(f.stack);
    const param = Object.values<any>(t.Resources).find(r => r.Type === 'AWS::SSM::Parameter').Properties;
    expect(deploy(param.Value, { Endpoint: 'https://c.example.com' })).toBe('endpoint=https://c.example.com\n');
  });

  test('S3: refused naming the file, since the asset is uploaded before the value exists', () => {
    const f = fargateTask();
    const endpoint = new CfnParameter(f.stack, 'Endpoint');
    TaskSidecars.of(f.td, { configDelivery: ConfigFileDelivery.S3 }).add(new Sidecar(f.stack, 'agent', {
      image: 'ghcr.io/acme/agent:1.0.0',
      configFiles: [{ path: '/etc/agent/agent.conf', content: `endpoint=${endpoint.valueAsString}\n` }],
    }));
    expectTokenError(() => synthTemplate(f.stack), 'Shop/agent: config file agent-config/agent.conf content', 'ConfigFileDelivery.INIT_CONTAINER');
  });

  test('Fluent Bit: a log group and a bucket from other constructs reach the deployed files (YAML and the FireLens classic include)', () => {
    const f = fargateTask();
    const group = new logs.LogGroup(f.stack, 'AppLogs');
    const bucket = new CfnParameter(f.stack, 'Bucket');
    TaskSidecars.of(f.td).add(new FluentBitSidecar(f.stack, 'logs', {
      outputs: [
        FluentBitOutput.cloudWatchLogs({ logGroupName: group.logGroupName, region: 'eu-west-1' }),
        FluentBitOutput.s3({ bucket: bucket.valueAsString, region: 'eu-west-1' }),
      ],
    }));
    const t = synthTemplate(f.stack);
    const refs = { [logicalId(f.stack, group.logGroupName)]: 'Shop-AppLogs-1A2B3C', Bucket: 'shop-logs-archive' };
    const writer = container(t, 'cdk-sidecars-config');
    const targets = writer.Command[0].split('\n').map((l: string) => / > '\/cdk-sidecars\/(.*)'$/.exec(l)?.[1]).filter(Boolean);
    const yamlTarget = targets.find((x: string) => x.endsWith('.yaml'));
    const classicTarget = targets.find((x: string) => x.endsWith('.conf'));
    const yaml = validateFluentBitYaml(deployedFile(t, yamlTarget, refs));
    const outputs = yaml.pipeline.outputs;
    expect(outputs.find((o: any) => o.name === 'cloudwatch_logs').log_group_name).toBe('Shop-AppLogs-1A2B3C');
    expect(outputs.find((o: any) => o.name === 's3').bucket).toBe('shop-logs-archive');
    const classic = validateFluentBitClassic(deployedFile(t, classicTarget, refs));
    const entries = classic.flatMap(sec => sec.entries);
    expect(entries).toContainEqual(['log_group_name', 'Shop-AppLogs-1A2B3C']);
    expect(entries).toContainEqual(['bucket', 'shop-logs-archive']);
    // The IAM policy names the bucket through CloudFormation too.
    expect(JSON.stringify(t)).not.toMatch(/Token\[/);
  });

  test('Fluent Bit: the literal parts around a token are still checked', () => {
    const f = fargateTask();
    const group = new logs.LogGroup(f.stack, 'AppLogs');
    expectError(() => new FluentBitSidecar(f.stack, 'logs', {
      outputs: [FluentBitOutput.cloudWatchLogs({ logGroupName: `${group.logGroupName}\n[OUTPUT]`, region: 'eu-west-1' })],
    }), ErrorCode.UNREPRESENTABLE_VALUE, 'Shop/logs: outputs[0].logGroupName "<CDK token>\\n[OUTPUT]"');
  });
});

describe('Vault, Dapr and OTel values from other constructs', () => {
  test('Vault: a role and an address from parameters reach the deployed agent.hcl, which parses', async () => {
    const f = fargateTask();
    const role = new CfnParameter(f.stack, 'VaultRole');
    const address = new CfnParameter(f.stack, 'VaultAddress');
    TaskSidecars.of(f.td, { memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }).add(new VaultAgentSidecar(f.stack, 'vault', {
      address: address.valueAsString,
      auth: [VaultAuth.aws({ role: role.valueAsString })],
      secrets: [{ path: 'secret/data/shop/db', file: 'db.json' }],
    }));
    const t = synthTemplate(f.stack);
    const text = deployedFile(t, 'vault-agent-config/agent.hcl', { VaultRole: 'shop-api', VaultAddress: 'https://vault.example.com:8200' });
    const hcl = await validateAgentConfig(text);
    expect(JSON.stringify(hcl)).toContain('"role":"shop-api"');
    expect(JSON.stringify(hcl)).toContain('"address":"https://vault.example.com:8200"');
  });

  test('Dapr: a component metadata value from a parameter reaches the deployed component, which validates', () => {
    const f = fargateTask();
    const host = new CfnParameter(f.stack, 'RedisHost');
    TaskSidecars.of(f.td).add(new DaprSidecar(f.stack, 'dapr', {
      appId: 'orders',
      appPort: 8080,
      appWaitsFor: WaitCondition.STARTED,
      components: [{ name: 'statestore', type: 'state.redis', version: 'v1', metadata: { redisHost: host.valueAsString } }],
    }));
    const t = synthTemplate(f.stack);
    const doc = validateDaprResource(deployedFile(t, 'daprd-components/statestore.yaml', { RedisHost: 'shop.abc123.cache.amazonaws.com:6379' }));
    expect(doc.spec.metadata).toContainEqual({ name: 'redisHost', value: 'shop.abc123.cache.amazonaws.com:6379' });
  });

  test('OTel: an exporter log group from another construct reaches the deployed collector config, which validates', () => {
    const f = fargateTask();
    const group = new logs.LogGroup(f.stack, 'Metrics');
    TaskSidecars.of(f.td).add(new OtelCollectorSidecar(f.stack, 'otel', {
      distribution: OtelCollectorDistribution.AWS_DISTRO,
      awsEmfExporter: { region: 'eu-west-1', metricNamespace: 'Shop/Api', logGroupName: group.logGroupName },
      appWaitsFor: WaitCondition.STARTED,
    }));
    const t = synthTemplate(f.stack);
    const config = validateOtelCollectorConfig(deployedFile(t, 'otel-collector-config/config.yaml', { [logicalId(f.stack, group.logGroupName)]: 'Shop-Metrics-9Z8Y' }));
    expect(config.exporters.awsemf.log_group_name).toBe('Shop-Metrics-9Z8Y');
  });
});

describe('container fields that only travel', () => {
  test('env values and args with tokens are rendered through CloudFormation', () => {
    const f = fargateTask();
    const endpoint = new CfnParameter(f.stack, 'Endpoint');
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', {
      image: 'ghcr.io/acme/agent:1.0.0',
      env: { ENDPOINT: endpoint.valueAsString },
      args: [`--endpoint=${endpoint.valueAsString}`],
    }));
    const agent = container(synthTemplate(f.stack), 'agent');
    expect(agent.Environment).toEqual([{ Name: 'ENDPOINT', Value: { Ref: 'Endpoint' } }]);
    expect(deploy(agent.Command[0], { Endpoint: 'https://c.example.com' })).toBe('--endpoint=https://c.example.com');
  });
});

describe('endpoints from other constructs', () => {
  test('OPA: a service URL with a token reaches the deployed config.yaml, which validates', () => {
    const f = fargateTask();
    const host = new CfnParameter(f.stack, 'BundleHost');
    TaskSidecars.of(f.td).add(new OpaSidecar(f.stack, 'opa', {
      services: [{ name: 'acme', url: `https://${host.valueAsString}/v1` }],
      bundles: [{ name: 'authz', service: 'acme', resource: 'bundles/authz.tar.gz' }],
    }));
    const t = synthTemplate(f.stack);
    const writer = container(t, 'cdk-sidecars-config');
    const target = writer.Command[0].split('\n').map((l: string) => / > '\/cdk-sidecars\/(.*config\.yaml)'$/.exec(l)?.[1]).find(Boolean);
    const config = validateOpaConfig(deployedFile(t, target, { BundleHost: 'bundles.acme.dev' }));
    expect(config.services.acme.url).toBe('https://bundles.acme.dev/v1');
  });

  test('OPA: a bad literal part around a token is shown with the placeholder, not as a token error', () => {
    const f = fargateTask();
    const host = new CfnParameter(f.stack, 'BundleHost');
    expectError(() => new OpaSidecar(f.stack, 'opa', { services: [{ name: 'acme', url: `ftp://${host.valueAsString}/v1` }] }),
      ErrorCode.INVALID_URL, 'Shop/opa: services[0].url "ftp://<CDK token>/v1" has the scheme "ftp"');
  });

  test('OTel: an OTLP endpoint that is a token reaches the deployed collector config', () => {
    const f = fargateTask();
    const endpoint = new CfnParameter(f.stack, 'Collector');
    TaskSidecars.of(f.td).add(new OtelCollectorSidecar(f.stack, 'otel', { otlpExporters: [{ endpoint: endpoint.valueAsString }], appWaitsFor: WaitCondition.STARTED }));
    const t = synthTemplate(f.stack);
    const config = validateOtelCollectorConfig(deployedFile(t, 'otel-collector-config/config.yaml', { Collector: 'otlp.vendor.example:4317' }));
    expect(Object.values<any>(config.exporters).map(e => e.endpoint)).toContain('otlp.vendor.example:4317');
  });

  test('Envoy: a cluster address that is a token is refused (Envoy\'s cluster type depends on it being an IP or a name)', () => {
    const f = fargateTask();
    const host = new CfnParameter(f.stack, 'Upstream');
    expectTokenError(() => new EnvoySidecar(f.stack, 'mesh', { clusters: [{ name: 'orders', address: host.valueAsString, port: 443 }] }),
      'Shop/mesh: clusters[0].address');
  });
});

test('a wrong type that holds tokens of its own (an ecs.Secret for a SecretSource) stays a type error', () => {
  const f = fargateTask();
  const secret = ecs.Secret.fromSsmParameter(new ssm.StringParameter(f.stack, 'Param', { stringValue: 'x' }));
  expectError(() => TaskSidecars.of(f.td, { secrets: { db: secret as any } }), ErrorCode.INVALID_TYPE, 'secrets.db');
});
