import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Chart, Testing } from 'cdk8s';
import { ImagePolicy, Sidecar } from '../../src';
import { AciApp } from '../../src/aci';
import { ErrorCode } from '../../src/core/errors';
import { isPinnedByDigest } from '../../src/core/image-policy';
import { TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { EnvoySidecar } from '../../src/sidecars';
import { appGroup, synthGroup } from '../aci/util';
import { container, fargateTask, synthTemplate } from '../ecs/util';
import { expectError } from '../errors';
import { findDoc, newChart, podOf, rawDeployment, synth } from '../k8s/util';

const DIGEST = `sha256:${'a1'.repeat(32)}`;
const agent = (scope: any, image: string) => new Sidecar(scope, 'agent', { image, security: { uid: 1500 } });

describe('ImagePolicy.requireDigests', () => {
  test('what counts as pinned (OCI image-spec registered algorithms sha256 and sha512)', () => {
    expect(isPinnedByDigest(`ghcr.io/acme/agent:1.0.0@${DIGEST}`)).toBe(true);
    expect(isPinnedByDigest(`ghcr.io/acme/agent@${DIGEST}`)).toBe(true);
    expect(isPinnedByDigest(`ghcr.io/acme/agent@sha512:${'b'.repeat(128)}`)).toBe(true);
    expect(isPinnedByDigest('ghcr.io/acme/agent:1.0.0')).toBe(false);
    expect(isPinnedByDigest(`ghcr.io/acme/agent@sha256:${'A1'.repeat(32)}`)).toBe(false);
    expect(isPinnedByDigest(`ghcr.io/acme/agent@sha256:${'a'.repeat(63)}`)).toBe(false);
  });

  test('Kubernetes: a tag-only sidecar image is refused, naming the sidecar, the field, the value and the policy scope', () => {
    const chart = newChart();
    ImagePolicy.requireDigests(chart);
    expect(ImagePolicy.requiresDigests(chart)).toBe(true);
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(agent(chart, 'ghcr.io/acme/agent:1.0.0'));
    expectError(() => synth(chart), ErrorCode.IMAGE_NOT_PINNED, 'web/agent: image "ghcr.io/acme/agent:1.0.0" is not pinned by digest',
      'ImagePolicy.requireDigests(web)', '@sha256:<64 hex digits>');
  });

  test('Kubernetes: pinned images pass and are rendered as given; without the policy tags pass', () => {
    const chart = newChart();
    ImagePolicy.requireDigests(chart);
    const image = `ghcr.io/acme/agent:1.0.0@${DIGEST}`;
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(agent(chart, image));
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    expect(pod.spec.initContainers.find((c: any) => c.name === 'agent').image).toBe(image);

    const other = newChart('other');
    expect(ImagePolicy.requiresDigests(other)).toBe(false);
    WorkloadSidecars.of(rawDeployment(other, 'api')).add(agent(other, 'ghcr.io/acme/agent:1.0.0'));
    expect(() => synth(other)).not.toThrow();
  });

  test('Kubernetes: the redirect init container\'s image (default istio/proxyv2, tag only) is checked too', () => {
    const chart = newChart();
    ImagePolicy.requireDigests(chart.node.root);
    const envoy = new EnvoySidecar(chart, 'envoy', { image: `envoyproxy/envoy:v1.36.2@${DIGEST}` });
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(envoy);
    expectError(() => synth(chart), ErrorCode.IMAGE_NOT_PINNED, 'web/envoy: redirectImage "docker.io/istio/proxyv2:1.29.6" is not pinned by digest');

    const pinned = newChart('pinned');
    ImagePolicy.requireDigests(pinned);
    WorkloadSidecars.of(rawDeployment(pinned, 'api')).add(new EnvoySidecar(pinned, 'envoy', {
      image: `envoyproxy/envoy:v1.36.2@${DIGEST}`, redirectImage: `docker.io/istio/proxyv2:1.29.6@${DIGEST}`,
    }));
    const pod = podOf(findDoc(synth(pinned), 'Deployment'));
    expect(pod.spec.initContainers.map((c: any) => c.image)).toEqual([`docker.io/istio/proxyv2:1.29.6@${DIGEST}`, `envoyproxy/envoy:v1.36.2@${DIGEST}`]);
  });

  test('a policy on the sidecar\'s own scope applies; one on a sibling does not', () => {
    const chart = newChart();
    const s = agent(chart, 'ghcr.io/acme/agent:1.0.0');
    ImagePolicy.requireDigests(s);
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(s);
    expectError(() => synth(chart), ErrorCode.IMAGE_NOT_PINNED, 'ImagePolicy.requireDigests(web/agent)');
  });

  test('ECS: sidecar images, the config writer and ecs.ContainerImage overrides are checked', () => {
    const f = fargateTask();
    ImagePolicy.requireDigests(f.app);
    TaskSidecars.of(f.td).add(agent(f.stack, 'ghcr.io/acme/agent:1.0.0'));
    expectError(() => synthTemplate(f.stack), ErrorCode.IMAGE_NOT_PINNED, 'Shop/agent: image "ghcr.io/acme/agent:1.0.0" is not pinned by digest');

    const g = fargateTask();
    ImagePolicy.requireDigests(g.app);
    TaskSidecars.of(g.td, { images: { agent: ecs.ContainerImage.fromRegistry('ghcr.io/acme/agent:2.0.0') } }).add(agent(g.stack, `ghcr.io/acme/agent:1.0.0@${DIGEST}`));
    expectError(() => synthTemplate(g.stack), ErrorCode.IMAGE_NOT_PINNED, 'images.agent "ghcr.io/acme/agent:2.0.0" is not pinned by digest');

    const h = fargateTask();
    ImagePolicy.requireDigests(h.app);
    TaskSidecars.of(h.td, { images: { agent: ecs.ContainerImage.fromRegistry(`ghcr.io/acme/agent:2.0.0@${DIGEST}`) } }).add(agent(h.stack, `ghcr.io/acme/agent:1.0.0@${DIGEST}`));
    expect(container(synthTemplate(h.stack), 'agent').Image).toBe(`ghcr.io/acme/agent:2.0.0@${DIGEST}`);

    const w = fargateTask();
    ImagePolicy.requireDigests(w.app);
    TaskSidecars.of(w.td).add(new Sidecar(w.stack, 'agent', {
      image: `ghcr.io/acme/agent:1.0.0@${DIGEST}`, security: { uid: 1500 }, configFiles: [{ path: '/etc/agent/a.conf', content: 'x=1' }],
    }));
    expectError(() => synthTemplate(w.stack), ErrorCode.IMAGE_NOT_PINNED, 'configWriterImage', 'is not pinned by digest');
  });

  test('the context key cdk-sidecars:requireImageDigests switches it on for the whole app; a value that is not a boolean is refused', () => {
    const withContext = (value: unknown) => {
      const app = Testing.app();
      app.node.setContext('cdk-sidecars:requireImageDigests', value);
      return new Chart(app, 'web');
    };
    const chart = withContext(true);
    expect(ImagePolicy.requiresDigests(chart)).toBe(true);
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(agent(chart, 'ghcr.io/acme/agent:1.0.0'));
    expectError(() => synth(chart), ErrorCode.IMAGE_NOT_PINNED, 'web/agent: image "ghcr.io/acme/agent:1.0.0" is not pinned by digest');
    const off = withContext(false);
    expect(ImagePolicy.requiresDigests(off)).toBe(false);
    const bad = withContext('yes');
    expectError(() => ImagePolicy.requiresDigests(bad), ErrorCode.INVALID_TYPE, 'web: context cdk-sidecars:requireImageDigests "yes"');
  });

  test('a scope that is not a construct is a catalogued error', () => {
    expectError(() => ImagePolicy.requireDigests({} as any), ErrorCode.INVALID_TYPE, 'ImagePolicy: scope {} (object) is not a construct');
    expectError(() => ImagePolicy.requiresDigests(undefined as any), ErrorCode.INVALID_TYPE, 'ImagePolicy: scope undefined');
  });

  test('ACI: sidecar images are checked', () => {
    const app = new AciApp();
    ImagePolicy.requireDigests(app);
    appGroup(app).addSidecars(agent(app, 'ghcr.io/acme/agent:1.0.0'));
    expectError(() => synthGroup(app.node.findChild('shop') as any), ErrorCode.IMAGE_NOT_PINNED, 'agent: image "ghcr.io/acme/agent:1.0.0" is not pinned by digest');
  });
});
