import { Construct } from 'constructs';
import { OTLP_OFFER } from './capabilities';
import { ContainerSpec, EnvVarSpec, ResourceRequirements, StartupRole, WaitCondition } from '../core/container';
import { CompositionContext, ISidecar, SidecarContribution } from '../core/contribution';
import { Errors } from '../core/errors';
import { DNS_LABEL, isImageReference, UID_ORIGIN } from '../core/names';
import { BuiltInSidecarProps, applyOverrides, checkOverrideTypes } from '../core/overrides';
import { RESOURCE_TYPES, checkPropTypes, rememberProps } from '../core/prop-types';
import { resolveContribution, withDefaultResources } from '../core/resolve';
import { VolumeKind, VolumeMountSpec, VolumeSpec } from '../core/volume';
import { OtelExporterTls, OtelSdkOptions, SDK_OPTION_TYPES, sdkEnv } from './otel/sdk';
import { OtelProtocol } from './otel-collector';
import { declareDeterministic } from '../core/composition';

/** The language agent an `OtelInstrumentation` puts into the app containers. */
export enum OtelInstrumentationLanguage {
  /** The OpenTelemetry Java agent (`JAVA_TOOL_OPTIONS=-javaagent:...`). */
  JAVA = 'JAVA',
  /** The Node.js auto-instrumentations (`NODE_OPTIONS=--require ...`). */
  NODEJS = 'NODEJS',
  /** The Python auto-instrumentation (`PYTHONPATH`, sitecustomize). OTLP over HTTP only. */
  PYTHON = 'PYTHON',
  /** The .NET auto-instrumentation (CLR profiler and startup hook). */
  DOTNET = 'DOTNET',
  /**
   * Go eBPF auto-instrumentation: a privileged root sidecar in the pod's shared process
   * namespace attaches to `goTargetExecutable` (Kubernetes only; ECS Fargate and ACI refuse
   * privileged containers).
   */
  GO = 'GO',
  /**
   * The Apache HTTPD module (opentelemetry-cpp-contrib webserver SDK). The library writes the
   * module's configuration file; the server's httpd.conf must `Include` it (a warning says how):
   * the operator rewrites httpd.conf from a clone of the app container, which a synth-time
   * library cannot do.
   */
  APACHE_HTTPD = 'APACHE_HTTPD',
  /**
   * The nginx module (same SDK). nginx.conf must `load_module` the module and `include` the
   * generated file (a warning says how), for the reason given at APACHE_HTTPD.
   */
  NGINX = 'NGINX',
}

/** The C library of the app's Python image (which build of the compiled packages is copied). */
export enum OtelPythonPlatform {
  /** glibc (Debian, Ubuntu, RHEL based images). */
  GLIBC = 'glibc',
  /** musl (Alpine based images). */
  MUSL = 'musl',
}

/** The .NET runtime identifier of the app's image (which native profiler is loaded). */
export enum OtelDotnetRuntime {
  /** glibc-based Linux on x64. */
  LINUX_X64 = 'linux-x64',
  /** musl-based Linux (Alpine) on x64. */
  LINUX_MUSL_X64 = 'linux-musl-x64',
}

