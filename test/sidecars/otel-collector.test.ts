import { Template } from 'aws-cdk-lib/assertions';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as YAML from 'yaml';
import { FULL } from './otel-fixtures';
import { AciApp } from '../../src/aci';
import { WaitCondition } from '../../src/core/container';
import { ErrorCode } from '../../src/core/errors';
import { TaskSidecars } from '../../src/ecs';
import { KubernetesTarget, WorkloadSidecars } from '../../src/k8s';
import {
  OtelAttributeActionType, OtelFilelogStartAt, OtelJaegerProtocol, OtelOttlContext, OtelOttlErrorMode, OtelResourceDetector, OtelSpanStatusCode,
  OtelTailSamplingPolicyType,
} from '../../src/sidecars/otel/components';
import {
  OtelCollectorDistribution, OtelCollectorSidecar, OtelCollectorSidecarProps, OtelProtocol, OtelSignal,
} from '../../src/sidecars/otel-collector';
import { appGroup, synthGroup } from '../aci/util';
import { container, fargateTask, notes, synthTemplate, warnings } from '../ecs/util';
import { expectError } from '../errors';
import { findDoc, names, newChart, podOf, rawDeployment, synth } from '../k8s/util';
import { validateOtelCollectorConfig } from '../validate/otel-collector';

const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries'];
const EMF_ACTIONS = ['logs:PutLogEvents', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:DescribeLogGroups'];

/** The component types each image has (the ones this library writes). */
const KNOWN = {
  receivers: ['otlp', 'prometheus', 'jaeger', 'zipkin', 'statsd', 'filelog'],
  processors: ['memory_limiter', 'resource', 'k8sattributes', 'resourcedetection', 'attributes', 'transform', 'filter', 'probabilistic_sampler', 'tail_sampling', 'batch'],
  exporters: ['otlp_grpc', 'otlp_http', 'prometheus', 'debug', 'awsxray', 'awsemf', 'prometheusremotewrite', 'datadog', 'elasticsearch'],
  extensions: ['health_check', 'bearertokenauth', 'oauth2client', 'sigv4auth', 'pprof', 'zpages'],
};

/**
 * Checks a parsed collector configuration the way the collector builds its graph: every
 * component id is `type[/name]` of a known type, every pipeline is traces, metrics or logs
 * with at least one receiver and one exporter, everything a pipeline names is defined,
 * everything defined is used, memory_limiter comes first and batch last.
 */
function checkCollectorConfig(config: any): void {
  const id = /^([a-z][a-z0-9_]*)(\/[A-Za-z0-9][A-Za-z0-9_.-]*)?$/;
  const used: { [section: string]: Set<string> } = { receivers: new Set(), processors: new Set(), exporters: new Set(), extensions: new Set() };
  expect(Object.keys(config).sort()).toEqual(['exporters', 'extensions', 'processors', 'receivers', 'service']);
  for (const section of Object.keys(KNOWN) as Array<keyof typeof KNOWN>) {
    for (const key of Object.keys(config[section])) {
      const m = id.exec(key);
      expect(m).not.toBeNull();
      expect(KNOWN[section]).toContain(m![1]);
    }
  }
  const pipelines = config.service.pipelines;
  expect(Object.keys(pipelines).length).toBeGreaterThan(0);
  for (const [signal, p] of Object.entries<any>(pipelines)) {
    expect(['traces', 'metrics', 'logs']).toContain(signal);
    expect(p.receivers.length).toBeGreaterThan(0);
    expect(p.exporters.length).toBeGreaterThan(0);
    for (const section of ['receivers', 'processors', 'exporters']) {
      for (const name of p[section]) {
        expect(Object.keys(config[section])).toContain(name);
        used[section].add(name);
      }
    }
    if (p.processors.includes('memory_limiter')) { expect(p.processors[0]).toBe('memory_limiter'); }
    expect(p.processors[p.processors.length - 1]).toBe('batch');
  }
  for (const name of config.service.extensions) {
    expect(Object.keys(config.extensions)).toContain(name);
    used.extensions.add(name);
  }
  for (const section of Object.keys(used)) {
    expect([...used[section]].sort()).toEqual(Object.keys(config[section]).sort());
  }
}

/** The collector's config.yaml from the ConfigMap of a synthesized pod, parsed and checked. */
function configOf(docs: any[]): any {
  const cm = docs.find(d => d.kind === 'ConfigMap' && d.data?.['config.yaml'] !== undefined);
  const config = YAML.parse(cm.data['config.yaml']);
  validateOtelCollectorConfig(cm.data['config.yaml']);
  checkCollectorConfig(config);
  return config;
}

/** A config file the ECS config writer delivers, decoded from its environment. */
function ecsConfigOf(t: any): any {
  const writer = container(t, 'cdk-sidecars-config');
  const script: string = [...(writer.EntryPoint ?? []), ...(writer.Command ?? [])].join('\n');
  const m = /"\$(CDK_SIDECARS_FILE_\d+)" \| base64 -d > '[^']*\/otel-collector-config\/config\.yaml'/.exec(script);
  expect(m).not.toBeNull();
  const config = YAML.parse(Buffer.from(writer.Environment.find((e: any) => e.Name === m![1]).Value, 'base64').toString('utf-8'));
  validateOtelCollectorConfig(Buffer.from(writer.Environment.find((e: any) => e.Name === m![1]).Value, 'base64').toString('utf-8'));
  checkCollectorConfig(config);
  return config;
}

/** The IAM actions granted to the task role of a synthesized task definition (the policies attached to it). */
function taskRoleActions(t: any): string[] {
  const tds = Object.values<any>(t.Resources).filter(r => r.Type === 'AWS::ECS::TaskDefinition');
  expect(tds.length).toBe(1);
  const roleRef = tds[0].Properties.TaskRoleArn['Fn::GetAtt'][0];
  expect(t.Resources[roleRef].Type).toBe('AWS::IAM::Role');
  const policies = Object.values<any>(t.Resources)
    .filter(r => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === roleRef));
  return policies.flatMap(p => p.Properties.PolicyDocument.Statement).flatMap((s: any) => {
    expect(s.Effect).toBe('Allow');
    expect(s.Resource).toBe('*');
    return [s.Action].flat();
  });
}

/** A cdk8s-plus-27 Deployment with the collector; returns the pod, the collector container and the parsed config. */
function onDeployment(props: OtelCollectorSidecarProps, appEnv: { [k: string]: string } = {}, chart: Chart = newChart()) {
  const d = new kplus.Deployment(chart, 'api', {
    containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080, envVariables: Object.fromEntries(Object.entries(appEnv).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])) }],
  });
  const otel = new OtelCollectorSidecar(chart, 'otel', props);
  const attached = WorkloadSidecars.of(d).add(otel);
  const docs = synth(chart);
  const pod = podOf(findDoc(docs, 'Deployment'));
  const collector = pod.spec.initContainers.find((c: any) => c.name === 'otel-collector');
  return { docs, pod, collector, config: configOf(docs), otel, attached, d };
}


