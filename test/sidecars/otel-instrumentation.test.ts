import { Template } from 'aws-cdk-lib/assertions';
import * as kplus from 'cdk8s-plus-27';
import { AciApp } from '../../src/aci';
import { ImagePullPolicy, PatchOperation, WaitCondition } from '../../src/core/container';
import { ErrorCode } from '../../src/core/errors';
import { imageFacts } from '../../src/core/image-facts';
import { TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import {
  OtelCollectorSidecar, OtelDotnetRuntime, OtelExporterTls, OtelInstrumentation, OtelInstrumentationLanguage, OtelPropagator,
  OtelProtocol, OtelPythonPlatform, OtelSampler,
} from '../../src/sidecars';
import { Sidecar } from '../../src/sidecars/sidecar';
import { appGroup, synthGroup } from '../aci/util';
import { container, fargateTask, synthTemplate, warnings } from '../ecs/util';
import { expectError } from '../errors';
import { findDoc, newChart, podOf, synth } from '../k8s/util';

const envOf = (c: any) => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));

function onDeployment(...make: Array<(chart: any) => any>) {
  const chart = newChart();
  const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
  const attached = WorkloadSidecars.of(d);
  for (const m of make) { attached.add(m(chart)); }
  const docs = synth(chart);
  const pod = podOf(findDoc(docs, 'Deployment'));
  return { docs, pod, app: pod.spec.containers.find((c: any) => c.name === 'api') };
}

