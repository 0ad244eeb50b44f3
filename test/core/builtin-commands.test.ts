/**
 * Every command the built-in sidecars write into their default images uses only binaries the
 * image facts table confirms (strict: nothing unconfirmed passes). The runtime contract checks
 * every pod leniently (a user image with a shell may ship more than was confirmed); this test
 * holds the library's own commands to the strict rule.
 */
import { Chart, Testing } from 'cdk8s';
import {
  CompositionContext, DaprSidecar, EnvoySidecar, FluentBitOutput, FluentBitSidecar, ISidecar, OpaSidecar, OtelCollectorDistribution,
  OtelCollectorSidecar, Protocol, VaultAgentSidecar, VaultAuth, VaultReload, WorkloadIdentity, XRayDaemonSidecar,
} from '../../src';
import { checkCommandsInImage, libraryCommands } from '../../src/core/contract';
import { imageFacts } from '../../src/core/image-facts';
import { resolveContribution } from '../../src/core/resolve';

const chart = new Chart(Testing.app(), 'shop');
const context: CompositionContext = {
  targetPath: 'shop/api',
  appContainers: [{ name: 'api', ports: [{ port: 8080, protocol: Protocol.TCP }] }],
  identity: WorkloadIdentity.KUBERNETES_SERVICE_ACCOUNT,
  fileGroups: true,
};
const sidecars: Array<[string, ISidecar]> = [
  ['Envoy, transparent', new EnvoySidecar(chart, 'envoy', {})],
  ['Envoy, explicit', new EnvoySidecar(chart, 'envoy-explicit', { redirect: false })],
  ['Vault agent with an HTTP reload', new VaultAgentSidecar(chart, 'vault', {
    address: 'https://vault.acme.internal:8200',
    auth: [VaultAuth.kubernetes({ role: 'shop' })],
    secrets: [{ path: 'database/creds/shop', file: 'db.json', reload: VaultReload.http({ port: 8080, path: '/-/reload' }) }],
  })],
  ['Fluent Bit', new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.loki({ host: 'loki.acme.internal' })] })],
  ['OPA with the Envoy plugin', new OpaSidecar(chart, 'opa', { envoyPlugin: true, policies: { 'authz.rego': 'package x\n' } })],
  ['OPA', new OpaSidecar(chart, 'opa-plain', { policies: { 'authz.rego': 'package x\n' } })],
  ['OTel Collector (contrib)', new OtelCollectorSidecar(chart, 'otel', { serviceName: 'shop', otlpExporters: [{ endpoint: 'gw.acme.internal:4317' }] })],
  ['OTel Collector (ADOT)', new OtelCollectorSidecar(chart, 'adot', { distribution: OtelCollectorDistribution.AWS_DISTRO, serviceName: 'shop', otlpExporters: [{ endpoint: 'gw.acme.internal:4317' }] })],
  ['Dapr', new DaprSidecar(chart, 'dapr', { appId: 'shop', appPort: 8080 })],
  ['X-Ray daemon', new XRayDaemonSidecar(chart, 'xray', { region: 'eu-west-1' })],
];

describe.each(sidecars)('%s', (_name, sidecar) => {
  const resolved = resolveContribution(sidecar.node.path, sidecar.contribute(context));
  test.each(resolved.containers.map(c => [c.name, c] as const))('container %s: its image is in the table and every command passes strictly', (_n, c) => {
    expect(imageFacts(c.image)).toBeDefined();
    expect(() => checkCommandsInImage(c.owner.path, c.name, c.image, libraryCommands(c), true)).not.toThrow();
  });
});

test('the Vault reload the agent runs after each render passes strictly in the Vault image', () => {
  const command = VaultReload.http({ port: 8080, path: '/-/reload' })._command();
  expect(() => checkCommandsInImage('shop/vault', 'vault-agent', 'hashicorp/vault:2.1.0', [{ field: 'reload', argv: command }], true)).not.toThrow();
});

test('strict and lenient differ only for what the table cannot confirm', () => {
  const tail = [{ field: 'command', argv: ['sh', '-c', 'tail -F /var/log/app.log'] }];
  // busybox ships tail, but the table confirms only the applets the library uses: lenient passes it, strict does not.
  expect(() => checkCommandsInImage('x', 'c', 'busybox:1.37', tail)).not.toThrow();
  expect(() => checkCommandsInImage('x', 'c', 'busybox:1.37', tail, true)).toThrow(/ships no "tail"/);
  // What the base is known to lack fails either way; so does anything in an image without a shell.
  const curl = [{ field: 'command', argv: ['sh', '-c', 'curl -sf http://127.0.0.1/'] }];
  expect(() => checkCommandsInImage('x', 'c', 'busybox:1.37', curl)).toThrow(/ships no "curl"/);
  expect(() => checkCommandsInImage('x', 'c', 'daprio/daprd:1.18.7', [{ field: 'command', argv: ['/bin/sh'] }])).toThrow(/ships no "\/bin\/sh"/);
});
