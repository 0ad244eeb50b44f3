/**
 * The bad-input guard for nested fields (issue 10, sections 2 and 4): every field of the
 * structs, arrays and maps inside the public props interfaces gets values of the wrong runtime
 * type, boundary numbers and strings with each target format's special characters, on every
 * platform (the platform rotates from one value to the next, so each field meets all three).
 * Each case must end in a catalogued SidecarError naming the construct path and the full prop
 * path as the user wrote it (e.g. `outputs[0].port`), or in an output that passes the
 * validators and, for strings, parses back to the value given. Known failures are test.todo
 * (known.ts), never failing tests. Run with BAD_INPUT_SURVEY=<file> to list every failure.
 *
 * Coverage (file:interface.field), the rows of NESTED below:
 * - src/sidecars/sidecar.ts: SidecarProps.ports[] (core/container.ts:ContainerPortSpec.port, name, protocol, exposure);
 *   startupProbe, readinessProbe, livenessProbe (core/probe.ts:HttpGetProbeOptions.port, path, scheme,
 *   ProbeTiming.initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold, successThreshold,
 *   TcpSocketProbeOptions.port, ExecProbeOptions.command); resources (core/container.ts:ResourceRequirements
 *   .cpuRequestMillicores, cpuLimitMillicores, memoryRequestMebibytes, memoryLimitMebibytes); security
 *   (ContainerSecurity.uid, gid, allowRootUser, readOnlyRootFilesystem, allowPrivilegeEscalation, addCapabilities,
 *   seccompProfile); volumes[] (SidecarVolume.name, kind, mountPath, readOnly, sizeLimitMebibytes, secretName,
 *   claimName, csiDriver, csiAttributes, fsType, claimSizeMebibytes, storageClassName, hostPath, hostPathType, allowHostPath,
 *   appMountPath, appReadOnly); configFiles[] (SidecarConfigFile.path, content, mode, sensitive); secretEnv.*
 *   (SecretKeyReference.secretName, key); dependsOn[] (ContainerDependency.container, condition); interceptTraffic
 *   (InterceptTrafficOptions.inboundPort, outboundPort, appPorts, excludeInboundPorts, excludeOutboundPorts,
 *   excludeOutboundCidrs); env.*, appEnv.*.
 * - src/sidecars/vault: VaultAgentSidecarProps.auth[] (auth.ts:VaultKubernetesAuthOptions.role, mountPath, tokenPath,
 *   audience; VaultAwsAuthOptions.role, mountPath, headerValue, region; VaultAzureAuthOptions.role, mountPath,
 *   resource, clientId; VaultAppRoleAuthOptions.secretName, roleIdKey, secretIdKey, mountPath; VaultJwtAuthOptions.role,
 *   tokenPath; VaultGcpAuthOptions.role, serviceAccount; VaultCertAuthOptions.name; VaultGenericAuthOptions.type, config);
 *   secrets[] (VaultSecret.path, file,
 *   template, inline, perms, command, reload, appContainers, templateFile, leftDelimiter, rightDelimiter,
 *   errorOnMissingKey; reload.ts:VaultHttpReloadOptions.port, path, method); telemetry (VaultTelemetry
 *   .prometheusRetentionSeconds, statsdAddress, dogstatsdTags, prefixFilter, disableHostname, maximumGaugeCardinality);
 *   resources.
 * - src/sidecars/opa.ts: services[] (OpaService.name, url, credentials; OpaCredentials.tokenPath, scheme); bundles[]
 *   (OpaBundle.name, service, resource, pollingMinDelaySeconds, pollingMaxDelaySeconds, signing; OpaBundleSigning.keyId,
 *   scope); verificationKeys[] (OpaVerificationKey.keyId, publicKeyPem, algorithm); decisionLogs (OpaDecisionLogs
 *   .console, service, reportingMinDelaySeconds, reportingMaxDelaySeconds); status (OpaStatus.console, service);
 *   labels.*, policies.*; resources.
 * - src/sidecars/fluent-bit.ts: outputs[] (FluentBitOutputOptions.match, retryLimit, retry; FluentBitElasticsearchOptions
 *   .host, port, index, tls; FluentBitLokiOptions.host, port, labels, tls; FluentBitCloudWatchLogsOptions.region,
 *   logGroupName, logStreamPrefix, autoCreateGroup; FluentBitS3Options.bucket, region, totalFileSizeMebibytes,
 *   uploadTimeoutSeconds; FluentBitForwardOptions.host, port; FluentBitHttpOptions.host, port, uri, format, tls);
 *   filters[] (FluentBitKubernetesFilterOptions.mergeLog, keepLog, labels, annotations; FluentBitModifyFilterOptions
 *   .match, add, remove, rename; FluentBitGrepFilterOptions.match, regex, exclude); resources. (Fluent Bit has no
 *   user-defined inputs or parsers: the tail input and its parsers are the library's own.)
 * - src/sidecars/dapr.ts: apiToken (SecretKeyReference.secretName, key); controlPlane (DaprControlPlaneOptions.namespace,
 *   trustDomain, sentryAddress, operatorAddress, trustAnchorsSecret, configName); components[] (DaprComponent.name,
 *   type, version, metadata, secretMetadata, secretStoreRefs, secretStore; DaprSecretStoreKey.name, key);
 *   configuration (DaprConfiguration.name, tracingSamplingRate, otelEndpoint, otelProtocol, otelIsSecure,
 *   zipkinEndpoint, allowedApis, deniedApis; DaprApiRule.name, version, protocol); appToken (SecretKeyReference.secretName,
 *   key); appHealthCheck (DaprAppHealthCheck.path, intervalSeconds, timeoutMilliseconds, threshold); pluggableComponents[]
 *   (DaprPluggableComponent.name, image, command, env); serviceAnnotations.*; resources.
 * - src/sidecars/otel-collector.ts: otlpExporters[] (OtelOtlpExporter.name, endpoint, protocol, insecure, headers,
 *   secretHeaders, signals); prometheusExporter (OtelPrometheusExporter.port, metricNamespace); debugExporter
 *   (OtelDebugExporter.verbosity, signals); awsXrayExporter (OtelAwsXrayExporter.region, indexedAttributes,
 *   indexAllAttributes); awsEmfExporter (OtelAwsEmfExporter.region, metricNamespace, logGroupName, logStreamName);
 *   prometheusScrapeConfigs[] (OtelPrometheusScrapeConfig.jobName, targets, scrapeIntervalSeconds, scrapeTimeoutSeconds,
 *   metricsPath); memoryLimiter (OtelMemoryLimiter.enabled, checkIntervalSeconds, limitPercentage, spikeLimitPercentage);
 *   batch (OtelBatchOptions.timeoutMilliseconds, sendBatchSize); resources.
 * - src/sidecars/xray-daemon.ts: resources.
 * - src/sidecars/envoy/envoy-sidecar.ts: clusters[] (EnvoyCluster.name, address, port, tls, mtls, http2, sni,
 *   connectTimeoutSeconds); routes[] (EnvoyRoute.pathPrefix, cluster, domains, prefixRewrite, timeoutSeconds); xds
 *   (EnvoyXds.address, port, tls, serverName, caCertificateFile); mtls (EnvoyMtls.secretName, subjectAltNames);
 *   unixSockets (EnvoyUnixSockets.publicPort, directory); resources.
 * - Binders (the BINDERS rows below): src/k8s/workload-sidecars.ts:WorkloadSidecarsOptions.mode, appInitContainers;
 *   src/k8s/injector.ts:SidecarInjectorProps.selector (InjectionSelector.matchLabels, matchAnnotations, kinds), sidecars;
 *   src/k8s/target.ts:KubernetesTarget.set version; src/ecs/task-sidecars.ts:TaskSidecarsOptions.secrets, configDelivery,
 *   configWriterImage, memoryVolumes, appContainers, logging; src/aci/container-group.ts:AciContainerGroupProps.osType,
 *   restartPolicy, sku, tags, identity (AciIdentity.systemAssigned), volumes[], containers[] (AciContainerProps.name, image,
 *   command, cpu, memoryInGB, ports[] (AciPort.port, protocol, expose), environment, secureEnvironment, volumeMounts[]
 *   (AciVolumeMount.volume, path, readOnly), livenessProbe).
 */
import { appendFileSync } from 'fs';
import { attempt, describeError, judge, KINDS, newCounts, Outcome, Platform, PLATFORMS, PropKind, WRONG } from './harness';
import { KNOWN } from './known';
import {
  FluentBitFilter, FluentBitOutput, OpaCredentials, Probe, RetryLimit, Sidecar, VaultAuth, VaultReload,
} from '../../src';
import { AciApp, AciContainerGroup } from '../../src/aci';
import { ErrorCode, SidecarError } from '../../src/core/errors';
import { TaskSidecars } from '../../src/ecs';
import { KubernetesTarget, SidecarInjector, WorkloadSidecars } from '../../src/k8s';
import { synthGroup } from '../aci/util';
import { fargateTask, synthTemplate } from '../ecs/util';
import { newChart, rawDeployment, synth } from '../k8s/util';

/**
 * A nested field: the sidecar, the prop path as the user writes it, its kind, how to set it,
 * whether it is required, and the platforms where it applies (default: all three).
 */
type Row = [string, string, PropKind, (v: any) => any, boolean?, Platform[]?, Shapes?];
/**
 * The shapes a special string may parse back as (default: exactly itself); NO_PARSE for a
 * secret reference, which names a secret and is not written into a generated file.
 */