describe('OtelCollectorSidecar on Kubernetes (cdk8s-plus-27, native sidecar)', () => {
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const { pod, collector, config, attached, docs, d } = onDeployment(FULL);
  stderr.mockRestore();

  test('a native sidecar the app waits for: startup, readiness and liveness on the health_check extension', () => {
    expect(names(pod.spec.initContainers)).toEqual(['otel-collector']);
    expect(collector).toMatchObject({
      image: 'otel/opentelemetry-collector-contrib:0.162.0',
      restartPolicy: 'Always',
      command: ['/otelcol-contrib'],
      args: ['--config=/etc/otelcol/config.yaml'],
    });
    const probe = { httpGet: { path: '/', port: 13133, scheme: 'HTTP' }, timeoutSeconds: 3 };
    expect(collector.startupProbe).toEqual({ ...probe, periodSeconds: 5, failureThreshold: 10 });
    expect(collector.readinessProbe).toEqual({ ...probe, periodSeconds: 10 });
    expect(collector.livenessProbe).toEqual({ ...probe, periodSeconds: 15 });
  });

  test('ports: OTLP 4317/4318 and the own metrics 8888 stay on localhost; health 13133 and Prometheus 8889 are declared', () => {
    expect(collector.ports).toEqual([
      { containerPort: 13133, name: 'otel-health', protocol: 'TCP' },
      { containerPort: 8889, name: 'otel-prom', protocol: 'TCP' },
    ]);
  });

  test('secure defaults: its own non-root UID, read-only root, nothing added; memory limit 512 MiB', () => {
    expect(collector.securityContext).toMatchObject({
      runAsUser: 4317,
      runAsGroup: 4317,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(collector.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } });
  });

  test('the collector\'s env: GOMEMLIMIT at 80 % of the limit, the pod name from the downward API, the secret header from the Secret', () => {
    expect(collector.env).toEqual([
      { name: 'GOMEMLIMIT', value: '409MiB' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'OTELCOL_HEADER_1_0', valueFrom: { secretKeyRef: { name: 'vendor', key: 'token' } } },
    ]);
  });

  test('the app is pointed at the collector over gRPC on localhost', () => {
    expect(pod.spec.containers[0].env).toEqual(expect.arrayContaining([
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://127.0.0.1:4317' },
      { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' },
    ]));
  });

  test('config.yaml: receivers on localhost, the scrape job, memory_limiter / resource / batch', () => {
    expect(config.receivers).toEqual({
      otlp: { protocols: { grpc: { endpoint: '127.0.0.1:4317' }, http: { endpoint: '127.0.0.1:4318' } } },
      prometheus: {
        config: {
          scrape_configs: [{
            job_name: 'app', scrape_interval: '15s', scrape_timeout: '5s', metrics_path: '/metrics', static_configs: [{ targets: ['127.0.0.1:8080'] }],
          }],
        },
      },
    });
    expect(config.processors).toEqual({
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 },
      resource: {
        attributes: [
          { key: 'service.name', value: 'shop-api', action: 'upsert' },
          { key: 'deployment.environment.name', value: 'production', action: 'upsert' },
          { key: 'k8s.pod.name', value: '${env:POD_NAME}', action: 'upsert' },
        ],
      },
      batch: {},
    });
  });

  test('config.yaml: exporters (a literal $ escaped, the secret header only as a reference) and the health_check extension', () => {
    expect(config.exporters).toEqual({
      'otlp_grpc': { endpoint: 'tempo.observability.svc:4317', tls: { insecure: true } },
      'otlp_http/vendor': { endpoint: 'https://otlp.vendor.example', headers: { 'x-team': 'shop$$1', 'api-key': '${env:OTELCOL_HEADER_1_0}' } },
      'prometheus': { endpoint: '0.0.0.0:8889', namespace: 'shop' },
      'debug': { verbosity: 'normal' },
    });
    expect(config.extensions).toEqual({ health_check: { endpoint: '0.0.0.0:13133', path: '/' } });
  });

  test('config.yaml: one pipeline per signal, each with the exporters that take it', () => {
    const chain = ['memory_limiter', 'resource', 'batch'];
    expect(config.service).toEqual({
      extensions: ['health_check'],
      pipelines: {
        traces: { receivers: ['otlp'], processors: chain, exporters: ['otlp_grpc', 'otlp_http/vendor'] },
        metrics: { receivers: ['otlp', 'prometheus'], processors: chain, exporters: ['otlp_http/vendor', 'prometheus'] },
        logs: { receivers: ['otlp'], processors: chain, exporters: ['otlp_http/vendor', 'debug'] },
      },
    });
  });

  test('the config is a ConfigMap mounted read-only at /etc/otelcol; no AWS permission is asked for', () => {
    const cm = findDoc(docs, 'ConfigMap', `${d.name}-otel-collector-config`);
    expect(Object.keys(cm.data)).toEqual(['config.yaml']);
    expect(collector.volumeMounts).toEqual([{ name: 'otel-collector-config', mountPath: '/etc/otelcol', readOnly: true }]);
    expect(pod.spec.volumes).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'otel-collector-config', configMap: expect.objectContaining({ name: cm.metadata.name }) }),
    ]));
    expect(attached.warnings).toEqual([]);
  });
});