/** Props of an `OtelInstrumentation`. */
export interface OtelInstrumentationProps extends BuiltInSidecarProps {
  /** The language agent. */
  readonly language: OtelInstrumentationLanguage;
  /**
   * Name of the init container and of its volume.
   * @default - 'opentelemetry-auto-instrumentation-<language>' (as the operator)
   */
  readonly name?: string;
  /**
   * The agent image (the operator's autoinstrumentation images: the agent under
   * `/javaagent.jar` or `/autoinstrumentation`, and busybox's `cp`).
   * @default - ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-<language> at the
   * operator's versions.txt (java 2.30.0, nodejs 0.78.0, python 0.64b0, dotnet 1.16.0)
   */
  readonly image?: string;
  /**
   * UID and GID of the copying init container.
   * @default - 4320 (Java), 4321 (Node.js), 4322 (Python), 4323 (.NET)
   */
  readonly uid?: number;
  /**
   * App containers that get the agent and its environment (the operator's
   * `<language>-container-names`).
   * @default - every app container
   */
  readonly appContainers?: string[];
  /**
   * Go only: absolute path of the app's executable the agent attaches to (`OTEL_GO_AUTO_TARGET_EXE`).
   * @default - none (required for GO)
   */
  readonly goTargetExecutable?: string;
  /**
   * APACHE_HTTPD: the Apache version ('2.4' or '2.2'); NGINX: the nginx version of the app image
   * (e.g. '1.27.3'), which selects the module build.
   * @default - '2.4' for APACHE_HTTPD; required for NGINX
   */
  readonly webServerVersion?: string;
  /**
   * Python only: the app image's C library.
   * @default OtelPythonPlatform.GLIBC
   */
  readonly pythonPlatform?: OtelPythonPlatform;
  /**
   * .NET only: the app image's runtime identifier.
   * @default OtelDotnetRuntime.LINUX_X64
   */
  readonly dotnetRuntime?: OtelDotnetRuntime;
  /**
   * Where the SDK exports (`OTEL_EXPORTER_OTLP_ENDPOINT`), e.g. `http://collector:4318`.
   * @default - the OTLP receiver of the pod's `OtelCollectorSidecar` for `protocol`; with no
   * collector in the pod, not set (the SDK's localhost default)
   */
  readonly endpoint?: string;
  /**
   * `OTEL_EXPORTER_OTLP_PROTOCOL`. Python's agent exports over HTTP only.
   * @default - the protocol the pod's collector gives the app (its `appProtocol`) when it
   * sets the app's env, else OtelProtocol.HTTP_PROTOBUF
   */
  readonly protocol?: OtelProtocol;
  /**
   * TLS files of the exporter, from a secret mounted read-only into the app containers at
   * `/otel-auto-instrumentation-tls`.
   * @default - none
   */
  readonly exporterTls?: OtelExporterTls;
  /**
   * Service name, resource attributes, propagators, sampler and more SDK variables.
   * @default - none
   */
  readonly sdk?: OtelSdkOptions;
  /**
   * Size limit of the volume the agent is copied to, in MiB.
   * @default 200 (as the operator)
   */
  readonly volumeSizeLimitMebibytes?: number;
  /**
   * CPU and memory of the copying init container.
   * @default - requests 50m and 64 MiB, memory limit 128 MiB
   */
  readonly resources?: ResourceRequirements;
}

interface LanguageFacts {
  readonly image: string;
  readonly uid: number;
  readonly key: string;
}

/** Default images: open-telemetry/opentelemetry-operator versions.txt @ be894441 (2026-08-21). */
const REPO = 'ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation';
const LANGUAGES: { [l in OtelInstrumentationLanguage]: LanguageFacts } = {
  [OtelInstrumentationLanguage.JAVA]: { image: `${REPO}-java:2.30.0`, uid: 4320, key: 'java' },
  [OtelInstrumentationLanguage.NODEJS]: { image: `${REPO}-nodejs:0.78.0`, uid: 4321, key: 'nodejs' },
  [OtelInstrumentationLanguage.PYTHON]: { image: `${REPO}-python:0.64b0`, uid: 4322, key: 'python' },
  [OtelInstrumentationLanguage.DOTNET]: { image: `${REPO}-dotnet:1.16.0`, uid: 4323, key: 'dotnet' },
  // internal/config/config.go AutoInstrumentationGoImage (versions.txt autoinstrumentation-go=v0.24.0).
  // versions.txt autoinstrumentation-apache-httpd=1.0.4 (nginx uses the same image and version).
  [OtelInstrumentationLanguage.APACHE_HTTPD]: { image: `${REPO}-apache-httpd:1.0.4`, uid: 4324, key: 'apache-httpd' },
  [OtelInstrumentationLanguage.NGINX]: { image: `${REPO}-apache-httpd:1.0.4`, uid: 4325, key: 'nginx' },
  [OtelInstrumentationLanguage.GO]: { image: 'ghcr.io/open-telemetry/opentelemetry-go-instrumentation/autoinstrumentation-go:v0.24.0', uid: 0, key: 'go' },
};

