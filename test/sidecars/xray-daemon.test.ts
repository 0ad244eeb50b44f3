import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AciApp } from '../../src/aci';
import { ErrorCode } from '../../src/core/errors';
import { TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { OtelCollectorSidecar } from '../../src/sidecars/otel-collector';
import { XRayDaemonLogLevel, XRayDaemonSidecar, XRayDaemonSidecarProps } from '../../src/sidecars/xray-daemon';
import { appGroup, synthGroup } from '../aci/util';
import { container, fargateTask, synthTemplate, warnings } from '../ecs/util';
import { expectError } from '../errors';
import { findDoc, names, newChart, podOf, rawDeployment, synth } from '../k8s/util';

const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries'];
const DEPRECATION = 'the AWS X-Ray daemon is in maintenance mode (critical security fixes only) and reaches end of support on 2027-02-25';
const MIGRATION = 'Migrate to OpenTelemetry: an OtelCollectorSidecar with awsXrayExporter sends traces to X-Ray';

/** The IAM statements of the policies attached to the task role. */
function taskRoleStatements(t: any): any[] {
  const td = Object.values<any>(t.Resources).find(r => r.Type === 'AWS::ECS::TaskDefinition');
  const roleRef = td.Properties.TaskRoleArn['Fn::GetAtt'][0];
  expect(t.Resources[roleRef].Type).toBe('AWS::IAM::Role');
  return Object.values<any>(t.Resources)
    .filter(r => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === roleRef))
    .flatMap(p => p.Properties.PolicyDocument.Statement);
}

describe('XRayDaemonSidecar on Kubernetes (cdk8s-plus-27)', () => {
  const chart = newChart();
  const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
  const attached = WorkloadSidecars.of(d).add(new XRayDaemonSidecar(chart, 'xray', { region: 'eu-west-1' }));
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const docs = synth(chart);
  const printed = stderr.mock.calls.map(c => String(c[0])).join('');
  stderr.mockRestore();
  const pod = podOf(findDoc(docs, 'Deployment'));
  const daemon = pod.spec.initContainers[0];

  test('a native sidecar: /xray bound to 127.0.0.1:2000 (UDP and TCP), the region, buffers sized to the memory limit', () => {
    expect(names(pod.spec.initContainers)).toEqual(['xray-daemon']);
    expect(daemon).toMatchObject({
      image: 'amazon/aws-xray-daemon:3.7.0',
      restartPolicy: 'Always',
      command: ['/xray'],
      args: ['--bind', '127.0.0.1:2000', '--bind-tcp', '127.0.0.1:2000', '--region', 'eu-west-1', '--buffer-memory', '64'],
    });
  });

  test('nothing declared (both ports are pod-local), no probes: the app waits only for it to start', () => {
    expect(daemon.ports).toBeUndefined();
    expect(daemon.startupProbe).toBeUndefined();
    expect(daemon.readinessProbe).toBeUndefined();
    expect(daemon.livenessProbe).toBeUndefined();
  });

  test('secure defaults: UID 2000, read-only root, all capabilities dropped; requests 50m/64 MiB, limit 128 MiB', () => {
    expect(daemon.securityContext).toMatchObject({
      runAsUser: 2000, runAsGroup: 2000, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] },
    });
    expect(daemon.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } });
  });

  test('the app gets AWS_XRAY_DAEMON_ADDRESS', () => {
    expect(pod.spec.containers[0].env).toEqual([{ name: 'AWS_XRAY_DAEMON_ADDRESS', value: '127.0.0.1:2000' }]);
  });

  test('warnings (WorkloadSidecars.warnings and stderr): the deprecation, and the AWS credentials Kubernetes cannot give', () => {
    expect(attached.warnings).toEqual([
      expect.stringContaining(`web/xray: ${DEPRECATION}`),
      `web/xray: needs AWS permissions ${XRAY_ACTIONS.join(', ')} on *, which Kubernetes cannot grant: give them to the pod's service account (EKS Pod Identity or IRSA)`,
    ]);
    expect(attached.warnings[0]).toContain(MIGRATION);
    expect(printed).toContain(`[cdk-sidecars] warning: web/xray: ${DEPRECATION}`);
    expect(printed).toContain('[cdk-sidecars] warning: web/xray: needs AWS permissions xray:PutTraceSegments');
  });
});

