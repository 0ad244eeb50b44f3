import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Fixture, fargateTask, synthTemplate } from './util';
import { EnvoySidecar, PortExposure, Sidecar } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { TaskSidecars, TaskServiceConnectOptions } from '../../src/ecs';
import { expectError } from '../errors';

/** The task with a named app port, and the service that runs it with Service Connect. */
function serviceWith(f: Fixture, options: TaskServiceConnectOptions, ...sidecars: Array<(f: Fixture) => any>): ecs.FargateService {
  f.appContainer.addPortMappings({ containerPort: 9000, name: 'api', appProtocol: ecs.AppProtocol.http });
  const ts = TaskSidecars.of(f.td);
  sidecars.forEach(make => ts.add(make(f)));
  const vpc = new ec2.Vpc(f.stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const cluster = new ecs.Cluster(f.stack, 'Cluster', { vpc });
  return new ecs.FargateService(f.stack, 'Service', {
    cluster,
    taskDefinition: f.td,
    serviceConnectConfiguration: ts.serviceConnect(options),
  });
}

const metrics = (f: Fixture) => new Sidecar(f.stack, 'metrics', {
  image: 'ghcr.io/acme/metrics:1',
  ports: [{ port: 9102, name: 'metrics', exposure: PortExposure.EXPOSED }],
});

function serviceProps(t: any): any {
  const svc = Object.values<any>(t.Resources).find(r => r.Type === 'AWS::ECS::Service');
  return svc.Properties;
}

describe('Service Connect from the task\'s named ports', () => {
  test('the ServiceConnectProps name the app\'s port mapping; the service validates against the schema', () => {
    const f = fargateTask();
    serviceWith(f, { portMappingNames: ['api'], namespace: 'shop.local' }, metrics);
    const t = synthTemplate(f.stack);
    const sc = serviceProps(t).ServiceConnectConfiguration;
    expect(sc.Enabled).toBe(true);
    expect(sc.Namespace).toBe('shop.local');
    expect(sc.Services.map((s: any) => s.PortName)).toEqual(['api']);
  });

  test('a sidecar\'s port cannot be offered (aws-cdk-lib checks the name when the service is made): a catalogued error, not aws-cdk-lib\'s', () => {
    const f = fargateTask();
    expectError(() => serviceWith(f, { portMappingNames: ['api', 'metrics'], namespace: 'shop.local' }, metrics), ErrorCode.UNKNOWN_REFERENCE,
      'Shop/Api/CdkSidecars: serviceConnect.portMappingNames[1] "metrics" names a port mapping', 'a sidecar\'s port cannot be offered', '(the app containers of Shop/Api');
  });

  test('full services pass through, timeouts included', () => {
    const f = fargateTask();
    serviceWith(f, {
      namespace: 'shop.local',
      services: [{ portMappingName: 'api', discoveryName: 'shop-api', port: 80, idleTimeout: Duration.minutes(5) }],
    }, metrics);
    const sc = serviceProps(synthTemplate(f.stack)).ServiceConnectConfiguration;
    expect(sc.Services).toEqual([expect.objectContaining({ PortName: 'api', DiscoveryName: 'shop-api', ClientAliases: [{ Port: 80 }], Timeout: { IdleTimeoutSeconds: 300 } })]);
  });

  test('a client-only service (no ports offered)', () => {
    const f = fargateTask();
    serviceWith(f, { namespace: 'shop.local' }, metrics);
    const sc = serviceProps(synthTemplate(f.stack)).ServiceConnectConfiguration;
    expect(sc).toEqual({ Enabled: true, Namespace: 'shop.local', Services: [] });
  });

  test('a port name the task does not have is an error naming the field and the names it has', () => {
    const f = fargateTask();
    expectError(() => serviceWith(f, { portMappingNames: ['api', 'admin'], namespace: 'shop.local' }, metrics), ErrorCode.UNKNOWN_REFERENCE,
      'Shop/Api/CdkSidecars: serviceConnect.portMappingNames[1] "admin" names a port mapping', ': api)');
  });

  test('one or the other: a proxy that intercepts the task\'s traffic (APPMESH proxyConfiguration) conflicts with Service Connect', () => {
    const f = fargateTask();
    serviceWith(f, { portMappingNames: ['api'], namespace: 'shop.local' }, x => new EnvoySidecar(x.stack, 'mesh', {}));
    expectError(() => Template.fromStack(f.stack), ErrorCode.INVALID_ROLE,
      'Shop/mesh: pod.trafficInterception', 'Service Connect', 'set redirect: false on the EnvoySidecar');
  });

  test('an explicit Envoy (no interception) lives beside Service Connect', () => {
    const f = fargateTask();
    serviceWith(f, { portMappingNames: ['api'], namespace: 'shop.local' }, x => new EnvoySidecar(x.stack, 'mesh', { redirect: false }));
    expect(serviceProps(synthTemplate(f.stack)).ServiceConnectConfiguration.Services[0].PortName).toBe('api');
  });

  test('bad input: both portMappingNames and services, a wrong type, a second call', () => {
    const f = fargateTask();
    const ts = TaskSidecars.of(f.td);
    expectError(() => ts.serviceConnect({ portMappingNames: ['api'], services: [{ portMappingName: 'api' }] }), ErrorCode.ALREADY_SET,
      'Shop/Api/CdkSidecars: serviceConnect.services is already set');
    expectError(() => ts.serviceConnect({ portMappingNames: 'api' as any }), ErrorCode.INVALID_TYPE, 'serviceConnect.portMappingNames "api"');
    expectError(() => ts.serviceConnect({ services: [{ discoveryName: 'x' } as any] }), ErrorCode.INVALID_TYPE, 'serviceConnect.services[0]');
    ts.serviceConnect({});
    expectError(() => ts.serviceConnect({}), ErrorCode.ALREADY_SET, 'serviceConnect is already set');
  });
});