const TLS_DIR = '/otel-auto-instrumentation-tls';
/** apachehttpd.go / nginx.go: where the webserver SDK lives in the app container. */
const WEBSERVER_AGENT = '/opt/opentelemetry-webserver/agent';
const WEBSERVER_CONF_DIR = '/opt/opentelemetry-webserver/conf';
const WEBSERVER_CONF_FILE = 'opentelemetry_agent.conf';
/** A value written into httpd.conf / nginx.conf directives: no spaces, quotes, ';', '#', braces or line breaks (nothing to escape). */
const DIRECTIVE_VALUE = /^[A-Za-z0-9._:/@%+=,-]+$/;

/**
 * The module configuration (apachehttpd.go getApacheOtelConfig, nginx.go getNginxOtelConfig), without
 * the per-pod service instance id the operator fills in at run time.
 */
function webServerConfig(language: OtelInstrumentationLanguage, version: string, endpoint: string, serviceName: string,
  namespace: string | undefined): string {
  const apache = language === OtelInstrumentationLanguage.APACHE_HTTPD;
  const prefix = apache ? 'ApacheModule' : 'NginxModule';
  const attrs: Array<[string, string]> = [
    ['Enabled', 'ON'], ['OtelSpanExporter', 'otlp'], ['OtelExporterEndpoint', endpoint], ['ServiceName', serviceName],
    ...(namespace !== undefined ? [['ServiceNamespace', namespace] as [string, string]] : []),
    ['ResolveBackends', 'ON'], ['TraceAsError', 'ON'],
  ];
  const end = apache ? '' : ';';
  const lines = attrs.map(([k, v]) => `${prefix}${k} ${v}${end}`).sort();
  if (!apache) { return `${lines.join('\n')}\n`; }
  const lib = `${WEBSERVER_AGENT}/sdk_lib/lib`;
  return [
    ...['common', 'resources', 'trace', 'otlp_recordable', 'exporter_ostream_span', 'exporter_otlp_grpc', 'webserver_sdk']
      .map(l => `LoadFile ${lib}/libopentelemetry_${l}.so`),
    `LoadModule otel_apache_module ${WEBSERVER_AGENT}/WebServerModule/Apache/libmod_apache_otel${version === '2.2' ? '22' : ''}.so`,
    ...lines,
  ].join('\n') + '\n';
}
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

/**
 * The variables each agent needs, read from open-telemetry/opentelemetry-operator
 * internal/instrumentation/{javaagent,nodejs,python,dotnet}.go @ be894441. `dir` is where the
 * agent is mounted in the app container.
 */
function agentEnv(language: OtelInstrumentationLanguage, dir: string, p: OtelInstrumentationProps): EnvVarSpec[] {
  switch (language) {
    case OtelInstrumentationLanguage.JAVA:
      return [{ name: 'JAVA_TOOL_OPTIONS', value: `-javaagent:${dir}/javaagent.jar` }];
    case OtelInstrumentationLanguage.NODEJS:
      return [{ name: 'NODE_OPTIONS', value: `--require ${dir}/autoinstrumentation.js` }];
    case OtelInstrumentationLanguage.PYTHON:
      return [{ name: 'PYTHONPATH', value: `${dir}/opentelemetry/instrumentation/auto_instrumentation:${dir}` }];
    case OtelInstrumentationLanguage.GO:
      return [{ name: 'OTEL_GO_AUTO_TARGET_EXE', value: p.goTargetExecutable! }];
    case OtelInstrumentationLanguage.NGINX:
      // nginx.go: LD_LIBRARY_PATH gains the SDK's libraries.
      return [{ name: 'LD_LIBRARY_PATH', value: `${WEBSERVER_AGENT}/sdk_lib/lib` }];
    case OtelInstrumentationLanguage.APACHE_HTTPD:
      return [];
    case OtelInstrumentationLanguage.DOTNET: {
      const musl = p.dotnetRuntime === OtelDotnetRuntime.LINUX_MUSL_X64;
      return [
        { name: 'CORECLR_ENABLE_PROFILING', value: '1' },
        { name: 'CORECLR_PROFILER', value: '{918728DD-259F-4A6A-AC2B-B85E1B658318}' },
        { name: 'CORECLR_PROFILER_PATH', value: `${dir}/${musl ? 'linux-musl' : 'linux'}/OpenTelemetry.AutoInstrumentation.Native.so` },
        { name: 'DOTNET_STARTUP_HOOKS', value: `${dir}/net/OpenTelemetry.AutoInstrumentation.StartupHook.dll` },
        { name: 'DOTNET_ADDITIONAL_DEPS', value: `${dir}/AdditionalDeps` },
        { name: 'OTEL_DOTNET_AUTO_HOME', value: dir },
        { name: 'DOTNET_SHARED_STORE', value: `${dir}/store` },
      ];
    }
  }
}