describe('XRayDaemonSidecar options', () => {
  test('local mode, resource ARN, a cross-account role, log level, another port and memory', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new XRayDaemonSidecar(chart, 'xray', {
      region: 'us-gov-west-1',
      port: 2100,
      localMode: true,
      resourceArn: 'arn:aws:ecs:us-gov-west-1:123456789012:service/shop/api',
      roleArn: 'arn:aws:iam::210987654321:role/xray-writer',
      logLevel: XRayDaemonLogLevel.INFO,
      resources: { memoryLimitMebibytes: 256 },
      bufferMemoryMegabytes: 32,
    }));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    stderr.mockRestore();
    expect(pod.spec.initContainers[0].args).toEqual([
      '--bind', '127.0.0.1:2100', '--bind-tcp', '127.0.0.1:2100', '--region', 'us-gov-west-1', '--buffer-memory', '32', '--local-mode',
      '--resource-arn', 'arn:aws:ecs:us-gov-west-1:123456789012:service/shop/api', '--role-arn', 'arn:aws:iam::210987654321:role/xray-writer',
      '--log-level', 'info',
    ]);
    expect(pod.spec.containers[0].env).toEqual([{ name: 'AWS_XRAY_DAEMON_ADDRESS', value: '127.0.0.1:2100' }]);
  });

  test('appEnv: false leaves the app alone; an app that points elsewhere is an ENV_CONFLICT naming both paths', () => {
    const chart = newChart();
    const own = [{ name: 'app', image: 'x:1', env: [{ name: 'AWS_XRAY_DAEMON_ADDRESS', value: 'xray.observability:2000' }] }];
    WorkloadSidecars.of(rawDeployment(chart, 'api', own)).add(new XRayDaemonSidecar(chart, 'xray', { region: 'eu-west-1', appEnv: false }));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(podOf(findDoc(synth(chart), 'Deployment')).spec.containers[0].env).toEqual(own[0].env);
    const conflict = newChart();
    WorkloadSidecars.of(rawDeployment(conflict, 'api', own)).add(new XRayDaemonSidecar(conflict, 'xray', { region: 'eu-west-1' }));
    expectError(() => Testing.synth(conflict), ErrorCode.ENV_CONFLICT,
      'web/xray: appRequests.env[0]: AWS_XRAY_DAEMON_ADDRESS="127.0.0.1:2000" for app container "app" conflicts with AWS_XRAY_DAEMON_ADDRESS="xray.observability:2000" from web/api');
    stderr.mockRestore();
  });

  test('beside an OTel collector (the migration): one pod, distinct UIDs and ports', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(
      new XRayDaemonSidecar(chart, 'xray', { region: 'eu-west-1' }),
      new OtelCollectorSidecar(chart, 'otel', { awsXrayExporter: { region: 'eu-west-1' } }),
    );
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    stderr.mockRestore();
    expect(names(pod.spec.initContainers)).toEqual(['xray-daemon', 'otel-collector']);
    expect(pod.spec.initContainers.map((c: any) => c.securityContext.runAsUser)).toEqual([2000, 4317]);
  });

  test('one UID for both: the composition check names both paths', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(
      new XRayDaemonSidecar(chart, 'xray', { region: 'eu-west-1', uid: 4317 }),
      new OtelCollectorSidecar(chart, 'otel', { debugExporter: {} }),
    );
    expectError(() => Testing.synth(chart), ErrorCode.UID_CLASH, 'web/otel: uid: UID 4317 is already used by web/xray (uid)', 'set uid on one of the two to another');
  });
});

describe('XRayDaemonSidecar on ECS Fargate', () => {
  const f = fargateTask();
  TaskSidecars.of(f.td).add(new XRayDaemonSidecar(f.stack, 'xray', {
    region: 'eu-west-1', roleArn: 'arn:aws:iam::210987654321:role/xray-writer',
  }));
  const t = synthTemplate(f.stack);
  const def = container(t, 'xray-daemon');

  test('container definition: /xray as 2000:2000, read-only, no port mapping (pod-local), no health check', () => {
    expect(def).toMatchObject({
      Image: 'amazon/aws-xray-daemon:3.7.0',
      EntryPoint: ['/xray'],
      Command: ['--bind', '127.0.0.1:2000', '--bind-tcp', '127.0.0.1:2000', '--region', 'eu-west-1', '--buffer-memory', '64',
        '--role-arn', 'arn:aws:iam::210987654321:role/xray-writer'],
      User: '2000:2000',
      ReadonlyRootFilesystem: true,
      Essential: true,
      Memory: 128,
      MemoryReservation: 64,
    });
    expect(def.PortMappings).toBeUndefined();
    expect(def.HealthCheck).toBeUndefined();
  });

  test('the app starts after the daemon and gets its address', () => {
    const app = container(t, 'app');
    expect(app.DependsOn).toEqual([{ ContainerName: 'xray-daemon', Condition: 'START' }]);
    expect(app.Environment).toEqual(expect.arrayContaining([{ Name: 'AWS_XRAY_DAEMON_ADDRESS', Value: '127.0.0.1:2000' }]));
  });

  test('the task role gets the X-Ray write actions, and sts:AssumeRole on the cross-account role only', () => {
    expect(taskRoleStatements(t)).toEqual([
      { Effect: 'Allow', Action: XRAY_ACTIONS, Resource: '*' },
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::210987654321:role/xray-writer' },
    ]);
  });

  test('the deprecation is a warning annotation on the task definition (cdk synth prints it)', () => {
    const shown = warnings(f.stack).filter(w => w.includes('Shop/xray'));
    expect(shown).toEqual([expect.stringContaining(`Shop/xray: ${DEPRECATION}`)]);
    expect(shown[0]).toContain(MIGRATION);
  });
});

