import { EnvVarSpec, PodField } from '../../core/container';
import { Errors } from '../../core/errors';
import { checkPropTypes } from '../../core/prop-types';

/**
 * A context propagator of the OpenTelemetry SDKs (`OTEL_PROPAGATORS`).
 * @see https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#general-sdk-configuration
 */
export enum OtelPropagator {
  /** W3C Trace Context. */
  TRACECONTEXT = 'tracecontext',
  /** W3C Baggage. */
  BAGGAGE = 'baggage',
  /** B3 single header. */
  B3 = 'b3',
  /** B3 multiple headers. */
  B3MULTI = 'b3multi',
  /** Jaeger (uber-trace-id). */
  JAEGER = 'jaeger',
  /** AWS X-Ray (X-Amzn-Trace-Id). */
  XRAY = 'xray',
  /** OpenTracing (ot-tracer-*). */
  OTTRACE = 'ottrace',
  /** No propagation (only alone). */
  NONE = 'none',
}

/**
 * A trace sampler of the OpenTelemetry SDKs (`OTEL_TRACES_SAMPLER`).
 * @see https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#general-sdk-configuration
 */
export enum OtelSampler {
  /** Sample everything. */
  ALWAYS_ON = 'always_on',
  /** Sample nothing. */
  ALWAYS_OFF = 'always_off',
  /** Sample a ratio of trace IDs (`samplerArgument` from 0 to 1). */
  TRACEIDRATIO = 'traceidratio',
  /** Follow the parent, else sample. */
  PARENTBASED_ALWAYS_ON = 'parentbased_always_on',
  /** Follow the parent, else drop. */
  PARENTBASED_ALWAYS_OFF = 'parentbased_always_off',
  /** Follow the parent, else a ratio (`samplerArgument` from 0 to 1). */
  PARENTBASED_TRACEIDRATIO = 'parentbased_traceidratio',
  /** Jaeger remote sampling (`samplerArgument` such as `endpoint=...,pollingIntervalMs=...`). */
  JAEGER_REMOTE = 'jaeger_remote',
  /** Follow the parent, else Jaeger remote sampling. */
  PARENTBASED_JAEGER_REMOTE = 'parentbased_jaeger_remote',
  /** AWS X-Ray remote sampling rules. */
  XRAY = 'xray',
}

/**
 * Settings of the OpenTelemetry SDK in the app containers, given as the standard
 * environment variables (what the OpenTelemetry Operator's `Instrumentation` resource sets:
 * open-telemetry/opentelemetry-operator internal/instrumentation/sdk.go `injectCommonSDKConfig`).
 *
 * @see https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
 */
export interface OtelSdkOptions {
  /**
   * `OTEL_SERVICE_NAME`.
   * @default - not set (the SDK's `unknown_service`)
   */
  readonly serviceName?: string;
  /**
   * `service.version` in `OTEL_RESOURCE_ATTRIBUTES`.
   * @default - not set
   */
  readonly serviceVersion?: string;
  /**
   * More resource attributes in `OTEL_RESOURCE_ATTRIBUTES` (values percent-encoded as the
   * specification's W3C Baggage format asks).
   * @default - none
   */
  readonly resourceAttributes?: { [key: string]: string };
  /**
   * Add `k8s.pod.name`, `k8s.pod.uid`, `k8s.namespace.name` and `k8s.node.name` from the
   * downward API (variables `OTEL_RESOURCE_ATTRIBUTES_POD_NAME`, `..._POD_UID`,
   * `..._NAMESPACE`, `..._NODE_NAME`, referenced as `$(NAME)` in
   * `OTEL_RESOURCE_ATTRIBUTES`), as the operator does. Kubernetes only: ECS and ACI have no
   * pod fields and refuse it.
   * @default false
   */
  readonly kubernetesAttributes?: boolean;
  /**
   * `OTEL_PROPAGATORS`.
   * @default - not set (the SDK's `tracecontext,baggage`)
   */
  readonly propagators?: OtelPropagator[];
  /**
   * `OTEL_TRACES_SAMPLER`.
   * @default - not set (the SDK's `parentbased_always_on`)
   */
  readonly sampler?: OtelSampler;
  /**
   * `OTEL_TRACES_SAMPLER_ARG`: for the ratio samplers a number from 0 to 1.
   * @default - not set
   */
  readonly samplerArgument?: string;
  /**
   * More environment variables for the SDK (the `Instrumentation` resource's `spec.env`),
   * e.g. `OTEL_METRIC_EXPORT_INTERVAL`. Names must not be ones these options set.
   * @default - none
   */
  readonly env?: { [name: string]: string };
}

