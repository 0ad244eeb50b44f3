import { App, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as YAML from 'yaml';
import { AciApp } from '../../src/aci';
import { WaitCondition } from '../../src/core/container';
import { ErrorCode } from '../../src/core/errors';
import { SecretSource, TaskSidecars } from '../../src/ecs';
import { SidecarMode, WorkloadSidecars } from '../../src/k8s';
import {
  DaprApiProtocol, DaprAppProtocol, DaprComponent, DaprInitEndpoint, DaprLogLevel, DaprMode, DaprOtelProtocol, DaprSidecar, DaprSidecarProps,
} from '../../src/sidecars/dapr';
import { appGroup, synthGroup } from '../aci/util';
import { container, fargateTask, notes, synthTemplate, taskDefinition } from '../ecs/util';
import { expectError } from '../errors';
import { findDoc, names, newChart, podOf, rawDeployment, synth } from '../k8s/util';
import { validateDaprResource } from '../validate/dapr';

const STATESTORE: DaprComponent = {
  name: 'statestore',
  type: 'state.redis',
  metadata: { redisHost: 'redis.shop.svc:6379', enableTLS: 'true' },
  secretMetadata: { redisPassword: { secretName: 'redis', key: 'password' } },
};
const PUBSUB: DaprComponent = {
  name: 'orders-pubsub',
  type: 'pubsub.kafka',
  version: 'v1',
  metadata: { brokers: 'kafka.shop.svc:9092', authType: 'password', saslUsername: 'orders' },
  secretStoreRefs: { saslPassword: { name: 'KAFKA_PASSWORD' } },
  secretStore: 'env-secrets',
};
const ENV_STORE: DaprComponent = { name: 'env-secrets', type: 'secretstores.local.env', metadata: { prefix: 'ORDERS_' } };

const STANDALONE: DaprSidecarProps = {
  appId: 'orders',
  appPort: 8080,
  components: [STATESTORE],
  configuration: { tracingSamplingRate: 1, otelEndpoint: '127.0.0.1:4317' },
};

/** The args daprd gets for STANDALONE with the defaults (app port 8080, components and a configuration). */
const STANDALONE_ARGS = [
  '--mode', 'standalone',
  '--app-id', 'orders',
  '--app-port', '8080', '--app-protocol', 'http',
  '--dapr-http-port', '3500',
  '--dapr-grpc-port', '50001',
  '--dapr-internal-grpc-port', '50002',
  '--dapr-listen-addresses', '127.0.0.1',
  '--dapr-internal-grpc-listen-address', '127.0.0.1',
  '--dapr-public-port', '3501',
  '--enable-metrics', '--metrics-port', '9090',
  '--log-level', 'info',
  '--log-as-json',
  '--max-body-size', '4Mi',
  '--dapr-graceful-shutdown-seconds', '5',
  '--resources-path', '/dapr/components',
  '--config', '/dapr/config/config.yaml',
];

/** A parsed Component file, with its structure checked (what daprd's loader requires). */
function component(text: string, name: string): any {
  const doc = YAML.parse(text);
  validateDaprResource(text);
  expect(doc).toMatchObject({ apiVersion: 'dapr.io/v1alpha1', kind: 'Component', metadata: { name } });
  expect(typeof doc.spec.type).toBe('string');
  expect(doc.spec.version).toMatch(/^v\d/);
  for (const m of doc.spec.metadata) {
    // Each entry has a name and exactly one of value, envRef, secretKeyRef.
    expect(Object.keys(m).sort()).toEqual(['name', Object.keys(m).find(k => k !== 'name')].sort());
    expect(['value', 'envRef', 'secretKeyRef']).toContain(Object.keys(m).find(k => k !== 'name'));
  }
  return doc;
}

const entry = (doc: any, name: string) => doc.spec.metadata.find((m: any) => m.name === name);

/** A cdk8s-plus-27 Deployment with Dapr; returns the pod, daprd and the parsed generated files. */
function onDeployment(props: DaprSidecarProps = STANDALONE, chart: Chart = newChart()) {
  const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
  const dapr = new DaprSidecar(chart, 'dapr', props);
  const attached = WorkloadSidecars.of(d).add(dapr);
  const docs = synth(chart);
  const pod = podOf(findDoc(docs, 'Deployment'));
  const daprd = pod.spec.initContainers.find((c: any) => c.name === 'daprd');
  const configMap = (volume: string) => docs.find(x => x.kind === 'ConfigMap' && x.metadata.name === `${d.name}-${volume}`);
  return { docs, pod, daprd, configMap, attached, dapr };
}

describe('DaprSidecar on Kubernetes, STANDALONE (native sidecar)', () => {
  const { pod, daprd, configMap } = onDeployment();

  test('daprd is a native sidecar with a startup probe on the public port, so the app starts once Dapr is up', () => {
    expect(names(pod.spec.initContainers)).toEqual(['daprd']);
    expect(daprd).toMatchObject({ image: 'daprio/daprd:1.18.7', restartPolicy: 'Always', command: ['/daprd'] });
    expect(daprd.startupProbe).toEqual({
      httpGet: { path: '/v1.0/healthz/outbound', port: 3501, scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 10,
    });
  });

  test('readiness and liveness have the timings of the Dapr 1.18 injector (dapr/dapr#9818)', () => {
    // pkg/injector/patcher/sidecar.go @ v1.18.0: readiness 1/1/1/5 s, liveness 180/10/3/5.
    expect(daprd.readinessProbe).toEqual({
      httpGet: { path: '/v1.0/healthz', port: 3501, scheme: 'HTTP' }, initialDelaySeconds: 1, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 5,
    });
    expect(daprd.livenessProbe).toEqual({
      httpGet: { path: '/v1.0/healthz/outbound', port: 3501, scheme: 'HTTP' }, initialDelaySeconds: 180, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 5,
    });
  });

  test('the args', () => {
    expect(daprd.args).toEqual(STANDALONE_ARGS);
  });

  test('the API stays on localhost (no containerPort); the public health port and metrics are declared', () => {
    expect(daprd.ports).toEqual([
      { containerPort: 3501, name: 'dapr-public', protocol: 'TCP' },
      { containerPort: 9090, name: 'dapr-metrics', protocol: 'TCP' },
    ]);
  });

  test('non-root with its own UID, read-only root filesystem, all capabilities dropped, Dapr\'s production resources', () => {
    expect(daprd.securityContext).toEqual({
      runAsUser: 1500,
      runAsGroup: 1500,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(daprd.resources).toEqual({ requests: { cpu: '100m', memory: '250Mi' }, limits: { cpu: '300m', memory: '1000Mi' } });
    expect(daprd.env).toEqual(expect.arrayContaining([{ name: 'GOMEMLIMIT', value: '900MiB' }]));
  });

  test('the app gets DAPR_HTTP_PORT and DAPR_GRPC_PORT', () => {
    expect(pod.spec.containers[0].env).toEqual([{ name: 'DAPR_HTTP_PORT', value: '3500' }, { name: 'DAPR_GRPC_PORT', value: '50001' }]);
  });

  test('the component file: plain metadata as values, the secret by envRef to a variable only daprd gets from the Secret', () => {
    const doc = component(configMap('daprd-components').data['statestore.yaml'], 'statestore');
    expect(doc.spec).toEqual({
      type: 'state.redis',
      version: 'v1',
      metadata: [
        { name: 'redisHost', value: 'redis.shop.svc:6379' },
        { name: 'enableTLS', value: 'true' },
        { name: 'redisPassword', envRef: 'COMPONENT_STATESTORE_REDISPASSWORD' },
      ],
    });
    expect(daprd.env).toEqual(expect.arrayContaining([
      { name: 'COMPONENT_STATESTORE_REDISPASSWORD', valueFrom: { secretKeyRef: { name: 'redis', key: 'password' } } },
    ]));
    expect(JSON.stringify(pod.spec.containers)).not.toContain('COMPONENT_STATESTORE_REDISPASSWORD');
  });

  test('the configuration file: tracing to an OTLP collector, passed with --config', () => {
    validateDaprResource(configMap('daprd-config').data['config.yaml']);
    expect(YAML.parse(configMap('daprd-config').data['config.yaml'])).toEqual({
      apiVersion: 'dapr.io/v1alpha1',
      kind: 'Configuration',
      metadata: { name: 'orders-config' },
      spec: { tracing: { samplingRate: '1', otel: { endpointAddress: '127.0.0.1:4317', isSecure: false, protocol: 'grpc' } } },
    });
  });

  test('the files are mounted read-only into daprd only; pods roll when they change', () => {
    expect(daprd.volumeMounts).toEqual([
      { name: 'daprd-components', mountPath: '/dapr/components', readOnly: true },
      { name: 'daprd-config', mountPath: '/dapr/config', readOnly: true },
    ]);
    expect(pod.spec.containers[0].volumeMounts).toBeUndefined();
    expect(pod.metadata.annotations['cdk-sidecars.dev/config-hash']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('daprd gets its graceful shutdown plus margin after the app', () => {
    expect(pod.spec.terminationGracePeriodSeconds).toBe(30 + 10);
  });
});

describe('DaprSidecar in a Job', () => {
  test('the Job keeps restartPolicy Never and completes: daprd is a native sidecar the app waits for', () => {
    const chart = newChart();
    const job = new kplus.Job(chart, 'report', { containers: [{ name: 'report', image: 'ghcr.io/acme/report:1' }] });
    WorkloadSidecars.of(job).add(new DaprSidecar(chart, 'dapr', { appId: 'report', components: [STATESTORE] }));
    const pod = podOf(findDoc(synth(chart), 'Job'));
    expect(pod.spec.restartPolicy).toBe('Never');
    const daprd = pod.spec.initContainers.find((c: any) => c.name === 'daprd');
    expect(daprd.restartPolicy).toBe('Always');
    expect(daprd.startupProbe.httpGet.path).toBe('/v1.0/healthz/outbound');
    // No app port: daprd never calls the app.
    expect(daprd.args).not.toContain('--app-port');
    expect(daprd.args).not.toContain('--app-protocol');
  });
});

describe('DaprSidecar on Kubernetes, CONTROL_PLANE', () => {
  const { pod, daprd, attached, docs } = onDeployment({
    appId: 'orders',
    appPort: 50051,
    appProtocol: DaprAppProtocol.GRPC,
    mode: DaprMode.CONTROL_PLANE,
    controlPlane: { configName: 'tracing', trustAnchorsSecret: { secretName: 'dapr-trust-anchors', key: 'ca.crt' } },
  });

  test('kubernetes mode with the control plane\'s addresses and mTLS', () => {
    expect(daprd.args.slice(0, 8)).toEqual(['--mode', 'kubernetes', '--app-id', 'orders', '--app-port', '50051', '--app-protocol', 'grpc']);
    const flags = (name: string) => daprd.args[daprd.args.indexOf(name) + 1];
    expect(flags('--control-plane-address')).toBe('dapr-api.dapr-system.svc.cluster.local:443');
    expect(flags('--sentry-address')).toBe('dapr-sentry.dapr-system.svc.cluster.local:443');
    expect(flags('--placement-host-address')).toBe('dapr-placement-server.dapr-system.svc.cluster.local:50005');
    expect(flags('--scheduler-host-address')).toBe('dapr-scheduler-server.dapr-system.svc.cluster.local:50006');
    expect(flags('--control-plane-namespace')).toBe('dapr-system');
    expect(flags('--control-plane-trust-domain')).toBe('cluster.local');
    expect(flags('--config')).toBe('tracing');
    expect(daprd.args).toEqual(expect.arrayContaining(['--enable-mtls', '--disable-builtin-k8s-secret-store']));
    expect(daprd.args).not.toContain('--resources-path');
    expect(daprd.args).not.toContain('--dapr-internal-grpc-listen-address');
  });

  test('the trust anchors come from the Secret, the namespace and pod name from the pod', () => {
    expect(daprd.env).toEqual(expect.arrayContaining([
      { name: 'DAPR_TRUST_ANCHORS', valueFrom: { secretKeyRef: { name: 'dapr-trust-anchors', key: 'ca.crt' } } },
      { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]));
  });

  test('a service account token for Sentry is projected into daprd only', () => {
    expect(pod.spec.volumes).toEqual([{
      name: 'daprd-identity',
      projected: {
        defaultMode: 0o444,
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: 7200, audience: 'spiffe://cluster.local/ns/dapr-system/dapr-sentry' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    }]);
    expect(daprd.volumeMounts).toEqual([{ name: 'daprd-identity', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }]);
    expect(pod.spec.containers[0].volumeMounts).toBeUndefined();
    expect(pod.spec.automountServiceAccountToken).toBe(false);
  });

  test('the internal gRPC port (mTLS) is declared for other sidecars; no component files', () => {
    expect(daprd.ports.map((p: any) => p.containerPort)).toEqual([50002, 3501, 9090]);
    expect(docs.filter(x => x.kind === 'ConfigMap')).toEqual([]);
  });

  test('the pod template carries dapr.io/app-id (Sentry signs only annotated pods); the headless Service "<appId>-dapr" selects the pods', () => {
    expect(pod.metadata.annotations['dapr.io/app-id']).toBe('orders');
    expect(attached.warnings).toEqual([]);
    // As the Dapr operator makes it (pkg/operator/handlers/dapr_handler.go @ v1.18.3), with the reachable ports only.
    const svc = findDoc(docs, 'Service', 'orders-dapr');
    const deployment = findDoc(docs, 'Deployment');
    expect(svc.spec).toEqual({
      selector: deployment.spec.selector.matchLabels,
      clusterIP: 'None',
      ports: [
        { name: 'dapr-internal', port: 50002, targetPort: 50002, protocol: 'TCP' },
        { name: 'dapr-metrics', port: 9090, targetPort: 9090, protocol: 'TCP' },
      ],
    });
    expect(Object.keys(svc.spec.selector).length).toBeGreaterThan(0);
    expect(svc.metadata.annotations).toEqual({
      'dapr.io/app-id': 'orders', 'prometheus.io/probe': 'true', 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090', 'prometheus.io/path': '/',
    });
  });

  test('a pod template annotated with another app id is an error, the same one is fine', () => {
    for (const [value, ok] of [['orders', true], ['billing', false]] as const) {
      const chart = new Chart(Testing.app(), 'web');
      const d = new kplus.Deployment(chart, 'api', {
        podMetadata: { annotations: { 'dapr.io/app-id': value } },
        containers: [{ name: 'app', image: 'ghcr.io/acme/orders:1', portNumber: 8080 }],
      });
      WorkloadSidecars.of(d).add(new DaprSidecar(chart, 'dapr', { appId: 'orders', appPort: 8080, mode: DaprMode.CONTROL_PLANE }));
      const run = () => Testing.synth(chart);
      if (ok) {
        expect(run).not.toThrow();
      } else {
        expectError(run, ErrorCode.ALREADY_SET, 'web/dapr: pod.annotations["dapr.io/app-id"] is already set ("billing") on the pod template of');
      }
    }
  });
});

describe('DaprSidecar options', () => {
  test('typed flags, an exposed API with a token, no metrics, a Dapr secret store and a Zipkin exporter', () => {
    const { daprd, pod, configMap, attached } = onDeployment({
      appId: 'orders',
      appPort: 8080,
      appProtocol: DaprAppProtocol.H2C,
      exposeApi: true,
      apiToken: { secretName: 'dapr-api', key: 'token' },
      enableMetrics: false,
      logLevel: DaprLogLevel.DEBUG,
      logAsJson: false,
      maxBodySize: '16Mi',
      gracefulShutdownSeconds: 20,
      placementHostAddress: 'placement.shop.svc:50005',
      components: [ENV_STORE, PUBSUB],
      configuration: { name: 'orders-tracing', tracingSamplingRate: 0.25, otelEndpoint: 'otel.shop.svc:4318', otelProtocol: DaprOtelProtocol.HTTP, otelIsSecure: true, zipkinEndpoint: 'http://zipkin.shop.svc:9411/api/v2/spans' },
      resources: { memoryLimitMebibytes: 500 },
    });
    const flag = (name: string) => daprd.args[daprd.args.indexOf(name) + 1];
    expect(flag('--app-protocol')).toBe('h2c');
    expect(flag('--dapr-listen-addresses')).toBe('0.0.0.0');
    expect(flag('--log-level')).toBe('debug');
    expect(flag('--max-body-size')).toBe('16Mi');
    expect(flag('--dapr-graceful-shutdown-seconds')).toBe('20');
    expect(flag('--placement-host-address')).toBe('placement.shop.svc:50005');
    expect(daprd.args).toContain('--enable-metrics=false');
    expect(daprd.args).not.toContain('--log-as-json');
    expect(daprd.args).not.toContain('--metrics-port');
    expect(daprd.ports.map((p: any) => p.containerPort)).toEqual([3500, 50001, 3501]);
    expect(daprd.env).toEqual(expect.arrayContaining([
      { name: 'DAPR_API_TOKEN', valueFrom: { secretKeyRef: { name: 'dapr-api', key: 'token' } } },
      { name: 'GOMEMLIMIT', value: '450MiB' },
    ]));
    expect(pod.spec.containers[0].env).toEqual(expect.arrayContaining([
      { name: 'DAPR_API_TOKEN', valueFrom: { secretKeyRef: { name: 'dapr-api', key: 'token' } } },
    ]));
    expect(pod.spec.terminationGracePeriodSeconds).toBe(30 + 25);

    const store = component(configMap('daprd-components').data['env-secrets.yaml'], 'env-secrets');
    expect(store.spec).toEqual({ type: 'secretstores.local.env', version: 'v1', metadata: [{ name: 'prefix', value: 'ORDERS_' }] });
    const pubsub = component(configMap('daprd-components').data['orders-pubsub.yaml'], 'orders-pubsub');
    expect(pubsub.auth).toEqual({ secretStore: 'env-secrets' });
    expect(entry(pubsub, 'saslPassword')).toEqual({ name: 'saslPassword', secretKeyRef: { name: 'KAFKA_PASSWORD', key: 'KAFKA_PASSWORD' } });
    expect(entry(pubsub, 'brokers')).toEqual({ name: 'brokers', value: 'kafka.shop.svc:9092' });

    validateDaprResource(configMap('daprd-config').data['config.yaml']);
    expect(YAML.parse(configMap('daprd-config').data['config.yaml']).spec.tracing).toEqual({
      samplingRate: '0.25',
      otel: { endpointAddress: 'otel.shop.svc:4318', isSecure: true, protocol: 'http' },
      zipkin: { endpointAddress: 'http://zipkin.shop.svc:9411/api/v2/spans' },
    });
    expect(attached.warnings).toEqual([]);
  });

  test('a secret given in clear in plain metadata is rendered, with a warning', () => {
    const { attached, configMap } = onDeployment({ appId: 'orders', components: [{ name: 'cache', type: 'state.redis', metadata: { redisPassword: 'hunter2' } }] });
    expect(entry(component(configMap('daprd-components').data['cache.yaml'], 'cache'), 'redisPassword').value).toBe('hunter2');
    expect(attached.warnings).toEqual(['web/dapr: components[0].metadata.redisPassword is written in clear into cache.yaml; give it in DaprComponent.secretMetadata (from a platform secret) or DaprComponent.secretStoreRefs instead']);
  });

  test('appWaitsFor STARTED: no startup probe, the app does not wait', () => {
    const { daprd } = onDeployment({ ...STANDALONE, appWaitsFor: WaitCondition.STARTED });
    expect(daprd.startupProbe).toBeUndefined();
    expect(daprd.restartPolicy).toBe('Always');
  });

  test('classic sidecar mode cannot wait for HEALTHY (distroless image, no wait command): refused with a pointer', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api'), { mode: SidecarMode.CLASSIC }).add(new DaprSidecar(chart, 'dapr', { appId: 'orders' }));
    expectError(() => Testing.synth(chart), ErrorCode.CLASSIC_CANNOT_WAIT, 'web/dapr: waitCommand');
  });

  test('an app container on daprd\'s HTTP port clashes', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api', [{ name: 'app', image: 'x:1', ports: [{ containerPort: 3500 }] }])).add(new DaprSidecar(chart, 'dapr', { appId: 'orders' }));
    expectError(() => Testing.synth(chart), ErrorCode.PORT_CLASH, 'web/dapr: httpPort: port 3500/TCP is already used by web/api');
  });
});

/** The files the ECS config writer writes, by path, decoded from its environment. */
function writtenFiles(template: any): { [path: string]: string } {
  const writer = container(template, 'cdk-sidecars-config');
  const files: { [path: string]: string } = {};
  for (const m of writer.Command[0].matchAll(/"\$(CDK_SIDECARS_FILE_\d+)" \| base64 -d > '([^']+)'/g)) {
    files[m[2]] = Buffer.from(writer.Environment.find((e: any) => e.Name === m[1]).Value, 'base64').toString();
  }
  return files;
}

describe('DaprSidecar on ECS (STANDALONE)', () => {
  function onTask(props: Partial<DaprSidecarProps>) {
    const f = fargateTask();
    const redis = new secretsmanager.Secret(f.stack, 'Redis');
    TaskSidecars.of(f.td, { secrets: { redis: SecretSource.fromSecretsManager(redis) } })
      .add(new DaprSidecar(f.stack, 'dapr', { ...STANDALONE, ...props }));
    return f;
  }

  test('HEALTHY is refused without a health command: the image has no shell, curl or health subcommand', () => {
    const f = onTask({});
    expectError(() => synthTemplate(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'Shop/dapr: appWaitsFor "HEALTHY" cannot be rendered on ECS Fargate: the app waits for "daprd" to be HEALTHY', 'or set appWaitsFor: WaitCondition.STARTED');
  });

  test('STARTED: daprd starts first, the writer delivers the component and configuration files, the secret comes from Secrets Manager', () => {
    const f = onTask({ appWaitsFor: WaitCondition.STARTED });
    const t = synthTemplate(f.stack);
    const daprd = container(t, 'daprd');
    expect(daprd.EntryPoint).toEqual(['/daprd']);
    expect(daprd.Command).toEqual(STANDALONE_ARGS);
    expect(daprd.User).toBe('1500:1500');
    expect(daprd.ReadonlyRootFilesystem).toBe(true);
    expect(daprd.PortMappings.map((p: any) => p.ContainerPort)).toEqual([3501, 9090]);
    expect(daprd.Secrets).toEqual([{ Name: 'COMPONENT_STATESTORE_REDISPASSWORD', ValueFrom: expect.anything() }]);
    expect(JSON.stringify(daprd.Environment)).not.toContain('REDISPASSWORD');
    expect(daprd.MountPoints).toEqual(expect.arrayContaining([
      { SourceVolume: 'daprd-components', ContainerPath: '/dapr/components', ReadOnly: true },
      { SourceVolume: 'daprd-config', ContainerPath: '/dapr/config', ReadOnly: true },
    ]));
    expect(daprd.DependsOn).toEqual([{ ContainerName: 'cdk-sidecars-config', Condition: 'SUCCESS' }]);
    const app = container(t, 'app');
    expect(app.DependsOn).toEqual([{ ContainerName: 'daprd', Condition: 'START' }]);
    expect(app.Environment).toEqual(expect.arrayContaining([{ Name: 'DAPR_HTTP_PORT', Value: '3500' }, { Name: 'DAPR_GRPC_PORT', Value: '50001' }]));

    const files = writtenFiles(t);
    const doc = component(files['/cdk-sidecars/daprd-components/statestore.yaml'], 'statestore');
    expect(entry(doc, 'redisPassword')).toEqual({ name: 'redisPassword', envRef: 'COMPONENT_STATESTORE_REDISPASSWORD' });
    validateDaprResource(files['/cdk-sidecars/daprd-config/config.yaml']);
    expect(YAML.parse(files['/cdk-sidecars/daprd-config/config.yaml'])).toMatchObject({ kind: 'Configuration', spec: { tracing: { samplingRate: '1' } } });
    // Without a health command the HTTP probes cannot be rendered on ECS: said, not dropped silently.
    expect(notes(f.stack)).toEqual(expect.arrayContaining([expect.stringContaining('Shop/dapr: livenessProbe (HTTP_GET) is not rendered')]));
  });

  test('a health command the stock (distroless) image cannot run is refused by the runtime contract', () => {
    expectError(() => synthTemplate(onTask({ healthCommand: ['/probe', 'http://127.0.0.1:3501/v1.0/healthz/outbound'] }).stack),
      ErrorCode.RUNTIME_MISSING_BINARY, 'Shop/dapr: healthCommand of container "daprd" runs "/probe" in image "daprio/daprd:', 'the image ships no "/probe"');
  });

  test('with a health command the app waits until daprd is HEALTHY, with the startup probe\'s timing', () => {
    // e.g. a probe binary in a custom daprd image; the stock image has none.
    const f = onTask({ image: 'ghcr.io/acme/daprd-with-probe:1.18.7', healthCommand: ['/probe', 'http://127.0.0.1:3501/v1.0/healthz/outbound'] });
    const t = synthTemplate(f.stack);
    expect(container(t, 'daprd').HealthCheck).toEqual({
      Command: ['CMD', '/probe', 'http://127.0.0.1:3501/v1.0/healthz/outbound'], Interval: 5, Timeout: 3, Retries: 10, StartPeriod: 50,
    });
    expect(container(t, 'app').DependsOn).toEqual([{ ContainerName: 'daprd', Condition: 'HEALTHY' }]);
    expect(taskDefinition(t).Volumes.map((v: any) => v.Name)).toEqual(expect.arrayContaining(['daprd-components', 'daprd-config']));
  });

  test('CONTROL_PLANE mode is refused: no Kubernetes identity for Sentry', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new DaprSidecar(f.stack, 'dapr', { appId: 'orders', mode: DaprMode.CONTROL_PLANE }));
    expectError(() => synthTemplate(f.stack), ErrorCode.INVALID_ROLE,
      'Shop/dapr: mode "CONTROL_PLANE" needs a Dapr control plane and a Kubernetes service account token for Sentry, but Shop/Api provides the AWS_IAM_ROLE identity',
      'Use DaprMode.STANDALONE on ECS and ACI');
  });
});

describe('DaprSidecar on ACI (STANDALONE)', () => {
  test('daprd beside the app: command with args, the secret as a secure value, the files in a secret volume', () => {
    const app = new AciApp();
    const group = appGroup(app);
    group.addSidecars(new DaprSidecar(app, 'dapr', STANDALONE));
    const { resource, yaml } = synthGroup(group);
    const daprd = resource.properties.containers.find((c: any) => c.name === 'daprd').properties;
    expect(daprd.command).toEqual(['/daprd', ...STANDALONE_ARGS]);
    expect(daprd.environmentVariables).toEqual(expect.arrayContaining([
      { name: 'COMPONENT_STATESTORE_REDISPASSWORD', secureValue: "[parameters('redisPassword')]" },
    ]));
    expect(daprd.ports).toEqual([{ port: 3501, protocol: 'TCP' }, { port: 9090, protocol: 'TCP' }]);
    expect(daprd.image).toBe('daprio/daprd:1.18.7');
    expect(daprd.readinessProbe).toEqual({
      httpGet: { path: '/v1.0/healthz', port: 3501, scheme: 'http' }, initialDelaySeconds: 1, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 5,
    });
    // ACI has no startup probe: the 180 s initial delay keeps liveness from restarting daprd while it loads its components.
    expect(daprd.livenessProbe).toEqual({
      httpGet: { path: '/v1.0/healthz/outbound', port: 3501, scheme: 'http' }, initialDelaySeconds: 180, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 5,
    });
    const api = resource.properties.containers.find((c: any) => c.name === 'api').properties;
    expect(api.environmentVariables).toEqual(expect.arrayContaining([{ name: 'DAPR_HTTP_PORT', value: '3500' }, { name: 'DAPR_GRPC_PORT', value: '50001' }]));

    const files = resource.properties.volumes.find((v: any) => v.name === 'daprd-components').secret;
    const doc = component(Buffer.from(files['statestore.yaml'], 'base64').toString(), 'statestore');
    expect(doc.spec.type).toBe('state.redis');
    expect(entry(doc, 'redisPassword').envRef).toBe('COMPONENT_STATESTORE_REDISPASSWORD');
    const config = resource.properties.volumes.find((v: any) => v.name === 'daprd-config').secret;
    validateDaprResource(Buffer.from(config['config.yaml'], 'base64').toString());
    expect(YAML.parse(Buffer.from(config['config.yaml'], 'base64').toString()).kind).toBe('Configuration');
    expect(yaml.properties.containers.map((c: any) => c.name)).toEqual(['api', 'daprd']);
    // ACI has no start order between containers: the app must retry until Dapr answers.
    expect(group.warnings).toEqual(expect.arrayContaining([expect.stringContaining('appWaitsFor is HEALTHY, but ACI starts all containers of a group together')]));
  });

  test('CONTROL_PLANE mode is refused', () => {
    const app = new AciApp();
    const group = appGroup(app);
    group.addSidecars(new DaprSidecar(app, 'dapr', { appId: 'orders', mode: DaprMode.CONTROL_PLANE }));
    expectError(() => group.toArmTemplate(), ErrorCode.INVALID_ROLE, 'dapr: mode "CONTROL_PLANE" needs a Dapr control plane', 'Use DaprMode.STANDALONE');
  });
});

describe('DaprSidecar bad input', () => {
  const make = (props: Partial<DaprSidecarProps>) => () => new DaprSidecar(newChart(), 'dapr', { ...STANDALONE, ...props });

  test.each<[string, Partial<DaprSidecarProps>, ErrorCode, string]>([
    ['an app port equal to daprd\'s HTTP port', { appPort: 3500 }, ErrorCode.DUPLICATE_PORT, 'web/dapr: appPort 3500/TCP is declared twice (also httpPort, daprd\'s own port)'],
    ['an app port equal to the public health port', { appPort: 3501 }, ErrorCode.DUPLICATE_PORT, 'web/dapr: appPort 3501/TCP'],
    ['two daprd ports on one number', { metricsPort: 3500 }, ErrorCode.DUPLICATE_PORT, 'web/dapr: metricsPort 3500/TCP is declared twice (also httpPort)'],
    ['an app ID with a dot', { appId: 'orders.v2' }, ErrorCode.INVALID_NAME, 'web/dapr: appId "orders.v2" is not a valid name'],
    ['an app ID in upper case', { appId: 'Orders' }, ErrorCode.INVALID_NAME, 'web/dapr: appId "Orders"'],
    ['a component type without a building block', { components: [{ name: 'cache', type: 'redis' }] }, ErrorCode.INVALID_ROLE,
      'web/dapr: components[0].type "redis" is not a Dapr component type "<building block>.<name>". Use e.g. "state.redis"'],
    ['a component type of an unknown building block', { components: [{ name: 'cache', type: 'storage.redis' }] }, ErrorCode.INVALID_ROLE, 'web/dapr: components[0].type "storage.redis"'],
    ['two components with one name', { components: [STATESTORE, { ...STATESTORE, type: 'state.postgresql' }] }, ErrorCode.INVALID_NAME,
      'web/dapr: components[1].name "statestore" is not a valid name (a unique component name (components[0] has it too))'],
    ['a component name with a dot', { components: [{ ...STATESTORE, name: 'state.store' }] }, ErrorCode.INVALID_NAME, 'web/dapr: components[0].name "state.store"'],
    ['a bad component version', { components: [{ ...STATESTORE, version: '1' }] }, ErrorCode.INVALID_ROLE, 'web/dapr: components[0].version "1" is not a component version'],
    ['a metadata name given twice', { components: [{ ...STATESTORE, metadata: { redisPassword: 'x' } }] }, ErrorCode.INVALID_ROLE,
      'web/dapr: components[0].secretMetadata.redisPassword "redisPassword" is also in another metadata map of this component'],
    ['a non-string metadata value', { components: [{ name: 'cache', type: 'state.redis', metadata: { enableTLS: true as any } }] }, ErrorCode.INVALID_ROLE,
      'web/dapr: components[0].metadata.enableTLS true is not a string'],
    ['a secret store that is not declared', { components: [{ ...PUBSUB }] }, ErrorCode.UNKNOWN_REFERENCE,
      'web/dapr: components[0].secretStore "env-secrets" names a secret store component that is not declared in components (type secretstores.*)'],
    ['secret store refs without a secret store', { components: [ENV_STORE, { ...PUBSUB, secretStore: undefined }] }, ErrorCode.UNKNOWN_REFERENCE, 'web/dapr: components[1].secretStore undefined'],
    ['a secret metadata key without a key', { components: [{ ...STATESTORE, secretMetadata: { redisPassword: { secretName: 'redis', key: '' } } }] }, ErrorCode.INVALID_ROLE,
      'web/dapr: components[0].secretMetadata.redisPassword.key "" is not a secret key'],
    ['a bad max body size', { maxBodySize: '4MB' }, ErrorCode.INVALID_NUMBER, 'web/dapr: maxBodySize "4MB" is not a positive resource quantity such as "4Mi"'],
    ['a max body size without unit letters', { maxBodySize: '0' }, ErrorCode.INVALID_NUMBER, 'web/dapr: maxBodySize "0"'],
    ['a negative graceful shutdown', { gracefulShutdownSeconds: -1 }, ErrorCode.INVALID_NUMBER, 'web/dapr: gracefulShutdownSeconds -1'],
    ['an app protocol without an app port', { appPort: undefined, appProtocol: DaprAppProtocol.GRPC }, ErrorCode.INEFFECTIVE_SETTING,
      'web/dapr: appProtocol "grpc" would have no effect: appPort is not set'],
    ['components in CONTROL_PLANE mode', { mode: DaprMode.CONTROL_PLANE, configuration: undefined }, ErrorCode.INEFFECTIVE_SETTING,
      'web/dapr: components ["statestore"] would have no effect: in CONTROL_PLANE mode daprd gets components and configurations from the Dapr operator'],
    ['control plane settings in STANDALONE mode', { controlPlane: { namespace: 'dapr' } }, ErrorCode.INEFFECTIVE_SETTING, 'web/dapr: controlPlane {"namespace":"dapr"} would have no effect: mode is STANDALONE'],
    ['a sampling rate above 1', { configuration: { tracingSamplingRate: 2 } }, ErrorCode.INVALID_NUMBER, 'web/dapr: configuration.tracingSamplingRate 2 is not a number from 0 to 1'],
    ['a Zipkin endpoint that is not a URL', { configuration: { zipkinEndpoint: 'zipkin:9411' } }, ErrorCode.INVALID_URL, 'web/dapr: configuration.zipkinEndpoint "zipkin:9411"'],
    ['an OTLP endpoint with a scheme', { configuration: { otelEndpoint: 'http://otel:4317' } }, ErrorCode.INVALID_ROLE, 'web/dapr: configuration.otelEndpoint "http://otel:4317" is not a host:port address'],
    ['an empty configuration', { configuration: {} }, ErrorCode.INEFFECTIVE_SETTING, 'web/dapr: configuration {} would have no effect: it sets nothing'],
    ['a bad placement address', { placementHostAddress: 'placement' }, ErrorCode.INVALID_ROLE, 'web/dapr: placementHostAddress "placement" is not one or more host:port addresses'],
    ['a bad trust anchors secret', { mode: DaprMode.CONTROL_PLANE, components: undefined, configuration: undefined, controlPlane: { trustAnchorsSecret: { secretName: 'Trust', key: 'ca.crt' } } },
      ErrorCode.INVALID_NAME, 'web/dapr: controlPlane.trustAnchorsSecret.secretName "Trust"'],
    ['appWaitsFor COMPLETED', { appWaitsFor: WaitCondition.COMPLETED }, ErrorCode.INVALID_ROLE, 'web/dapr: appWaitsFor "COMPLETED" does not fit a long-running sidecar'],
    ['a root UID', { uid: 0 }, ErrorCode.ROOT_NOT_ALLOWED, 'web/dapr: uid is 0 (root)'],
    ['an empty health command', { healthCommand: [] }, ErrorCode.INVALID_COMMAND, 'web/dapr: healthCommand [] is empty'],
  ])('%s', (_t, props, code, part) => {
    expectError(make(props), code, part);
  });

  test('secret metadata of two components on one variable name', () => {
    expectError(make({
      components: [{ name: 'a-b', type: 'state.redis', secretMetadata: { c: { secretName: 's', key: 'k' } } },
        { name: 'a', type: 'state.redis', secretMetadata: { 'b-c': { secretName: 's', key: 'k' } } }],
    }),
    ErrorCode.DUPLICATE_ENV, 'web/dapr: components[1].secretMetadata.b-c and components[0].secretMetadata.c sets "COMPONENT_A_B_C" twice');
  });
});

/** The daprd flags of the injector's annotations (issue 13, parity table 3.1). */
const FLAGS: DaprSidecarProps = {
  appId: 'orders',
  appPort: 8080,
  appWaitsFor: WaitCondition.STARTED,
  appToken: { secretName: 'dapr-app', key: 'token' },
  appMaxConcurrency: 16,
  appChannelAddress: 'app.internal',
  appHealthCheck: { path: '/ready', intervalSeconds: 10, timeoutMilliseconds: 2000, threshold: 4 },
  listenAddresses: ['[::1]', '127.0.0.1'],
  readBufferSize: '16Ki',
  blockShutdownSeconds: 20,
  enableApiLogging: false,
  enableProfiling: true,
  appBindingOptionsTimeoutSeconds: 30,
  actorsDisseminateTimeoutSeconds: 12,
  disableInitEndpoints: [DaprInitEndpoint.SUBSCRIBE, DaprInitEndpoint.CONFIG],
  configuration: {
    allowedApis: [{ name: 'state' }, { name: 'publish', version: 'v1.0', protocol: DaprApiProtocol.GRPC }],
    deniedApis: [{ name: 'secrets', protocol: DaprApiProtocol.HTTP }],
  },
};

/** What FLAGS adds to daprd's args, in order, after the flags every daprd gets. */
const FLAG_ARGS = [
  '--app-max-concurrency', '16',
  '--app-channel-address', 'app.internal',
  '--enable-app-health-check', '--app-health-check-path', '/ready', '--app-health-probe-interval', '10', '--app-health-probe-timeout', '2000', '--app-health-threshold', '4',
  '--app-binding-options-timeout', '30s',
  '--read-buffer-size', '16Ki',
  '--dapr-block-shutdown-duration', '20s',
  '--enable-api-logging=false',
  '--enable-profiling', '--profile-port', '7777',
  '--actors-disseminate-timeout', '12s',
  '--disable-init-endpoints', 'subscribe,config',
];

/** The value after a flag (undefined when absent). */
const flagOf = (args: string[], name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

describe('DaprSidecar daprd flags (the injector\'s annotations)', () => {
  test('Kubernetes: every flag rendered, the app token to daprd and the app, the API and profiler on both loopbacks', () => {
    const { daprd, pod, configMap, attached } = onDeployment(FLAGS);
    expect(daprd.args.slice(daprd.args.indexOf('--dapr-graceful-shutdown-seconds') + 2, daprd.args.indexOf('--resources-path') === -1 ? daprd.args.indexOf('--config') : undefined))
      .toEqual(FLAG_ARGS);
    expect(flagOf(daprd.args, '--dapr-listen-addresses')).toBe('[::1],127.0.0.1');
    // Loopback only: no containerPort for the API or the profiler.
    expect(daprd.ports.map((p: any) => p.containerPort)).toEqual([3501, 9090]);
    const token = { valueFrom: { secretKeyRef: { name: 'dapr-app', key: 'token' } } };
    expect(daprd.env).toEqual(expect.arrayContaining([{ name: 'APP_API_TOKEN', ...token }]));
    expect(pod.spec.containers[0].env).toEqual(expect.arrayContaining([{ name: 'APP_API_TOKEN', ...token }]));
    // daprd blocks 20 s, then drains 5 s: the pod's grace covers the app's 30 s, then daprd's 20 + 5 + 5.
    expect(pod.spec.terminationGracePeriodSeconds).toBe(30 + 30);
    const text = configMap('daprd-config').data['config.yaml'];
    validateDaprResource(text);
    expect(YAML.parse(text).spec.api).toEqual({
      allowed: [
        { name: 'state', version: 'v1.0', protocol: 'http' },
        { name: 'state', version: 'v1.0', protocol: 'grpc' },
        { name: 'publish', version: 'v1.0', protocol: 'grpc' },
      ],
      denied: [{ name: 'secrets', version: 'v1.0', protocol: 'http' }],
    });
    expect(attached.warnings).toEqual([]);
  });

  test('a listen address that is not a loopback exposes the API and the profiler', () => {
    const { daprd } = onDeployment({ ...STANDALONE, listenAddresses: ['0.0.0.0', '[::]'], enableProfiling: true, profilePort: 7070 });
    expect(flagOf(daprd.args, '--dapr-listen-addresses')).toBe('0.0.0.0,[::]');
    expect(flagOf(daprd.args, '--profile-port')).toBe('7070');
    expect(daprd.ports.map((p: any) => p.containerPort)).toEqual([3500, 50001, 3501, 9090, 7070]);
  });

  test('a gRPC app is health-checked without a path', () => {
    const { daprd } = onDeployment({ ...STANDALONE, appProtocol: DaprAppProtocol.GRPC, appHealthCheck: {} });
    expect(daprd.args).toContain('--enable-app-health-check');
    expect(daprd.args).not.toContain('--app-health-check-path');
    expect(flagOf(daprd.args, '--app-health-probe-interval')).toBe('5');
    expect(flagOf(daprd.args, '--app-health-probe-timeout')).toBe('500');
    expect(flagOf(daprd.args, '--app-health-threshold')).toBe('3');
  });

  test('CONTROL_PLANE: JWT audiences for Sentry', () => {
    const { daprd } = onDeployment({ appId: 'orders', mode: DaprMode.CONTROL_PLANE, sentryRequestJwtAudiences: ['spiffe://cluster.local', 'vault'] });
    expect(flagOf(daprd.args, '--sentry-request-jwt-audiences')).toBe('spiffe://cluster.local,vault');
  });

  test('Unix domain sockets: a shared volume at the injector\'s path in daprd and at the chosen path in the (root) app', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api', [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0', securityContext: { runAsUser: 0 } }]);
    WorkloadSidecars.of(d).add(new DaprSidecar(chart, 'dapr', { appId: 'orders', unixDomainSocketPath: '/tmp/dapr' }));
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    const daprd = pod.spec.initContainers.find((c: any) => c.name === 'daprd');
    expect(flagOf(daprd.args, '--unix-domain-socket')).toBe('/var/run/dapr-sockets');
    expect(daprd.volumeMounts).toEqual([{ name: 'daprd-sockets', mountPath: '/var/run/dapr-sockets', readOnly: false }]);
    expect(pod.spec.containers[0].volumeMounts).toEqual([{ name: 'daprd-sockets', mountPath: '/tmp/dapr', readOnly: false }]);
    expect(pod.spec.volumes).toEqual(expect.arrayContaining([{ name: 'daprd-sockets', emptyDir: { sizeLimit: '1Mi' } }]));
  });

  test('Unix domain sockets: an app with another UID cannot connect to daprd\'s 0755 sockets (runtime contract)', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api', [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0', securityContext: { runAsUser: 1000, runAsGroup: 1000 } }]);
    WorkloadSidecars.of(d).add(new DaprSidecar(chart, 'dapr', { appId: 'orders', unixDomainSocketPath: '/tmp/dapr' }));
    expectError(() => synth(chart), ErrorCode.RUNTIME_SOCKET_UNREACHABLE, 'web/dapr', 'daprd-sockets');
  });

  test('enableDebug: Delve starts daprd and listens on the debug port; the released image has no /dlv', () => {
    const debug = { ...STANDALONE, image: 'ghcr.io/acme/daprd-debug:1.18.7', enableDebug: true, debugPort: 40001 };
    const { daprd, attached } = onDeployment(debug);
    expect(daprd.command).toEqual(['/dlv']);
    expect(daprd.args).toEqual(['--listen', ':40001', '--accept-multiclient', '--headless=true', '--log', '--api-version=2', 'exec', '/daprd', '--', ...STANDALONE_ARGS]);
    expect(daprd.ports).toEqual(expect.arrayContaining([{ containerPort: 40001, name: 'dapr-debug', protocol: 'TCP' }]));
    expect(attached.warnings).toEqual(expect.arrayContaining([expect.stringContaining('enableDebug runs daprd under Delve (/dlv)')]));
    expectError(() => onDeployment({ ...STANDALONE, enableDebug: true }), ErrorCode.RUNTIME_MISSING_BINARY, 'runs "/dlv" in image "daprio/daprd:1.18.7"');
  });

  test('ECS: the same flags in the command, the app token from Secrets Manager, a longer stop timeout', () => {
    const f = fargateTask();
    const appToken = new secretsmanager.Secret(f.stack, 'AppToken');
    TaskSidecars.of(f.td, { secrets: { 'dapr-app': SecretSource.fromSecretsManager(appToken) } }).add(new DaprSidecar(f.stack, 'dapr', FLAGS));
    const t = synthTemplate(f.stack);
    const daprd = container(t, 'daprd');
    expect(daprd.Command.slice(daprd.Command.indexOf('--dapr-graceful-shutdown-seconds') + 2, daprd.Command.indexOf('--config'))).toEqual(FLAG_ARGS);
    expect(daprd.Secrets).toEqual([{ Name: 'APP_API_TOKEN', ValueFrom: expect.anything() }]);
    expect(container(t, 'app').Secrets).toEqual([{ Name: 'APP_API_TOKEN', ValueFrom: expect.anything() }]);
    expect(daprd.StopTimeout).toBe(30);
    const config = writtenFiles(t)['/cdk-sidecars/daprd-config/config.yaml'];
    validateDaprResource(config);
    expect(YAML.parse(config).spec.api.denied).toEqual([{ name: 'secrets', version: 'v1.0', protocol: 'http' }]);
  });

  test('ECS: a blocked shutdown longer than Fargate\'s stop timeout allows is refused, naming blockShutdownSeconds', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new DaprSidecar(f.stack, 'dapr', { ...FLAGS, appToken: undefined, blockShutdownSeconds: 200 }));
    expectError(() => synthTemplate(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'Shop/dapr: blockShutdownSeconds 200 cannot be rendered on ECS Fargate: the container\'s stop timeout is blockShutdownSeconds + 10 = 210 seconds',
      'Set blockShutdownSeconds to at most 110');
  });

  test('ECS: Unix domain sockets on a task volume shared with the app', () => {
    // The app runs as root: daprd's sockets are 0755, owner-only for connect().
    const stack = new Stack(new App(), 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
    const td = new ecs.FargateTaskDefinition(stack, 'Api', { cpu: 1024, memoryLimitMiB: 2048 });
    td.addContainer('app', { containerName: 'app', image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/api:4.2.0'), user: '0', memoryLimitMiB: 512 });
    TaskSidecars.of(td).add(new DaprSidecar(stack, 'dapr', { appId: 'orders', appWaitsFor: WaitCondition.STARTED, unixDomainSocketPath: '/tmp/dapr' }));
    const t = synthTemplate(stack);
    expect(container(t, 'daprd').MountPoints).toEqual([{ SourceVolume: 'daprd-sockets', ContainerPath: '/var/run/dapr-sockets', ReadOnly: false }]);
    expect(container(t, 'app').MountPoints).toEqual([{ SourceVolume: 'daprd-sockets', ContainerPath: '/tmp/dapr', ReadOnly: false }]);
  });

  test('ACI: the same flags in the command, the app token as a secure value', () => {
    const app = new AciApp();
    const group = appGroup(app);
    group.addSidecars(new DaprSidecar(app, 'dapr', FLAGS));
    const { resource } = synthGroup(group);
    const daprd = resource.properties.containers.find((c: any) => c.name === 'daprd').properties;
    expect(daprd.command.slice(daprd.command.indexOf('--dapr-graceful-shutdown-seconds') + 2, daprd.command.indexOf('--config'))).toEqual(FLAG_ARGS);
    expect(daprd.environmentVariables).toEqual(expect.arrayContaining([{ name: 'APP_API_TOKEN', secureValue: expect.stringContaining('parameters(') }]));
    const config = resource.properties.volumes.find((v: any) => v.name === 'daprd-config').secret;
    const text = Buffer.from(config['config.yaml'], 'base64').toString();
    validateDaprResource(text);
    expect(YAML.parse(text).spec.api.allowed).toHaveLength(3);
  });
});

describe('DaprSidecar pluggable components', () => {
  const PLUGGABLE: DaprSidecarProps = {
    appId: 'orders',
    appWaitsFor: WaitCondition.STARTED,
    components: [{ name: 'store', type: 'state.acme-store', metadata: { table: 'orders' } }],
    pluggableComponents: [{ name: 'acme-store', image: 'ghcr.io/acme/dapr-store:1.0.0', args: ['--verbose'], env: { STORE_REGION: 'eu' } }],
  };

  test('Kubernetes: the component starts before daprd, both share the sockets folder, the component runs with daprd\'s UID', () => {
    const { pod, daprd } = onDeployment(PLUGGABLE);
    expect(names(pod.spec.initContainers)).toEqual(['acme-store', 'daprd']);
    const comp = pod.spec.initContainers[0];
    expect(comp).toMatchObject({ image: 'ghcr.io/acme/dapr-store:1.0.0', restartPolicy: 'Always', args: ['--verbose'] });
    expect(comp.securityContext).toMatchObject({ runAsUser: 1500, runAsGroup: 1500, readOnlyRootFilesystem: true });
    expect(comp.env).toEqual([
      { name: 'STORE_REGION', value: 'eu' },
      { name: 'DAPR_COMPONENT_SOCKETS_FOLDER', value: '/tmp/dapr-components-sockets' },
      { name: 'DAPR_COMPONENTS_SOCKETS_FOLDER', value: '/tmp/dapr-components-sockets' },
    ]);
    const mount = { name: 'daprd-components-sockets', mountPath: '/tmp/dapr-components-sockets', readOnly: false };
    expect(comp.volumeMounts).toEqual([mount]);
    expect(daprd.volumeMounts).toEqual(expect.arrayContaining([mount]));
    expect(daprd.env).toEqual(expect.arrayContaining([{ name: 'DAPR_COMPONENTS_SOCKETS_FOLDER', value: '/tmp/dapr-components-sockets' }]));
    expect(pod.spec.volumes).toEqual(expect.arrayContaining([{ name: 'daprd-components-sockets', emptyDir: { sizeLimit: '1Mi' } }]));
  });

  test('ECS: daprd waits for the component to start; a custom folder reaches both', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new DaprSidecar(f.stack, 'dapr', { ...PLUGGABLE, pluggableComponentsSocketsFolder: '/var/run/components' }));
    const t = synthTemplate(f.stack);
    const daprd = container(t, 'daprd');
    expect(daprd.DependsOn).toEqual(expect.arrayContaining([{ ContainerName: 'acme-store', Condition: 'START' }]));
    expect(daprd.Environment).toEqual(expect.arrayContaining([{ Name: 'DAPR_COMPONENTS_SOCKETS_FOLDER', Value: '/var/run/components' }]));
    const comp = container(t, 'acme-store');
    expect(comp.User).toBe('1500:1500');
    expect(comp.MountPoints).toEqual([{ SourceVolume: 'daprd-components-sockets', ContainerPath: '/var/run/components', ReadOnly: false }]);
    expect(comp.Environment).toEqual(expect.arrayContaining([{ Name: 'DAPR_COMPONENT_SOCKETS_FOLDER', Value: '/var/run/components' }]));
  });

  test('ACI: the component beside daprd in the group; args without an entrypoint are refused (ACI has only command)', () => {
    const app = new AciApp();
    const bad = appGroup(app);
    bad.addSidecars(new DaprSidecar(app, 'dapr', PLUGGABLE));
    expectError(() => bad.toArmTemplate(), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'dapr: pluggableComponents[0].args ["--verbose"] cannot be rendered on Azure Container Instances');
    const app2 = new AciApp();
    const group = appGroup(app2);
    group.addSidecars(new DaprSidecar(app2, 'dapr', { ...PLUGGABLE, pluggableComponents: [{ ...PLUGGABLE.pluggableComponents![0], command: ['/store'] }] }));
    const { resource } = synthGroup(group);
    expect(resource.properties.containers.map((c: any) => c.name)).toEqual(expect.arrayContaining(['acme-store', 'daprd']));
    const comp = resource.properties.containers.find((c: any) => c.name === 'acme-store').properties;
    expect(comp.command).toEqual(['/store', '--verbose']);
    expect(comp.volumeMounts).toEqual([{ name: 'daprd-components-sockets', mountPath: '/tmp/dapr-components-sockets', readOnly: false }]);
  });

  test.each<[string, Partial<DaprSidecarProps>, ErrorCode, string]>([
    ['a sockets folder without components', { pluggableComponents: undefined, pluggableComponentsSocketsFolder: '/tmp/x' }, ErrorCode.INEFFECTIVE_SETTING,
      'web/dapr: pluggableComponentsSocketsFolder "/tmp/x" would have no effect: there are no pluggableComponents'],
    ['a relative sockets folder', { pluggableComponentsSocketsFolder: 'tmp/x' }, ErrorCode.INVALID_PATH, 'web/dapr: pluggableComponentsSocketsFolder "tmp/x"'],
    ['a component named like daprd', { pluggableComponents: [{ name: 'daprd', image: 'ghcr.io/acme/c:1' }] }, ErrorCode.INVALID_NAME, 'web/dapr: pluggableComponents[0].name "daprd"'],
    ['a component with a bad image', { pluggableComponents: [{ name: 'c', image: 'UPPER CASE' }] }, ErrorCode.INVALID_IMAGE, 'web/dapr: pluggableComponents[0].image'],
    ['a component without an image', { pluggableComponents: [{ name: 'c' } as any] }, ErrorCode.INVALID_TYPE, 'web/dapr: pluggableComponents[0].image'],
  ])('%s', (_t, props, code, part) => {
    expectError(() => new DaprSidecar(newChart(), 'dapr', { ...PLUGGABLE, ...props }), code, part);
  });
});