type Shapes = ((s: string) => string[]) | 'none';
const NO_PARSE: Shapes = 'none';
/** Fields that exist on Kubernetes only (a Dapr control plane, a service account token): elsewhere the sidecar refuses the mode itself. */
const K8S_ONLY: Platform[] = ['k8s'];
/** Vault auth methods are rendered on the platform whose identity they use (auth[0] Kubernetes, auth[1] AWS, auth[2] Azure). */
const ON_ECS: Platform[] = ['ecs'];
/** ACI has no transparent interception (no NET_ADMIN): the sidecar's interceptTraffic is refused there as a whole. */
const NOT_ACI: Platform[] = ['k8s', 'ecs'];
const ON_ACI: Platform[] = ['aci'];

const res = (sidecar: string): Row[] => ['cpuRequestMillicores', 'cpuLimitMillicores', 'memoryRequestMebibytes', 'memoryLimitMebibytes',
  'ephemeralStorageRequestMebibytes', 'ephemeralStorageLimitMebibytes']
  .map((f): Row => [sidecar, `resources.${f}`, 'number', v => ({ resources: { [f]: v } })]);

/** The nested fields of SidecarOverrides (core/overrides.ts); OPA has a readiness probe, so its timing applies. */
const OVERRIDE_ROWS = (sidecar: string): Row[] => {
  const o = (over: any) => ({ overrides: over });
  return [
    [sidecar, 'overrides.env[0].name', 'string', v => o({ env: [{ name: v, value: 'x' }] }), true],
    [sidecar, 'overrides.env[0].value', 'string', v => o({ env: [{ name: 'EXTRA', value: v }] })],
    [sidecar, 'overrides.env[0].podField', 'enum', v => o({ env: [{ name: 'EXTRA', podField: v }] }), false, K8S_ONLY],
    [sidecar, 'overrides.env[0].secret.key', 'string', v => o({ env: [{ name: 'EXTRA', secret: { secretName: 'db', key: v } }] }), true, K8S_ONLY, NO_PARSE],
    [sidecar, 'overrides.volumes[0].name', 'string', v => o({ volumes: [{ name: v, mountPath: '/extra' }] }), true],
    [sidecar, 'overrides.volumes[0].kind', 'enum', v => o({ volumes: [{ name: 'extra', kind: v, mountPath: '/extra' }] })],
    [sidecar, 'overrides.volumes[0].mountPath', 'string', v => o({ volumes: [{ name: 'extra', mountPath: v }] }), true],
    [sidecar, 'overrides.volumes[0].readOnly', 'boolean', v => o({ volumes: [{ name: 'extra', mountPath: '/extra', readOnly: v }] })],
    [sidecar, 'overrides.volumes[0].sizeLimitMebibytes', 'number', v => o({ volumes: [{ name: 'extra', mountPath: '/extra', sizeLimitMebibytes: v }] })],
    [sidecar, 'overrides.appVolumeMounts[0].volume', 'string', v => o({ appVolumeMounts: [{ volume: v, mountPath: '/shared' }] }), true],
    [sidecar, 'overrides.appVolumeMounts[0].mountPath', 'string', v => o({ appVolumeMounts: [{ volume: 'shared', mountPath: v }] }), true],
    [sidecar, 'overrides.extraArgs', 'array', v => o({ extraArgs: v })],
    [sidecar, 'overrides.command', 'array', v => o({ command: v })],
    [sidecar, 'overrides.ports[0].port', 'number', v => o({ ports: [{ port: v }] }), true],
    [sidecar, 'overrides.addCapabilities', 'array', v => o({ addCapabilities: v })],
    [sidecar, 'overrides.seccompProfile', 'enum', v => o({ seccompProfile: v })],
    [sidecar, 'overrides.readinessProbe.periodSeconds', 'number', v => o({ readinessProbe: { periodSeconds: v } })],
    [sidecar, 'overrides.imagePullPolicy', 'enum', v => o({ imagePullPolicy: v })],
    [sidecar, 'overrides.gracePeriodSeconds', 'number', v => o({ gracePeriodSeconds: v })],
    [sidecar, 'overrides.kubernetesPatches[0].op', 'enum', v => o({ kubernetesPatches: [{ op: v, path: '/tty', value: false }] }), true],
    [sidecar, 'overrides.kubernetesPatches[0].path', 'string', v => o({ kubernetesPatches: [{ op: 'ADD', path: v, value: false }] }), true],
  ];
};

const INTERCEPT_PORTS = [{ port: 15006 }, { port: 15001 }];
const httpProbe = (over: any) => Probe.httpGet({ port: 9000, path: '/ready', ...over });

