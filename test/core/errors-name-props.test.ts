/**
 * Errors name the prop the user wrote and the value written (issue 10, section 3), not the
 * field of the library's internal model it became (`ports[0].port`, `volumeMounts[0].path`,
 * `shutdown.gracePeriodSeconds` with a computed value, `appRequests.env[0].name`, ...).
 * The mechanism: ContainerSpec.origins and SidecarContribution.origins (core/container.ts).
 */
import { Construct } from 'constructs';
import { CompositionContext, FluentBitFilter, FluentBitSidecar, ISidecar, SidecarContribution, StartupRole, VaultAuth, VaultReload } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { KINDS, Platform, attempt, describeError } from '../bad-input/harness';
import { fargateTask, notes, synthTemplate, warnings } from '../ecs/util';
import { expectError } from '../errors';
import { newChart, rawDeployment, synth } from '../k8s/util';

async function message(kind: string, props: any, platform: Platform): Promise<string> {
  const o = await attempt(KINDS[kind], { ...KINDS[kind].base, ...props }, platform);
  if (o.kind !== 'error') { throw new Error(`expected an error, got ${o.kind === 'crash' ? describeError(o.error) : 'an output'}`); }
  return o.error.message;
}

describe('a port clash names the port prop', () => {
  test.each<[string, any, Platform, string]>([
    ['VaultAgentSidecar', { cache: true, cachePort: 8080 }, 'k8s', 'web/sc: cachePort: port 8080/TCP is already used by web/api'],
    ['FluentBitSidecar', { httpPort: 8080 }, 'k8s', 'web/sc: httpPort: port 8080/TCP is already used by web/api'],
    ['EnvoySidecar', { prometheusPort: 8080 }, 'k8s', 'web/sc: prometheusPort: port 8080/TCP is already used by web/api'],
    ['EnvoySidecar', { adminPort: 8080 }, 'ecs', 'Shop/sc: adminPort: port 8080/TCP'],
    ['EnvoySidecar', { readinessPort: 8080 }, 'aci', 'sc: readinessPort: port 8080/TCP'],
    ['OpaSidecar', { diagnosticPort: 8080 }, 'k8s', 'web/sc: diagnosticPort: port 8080/TCP'],
    ['OtelCollectorSidecar', { telemetryPort: 8080 }, 'k8s', 'web/sc: telemetryPort: port 8080/TCP'],
    ['DaprSidecar', { metricsPort: 8080, appPort: 8081 }, 'k8s', 'web/sc: metricsPort: port 8080/TCP'],
  ])('%s %j on %s', async (kind, props, platform, part) => {
    const m = await message(kind, props, platform);
    expect(m).toContain(part);
    expect(m).not.toMatch(/ports\[\d+\]\.port/);
  });
});

describe('Fargate\'s stop timeout names the prop and the value written', () => {
  test('Envoy drainSeconds, whose stop timeout adds 5 s', async () => {
    const m = await message('EnvoySidecar', { drainSeconds: 200 }, 'ecs');
    expect(m).toContain('Shop/sc: drainSeconds 200 cannot be rendered on ECS Fargate');
    expect(m).toContain('Set drainSeconds to at most 115');
    expect(m).not.toContain('shutdown.gracePeriodSeconds');
  });
  test('the generic Sidecar\'s terminationGracePeriodSeconds', async () => {
    const m = await message('Sidecar', { terminationGracePeriodSeconds: 121 }, 'ecs');
    expect(m).toContain('Shop/sc: terminationGracePeriodSeconds 121 cannot be rendered on ECS Fargate');
    expect(m).not.toContain('shutdown.gracePeriodSeconds');
  });
  test('Dapr gracefulShutdownSeconds', async () => {
    expect(await message('DaprSidecar', { gracefulShutdownSeconds: 300 }, 'ecs')).toContain('Shop/sc: gracefulShutdownSeconds 300 cannot be rendered on ECS Fargate');
  });
});