/**
 * TLS files of an exporter, from a secret mounted read-only where the exporter runs: the SDK
 * in the app containers (`OtelInstrumentation.exporterTls`: `OTEL_EXPORTER_OTLP_CERTIFICATE`,
 * `..._CLIENT_CERTIFICATE`, `..._CLIENT_KEY`, as the operator's
 * `Instrumentation.spec.exporter.tls`) or the collector (`tls` of its exporters: configtls
 * `ca_file`, `cert_file`, `key_file`).
 */
export interface OtelExporterTls {
  /** The secret holding the files (on Kubernetes, a Secret of the namespace). */
  readonly secretName: string;
  /**
   * Key of the CA certificate the backend's certificate is checked against.
   * @default - the system roots
   */
  readonly caFile?: string;
  /**
   * Key of the client certificate (mutual TLS); needs `keyFile`.
   * @default - no client certificate
   */
  readonly certFile?: string;
  /**
   * Key of the client private key; needs `certFile`.
   * @default - no client key
   */
  readonly keyFile?: string;
}

/** Downward API variables of `kubernetesAttributes` (names as the operator's pkg/constants/env.go, plus the namespace). */
const K8S_ATTRIBUTES: Array<[string, string, PodField]> = [
  ['k8s.pod.name', 'OTEL_RESOURCE_ATTRIBUTES_POD_NAME', PodField.POD_NAME],
  ['k8s.pod.uid', 'OTEL_RESOURCE_ATTRIBUTES_POD_UID', PodField.POD_UID],
  ['k8s.namespace.name', 'OTEL_RESOURCE_ATTRIBUTES_NAMESPACE', PodField.POD_NAMESPACE],
  ['k8s.node.name', 'OTEL_RESOURCE_ATTRIBUTES_NODE_NAME', PodField.NODE_NAME],
];

const ATTRIBUTE_KEY = /^[A-Za-z_][A-Za-z0-9_.\-/]{0,254}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Types of `OtelSdkOptions`, for `checkPropTypes`. */
export const SDK_OPTION_TYPES = {
  struct: {
    serviceName: 'string',
    serviceVersion: 'string',
    resourceAttributes: 'stringMap',
    kubernetesAttributes: 'boolean',
    propagators: { enumArray: OtelPropagator },
    sampler: { enum: OtelSampler },
    samplerArgument: 'string',
    env: 'stringMap',
  },
} as const;

/**
 * Percent-encodes what the W3C Baggage value syntax (baggage-octet) does not allow, as the
 * specification asks of `OTEL_RESOURCE_ATTRIBUTES` values: controls, space, '"', ',', ';',
 * '\\' and '%', and everything outside ASCII (UTF-8 bytes); '$' too, so that Kubernetes never
 * expands a `$(NAME)` written in a value.
 */
export function baggageValue(s: string): string {
  return Array.from(Buffer.from(s, 'utf-8')).map(b => {
    const c = String.fromCharCode(b);
    return b < 0x21 || b > 0x7e || c === '"' || c === ',' || c === ';' || c === '\\' || c === '%' || c === '$' ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : c;
  }).join('');
}

/**
 * The environment variables of `OtelSdkOptions` for the app containers (checked; errors name
 * `<field>.<option>`). `taken` are variable names the caller sets itself.
 */
