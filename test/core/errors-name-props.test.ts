/**
 * Errors name the prop the user wrote and the value written (issue 10, section 3), not the
 * field of the library's internal model it became (`ports[0].port`, `volumeMounts[0].path`,
 * `shutdown.gracePeriodSeconds` with a computed value, `appRequests.env[0].name`, ...).
 * The mechanism: ContainerSpec.origins and SidecarContribution.origins (core/container.ts).
 */
import { KINDS, Platform, attempt, describeError } from '../bad-input/harness';

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
    ['configFiles[].content', { configFiles: [{ path: '/etc/a/a.conf', content: 5 }] }, 'k8s', 'web/sc: configFiles[0].content 5 is not a string'],
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
  ])('%s', async (kind, props, part) => {
    const m = await message(kind, props, 'ecs');
    expect(m).toContain(part);
    expect(m).toContain('or shorten');
  });
});
