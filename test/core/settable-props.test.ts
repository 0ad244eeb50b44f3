/**
 * A warning suggests a prop only when the sidecar lists it in settableProps: every listed
 * prop must exist on the named props interface of the compiled assembly (.jsii), so that no
 * warning sends a user to a prop that does not exist.
 */
import { Construct } from 'constructs';
import { DaprSidecar, EnvoySidecar, FluentBitOutput, FluentBitSidecar, OpaSidecar, OtelCollectorSidecar, Sidecar, VaultAgentSidecar, VaultAuth, XRayDaemonSidecar } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { resolveContribution, settableProp } from '../../src/core/resolve';
import { expectError } from '../errors';
import { jsiiProps, missingProps, readAssembly } from '../jsii-props';

const sidecars = (scope: Construct) => [
  new Sidecar(scope, 'generic', { image: 'ghcr.io/acme/agent:1.0.0' }),
  new DaprSidecar(scope, 'dapr', { appId: 'orders' }),
  new OtelCollectorSidecar(scope, 'otel', { debugExporter: {} }),
  new OpaSidecar(scope, 'opa', {}),
  new EnvoySidecar(scope, 'envoy', {}),
  new FluentBitSidecar(scope, 'logs', { outputs: [FluentBitOutput.stdout()] }),
  new VaultAgentSidecar(scope, 'vault', { address: 'https://vault:8200', auth: [VaultAuth.appRole({ secretName: 'approle' })], secrets: [{ path: 'secret/data/db', file: 'db.json' }] }),
  new XRayDaemonSidecar(scope, 'xray', { region: 'eu-west-1' }),
];

describe('settableProps name props that exist', () => {
  const assembly = readAssembly();

  test('every prop a sidecar lists exists on its props interface', () => {
    const scope = new Construct(undefined as any, 'root');
    for (const s of sidecars(scope)) {
      const resolved = resolveContribution(s.node.path, s.contribute({ targetPath: 'app', appContainers: [] }));
      for (const qualified of resolved.settableProps) {
        const [type, prop] = qualified.split('.');
        expect({ qualified, exists: (jsiiProps(assembly, type) ?? []).includes(prop) }).toEqual({ qualified, exists: true });
      }
    }
  });

  test('only the sidecars with appWaitsFor and healthCommand props offer them', () => {
    const scope = new Construct(undefined as any, 'root');
    const offered = Object.fromEntries(sidecars(scope).map(s => {
      const resolved = resolveContribution(s.node.path, s.contribute({ targetPath: 'app', appContainers: [] }));
      return [s.constructor.name, [settableProp(resolved, 'appWaitsFor'), settableProp(resolved, 'healthCommand')]];
    }));
    expect(offered).toEqual({
      Sidecar: ['SidecarProps.appWaitsFor', 'SidecarProps.healthCommand'],
      DaprSidecar: ['DaprSidecarProps.appWaitsFor', 'DaprSidecarProps.healthCommand'],
      OtelCollectorSidecar: ['OtelCollectorSidecarProps.appWaitsFor', 'OtelCollectorSidecarProps.healthCommand'],
      OpaSidecar: ['OpaSidecarProps.appWaitsFor', undefined],
      EnvoySidecar: [undefined, 'EnvoySidecarProps.healthCommand'],
      FluentBitSidecar: [undefined, undefined],
      VaultAgentSidecar: [undefined, undefined],
      XRayDaemonSidecar: [undefined, undefined],
    });
    for (const [cls, props] of Object.entries(offered)) {
      for (const p of props.filter((x): x is string => x !== undefined)) { expect(missingProps(assembly, p)).toEqual([]); void cls; }
    }
  });

  test('missingProps finds a prop that does not exist', () => {
    expect(missingProps(assembly, 'set FluentBitSidecarProps.healthCommand to have one')).toEqual(['FluentBitSidecarProps.healthCommand']);
    expect(missingProps(assembly, 'set DaprSidecarProps.appWaitsFor to WaitCondition.STARTED')).toEqual([]);
  });
});

test('a custom sidecar\'s settableProps and userWritten of the wrong type are catalogued errors', () => {
  const base: any = { containers: [{ name: 'agent', image: 'ghcr.io/acme/agent:1.0.0', role: 'SIDECAR' }] };
  expectError(() => resolveContribution('app/agent', { ...base, settableProps: 'SidecarProps.appWaitsFor' as any }), ErrorCode.INVALID_TYPE, 'app/agent', 'settableProps');
  expectError(() => resolveContribution('app/agent', { ...base, settableProps: [undefined as any] }), ErrorCode.INVALID_TYPE, 'app/agent', 'settableProps[0]');
  expectError(() => resolveContribution('app/agent', { ...base, userWritten: 'yes' as any }), ErrorCode.INVALID_TYPE, 'app/agent', 'userWritten');
});