/** Exporter defaults the operator sets when the user has not (python.go getDefaultPythonEnvVars, nodejs.go). */
function exporterDefaults(language: OtelInstrumentationLanguage): EnvVarSpec[] {
  switch (language) {
    case OtelInstrumentationLanguage.PYTHON:
      return ['OTEL_TRACES_EXPORTER', 'OTEL_METRICS_EXPORTER', 'OTEL_LOGS_EXPORTER'].map(name => ({ name, value: 'otlp' }));
    case OtelInstrumentationLanguage.NODEJS:
      // The Node.js SDK starts its metrics SDK only when a reader is configured (nodejs.go).
      return [{ name: 'OTEL_METRICS_EXPORTER', value: 'otlp' }];
    default:
      return [];
  }
}

/**
 * OpenTelemetry auto-instrumentation of the app, as the OpenTelemetry Operator's
 * `instrumentation.opentelemetry.io/inject-<language>` does it: an init step copies the
 * language agent from the upstream autoinstrumentation image into a volume, the volume is
 * mounted read-only into the app containers, and they get the variables that load the agent
 * (`JAVA_TOOL_OPTIONS`, `NODE_OPTIONS`, `PYTHONPATH`, `CORECLR_*` / `DOTNET_*`) and configure
 * the SDK: the exporter endpoint (the pod's `OtelCollectorSidecar` when there is one), its TLS
 * files, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES` (with `k8s.*` from the downward API
 * on Kubernetes), `OTEL_PROPAGATORS` and the sampler.
 *
 * Works on Kubernetes (init container), ECS (a container the app waits on with SUCCESS) and
 * ACI (init container). A variable the app already sets to another value is a composition
 * error naming both (the operator appends to `JAVA_TOOL_OPTIONS` and `NODE_OPTIONS`; here
 * move the app's options into one value).
 *
 * @see https://github.com/open-telemetry/opentelemetry-operator#opentelemetry-auto-instrumentation-injection
 */
export class OtelInstrumentation extends Construct implements ISidecar {
  /** Name of the init container (and its volume). */
  public readonly name: string;
  /** The language agent. */
  public readonly language: OtelInstrumentationLanguage;
  /** Where the agent is mounted in the app containers. */
  public readonly agentPath: string;

  private readonly props: OtelInstrumentationProps;
  private readonly base: SidecarContribution;
  private readonly fixedEnv: EnvVarSpec[];
  private readonly tlsEnv: EnvVarSpec[];
  private readonly sdkVars: EnvVarSpec[];

