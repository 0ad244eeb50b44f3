/**
 * ACI container group props of the wrong type or value are refused at construction with a
 * catalogued error naming the group path, the prop and the value.
 */
import { Probe, Sidecar, StartupRole } from '../../src';
import { AciApp, AciContainerGroup, AciContainerGroupProps, AciContainerProps, AciOsType } from '../../src/aci';
import { ErrorCode } from '../../src/core/errors';
import { expectError } from '../errors';
import { synthGroup } from './util';

const api = (): AciContainerProps => ({ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] });

function group(props: any): () => unknown {
  return () => {
    const g = new AciContainerGroup(new AciApp(), 'shop', { containers: [api()], ...props });
    return synthGroup(g);
  };
}

function container(c: any): () => unknown {
  return group({ containers: [{ ...api(), ...c }] });
}

describe('ACI app containers are validated', () => {
  test.each<[string, any, ErrorCode, string]>([
    ['an empty image', { image: '' }, ErrorCode.INVALID_IMAGE, 'shop: containers[0].image ""'],
    ['an upper-case image', { image: 'ghcr.io/Acme/API:1' }, ErrorCode.INVALID_IMAGE, 'shop: containers[0].image "ghcr.io/Acme/API:1"'],
    ['an image that is a number', { image: 0 }, ErrorCode.INVALID_IMAGE, 'shop: containers[0].image 0'],
    ['an env name with a space', { environment: { 'MY VAR': 'x' } }, ErrorCode.INVALID_ENV, 'shop: containers[0].environment["MY VAR"]'],
    ['an env name starting with a digit', { environment: { '1X': 'x' } }, ErrorCode.INVALID_ENV, 'shop: containers[0].environment["1X"]'],
    ['an env value that is a number', { environment: { PORT: 8080 } }, ErrorCode.INVALID_ENV, 'shop: containers[0].environment["PORT"] 8080'],
    ['an env name both plain and secure', { environment: { DB: 'x' }, secureEnvironment: { DB: { secretName: 'db', key: 'url' } } }, ErrorCode.DUPLICATE_ENV, 'shop: containers[0].secureEnvironment'],
    ['a secure env without a key', { secureEnvironment: { DB: { secretName: 'db' } } }, ErrorCode.INVALID_ENV, 'shop: containers[0].secureEnvironment["DB"].key undefined'],
    ['environment a list', { environment: ['A=1'] }, ErrorCode.INVALID_TYPE, 'shop: containers[0].environment ["A=1"]'],
    ['a probe on port 0', { livenessProbe: Probe.httpGet({ port: 0 }) }, ErrorCode.INVALID_PORT, 'shop: containers[0].livenessProbe.port 0'],
    ['a probe with a NaN period', { readinessProbe: Probe.httpGet({ port: 8080, periodSeconds: NaN }) }, ErrorCode.INVALID_NUMBER, 'shop: containers[0].readinessProbe.periodSeconds NaN'],
    ['a probe that is not a Probe', { readinessProbe: { kind: 'HTTP_GET', port: 8080 } }, ErrorCode.INVALID_PROBE, 'shop: containers[0].readinessProbe'],
    ['a probe path without /', { readinessProbe: Probe.httpGet({ port: 8080, path: 'ready' }) }, ErrorCode.INVALID_PROBE, 'shop: containers[0].readinessProbe.path "ready"'],
    ['cpu null', { cpu: null }, ErrorCode.INVALID_RESOURCES, 'shop: containers[0].cpu null'],
    ['cpu NaN', { cpu: NaN }, ErrorCode.INVALID_RESOURCES, 'shop: containers[0].cpu NaN'],
    ['cpu Infinity', { cpu: Infinity }, ErrorCode.INVALID_RESOURCES, 'shop: containers[0].cpu Infinity'],
    ['memoryInGB a string', { memoryInGB: '2' }, ErrorCode.INVALID_RESOURCES, 'shop: containers[0].memoryInGB "2"'],
    ['a port protocol not a member', { ports: [{ port: 8080, protocol: 'SCTP' }] }, ErrorCode.INVALID_TYPE, 'shop: containers[0].ports[0].protocol "SCTP"'],
    ['expose not a boolean', { ports: [{ port: 8080, expose: 'false' }] }, ErrorCode.INVALID_TYPE, 'shop: containers[0].ports[0].expose "false"'],
    ['ports not a list', { ports: 8080 }, ErrorCode.INVALID_TYPE, 'shop: containers[0].ports 8080'],
    ['a command that is a string', { command: '/app' }, ErrorCode.INVALID_COMMAND, 'shop: containers[0].command "/app"'],
    ['readOnly not a boolean', { volumeMounts: [{ volume: 'data', path: '/data', readOnly: 'yes' }] }, ErrorCode.INVALID_TYPE, 'shop: containers[0].volumeMounts[0].readOnly "yes"'],
  ])('%s', (_, c, code, part) => {
    const props = c.volumeMounts ? { containers: [{ ...api(), ...c }], volumes: [{ name: 'data' }] } : undefined;
    expectError(props ? group(props) : container(c), code, part);
  });

  test('two app containers on one port', () => {
    expectError(group({ containers: [api(), { ...api(), name: 'web' }] }), ErrorCode.PORT_CLASH,
      'shop: containers[1].ports[0].port: port 8080/TCP is already used by shop (containers[0].ports[0].port)');
  });

  test('the same port on TCP and UDP is fine', () => {
    expect(group({ containers: [api(), { name: 'dns', image: 'ghcr.io/acme/dns:1', ports: [{ port: 8080, protocol: 'UDP' }] }] })).not.toThrow();
  });

  test('containers not a list', () => {
    expectError(group({ containers: { name: 'api' } }), ErrorCode.INVALID_TYPE, 'shop: containers {"name":"api"}');
  });
});