describe('OtelCollectorSidecar options on Kubernetes', () => {
  const debug = { debugExporter: {} };

  test('OTLP/HTTP for the app: port 4318 and http/protobuf', () => {
    const { pod } = onDeployment({ ...debug, appProtocol: OtelProtocol.HTTP_PROTOBUF });
    expect(pod.spec.containers[0].env).toEqual([
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://127.0.0.1:4318' },
      { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' },
    ]);
  });

  test('an app that already points OTLP elsewhere: ENV_CONFLICT naming both paths', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'api', {
      containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', envVariables: { OTEL_EXPORTER_OTLP_ENDPOINT: kplus.EnvValue.fromValue('http://collector.observability:4317') } }],
    });
    WorkloadSidecars.of(d).add(new OtelCollectorSidecar(chart, 'otel', debug));
    expectError(() => Testing.synth(chart), ErrorCode.ENV_CONFLICT,
      'web/otel: appRequests.env[0]: OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4317" for app container "api" conflicts with '
      + 'OTEL_EXPORTER_OTLP_ENDPOINT="http://collector.observability:4317" from web/api/Resource (the app\'s own env)');
  });

  test('appEnv: false leaves the app\'s own OTLP settings alone', () => {
    const { pod } = onDeployment({ ...debug, appEnv: false }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.observability:4317' });
    expect(pod.spec.containers[0].env).toEqual([{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://collector.observability:4317' }]);
  });

  test('the memory limiter follows the container memory limit and its own settings; GOMEMLIMIT too', () => {
    const { collector, config } = onDeployment({
      ...debug,
      resources: { memoryLimitMebibytes: 1024 },
      memoryLimiter: { checkIntervalSeconds: 2, limitPercentage: 75, spikeLimitPercentage: 20 },
      batch: { timeoutMilliseconds: 500, sendBatchSize: 1024 },
    });
    expect(collector.resources.limits).toEqual({ memory: '1024Mi' });
    expect(collector.env).toEqual([{ name: 'GOMEMLIMIT', value: '819MiB' }]);
    expect(config.processors).toEqual({
      memory_limiter: { check_interval: '2s', limit_percentage: 75, spike_limit_percentage: 20 },
      batch: { timeout: '500ms', send_batch_size: 1024 },
    });
    expect(config.service.pipelines.traces.processors).toEqual(['memory_limiter', 'batch']);
  });

  test('memory limiter off: batch only', () => {
    const { config } = onDeployment({ ...debug, memoryLimiter: { enabled: false } });
    expect(Object.keys(config.processors)).toEqual(['batch']);
    expect(config.service.pipelines.logs.processors).toEqual(['batch']);
  });

  test('appWaitsFor STARTED: no startup probe, readiness and liveness stay', () => {
    const { collector } = onDeployment({ ...debug, appWaitsFor: WaitCondition.STARTED });
    expect(collector.startupProbe).toBeUndefined();
    expect(collector.readinessProbe.httpGet.port).toBe(13133);
  });

  test('classic sidecar mode (Kubernetes 1.28): the contrib image has no shell to wait with, so the app waits for STARTED', () => {
    const chart = newChart();
    KubernetesTarget.set(chart, '1.28');
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new OtelCollectorSidecar(chart, 'otel', debug));
    expectError(() => Testing.synth(chart), ErrorCode.CLASSIC_CANNOT_WAIT, 'web/otel: waitCommand: in classic sidecar mode nothing can wait until this container is HEALTHY');
    const started = newChart();
    KubernetesTarget.set(started, '1.28');
    WorkloadSidecars.of(rawDeployment(started, 'api')).add(new OtelCollectorSidecar(started, 'otel', { ...debug, appWaitsFor: WaitCondition.STARTED }));
    const pod = podOf(findDoc(synth(started), 'Deployment'));
    expect(names(pod.spec.containers)).toEqual(['otel-collector', 'app']);
    expect(pod.spec.initContainers).toBeUndefined();
  });

  test('signals narrow the pipelines; other ports reach the receivers, the app and the collector\'s own metrics', () => {
    const { config, pod } = onDeployment({
      otlpExporters: [{ endpoint: 'https://otlp.vendor.example:443' }],
      signals: [OtelSignal.TRACES, OtelSignal.LOGS],
      otlpGrpcPort: 14317,
      otlpHttpPort: 14318,
      healthCheckPort: 13134,
      telemetryPort: 18888,
    });
    expect(Object.keys(config.service.pipelines)).toEqual(['traces', 'logs']);
    expect(config.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '127.0.0.1:14317' }, http: { endpoint: '127.0.0.1:14318' } });
    expect(config.extensions.health_check.endpoint).toBe('0.0.0.0:13134');
    expect(config.service.telemetry).toEqual({ metrics: { readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: 18888 } } } }] } });
    expect(pod.spec.containers[0].env[0]).toEqual({ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://127.0.0.1:14317' });
    expect(pod.spec.initContainers[0].startupProbe.httpGet.port).toBe(13134);
  });

  test('an app port on the collector\'s own metrics port is a composition error', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api', [{ name: 'app', image: 'x:1', ports: [{ containerPort: 8888 }] }]))
      .add(new OtelCollectorSidecar(chart, 'otel', debug));
    expectError(() => Testing.synth(chart), ErrorCode.PORT_CLASH, 'web/otel: telemetryPort: port 8888/TCP is already used by web/api (app container "app")');
  });

  test('AWS exporters on Kubernetes: the permissions cannot be granted there, which the binder says', () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { attached, config } = onDeployment({ awsXrayExporter: { region: 'eu-west-1', indexedAttributes: ['http.route'] } });
    const printed = stderr.mock.calls.map(c => String(c[0])).join('');
    stderr.mockRestore();
    expect(config.exporters).toEqual({ awsxray: { region: 'eu-west-1', indexed_attributes: ['http.route'] } });
    expect(Object.keys(config.service.pipelines)).toEqual(['traces']);
    expect(attached.warnings).toEqual([
      `web/otel: needs AWS permissions ${XRAY_ACTIONS.join(', ')} on *, which Kubernetes cannot grant: give them to the pod's service account (EKS Pod Identity or IRSA)`,
    ]);
    expect(printed).toContain('web/otel: needs AWS permissions xray:PutTraceSegments');
  });
});