export function sdkEnv(path: string, field: string, o: OtelSdkOptions | undefined, taken: readonly string[] = []): EnvVarSpec[] {
  if (o === undefined) { return []; }
  checkPropTypes(path, { [field]: o }, { [field]: SDK_OPTION_TYPES });
  const env: EnvVarSpec[] = [];
  const line = (f: string, v: string | undefined) => {
    if (v !== undefined && (v.length === 0 || /[\r\n\0]/.test(v))) { throw Errors.invalidName(path, `${field}.${f}`, v, 'a non-empty value on one line'); }
  };
  line('serviceName', o.serviceName);
  line('serviceVersion', o.serviceVersion);
  line('samplerArgument', o.samplerArgument);
  if (o.serviceName !== undefined) { env.push({ name: 'OTEL_SERVICE_NAME', value: o.serviceName }); }
  const attrs: string[] = [];
  if (o.kubernetesAttributes) {
    for (const [key, name, podField] of K8S_ATTRIBUTES) {
      env.push({ name, podField });
      attrs.push(`${key}=$(${name})`);
    }
  }
  if (o.serviceVersion !== undefined) { attrs.push(`service.version=${baggageValue(o.serviceVersion)}`); }
  for (const [key, value] of Object.entries(o.resourceAttributes ?? {})) {
    if (!ATTRIBUTE_KEY.test(key)) { throw Errors.invalidName(path, `${field}.resourceAttributes`, key, 'an attribute key such as "deployment.environment.name"'); }
    line(`resourceAttributes[${JSON.stringify(key)}]`, value);
    if (key === 'service.name' && o.serviceName !== undefined) {
      throw Errors.alreadySet(path, `${field}.resourceAttributes["service.name"]`, value, `by ${field}.serviceName (OTEL_SERVICE_NAME)`);
    }
    if (key === 'service.version' && o.serviceVersion !== undefined) {
      throw Errors.alreadySet(path, `${field}.resourceAttributes["service.version"]`, value, `by ${field}.serviceVersion`);
    }
    if (o.kubernetesAttributes && K8S_ATTRIBUTES.some(([k]) => k === key)) {
      throw Errors.alreadySet(path, `${field}.resourceAttributes[${JSON.stringify(key)}]`, value, `by ${field}.kubernetesAttributes`);
    }
    // A key that is not a baggage token would be cut by the SDK's parser: the regex allows none of ",;=% ".
    attrs.push(`${key}=${baggageValue(value)}`);
  }
  if (o.propagators !== undefined) {
    if (o.propagators.length === 0) {
      throw Errors.invalidRole(path, `${field}.propagators`, o.propagators, 'is empty', 'Leave it out for the SDK\'s default, or list OtelPropagator.NONE');
    }
    o.propagators.forEach((p, i) => {
      if (o.propagators!.indexOf(p) !== i) { throw Errors.invalidRole(path, `${field}.propagators[${i}]`, p, 'is listed twice', 'List each propagator once'); }
    });
    if (o.propagators.includes(OtelPropagator.NONE) && o.propagators.length > 1) {
      throw Errors.invalidRole(path, `${field}.propagators`, o.propagators, 'lists "none" with other propagators', 'List OtelPropagator.NONE alone');
    }
    env.push({ name: 'OTEL_PROPAGATORS', value: o.propagators.join(',') });
  }
  if (o.samplerArgument !== undefined && o.sampler === undefined) {
    throw Errors.ineffectiveSetting(path, `${field}.samplerArgument`, o.samplerArgument, 'no sampler is set, so the SDK ignores the argument', `Set ${field}.sampler too`);
  }
  if (o.sampler !== undefined) {
    env.push({ name: 'OTEL_TRACES_SAMPLER', value: o.sampler });
    if (o.samplerArgument !== undefined) {
      // The operator's webhook checks the ratio the same way (internal/webhook/instrumentation_webhook.go: strconv.ParseFloat, 0..1).
      const ratio = o.sampler === OtelSampler.TRACEIDRATIO || o.sampler === OtelSampler.PARENTBASED_TRACEIDRATIO;
      const n = Number(o.samplerArgument);
      if (ratio && (!/^\s*[0-9.eE+-]+\s*$/.test(o.samplerArgument) || !Number.isFinite(n) || n < 0 || n > 1)) {
        throw Errors.invalidNumber(path, `${field}.samplerArgument`, o.samplerArgument, 'a ratio from 0 to 1, e.g. "0.25"');
      }
      const noArgument = [OtelSampler.ALWAYS_ON, OtelSampler.ALWAYS_OFF, OtelSampler.PARENTBASED_ALWAYS_ON, OtelSampler.PARENTBASED_ALWAYS_OFF];
      if (noArgument.includes(o.sampler)) {
        throw Errors.ineffectiveSetting(path, `${field}.samplerArgument`, o.samplerArgument, `the sampler ${o.sampler} takes no argument`, `Leave ${field}.samplerArgument out`);
      }
      env.push({ name: 'OTEL_TRACES_SAMPLER_ARG', value: o.samplerArgument });
    }
  }
  for (const [name, value] of Object.entries(o.env ?? {})) {
    if (!ENV_NAME.test(name)) { throw Errors.invalidName(path, `${field}.env`, name, 'an environment variable name (letters, digits, \'_\')'); }
    if (name === 'OTEL_RESOURCE_ATTRIBUTES' || taken.includes(name) || env.some(e => e.name === name)) {
      throw Errors.alreadySet(path, `${field}.env[${JSON.stringify(name)}]`, value, `by the typed settings (${name}); set it there`);
    }
    env.push({ name, value });
  }
  // Last, after the variables it references (Kubernetes expands $(NAME) only of earlier variables).
  if (attrs.length) { env.push({ name: 'OTEL_RESOURCE_ATTRIBUTES', value: attrs.join(',') }); }
  return env;
}
