import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { validateTemplate } from '../validate/cloudformation';

export interface Fixture {
  readonly app: App;
  readonly stack: Stack;
  readonly td: ecs.FargateTaskDefinition;
  readonly appContainer: ecs.ContainerDefinition;
}

/** A Fargate task definition with the user's app container already on it. */
export function fargateTask(props: { cpu?: number; memoryLimitMiB?: number; validation?: boolean; ephemeralStorageGiB?: number } = {}): Fixture {
  // aws-cdk-lib's own template validation (slow) is on only where a test asks for it,
  // and then strict: every rule violation fails the synthesis.
  const app = new App({
    builtinCloudFormationValidation: props.validation ?? false,
    context: props.validation ? { '@aws-cdk/core:validateAgainstDefaultRules': true, '@aws-cdk/core:strictCfnValidateErrors': true } : undefined,
  });
  const stack = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
  const td = new ecs.FargateTaskDefinition(stack, 'Api', { cpu: props.cpu ?? 1024, memoryLimitMiB: props.memoryLimitMiB ?? 2048, ephemeralStorageGiB: props.ephemeralStorageGiB });
  const appContainer = td.addContainer('app', {
    containerName: 'app',
    image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/api:4.2.0'),
    portMappings: [{ containerPort: 8080 }],
    memoryLimitMiB: 512,
    environment: { LOG_FORMAT: 'json' },
  });
  return { app, stack, td, appContainer };
}

/** Synthesizes the stack, checks the template strictly against the CloudFormation schemas, returns it. */
export function synthTemplate(stack: Stack): any {
  const template = Template.fromStack(stack).toJSON();
  validateTemplate(template);
  return template;
}

export function taskDefinition(template: any): any {
  const tds = Object.values<any>(template.Resources).filter(r => r.Type === 'AWS::ECS::TaskDefinition');
  if (tds.length !== 1) { throw new Error(`expected one task definition, found ${tds.length}`); }
  return tds[0].Properties;
}

export function container(template: any, name: string): any {
  const c = taskDefinition(template).ContainerDefinitions.find((x: any) => x.Name === name);
  if (!c) { throw new Error(`no container ${name}`); }
  return c;
}

export function warnings(stack: Stack): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(w => String(w.entry.data));
}

/** The notes (info annotations) of a stack: where ECS differs from what a sidecar asked and nothing is to be done. */
export function notes(stack: Stack): string[] {
  return Annotations.fromStack(stack).findInfo('*', Match.anyValue()).map(w => String(w.entry.data));
}