describe('DaprSidecar <appId>-dapr Service (CONTROL_PLANE)', () => {
  const CP: DaprSidecarProps = { appId: 'orders', mode: DaprMode.CONTROL_PLANE };

  test('serviceAnnotations join the operator\'s; an exposed API adds its ports', () => {
    const serviceAnnotations = { 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true', 'team': 'shop' };
    const { docs } = onDeployment({ ...CP, exposeApi: true, apiToken: { secretName: 'dapr-api', key: 'token' }, enableMetrics: false, serviceAnnotations });
    const svc = findDoc(docs, 'Service', 'orders-dapr');
    expect(svc.metadata.annotations).toEqual({ 'dapr.io/app-id': 'orders', 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true', 'team': 'shop' });
    expect(svc.spec.ports.map((p: any) => [p.name, p.port, p.targetPort])).toEqual([['dapr-http', 80, 3500], ['dapr-grpc', 50001, 50001], ['dapr-internal', 50002, 50002]]);
  });

  test('createService: false keeps the warning and makes no Service', () => {
    const { docs, attached } = onDeployment({ ...CP, createService: false });
    expect(docs.filter(d => d.kind === 'Service')).toEqual([]);
    expect(attached.warnings).toEqual(['web/dapr: calls from other Dapr apps need a Service "orders-dapr" that selects the pod and targets port 50002']);
  });

  test('a Job has no label selector: a warning instead of the Service', () => {
    const chart = newChart();
    const job = new kplus.Job(chart, 'report', { containers: [{ name: 'report', image: 'ghcr.io/acme/report:1' }] });
    const attached = WorkloadSidecars.of(job).add(new DaprSidecar(chart, 'dapr', { appId: 'report', mode: DaprMode.CONTROL_PLANE }));
    const docs = synth(chart);
    expect(docs.filter(d => d.kind === 'Service')).toEqual([]);
    expect(attached.warnings).toEqual([expect.stringContaining('web/dapr: needs a Service "report-dapr" that selects the pod (ports 50002->50002, 9090->9090), but web/report')]);
  });

  test.each<[string, Partial<DaprSidecarProps>, ErrorCode, string]>([
    ['createService in STANDALONE mode', { mode: undefined, createService: true }, ErrorCode.INEFFECTIVE_SETTING, 'web/dapr: createService true would have no effect: mode is STANDALONE'],
    ['serviceAnnotations without the Service', { createService: false, serviceAnnotations: { a: 'b' } }, ErrorCode.INEFFECTIVE_SETTING, 'web/dapr: serviceAnnotations {"a":"b"} would have no effect: createService is false'],
    ['an operator-managed annotation', { serviceAnnotations: { 'prometheus.io/port': '1' } }, ErrorCode.INVALID_ANNOTATION, 'web/dapr: serviceAnnotations["prometheus.io/port"]'],
    ['a bad annotation key', { serviceAnnotations: { 'a b': 'c' } }, ErrorCode.INVALID_ANNOTATION, 'web/dapr: serviceAnnotations["a b"]'],
    ['an app ID starting with a digit', { appId: '1orders' }, ErrorCode.INVALID_NAME, 'web/dapr: appId "1orders"'],
  ])('%s', (_t, props, code, part) => {
    expectError(() => new DaprSidecar(newChart(), 'dapr', { ...CP, ...props }), code, part);
  });
});

describe('DaprSidecar daprd flags, bad input', () => {
  const make = (props: Partial<DaprSidecarProps>) => () => new DaprSidecar(newChart(), 'dapr', { ...STANDALONE, ...props });

  test.each<[string, Partial<DaprSidecarProps>, ErrorCode, string]>([
    ['app flags without an app port', { appPort: undefined, appMaxConcurrency: 4 }, ErrorCode.INEFFECTIVE_SETTING, 'web/dapr: appMaxConcurrency 4 would have no effect: appPort is not set'],
    ['an app health check without an app port', { appPort: undefined, appHealthCheck: {} }, ErrorCode.INEFFECTIVE_SETTING, 'web/dapr: appHealthCheck {} would have no effect'],
    ['a zero max concurrency', { appMaxConcurrency: 0 }, ErrorCode.INVALID_NUMBER, 'web/dapr: appMaxConcurrency 0'],
    ['an app channel address with a port', { appChannelAddress: 'app:8080' }, ErrorCode.INVALID_ROLE, 'web/dapr: appChannelAddress "app:8080" is not a host name or IPv4 address'],
    ['a health check path without a slash', { appHealthCheck: { path: 'healthz' } }, ErrorCode.INVALID_PATH, 'web/dapr: appHealthCheck.path "healthz"'],
    ['a health check path for a gRPC app', { appProtocol: DaprAppProtocol.GRPC, appHealthCheck: { path: '/healthz' } }, ErrorCode.INEFFECTIVE_SETTING, 'web/dapr: appHealthCheck.path "/healthz" would have no effect: appProtocol is grpc'],
    ['a health probe timeout above the interval', { appHealthCheck: { intervalSeconds: 1, timeoutMilliseconds: 1500 } }, ErrorCode.INVALID_NUMBER,
      'web/dapr: appHealthCheck.timeoutMilliseconds 1500 is not a timeout of at most appHealthCheck.intervalSeconds (1000 ms)'],
    ['a zero health threshold', { appHealthCheck: { threshold: 0 } }, ErrorCode.INVALID_NUMBER, 'web/dapr: appHealthCheck.threshold 0'],
    ['listen addresses and exposeApi', { listenAddresses: ['127.0.0.1'], exposeApi: true }, ErrorCode.INVALID_ROLE, 'web/dapr: listenAddresses ["127.0.0.1"] and exposeApi both set'],
    ['an empty list of listen addresses', { listenAddresses: [] }, ErrorCode.INVALID_ROLE, 'web/dapr: listenAddresses [] is not a non-empty list'],
    ['an IPv6 listen address without brackets', { listenAddresses: ['::1'] }, ErrorCode.INVALID_ROLE, 'web/dapr: listenAddresses[0] "::1" is not an IPv4 address, a bracketed IPv6 address'],
    ['a relative socket path', { unixDomainSocketPath: 'tmp/dapr' }, ErrorCode.INVALID_PATH, 'web/dapr: unixDomainSocketPath "tmp/dapr"'],
    ['a read buffer size in bytes words', { readBufferSize: '4KB' }, ErrorCode.INVALID_NUMBER, 'web/dapr: readBufferSize "4KB"'],
    ['a fractional block shutdown', { blockShutdownSeconds: 1.5 }, ErrorCode.INVALID_NUMBER, 'web/dapr: blockShutdownSeconds 1.5 is not an integer number of seconds from 1 to 3600'],
    ['a zero dissemination timeout', { actorsDisseminateTimeoutSeconds: 0 }, ErrorCode.INVALID_NUMBER, 'web/dapr: actorsDisseminateTimeoutSeconds 0'],
    ['a profile port without profiling', { profilePort: 7070 }, ErrorCode.INEFFECTIVE_SETTING, 'web/dapr: profilePort 7070 would have no effect: enableProfiling is not true'],
    ['a debug port without debugging', { debugPort: 40000 }, ErrorCode.INEFFECTIVE_SETTING, 'web/dapr: debugPort 40000 would have no effect: enableDebug is not true'],
    ['a profile port on the HTTP API port', { enableProfiling: true, profilePort: 3500 }, ErrorCode.DUPLICATE_PORT, 'web/dapr: profilePort 3500/TCP is declared twice (also httpPort)'],
    ['a debug port on the app port', { enableDebug: true, debugPort: 8080 }, ErrorCode.DUPLICATE_PORT, 'web/dapr: debugPort 8080/TCP is declared twice (also appPort)'],
    ['JWT audiences in STANDALONE mode', { sentryRequestJwtAudiences: ['a'] }, ErrorCode.INEFFECTIVE_SETTING, 'web/dapr: sentryRequestJwtAudiences ["a"] would have no effect: mode is STANDALONE'],
    ['an init endpoint twice', { disableInitEndpoints: [DaprInitEndpoint.CONFIG, DaprInitEndpoint.CONFIG] }, ErrorCode.INVALID_ROLE, 'web/dapr: disableInitEndpoints ["config","config"] is not a list without repeats'],
    ['an unknown init endpoint', { disableInitEndpoints: ['actors' as any] }, ErrorCode.INVALID_TYPE, 'web/dapr: disableInitEndpoints[0] "actors"'],
    ['an app token without a key', { appToken: { secretName: 'dapr-app' } as any }, ErrorCode.INVALID_TYPE, 'web/dapr: appToken.key'],
    ['an empty allow list', { configuration: { allowedApis: [] } }, ErrorCode.INEFFECTIVE_SETTING, 'web/dapr: configuration.allowedApis [] would have no effect: an empty allow list allows every API'],
    ['an API rule with a bad version', { configuration: { deniedApis: [{ name: 'state', version: '1.0' }] } }, ErrorCode.INVALID_ROLE,
      'web/dapr: configuration.deniedApis[0].version "1.0" is not a Dapr API version'],
    ['an API rule with an unknown protocol', { configuration: { deniedApis: [{ name: 'state', protocol: 'http2' as any }] } }, ErrorCode.INVALID_TYPE,
      'web/dapr: configuration.deniedApis[0].protocol "http2"'],
  ])('%s', (_t, props, code, part) => {
    expectError(make(props), code, part);
  });
});