describe('the generic Sidecar\'s props', () => {
  test.each<[string, any, Platform, string]>([
    ['appEnv with a bad name', { appEnv: { '1bad': 'x' } }, 'k8s', 'web/sc: appEnv.1bad "1bad" is not a valid variable name'],
    ['appEnv conflicting with the app', { appEnv: { LOG_FORMAT: 'text' } }, 'ecs', 'Shop/sc: appEnv.LOG_FORMAT: LOG_FORMAT="text"'],
    ['volumes[].mountPath', { volumes: [{ name: 'v', mountPath: 'rel' }] }, 'k8s', 'web/sc: volumes[0].mountPath "rel" is not an absolute path'],
    ['volumes[].appMountPath', { volumes: [{ name: 'v', mountPath: '/x', appMountPath: 'rel' }] }, 'aci', 'sc: volumes[0].appMountPath "rel"'],
    ['configFiles[].content', { configFiles: [{ path: '/etc/a/a.conf', content: 5 }] }, 'k8s', 'web/sc: configFiles[0].content 5 (number) is not a string'],
    ['env with a bad name', { env: { '1A': 'x' } }, 'k8s', 'web/sc: env.1A "1A" is not a valid variable name'],
    ['secretEnv with a bad secret name', { secretEnv: { A: { secretName: 'Bad_Name', key: 'k' } } }, 'k8s', 'web/sc: secretEnv.A.secretName "Bad_Name"'],
  ])('%s', async (_, props, platform, part) => {
    const m = await message('Sidecar', props, platform);
    expect(m).toContain(part);
    expect(m).not.toMatch(/appRequests|volumeMounts|volumes\[\d+\]\.files|env\[\d+\]/);
  });
});

test('a Vault template command that signals on Fargate names secrets[].command, not a KILL capability', async () => {
  const m = await message('VaultAgentSidecar', { secrets: [{ path: 'secret/data/x', file: 'x.json', command: ['/bin/sh', '-c', 'kill -HUP 1'] }] }, 'ecs');
  expect(m).toContain('Shop/sc: secrets[0].command ["/bin/sh","-c","kill -HUP 1"] sends a signal');
  expect(m).not.toContain('addCapabilities');
});

describe('a config file too large for the ECS task definition names the prop that made it large, at the sidecar', () => {
  test.each<[string, any, string]>([
    ['OtelCollectorSidecar', { serviceName: 'x'.repeat(70000) }, 'Shop/sc: serviceName makes config file "otel-collector-config/config.yaml"'],
    ['EnvoySidecar', { serviceCluster: 'c'.repeat(70000) }, 'Shop/sc: serviceCluster makes config file "envoy-config/envoy.json"'],
    ['Sidecar', { configFiles: [{ path: '/etc/a/a.conf', content: 'x' }, { path: '/etc/a/big.conf', content: 'y'.repeat(70000) }] }, 'Shop/sc: configFiles[1].content makes config file "sc-config/big.conf" 70000 bytes'],
    ['OpaSidecar', { policies: { 'authz.rego': `package authz\n${'# note\n'.repeat(10000)}` } }, 'Shop/sc: policies.authz.rego makes config file'],
    ['VaultAgentSidecar', { secrets: [{ path: 'secret/data/shop/db', file: 'db.json', template: `{{ with secret "secret/data/shop/db" }}${'x'.repeat(70000)}{{ end }}` }] },
      'Shop/sc: secrets[0].template makes config file'],
  ])('%s', async (kind, props, part) => {
    const m = await message(kind, props, 'ecs');
    expect(m).toContain(part);
    expect(m).toContain('or shorten');
  });
});

