/**
 * CDK tokens on the platforms that write their output at synthesis (issue 11 section 3):
 * cdk8s resolves its own Lazy values in the app's manifests before the binder reads the pod;
 * an aws-cdk-lib token, which only CloudFormation fills in, is refused naming the field on
 * Kubernetes and ACI, as is a Lazy in a sidecar's props.
 */
import { Lazy as CdkLazy, Stack } from 'aws-cdk-lib';
import { ApiObject, Lazy } from 'cdk8s';
import { FluentBitOutput, FluentBitSidecar, Sidecar } from '../src';
import { AciApp } from '../src/aci';
import { ErrorCode } from '../src/core/errors';
import { WorkloadSidecars } from '../src/k8s';
import { appGroup, appProps, synthGroup } from './aci/util';
import { expectError } from './errors';
import { findDoc, newChart, podOf, synth } from './k8s/util';

function expectTokenError(fn: () => unknown, ...parts: string[]): void {
  const e = expectError(fn, ErrorCode.TOKEN_NOT_SUPPORTED, ...parts, 'holds a CDK token', 'Pass a literal');
  expect(e.message).not.toMatch(/Token\[|e\+289/);
}

const cdkString = () => CdkLazy.string({ produce: () => 'from-cdk' });

describe('Kubernetes', () => {
  test('a cdk8s Lazy containerPort in the app\'s manifest is resolved at synth: the sidecars see the real port', () => {
    const chart = newChart();
    const d = new ApiObject(chart, 'api', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api' },
      spec: {
        selector: { matchLabels: { app: 'api' } },
        template: {
          metadata: { labels: { app: 'api' } },
          spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0', ports: [{ containerPort: Lazy.any({ produce: () => 9090 }) }] }] },
        },
      },
    });
    // The sidecar claims 9090 too: the clash is found, so the port was read as 9090 at synth.
    WorkloadSidecars.of(d).add(new Sidecar(chart, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', ports: [{ port: 9090 }] }));
    expectError(() => synth(chart), ErrorCode.PORT_CLASH, 'web/agent: ports[0].port: port 9090/TCP is already used by web/api (app container "app")');
    const chart2 = newChart();
    const d2 = new ApiObject(chart2, 'api', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api' },
      spec: {
        selector: { matchLabels: { app: 'api' } },
        template: {
          metadata: { labels: { app: 'api' } },
          spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0', ports: [{ containerPort: Lazy.any({ produce: () => 9090 }) }] }] },
        },
      },
    });
    WorkloadSidecars.of(d2).add(new Sidecar(chart2, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', ports: [{ port: 9102 }] }));
    const pod = podOf(findDoc(synth(chart2), 'Deployment'));
    expect(pod.spec.containers.find((c: any) => c.name === 'app').ports).toEqual([{ containerPort: 9090 }]);
  });

  test('a cdk8s Lazy in a sidecar prop is refused naming the prop', () => {
    const chart = newChart();
    expectTokenError(() => new Sidecar(chart, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', ports: [{ port: Lazy.any({ produce: () => 9102 }) }] }),
      'web/agent: ports[0].port');
  });

  test('an aws-cdk-lib token in generated config content is refused naming the file, never deployed as ${Token[...]}', () => {
    const chart = newChart();
    const d = new ApiObject(chart, 'api', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api' },
      spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0' }] } } },
    });
    void Stack;
    WorkloadSidecars.of(d).add(new FluentBitSidecar(chart, 'logs', {
      outputs: [FluentBitOutput.cloudWatchLogs({ logGroupName: cdkString(), region: 'eu-west-1' })],
    }));
    expectTokenError(() => synth(chart), 'web/logs: config file', 'content', 'cdk8s writes the manifest at synthesis');
  });
});

describe('ACI', () => {
  test('an aws-cdk-lib token in a sidecar\'s env is refused naming the variable', () => {
    const app = new AciApp();
    const group = appGroup(app);
    group.addSidecars(new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', env: { ENDPOINT: cdkString() } }));
    expectTokenError(() => synthGroup(group), 'agent: env ENDPOINT', 'the ARM template is written at synthesis');
  });

  test('an aws-cdk-lib token as an app container image is refused naming the field', () => {
    const app = new AciApp();
    const props = appProps();
    expectTokenError(() => synthGroup(appGroup(app, { containers: [{ ...props.containers[0], image: `${cdkString()}:1.0.0` }] })),
      'containers[0].image');
  });
});