export const NESTED: Row[] = [
  // Sidecar
  ['Sidecar', 'ports[0].port', 'number', v => ({ ports: [{ port: v }] }), true],
  // EXPOSED: a POD_LOCAL port is not declared on Kubernetes (it binds localhost), so neither is its name.
  ['Sidecar', 'ports[0].name', 'string', v => ({ ports: [{ port: 9000, name: v, exposure: 'EXPOSED' }] })],
  ['Sidecar', 'ports[0].protocol', 'enum', v => ({ ports: [{ port: 9000, protocol: v }] })],
  ['Sidecar', 'ports[0].exposure', 'enum', v => ({ ports: [{ port: 9000, exposure: v }] })],
  ['Sidecar', 'readinessProbe.port', 'number', v => ({ ports: [{ port: 9000, exposure: 'EXPOSED' }], readinessProbe: httpProbe({ port: v }) }), true],
  ['Sidecar', 'readinessProbe.path', 'string', v => ({ ports: [{ port: 9000, exposure: 'EXPOSED' }], readinessProbe: httpProbe({ path: v }) })],
  ['Sidecar', 'readinessProbe.scheme', 'enum', v => ({ ports: [{ port: 9000, exposure: 'EXPOSED' }], readinessProbe: httpProbe({ scheme: v }) })],
  ...['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold', 'successThreshold'].map((f): Row =>
    ['Sidecar', `livenessProbe.${f}`, 'number', v => ({ ports: [{ port: 9000, exposure: 'EXPOSED' }], livenessProbe: httpProbe({ [f]: v }) })]),
  ['Sidecar', 'startupProbe.port', 'number', v => ({ ports: [{ port: 9000, exposure: 'EXPOSED' }], startupProbe: Probe.tcpSocket({ port: v }) }), true],
  ['Sidecar', 'startupProbe.command', 'array', v => ({ startupProbe: Probe.exec({ command: v }) }), true],
  ...res('Sidecar'),
  ['Sidecar', 'security.uid', 'number', v => ({ security: { uid: v } })],
  ['Sidecar', 'security.gid', 'number', v => ({ security: { gid: v } })],
  ['Sidecar', 'security.readOnlyRootFilesystem', 'boolean', v => ({ security: { readOnlyRootFilesystem: v } })],
  ['Sidecar', 'security.allowPrivilegeEscalation', 'boolean', v => ({ security: { allowPrivilegeEscalation: v } })],
  ['Sidecar', 'security.addCapabilities', 'array', v => ({ security: { addCapabilities: v } })],
  ['Sidecar', 'security.allowRootUser', 'boolean', v => ({ security: { uid: 0, allowRootUser: v } })],
  ['Sidecar', 'security.seccompProfile', 'enum', v => ({ security: { seccompProfile: v } })],
  ['Sidecar', 'volumes[0].name', 'string', v => ({ volumes: [{ name: v, mountPath: '/data' }] }), true],
  ['Sidecar', 'volumes[0].kind', 'enum', v => ({ volumes: [{ name: 'data', kind: v, mountPath: '/data' }] })],
  ['Sidecar', 'volumes[0].mountPath', 'string', v => ({ volumes: [{ name: 'data', mountPath: v }] }), true],
  ['Sidecar', 'volumes[0].readOnly', 'boolean', v => ({ volumes: [{ name: 'data', mountPath: '/data', readOnly: v }] })],
  ['Sidecar', 'volumes[0].sizeLimitMebibytes', 'number', v => ({ volumes: [{ name: 'data', mountPath: '/data', sizeLimitMebibytes: v }] })],
  ['Sidecar', 'volumes[0].appMountPath', 'string', v => ({ volumes: [{ name: 'data', mountPath: '/data', appMountPath: v }] })],
  ['Sidecar', 'volumes[0].appReadOnly', 'boolean', v => ({ volumes: [{ name: 'data', mountPath: '/data', appMountPath: '/shared', appReadOnly: v }] })],
  // Claims, CSI and host paths exist on Kubernetes only (ECS and ACI refuse the kind itself).
  ['Sidecar', 'volumes[0].claimName', 'string', v => ({ volumes: [{ name: 'data', kind: 'PERSISTENT_CLAIM', claimName: v, mountPath: '/data' }] }), true, K8S_ONLY],
  ['Sidecar', 'volumes[0].csiDriver', 'string', v => ({ volumes: [{ name: 'data', kind: 'CSI', csiDriver: v, mountPath: '/data' }] }), true, K8S_ONLY],
  ['Sidecar', 'volumes[0].csiAttributes', 'map', v => ({ volumes: [{ name: 'data', kind: 'CSI', csiDriver: 'secrets-store.csi.k8s.io', csiAttributes: v, mountPath: '/data' }] }), false, K8S_ONLY],
  ['Sidecar', 'volumes[0].csiAttributes.secretProviderClass', 'string',
    v => ({ volumes: [{ name: 'data', kind: 'CSI', csiDriver: 'secrets-store.csi.k8s.io', csiAttributes: { secretProviderClass: v }, mountPath: '/data' }] }), false, K8S_ONLY],
  ['Sidecar', 'volumes[0].fsType', 'string', v => ({ volumes: [{ name: 'data', kind: 'CSI', csiDriver: 'ebs.csi.aws.com', fsType: v, mountPath: '/data' }] }), false, K8S_ONLY],
  ['Sidecar', 'volumes[0].claimSizeMebibytes', 'number', v => ({ volumes: [{ name: 'data', kind: 'EPHEMERAL_CLAIM', claimSizeMebibytes: v, mountPath: '/data' }] }), true, K8S_ONLY],
  ['Sidecar', 'volumes[0].storageClassName', 'string',
    v => ({ volumes: [{ name: 'data', kind: 'EPHEMERAL_CLAIM', claimSizeMebibytes: 64, storageClassName: v, mountPath: '/data' }] }), false, K8S_ONLY],
  ['Sidecar', 'volumes[0].hostPath', 'string', v => ({ volumes: [{ name: 'data', kind: 'HOST_PATH', allowHostPath: true, hostPath: v, mountPath: '/data' }] }), true, K8S_ONLY],
  ['Sidecar', 'volumes[0].hostPathType', 'enum',
    v => ({ volumes: [{ name: 'data', kind: 'HOST_PATH', allowHostPath: true, hostPath: '/var/log', hostPathType: v, mountPath: '/data' }] }), false, K8S_ONLY],
  ['Sidecar', 'volumes[0].allowHostPath', 'boolean', v => ({ volumes: [{ name: 'data', kind: 'HOST_PATH', allowHostPath: v, hostPath: '/var/log', mountPath: '/data' }] }), false, K8S_ONLY],
  ['Sidecar', 'configFiles[0].path', 'string', v => ({ configFiles: [{ path: v, content: 'x' }] }), true],
  ['Sidecar', 'configFiles[0].content', 'string', v => ({ configFiles: [{ path: '/etc/agent/a.txt', content: v }] }), true],
  ['Sidecar', 'configFiles[0].mode', 'number', v => ({ configFiles: [{ path: '/etc/agent/a.txt', content: 'x', mode: v }] })],
  ['Sidecar', 'configFiles[0].sensitive', 'boolean', v => ({ configFiles: [{ path: '/etc/agent/a.txt', content: 'x', sensitive: v }] })],
  ['Sidecar', 'secretEnv.TOKEN.secretName', 'string', v => ({ secretEnv: { TOKEN: { secretName: v, key: 'token' } } }), true, undefined, NO_PARSE],
  ['Sidecar', 'secretEnv.TOKEN.key', 'string', v => ({ secretEnv: { TOKEN: { secretName: 'agent', key: v } } }), true, undefined, NO_PARSE],
  ['Sidecar', 'dependsOn[0].container', 'string', v => ({ dependsOn: [{ container: v, condition: 'STARTED' }] }), true],
  ['Sidecar', 'dependsOn[0].condition', 'enum', v => ({ dependsOn: [{ container: 'api', condition: v }] }), true],
  ['Sidecar', 'interceptTraffic.inboundPort', 'number', v => ({ ports: INTERCEPT_PORTS, interceptTraffic: { inboundPort: v, outboundPort: 15001 } }), true, NOT_ACI],
  ['Sidecar', 'interceptTraffic.outboundPort', 'number', v => ({ ports: INTERCEPT_PORTS, interceptTraffic: { inboundPort: 15006, outboundPort: v } }), true, NOT_ACI],
  ['Sidecar', 'interceptTraffic.excludeInboundPorts', 'array', v => ({ ports: INTERCEPT_PORTS, interceptTraffic: { inboundPort: 15006, outboundPort: 15001, excludeInboundPorts: v } }), false, NOT_ACI],
  ['Sidecar', 'interceptTraffic.excludeOutboundPorts', 'array', v => ({ ports: INTERCEPT_PORTS, interceptTraffic: { inboundPort: 15006, outboundPort: 15001, excludeOutboundPorts: v } }), false, NOT_ACI],
  ['Sidecar', 'interceptTraffic.appPorts', 'array', v => ({ ports: INTERCEPT_PORTS, interceptTraffic: { inboundPort: 15006, outboundPort: 15001, appPorts: v } }), false, NOT_ACI],
  ['Sidecar', 'interceptTraffic.excludeOutboundCidrs', 'array', v => ({ ports: INTERCEPT_PORTS, interceptTraffic: { inboundPort: 15006, outboundPort: 15001, excludeOutboundCidrs: v } }), false, NOT_ACI],

  // Vault
  ['VaultAgentSidecar', 'auth[0].role', 'string', v => ({ auth: [VaultAuth.kubernetes({ role: v }), VaultAuth.aws({ role: 'r' }), VaultAuth.azure({ role: 'r' })] }), true, K8S_ONLY],
  ['VaultAgentSidecar', 'auth[0].mountPath', 'string', v => ({ auth: [VaultAuth.kubernetes({ role: 'r', mountPath: v }), VaultAuth.aws({ role: 'r' }), VaultAuth.azure({ role: 'r' })] }), false, K8S_ONLY],
  ['VaultAgentSidecar', 'auth[0].tokenPath', 'string', v => ({ auth: [VaultAuth.kubernetes({ role: 'r', tokenPath: v }), VaultAuth.aws({ role: 'r' }), VaultAuth.azure({ role: 'r' })] }), false, K8S_ONLY],
  ['VaultAgentSidecar', 'auth[0].audience', 'string', v => ({ auth: [VaultAuth.kubernetes({ role: 'r', audience: v }), VaultAuth.aws({ role: 'r' }), VaultAuth.azure({ role: 'r' })] }), false, K8S_ONLY],
  ['VaultAgentSidecar', 'auth[1].headerValue', 'string', v => ({ auth: [VaultAuth.kubernetes({ role: 'r' }), VaultAuth.aws({ role: 'r', headerValue: v }), VaultAuth.azure({ role: 'r' })] }), false, ON_ECS],
  ['VaultAgentSidecar', 'auth[1].region', 'string', v => ({ auth: [VaultAuth.kubernetes({ role: 'r' }), VaultAuth.aws({ role: 'r', region: v }), VaultAuth.azure({ role: 'r' })] }), false, ON_ECS],
  ['VaultAgentSidecar', 'auth[1].mountPath', 'string', v => ({ auth: [VaultAuth.kubernetes({ role: 'r' }), VaultAuth.aws({ role: 'r', mountPath: v }), VaultAuth.azure({ role: 'r' })] }), false, ON_ECS],
  ['VaultAgentSidecar', 'auth[2].resource', 'string', v => ({ auth: [VaultAuth.kubernetes({ role: 'r' }), VaultAuth.aws({ role: 'r' }), VaultAuth.azure({ role: 'r', resource: v })] }), false, ON_ACI],
  ['VaultAgentSidecar', 'auth[2].clientId', 'string', v => ({ auth: [VaultAuth.kubernetes({ role: 'r' }), VaultAuth.aws({ role: 'r' }), VaultAuth.azure({ role: 'r', clientId: v })] }), false, ON_ACI],
  ['VaultAgentSidecar', 'auth[0].secretName', 'string', v => ({ auth: [VaultAuth.appRole({ secretName: v })] }), true],
  ['VaultAgentSidecar', 'auth[0].roleIdKey', 'string', v => ({ auth: [VaultAuth.appRole({ secretName: 'approle', roleIdKey: v })] }), false, undefined, k => [k, `/vault/approle/${k}`]],
  ['VaultAgentSidecar', 'auth[0].secretIdKey', 'string', v => ({ auth: [VaultAuth.appRole({ secretName: 'approle', secretIdKey: v })] }), false, undefined, k => [k, `/vault/approle/${k}`]],
  ['VaultAgentSidecar', 'secrets[0].file', 'string', v => ({ secrets: [{ path: 'secret/data/shop/db', file: v }] }), true, undefined, f => [f, `/vault/secrets/${f}`]],
  ['VaultAgentSidecar', 'secrets[0].template', 'string', v => ({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', template: v }] })],
  ['VaultAgentSidecar', 'secrets[0].inline', 'boolean', v => ({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', inline: v }] })],
  ['VaultAgentSidecar', 'secrets[0].perms', 'number', v => ({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', perms: v }] })],
  ['VaultAgentSidecar', 'secrets[0].command', 'array', v => ({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', command: v }] })],
  ['VaultAgentSidecar', 'secrets[0].appContainers', 'array', v => ({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', appContainers: v }] })],
  ['VaultAgentSidecar', 'secrets[0].reload', 'object', v => ({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', reload: v }] })],
  ['VaultAgentSidecar', 'secrets[0].reload.port', 'number', v => ({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', reload: VaultReload.http({ port: v, path: '/-/reload' }) }] }), true],
  ['VaultAgentSidecar', 'secrets[0].reload.path', 'string', v => ({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', reload: VaultReload.http({ port: 8080, path: v }) }] }), true],
  ['VaultAgentSidecar', 'secrets[0].reload.method', 'enum', v => ({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', reload: VaultReload.http({ port: 8080, path: '/-/reload', method: v }) }] })],
  // issue 13: templates from a file, delimiters, the missing-key rule; telemetry; the jwt, gcp and cert methods (any platform).
  ['VaultAgentSidecar', 'secrets[0].templateFile', 'string', v => ({ extraSecretName: 'tmpl', secrets: [{ path: 'secret/data/shop/db', file: 'db.json', templateFile: v }] }), false, K8S_ONLY],
  ['VaultAgentSidecar', 'secrets[0].leftDelimiter', 'string', v => ({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', leftDelimiter: v }] })],
  ['VaultAgentSidecar', 'secrets[0].rightDelimiter', 'string', v => ({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', rightDelimiter: v }] })],
  ['VaultAgentSidecar', 'secrets[0].errorOnMissingKey', 'boolean', v => ({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', errorOnMissingKey: v }] })],
  ['VaultAgentSidecar', 'telemetry.prometheusRetentionSeconds', 'number', v => ({ telemetry: { prometheusRetentionSeconds: v } })],
  ['VaultAgentSidecar', 'telemetry.statsdAddress', 'string', v => ({ telemetry: { statsdAddress: v } })],
  ['VaultAgentSidecar', 'telemetry.dogstatsdTags', 'array', v => ({ telemetry: { dogstatsdTags: v } })],
  ['VaultAgentSidecar', 'telemetry.prefixFilter', 'array', v => ({ telemetry: { prefixFilter: v } })],
  ['VaultAgentSidecar', 'telemetry.disableHostname', 'boolean', v => ({ telemetry: { disableHostname: v } })],
  ['VaultAgentSidecar', 'telemetry.maximumGaugeCardinality', 'number', v => ({ telemetry: { maximumGaugeCardinality: v } })],
  ['VaultAgentSidecar', 'auth[0].role', 'string', v => ({ auth: [VaultAuth.gcp({ role: v })] }), true],
  ['VaultAgentSidecar', 'auth[0].serviceAccount', 'string', v => ({ auth: [VaultAuth.gcp({ role: 'r', serviceAccount: v })] })],
  ['VaultAgentSidecar', 'auth[0].tokenPath', 'string', v => ({ extraSecretName: 'jwt', auth: [VaultAuth.jwt({ role: 'r', tokenPath: v })] }), true, K8S_ONLY],
  ['VaultAgentSidecar', 'auth[0].name', 'string', v => ({ tlsSecretName: 'tls', auth: [VaultAuth.cert({ name: v, clientCertificateFile: '/vault/tls/tls.crt', clientKeyFile: '/vault/tls/tls.key' })] }), false, K8S_ONLY],
  ['VaultAgentSidecar', 'auth[0].type', 'string', v => ({ auth: [VaultAuth.generic({ type: v, config: { role: 'r' } })] }), true],
  ['VaultAgentSidecar', 'auth[0].config.role', 'string', v => ({ auth: [VaultAuth.generic({ type: 'cf', config: { role: v } })] })],
  ['VaultAgentSidecar', 'auth[0].config', 'map', v => ({ auth: [VaultAuth.generic({ type: 'cf', config: v })] }), true],
  ...res('VaultAgentSidecar'),

  // OPA
  ['OpaSidecar', 'services[0].name', 'string', v => ({ services: [{ name: v, url: 'https://bundles.example.com' }], bundles: [{ name: 'authz', service: v }] }), true],
  ['OpaSidecar', 'services[0].url', 'string', v => ({ services: [{ name: 'b', url: v }], bundles: [{ name: 'authz', service: 'b' }] }), true],
  ['OpaSidecar', 'services[0].credentials', 'object', v => ({ services: [{ name: 'b', url: 'https://bundles.example.com', credentials: v }], bundles: [{ name: 'authz', service: 'b' }] })],
  ['OpaSidecar', 'services[0].credentials.tokenPath', 'string', v => ({ services: [{ name: 'b', url: 'https://bundles.example.com', credentials: OpaCredentials.bearerTokenFile(v) }], bundles: [{ name: 'authz', service: 'b' }] }), true, K8S_ONLY],
  ['OpaSidecar', 'services[0].credentials.scheme', 'string', v => ({ services: [{ name: 'b', url: 'https://bundles.example.com', credentials: OpaCredentials.bearerTokenFile('/var/run/opa/token', v) }], bundles: [{ name: 'authz', service: 'b' }] }), false, K8S_ONLY],
  ...([['name', 'string', true], ['service', 'string', true], ['resource', 'string'], ['pollingMinDelaySeconds', 'number'], ['pollingMaxDelaySeconds', 'number'], ['signing', 'object']] as Array<[string, PropKind, boolean?]>)
    .map(([f, k, req]): Row => ['OpaSidecar', `bundles[0].${f}`, k, v => ({
      services: [{ name: 'b', url: 'https://bundles.example.com' }], bundles: [{ name: 'authz', service: 'b', ...{ [f]: v } }],
    }), req]),
  ['OpaSidecar', 'bundles[0].signing.keyId', 'string', v => ({
    services: [{ name: 'b', url: 'https://bundles.example.com' }],
    bundles: [{ name: 'authz', service: 'b', signing: { keyId: v } }],
    verificationKeys: [{ keyId: 'k', publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----' }],
  }), true],
  ['OpaSidecar', 'bundles[0].signing.scope', 'string', v => ({
    services: [{ name: 'b', url: 'https://bundles.example.com' }],
    bundles: [{ name: 'authz', service: 'b', signing: { keyId: 'k', scope: v } }],
    verificationKeys: [{ keyId: 'k', publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----' }],
  })],
  ['OpaSidecar', 'verificationKeys[0].keyId', 'string', v => ({
    services: [{ name: 'b', url: 'https://bundles.example.com' }],
    bundles: [{ name: 'authz', service: 'b', signing: { keyId: v } }],
    verificationKeys: [{ keyId: v, publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----' }],
  }), true],
  ['OpaSidecar', 'verificationKeys[0].publicKeyPem', 'string', v => ({ verificationKeys: [{ keyId: 'k', publicKeyPem: v }] }), true],
  ['OpaSidecar', 'verificationKeys[0].algorithm', 'enum', v => ({ verificationKeys: [{ keyId: 'k', publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----', algorithm: v }] })],
  ...([['console', 'boolean'], ['service', 'string'], ['reportingMinDelaySeconds', 'number'], ['reportingMaxDelaySeconds', 'number']] as Array<[string, PropKind]>)
    .map(([f, k]): Row => ['OpaSidecar', `decisionLogs.${f}`, k, v => ({ services: [{ name: 'b', url: 'https://logs.example.com' }], decisionLogs: { service: 'b', [f]: v } })]),
  ['OpaSidecar', 'status.console', 'boolean', v => ({ status: { console: v } })],
  ['OpaSidecar', 'status.service', 'string', v => ({ services: [{ name: 'b', url: 'https://status.example.com' }], status: { service: v } })],
  ...res('OpaSidecar'),

  // Fluent Bit
  ['FluentBitSidecar', 'outputs[0].host', 'string', v => ({ outputs: [FluentBitOutput.elasticsearch({ host: v })] }), true],
  ['FluentBitSidecar', 'outputs[0].port', 'number', v => ({ outputs: [FluentBitOutput.elasticsearch({ host: 'es', port: v })] })],
  ['FluentBitSidecar', 'outputs[0].index', 'string', v => ({ outputs: [FluentBitOutput.elasticsearch({ host: 'es', index: v })] })],
  ['FluentBitSidecar', 'outputs[0].tls', 'boolean', v => ({ outputs: [FluentBitOutput.elasticsearch({ host: 'es', tls: v })] })],
  ['FluentBitSidecar', 'outputs[0].match', 'string', v => ({ outputs: [FluentBitOutput.elasticsearch({ host: 'es', match: v })] })],
  ['FluentBitSidecar', 'outputs[0].retryLimit', 'number', v => ({ outputs: [FluentBitOutput.elasticsearch({ host: 'es', retryLimit: v })] })],
  ['FluentBitSidecar', 'outputs[0].retry', 'object', v => ({ outputs: [FluentBitOutput.elasticsearch({ host: 'es', retry: v })] })],
  ['FluentBitSidecar', 'outputs[0].retry', 'number', v => ({ outputs: [FluentBitOutput.elasticsearch({ host: 'es', retry: RetryLimit.retries(v) })] })],
  ['FluentBitSidecar', 'outputs[0].labels', 'map', v => ({ outputs: [FluentBitOutput.loki({ host: 'loki', labels: v })] })],
  ['FluentBitSidecar', 'outputs[0].tls', 'boolean', v => ({ outputs: [FluentBitOutput.loki({ host: 'loki', tls: v })] })],
  ['FluentBitSidecar', 'outputs[0].region', 'string', v => ({ outputs: [FluentBitOutput.cloudWatchLogs({ region: v, logGroupName: 'app' })] }), true],
  ['FluentBitSidecar', 'outputs[0].logGroupName', 'string', v => ({ outputs: [FluentBitOutput.cloudWatchLogs({ region: 'eu-west-1', logGroupName: v })] }), true],
  ['FluentBitSidecar', 'outputs[0].logStreamPrefix', 'string', v => ({ outputs: [FluentBitOutput.cloudWatchLogs({ region: 'eu-west-1', logGroupName: 'app', logStreamPrefix: v })] })],
  ['FluentBitSidecar', 'outputs[0].autoCreateGroup', 'boolean', v => ({ outputs: [FluentBitOutput.cloudWatchLogs({ region: 'eu-west-1', logGroupName: 'app', autoCreateGroup: v })] })],
  ['FluentBitSidecar', 'outputs[0].bucket', 'string', v => ({ outputs: [FluentBitOutput.s3({ bucket: v, region: 'eu-west-1' })] }), true],
  ['FluentBitSidecar', 'outputs[0].totalFileSizeMebibytes', 'number', v => ({ outputs: [FluentBitOutput.s3({ bucket: 'logs', region: 'eu-west-1', totalFileSizeMebibytes: v })] })],
  ['FluentBitSidecar', 'outputs[0].uploadTimeoutSeconds', 'number', v => ({ outputs: [FluentBitOutput.s3({ bucket: 'logs', region: 'eu-west-1', uploadTimeoutSeconds: v })] })],
  ['FluentBitSidecar', 'outputs[0].port', 'number', v => ({ outputs: [FluentBitOutput.forward({ host: 'fluentd', port: v })] })],
  ['FluentBitSidecar', 'outputs[0].uri', 'string', v => ({ outputs: [FluentBitOutput.http({ host: 'collector', uri: v })] })],
  ['FluentBitSidecar', 'outputs[0].format', 'string', v => ({ outputs: [FluentBitOutput.http({ host: 'collector', format: v })] })],
  ['FluentBitSidecar', 'outputs[0].match', 'string', v => ({ outputs: [FluentBitOutput.stdout({ match: v })] })],
  ...['mergeLog', 'keepLog', 'labels', 'annotations'].map((f): Row =>
    ['FluentBitSidecar', `filters[0].${f}`, 'boolean', v => ({ filters: [FluentBitFilter.kubernetes({ [f]: v })] })]),
  ['FluentBitSidecar', 'filters[0].match', 'string', v => ({ filters: [FluentBitFilter.modify({ match: v, add: { env: 'prod' } })] })],
  ['FluentBitSidecar', 'filters[0].add', 'map', v => ({ filters: [FluentBitFilter.modify({ add: v })] })],
  ['FluentBitSidecar', 'filters[0].remove', 'array', v => ({ filters: [FluentBitFilter.modify({ remove: v })] })],
  ['FluentBitSidecar', 'filters[0].rename', 'map', v => ({ filters: [FluentBitFilter.modify({ rename: v })] })],
  ['FluentBitSidecar', 'filters[0].regex', 'map', v => ({ filters: [FluentBitFilter.grep({ regex: v })] })],
  ['FluentBitSidecar', 'filters[0].exclude', 'map', v => ({ filters: [FluentBitFilter.grep({ exclude: v })] })],
  ['FluentBitSidecar', 'filters[0].match', 'string', v => ({ filters: [FluentBitFilter.grep({ match: v, regex: { level: 'error' } })] })],
  ...res('FluentBitSidecar'),

  // Dapr
  ['DaprSidecar', 'apiToken.secretName', 'string', v => ({ apiToken: { secretName: v, key: 'token' } }), true, undefined, NO_PARSE],
  ['DaprSidecar', 'apiToken.key', 'string', v => ({ apiToken: { secretName: 'dapr-api', key: v } }), true, undefined, NO_PARSE],
  ...['namespace', 'trustDomain', 'sentryAddress', 'operatorAddress', 'configName'].map((f): Row =>
    ['DaprSidecar', `controlPlane.${f}`, 'string', v => ({ mode: 'CONTROL_PLANE', controlPlane: { [f]: v } }), false, K8S_ONLY]),
  ['DaprSidecar', 'controlPlane.trustAnchorsSecret', 'object', v => ({ mode: 'CONTROL_PLANE', controlPlane: { trustAnchorsSecret: v } }), false, K8S_ONLY],
  ['DaprSidecar', 'controlPlane.trustAnchorsSecret.key', 'string', v => ({ mode: 'CONTROL_PLANE', controlPlane: { trustAnchorsSecret: { secretName: 'dapr-trust-bundle', key: v } } }), true, K8S_ONLY, NO_PARSE],
  ['DaprSidecar', 'components[0].name', 'string', v => ({ components: [{ name: v, type: 'state.redis' }] }), true],
  ['DaprSidecar', 'components[0].type', 'string', v => ({ components: [{ name: 'state', type: v }] }), true],
  ['DaprSidecar', 'components[0].version', 'string', v => ({ components: [{ name: 'state', type: 'state.redis', version: v }] })],
  ['DaprSidecar', 'components[0].metadata', 'map', v => ({ components: [{ name: 'state', type: 'state.redis', metadata: v }] })],
  ['DaprSidecar', 'components[0].secretMetadata', 'map', v => ({ components: [{ name: 'state', type: 'state.redis', secretMetadata: v }] })],
  ['DaprSidecar', 'components[0].secretMetadata.redisPassword.key', 'string', v => ({
    components: [{ name: 'state', type: 'state.redis', secretMetadata: { redisPassword: { secretName: 'redis', key: v } } }],
  }), true, undefined, NO_PARSE],
  ['DaprSidecar', 'components[0].secretStoreRefs', 'map', v => ({
    components: [{ name: 'state', type: 'state.redis', secretStore: 'env', secretStoreRefs: v }, { name: 'env', type: 'secretstores.local.env' }],
  })],
  ['DaprSidecar', 'components[0].secretStoreRefs.redisPassword.name', 'string', v => ({
    components: [{ name: 'state', type: 'state.redis', secretStore: 'env', secretStoreRefs: { redisPassword: { name: v } } }, { name: 'env', type: 'secretstores.local.env' }],
  }), true],
  ['DaprSidecar', 'components[0].secretStore', 'string', v => ({ components: [{ name: 'state', type: 'state.redis', secretStore: v }] })],
  ['DaprSidecar', 'configuration.name', 'string', v => ({ configuration: { name: v, tracingSamplingRate: 1, zipkinEndpoint: 'http://zipkin:9411/api/v2/spans' } })],
  ['DaprSidecar', 'configuration.tracingSamplingRate', 'number', v => ({ configuration: { tracingSamplingRate: v, zipkinEndpoint: 'http://zipkin:9411/api/v2/spans' } })],
  ['DaprSidecar', 'configuration.otelEndpoint', 'string', v => ({ configuration: { otelEndpoint: v } })],
  ['DaprSidecar', 'configuration.otelProtocol', 'enum', v => ({ configuration: { otelEndpoint: 'otel:4317', otelProtocol: v } })],
  ['DaprSidecar', 'configuration.otelIsSecure', 'boolean', v => ({ configuration: { otelEndpoint: 'otel:4317', otelIsSecure: v } })],
  ['DaprSidecar', 'configuration.zipkinEndpoint', 'string', v => ({ configuration: { zipkinEndpoint: v } })],
  ['DaprSidecar', 'configuration.allowedApis', 'array', v => ({ configuration: { allowedApis: v } })],
  ['DaprSidecar', 'configuration.allowedApis[0].name', 'string', v => ({ configuration: { allowedApis: [{ name: v }] } }), true],
  ['DaprSidecar', 'configuration.deniedApis[0].version', 'string', v => ({ configuration: { deniedApis: [{ name: 'state', version: v }] } })],
  ['DaprSidecar', 'configuration.deniedApis[0].protocol', 'enum', v => ({ configuration: { deniedApis: [{ name: 'state', protocol: v }] } })],
  ['DaprSidecar', 'appToken.secretName', 'string', v => ({ appToken: { secretName: v, key: 'token' } }), true, undefined, NO_PARSE],
  ['DaprSidecar', 'appToken.key', 'string', v => ({ appToken: { secretName: 'dapr-app', key: v } }), true, undefined, NO_PARSE],
  ['DaprSidecar', 'appHealthCheck.path', 'string', v => ({ appHealthCheck: { path: v } })],
  ...['intervalSeconds', 'timeoutMilliseconds', 'threshold'].map((f): Row => ['DaprSidecar', `appHealthCheck.${f}`, 'number', v => ({ appHealthCheck: { [f]: v } })]),
  ['DaprSidecar', 'pluggableComponents[0].name', 'string', v => ({ pluggableComponents: [{ name: v, image: 'ghcr.io/acme/store:1.0.0' }] }), true],
  ['DaprSidecar', 'pluggableComponents[0].image', 'string', v => ({ pluggableComponents: [{ name: 'store', image: v }] }), true],
  ['DaprSidecar', 'pluggableComponents[0].command', 'array', v => ({ pluggableComponents: [{ name: 'store', image: 'ghcr.io/acme/store:1.0.0', command: v }] })],
  ['DaprSidecar', 'serviceAnnotations.team', 'string', v => ({ mode: 'CONTROL_PLANE', serviceAnnotations: { team: v } }), false, K8S_ONLY],
  ['DaprSidecar', 'pluggableComponents[0].env', 'map', v => ({ pluggableComponents: [{ name: 'store', image: 'ghcr.io/acme/store:1.0.0', env: v }] })],
  ...res('DaprSidecar'),

  // OTel Collector
  ['OtelCollectorSidecar', 'otlpExporters[0].name', 'string', v => ({ otlpExporters: [{ endpoint: 'https://otlp.example:4317', name: v }] })],
  ['OtelCollectorSidecar', 'otlpExporters[0].endpoint', 'string', v => ({ otlpExporters: [{ endpoint: v }] }), true],
  ['OtelCollectorSidecar', 'otlpExporters[0].protocol', 'enum', v => ({ otlpExporters: [{ endpoint: 'https://otlp.example:4317', protocol: v }] })],
  ['OtelCollectorSidecar', 'otlpExporters[0].insecure', 'boolean', v => ({ otlpExporters: [{ endpoint: 'https://otlp.example:4317', insecure: v }] })],
  ['OtelCollectorSidecar', 'otlpExporters[0].headers', 'map', v => ({ otlpExporters: [{ endpoint: 'https://otlp.example:4317', headers: v }] })],
  ['OtelCollectorSidecar', 'otlpExporters[0].secretHeaders', 'map', v => ({ otlpExporters: [{ endpoint: 'https://otlp.example:4317', secretHeaders: v }] })],
  ['OtelCollectorSidecar', 'otlpExporters[0].secretHeaders.authorization.key', 'string', v => ({
    otlpExporters: [{ endpoint: 'https://otlp.example:4317', secretHeaders: { authorization: { secretName: 'otlp', key: v } } }],
  }), true, undefined, NO_PARSE],
  ['OtelCollectorSidecar', 'otlpExporters[0].signals', 'array', v => ({ otlpExporters: [{ endpoint: 'https://otlp.example:4317', signals: v }] })],
  ['OtelCollectorSidecar', 'prometheusExporter.port', 'number', v => ({ prometheusExporter: { port: v } })],
  ['OtelCollectorSidecar', 'prometheusExporter.metricNamespace', 'string', v => ({ prometheusExporter: { metricNamespace: v } })],
  ['OtelCollectorSidecar', 'debugExporter.verbosity', 'enum', v => ({ debugExporter: { verbosity: v } })],
  ['OtelCollectorSidecar', 'debugExporter.signals', 'array', v => ({ debugExporter: { signals: v } })],
  ['OtelCollectorSidecar', 'awsXrayExporter.region', 'string', v => ({ awsXrayExporter: { region: v } })],
  ['OtelCollectorSidecar', 'awsXrayExporter.indexedAttributes', 'array', v => ({ awsXrayExporter: { indexedAttributes: v } })],
  ['OtelCollectorSidecar', 'awsXrayExporter.indexAllAttributes', 'boolean', v => ({ awsXrayExporter: { indexAllAttributes: v } })],
  ...['region', 'metricNamespace', 'logGroupName', 'logStreamName'].map((f): Row =>
    ['OtelCollectorSidecar', `awsEmfExporter.${f}`, 'string', v => ({ awsEmfExporter: { [f]: v } })]),
  ['OtelCollectorSidecar', 'prometheusScrapeConfigs[0].jobName', 'string', v => ({ prometheusScrapeConfigs: [{ jobName: v, targets: ['localhost:9090'] }] }), true],
  ['OtelCollectorSidecar', 'prometheusScrapeConfigs[0].targets', 'array', v => ({ prometheusScrapeConfigs: [{ jobName: 'app', targets: v }] }), true],
  ['OtelCollectorSidecar', 'prometheusScrapeConfigs[0].scrapeIntervalSeconds', 'number', v => ({ prometheusScrapeConfigs: [{ jobName: 'app', targets: ['localhost:9090'], scrapeIntervalSeconds: v }] })],
  ['OtelCollectorSidecar', 'prometheusScrapeConfigs[0].scrapeTimeoutSeconds', 'number', v => ({ prometheusScrapeConfigs: [{ jobName: 'app', targets: ['localhost:9090'], scrapeTimeoutSeconds: v }] })],
  ['OtelCollectorSidecar', 'prometheusScrapeConfigs[0].metricsPath', 'string', v => ({ prometheusScrapeConfigs: [{ jobName: 'app', targets: ['localhost:9090'], metricsPath: v }] })],
  ['OtelCollectorSidecar', 'memoryLimiter.enabled', 'boolean', v => ({ memoryLimiter: { enabled: v } })],
  ...['checkIntervalSeconds', 'limitPercentage', 'spikeLimitPercentage'].map((f): Row =>
    ['OtelCollectorSidecar', `memoryLimiter.${f}`, 'number', v => ({ memoryLimiter: { [f]: v } })]),
  ['OtelCollectorSidecar', 'batch.timeoutMilliseconds', 'number', v => ({ batch: { timeoutMilliseconds: v } })],
  ['OtelCollectorSidecar', 'batch.sendBatchSize', 'number', v => ({ batch: { sendBatchSize: v } })],
  ...res('OtelCollectorSidecar'),

  // X-Ray
  ...res('XRayDaemonSidecar'),

  // Envoy
  ...([['name', 'string', true], ['address', 'string', true], ['port', 'number', true], ['tls', 'boolean'], ['mtls', 'boolean'], ['http2', 'boolean'], ['sni', 'string'],
    ['connectTimeoutSeconds', 'number']] as Array<[string, PropKind, boolean?]>)
    .map(([f, k, req]): Row => ['EnvoySidecar', `clusters[0].${f}`, k, v => ({ clusters: [{ name: 'payments', address: 'payments.svc', port: 443, [f]: v }] }), req]),
  ...([['pathPrefix', 'string', true], ['cluster', 'string', true], ['domains', 'array'], ['prefixRewrite', 'string'], ['timeoutSeconds', 'number']] as Array<[string, PropKind, boolean?]>)
    .map(([f, k, req]): Row => ['EnvoySidecar', `routes[0].${f}`, k, v => ({
      clusters: [{ name: 'payments', address: 'payments.svc', port: 443 }], routes: [{ pathPrefix: '/pay', cluster: 'payments', [f]: v }],
    }), req]),
  ...([['address', 'string', true], ['port', 'number', true], ['tls', 'boolean'], ['serverName', 'string'], ['caCertificateFile', 'string']] as Array<[string, PropKind, boolean?]>)
    .map(([f, k, req]): Row => ['EnvoySidecar', `xds.${f}`, k, v => ({ xds: { address: 'istiod.istio-system.svc', port: 15012, [f]: v } }), req]),
  ['EnvoySidecar', 'mtls.secretName', 'string', v => ({ mtls: { secretName: v } }), true],
  ['EnvoySidecar', 'mtls.subjectAltNames', 'array', v => ({ mtls: { secretName: 'envoy-tls', subjectAltNames: v } })],
  ['EnvoySidecar', 'unixSockets.publicPort', 'number', v => ({ unixSockets: { publicPort: v } }), true],
  ['EnvoySidecar', 'unixSockets.directory', 'string', v => ({ unixSockets: { publicPort: 8443, directory: v } })],
  ...res('EnvoySidecar'),
  // The shared escape hatch (core/overrides.ts), one code path for every sidecar: OPA stands for them.
  ...OVERRIDE_ROWS('OpaSidecar'),
  // A metrics port (read by k8s SidecarMonitoring): every special string is refused as an HTTP path.
  ['Sidecar', 'ports[0].metricsPath', 'string', v => ({ ports: [{ port: 9000, name: 'metrics', exposure: 'EXPOSED', metricsPath: v }] }), true],
];

const SKIP: { [k in PropKind]?: string[] } = {
  string: ['object', 'boolean', 'NaN'],
  number: ['object', 'array', '-Infinity'],
  boolean: ['"no"', '1'],
  enum: ['object', 'array'],
  array: ['number', '[undefined]'],
  map: ['number', '{k:{}}'],
  object: ['{x:NaN}'],
};

/**
 * The wrong values of each kind for nested fields: the top-level guard's classes (WRONG) less
 * the ones that take the same path through the type check as another (object and array for a
 * number, -Infinity beside Infinity, ...), so that the guard stays fast in `npm test`.
 */
const NESTED_WRONG: { [k in PropKind]: Array<[string, unknown]> } = Object.fromEntries(Object.entries(WRONG).map(([k, values]) => [k,
  values.filter(([label]) => !(SKIP[k as PropKind] ?? []).includes(label))])) as any;

/** Special strings for nested string fields: one of each target format's dangers. */
const NESTED_SPECIALS: Array<[string, string]> = [
  ['newline', 'a\nb'], ['quote', 'a"b'], ['${', 'a${b}'], ['%{', 'a%{b}'], ['#', 'a # b'], ['[OUTPUT]', '[OUTPUT]'],
  ['@INCLUDE', '@INCLUDE /etc/passwd'], ['..', '../../etc/passwd'], ['yaml 1.1 octal', '0o17'], ['colon', 'a: b'],
];

const counts = newCounts();
const SURVEY = process.env.BAD_INPUT_SURVEY;


/** Builds the props (a factory may throw: that is a crash unless it is a catalogued error) and composes. */
async function run(sidecar: string, set: (v: any) => any, value: unknown, platform: Platform): Promise<Outcome> {
  const kind = KINDS[sidecar];
  let props: any;
  try {
    props = { ...kind.base, ...set(value) };
  } catch (e) {
    return { kind: 'crash', error: e, path: '(a factory, before any construct)' };
  }
  return attempt(kind, props, platform);
}

function caseTest(key: string, body: () => Promise<string | undefined>) {
  if (KNOWN.has(key) && !SURVEY) { counts.todo++; test.todo(`${key} (known failure)`); return; }
  test(key, async () => {
    counts.cases++;
    const failure = await body();
    if (SURVEY) { if (failure) { appendFileSync(SURVEY, `${JSON.stringify(key)}\t${failure.replace(/\n/g, '\\n')}\n`); } return; }
    expect(failure).toBeUndefined();
  });
}

/**
 * A stable number for a field, so that its platforms and specials do not shift when rows are
 * added elsewhere (the case names in known.ts stay valid).
 */
function seed(field: string): number {
  let h = 0;
  for (const c of field) { h = (h * 31 + c.charCodeAt(0)) % 1000003; }
  return h;
}
const seen = new Set<string>();

for (const sidecar of Object.keys(KINDS)) {
  describe(`${sidecar}: nested fields`, () => {
    for (const [sc, field, pk, set, required, only, shapes] of NESTED) {
      if (sc !== sidecar) { continue; }
      const values = [...NESTED_WRONG[pk], ...(required ? [['undefined', undefined] as [string, unknown]] : [])];
      const platforms = only ?? PLATFORMS;
      let rotation = seed(field);
      const nextPlatform = () => platforms[rotation++ % platforms.length];
      for (const [label, value] of values) {
        const platform = nextPlatform();
        let key = `${sidecar} ${platform} ${field}=${label}`;
        while (seen.has(key)) { key += "'"; }
        seen.add(key);
        caseTest(key, async () => judge(counts, await run(sidecar, set, value, platform), field));
      }
      if (pk === 'string') {
        // Three special strings per field, chosen by the field's seed, so that every field meets
        // some and the specials spread over the sidecars without a synthesis per field and special.
        const specials = [0, 1, 2].map(j => NESTED_SPECIALS[(seed(field) + 3 * j) % NESTED_SPECIALS.length]);
        for (const [label, s] of specials) {
          const platform = nextPlatform();
          let key = `${sidecar} ${platform} ${field}=${label}`;
          while (seen.has(key)) { key += "'"; }
          seen.add(key);
          caseTest(key, async () => judge(counts, await run(sidecar, set, s, platform), field,
            shapes === NO_PARSE ? undefined : shapes ? shapes(s) : [s]));
        }
      }
    }
  });
}


/**
 * Fixed defects (table): each row crashed with a TypeError, rendered a value the platform
 * refuses, or was reported under the model's internal name before the nested type checks.
 */
const NESTED_FIXED: Array<[string, string, () => any, Platform, ErrorCode, string]> = [
  ['Sidecar', 'Probe.exec with a string command (TypeError in the factory)', () => ({ startupProbe: Probe.exec({ command: 'true' as any }) }), 'k8s', ErrorCode.INVALID_TYPE,
    'web/sc: startupProbe.command "true" (string) is not an array of strings'],
  ['Sidecar', 'volumes[0].readOnly "false" (rendered, refused by the platform)', () => ({ volumes: [{ name: 'data', mountPath: '/data', readOnly: 'false' }] }), 'ecs',
    ErrorCode.INVALID_TYPE, 'Shop/sc: volumes[0].readOnly "false" (string) is not a boolean'],
  ['Sidecar', 'volumes[0].mountPath 42 (named volumeMounts[0].path)', () => ({ volumes: [{ name: 'data', mountPath: 42 }] }), 'aci', ErrorCode.INVALID_TYPE,
    'sc: volumes[0].mountPath 42 (number) is not a string'],
  ['Sidecar', 'secretEnv key (named env[0].secret.key)', () => ({ secretEnv: { TOKEN: { secretName: 'agent', key: '../x' } } }), 'k8s', ErrorCode.INVALID_SECRET_KEY,
    'web/sc: secretEnv.TOKEN.key "../x" is not a Secret key'],
  ['Sidecar', 'resources.cpuLimitMillicores 1.5', () => ({ resources: { cpuLimitMillicores: 1.5 } }), 'aci', ErrorCode.INVALID_NUMBER,
    'sc: resources.cpuLimitMillicores 1.5 is not an integer from 1 to 2147483647'],
  ['VaultAgentSidecar', 'auth[0].role 42 in VaultAuth.kubernetes', () => ({ auth: [VaultAuth.kubernetes({ role: 42 as any })] }), 'k8s', ErrorCode.INVALID_TYPE,
    'web/sc: auth[0].role 42 (number) is not a string'],
  ['VaultAgentSidecar', 'auth[0].secretName of AppRole (named volumes[3].secretName)', () => ({ auth: [VaultAuth.appRole({ secretName: 'a: b' })] }), 'k8s', ErrorCode.INVALID_SECRET_NAME,
    'web/sc: auth[0].secretName "a: b" is not a Secret name'],
  ['VaultAgentSidecar', 'auth[0].audience with a space (named identityToken.audience)', () => ({ auth: [VaultAuth.kubernetes({ role: 'r', audience: 'vault prod' })] }), 'k8s',
    ErrorCode.INVALID_NAME, 'web/sc: auth[0].audience "vault prod" is not a valid name (a token audience without spaces)'],
  ['VaultAgentSidecar', 'secrets[0].reload.port NaN', () => ({ secrets: [{ path: 'secret/data/x', file: 'x', reload: VaultReload.http({ port: NaN, path: '/-/reload' }) }] }), 'ecs',
    ErrorCode.INVALID_TYPE, 'Shop/sc: secrets[0].reload.port NaN (number) is not a port number'],
  ['OpaSidecar', 'status.console null (was "would have no effect")', () => ({ status: { console: null } }), 'aci', ErrorCode.INVALID_TYPE,
    'sc: status.console null (null) is not a boolean'],
  ['FluentBitSidecar', 'filters[0].remove " " (TypeError in FluentBitFilter.modify)', () => ({ filters: [FluentBitFilter.modify({ remove: ' ' as any })] }), 'k8s', ErrorCode.INVALID_TYPE,
    'web/sc: filters[0].remove " " (string) is not an array of strings'],
  ['FluentBitSidecar', 'filters[0].add {k: null} (TypeError while rendering)', () => ({ filters: [FluentBitFilter.modify({ add: { env: null as any } })] }), 'ecs', ErrorCode.INVALID_TYPE,
    'Shop/sc: filters[0].add.env null (null) is not a string'],
  ['FluentBitSidecar', 'filters[0].mergeLog "false" (read as on)', () => ({ filters: [FluentBitFilter.kubernetes({ mergeLog: 'false' as any })] }), 'k8s', ErrorCode.INVALID_TYPE,
    'web/sc: filters[0].mergeLog "false" (string) is not a boolean'],
  ['FluentBitSidecar', 'outputs[0].port Infinity', () => ({ outputs: [FluentBitOutput.elasticsearch({ host: 'es', port: Infinity })] }), 'aci', ErrorCode.INVALID_TYPE,
    'sc: outputs[0].port Infinity (number) is not a port number'],
  ['OtelCollectorSidecar', 'otlpExporters[0].insecure "false" (refused by the collector)', () => ({ otlpExporters: [{ endpoint: 'https://otlp.example:4317', insecure: 'false' }] }), 'ecs',
    ErrorCode.INVALID_TYPE, 'Shop/sc: otlpExporters[0].insecure "false" (string) is not a boolean'],
  ['OtelCollectorSidecar', 'awsXrayExporter.indexedAttributes " " (TypeError)', () => ({ awsXrayExporter: { indexedAttributes: ' ' } }), 'k8s', ErrorCode.INVALID_TYPE,
    'web/sc: awsXrayExporter.indexedAttributes " " (string) is not an array of strings'],
  ['OtelCollectorSidecar', 'batch.timeoutMilliseconds 1e21 ("1e+21ms")', () => ({ batch: { timeoutMilliseconds: 1e21 } }), 'aci', ErrorCode.INVALID_NUMBER,
    'sc: batch.timeoutMilliseconds 1e+21 is not an integer from 0 to 2147483647'],
  ['DaprSidecar', 'controlPlane.trustDomain 42 (was "would have no effect")', () => ({ mode: 'CONTROL_PLANE', controlPlane: { trustDomain: 42 } }), 'k8s', ErrorCode.INVALID_TYPE,
    'web/sc: controlPlane.trustDomain 42 (number) is not a string'],
  ['EnvoySidecar', 'mtls.subjectAltNames [undefined] (TypeError)', () => ({ mtls: { secretName: 'envoy-tls', subjectAltNames: [undefined] } }), 'k8s', ErrorCode.INVALID_TYPE,
    'web/sc: mtls.subjectAltNames[0] undefined (undefined) is not a string'],
];

describe('fixed nested-field defects (table)', () => {
  test.each(NESTED_FIXED)('%s %s', async (sidecar, _title, props, platform, code, part) => {
    const o = await run(sidecar, props, undefined, platform);
    if (o.kind !== 'error') { throw new Error(`expected ${code}, got ${o.kind === 'crash' ? describeError(o.error) : 'an output'}`); }
    expect(o.error.code).toBe(code);
    expect(o.error.message).toContain(part);
  });
  test('SidecarInjector with sidecars: null (TypeError: props.sidecars is not iterable)', () => {
    const chart = newChart('web');
    expect(() => new SidecarInjector(chart, 'inject', { sidecars: null as any })).toThrow('web/inject: sidecars null (null) is not an array of objects');
  });
  test('SidecarInjector with selector.kinds " " (TypeError)', () => {
    const chart = newChart('web');
    expect(() => new SidecarInjector(chart, 'inject', { sidecars: [new Sidecar(chart, 'agent', AGENT)], selector: { kinds: ' ' as any } }))
      .toThrow('web/inject: selector.kinds " " (string) is not an array of strings');
  });
});

/**
 * Binder options and ACI group props: each row builds, attaches one sidecar and synthesizes on
 * its own platform; a wrong value must end in a catalogued error naming the binder's construct
 * path and the option, or in a valid output.
 */
const AGENT = { image: 'ghcr.io/acme/agent:1.0.0' };
type BinderRow = [string, string, PropKind, string, (v: any) => void];
const k8sWith = (attach: (chart: any, d: any, sc: Sidecar) => void) => {
  const chart = newChart('web');
  const d = rawDeployment(chart, 'api');
  attach(chart, d, new Sidecar(chart, 'agent', AGENT));
  synth(chart);
};
const ecsWith = (options: any) => {
  const f = fargateTask();
  TaskSidecars.of(f.td, options).add(new Sidecar(f.stack, 'agent', AGENT));
  synthTemplate(f.stack);
};
const aciWith = (over: any, container: any = {}) => {
  const app = new AciApp();
  const group = new AciContainerGroup(app, 'shop', {
    containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }], ...container }], ...over,
  });
  group.addSidecars(new Sidecar(app, 'agent', AGENT));
  synthGroup(group);
};
const BINDERS: BinderRow[] = [
  ['WorkloadSidecarsOptions', 'mode', 'enum', 'web/api', v => k8sWith((_c, d, sc) => WorkloadSidecars.of(d, { mode: v }).add(sc))],
  ['WorkloadSidecarsOptions', 'appInitContainers', 'enum', 'web/api', v => k8sWith((_c, d, sc) => WorkloadSidecars.of(d, { appInitContainers: v }).add(sc))],
  ['SidecarInjectorProps', 'sidecars', 'array', 'web/inject', v => k8sWith(c => new SidecarInjector(c, 'inject', { sidecars: v }))],
  ['SidecarInjectorProps', 'selector', 'object', 'web/inject', v => k8sWith((c, _d, sc) => new SidecarInjector(c, 'inject', { sidecars: [sc], selector: v }))],
  ['SidecarInjectorProps', 'selector.matchLabels', 'map', 'web/inject', v => k8sWith((c, _d, sc) => new SidecarInjector(c, 'inject', { sidecars: [sc], selector: { matchLabels: v } }))],
  ['SidecarInjectorProps', 'selector.matchAnnotations', 'map', 'web/inject',
    v => k8sWith((c, _d, sc) => new SidecarInjector(c, 'inject', { sidecars: [sc], selector: { matchAnnotations: v } }))],
  ['SidecarInjectorProps', 'selector.kinds', 'array', 'web/inject', v => k8sWith((c, _d, sc) => new SidecarInjector(c, 'inject', { sidecars: [sc], selector: { kinds: v } }))],
  ['KubernetesTarget', 'version', 'string', 'web', v => k8sWith((c, d, sc) => { KubernetesTarget.set(c, v); WorkloadSidecars.of(d).add(sc); })],
  ['TaskSidecarsOptions', 'configDelivery', 'enum', 'Shop/Api/CdkSidecars', v => ecsWith({ configDelivery: v })],
  ['TaskSidecarsOptions', 'memoryVolumes', 'enum', 'Shop/Api/CdkSidecars', v => ecsWith({ memoryVolumes: v })],
  ['TaskSidecarsOptions', 'configWriterImage', 'string', 'Shop/Api/CdkSidecars', v => ecsWith({ configWriterImage: v })],
  ['TaskSidecarsOptions', 'appContainers', 'array', 'Shop/Api/CdkSidecars', v => ecsWith({ appContainers: v })],
  ['TaskSidecarsOptions', 'secrets', 'map', 'Shop/Api/CdkSidecars', v => ecsWith({ secrets: v })],
  ['TaskSidecarsOptions', 'logging', 'object', 'Shop/Api/CdkSidecars', v => ecsWith({ logging: v })],
  ['AciContainerGroupProps', 'osType', 'enum', 'shop', v => aciWith({ osType: v })],
  ['AciContainerGroupProps', 'restartPolicy', 'enum', 'shop', v => aciWith({ restartPolicy: v })],
  ['AciContainerGroupProps', 'sku', 'enum', 'shop', v => aciWith({ sku: v })],
  ['AciContainerGroupProps', 'tags', 'map', 'shop', v => aciWith({ tags: v })],
  ['AciContainerGroupProps', 'identity', 'object', 'shop', v => aciWith({ identity: v })],
  ['AciContainerGroupProps', 'identity.systemAssigned', 'boolean', 'shop', v => aciWith({ identity: { systemAssigned: v } })],
  ['AciContainerGroupProps', 'volumes', 'array', 'shop', v => aciWith({ volumes: v })],
  ['AciContainerGroupProps', 'containers', 'array', 'shop', v => aciWith({ containers: v })],
  ['AciContainerProps', 'containers[0].name', 'string', 'shop', v => aciWith({}, { name: v })],
  ['AciContainerProps', 'containers[0].image', 'string', 'shop', v => aciWith({}, { image: v })],
  ['AciContainerProps', 'containers[0].command', 'array', 'shop', v => aciWith({}, { command: v })],
  ['AciContainerProps', 'containers[0].cpu', 'number', 'shop', v => aciWith({}, { cpu: v })],
  ['AciContainerProps', 'containers[0].memoryInGB', 'number', 'shop', v => aciWith({}, { memoryInGB: v })],
  ['AciContainerProps', 'containers[0].ports', 'array', 'shop', v => aciWith({}, { ports: v })],
  ['AciPort', 'containers[0].ports[0].port', 'number', 'shop', v => aciWith({}, { ports: [{ port: v }] })],
  ['AciPort', 'containers[0].ports[0].protocol', 'enum', 'shop', v => aciWith({}, { ports: [{ port: 8080, protocol: v }] })],
  ['AciPort', 'containers[0].ports[0].expose', 'boolean', 'shop', v => aciWith({}, { ports: [{ port: 8080, expose: v }] })],
  ['AciContainerProps', 'containers[0].environment', 'map', 'shop', v => aciWith({}, { environment: v })],
  ['AciContainerProps', 'containers[0].secureEnvironment', 'map', 'shop', v => aciWith({}, { secureEnvironment: v })],
  ['AciVolumeMount', 'containers[0].volumeMounts[0].path', 'string', 'shop',
    v => aciWith({ volumes: [{ name: 'data' }] }, { volumeMounts: [{ volume: 'data', path: v }] })],
  ['AciVolumeMount', 'containers[0].volumeMounts[0].volume', 'string', 'shop',
    v => aciWith({ volumes: [{ name: 'data' }] }, { volumeMounts: [{ volume: v, path: '/data' }] })],
  ['AciContainerProps', 'containers[0].livenessProbe', 'object', 'shop', v => aciWith({}, { livenessProbe: v })],
  ['AciVolumeMount', 'containers[0].volumeMounts[0].readOnly', 'boolean', 'shop',
    v => aciWith({ volumes: [{ name: 'data' }] }, { volumeMounts: [{ volume: 'data', path: '/data', readOnly: v }] })],
  ['TaskSidecarsOptions', 'containerOptions', 'map', 'Shop/Api/CdkSidecars', v => ecsWith({ containerOptions: v })],
  ['TaskSidecarsOptions', 'sidecarDefaults', 'object', 'Shop/Api/CdkSidecars', v => ecsWith({ sidecarDefaults: v })],
  ['SidecarContainerOptions', 'sidecarDefaults.enableRestartPolicy', 'boolean', 'Shop/Api/CdkSidecars', v => ecsWith({ sidecarDefaults: { enableRestartPolicy: v } })],
  ['SidecarContainerOptions', 'sidecarDefaults.restartIgnoredExitCodes', 'array', 'Shop/Api/CdkSidecars', v => ecsWith({ sidecarDefaults: { restartIgnoredExitCodes: v } })],
  ['SidecarContainerOptions', 'sidecarDefaults.ulimits', 'array', 'Shop/Api/CdkSidecars', v => ecsWith({ sidecarDefaults: { ulimits: v } })],
  ['SidecarContainerOptions', 'sidecarDefaults.systemControls', 'array', 'Shop/Api/CdkSidecars', v => ecsWith({ sidecarDefaults: { systemControls: v } })],
  ['SidecarContainerOptions', 'sidecarDefaults.initProcessEnabled', 'boolean', 'Shop/Api/CdkSidecars', v => ecsWith({ sidecarDefaults: { initProcessEnabled: v } })],
  ['SidecarContainerOptions', 'sidecarDefaults.dockerLabels', 'map', 'Shop/Api/CdkSidecars', v => ecsWith({ sidecarDefaults: { dockerLabels: v } })],
  ['SidecarContainerOptions', 'sidecarDefaults.bypassProxy', 'boolean', 'Shop/Api/CdkSidecars', v => ecsWith({ sidecarDefaults: { bypassProxy: v } })],
  ['AciContainerGroupProps', 'imageRegistryCredentials', 'array', 'shop', v => aciWith({ imageRegistryCredentials: v })],
  ['AciContainerGroupProps', 'logAnalytics', 'object', 'shop', v => aciWith({ logAnalytics: v })],
  ['AciContainerGroupProps', 'dnsConfig', 'object', 'shop', v => aciWith({ dnsConfig: v })],
  ['AciContainerGroupProps', 'zones', 'array', 'shop', v => aciWith({ zones: v })],
  ['AciContainerGroupProps', 'priority', 'enum', 'shop', v => aciWith({ priority: v })],
  ['AciContainerGroupProps', 'extensions', 'array', 'shop', v => aciWith({ extensions: v })],
  ['AciContainerGroupProps', 'secretReferences', 'array', 'shop', v => aciWith({ secretReferences: v })],
  ['AciContainerGroupProps', 'encryption', 'object', 'shop', v => aciWith({ encryption: v })],
  ['AciContainerGroupProps', 'initContainers', 'array', 'shop', v => aciWith({ initContainers: v })],
  ['AciContainerProps', 'containers[0].gpu', 'object', 'shop', v => aciWith({}, { gpu: v })],
  ['AciContainerProps', 'containers[0].configMap', 'map', 'shop', v => aciWith({}, { configMap: v })],
  ['AciContainerProps', 'containers[0].probeHttpHeaders', 'map', 'shop', v => aciWith({}, { probeHttpHeaders: v })],
];

describe('binder options and ACI group props', () => {
  for (const [iface, field, pk, at, build] of BINDERS) {
    for (const [label, value] of NESTED_WRONG[pk]) {
      const key = `${iface} ${field}=${label}`;
      caseTest(key, async () => {
        let o: Outcome;
        try {
          build(value);
          o = { kind: 'output', output: { docs: [] }, path: at };
        } catch (e) {
          o = e instanceof SidecarError ? { kind: 'error', error: e, path: at } : { kind: 'crash', error: e, path: at };
        }
        return judge(counts, o, field.replace(/^selector\./, 'selector.'));
      });
    }
  }
});

afterAll(() => {
  console.log(`bad-input guard, nested fields: ${counts.cases} cases, ${counts.clearErrors} clear errors, ${counts.parsedBack} outputs parsed back, `
    + `${counts.validOutputs} other valid outputs, ${counts.todo} known failures (test.todo)`);
});