describe('the fix fits the field', () => {
  test.each<[string, string, any, Platform, string[], RegExp[]]>([
    ['a bad protocol is not a port number', 'Sidecar', { ports: [{ port: 80, protocol: 'SCTP' }] }, 'k8s',
      ['web/sc: ports[0].protocol "SCTP" (string) is not one of "TCP", "UDP"'], [/1 to 65535/]],
    ['a bad exposure is not a port number', 'Sidecar', { ports: [{ port: 80, exposure: 'OPEN' }] }, 'k8s',
      ['web/sc: ports[0].exposure "OPEN" (string) is not one of'], [/1 to 65535/]],
    ['Envoy cluster names allow upper case, "." and "_"', 'EnvoySidecar', { clusters: [{ name: 'bad name', address: '10.0.0.5', port: 443 }] }, 'k8s',
      ['web/sc: clusters[0].name "bad name"', 'letters (either case)'], [/lowercase/]],
    ['a Vault secret file leaving the directory: a file in it, not an absolute path', 'VaultAgentSidecar', { secrets: [{ path: 'secret/data/x', file: 'a/../../b.json' }] }, 'k8s',
      ['web/sc: secrets[0].file "a/../../b.json" is not a file inside the secrets directory', 'e.g. "db.json" or "db/creds.json"'], [/absolute/]],
    ['an OTel scrape metricsPath: an HTTP path, not a file path', 'OtelCollectorSidecar', { prometheusScrapeConfigs: [{ jobName: 'a', targets: ['127.0.0.1:9'], metricsPath: 'x' }] }, 'k8s',
      ['web/sc: prometheusScrapeConfigs[0].metricsPath "x"', '"/metrics"'], [/absolute|app\.conf/]],
    ['Fluent Bit logFiles: a pattern inside logDirectory', 'FluentBitSidecar', { logFiles: '../x.log' }, 'k8s',
      ['web/sc: logFiles "../x.log"', '"*.log"'], [/absolute/]],
    ['an AWS region is not a DNS label', 'XRayDaemonSidecar', { region: 'mars' }, 'k8s',
      ['web/sc: region "mars"', 'Give an AWS region such as "eu-west-1"'], [/log-shipper/]],
    ['a sidecar\'s uid prop has no allowRootUser', 'OpaSidecar', { uid: 0 }, 'k8s',
      ['web/sc: uid is 0 (root)', 'Set uid to a non-root UID'], [/allowRootUser|security\./]],
    ['the Vault agent\'s uid (two containers)', 'VaultAgentSidecar', { uid: 0 }, 'k8s',
      ['web/sc: uid is 0 (root)'], [/allowRootUser|containers\[/]],
    ['the generic Sidecar has security.allowRootUser', 'Sidecar', { security: { uid: 0 } }, 'k8s',
      ['web/sc: security.uid is 0 (root)', 'security.allowRootUser: true'], []],
    ['a bad secret key is not told to fix a variable name', 'Sidecar', { secretEnv: { TOKEN: { secretName: 'api', key: 'a/b' } } }, 'k8s',
      ['web/sc: secretEnv.TOKEN.key "a/b"', 'Use the key as the Secret has it'], [/variable a name/]],
  ])('%s', async (_, kind, props, platform, parts, absent) => {
    const m = await message(kind, props, platform);
    for (const p of parts) { expect(m).toContain(p); }
    for (const a of absent) { expect(m).not.toMatch(a); }
  });
});

describe('weak messages (issue 11, section 5)', () => {
  test('the Fluent Bit kubernetes filter on ECS and ACI is named as the filter, which needs Kubernetes', async () => {
    for (const platform of ['ecs', 'aci'] as const) {
      const m = await message('FluentBitSidecar', { filters: [FluentBitFilter.kubernetes()] }, platform);
      expect(m).toContain('filters[0] "FluentBitFilter.kubernetes()" cannot be rendered on');
      expect(m).toContain('not a Kubernetes pod');
      expect(m).not.toMatch(/podField|readsPaths|token/);
    }
  });

  test('OTel on ECS waiting for HEALTHY names appWaitsFor and suggests AWS_DISTRO and STARTED', async () => {
    const m = await message('OtelCollectorSidecar', { appWaitsFor: undefined }, 'ecs');
    expect(m).toContain('Shop/sc: appWaitsFor "HEALTHY" cannot be rendered on ECS Fargate');
    expect(m).toContain('distribution: OtelCollectorDistribution.AWS_DISTRO');
    expect(m).toContain('appWaitsFor: WaitCondition.STARTED');
    expect(m).not.toContain('undefined');
  });

  test.each<[string, any, string, string]>([
    ['OtelCollectorSidecar', { resources: { memoryLimitMebibytes: 100 } }, 'web/sc: resources.memoryLimitMebibytes 100 is below this sidecar\'s default memoryRequestMebibytes of 128, which was not set',
      'Set resources.memoryRequestMebibytes to at most 100'],
    ['VaultAgentSidecar', { resources: { memoryRequestMebibytes: 200 } }, 'web/sc: resources.memoryRequestMebibytes 200 is above this sidecar\'s default memoryLimitMebibytes of 128',
      'Set resources.memoryLimitMebibytes to at least 200'],
    ['Sidecar', { resources: { memoryLimitMebibytes: 32 } }, 'web/sc: resources.memoryLimitMebibytes 32 is below this sidecar\'s default memoryRequestMebibytes', 'Set resources.memoryRequestMebibytes'],
  ])('%s: a limit below a default request names the default and the prop to set', async (kind, props, part, fix) => {
    const m = await message(kind, props, 'k8s');
    expect(m).toContain(part);
    expect(m).toContain(fix);
  });

  test('an HTTP probe ECS cannot run is reported without suggesting a healthCommand prop the sidecar does not have', async () => {
    const o = await attempt(KINDS.FluentBitSidecar, KINDS.FluentBitSidecar.base, 'ecs');
    expect(o.kind).toBe('output');
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new FluentBitSidecar(f.stack, 'logs', KINDS.FluentBitSidecar.base));
    synthTemplate(f.stack);
    // Fluent Bit's probes are its own defaults: a note (the user has nothing to set), never a healthCommand it does not have.
    const w = [...warnings(f.stack), ...notes(f.stack)].filter(x => x.includes('is not rendered: ECS health checks'));
    expect(w.length).toBeGreaterThan(0);
    for (const x of w) { expect(x).not.toContain('healthCommand'); }
  });
});