describe('OtelCollectorSidecar components (parity with the operator\'s collector configs)', () => {
  const debug = { debugExporter: {} };
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const full = onDeployment({
    otlpExporters: [{
      name: 'vendor',
      endpoint: 'otlp.vendor.example:4317',
      delivery: {
        tls: { secretName: 'vendor-tls', caFile: 'ca.crt', certFile: 'tls.crt', keyFile: 'tls.key' },
        bearerToken: { secretName: 'vendor', key: 'token' },
        sendingQueue: { numConsumers: 4, queueSize: 500 },
        retryOnFailure: { initialIntervalSeconds: 1, maxIntervalSeconds: 10, maxElapsedTimeSeconds: 60 },
      },
    }, {
      name: 'oauth',
      protocol: OtelProtocol.HTTP_PROTOBUF,
      endpoint: 'https://otlp.idp.example',
      signals: [OtelSignal.LOGS],
      delivery: { oauth2: { clientId: 'shop', clientSecret: { secretName: 'idp', key: 'secret' }, tokenUrl: 'https://idp.example/token', scopes: ['otlp.write'] } },
    }],
    prometheusRemoteWriteExporter: {
      endpoint: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write',
      externalLabels: { cluster: 'prod' },
      delivery: { sigv4: { region: 'eu-west-1', service: 'aps' }, sendingQueue: { queueSize: 2000 } },
    },
    datadogExporter: { apiKey: { secretName: 'dd', key: 'api-key' }, site: 'datadoghq.eu', signals: [OtelSignal.TRACES] },
    elasticsearchExporter: { endpoints: ['https://es.example:9200'], user: 'otel', password: { secretName: 'es', key: 'password' }, logsIndex: 'app-logs', signals: [OtelSignal.LOGS] },
    jaegerReceiver: { protocols: [OtelJaegerProtocol.GRPC, OtelJaegerProtocol.THRIFT_COMPACT] },
    zipkinReceiver: {},
    statsdReceiver: { aggregationIntervalSeconds: 30, enableMetricType: true },
    filelogReceiver: { logDirectory: '/var/log/app', include: ['*.json'], startAt: OtelFilelogStartAt.BEGINNING, parseJson: true },
    kubernetesAttributes: true,
    k8sAttributes: { podLabels: ['app.kubernetes.io/version'] },
    resourceDetection: { detectors: [OtelResourceDetector.ENV, OtelResourceDetector.SYSTEM, OtelResourceDetector.EC2], timeoutSeconds: 2 },
    attributeActions: [{ key: 'http.request.header.authorization', action: OtelAttributeActionType.DELETE }, { key: 'env', action: OtelAttributeActionType.UPSERT, value: 'p$od' }],
    transform: { traceStatements: [{ context: OtelOttlContext.SPAN, statements: ['set(attributes["team"], "shop") where name == "GET /"'] }], errorMode: OtelOttlErrorMode.IGNORE },
    filter: { spanConditions: ['attributes["http.route"] == "/healthz"'], logConditions: ['severity_number < SEVERITY_NUMBER_INFO'] },
    probabilisticSampler: { samplingPercentage: 50 },
    tailSampling: {
      decisionWaitSeconds: 10,
      policies: [
        { name: 'errors', type: OtelTailSamplingPolicyType.STATUS_CODE, statusCodes: [OtelSpanStatusCode.ERROR] },
        { name: 'slow', type: OtelTailSamplingPolicyType.LATENCY, latencyThresholdMilliseconds: 500 },
        { name: 'vip', type: OtelTailSamplingPolicyType.STRING_ATTRIBUTE, key: 'customer.tier', values: ['gold'] },
        { name: 'some', type: OtelTailSamplingPolicyType.PROBABILISTIC, samplingPercentage: 10 },
      ],
    },
    pprofExtension: {},
    zpagesExtension: { port: 55680 },
    featureGates: ['receiver.prometheusreceiver.EnableNativeHistograms', '-component.UseLocalHostAsDefaultHost'],
    exposeTelemetry: true,
  });
  stderr.mockRestore();
  const { config, collector, pod, docs } = full;

  test('receivers on 127.0.0.1: jaeger (gRPC, Thrift compact over UDP), zipkin, statsd over UDP, filelog on the shared log volume', () => {
    expect(config.receivers.jaeger).toEqual({ protocols: { grpc: { endpoint: '127.0.0.1:14250' }, thrift_compact: { endpoint: '127.0.0.1:6831' } } });
    expect(config.receivers.zipkin).toEqual({ protocols: { http: { endpoint: '127.0.0.1:9411' } } });
    expect(config.receivers.statsd).toEqual({ endpoint: '127.0.0.1:8125', transport: 'udp', aggregation_interval: '30s', enable_metric_type: true });
    expect(config.receivers.filelog).toEqual({ include: ['/var/log/app/*.json'], start_at: 'beginning', operators: [{ type: 'json_parser' }] });
    expect(config.service.pipelines.traces.receivers).toEqual(['otlp', 'jaeger', 'zipkin']);
    expect(config.service.pipelines.metrics.receivers).toEqual(['otlp', 'statsd']);
    expect(config.service.pipelines.logs.receivers).toEqual(['otlp', 'filelog']);
    // Pod-local: not declared on Kubernetes (the app in the pod sends to localhost).
    expect((collector.ports ?? []).map((p: any) => p.containerPort)).not.toContain(14250);
    const logMount = { name: 'otel-collector-logs', mountPath: '/var/log/app' };
    expect(collector.volumeMounts).toContainEqual({ ...logMount, readOnly: true });
    expect(pod.spec.containers[0].volumeMounts).toContainEqual({ ...logMount, readOnly: false });
    expect(pod.spec.volumes).toContainEqual({ name: 'otel-collector-logs', emptyDir: {} });
  });

  test('processors in order, each only in the pipelines of its signals', () => {
    expect(config.service.pipelines.traces.processors).toEqual(['memory_limiter', 'resource', 'k8sattributes', 'resourcedetection', 'attributes', 'transform', 'filter',
      'probabilistic_sampler', 'tail_sampling', 'batch']);
    expect(config.service.pipelines.metrics.processors).toEqual(['memory_limiter', 'resource', 'k8sattributes', 'resourcedetection', 'attributes', 'batch']);
    expect(config.service.pipelines.logs.processors).toEqual(['memory_limiter', 'resource', 'k8sattributes', 'resourcedetection', 'attributes', 'filter',
      'probabilistic_sampler', 'batch']);
    expect(config.processors.resource.attributes).toEqual([
      { key: 'k8s.pod.name', value: '${env:POD_NAME}', action: 'upsert' },
      { key: 'k8s.pod.uid', value: '${env:POD_UID}', action: 'upsert' },
      { key: 'k8s.namespace.name', value: '${env:POD_NAMESPACE}', action: 'upsert' },
      { key: 'k8s.node.name', value: '${env:NODE_NAME}', action: 'upsert' },
    ]);
    expect(config.processors.k8sattributes).toEqual({
      auth_type: 'serviceAccount',
      filter: { namespace: '${env:POD_NAMESPACE}', fields: [{ key: 'metadata.name', value: '${env:POD_NAME}', op: 'equals' }] },
      pod_association: [{ sources: [{ from: 'resource_attribute', name: 'k8s.pod.uid' }] }],
      extract: {
        metadata: ['k8s.pod.name', 'k8s.pod.uid', 'k8s.pod.start_time', 'k8s.namespace.name', 'k8s.node.name', 'k8s.deployment.name'],
        labels: [{ from: 'pod', key: 'app.kubernetes.io/version' }],
      },
    });
    expect(config.processors.resourcedetection).toEqual({ detectors: ['env', 'system', 'ec2'], timeout: '2s' });
    expect(config.processors.attributes.actions).toEqual([
      { key: 'http.request.header.authorization', action: 'delete' },
      { key: 'env', action: 'upsert', value: 'p$$od' },
    ]);
    expect(config.processors.transform).toEqual({
      error_mode: 'ignore', trace_statements: [{ context: 'span', statements: ['set(attributes["team"], "shop") where name == "GET /"'] }],
    });
    expect(config.processors.filter).toEqual({ traces: { span: ['attributes["http.route"] == "/healthz"'] }, logs: { log_record: ['severity_number < SEVERITY_NUMBER_INFO'] } });
    expect(config.processors.probabilistic_sampler).toEqual({ sampling_percentage: 50 });
    expect(config.processors.tail_sampling).toEqual({
      decision_wait: '10s',
      policies: [
        { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
        { name: 'slow', type: 'latency', latency: { threshold_ms: 500 } },
        { name: 'vip', type: 'string_attribute', string_attribute: { key: 'customer.tier', values: ['gold'] } },
        { name: 'some', type: 'probabilistic', probabilistic: { sampling_percentage: 10 } },
      ],
    });
  });

  test('the OTTL statements come back unchanged through the YAML writer (quotes, brackets, $ doubled only where literal)', () => {
    const cm = docs.find((d: any) => d.kind === 'ConfigMap' && d.data?.['config.yaml'] !== undefined);
    const text: string = cm.data['config.yaml'];
    expect(YAML.parse(text).processors.transform.trace_statements[0].statements[0]).toBe('set(attributes["team"], "shop") where name == "GET /"');
  });

  test('exporters: TLS files from a mounted secret, authenticators as extensions, queue and retries; secrets only as env references', () => {
    expect(config.exporters['otlp_grpc/vendor']).toEqual({
      endpoint: 'otlp.vendor.example:4317',
      tls: { ca_file: '/etc/otelcol-tls/vendor-tls/ca.crt', cert_file: '/etc/otelcol-tls/vendor-tls/tls.crt', key_file: '/etc/otelcol-tls/vendor-tls/tls.key' },
      sending_queue: { num_consumers: 4, queue_size: 500 },
      retry_on_failure: { initial_interval: '1s', max_interval: '10s', max_elapsed_time: '60s' },
      auth: { authenticator: 'bearertokenauth/otlp_grpc_vendor' },
    });
    expect(config.exporters['otlp_http/oauth'].auth).toEqual({ authenticator: 'oauth2client/otlp_http_oauth' });
    expect(config.exporters.prometheusremotewrite).toEqual({
      endpoint: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write',
      external_labels: { cluster: 'prod' },
      auth: { authenticator: 'sigv4auth/prometheusremotewrite' },
      remote_write_queue: { queue_size: 2000 },
    });
    expect(config.exporters.datadog).toEqual({ api: { key: '${env:OTELCOL_SECRET_2}', site: 'datadoghq.eu' } });
    expect(config.exporters.elasticsearch).toEqual({
      endpoints: ['https://es.example:9200'], user: 'otel', password: '${env:OTELCOL_SECRET_3}', logs_index: 'app-logs',
    });
    expect(config.extensions).toEqual({
      'health_check': { endpoint: '0.0.0.0:13133', path: '/' },
      'pprof': { endpoint: '127.0.0.1:1777' },
      'zpages': { endpoint: '127.0.0.1:55680' },
      'bearertokenauth/otlp_grpc_vendor': { token: '${env:OTELCOL_SECRET_0}' },
      'oauth2client/otlp_http_oauth': { client_id: 'shop', client_secret: '${env:OTELCOL_SECRET_1}', token_url: 'https://idp.example/token', scopes: ['otlp.write'] },
      'sigv4auth/prometheusremotewrite': { region: 'eu-west-1', service: 'aps' },
    });
    expect(config.service.extensions).toEqual(Object.keys(config.extensions));
    expect(collector.env).toEqual(expect.arrayContaining([
      { name: 'OTELCOL_SECRET_0', valueFrom: { secretKeyRef: { name: 'vendor', key: 'token' } } },
      { name: 'OTELCOL_SECRET_1', valueFrom: { secretKeyRef: { name: 'idp', key: 'secret' } } },
      { name: 'OTELCOL_SECRET_2', valueFrom: { secretKeyRef: { name: 'dd', key: 'api-key' } } },
      { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ]));
    expect(pod.spec.volumes).toContainEqual({ name: 'otel-collector-tls-0', secret: expect.objectContaining({ secretName: 'vendor-tls' }) });
    expect(collector.volumeMounts).toContainEqual({ name: 'otel-collector-tls-0', mountPath: '/etc/otelcol-tls/vendor-tls', readOnly: true });
  });

  test('k8sattributes: a Role to read pods and the service account token; feature gates; own metrics exposed to scrapers', () => {
    const role = findDoc(docs, 'Role');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    expect(findDoc(docs, 'RoleBinding').roleRef.name).toBe(role.metadata.name);
    expect(collector.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }));
    expect(collector.args).toEqual(['--config=/etc/otelcol/config.yaml',
      '--feature-gates=receiver.prometheusreceiver.EnableNativeHistograms,-component.UseLocalHostAsDefaultHost']);
    expect(collector.ports).toContainEqual({ containerPort: 8888, name: 'otel-telemetry', protocol: 'TCP' });
    expect(config.service.telemetry).toEqual({ metrics: { readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: 8888 } } } }] } });
  });

  test('ECS: resourcedetection with the ecs detector renders; k8sattributes and the ec2 detector are refused, naming the prop', () => {
    const ok = fargateTask();
    TaskSidecars.of(ok.td).add(new OtelCollectorSidecar(ok.stack, 'otel', {
      distribution: OtelCollectorDistribution.AWS_DISTRO,
      ...debug,
      resourceDetection: { detectors: [OtelResourceDetector.ENV, OtelResourceDetector.ECS] },
      prometheusRemoteWriteExporter: { endpoint: 'https://aps.example/api/v1/remote_write', delivery: { sigv4: { service: 'aps' } } },
    }));
    const t = synthTemplate(ok.stack);
    expect(ecsConfigOf(t).processors.resourcedetection).toEqual({ detectors: ['env', 'ecs'] });
    expect(taskRoleActions(t)).toContain('aps:RemoteWrite');
    const k8s = fargateTask();
    TaskSidecars.of(k8s.td).add(new OtelCollectorSidecar(k8s.stack, 'otel', { distribution: OtelCollectorDistribution.AWS_DISTRO, ...debug, k8sAttributes: {} }));
    expectError(() => Template.fromStack(k8s.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/otel: k8sAttributes {} cannot be rendered on ECS Fargate');
    const ec2 = fargateTask();
    TaskSidecars.of(ec2.td).add(new OtelCollectorSidecar(ec2.stack, 'otel', {
      distribution: OtelCollectorDistribution.AWS_DISTRO, ...debug, resourceDetection: { detectors: [OtelResourceDetector.EC2] },
    }));
    expectError(() => Template.fromStack(ec2.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/otel: resourceDetection.detectors[0] "ec2" cannot be rendered on ECS Fargate');
  });

  test('appContainers choose the containers that get the log volume, also with appEnv false', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'api', {
      containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }, { name: 'worker', image: 'ghcr.io/acme/worker:1' }],
    });
    WorkloadSidecars.of(d).add(new OtelCollectorSidecar(chart, 'otel', {
      ...debug, appEnv: false, appContainers: ['worker'], filelogReceiver: { logDirectory: '/var/log/worker' },
    }));
    const spec = podOf(findDoc(synth(chart), 'Deployment')).spec;
    const byName = (n: string) => spec.containers.find((c: any) => c.name === n);
    expect(byName('worker').volumeMounts).toContainEqual({ name: 'otel-collector-logs', mountPath: '/var/log/worker', readOnly: false });
    expect(byName('api').volumeMounts ?? []).not.toContainEqual(expect.objectContaining({ name: 'otel-collector-logs' }));
    expect(byName('api').env ?? []).toEqual([]);
  });

  test('ACI: the filelog volume is shared with the app; the ecs detector is refused', () => {
    const app = new AciApp();
    const group = appGroup(app);
    group.addSidecars(new OtelCollectorSidecar(app, 'otel', { ...debug, appWaitsFor: WaitCondition.STARTED, filelogReceiver: { logDirectory: '/var/log/app' } }));
    const { resource } = synthGroup(group);
    const api = resource.properties.containers.find((c: any) => c.name === 'api').properties;
    expect(api.volumeMounts).toContainEqual({ name: 'otel-collector-logs', mountPath: '/var/log/app', readOnly: false });
    const bad = new AciApp();
    const g2 = appGroup(bad);
    g2.addSidecars(new OtelCollectorSidecar(bad, 'otel', { ...debug, appWaitsFor: WaitCondition.STARTED, resourceDetection: { detectors: [OtelResourceDetector.ECS] } }));
    expectError(() => synthGroup(g2), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'otel: resourceDetection.detectors[0] "ecs" cannot be rendered on Azure Container Instances');
  });
});