  constructor(scope: Construct, id: string, props: OtelInstrumentationProps) {
    super(scope, id);
    rememberProps(this, props);
    const path = this.node.path;
    checkOverrideTypes(path, props);
    checkPropTypes(path, props, {
      language: { enum: OtelInstrumentationLanguage },
      name: 'string',
      image: 'string',
      uid: 'number',
      appContainers: 'stringArray',
      goTargetExecutable: 'string',
      pythonPlatform: { enum: OtelPythonPlatform },
      dotnetRuntime: { enum: OtelDotnetRuntime },
      endpoint: 'string',
      protocol: { enum: OtelProtocol },
      exporterTls: { struct: { secretName: 'string', caFile: 'string', certFile: 'string', keyFile: 'string' }, required: ['secretName'] },
      sdk: SDK_OPTION_TYPES,
      volumeSizeLimitMebibytes: 'count',
      resources: { struct: RESOURCE_TYPES },
    }, ['language']);
    const p = props;
    this.props = p;
    this.language = p.language;
    const facts = LANGUAGES[p.language];
    this.name = p.name ?? `opentelemetry-auto-instrumentation-${facts.key}`;
    if (!DNS_LABEL.test(this.name) || this.name.length > 58) {
      throw Errors.invalidName(path, 'name', this.name, 'a DNS label of at most 58 characters');
    }
    if (p.image !== undefined && !isImageReference(p.image)) { throw Errors.invalidImage(path, 'image', p.image); }
    if (p.pythonPlatform !== undefined && p.language !== OtelInstrumentationLanguage.PYTHON) {
      throw Errors.ineffectiveSetting(path, 'pythonPlatform', p.pythonPlatform, `the language is ${p.language}, not PYTHON`, 'Leave pythonPlatform out');
    }
    if (p.dotnetRuntime !== undefined && p.language !== OtelInstrumentationLanguage.DOTNET) {
      throw Errors.ineffectiveSetting(path, 'dotnetRuntime', p.dotnetRuntime, `the language is ${p.language}, not DOTNET`, 'Leave dotnetRuntime out');
    }
    const go = p.language === OtelInstrumentationLanguage.GO;
    if (go) {
      if (p.goTargetExecutable === undefined) {
        throw Errors.missingSetting(path, 'goTargetExecutable', 'the Go agent attaches to one executable (OTEL_GO_AUTO_TARGET_EXE, golang.go)', 'Set goTargetExecutable to the app binary\'s path, e.g. "/app/server"');
      }
      if (!/^\/[^\s\0]*$/.test(p.goTargetExecutable)) {
        throw Errors.invalidPath(path, 'goTargetExecutable', p.goTargetExecutable, 'is not an absolute path', 'Give the app binary\'s absolute path in its image, e.g. "/app/server"');
      }
      for (const key of ['uid', 'appContainers', 'volumeSizeLimitMebibytes'] as const) {
        if (p[key] !== undefined) {
          throw Errors.ineffectiveSetting(path, key, p[key], 'the Go agent is a root sidecar that attaches to the process by executable path, with no volume for the app',
            `Leave ${key} out for GO`);
        }
      }
    } else if (p.goTargetExecutable !== undefined) {
      throw Errors.ineffectiveSetting(path, 'goTargetExecutable', p.goTargetExecutable, `the language is ${p.language}, not GO`, 'Leave goTargetExecutable out');
    }
    const web = p.language === OtelInstrumentationLanguage.APACHE_HTTPD || p.language === OtelInstrumentationLanguage.NGINX;
    if (web) {
      const v = p.webServerVersion;
      if (p.language === OtelInstrumentationLanguage.APACHE_HTTPD && v !== undefined && v !== '2.4' && v !== '2.2') {
        throw Errors.invalidName(path, 'webServerVersion', v, '"2.4" or "2.2" (the module builds apachehttpd.go selects)');
      }
      if (p.language === OtelInstrumentationLanguage.NGINX && (v === undefined || !/^\d+\.\d+\.\d+$/.test(v))) {
        throw Errors.missingSetting(path, 'webServerVersion', 'the nginx module is built per nginx version (WebServerModule/Nginx/<version>, nginx_agent.sh)',
          'Set webServerVersion to the app image\'s nginx version, e.g. "1.27.3"');
      }
      if (p.protocol === OtelProtocol.HTTP_PROTOBUF) {
        throw Errors.invalidRole(path, 'protocol', p.protocol, 'is not supported by the webserver module (it loads the OTLP/gRPC exporter only)', 'Leave protocol out');
      }
      for (const key of ['exporterTls', 'sdk'] as const) {
        if (key === 'sdk' && p.sdk && Object.keys(p.sdk).every(k => k === 'serviceName' || k === 'resourceAttributes')) { continue; }
        if (p[key] !== undefined) {
          throw Errors.ineffectiveSetting(path, key, p[key], 'the webserver module is configured by its own file, which takes only the endpoint, sdk.serviceName and sdk.resourceAttributes["service.namespace"]',
            `Leave ${key} out (or keep sdk to serviceName and resourceAttributes)`);
        }
      }
      const extra = Object.keys(p.sdk?.resourceAttributes ?? {}).find(k => k !== 'service.namespace');
      if (extra !== undefined) {
        throw Errors.ineffectiveSetting(path, `sdk.resourceAttributes[${JSON.stringify(extra)}]`, p.sdk!.resourceAttributes![extra],
          'the webserver module takes only service.namespace from the resource attributes', `Leave ${JSON.stringify(extra)} out`);
      }
      const values: Array<[string, string | undefined]> = [['endpoint', p.endpoint], ['sdk.serviceName', p.sdk?.serviceName],
        ['sdk.resourceAttributes["service.namespace"]', p.sdk?.resourceAttributes?.['service.namespace']]];
      for (const [field, value] of values) {
        if (value !== undefined && !DIRECTIVE_VALUE.test(value)) {
          throw Errors.invalidName(path, field, value, 'a value of letters, digits and ._:/@%+=,- (written unquoted into the web server\'s configuration)');
        }
      }
    } else if (p.webServerVersion !== undefined) {
      throw Errors.ineffectiveSetting(path, 'webServerVersion', p.webServerVersion, `the language is ${p.language}, not APACHE_HTTPD or NGINX`, 'Leave webServerVersion out');
    }
    if (p.language === OtelInstrumentationLanguage.PYTHON && p.protocol === OtelProtocol.GRPC) {
      // python.go: "OTEL_EXPORTER_OTLP_PROTOCOL ... http/protobuf ... is what our autoinstrumentation supports".
      throw Errors.invalidRole(path, 'protocol', p.protocol, 'is not supported by the Python auto-instrumentation image (it ships the OTLP/HTTP exporter only)',
        'Use OtelProtocol.HTTP_PROTOBUF');
    }
    if (p.endpoint !== undefined && !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(p.endpoint)) {
      throw Errors.invalidUrl(path, 'endpoint', p.endpoint, 'is not an http(s) URL', 'Give the OTLP endpoint as a URL, e.g. "http://collector.observability:4318"');
    }
    const size = p.volumeSizeLimitMebibytes ?? 200;
    if (size < 1) { throw Errors.invalidNumber(path, 'volumeSizeLimitMebibytes', size, 'a whole number of MiB >= 1'); }

    this.agentPath = web ? WEBSERVER_AGENT : `/otel-auto-instrumentation-${facts.key}`;
    const copy = p.language === OtelInstrumentationLanguage.JAVA
      ? ['cp', '/javaagent.jar', `${this.agentPath}/javaagent.jar`]
      : web
        // apache_httpd_agent.sh / nginx_agent.sh: copy the SDK, render its log4cxx configuration; the logs directory stays writable for the server's workers.
        ? ['/bin/sh', '-c', `cp -r /opt/opentelemetry/. ${WEBSERVER_AGENT} && sed 's,__agent_log_dir__,${WEBSERVER_AGENT}/logs,g' `
          + `${WEBSERVER_AGENT}/conf/opentelemetry_sdk_log4cxx.xml.template > ${WEBSERVER_AGENT}/conf/opentelemetry_sdk_log4cxx.xml && chmod a+w ${WEBSERVER_AGENT}/logs`]
        : ['cp', '-r', p.pythonPlatform === OtelPythonPlatform.MUSL ? '/autoinstrumentation-musl/.' : '/autoinstrumentation/.', this.agentPath];
    const uid = p.uid ?? facts.uid;
    const container: ContainerSpec = go ? {
      // golang.go injectGoSDK: a sidecar running as root, privileged, in the shared process namespace.
      name: this.name,
      image: p.image ?? facts.image,
      role: StartupRole.SIDECAR,
      appWaitsFor: WaitCondition.STARTED,
      security: { uid: 0, gid: 0, allowRootUser: true, privileged: true, allowPrivilegeEscalation: true, readOnlyRootFilesystem: false },
      resources: withDefaultResources(path, { cpuRequestMillicores: 50, memoryRequestMebibytes: 64, memoryLimitMebibytes: 256 }, p.resources),
      origins: [{ field: 'image', prop: 'image' }, { field: 'security.privileged', prop: 'language' }],
    } : {
      name: this.name,
      image: p.image ?? facts.image,
      role: StartupRole.INIT_STEP,
      command: copy,
      security: { uid, gid: uid },
      resources: withDefaultResources(path, { cpuRequestMillicores: 50, memoryRequestMebibytes: 64, memoryLimitMebibytes: 128 }, p.resources),
      volumeMounts: [{ volume: this.name, path: this.agentPath }],
      writesPaths: [this.agentPath],
      // The images chmod go+r what they ship (autoinstrumentation/*/Dockerfile); cp keeps those modes.
      createsFiles: [{ volume: this.name, mode: 0o444 }],
      origins: [UID_ORIGIN, { field: 'image', prop: 'image' }],
    };
    const volumes: VolumeSpec[] = go ? [] : [{ name: this.name, kind: VolumeKind.SCRATCH, sizeLimitMebibytes: size }];
    // The web servers' module writes its logs under the agent directory: read-write for them.
    const mounts: VolumeMountSpec[] = go ? [] : [{ volume: this.name, path: this.agentPath, readOnly: !web }];
    if (web) {
      volumes.push({ name: `${this.name}-conf`, kind: VolumeKind.CONFIG_FILES, files: [{ name: WEBSERVER_CONF_FILE, content: '' }] });
      mounts.push({ volume: `${this.name}-conf`, path: WEBSERVER_CONF_DIR, readOnly: true });
    }
    this.tlsEnv = [];
    const tls = p.exporterTls;
    if (tls) {
      const files: Array<[keyof OtelExporterTls, string]> = [['caFile', 'OTEL_EXPORTER_OTLP_CERTIFICATE'], ['certFile', 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE'],
        ['keyFile', 'OTEL_EXPORTER_OTLP_CLIENT_KEY']];
      if (!DNS_LABEL.test(tls.secretName) && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(tls.secretName)) {
        throw Errors.invalidSecretName(path, 'exporterTls.secretName', tls.secretName);
      }
      if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
        throw Errors.missingSetting(path, tls.certFile === undefined ? 'exporterTls.certFile' : 'exporterTls.keyFile',
          'a client certificate needs its key and the other way round', 'Set both exporterTls.certFile and exporterTls.keyFile, or neither');
      }
      if (tls.caFile === undefined && tls.certFile === undefined) {
        throw Errors.missingSetting(path, 'exporterTls.caFile', 'exporterTls names no file, so it would change nothing', 'Set exporterTls.caFile and/or certFile with keyFile');
      }
      for (const [key, env] of files) {
        const file = tls[key];
        if (file === undefined) { continue; }
        if (!SECRET_KEY.test(file)) { throw Errors.invalidSecretKey(path, `exporterTls.${key}`, file, 'a file name in the app containers'); }
        this.tlsEnv.push({ name: env, value: `${TLS_DIR}/${file}` });
      }
      volumes.push({ name: `${this.name}-tls`, kind: VolumeKind.SECRET, secretName: tls.secretName });
      mounts.push({ volume: `${this.name}-tls`, path: TLS_DIR, readOnly: true });
    }
    this.fixedEnv = agentEnv(p.language, this.agentPath, p);
    const taken = [...this.fixedEnv, ...this.tlsEnv].map(e => e.name).concat(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL']);
    this.sdkVars = sdkEnv(path, 'sdk', p.sdk, taken);
    this.base = go ? {
      // The Go agent reads the SDK settings itself; the TLS files are mounted into it.
      containers: [{ ...container, volumeMounts: mounts }],
      volumes,
      pod: { shareProcessNamespace: true },
      origins: tls ? [{ field: 'volumes[0]', prop: 'exporterTls' }] : undefined,
    } : {
      containers: [container],
      volumes,
      appRequests: { env: [], mounts, containers: p.appContainers },
      // A platform that cannot mount a secret as files (ECS) names exporterTls.
      origins: tls ? [{ field: 'volumes[1]', prop: 'exporterTls' }] : undefined,
    };
    resolveContribution(path, this.contribute({ targetPath: path, appContainers: [] }));
  }

  /** The agent, its volume and the app's variables; the exporter follows the pod's collector, if any. */
  public contribute(context: CompositionContext): SidecarContribution {
    // The escape hatch changes the agent's container (the init step; the Go agent's sidecar).
    return applyOverrides(this.node.path, this.describe(context), this.props.overrides);
  }

  private describe(context: CompositionContext): SidecarContribution {
    const p = this.props;
    const collectors = (context.offers ?? []).filter(o => o.name === OTLP_OFFER);
    const collector = collectors[0];
    if (p.language === OtelInstrumentationLanguage.APACHE_HTTPD || p.language === OtelInstrumentationLanguage.NGINX) {
      // The module exports OTLP/gRPC (libopentelemetry_exporter_otlp_grpc): the collector's gRPC receiver, else the operator's default.
      const endpoint = p.endpoint ?? collector?.settings?.grpcEndpoint ?? 'http://localhost:4317/';
      const content = webServerConfig(p.language, p.webServerVersion ?? '2.4', endpoint, p.sdk?.serviceName ?? this.node.id,
        p.sdk?.resourceAttributes?.['service.namespace']);
      const conf = `${WEBSERVER_CONF_DIR}/${WEBSERVER_CONF_FILE}`;
      const how = p.language === OtelInstrumentationLanguage.APACHE_HTTPD
        ? `add "Include ${conf}" to httpd.conf`
        : `add "load_module ${WEBSERVER_AGENT}/WebServerModule/Nginx/${p.webServerVersion}/ngx_http_opentelemetry_module.so;" and "env OTEL_RESOURCE_ATTRIBUTES;" `
          + `at the top of nginx.conf and "include ${conf};" in its http block`;
      return {
        ...this.base,
        volumes: (this.base.volumes ?? [])
          .map(v => (v.kind === VolumeKind.CONFIG_FILES ? { ...v, files: [{ name: WEBSERVER_CONF_FILE, content }] } : v)),
        appRequests: { ...this.base.appRequests, env: [...this.fixedEnv] },
        consumes: collector && p.endpoint === undefined ? [OTLP_OFFER] : undefined,
        warnings: [`${this.node.path}: the ${p.language} module is copied and configured, but the library does not rewrite the server's configuration `
          + `(the operator does it from a clone of the app container): ${how}`],
      };
    }
    // The app's variables must agree with what the collector gives the app; the Go agent's are its own.
    const collectorProtocol = collector?.settings?.appEnv === 'true' && p.language !== OtelInstrumentationLanguage.GO
      ? collector.settings.appProtocol as OtelProtocol : undefined;
    const protocol = p.protocol ?? collectorProtocol ?? OtelProtocol.HTTP_PROTOBUF;
    if (p.language === OtelInstrumentationLanguage.PYTHON && protocol === OtelProtocol.GRPC) {
      throw Errors.invalidRole(this.node.path, 'protocol', protocol,
        `would be gRPC, which the pod's collector (${collector?.providerPath}) gives the app, but the Python auto-instrumentation image ships the OTLP/HTTP exporter only`,
        'Set the collector\'s appProtocol to OtelProtocol.HTTP_PROTOBUF (or its appEnv to false)');
    }
    const endpoint = p.endpoint ?? (collector
      ? (protocol === OtelProtocol.GRPC ? collector.settings?.grpcEndpoint : collector.settings?.httpEndpoint)
      : undefined);
    const exporter: EnvVarSpec[] = [
      ...(endpoint !== undefined ? [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: endpoint }] : []),
      { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: protocol },
    ];
    const sdkNames = new Set(this.sdkVars.map(e => e.name));
    const defaults = exporterDefaults(p.language).filter(e => !sdkNames.has(e.name));
    const resource = this.sdkVars.filter(e => e.name === 'OTEL_RESOURCE_ATTRIBUTES');
    const env = [...this.fixedEnv, ...exporter, ...this.tlsEnv, ...defaults, ...this.sdkVars.filter(e => e.name !== 'OTEL_RESOURCE_ATTRIBUTES'), ...resource];
    if (p.language === OtelInstrumentationLanguage.GO) {
      const [agent] = this.base.containers;
      return {
        ...this.base,
        containers: [{ ...agent, env }],
        consumes: collector && p.endpoint === undefined ? [OTLP_OFFER] : undefined,
      };
    }
    return {
      ...this.base,
      appRequests: { ...this.base.appRequests, env },
      consumes: collector && p.endpoint === undefined ? [OTLP_OFFER] : undefined,
    };
  }
}

// Names context.targetPath only in errors: composed once per distinct pod (declareDeterministic).
declareDeterministic(OtelInstrumentation.prototype.contribute);
