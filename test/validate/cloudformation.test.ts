import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { templateErrors, validateTemplate, validateTemplateFile } from './cloudformation';

/** A Fargate stack using most of what the ECS integration of this library emits. */
function fargateStack(app = new App()) {
  const stack = new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'TaskDef', {
    cpu: 512,
    memoryLimitMiB: 1024,
    proxyConfiguration: ecs.ProxyConfigurations.appMeshProxyConfiguration({
      containerName: 'envoy',
      properties: {
        appPorts: [80],
        proxyEgressPort: 15001,
        proxyIngressPort: 15000,
        ignoredUID: 1337,
        egressIgnoredIPs: ['169.254.170.2', '169.254.169.254'],
      },
    }),
  });
  const linuxParameters = new ecs.LinuxParameters(stack, 'LinuxParameters', { initProcessEnabled: true });
  linuxParameters.dropCapabilities(ecs.Capability.ALL);
  const appContainer = taskDefinition.addContainer('app', {
    image: ecs.ContainerImage.fromRegistry('nginx:1.27'),
    portMappings: [{ containerPort: 80 }],
    healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'] },
    readonlyRootFilesystem: true,
    user: '1000:1000',
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'app' }),
    linuxParameters,
    environment: { MODE: 'prod' },
  });
  const envoy = taskDefinition.addContainer('envoy', {
    image: ecs.ContainerImage.fromRegistry('envoyproxy/envoy:v1.31.0'),
    essential: false,
    user: '1337',
  });
  appContainer.addContainerDependencies({ container: envoy, condition: ecs.ContainerDependencyCondition.SUCCESS });
  taskDefinition.addVolume({ name: 'scratch' });
  appContainer.addMountPoints({ containerPath: '/tmp', sourceVolume: 'scratch', readOnly: false });
  envoy.addMountPoints({ containerPath: '/var/run/envoy', sourceVolume: 'scratch', readOnly: true });

  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  new ecs.FargateService(stack, 'Service', { cluster, taskDefinition, desiredCount: 2 });
  return { app, stack, taskDefinition };
}

// Synthesizing a VPC stack takes seconds: do it once, hand out deep copies.
let cdkTemplateCache: any;
const cdkTemplate = () => {
  cdkTemplateCache ??= Template.fromStack(fargateStack().stack).toJSON();
  return structuredClone(cdkTemplateCache);
};
const logicalIdOf = (template: any, type: string) =>
  Object.keys(template.Resources).find(id => template.Resources[id].Type === type)!;

/** Small hand-written template: one task definition, one service, one role. */
const template = (): any => ({
  AWSTemplateFormatVersion: '2010-09-09',
  Parameters: { CpuParam: { Type: 'String', Default: '512' }, Tag: { Type: 'String' } },
  Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Tag' }, 'prod'] } },
  Resources: {
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: { AssumeRolePolicyDocument: { Statement: [] } },
    },
    TD: {
      Type: 'AWS::ECS::TaskDefinition',
      Properties: {
        Family: 'web',
        Cpu: '256',
        Memory: '512',
        NetworkMode: 'awsvpc',
        RequiresCompatibilities: ['FARGATE'],
        TaskRoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
        ContainerDefinitions: [
          {
            Name: 'app',
            Image: 'nginx:1.27',
            Essential: true,
            PortMappings: [{ ContainerPort: 80, Protocol: 'tcp' }],
            DependsOn: [{ ContainerName: 'init', Condition: 'SUCCESS' }],
            Environment: [{ Name: 'MODE', Value: 'prod' }],
          },
          { Name: 'init', Image: 'busybox:1.36', Essential: false, Command: ['sh', '-c', 'true'] },
        ],
      },
    },
    Svc: {
      Type: 'AWS::ECS::Service',
      DependsOn: ['Role'],
      Properties: {
        Cluster: 'default',
        TaskDefinition: { Ref: 'TD' },
        LaunchType: 'FARGATE',
        DesiredCount: 1,
        NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ['subnet-1'], AssignPublicIp: 'DISABLED' } },
      },
    },
  },
});

const td = (t: any) => t.Resources.TD.Properties;
const app0 = (t: any) => td(t).ContainerDefinitions[0];
const TD = '/Resources/TD/Properties';

/** Expects exactly one problem, containing every `parts`. */
function expectOneProblem(t: any, ...parts: string[]) {
  const problems = templateErrors(t);
  expect(problems).toHaveLength(1);
  for (const part of parts) expect(problems[0]).toContain(part);
}