describe('OtelCollectorSidecar on ECS Fargate (AWS distro, X-Ray and CloudWatch)', () => {
  const f = fargateTask();
  TaskSidecars.of(f.td).add(new OtelCollectorSidecar(f.stack, 'otel', {
    distribution: OtelCollectorDistribution.AWS_DISTRO,
    awsXrayExporter: { region: 'eu-west-1', indexAllAttributes: true },
    awsEmfExporter: { region: 'eu-west-1', metricNamespace: 'Shop/Api', logGroupName: '/shop/api/metrics' },
    serviceName: 'shop-api',
  }));
  const t = synthTemplate(f.stack);
  const def = container(t, 'otel-collector');

  test('container definition: ADOT\'s collector as 4317, read-only, the health port mapped, the memory limit set', () => {
    expect(def).toMatchObject({
      Image: 'public.ecr.aws/aws-observability/aws-otel-collector:v0.50.0',
      EntryPoint: ['/awscollector'],
      Command: ['--config=/etc/otelcol/config.yaml'],
      User: '4317:4317',
      ReadonlyRootFilesystem: true,
      Essential: true,
      Memory: 512,
      MemoryReservation: 128,
      Cpu: 102,
      PortMappings: [{ ContainerPort: 13133, Protocol: 'tcp', Name: 'otel-health' }],
      Environment: [{ Name: 'GOMEMLIMIT', Value: '409MiB' }],
    });
  });

  test('the health check runs ADOT\'s /healthcheck against the extension; the app waits until HEALTHY', () => {
    expect(def.HealthCheck).toEqual({ Command: ['CMD', '/healthcheck', '--port', '13133'], Interval: 5, Timeout: 3, Retries: 10, StartPeriod: 50 });
    const app = container(t, 'app');
    expect(app.DependsOn).toEqual(expect.arrayContaining([{ ContainerName: 'otel-collector', Condition: 'HEALTHY' }]));
    expect(app.Environment).toEqual(expect.arrayContaining([
      { Name: 'LOG_FORMAT', Value: 'json' },
      { Name: 'OTEL_EXPORTER_OTLP_ENDPOINT', Value: 'http://127.0.0.1:4317' },
      { Name: 'OTEL_EXPORTER_OTLP_PROTOCOL', Value: 'grpc' },
    ]));
    expect(warnings(f.stack).filter(w => w.includes('Shop/otel'))).toEqual([]);
  });

  test('config.yaml (written by the config writer): traces to X-Ray, metrics to CloudWatch EMF, no logs pipeline', () => {
    const config = ecsConfigOf(t);
    expect(config.exporters).toEqual({
      awsxray: { region: 'eu-west-1', index_all_attributes: true },
      awsemf: { region: 'eu-west-1', namespace: 'Shop/Api', log_group_name: '/shop/api/metrics' },
    });
    expect(config.service.pipelines).toEqual({
      traces: { receivers: ['otlp'], processors: ['memory_limiter', 'resource', 'batch'], exporters: ['awsxray'] },
      metrics: { receivers: ['otlp'], processors: ['memory_limiter', 'resource', 'batch'], exporters: ['awsemf'] },
    });
    expect(config.processors.memory_limiter).toEqual({ check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 });
    expect(config.service.extensions).toEqual(['health_check']);
  });

  test('the task role gets exactly the X-Ray and CloudWatch Logs actions the exporters use', () => {
    const actions = taskRoleActions(t);
    expect([...actions].sort()).toEqual([...XRAY_ACTIONS, ...EMF_ACTIONS].sort());
    expect(actions).not.toContain('cloudwatch:PutMetricData');
  });
});

