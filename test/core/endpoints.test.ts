import { Protocol, StartupRole } from '../../src/core/container';
import { endpointOf } from '../../src/core/endpoints';
import { ErrorCode, SidecarError } from '../../src/core/errors';
import { resolveContribution } from '../../src/core/resolve';

describe('endpointOf: the destination of a configured address', () => {
  test.each([
    ['https://vault.vault.svc:8200', undefined, { host: 'vault.vault.svc', port: 8200 }],
    ['https://vault.example.com', undefined, { host: 'vault.example.com', port: 443 }],
    ['http://zipkin.obs:9411/api/v2/spans', undefined, { host: 'zipkin.obs', port: 9411 }],
    ['otel-gateway.observability.svc:4317', undefined, { host: 'otel-gateway.observability.svc', port: 4317 }],
    ['10.0.0.4:4317', undefined, { host: '10.0.0.4', port: 4317 }],
    ['[2001:db8::1]:8200', undefined, { host: '2001:db8::1', port: 8200 }],
    ['fluentd.logging.svc', 24224, { host: 'fluentd.logging.svc', port: 24224 }],
  ])('%s', (address, defaultPort, want) => {
    expect(endpointOf(address, 'address', defaultPort)).toEqual({ ...want, protocol: Protocol.TCP, prop: 'address' });
  });

  test.each([['fluentd.logging.svc'], ['unix:///var/run/x.sock'], [''], ['${Token[TOKEN.12]}'], [undefined]])('%s names no destination', address => {
    expect(endpointOf(address, 'address')).toBeUndefined();
  });
});

describe('PodRequirements.egress is checked', () => {
  const contribution = (egress: any) => ({ containers: [{ name: 'agent', image: 'ghcr.io/acme/agent:1.0.0', role: StartupRole.SIDECAR }], pod: { egress } });
  test.each([
    [[{ host: '', port: 80, prop: 'a' }], ErrorCode.INVALID_TYPE, 'web/agent: pod.egress[0].host ""'],
    [[{ host: 'x', port: 0, prop: 'a' }], ErrorCode.INVALID_NUMBER, 'web/agent: pod.egress[0].port 0'],
    [[{ host: 'x', port: 80, protocol: 'ICMP', prop: 'a' }], ErrorCode.INVALID_TYPE, 'web/agent: pod.egress[0].protocol "ICMP"'],
    ['x', ErrorCode.INVALID_TYPE, 'web/agent: pod.egress'],
  ])('%j', (egress, code, message) => {
    let e: unknown;
    try { resolveContribution('web/agent', contribution(egress) as any); } catch (x) { e = x; }
    expect(e).toBeInstanceOf(SidecarError);
    expect((e as SidecarError).code).toBe(code);
    expect((e as SidecarError).message).toContain(message);
  });

  test('resolved with TCP by default', () => {
    expect(resolveContribution('web/agent2', contribution([{ host: 'x', port: 80, prop: 'address' }]) as any).egress)
      .toEqual([{ host: 'x', port: 80, protocol: Protocol.TCP, prop: 'address' }]);
  });
});