describe('templates synthesized by aws-cdk-lib', () => {
  test('a Fargate task definition with sidecars, dependencies, volumes, Linux parameters and App Mesh proxy passes', () => {
    const t = cdkTemplate();
    // not vacuous: the features under test are in the template
    const taskDef = t.Resources[logicalIdOf(t, 'AWS::ECS::TaskDefinition')].Properties;
    expect(taskDef.ProxyConfiguration.Type).toBe('APPMESH');
    expect(taskDef.ContainerDefinitions[0]).toMatchObject({
      DependsOn: [{ Condition: 'SUCCESS', ContainerName: 'envoy' }],
      LinuxParameters: { Capabilities: { Drop: ['ALL'] } },
      ReadonlyRootFilesystem: true,
      User: '1000:1000',
    });
    expect(taskDef.ContainerDefinitions[1].Essential).toBe(false);
    expect(logicalIdOf(t, 'AWS::ECS::Service')).toBeDefined();

    expect(templateErrors(t)).toEqual([]);
    expect(() => validateTemplate(t)).not.toThrow();
  });

  test('the *.template.json written by app.synth() passes', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-validate-'));
    try {
      const { app } = fargateStack(new App({ outdir }));
      const assembly = app.synth();
      const file = path.join(assembly.directory, assembly.getStackByName('S').templateFile);
      expect(file).toMatch(/\.template\.json$/);
      expect(() => validateTemplateFile(file)).not.toThrow();
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('an escape-hatch typo is caught', () => {
    const { stack, taskDefinition } = fargateStack();
    (taskDefinition.node.defaultChild as ecs.CfnTaskDefinition).addPropertyOverride('ContainerDefinitions.0.Essentiall', true);
    // aws-cdk-lib 2.276 runs its own synth-time template check and prints a warning for this
    // (an error with the @aws-cdk/core:validateAgainstDefaultRules flag); keep the test output clean.
    const consoleError = jest.spyOn(console, 'error').mockImplementation(() => {});
    let t: any;
    try {
      t = Template.fromStack(stack).toJSON();
    } finally {
      consoleError.mockRestore();
    }
    const id = logicalIdOf(t, 'AWS::ECS::TaskDefinition');
    expect(templateErrors(t)).toEqual([
      `${id} (AWS::ECS::TaskDefinition) at /Resources/${id}/Properties/ContainerDefinitions/0/Essentiall: unknown property "Essentiall"`,
    ]);
  });

  test('allowUnknownTypes: false reports every resource type without a schema', () => {
    const t = cdkTemplate();
    const problems = templateErrors(t, { allowUnknownTypes: false });
    const unvalidated = Object.values<any>(t.Resources).filter(r => !r.Type.startsWith('AWS::ECS::TaskDefinition') && r.Type !== 'AWS::ECS::Service');
    expect(problems).toHaveLength(unvalidated.length);
    expect(problems.join('\n')).toContain('no schema for resource type "AWS::EC2::VPC"');
    expect(problems.join('\n')).toContain('no schema for resource type "AWS::IAM::Role"');
  });
});

describe('valid hand-written templates', () => {
  test('the base template passes', () => {
    expect(templateErrors(template())).toEqual([]);
  });

  test('intrinsics are accepted in string, number, boolean, array and object positions', () => {
    const t = template();
    td(t).Cpu = { Ref: 'CpuParam' };
    td(t).Memory = { 'Fn::FindInMap': ['Sizes', { Ref: 'AWS::Region' }, 'Memory'] };
    td(t).Family = { 'Fn::Sub': '${AWS::StackName}-web' };
    td(t).RequiresCompatibilities = [{ 'Fn::If': ['IsProd', 'FARGATE', 'EC2'] }];
    td(t).ExecutionRoleArn = { 'Fn::ImportValue': { 'Fn::Sub': '${AWS::StackName}-ExecRole' } };
    Object.assign(app0(t), {
      Image: { 'Fn::Join': ['', [{ Ref: 'AWS::AccountId' }, '.dkr.ecr.', { Ref: 'AWS::Region' }, '.amazonaws.com/app:1']] },
      Memory: { Ref: 'MemoryParam' },
      Essential: { 'Fn::If': ['IsProd', true, false] },
      Command: { 'Fn::Split': [',', { Ref: 'CommandParam' }] },
      HealthCheck: { 'Fn::If': ['IsProd', { Command: ['CMD', 'true'] }, { Ref: 'AWS::NoValue' }] },
      User: { Ref: 'AWS::NoValue' },
      Hostname: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      DockerLabels: { team: { 'Fn::Base64': 'a' }, size: { 'Fn::Length': [1, 2] } },
      EntryPoint: [{ 'Fn::ToJsonString': { a: 1 } }, { 'Fn::GetAtt': 'Role.Arn' }],
      WorkingDirectory: { 'Fn::Select': ['1', { 'Fn::Cidr': ['10.0.0.0/16', 2, '8'] }] },
    });
    t.Resources.Svc.Properties.DesiredCount = { 'Fn::If': ['IsProd', 3, 1] };
    t.Resources.Svc.Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets = { 'Fn::Split': [',', { 'Fn::ImportValue': 'Subnets' }] };
    expect(templateErrors(t)).toEqual([]);
  });

  test('resource attributes and custom resource types are accepted', () => {
    const t = template();
    Object.assign(t.Resources.TD, { Condition: 'IsProd', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Metadata: { a: 1 } });
    t.Resources.Svc.DependsOn = 'TD';
    t.Resources.Custom = { Type: 'Custom::VpcRestrictDefaultSG', Properties: { ServiceToken: 'arn' } };
    t.Resources.NoProps = { Type: 'AWS::SNS::Topic' };
    expect(templateErrors(t)).toEqual([]);
  });
});

describe('rejected', () => {
  test('unknown property inside a ContainerDefinition', () => {
    const t = template();
    app0(t).Essentiall = true;
    expectOneProblem(t, `TD (AWS::ECS::TaskDefinition) at ${TD}/ContainerDefinitions/0/Essentiall: unknown property "Essentiall"`);
  });

  test('unknown top-level TaskDefinition property', () => {
    const t = template();
    td(t).Familly = 'web';
    expectOneProblem(t, `${TD}/Familly: unknown property "Familly"`);
  });

  test('unknown Service property and bad LaunchType', () => {
    const t = template();
    t.Resources.Svc.Properties.LaunchTyp = 'FARGATE';
    t.Resources.Svc.Properties.LaunchType = 'FARGATES';
    expect(templateErrors(t)).toEqual([
      'Svc (AWS::ECS::Service) at /Resources/Svc/Properties/LaunchTyp: unknown property "LaunchTyp"',
      'Svc (AWS::ECS::Service) at /Resources/Svc/Properties/LaunchType: must be one of "EC2", "FARGATE", "EXTERNAL" (got "FARGATES")',
    ]);
  });

  test('bad enum: NetworkMode', () => {
    const t = template();
    td(t).NetworkMode = 'bridged';
    expectOneProblem(t, `${TD}/NetworkMode: must be one of "awsvpc", "bridge", "host", "none" (got "bridged")`);
  });

  test('bad enum: container dependency Condition', () => {
    const t = template();
    app0(t).DependsOn[0].Condition = 'READY';
    expectOneProblem(t, `${TD}/ContainerDefinitions/0/DependsOn/0/Condition: must be one of "COMPLETE", "HEALTHY", "START", "SUCCESS" (got "READY")`);
  });

  test('bad enum inside an array: RequiresCompatibilities', () => {
    const t = template();
    td(t).RequiresCompatibilities = ['FARGATE', 'LAMBDA'];
    expectOneProblem(t, `${TD}/RequiresCompatibilities/1: must be one of`, '(got "LAMBDA")');
  });

  test('wrong types: Cpu as a non-intrinsic object, Memory as an array', () => {
    const t = template();
    td(t).Cpu = { value: 512 };
    td(t).Memory = ['512'];
    expect(templateErrors(t)).toEqual([
      `TD (AWS::ECS::TaskDefinition) at ${TD}/Cpu: must be string (got {"value":512})`,
      `TD (AWS::ECS::TaskDefinition) at ${TD}/Memory: must be string (got ["512"])`,
    ]);
  });

  test('no scalar coercion: CloudFormation would accept these, the validator does not', () => {
    const t = template();
    td(t).Cpu = 256; // a string in the schema
    app0(t).PortMappings[0].ContainerPort = '80'; // an integer in the schema
    const problems = templateErrors(t);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain(`${TD}/ContainerDefinitions/0/PortMappings/0/ContainerPort: must be integer (got "80")`);
    expect(problems[1]).toContain(`${TD}/Cpu: must be string (got 256)`);
  });

  test('missing required properties: ContainerDefinition Name and Image, LogConfiguration LogDriver', () => {
    const t = template();
    delete app0(t).Name;
    delete app0(t).Image;
    app0(t).LogConfiguration = { Options: { 'awslogs-group': 'g' } };
    expect(templateErrors(t)).toEqual([
      `TD (AWS::ECS::TaskDefinition) at ${TD}/ContainerDefinitions/0: missing required property "Name"`,
      `TD (AWS::ECS::TaskDefinition) at ${TD}/ContainerDefinitions/0: missing required property "Image"`,
      `TD (AWS::ECS::TaskDefinition) at ${TD}/ContainerDefinitions/0/LogConfiguration: missing required property "LogDriver"`,
    ]);
  });

  test('malformed intrinsic: extra key next to Ref is checked as a plain value', () => {
    const t = template();
    td(t).Cpu = { Ref: 'X', Extra: 1 };
    expectOneProblem(t, `${TD}/Cpu: must be string`, 'not an intrinsic function: an intrinsic is an object with exactly one key');
  });

  test('malformed intrinsic in an object position reports its keys as unknown properties', () => {
    const t = template();
    app0(t).HealthCheck = { 'Ref': 'X', 'Fn::If': [] };
    const problems = templateErrors(t);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain(`${TD}/ContainerDefinitions/0/HealthCheck/Ref: unknown property "Ref"`);
    expect(problems[1]).toContain(`${TD}/ContainerDefinitions/0/HealthCheck/Fn::If: unknown property "Fn::If"`);
  });

  test('unknown intrinsic function and bad intrinsic arguments', () => {
    const t = template();
    app0(t).Image = { 'Fn::Concat': ['a', 'b'] };
    td(t).Cpu = { Ref: 123 };
    td(t).Memory = { 'Fn::Join': [','] };
    // in schema property order: ContainerDefinitions, Cpu, Memory
    expect(templateErrors(t)).toEqual([
      expect.stringContaining(`${TD}/ContainerDefinitions/0/Image/Fn::Concat: unknown intrinsic function "Fn::Concat" (supported: Ref, Fn::GetAtt,`),
      `TD (AWS::ECS::TaskDefinition) at ${TD}/Cpu/Ref: must be string (got 123)`,
      `TD (AWS::ECS::TaskDefinition) at ${TD}/Memory/Fn::Join: must NOT have fewer than 2 items (got [","])`,
    ]);
  });

  test('duplicate environment variable names (cfn-lint uniqueKeys)', () => {
    const t = template();
    app0(t).Environment.push({ Name: 'MODE', Value: 'dev' });
    expectOneProblem(t, `${TD}/ContainerDefinitions/0/Environment: must not have two items with the same Name`);
  });

  test('Tag pattern and length', () => {
    const t = template();
    td(t).Tags = [{ Key: '', Value: 'a' }, { Key: 'k', Value: 'no;semicolons' }];
    const problems = templateErrors(t);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain(`${TD}/Tags/0/Key: must NOT have fewer than 1 characters`);
    expect(problems[1]).toContain(`${TD}/Tags/1/Value: must match pattern`);
  });

  test('unknown resource-level key', () => {
    const t = template();
    t.Resources.TD.Propertiess = {};
    t.Resources.Role.DependOn = 'TD';
    expect(templateErrors(t)).toEqual([
      'Role (AWS::IAM::Role) at /Resources/Role/DependOn: unknown resource attribute "DependOn" (allowed: Type, Properties, DependsOn, Condition, Metadata, DeletionPolicy, UpdateReplacePolicy, UpdatePolicy, CreationPolicy)',
      'TD (AWS::ECS::TaskDefinition) at /Resources/TD/Propertiess: unknown resource attribute "Propertiess" (allowed: Type, Properties, DependsOn, Condition, Metadata, DeletionPolicy, UpdateReplacePolicy, UpdatePolicy, CreationPolicy)',
    ]);
  });

  test('resource shape: bad Type, non-object Properties, dangling DependsOn and Condition, bad policies', () => {
    const t = template();
    t.Resources.Role.Type = 'AWS::IAM';
    t.Resources.Other = { Type: 'AWS::SNS::Topic', Properties: [] };
    t.Resources.NoType = { Properties: {} };
    t.Resources.Svc.DependsOn = ['Role', 'Missing'];
    t.Resources.TD.Condition = 'IsStaging';
    t.Resources.TD.DeletionPolicy = 'Keep';
    t.Resources.TD.UpdateReplacePolicy = 'RetainExceptOnCreate';
    const problems = templateErrors(t);
    expect(problems).toEqual([
      'Role (AWS::IAM) at /Resources/Role/Type: must be a string "Service::Provider::Resource" or "Custom::Name" (got "AWS::IAM")',
      'TD (AWS::ECS::TaskDefinition) at /Resources/TD/Condition: must name a condition in the template\'s Conditions (got "IsStaging")',
      'TD (AWS::ECS::TaskDefinition) at /Resources/TD/DeletionPolicy: must be one of "Delete", "Retain", "RetainExceptOnCreate", "Snapshot" (got "Keep")',
      'TD (AWS::ECS::TaskDefinition) at /Resources/TD/UpdateReplacePolicy: must be one of "Delete", "Retain", "Snapshot" (got "RetainExceptOnCreate")',
      'Svc (AWS::ECS::Service) at /Resources/Svc/DependsOn: "Missing" is not another resource of this template',
      'Other (AWS::SNS::Topic) at /Resources/Other/Properties: must be an object (got [])',
      'NoType (<no Type>) at /Resources/NoType/Type: must be a string "Service::Provider::Resource" or "Custom::Name" (got undefined)',
    ]);
  });

  test('template shape', () => {
    expect(templateErrors(null)).toEqual(['(root): template must be an object (got null)']);
    expect(templateErrors({ Resources: {}, Output: {} })).toEqual([
      '/Output: unknown template section "Output" (allowed: AWSTemplateFormatVersion, Description, Metadata, Parameters, Rules, Mappings, Conditions, Transform, Resources, Outputs)',
      '/Resources: must be an object with at least one resource (got {})',
    ]);
  });

  test('validateTemplate throws listing every problem', () => {
    const t = template();
    app0(t).Essentiall = true;
    td(t).NetworkMode = 'bridged';
    t.Resources.Svc.Extra = 1;
    expect(() => validateTemplate(t)).toThrow(/^3 problem\(s\) in CloudFormation template:\n {2}.*Essentiall.*\n {2}.*NetworkMode.*\n {2}.*Extra/);
  });

  test('validateTemplateFile names the file, for invalid JSON and for an invalid template', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-validate-'));
    try {
      const broken = path.join(dir, 'Broken.template.json');
      fs.writeFileSync(broken, '{ "Resources": ');
      expect(() => validateTemplateFile(broken)).toThrow(`${broken}: cannot read JSON`);

      const invalid = path.join(dir, 'Invalid.template.json');
      const t = template();
      td(t).NetworkMode = 'bridged';
      fs.writeFileSync(invalid, JSON.stringify(t));
      expect(() => validateTemplateFile(invalid)).toThrow(`${invalid}: 1 problem(s) in CloudFormation template:\n  TD (AWS::ECS::TaskDefinition) at ${TD}/NetworkMode`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a CDK-synthesized template with a parameter-driven Cpu still passes; a broken copy fails', () => {
    const app = new App();
    const stack = new Stack(app, 'P');
    const cpu = new CfnParameter(stack, 'Cpu', { type: 'String', default: '512' });
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'TD', { memoryLimitMiB: 1024 });
    (taskDefinition.node.defaultChild as ecs.CfnTaskDefinition).cpu = cpu.valueAsString;
    taskDefinition.addContainer('app', { image: ecs.ContainerImage.fromRegistry('nginx:1.27'), memoryReservationMiB: 128 });
    const t = Template.fromStack(stack).toJSON();
    const id = logicalIdOf(t, 'AWS::ECS::TaskDefinition');
    expect(t.Resources[id].Properties.Cpu).toEqual({ Ref: 'Cpu' });
    expect(templateErrors(t)).toEqual([]);

    t.Resources[id].Properties.ContainerDefinitions[0].MemoryReservation = '128';
    expect(templateErrors(t)).toEqual([
      `${id} (AWS::ECS::TaskDefinition) at /Resources/${id}/Properties/ContainerDefinitions/0/MemoryReservation: must be integer (got "128")`,
    ]);
  });
});