describe('OtelCollectorSidecar on ECS: what the contrib image cannot do', () => {
  test('the app cannot wait for HEALTHY: the contrib image has nothing ECS can run as a health check', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new OtelCollectorSidecar(f.stack, 'otel', { debugExporter: {} }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'Shop/otel: appWaitsFor "HEALTHY" cannot be rendered on ECS Fargate: the app waits for "otel-collector" to be HEALTHY',
      'Set healthCommand', 'or set distribution: OtelCollectorDistribution.AWS_DISTRO', 'or set appWaitsFor: WaitCondition.STARTED');
  });

  test('with appWaitsFor STARTED it runs; the HTTP probes are not rendered (said), no permission is asked for', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new OtelCollectorSidecar(f.stack, 'otel', { otlpExporters: [{ endpoint: 'otlp.vendor.example:4317' }], appWaitsFor: WaitCondition.STARTED }));
    const t = synthTemplate(f.stack);
    expect(container(t, 'otel-collector')).toMatchObject({ Image: 'otel/opentelemetry-collector-contrib:0.162.0', EntryPoint: ['/otelcol-contrib'] });
    expect(container(t, 'otel-collector').HealthCheck).toBeUndefined();
    expect(container(t, 'app').DependsOn).toEqual(expect.arrayContaining([{ ContainerName: 'otel-collector', Condition: 'START' }]));
    expect(notes(f.stack)).toEqual(expect.arrayContaining([expect.stringContaining('Shop/otel: livenessProbe (HTTP_GET) is not rendered')]));
    expect(taskRoleActions(t)).toEqual([]);
    expect(ecsConfigOf(t).exporters).toEqual({ otlp_grpc: { endpoint: 'otlp.vendor.example:4317' } });
  });

  test('the pod name attribute needs the downward API, which ECS refuses (use it on Kubernetes)', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new OtelCollectorSidecar(f.stack, 'otel', {
      distribution: OtelCollectorDistribution.AWS_DISTRO, debugExporter: {}, podNameAttribute: true,
    }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/otel: env[1].podField "POD_NAME" cannot be rendered on ECS Fargate');
  });
});

