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
import { container, fargateTask, synthTemplate, taskDefinition } from './util';
import { EnvoySidecar, FluentBitOutput, FluentBitSidecar, Sidecar } from '../../src';
import { ErrorCode, SidecarError } from '../../src/core/errors';
import { ConfigFileDelivery, TaskSidecars } from '../../src/ecs';
import { expectError } from '../errors';

/** Asserts the error is the token error naming path and field, with no raw token in it. */
function expectTokenError(fn: () => unknown, ...parts: string[]): void {
  const e: SidecarError = expectError(fn, ErrorCode.TOKEN_NOT_SUPPORTED, ...parts, 'is a CDK token', 'Pass a literal');
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
    TaskSidecars.of(f.td, { images: { 'envoy': ecs.ContainerImage.fromEcrRepository(repo, 'v1.35.0-acme') } })
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
