/**
 * TaskSidecarsOptions of the wrong runtime type (plain JavaScript, JSON-driven platforms,
 * jsii languages) are refused with a catalogued error naming the path, the option and the value.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Sidecar } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { ConfigFileDelivery, MemoryVolumeHandling, SecretSource, TaskSidecars } from '../../src/ecs';
import { expectError } from '../errors';
import { fargateTask } from './util';

function withOptions(options: any) {
  const f = fargateTask();
  return () => {
    TaskSidecars.of(f.td, options).add(new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1.0.0' }));
    return Template.fromStack(f.stack);
  };
}

describe('TaskSidecarsOptions values of the wrong type or outside the enum', () => {
  test.each<[string, any, string]>([
    ['memoryVolumes not a member', { memoryVolumes: 'TMPFS' }, 'memoryVolumes "TMPFS"'],
    ['configDelivery not a member', { configDelivery: 'EFS' }, 'configDelivery "EFS"'],
    ['configDelivery a number', { configDelivery: 1 }, 'configDelivery 1'],
    ['appContainers a string', { appContainers: ' ' }, 'appContainers " "'],
    ['appContainers with a null', { appContainers: [null] }, 'appContainers[0] null'],
    ['configWriterImage a number', { configWriterImage: 0 }, 'configWriterImage 0'],
    ['secrets an array', { secrets: ['x'] }, 'secrets ["x"]'],
    ['secrets with a non-source', { secrets: { api: 'arn:aws:secretsmanager:x' } }, 'secrets.api "arn:aws:secretsmanager:x"'],
    ['logging a string', { logging: 'awslogs' }, 'logging "awslogs"'],
    ['options a string', 'fast', 'options "fast"'],
  ])('%s', (_, options, part) => {
    expectError(withOptions(options), ErrorCode.INVALID_TYPE, `Shop/Api/CdkSidecars: ${part}`);
  });

  test('members are accepted', () => {
    expect(withOptions({ memoryVolumes: MemoryVolumeHandling.TASK_STORAGE, configDelivery: ConfigFileDelivery.INIT_CONTAINER, appContainers: ['app'] })).not.toThrow();
  });
});

describe('TaskSidecars.of() twice', () => {
  test('equal (not identical) options are accepted', () => {
    const f = fargateTask();
    const logging = ecs.LogDrivers.awsLogs({ streamPrefix: 'x' });
    const first = TaskSidecars.of(f.td, { appContainers: ['app'], memoryVolumes: MemoryVolumeHandling.TASK_STORAGE, logging });
    const second = TaskSidecars.of(f.td, { appContainers: ['app'], memoryVolumes: MemoryVolumeHandling.TASK_STORAGE, logging });
    expect(second).toBe(first);
  });

  test('options built twice by the same code (new SecretSource and LogDriver objects of equal content) are accepted', () => {
    const f = fargateTask();
    const secret = new secretsmanager.Secret(f.stack, 'Db');
    const options = () => ({
      appContainers: ['app'],
      secrets: { db: SecretSource.fromSecretsManager(secret) },
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'x' }),
    });
    const first = TaskSidecars.of(f.td, options());
    expect(TaskSidecars.of(f.td, options())).toBe(first);
  });

  test('a secret source for another secret is still refused', () => {
    const f = fargateTask();
    const a = new secretsmanager.Secret(f.stack, 'A');
    const b = new secretsmanager.Secret(f.stack, 'B');
    TaskSidecars.of(f.td, { secrets: { db: SecretSource.fromSecretsManager(a) } });
    expectError(() => TaskSidecars.of(f.td, { secrets: { db: SecretSource.fromSecretsManager(b) } }), ErrorCode.ALREADY_SET, 'Shop/Api/CdkSidecars: options');
  });

  test('different options are still refused', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, { appContainers: ['app'] });
    expectError(() => TaskSidecars.of(f.td, { appContainers: ['web'] }), ErrorCode.ALREADY_SET, 'Shop/Api/CdkSidecars: options');
    expectError(() => TaskSidecars.of(f.td, { appContainers: ['app'], memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }), ErrorCode.ALREADY_SET);
  });
});

describe('names the library reserves', () => {
  test('an app container named like the config writer', () => {
    const f = fargateTask();
    f.td.addContainer('writer', { containerName: 'cdk-sidecars-config', image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/w:1'), memoryLimitMiB: 64 });
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1.0.0' }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.RESERVED_NAME, 'Shop/Api/writer: containerName "cdk-sidecars-config" is reserved');
  });
});