describe('OtelCollectorSidecar on Azure Container Instances', () => {
  const app = new AciApp();
  const group = appGroup(app);
  group.addSidecars(new OtelCollectorSidecar(app, 'otel', { otlpExporters: [{ endpoint: 'https://otlp.vendor.example:4317' }], serviceName: 'shop-api' }));
  const { resource, yaml } = synthGroup(group);
  const otel = resource.properties.containers.find((c: any) => c.name === 'otel-collector').properties;

  test('the container: command and arguments together, only the health port declared, the memory limit set', () => {
    expect(otel.image).toBe('otel/opentelemetry-collector-contrib:0.162.0');
    expect(otel.command).toEqual(['/otelcol-contrib', '--config=/etc/otelcol/config.yaml']);
    expect(otel.ports).toEqual([{ port: 13133, protocol: 'TCP' }]);
    expect(resource.properties.ipAddress.ports.map((p: any) => p.port)).toEqual([8080]);
    expect(group.notes).toContainEqual(expect.stringMatching(/^otel: EXPOSED port 13133 \(otel-health\) is not published: /));
    expect(otel.resources).toEqual({ requests: { cpu: 0.1, memoryInGB: 0.2 }, limits: { memoryInGB: 0.5 } });
    expect(otel.readinessProbe).toEqual({ httpGet: { path: '/', port: 13133, scheme: 'http' }, periodSeconds: 10, timeoutSeconds: 3 });
  });

  test('ACI cannot hold the app until the collector is healthy: a warning naming the prop; the startup probe left out is a note', () => {
    const text = group.warnings.join('\n');
    expect(text).toContain('otel: appWaitsFor is HEALTHY, but ACI starts all containers of a group together');
    expect(text).toContain('then set OtelCollectorSidecarProps.appWaitsFor to WaitCondition.STARTED to silence this');
    expect(group.notes.join('\n')).toContain('otel: startupProbe is not rendered');
  });

  test('the app gets the OTLP settings; config.yaml comes from a secret volume and parses back', () => {
    expect(resource.properties.containers[0].properties.environmentVariables).toEqual(expect.arrayContaining([
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://127.0.0.1:4317' },
      { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' },
    ]));
    const volume = resource.properties.volumes.find((v: any) => v.name === 'otel-collector-config').secret;
    const config = YAML.parse(Buffer.from(volume['config.yaml'], 'base64').toString());
    validateOtelCollectorConfig(Buffer.from(volume['config.yaml'], 'base64').toString());
    checkCollectorConfig(config);
    expect(config.exporters).toEqual({ otlp_grpc: { endpoint: 'https://otlp.vendor.example:4317' } });
    expect(config.processors.resource).toEqual({ attributes: [{ key: 'service.name', value: 'shop-api', action: 'upsert' }] });
    expect(Object.keys(config.service.pipelines)).toEqual(['traces', 'metrics', 'logs']);
    expect(yaml.properties.containers.map((c: any) => c.name)).toEqual(['api', 'otel-collector']);
  });
});

describe('OtelCollectorSidecar bad input', () => {
  const make = (props: OtelCollectorSidecarProps) => () => new OtelCollectorSidecar(newChart(), 'otel', props);
  const debug = { debugExporter: {} };

  test.each<[string, OtelCollectorSidecarProps, ErrorCode, string]>([
    ['no exporter: no pipeline can be built', {}, ErrorCode.INVALID_ROLE, 'web/otel: exporters [] are none, so no pipeline can be built'],
    ['a gRPC endpoint with a path', { otlpExporters: [{ endpoint: 'https://otlp.example:4317/v1/traces' }] }, ErrorCode.INVALID_URL,
      'web/otel: otlpExporters[0].endpoint "https://otlp.example:4317/v1/traces" is not a gRPC endpoint'],
    ['an OTLP/HTTP endpoint that is not a URL', { otlpExporters: [{ endpoint: 'otlp.example:4318', protocol: OtelProtocol.HTTP_PROTOBUF }] }, ErrorCode.INVALID_URL,
      'web/otel: otlpExporters[0].endpoint "otlp.example:4318" is not an http(s) base URL'],
    ['insecure on OTLP/HTTP, where the scheme decides', { otlpExporters: [{ endpoint: 'https://otlp.example', protocol: OtelProtocol.HTTP_PROTOBUF, insecure: true }] },
      ErrorCode.INEFFECTIVE_SETTING, 'web/otel: otlpExporters[0].insecure true would have no effect'],
    ['two OTLP exporters with one id', { otlpExporters: [{ endpoint: 'a.example:4317' }, { endpoint: 'b.example:4317' }] }, ErrorCode.INVALID_NAME,
      'web/otel: otlpExporters[1].name undefined is not a valid name (a name no other OTLP exporter of this protocol has (otlpExporters[0] is also "otlp_grpc"))'],
    ['a signal without an exporter', { prometheusExporter: {}, signals: [OtelSignal.METRICS, OtelSignal.LOGS] }, ErrorCode.INVALID_ROLE,
      'web/otel: signals[1] "logs" has no exporter that takes it, and a pipeline needs one'],
    ['an exporter that signals leave out', { awsXrayExporter: {}, debugExporter: {}, signals: [OtelSignal.LOGS] }, ErrorCode.INVALID_ROLE,
      'web/otel: awsXrayExporter ["traces"] takes only signals that signals leaves out'],
    ['scrape jobs without a metrics exporter', { awsXrayExporter: {}, prometheusScrapeConfigs: [{ jobName: 'app', targets: ['127.0.0.1:8080'] }] }, ErrorCode.INVALID_ROLE,
      'web/otel: prometheusScrapeConfigs ["app"] feed the metrics pipeline, but no exporter takes metrics'],
    ['a scrape timeout above the interval', { ...debug, prometheusScrapeConfigs: [{ jobName: 'app', targets: ['127.0.0.1:8080'], scrapeIntervalSeconds: 10, scrapeTimeoutSeconds: 20 }] },
      ErrorCode.INVALID_RANGE, 'web/otel: prometheusScrapeConfigs[0].scrapeTimeoutSeconds 20 is greater than prometheusScrapeConfigs[0].scrapeIntervalSeconds 10'],
    ['a scrape target without a port', { ...debug, prometheusScrapeConfigs: [{ jobName: 'app', targets: ['localhost'] }] }, ErrorCode.INVALID_NAME,
      'web/otel: prometheusScrapeConfigs[0].targets[0] "localhost" is not a valid name'],
    ['a spike limit above the limit', { ...debug, memoryLimiter: { limitPercentage: 80, spikeLimitPercentage: 90 } }, ErrorCode.INVALID_RANGE,
      'web/otel: memoryLimiter.spikeLimitPercentage 90 is greater than memoryLimiter.limitPercentage 80'],
    ['a spike limit equal to the limit', { ...debug, memoryLimiter: { limitPercentage: 50, spikeLimitPercentage: 50 } }, ErrorCode.INVALID_NUMBER,
      'web/otel: memoryLimiter.spikeLimitPercentage 50 is not an integer from 1 to 49'],
    ['a limit above 100 %', { ...debug, memoryLimiter: { limitPercentage: 120 } }, ErrorCode.INVALID_NUMBER, 'web/otel: memoryLimiter.limitPercentage 120 is not an integer from 2 to 100'],
    ['limiter settings with the limiter off', { ...debug, memoryLimiter: { enabled: false, limitPercentage: 70 } }, ErrorCode.INEFFECTIVE_SETTING,
      'web/otel: memoryLimiter.limitPercentage 70 would have no effect'],
    ['the memory limiter without a memory limit', { ...debug, resources: { memoryLimitMebibytes: undefined } }, ErrorCode.INVALID_RESOURCES,
      'web/otel: resources.memoryLimitMebibytes undefined is not set, but the memory limiter takes its percentages'],
    ['two of its own ports on one number', { ...debug, otlpHttpPort: 13133 }, ErrorCode.DUPLICATE_PORT, 'web/otel: healthCheckPort 13133/TCP is declared twice (also otlpHttpPort)'],
    ['an app protocol while the app gets no env', { ...debug, appEnv: false, appProtocol: OtelProtocol.HTTP_PROTOBUF }, ErrorCode.INEFFECTIVE_SETTING,
      'web/otel: appProtocol "http/protobuf" would have no effect: appEnv is false'],
    ['service.name given twice', { ...debug, serviceName: 'a', resourceAttributes: { 'service.name': 'b' } }, ErrorCode.ALREADY_SET,
      'web/otel: resourceAttributes["service.name"] is already set ("b") by serviceName ("a")'],
    ['an X-Ray region that is not one', { awsXrayExporter: { region: 'Ireland' } }, ErrorCode.INVALID_NAME, 'web/otel: awsXrayExporter.region "Ireland" is not a valid name'],
    ['an empty signal list on an exporter', { debugExporter: { signals: [] } }, ErrorCode.INVALID_ROLE, 'web/otel: debugExporter.signals [] is empty'],
    ['a header with a line break', { otlpExporters: [{ endpoint: 'a.example:4317', headers: { 'x-a': 'b\nInjected: 1' } }] }, ErrorCode.INVALID_NAME,
      'web/otel: otlpExporters[0].headers["x-a"] "b\\nInjected: 1" is not a valid name'],
    ['root', { ...debug, uid: 0 }, ErrorCode.ROOT_NOT_ALLOWED, 'web/otel: uid is 0 (root)'],
    ['a jaeger receiver without a traces exporter', { prometheusExporter: {}, jaegerReceiver: {} }, ErrorCode.INVALID_ROLE, 'web/otel: jaegerReceiver "traces" feeds the traces pipeline'],
    ['a filelog directory that is not absolute', { ...debug, filelogReceiver: { logDirectory: 'logs' } }, ErrorCode.INVALID_PATH, 'web/otel: filelogReceiver.logDirectory "logs"'],
    ['a filelog pattern leaving the directory', { ...debug, filelogReceiver: { logDirectory: '/var/log/app', include: ['../x.log'] } }, ErrorCode.INVALID_PATH,
      'web/otel: filelogReceiver.include[0] "../x.log"'],
    ['an unknown k8sattributes metadata field', { ...debug, k8sAttributes: { metadata: ['k8s.pod.colour'] } }, ErrorCode.INVALID_NAME, 'web/otel: k8sAttributes.metadata[0] "k8s.pod.colour"'],
    ['a detector listed twice', { ...debug, resourceDetection: { detectors: [OtelResourceDetector.ENV, OtelResourceDetector.ENV] } }, ErrorCode.INVALID_ROLE,
      'web/otel: resourceDetection.detectors[1] "env" is listed twice'],
    ['an unknown detector', { ...debug, resourceDetection: { detectors: ['heroku' as any] } }, ErrorCode.INVALID_TYPE, 'web/otel: resourceDetection.detectors[0] "heroku"'],
    ['an upsert without a value', { ...debug, attributeActions: [{ key: 'a', action: OtelAttributeActionType.UPSERT }] }, ErrorCode.MISSING_SETTING,
      'web/otel: attributeActions[0].value'],
    ['a delete with a value', { ...debug, attributeActions: [{ key: 'a', action: OtelAttributeActionType.DELETE, value: 'x' }] }, ErrorCode.INEFFECTIVE_SETTING,
      'web/otel: attributeActions[0].value "x" would have no effect'],
    ['a span context in log statements', { ...debug, transform: { logStatements: [{ context: OtelOttlContext.SPAN, statements: ['set(x, 1)'] }] } }, ErrorCode.INVALID_ROLE,
      'web/otel: transform.logStatements[0].context "span" is not a context of logStatements'],
    ['an OTTL statement over two lines', { ...debug, transform: { traceStatements: [{ context: OtelOttlContext.SPAN, statements: ['set(x, 1)\nset(y, 2)'] }] } },
      ErrorCode.INVALID_NAME, 'web/otel: transform.traceStatements[0].statements[0]'],
    ['a filter without conditions', { ...debug, filter: {} }, ErrorCode.MISSING_SETTING, 'web/otel: filter'],
    ['a sampling percentage above 100', { ...debug, probabilisticSampler: { samplingPercentage: 150 } }, ErrorCode.INVALID_NUMBER,
      'web/otel: probabilisticSampler.samplingPercentage 150'],
    ['a latency policy without its threshold', { ...debug, tailSampling: { policies: [{ name: 'slow', type: OtelTailSamplingPolicyType.LATENCY }] } }, ErrorCode.MISSING_SETTING,
      'web/otel: tailSampling.policies[0].latencyThresholdMilliseconds'],
    ['a policy field its type does not use', { ...debug, tailSampling: { policies: [{ name: 'e', type: OtelTailSamplingPolicyType.STATUS_CODE, statusCodes: [OtelSpanStatusCode.ERROR], key: 'x' }] } },
      ErrorCode.INEFFECTIVE_SETTING, 'web/otel: tailSampling.policies[0].key "x" would have no effect'],
    ['two authenticators on one exporter', { otlpExporters: [{ endpoint: 'a.example:4317', delivery: { bearerToken: { secretName: 's', key: 'k' }, sigv4: {} } }] },
      ErrorCode.INVALID_ROLE, 'web/otel: otlpExporters[0].delivery.sigv4'],
    ['TLS files with insecure', { otlpExporters: [{ endpoint: 'a.example:4317', insecure: true, delivery: { tls: { secretName: 's', caFile: 'ca.crt' } } }] },
      ErrorCode.INEFFECTIVE_SETTING, 'web/otel: otlpExporters[0].delivery.tls "s"'],
    ['a TLS client cert without its key', { otlpExporters: [{ endpoint: 'a.example:4317', delivery: { tls: { secretName: 's', certFile: 'tls.crt' } } }] },
      ErrorCode.MISSING_SETTING, 'web/otel: otlpExporters[0].delivery.tls.keyFile'],
    ['a queue size of 0', { otlpExporters: [{ endpoint: 'a.example:4317', delivery: { sendingQueue: { queueSize: 0 } } }] }, ErrorCode.INVALID_NUMBER,
      'web/otel: otlpExporters[0].delivery.sendingQueue.queueSize 0'],
    ['an OAuth2 token URL that is not one', { otlpExporters: [{ endpoint: 'a.example:4317', delivery: { oauth2: { clientId: 'c', clientSecret: { secretName: 's', key: 'k' }, tokenUrl: 'idp' } } }] },
      ErrorCode.INVALID_URL, 'web/otel: otlpExporters[0].delivery.oauth2.tokenUrl "idp"'],
    ['a remote write URL that is not one', { prometheusRemoteWriteExporter: { endpoint: 'prometheus:9090' } }, ErrorCode.INVALID_URL,
      'web/otel: prometheusRemoteWriteExporter.endpoint "prometheus:9090"'],
    ['an Elasticsearch user without a password', { elasticsearchExporter: { endpoints: ['https://es:9200'], user: 'u' } }, ErrorCode.MISSING_SETTING,
      'web/otel: elasticsearchExporter.password'],
    ['a Datadog API key that is not a secret reference', { datadogExporter: { apiKey: 'abc' as any } }, ErrorCode.INVALID_TYPE, 'web/otel: datadogExporter.apiKey "abc"'],
    ['a feature gate with a space', { ...debug, featureGates: ['a b'] }, ErrorCode.INVALID_NAME, 'web/otel: featureGates[0] "a b"'],
    ['podNameAttribute with kubernetesAttributes', { ...debug, podNameAttribute: true, kubernetesAttributes: true }, ErrorCode.INEFFECTIVE_SETTING,
      'web/otel: podNameAttribute true would have no effect'],
    ['a receiver port on another of its ports', { ...debug, zipkinReceiver: { port: 4318 } }, ErrorCode.DUPLICATE_PORT, 'web/otel: zipkinReceiver.port 4318/TCP is declared twice'],
    ['a wrong type for jaeger protocols', { ...debug, jaegerReceiver: { protocols: ['thrift'] as any } }, ErrorCode.INVALID_TYPE, 'web/otel: jaegerReceiver.protocols[0] "thrift"'],
  ])('%s', (_t, props, code, part) => {
    expectError(make(props), code, part);
  });
});