describe('ACI group props are validated', () => {
  test.each<[string, any, ErrorCode, string]>([
    ['osType not a member', { osType: 'Mac' }, ErrorCode.INVALID_TYPE, 'shop: osType "Mac"'],
    ['restartPolicy not a member', { restartPolicy: 'Sometimes' }, ErrorCode.INVALID_TYPE, 'shop: restartPolicy "Sometimes"'],
    ['restartPolicy in the wrong case', { restartPolicy: 'always' }, ErrorCode.INVALID_TYPE, 'shop: restartPolicy "always"'],
    ['sku not a member', { sku: 'Premium' }, ErrorCode.INVALID_TYPE, 'shop: sku "Premium"'],
    ['memoryVolumes not a member', { memoryVolumes: 'TMPFS' }, ErrorCode.INVALID_TYPE, 'shop: memoryVolumes "TMPFS"'],
    ['a tag name with /', { tags: { 'team/owner': 'x' } }, ErrorCode.INVALID_TAG, 'shop: tags["team/owner"]'],
    ['a tag name with %', { tags: { '100%': 'x' } }, ErrorCode.INVALID_TAG, 'shop: tags["100%"]'],
    ['a tag value that is a number', { tags: { team: 1 } }, ErrorCode.INVALID_TAG, 'shop: tags["team"] 1'],
    ['a tag value over 256 characters', { tags: { team: 'x'.repeat(257) } }, ErrorCode.INVALID_TAG, 'shop: tags["team"]'],
    ['tags a list', { tags: ['a'] }, ErrorCode.INVALID_TYPE, 'shop: tags ["a"]'],
    ['systemAssigned not a boolean', { identity: { systemAssigned: 'true' } }, ErrorCode.INVALID_TYPE, 'shop: identity.systemAssigned "true"'],
    ['volumes not a list', { volumes: 'data' }, ErrorCode.INVALID_TYPE, 'shop: volumes "data"'],
  ])('%s', (_, props, code, part) => {
    expectError(group(props), code, part);
  });

  test('sidecars on a Windows group', () => {
    const g = new AciContainerGroup(new AciApp(), 'shop', { containers: [api()], osType: AciOsType.WINDOWS });
    g.addSidecars(new Sidecar(g, 'agent', { image: 'ghcr.io/acme/agent:1.0.0' }));
    expectError(() => g.toArmTemplate(), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'shop: osType "Windows" cannot be rendered on Azure Container Instances', 'Linux');
  });

  // ACI applies no container security context (the Standard SKU none of it; the Confidential SKU only
  // "privileged": MicrosoftDocs/azure-docs#123837) and has no privileged containers
  // (MicrosoftDocs/azure-docs#59569): a capability beyond the runtime's defaults is never granted.
  test.each<[string, StartupRole]>([['a sidecar', StartupRole.SIDECAR], ['an init step', StartupRole.INIT_STEP]])(
    'a capability beyond the runtime\'s defaults on %s is refused, one of the defaults is not', (_, role) => {
      const withCaps = (caps: string[]) => {
        const g = new AciContainerGroup(new AciApp(), 'shop', { containers: [api()] });
        g.addSidecars(new Sidecar(g, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', role, command: ['/agent'], security: { uid: 0, allowRootUser: true, addCapabilities: caps } }));
        return () => synthGroup(g);
      };
      expectError(withCaps(['KILL', 'NET_ADMIN']), ErrorCode.UNSUPPORTED_ON_PLATFORM,
        'shop/agent: security.addCapabilities[1] "NET_ADMIN" cannot be rendered on Azure Container Instances', 'not granted');
      expect(withCaps(['KILL'])).not.toThrow();
    });

  test('a Windows group without sidecars is fine', () => {
    const g = new AciContainerGroup(new AciApp(), 'shop', { containers: [api()], osType: AciOsType.WINDOWS } as AciContainerGroupProps);
    expect(() => g.toArmTemplate()).not.toThrow();
  });
});

describe('ACI secure parameters', () => {
  const withSecrets = (a: [string, string], b: [string, string]) => group({
    containers: [{ ...api(), secureEnvironment: { A: { secretName: a[0], key: a[1] }, B: { secretName: b[0], key: b[1] } } }],
  });

  test.each<[string, [string, string], [string, string], string]>([
    ['db-url/x and db/url-x', ['db-url', 'x'], ['db', 'url-x'], 'ARM parameter "dbUrlX"'],
    ['db/URL and db/url', ['db', 'URL'], ['db', 'url'], 'YAML placeholder "${DB_URL}"'],
  ])('%s give one name: refused', (_, a, b, derived) => {
    expectError(withSecrets(a, b), ErrorCode.DERIVED_NAME_CLASH, 'shop: secretName/key', derived);
  });

  test('one secret key used twice is one parameter', () => {
    const { arm } = withSecrets(['db', 'url'], ['db', 'url'])() as any;
    expect(Object.keys(arm.parameters)).toEqual(['location', 'dbUrl']);
  });
});