describe('a secret mounted as files on ECS names the prop that asked for it, with a fix that fits it', () => {
  test('Envoy mtls', async () => {
    const m = await message('EnvoySidecar', { mtls: { secretName: 'mesh-tls' } }, 'ecs');
    expect(m).toContain('Shop/sc: mtls "mesh-tls" cannot be rendered on ECS Fargate: ECS cannot mount a secret as files');
    expect(m).toContain('Leave mtls out on ECS');
    expect(m).not.toContain('secretEnv');
  });
  test('Vault AppRole', async () => {
    const m = await message('VaultAgentSidecar', { auth: [VaultAuth.appRole({ secretName: 'vault-approle' })] }, 'ecs');
    expect(m).toContain('Shop/sc: auth[0] (VaultAuth.appRole()) "vault-approle" cannot be rendered on ECS Fargate');
    expect(m).toContain('VaultAuth.aws()');
    expect(m).not.toContain('secretEnv');
  });
});

test.each<[string, string, any, string, RegExp]>([
  ['an OTLP gRPC endpoint is host:port, not an http(s) URL', 'OtelCollectorSidecar', { otlpExporters: [{ endpoint: 'https://otlp.vendor.example:4317/v1/traces' }] },
    'web/sc: otlpExporters[0].endpoint "https://otlp.vendor.example:4317/v1/traces" is not a gRPC endpoint', /bundles\.example/],
  ['a Vault reload path is a URL path', 'VaultAgentSidecar',
    { secrets: [{ path: 'secret/data/x', file: 'x.json', reload: VaultReload.http({ port: 8080, path: 'reload' }) }] },
    'web/sc: secrets[0].reload.path "reload" is not a URL path', /absolute http/],
])('%s', async (_, kind, props, part, absent) => {
  const m = await message(kind, props, 'k8s');
  expect(m).toContain(part);
  expect(m).not.toMatch(absent);
});

/** A third-party sidecar that declares where its fields come from (FieldOrigin), as the built-in ones do. */
class Agent extends Construct implements ISidecar {
  constructor(scope: Construct, id: string, private readonly props: { listenPort: number; stopSeconds: number },
    private readonly origins: any = undefined) {
    super(scope, id);
  }
  public contribute(_context: CompositionContext): SidecarContribution {
    return {
      containers: [{
        name: 'agent',
        image: 'ghcr.io/acme/agent:1.0.0',
        role: StartupRole.SIDECAR,
        security: { uid: 4000 },
        ports: [{ port: this.props.listenPort }],
        shutdown: { gracePeriodSeconds: this.props.stopSeconds + 10 },
        origins: this.origins ?? [{ field: 'ports[0].port', prop: 'listenPort' }, { field: 'shutdown.gracePeriodSeconds', prop: 'stopSeconds', offset: 10 }],
      }],
    };
  }
}

describe('a custom sidecar\'s origins', () => {
  test('a port clash on Kubernetes names its prop', () => {
    const chart = newChart('web');
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new Agent(chart, 'agent', { listenPort: 8080, stopSeconds: 5 }));
    expectError(() => synth(chart), ErrorCode.PORT_CLASH, 'web/agent: listenPort: port 8080/TCP is already used by web/api');
  });
  test('a stop timeout on Fargate names its prop with the value written and the limit for it', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new Agent(f.stack, 'agent', { listenPort: 9000, stopSeconds: 115 }));
    expectError(() => synthTemplate(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'Shop/agent: stopSeconds 115 cannot be rendered on ECS Fargate: the container\'s stop timeout is stopSeconds + 10 = 125 seconds', 'Set stopSeconds to at most 110');
  });
  test('origins of the wrong shape are a catalogued error', () => {
    const chart = newChart('web');
    const attachment = WorkloadSidecars.of(rawDeployment(chart, 'api'));
    expectError(() => { attachment.add(new Agent(chart, 'agent', { listenPort: 9000, stopSeconds: 5 }, [{ field: 1 }])); synth(chart); },
      ErrorCode.INVALID_TYPE, 'web/agent: origins[0] {"field":1}');
  });
});

test('a generated config too large for a Kubernetes ConfigMap names the prop that made it large', async () => {
  const m = await message('OtelCollectorSidecar', { serviceName: 's'.repeat(1100000) }, 'k8s');
  expect(m).toMatch(/^web\/sc: serviceName "\d+ bytes" cannot be written to a Kubernetes ConfigMap/);
  expect(m).toContain('Shorten serviceName');
});