describe('OtelInstrumentation on Kubernetes', () => {
  test('Java: an init container copies the agent into a volume mounted read-only into the app; JAVA_TOOL_OPTIONS loads it', () => {
    const { pod, app } = onDeployment(c => new OtelInstrumentation(c, 'java', { language: OtelInstrumentationLanguage.JAVA }));
    const init = pod.spec.initContainers.find((c: any) => c.name === 'opentelemetry-auto-instrumentation-java');
    expect(init).toMatchObject({
      image: 'ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-java:2.30.0',
      command: ['cp', '/javaagent.jar', '/otel-auto-instrumentation-java/javaagent.jar'],
      volumeMounts: [{ name: 'opentelemetry-auto-instrumentation-java', mountPath: '/otel-auto-instrumentation-java' }],
      securityContext: expect.objectContaining({ runAsUser: 4320, runAsNonRoot: true, readOnlyRootFilesystem: true }),
    });
    expect(init.restartPolicy).toBeUndefined();
    expect(pod.spec.volumes).toContainEqual({ name: 'opentelemetry-auto-instrumentation-java', emptyDir: { sizeLimit: '200Mi' } });
    expect(app.volumeMounts).toContainEqual({ name: 'opentelemetry-auto-instrumentation-java', mountPath: '/otel-auto-instrumentation-java', readOnly: true });
    expect(envOf(app)).toMatchObject({
      JAVA_TOOL_OPTIONS: '-javaagent:/otel-auto-instrumentation-java/javaagent.jar',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    });
    expect(envOf(app).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
  });

  test('with the collector in the pod, the SDK exports to its receiver over the protocol the collector gives the app', () => {
    const { app } = onDeployment(
      c => new OtelCollectorSidecar(c, 'otel', { debugExporter: {} }),
      c => new OtelInstrumentation(c, 'node', { language: OtelInstrumentationLanguage.NODEJS }),
    );
    expect(envOf(app)).toMatchObject({
      NODE_OPTIONS: '--require /otel-auto-instrumentation-nodejs/autoinstrumentation.js',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    });
    expect(app.env.filter((e: any) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT')).toHaveLength(1);
  });

  test('Python (musl) follows a collector that leaves the app alone: HTTP receiver, the operator\'s exporter defaults', () => {
    const { pod, app } = onDeployment(
      c => new OtelCollectorSidecar(c, 'otel', { debugExporter: {}, appEnv: false, otlpHttpPort: 4319 }),
      c => new OtelInstrumentation(c, 'py', { language: OtelInstrumentationLanguage.PYTHON, pythonPlatform: OtelPythonPlatform.MUSL }),
    );
    const init = pod.spec.initContainers.find((c: any) => c.name === 'opentelemetry-auto-instrumentation-python');
    expect(init.command).toEqual(['cp', '-r', '/autoinstrumentation-musl/.', '/otel-auto-instrumentation-python']);
    expect(envOf(app)).toMatchObject({
      PYTHONPATH: '/otel-auto-instrumentation-python/opentelemetry/instrumentation/auto_instrumentation:/otel-auto-instrumentation-python',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4319',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'otlp',
    });
  });

  test('.NET musl: the profiler of linux-musl, the startup hook, additional deps and the store', () => {
    const { app } = onDeployment(c => new OtelInstrumentation(c, 'net', { language: OtelInstrumentationLanguage.DOTNET, dotnetRuntime: OtelDotnetRuntime.LINUX_MUSL_X64 }));
    const d = '/otel-auto-instrumentation-dotnet';
    expect(envOf(app)).toMatchObject({
      CORECLR_ENABLE_PROFILING: '1',
      CORECLR_PROFILER: '{918728DD-259F-4A6A-AC2B-B85E1B658318}',
      CORECLR_PROFILER_PATH: `${d}/linux-musl/OpenTelemetry.AutoInstrumentation.Native.so`,
      DOTNET_STARTUP_HOOKS: `${d}/net/OpenTelemetry.AutoInstrumentation.StartupHook.dll`,
      DOTNET_ADDITIONAL_DEPS: `${d}/AdditionalDeps`,
      OTEL_DOTNET_AUTO_HOME: d,
      DOTNET_SHARED_STORE: `${d}/store`,
    });
  });

  test('SDK settings: service name, k8s.* from the downward API before OTEL_RESOURCE_ATTRIBUTES, propagators, sampler, TLS files, extra env', () => {
    const tls: OtelExporterTls = { secretName: 'otlp-tls', caFile: 'ca.crt', certFile: 'tls.crt', keyFile: 'tls.key' };
    const { pod, app } = onDeployment(c => new OtelInstrumentation(c, 'java', {
      language: OtelInstrumentationLanguage.JAVA,
      endpoint: 'https://collector.observability:4318',
      exporterTls: tls,
      appContainers: ['api'],
      sdk: {
        serviceName: 'shop-api',
        serviceVersion: '1.2.3',
        resourceAttributes: { 'deployment.environment.name': 'prod, eu', 'team': '$(HOME)' },
        kubernetesAttributes: true,
        propagators: [OtelPropagator.TRACECONTEXT, OtelPropagator.BAGGAGE, OtelPropagator.XRAY],
        sampler: OtelSampler.PARENTBASED_TRACEIDRATIO,
        samplerArgument: '0.25',
        env: { OTEL_METRIC_EXPORT_INTERVAL: '30000' },
      },
    }));
    const env = envOf(app);
    expect(env).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.observability:4318',
      OTEL_EXPORTER_OTLP_CERTIFICATE: '/otel-auto-instrumentation-tls/ca.crt',
      OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/otel-auto-instrumentation-tls/tls.crt',
      OTEL_EXPORTER_OTLP_CLIENT_KEY: '/otel-auto-instrumentation-tls/tls.key',
      OTEL_SERVICE_NAME: 'shop-api',
      OTEL_PROPAGATORS: 'tracecontext,baggage,xray',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_METRIC_EXPORT_INTERVAL: '30000',
      OTEL_RESOURCE_ATTRIBUTES_POD_NAME: { fieldRef: { fieldPath: 'metadata.name' } },
      OTEL_RESOURCE_ATTRIBUTES_POD_UID: { fieldRef: { fieldPath: 'metadata.uid' } },
      OTEL_RESOURCE_ATTRIBUTES_NAMESPACE: { fieldRef: { fieldPath: 'metadata.namespace' } },
      OTEL_RESOURCE_ATTRIBUTES_NODE_NAME: { fieldRef: { fieldPath: 'spec.nodeName' } },
    });
    expect(env.OTEL_RESOURCE_ATTRIBUTES).toBe('k8s.pod.name=$(OTEL_RESOURCE_ATTRIBUTES_POD_NAME),k8s.pod.uid=$(OTEL_RESOURCE_ATTRIBUTES_POD_UID),'
      + 'k8s.namespace.name=$(OTEL_RESOURCE_ATTRIBUTES_NAMESPACE),k8s.node.name=$(OTEL_RESOURCE_ATTRIBUTES_NODE_NAME),'
      + 'service.version=1.2.3,deployment.environment.name=prod%2C%20eu,team=%24(HOME)');
    const names = app.env.map((e: any) => e.name);
    expect(names[names.length - 1]).toBe('OTEL_RESOURCE_ATTRIBUTES');
    expect(pod.spec.volumes).toContainEqual({ name: 'opentelemetry-auto-instrumentation-java-tls', secret: expect.objectContaining({ secretName: 'otlp-tls' }) });
    expect(app.volumeMounts).toContainEqual({ name: 'opentelemetry-auto-instrumentation-java-tls', mountPath: '/otel-auto-instrumentation-tls', readOnly: true });
  });

  test('the collector\'s appSdk gives the app the SDK settings without an agent (inject-sdk)', () => {
    const { app } = onDeployment(c => new OtelCollectorSidecar(c, 'otel', {
      debugExporter: {}, appSdk: { serviceName: 'shop', propagators: [OtelPropagator.B3], sampler: OtelSampler.ALWAYS_ON },
    }));
    expect(envOf(app)).toMatchObject({ OTEL_SERVICE_NAME: 'shop', OTEL_PROPAGATORS: 'b3', OTEL_TRACES_SAMPLER: 'always_on', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
  });
});

describe('OtelInstrumentation overrides (the shared escape hatch)', () => {
  test('Kubernetes: overrides change the agent\'s copy step (env, pull policy, a patch), not the app', () => {
    const { pod, app } = onDeployment(c => new OtelInstrumentation(c, 'java', {
      language: OtelInstrumentationLanguage.JAVA,
      overrides: {
        env: [{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }],
        imagePullPolicy: ImagePullPolicy.ALWAYS,
        kubernetesPatches: [{ op: PatchOperation.ADD, path: '/terminationMessagePolicy', value: 'FallbackToLogsOnError' }],
      },
    }));
    const init = pod.spec.initContainers.find((c: any) => c.name === 'opentelemetry-auto-instrumentation-java');
    expect(envOf(init)).toEqual({ HTTPS_PROXY: 'http://proxy:3128' });
    expect(init).toMatchObject({ imagePullPolicy: 'Always', terminationMessagePolicy: 'FallbackToLogsOnError' });
    expect(envOf(app).HTTPS_PROXY).toBeUndefined();
    expect(envOf(app).JAVA_TOOL_OPTIONS).toBe('-javaagent:/otel-auto-instrumentation-java/javaagent.jar');
  });

  test('a wrong type in overrides is a catalogued error naming the field', () => {
    expectError(() => onDeployment(c => new OtelInstrumentation(c, 'java', {
      language: OtelInstrumentationLanguage.JAVA, overrides: { env: 'HTTPS_PROXY=x' as any },
    })), ErrorCode.INVALID_TYPE, 'overrides.env');
  });
});

describe('OtelInstrumentation on ECS and ACI', () => {
  test('ECS: the copy runs as a non-essential container the app waits on with SUCCESS; the app mounts the agent read-only', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new OtelCollectorSidecar(f.stack, 'otel', { debugExporter: {}, appWaitsFor: WaitCondition.STARTED }));
    TaskSidecars.of(f.td).add(new OtelInstrumentation(f.stack, 'java', { language: OtelInstrumentationLanguage.JAVA, sdk: { serviceName: 'shop' } }));
    const t = synthTemplate(f.stack);
    const init = container(t, 'opentelemetry-auto-instrumentation-java');
    expect(init).toMatchObject({ Essential: false, User: '4320:4320', EntryPoint: ['cp', '/javaagent.jar', '/otel-auto-instrumentation-java/javaagent.jar'] });
    const app = container(t, 'app');
    expect(app.DependsOn).toEqual(expect.arrayContaining([{ ContainerName: 'opentelemetry-auto-instrumentation-java', Condition: 'SUCCESS' }]));
    expect(app.MountPoints).toEqual(expect.arrayContaining([{ SourceVolume: 'opentelemetry-auto-instrumentation-java', ContainerPath: '/otel-auto-instrumentation-java', ReadOnly: true }]));
    expect(app.Environment).toEqual(expect.arrayContaining([
      { Name: 'JAVA_TOOL_OPTIONS', Value: '-javaagent:/otel-auto-instrumentation-java/javaagent.jar' },
      { Name: 'OTEL_EXPORTER_OTLP_ENDPOINT', Value: 'http://127.0.0.1:4317' },
      { Name: 'OTEL_SERVICE_NAME', Value: 'shop' },
    ]));
  });

  test('ECS refuses kubernetesAttributes (no downward API), naming the variable', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new OtelInstrumentation(f.stack, 'java', { language: OtelInstrumentationLanguage.JAVA, sdk: { kubernetesAttributes: true } }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/java: ', 'podField "POD_NAME" cannot be rendered on ECS Fargate');
  });

  test('ACI: an init container; the app gets the mount and the variables', () => {
    const aci = new AciApp();
    const group = appGroup(aci);
    group.addSidecars(new OtelInstrumentation(aci, 'node', { language: OtelInstrumentationLanguage.NODEJS, protocol: OtelProtocol.GRPC, endpoint: 'http://10.0.0.4:4317' }));
    const { resource } = synthGroup(group);
    const init = resource.properties.initContainers.find((c: any) => c.name === 'opentelemetry-auto-instrumentation-nodejs').properties;
    expect(init.command).toEqual(['cp', '-r', '/autoinstrumentation/.', '/otel-auto-instrumentation-nodejs']);
    const app = resource.properties.containers[0].properties;
    expect(app.volumeMounts).toContainEqual({ name: 'opentelemetry-auto-instrumentation-nodejs', mountPath: '/otel-auto-instrumentation-nodejs', readOnly: true });
    expect(app.environmentVariables).toEqual(expect.arrayContaining([
      { name: 'NODE_OPTIONS', value: '--require /otel-auto-instrumentation-nodejs/autoinstrumentation.js' },
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://10.0.0.4:4317' },
      { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' },
    ]));
  });
});

describe('OtelInstrumentation bad input', () => {
  const make = (props: any) => () => new OtelInstrumentation(newChart(), 'inst', props);
  test.each<[string, any, ErrorCode, string]>([
    ['language missing', {}, ErrorCode.INVALID_TYPE, 'web/inst: language'],
    ['language not a member', { language: 'RUBY' }, ErrorCode.INVALID_TYPE, 'web/inst: language "RUBY"'],
    ['pythonPlatform for Java', { language: 'JAVA', pythonPlatform: 'musl' }, ErrorCode.INEFFECTIVE_SETTING, 'web/inst: pythonPlatform "musl"'],
    ['dotnetRuntime for Node', { language: 'NODEJS', dotnetRuntime: 'linux-x64' }, ErrorCode.INEFFECTIVE_SETTING, 'web/inst: dotnetRuntime "linux-x64"'],
    ['gRPC for Python', { language: 'PYTHON', protocol: 'grpc' }, ErrorCode.INVALID_ROLE, 'web/inst: protocol "grpc"'],
    ['endpoint not a URL', { language: 'JAVA', endpoint: 'collector:4317' }, ErrorCode.INVALID_URL, 'web/inst: endpoint "collector:4317"'],
    ['TLS cert without key', { language: 'JAVA', exporterTls: { secretName: 's', certFile: 'tls.crt' } }, ErrorCode.MISSING_SETTING, 'web/inst: exporterTls.keyFile'],
    ['sampler arg out of range', { language: 'JAVA', sdk: { sampler: 'traceidratio', samplerArgument: '2' } }, ErrorCode.INVALID_NUMBER, 'web/inst: sdk.samplerArgument "2"'],
    ['sampler arg without sampler', { language: 'JAVA', sdk: { samplerArgument: '0.5' } }, ErrorCode.INEFFECTIVE_SETTING, 'web/inst: sdk.samplerArgument "0.5"'],
    ['propagator none with others', { language: 'JAVA', sdk: { propagators: ['none', 'b3'] } }, ErrorCode.INVALID_ROLE, 'web/inst: sdk.propagators'],
    ['propagator not a member', { language: 'JAVA', sdk: { propagators: ['w3c'] } }, ErrorCode.INVALID_TYPE, 'web/inst: sdk.propagators[0] "w3c"'],
    ['env sets a typed variable', { language: 'JAVA', sdk: { env: { JAVA_TOOL_OPTIONS: '-Xmx1g' } } }, ErrorCode.ALREADY_SET, 'web/inst: sdk.env["JAVA_TOOL_OPTIONS"]'],
    ['resource attribute key', { language: 'JAVA', sdk: { resourceAttributes: { 'a b': 'x' } } }, ErrorCode.INVALID_NAME, 'web/inst: sdk.resourceAttributes "a b"'],
    ['k8s attribute twice', { language: 'JAVA', sdk: { kubernetesAttributes: true, resourceAttributes: { 'k8s.pod.name': 'x' } } }, ErrorCode.ALREADY_SET, 'web/inst: sdk.resourceAttributes["k8s.pod.name"]'],
    ['serviceName wrong type', { language: 'JAVA', sdk: { serviceName: 3 } }, ErrorCode.INVALID_TYPE, 'web/inst: sdk.serviceName 3'],
  ])('%s', (_name, props, code, part) => {
    expectError(make(props), code, part);
  });

  test('Python behind a collector that gives the app gRPC: the error names the collector and the fix', () => {
    expectError(() => onDeployment(
      c => new OtelCollectorSidecar(c, 'otel', { debugExporter: {} }),
      c => new OtelInstrumentation(c, 'py', { language: OtelInstrumentationLanguage.PYTHON }),
    ), ErrorCode.INVALID_ROLE, 'web/py: protocol "grpc"', 'web/otel', 'appProtocol to OtelProtocol.HTTP_PROTOBUF');
  });

  test('an app that sets JAVA_TOOL_OPTIONS itself: a composition error naming both', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'api', {
      containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080, envVariables: { JAVA_TOOL_OPTIONS: kplus.EnvValue.fromValue('-Xmx1g') } }],
    });
    WorkloadSidecars.of(d).add(new OtelInstrumentation(chart, 'java', { language: OtelInstrumentationLanguage.JAVA }));
    expectError(() => synth(chart), ErrorCode.ENV_CONFLICT, 'web/java', 'JAVA_TOOL_OPTIONS');
  });
});