describe('XRayDaemonSidecar on Azure Container Instances', () => {
  const app = new AciApp();
  const group = appGroup(app);
  group.addSidecars(new XRayDaemonSidecar(app, 'xray', { region: 'eu-west-1' }));
  const { resource, yaml, text } = synthGroup(group);
  const daemon = resource.properties.containers.find((c: any) => c.name === 'xray-daemon').properties;

  test('the container: command and arguments together, no ports on the group, no probes', () => {
    expect(daemon.command).toEqual(['/xray', '--bind', '127.0.0.1:2000', '--bind-tcp', '127.0.0.1:2000', '--region', 'eu-west-1', '--buffer-memory', '64']);
    expect(daemon.ports).toBeUndefined();
    expect(daemon.readinessProbe).toBeUndefined();
    expect(resource.properties.ipAddress.ports.map((p: any) => p.port)).toEqual([8080]);
    expect(resource.properties.containers[0].properties.environmentVariables).toEqual(expect.arrayContaining([{ name: 'AWS_XRAY_DAEMON_ADDRESS', value: '127.0.0.1:2000' }]));
    expect(yaml.properties.containers.map((c: any) => c.name)).toEqual(['api', 'xray-daemon']);
  });

  test('group.warnings (and the YAML header): the deprecation, and the AWS permissions ACI cannot give', () => {
    expect(group.warnings).toEqual(expect.arrayContaining([
      expect.stringContaining(`xray: ${DEPRECATION}`),
      `xray: needs AWS permissions ${XRAY_ACTIONS.join(', ')}, which an Azure container group cannot be given; the sidecar will be denied`,
    ]));
    expect(text).toContain(`# warning: xray: ${DEPRECATION}`);
  });
});

describe('XRayDaemonSidecar bad input', () => {
  const make = (props: Partial<XRayDaemonSidecarProps>) => () => new XRayDaemonSidecar(newChart(), 'xray', { region: 'eu-west-1', ...props });

  test.each<[string, Partial<XRayDaemonSidecarProps>, ErrorCode, string]>([
    ['a region that is not one', { region: 'Europe (Ireland)' }, ErrorCode.INVALID_NAME, 'web/xray: region "Europe (Ireland)" is not a valid name (an AWS region such as "eu-west-1")'],
    ['no region', { region: undefined }, ErrorCode.INVALID_NAME, 'web/xray: region undefined is not a valid name'],
    ['buffers below the daemon\'s minimum', { bufferMemoryMegabytes: 2 }, ErrorCode.INVALID_NUMBER, 'web/xray: bufferMemoryMegabytes 2 is not a whole number of MB >= 3'],
    ['buffers as large as the memory limit', { bufferMemoryMegabytes: 128 }, ErrorCode.INVALID_NUMBER, 'web/xray: bufferMemoryMegabytes 128 is not a whole number of MB from 3 to 127'],
    ['no memory limit and no buffer size', { resources: { memoryLimitMebibytes: undefined } }, ErrorCode.INVALID_RESOURCES,
      'web/xray: resources.memoryLimitMebibytes undefined is not set, and without it or bufferMemoryMegabytes the daemon would size its buffers at 1 % of the host\'s memory'],
    ['a role that is not an IAM role ARN', { roleArn: 'xray-writer' }, ErrorCode.INVALID_NAME, 'web/xray: roleArn "xray-writer" is not a valid name'],
    ['a resource ARN that is not an ARN', { resourceArn: 'shop/api' }, ErrorCode.INVALID_NAME, 'web/xray: resourceArn "shop/api" is not a valid name'],
    ['port 0', { port: 0 }, ErrorCode.INVALID_PORT, 'web/xray: port 0 is not a port number'],
    ['app containers while the app gets nothing', { appEnv: false, appContainers: ['api'] }, ErrorCode.INEFFECTIVE_SETTING,
      'web/xray: appContainers ["api"] would have no effect: appEnv is false'],
    ['an image reference with upper case', { image: 'Amazon/AWS-XRay-Daemon:3.7.0' }, ErrorCode.INVALID_IMAGE, 'web/xray: image "Amazon/AWS-XRay-Daemon:3.7.0"'],
  ])('%s', (_t, props, code, part) => {
    expectError(make(props), code, part);
  });

  test('app containers the pod does not have', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new XRayDaemonSidecar(chart, 'xray', { region: 'eu-west-1', appContainers: ['worker'] }));
    expectError(() => Testing.synth(chart), ErrorCode.UNKNOWN_APP_CONTAINER, 'web/xray: appRequests.containers[0] names app container "worker", which web/api does not have');
  });
});