describe('OtelInstrumentation: the runtime contract knows the agent images', () => {
  test('the operator\'s autoinstrumentation images are busybox (cp on PATH); an image without cp is refused before the pod is made', () => {
    const facts = imageFacts('ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-python:0.64b0');
    expect(facts?.binaries).toContain('cp');
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
    WorkloadSidecars.of(d).add(new OtelInstrumentation(chart, 'java', { language: OtelInstrumentationLanguage.JAVA, image: 'otel/opentelemetry-collector-contrib:0.162.0' }));
    expectError(() => synth(chart), ErrorCode.RUNTIME_MISSING_BINARY, 'web/java', '"cp"');
  });
});

describe('TLS files from a secret where the platform cannot mount secrets', () => {
  test('ECS: exporterTls and an exporter\'s delivery.tls are refused naming the prop', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new OtelInstrumentation(f.stack, 'java', { language: OtelInstrumentationLanguage.JAVA, exporterTls: { secretName: 'otlp-tls', caFile: 'ca.crt' } }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/java: exporterTls "otlp-tls" cannot be rendered on ECS Fargate');
    const g = fargateTask();
    TaskSidecars.of(g.td).add(new OtelCollectorSidecar(g.stack, 'otel', {
      appWaitsFor: WaitCondition.STARTED,
      otlpExporters: [{ endpoint: 'otlp.example:4317', delivery: { tls: { secretName: 'otlp-tls', caFile: 'ca.crt' } } }],
    }));
    expectError(() => Template.fromStack(g.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/otel: otlpExporters[0].delivery.tls "otlp-tls" cannot be rendered on ECS Fargate');
  });
});

describe('OtelInstrumentation GO (eBPF)', () => {
  test('Kubernetes: a privileged root native sidecar in the shared process namespace, its own SDK env, the collector\'s HTTP receiver', () => {
    const { pod, app } = onDeployment(
      c => new OtelCollectorSidecar(c, 'otel', { debugExporter: {} }),
      c => new OtelInstrumentation(c, 'go', { language: OtelInstrumentationLanguage.GO, goTargetExecutable: '/app/server', sdk: { serviceName: 'shop' } }),
    );
    expect(pod.spec.shareProcessNamespace).toBe(true);
    const agent = pod.spec.initContainers.find((c: any) => c.name === 'opentelemetry-auto-instrumentation-go');
    expect(agent).toMatchObject({
      image: 'ghcr.io/open-telemetry/opentelemetry-go-instrumentation/autoinstrumentation-go:v0.24.0',
      restartPolicy: 'Always',
      securityContext: expect.objectContaining({ runAsUser: 0, privileged: true, allowPrivilegeEscalation: true }),
    });
    expect(envOf(agent)).toEqual({
      OTEL_GO_AUTO_TARGET_EXE: '/app/server',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: 'shop',
    });
    expect(envOf(app).OTEL_GO_AUTO_TARGET_EXE).toBeUndefined();
  });

  test('ECS Fargate and ACI refuse the privileged agent, naming the prop', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new OtelInstrumentation(f.stack, 'go', { language: OtelInstrumentationLanguage.GO, goTargetExecutable: '/app/server' }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/go: language true cannot be rendered on ECS Fargate: Fargate does not run privileged containers');
    const aci = new AciApp();
    const group = appGroup(aci);
    group.addSidecars(new OtelInstrumentation(aci, 'go', { language: OtelInstrumentationLanguage.GO, goTargetExecutable: '/app/server' }));
    expectError(() => synthGroup(group), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'go: shareProcessNamespace true cannot be rendered on Azure Container Instances');
  });

  test.each<[string, any, ErrorCode, string]>([
    ['no target executable', { language: 'GO' }, ErrorCode.MISSING_SETTING, 'web/inst: goTargetExecutable'],
    ['a relative target executable', { language: 'GO', goTargetExecutable: 'server' }, ErrorCode.INVALID_PATH, 'web/inst: goTargetExecutable "server"'],
    ['a uid for the root agent', { language: 'GO', goTargetExecutable: '/s', uid: 1000 }, ErrorCode.INEFFECTIVE_SETTING, 'web/inst: uid 1000 would have no effect'],
    ['a target executable for Java', { language: 'JAVA', goTargetExecutable: '/s' }, ErrorCode.INEFFECTIVE_SETTING, 'web/inst: goTargetExecutable "/s"'],
  ])('bad input: %s', (_n, props, code, part) => {
    expectError(() => new OtelInstrumentation(newChart(), 'inst', props), code, part);
  });
});

describe('ContainerSecurity.privileged', () => {
  test('privileged without allowPrivilegeEscalation is refused (Kubernetes rejects the pair)', () => {
    const chart = newChart();
    expectError(() => new Sidecar(chart, 'p', { image: 'ghcr.io/acme/agent:1', security: { privileged: true, uid: 0, allowRootUser: true } } as any),
      ErrorCode.INVALID_ROLE, 'privileged true is true while allowPrivilegeEscalation is false');
  });
});

describe('OtelInstrumentation APACHE_HTTPD and NGINX (module copied and configured; the server config includes it)', () => {
  test('Apache on Kubernetes: the SDK copied read-write, the module configuration generated and mounted, a warning saying what to Include', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'httpd:2.4', portNumber: 8080 }] });
    const attached = WorkloadSidecars.of(d);
    attached.add(new OtelCollectorSidecar(chart, 'otel', { debugExporter: {} }));
    attached.add(new OtelInstrumentation(chart, 'httpd', {
      language: OtelInstrumentationLanguage.APACHE_HTTPD, sdk: { serviceName: 'shop-web', resourceAttributes: { 'service.namespace': 'shop' } },
    }));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const docs = synth(chart);
    stderr.mockRestore();
    const pod = podOf(findDoc(docs, 'Deployment'));
    const init = pod.spec.initContainers.find((c: any) => c.name === 'opentelemetry-auto-instrumentation-apache-httpd');
    expect(init.image).toBe('ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-apache-httpd:1.0.4');
    expect(init.command[2]).toContain('cp -r /opt/opentelemetry/. /opt/opentelemetry-webserver/agent');
    const app = pod.spec.containers.find((c: any) => c.name === 'api');
    expect(app.volumeMounts).toEqual(expect.arrayContaining([
      { name: 'opentelemetry-auto-instrumentation-apache-httpd', mountPath: '/opt/opentelemetry-webserver/agent', readOnly: false },
      { name: 'opentelemetry-auto-instrumentation-apache-httpd-conf', mountPath: '/opt/opentelemetry-webserver/conf', readOnly: true },
    ]));
    const cm = docs.find((x: any) => x.kind === 'ConfigMap' && x.data?.['opentelemetry_agent.conf'] !== undefined);
    const conf: string = cm.data['opentelemetry_agent.conf'];
    expect(conf.split('\n')).toEqual(expect.arrayContaining([
      'LoadFile /opt/opentelemetry-webserver/agent/sdk_lib/lib/libopentelemetry_common.so',
      'LoadModule otel_apache_module /opt/opentelemetry-webserver/agent/WebServerModule/Apache/libmod_apache_otel.so',
      'ApacheModuleEnabled ON',
      'ApacheModuleOtelExporterEndpoint http://127.0.0.1:4317',
      'ApacheModuleServiceName shop-web',
      'ApacheModuleServiceNamespace shop',
    ]));
    expect(attached.warnings).toContainEqual(expect.stringContaining('web/httpd: the APACHE_HTTPD module is copied and configured, but the library does not rewrite'));
    expect(attached.warnings.join('\n')).toContain('add "Include /opt/opentelemetry-webserver/conf/opentelemetry_agent.conf" to httpd.conf');
  });

  test('nginx: the module for its version, LD_LIBRARY_PATH, directives ending in ";"', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'nginx:1.27.3', portNumber: 8080 }] });
    const attached = WorkloadSidecars.of(d);
    attached.add(new OtelInstrumentation(chart, 'nginx', { language: OtelInstrumentationLanguage.NGINX, webServerVersion: '1.27.3', endpoint: 'http://collector:4317' }));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const docs = synth(chart);
    stderr.mockRestore();
    const app = podOf(findDoc(docs, 'Deployment')).spec.containers.find((c: any) => c.name === 'api');
    expect(envOf(app)).toEqual({ LD_LIBRARY_PATH: '/opt/opentelemetry-webserver/agent/sdk_lib/lib' });
    const cm = docs.find((x: any) => x.kind === 'ConfigMap' && x.data?.['opentelemetry_agent.conf'] !== undefined);
    expect(cm.data['opentelemetry_agent.conf']).toBe([
      'NginxModuleEnabled ON;', 'NginxModuleOtelExporterEndpoint http://collector:4317;', 'NginxModuleOtelSpanExporter otlp;',
      'NginxModuleResolveBackends ON;', 'NginxModuleServiceName nginx;', 'NginxModuleTraceAsError ON;', '',
    ].join('\n'));
    expect(attached.warnings.join('\n')).toContain('load_module /opt/opentelemetry-webserver/agent/WebServerModule/Nginx/1.27.3/ngx_http_opentelemetry_module.so;');
  });

  test.each<[string, any, ErrorCode, string]>([
    ['nginx without its version', { language: 'NGINX' }, ErrorCode.MISSING_SETTING, 'web/inst: webServerVersion'],
    ['an Apache version that has no module build', { language: 'APACHE_HTTPD', webServerVersion: '2.6' }, ErrorCode.INVALID_NAME, 'web/inst: webServerVersion "2.6"'],
    ['OTLP/HTTP for the module', { language: 'APACHE_HTTPD', protocol: 'http/protobuf' }, ErrorCode.INVALID_ROLE, 'web/inst: protocol "http/protobuf"'],
    ['a service name with a space (unquoted directive)', { language: 'APACHE_HTTPD', sdk: { serviceName: 'shop web' } }, ErrorCode.INVALID_NAME, 'web/inst: sdk.serviceName "shop web"'],
    ['a sampler the module cannot take', { language: 'APACHE_HTTPD', sdk: { sampler: 'always_on' } }, ErrorCode.INEFFECTIVE_SETTING, 'web/inst: sdk'],
    ['a resource attribute the module cannot take', { language: 'NGINX', webServerVersion: '1.27.3', sdk: { resourceAttributes: { team: 'a' } } }, ErrorCode.INEFFECTIVE_SETTING,
      'web/inst: sdk.resourceAttributes["team"] "a"'],
    ['a web server version for Java', { language: 'JAVA', webServerVersion: '2.4' }, ErrorCode.INEFFECTIVE_SETTING, 'web/inst: webServerVersion "2.4"'],
  ])('bad input: %s', (_n, props, code, part) => {
    expectError(() => new OtelInstrumentation(newChart(), 'inst', props), code, part);
  });
});

describe('OtelInstrumentation APACHE_HTTPD on ECS', () => {
  test('the module configuration comes through the config writer; the init step\'s shell script passes the image check; the warning is shown', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new OtelInstrumentation(f.stack, 'httpd', { language: OtelInstrumentationLanguage.APACHE_HTTPD, endpoint: 'http://collector.internal:4317' }));
    const t = synthTemplate(f.stack);
    const init = container(t, 'opentelemetry-auto-instrumentation-apache-httpd');
    expect(init.EntryPoint[0]).toBe('/bin/sh');
    const writer = container(t, 'cdk-sidecars-config');
    const script: string = [...(writer.EntryPoint ?? []), ...(writer.Command ?? [])].join('\n');
    expect(script).toContain('opentelemetry_agent.conf');
    expect(warnings(f.stack).join('\n')).toContain('Shop/httpd: the APACHE_HTTPD module is copied and configured');
  });
});
