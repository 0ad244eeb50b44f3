import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import {
  ACI_API_VERSION, ARM_NUMBER_PATCHES, aciYamlErrors, armTemplateErrors, isExpression,
  validateAciYaml, validateAciYamlFile, validateArmTemplate,
} from './azure';

const IDENTITY_ID = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web-id';
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The container group body, shared by both forms; `secret` and `location` differ. */
const group = (location: string, dbPassword: string, identityKey: string) => ({
  type: 'Microsoft.ContainerInstance/containerGroups',
  apiVersion: '2025-09-01',
  name: 'web',
  location,
  tags: { app: 'web' },
  identity: { type: 'UserAssigned', userAssignedIdentities: { [identityKey]: {} } },
  properties: {
    osType: 'Linux',
    restartPolicy: 'Always',
    sku: 'Standard',
    containers: [
      {
        name: 'app',
        properties: {
          image: 'myregistry.azurecr.io/app:1.4.2',
          command: ['/app/server', '--port', '8080'],
          ports: [{ port: 8080, protocol: 'TCP' }],
          environmentVariables: [
            { name: 'MODE', value: 'prod' },
            { name: 'DB_PASSWORD', secureValue: dbPassword },
          ],
          resources: { requests: { cpu: 1, memoryInGB: 1.5 }, limits: { cpu: 2, memoryInGB: 2 } },
          volumeMounts: [
            { name: 'scratch', mountPath: '/var/cache/app' },
            { name: 'tls', mountPath: '/etc/tls', readOnly: true },
          ],
          livenessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'http' }, initialDelaySeconds: 10, periodSeconds: 15, failureThreshold: 3 },
          readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 5, timeoutSeconds: 2 },
        },
      },
      {
        name: 'envoy',
        properties: {
          image: 'envoyproxy/envoy:v1.31.0',
          ports: [{ port: 9901 }],
          resources: { requests: { cpu: 0.5, memoryInGB: 0.5 }, limits: { cpu: 1, memoryInGB: 1 } },
          volumeMounts: [{ name: 'tls', mountPath: '/etc/envoy/tls', readOnly: true }],
        },
      },
    ],
    initContainers: [
      {
        name: 'init-scratch',
        properties: {
          image: 'busybox:1.36',
          command: ['sh', '-c', 'mkdir -p /var/cache/app/tmp && [ -d /var/cache/app/tmp ]'],
          volumeMounts: [{ name: 'scratch', mountPath: '/var/cache/app' }],
        },
      },
    ],
    volumes: [
      { name: 'scratch', emptyDir: {} },
      { name: 'tls', secret: { 'tls.crt': b64('-----BEGIN CERTIFICATE-----\n...'), 'tls.key': b64('-----BEGIN PRIVATE KEY-----\n...') } },
    ],
    ipAddress: { type: 'Public', dnsNameLabel: 'web-demo', ports: [{ port: 8080, protocol: 'TCP' }] },
  },
});

const armTemplate = () => ({
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  parameters: {
    location: { type: 'string', defaultValue: '[resourceGroup().location]' },
    dbPassword: { type: 'securestring', metadata: { description: 'Database password' } },
    identityId: { type: 'string' },
  },
  variables: { groupName: 'web' },
  resources: [group("[parameters('location')]", "[parameters('dbPassword')]", "[parameters('identityId')]")] as any[],
  outputs: { fqdn: { type: 'string', value: "[reference(resourceId('Microsoft.ContainerInstance/containerGroups', variables('groupName'))).ipAddress.fqdn]" } },
});

const aciYaml = () => group('westeurope', 'hunter2', IDENTITY_ID) as any;
const props = (t: { resources: any[] }) => t.resources[0].properties;

function expectArmRejected(template: any, ...expected: (string | RegExp)[]) {
  expect(() => validateArmTemplate(template)).toThrow(/problem\(s\) in ARM template/);
  const message = armTemplateErrors(template).join('\n');
  for (const e of expected) expect(message).toMatch(e);
  return message;
}

function expectYamlRejected(doc: any, ...expected: (string | RegExp)[]) {
  expect(() => validateAciYaml(doc)).toThrow(/problem\(s\) in ACI YAML/);
  const message = aciYamlErrors(doc).join('\n');
  for (const e of expected) expect(message).toMatch(e);
  return message;
}

describe('valid input passes', () => {
  test('a realistic ARM template', () => {
    expect(armTemplateErrors(armTemplate())).toEqual([]);
    validateArmTemplate(armTemplate());
    // Validators are cached (the azure.ts header has measured numbers): later calls read no
    // schema file again, so they compile nothing again.
    // The module itself (import * gives a namespace of getters that read through to it).
    const reads = jest.spyOn(jest.requireActual<typeof fs>('fs'), 'readFileSync');
    try {
      const t = armTemplate();
      for (let i = 0; i < 3; i++) expect(armTemplateErrors(t)).toEqual([]);
      expect(reads).not.toHaveBeenCalled();
    } finally { reads.mockRestore(); }
  });

  test('the same group as ACI YAML, as text and as an object', () => {
    expect(aciYamlErrors(aciYaml())).toEqual([]);
    const text = stringify(aciYaml());
    expect(text).toContain('secureValue: hunter2');
    expect(aciYamlErrors(text)).toEqual([]);
    validateAciYaml(text);
  });

  test('validateAciYamlFile reads a file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aci-'));
    const file = path.join(dir, 'group.yaml');
    fs.writeFileSync(file, stringify(aciYaml()));
    validateAciYamlFile(file);
    const bad = aciYaml();
    bad.properties.osType = 'Solaris';
    fs.writeFileSync(file, stringify(bad));
    expect(() => validateAciYamlFile(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 1 problem\\(s\\)`));
  });

  test('fractional cpu/memoryInGB pass the ARM schema (patched from integer)', () => {
    armTemplateErrors(armTemplate()); // loads the schemas
    expect([...ARM_NUMBER_PATCHES].sort()).toEqual(['ResourceLimits.cpu', 'ResourceLimits.memoryInGB', 'ResourceRequests.cpu', 'ResourceRequests.memoryInGB']);
  });

  test('expressions may stand in for any value in the template', () => {
    const t = armTemplate();
    Object.assign(t.parameters, { os: { type: 'string', allowedValues: ['Linux', 'Windows'] }, cpu: { type: 'int' }, ports: { type: 'array' } });
    const p = props(t);
    p.osType = "[parameters('os')]";
    p.containers[0].properties.resources.requests.cpu = "[parameters('cpu')]";
    p.containers[1].properties.ports = "[parameters('ports')]"; // container ports unknown: the ipAddress port check is skipped
    p.ipAddress.ports = [{ port: 9000 }];
    p.volumes[1].secret['tls.crt'] = "[base64(parameters('dbPassword'))]";
    t.resources[0].tags = '[resourceGroup().tags]';
    expect(armTemplateErrors(t)).toEqual([]);
  });

  test('isExpression: [[ is the escape for a literal', () => {
    expect(isExpression("[parameters('x')]")).toBe(true);
    expect(isExpression("[[parameters('x')]")).toBe(false);
    expect(isExpression('plain')).toBe(false);
    expect(ACI_API_VERSION).toBe('2025-09-01');
  });

  test('other resource types in the template are left alone', () => {
    const t = armTemplate();
    t.resources.push({ type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2023-01-31', name: 'web-id', location: "[parameters('location')]" });
    expect(armTemplateErrors(t)).toEqual([]);
  });
});

describe('schema violations are rejected', () => {
  test('unknown property in a container (imageName), in both forms and in both schemas', () => {
    const t = armTemplate();
    props(t).containers[0].properties.imageName = 'nginx';
    expectArmRejected(t, 'resources[0] Microsoft.ContainerInstance/containerGroups "web" at /properties/containers/0/properties/imageName: unknown field "imageName"', '[ARM template schema + REST spec]');
    const y = aciYaml();
    y.properties.containers[0].properties.imageName = 'nginx';
    expectYamlRejected(y, 'containerGroup "web" at /properties/containers/0/properties/imageName: unknown field "imageName"');
  });

  test('bad enums: osType, restartPolicy, protocol', () => {
    const t = armTemplate();
    props(t).osType = 'Solaris';
    props(t).restartPolicy = 'Sometimes';
    props(t).containers[0].properties.ports[0].protocol = 'ICMP';
    expectArmRejected(t,
      '/properties/osType: must be equal to one of the allowed values: "Windows", "Linux"',
      '/properties/restartPolicy: must be equal to one of the allowed values: "Always", "OnFailure", "Never"',
      '/properties/containers/0/properties/ports/0/protocol: must be equal to one of the allowed values: "TCP", "UDP"');
    const y = aciYaml();
    y.properties.osType = 'Solaris';
    y.properties.ipAddress.ports[0].protocol = 'ICMP';
    expectYamlRejected(y, '/properties/osType: must be equal to one of the allowed values', '/properties/ipAddress/ports/0/protocol: must be equal to one of the allowed values: "TCP", "UDP"');
  });

  test('more enums: sku, ipAddress type, probe scheme, identity type', () => {
    const y = aciYaml();
    y.properties.sku = 'Premium';
    y.properties.ipAddress.type = 'Internal';
    y.properties.containers[0].properties.livenessProbe.httpGet.scheme = 'HTTP';
    y.identity.type = 'Managed';
    expectYamlRejected(y, '/properties/sku: must be equal to one of the allowed values', '/properties/ipAddress/type: must be equal', '/httpGet/scheme: must be equal to one of the allowed values: "http", "https"', '/identity/type: must be equal');
  });

  test('missing resources.requests; requests without memoryInGB', () => {
    const t = armTemplate();
    delete props(t).containers[0].properties.resources.requests;
    delete props(t).containers[1].properties.resources.requests.memoryInGB;
    expectArmRejected(t,
      "/properties/containers/0/properties/resources: must have required property 'requests'",
      "/properties/containers/1/properties/resources/requests: must have required property 'memoryInGB'");
  });

  test('required fields the 2025-09-01 spec relaxed: osType, image, resources (without a containerGroupProfile)', () => {
    const y = aciYaml();
    delete y.properties.osType;
    delete y.properties.containers[0].properties.image;
    delete y.properties.containers[1].properties.resources;
    expectYamlRejected(y, '/properties: missing "osType"', '/properties/containers/0/properties: missing "image"', '/properties/containers/1/properties: missing "resources"');
  });

  test('missing location, name, apiVersion, containers', () => {
    const y = aciYaml();
    delete y.location;
    delete y.name;
    delete y.apiVersion;
    delete y.properties.containers;
    expectYamlRejected(y, "must have required property 'location'", "must have required property 'name'", "must have required property 'apiVersion'", "/properties: must have required property 'containers'");
  });

  test('read-only properties: instanceView, provisioningState, ipAddress.fqdn, identity.principalId', () => {
    const t = armTemplate();
    props(t).provisioningState = 'Succeeded';
    props(t).containers[0].properties.instanceView = { restartCount: 0 };
    const message = expectArmRejected(t, '/properties/provisioningState: read-only property', '/properties/containers/0/properties/instanceView: read-only property');
    expect(message).not.toMatch('unknown field "provisioningState"'); // the ARM schema's view of the same problem, folded in
    const y = aciYaml();
    y.properties.ipAddress.fqdn = 'web-demo.westeurope.azurecontainer.io';
    y.identity.principalId = '11111111-1111-1111-1111-111111111111';
    expectYamlRejected(y, '/properties/ipAddress/fqdn: read-only property', '/identity/principalId: read-only property');
  });

  test('init containers take no ports, probes or resources', () => {
    const y = aciYaml();
    Object.assign(y.properties.initContainers[0].properties, {
      ports: [{ port: 80 }],
      livenessProbe: { exec: { command: ['true'] } },
      resources: { requests: { cpu: 1, memoryInGB: 1 } },
    });
    expectYamlRejected(y,
      '/properties/initContainers/0/properties/ports: unknown field "ports"',
      '/properties/initContainers/0/properties/livenessProbe: unknown field',
      /initContainers\/0\/properties\/resources: unknown field "resources" .*init containers take no ports, probes or resources/);
  });

  test('no readOnlyRootFilesystem in securityContext; emptyDir has no medium', () => {
    const y = aciYaml();
    y.properties.containers[0].properties.securityContext = { runAsUser: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true };
    y.properties.volumes[0].emptyDir = { medium: 'Memory' };
    expectYamlRejected(y, 'securityContext/readOnlyRootFilesystem: unknown field', '/properties/volumes/0/emptyDir/medium: unknown field');
  });

  test('wrong types and formats: port as string, runAsUser beyond int32, cpu as string', () => {
    const y = aciYaml();
    y.properties.containers[0].properties.ports[0].port = '8080';
    y.properties.containers[0].properties.securityContext = { runAsUser: 2 ** 40 };
    y.properties.containers[1].properties.resources.requests.cpu = '500m';
    expectYamlRejected(y, '/ports/0/port: must be integer', '/securityContext/runAsUser: must match format "int32"', '/resources/requests/cpu: must be number');
  });

  test('a wrong apiVersion', () => {
    const t = armTemplate();
    t.resources[0].apiVersion = '2023-05-01';
    expectArmRejected(t, 'resources[0] Microsoft.ContainerInstance/containerGroups "web" at /apiVersion: "2023-05-01" is not supported');
    const y = aciYaml();
    y.apiVersion = '2024-10-01-preview';
    expectYamlRejected(y, '/apiVersion: "2024-10-01-preview" is not supported');
  });

  test('a wrong resource type in the YAML', () => {
    const y = aciYaml();
    y.type = 'Microsoft.ContainerInstance/containerGroupProfiles';
    expectYamlRejected(y, '/type: must be equal to one of the allowed values: "Microsoft.ContainerInstance/containerGroups"');
  });
});

describe('template-only rules are enforced', () => {
  test('a clear-text secureValue', () => {
    const t = armTemplate();
    props(t).containers[0].properties.environmentVariables[1].secureValue = 'hunter2';
    expectArmRejected(t, '/properties/containers/0/properties/environmentVariables/1/secureValue: clear-text secret in an ARM template');
    const escaped = armTemplate();
    props(escaped).containers[0].properties.environmentVariables[1].secureValue = '[[not an expression]';
    expectArmRejected(escaped, 'secureValue: clear-text secret');
  });

  test('a secureValue from a plain string parameter, or from a literal variable', () => {
    const t = armTemplate();
    props(t).containers[0].properties.environmentVariables[1].secureValue = "[parameters('identityId')]";
    expectArmRejected(t, 'secret taken from parameter "identityId" of type "string"');
    const v = armTemplate();
    (v.variables as any).pw = 'hunter2';
    props(v).containers[0].properties.environmentVariables[1].secureValue = "[variables('pw')]";
    expectArmRejected(v, 'secret taken from variable "pw", which holds a clear-text literal');
    const plain = armTemplate();
    props(plain).containers[0].properties.environmentVariables[0].value = "[concat('pw=', parameters('dbPassword'))]";
    expectArmRejected(plain, 'environmentVariables/0/value: secure parameter "dbPassword" in a plain value');
  });

  test('a parameter referenced but not declared; a variable likewise', () => {
    const t = armTemplate();
    props(t).containers[0].properties.image = "[concat(parameters('registry'), '/app:1.4.2')]";
    props(t).containers[1].properties.image = "[variables('envoyImage')]";
    expectArmRejected(t,
      'template at /resources/0/properties/containers/0/properties/image: parameter "registry" is referenced but not declared in "parameters"',
      'template at /resources/0/properties/containers/1/properties/image: variable "envoyImage" is referenced but not declared');
  });

  test('a literal that ARM would take for an expression must be escaped with [[', () => {
    const t = armTemplate();
    props(t).containers[0].properties.command = ['test', '[ -f /tmp/ready ]'];
    expectArmRejected(t, 'template at /resources/0/properties/containers/0/properties/command/1: "[ -f /tmp/ready ]" starts with \'[\' and ends with \']\', so ARM evaluates it', 'escape a literal as "[[ -f /tmp/ready ]"');
    props(t).containers[0].properties.command = ['test', '[[ -f /tmp/ready ]'];
    expect(armTemplateErrors(t)).toEqual([]);
  });

  test('envelope: $schema, contentVersion, parameter types, resources', () => {
    const t = armTemplate() as any;
    t.$schema = 'https://example.com/template.json';
    t.contentVersion = '1.0';
    t.parameters.dbPassword.type = 'password';
    t.parameters.location.defaultValue = 42;
    t.parametrs = {};
    expectArmRejected(t,
      'template at /$schema: must be',
      'template at /contentVersion: must be a version',
      'template at /parameters/dbPassword/type: must be one of "string", "securestring", "int", "bool", "object", "secureObject", "array"',
      'template at /parameters/location/defaultValue: does not match type "string"',
      'template at /parametrs: unknown template field');
    expect(armTemplateErrors({ ...armTemplate(), resources: {} })).toEqual([expect.stringContaining('/resources: must be an array')]);
  });

  test('a securestring parameter with a literal default', () => {
    const t = armTemplate() as any;
    t.parameters.dbPassword.defaultValue = 'hunter2';
    expectArmRejected(t, '/parameters/dbPassword/defaultValue: a securestring parameter must not have a literal default');
  });

  test('ARM resource keywords are allowed, unknown ones are not', () => {
    const t = armTemplate();
    Object.assign(t.resources[0], { dependsOn: ['[resourceId(\'Microsoft.ManagedIdentity/userAssignedIdentities\', \'web-id\')]'], condition: true, comments: 'web' });
    expect(armTemplateErrors(t)).toEqual([]);
    t.resources[0].sku = 'Standard';
    expectArmRejected(t, '/sku: unknown field "sku"');
  });
});

describe('YAML-only rules are enforced', () => {
  test('an ARM expression inside the YAML', () => {
    const y = aciYaml();
    y.location = '[resourceGroup().location]';
    y.properties.containers[0].properties.environmentVariables[1].secureValue = "[parameters('dbPassword')]";
    expectYamlRejected(y,
      '/location: ARM template expression "[resourceGroup().location]" in ACI YAML',
      '/properties/containers/0/properties/environmentVariables/1/secureValue: ARM template expression');
  });

  test('a literal secureValue is fine in the YAML; a shell test [ ... ] is not an expression', () => {
    expect(aciYamlErrors(aciYaml())).toEqual([]); // secureValue 'hunter2', init command with [ -d ... ]
  });

  test('YAML syntax errors and several documents', () => {
    expect(aciYamlErrors('name: [unclosed')[0]).toMatch(/^YAML error:/);
    expect(aciYamlErrors(`${stringify(aciYaml())}---\n${stringify(aciYaml())}`)).toEqual([expect.stringContaining('expected exactly one document, found 2')]);
  });

  test('user-assigned identity keys must be resource ids', () => {
    const y = aciYaml();
    y.identity.userAssignedIdentities = { 'web-id': {} };
    expectYamlRejected(y, '/identity/userAssignedIdentities/web-id: key must be a resource id');
  });
});

describe('semantic rules are enforced (both forms)', () => {
  test.each([
    ['ARM template', () => ({ doc: armTemplate(), p: (d: any) => props(d), errors: armTemplateErrors, validate: validateArmTemplate })],
    ['ACI YAML', () => ({ doc: aciYaml(), p: (d: any) => d.properties, errors: aciYamlErrors, validate: validateAciYaml })],
  ])('%s', (_form, make) => {
    const check = (mutate: (p: any) => void, ...expected: (string | RegExp)[]) => {
      const { doc, p, errors, validate } = make();
      mutate(p(doc));
      expect(() => validate(doc)).toThrow();
      const message = errors(doc).join('\n');
      for (const e of expected) expect(message).toMatch(e);
    };
    // a volumeMount of an undeclared volume
    check(p => { p.containers[1].properties.volumeMounts[0].name = 'certs'; },
      '/properties/containers/1/properties/volumeMounts/0/name: volume "certs" is not declared in properties.volumes (declared: scratch, tls)');
    check(p => { p.initContainers[0].properties.volumeMounts[0].name = 'cache'; }, '/properties/initContainers/0/properties/volumeMounts/0/name: volume "cache" is not declared');
    // an ipAddress port that no container exposes
    check(p => { p.ipAddress.ports.push({ port: 443, protocol: 'TCP' }); },
      '/properties/ipAddress/ports/1: port 443/TCP is not exposed by any container (container ports: 8080/TCP, 9901/TCP)');
    check(p => { p.ipAddress.ports[0].protocol = 'UDP'; }, 'port 8080/UDP is not exposed by any container');
    // duplicate container names, across containers and init containers
    check(p => { p.containers[1].name = 'app'; }, '/properties/containers/1/name: duplicate container name "app" (also at /properties/containers/0');
    check(p => { p.initContainers[0].name = 'envoy'; }, '/properties/initContainers/0/name: duplicate container name "envoy"');
    check(p => { p.containers[0].name = 'App_1'; }, 'container name "App_1" must be 1-63 lowercase letters');
    // invalid base64 in a secret volume
    check(p => { p.volumes[1].secret['tls.key'] = 'not base64!'; }, '/properties/volumes/1/secret/tls.key: secret volume values must be base64-encoded');
    // environment variables: exactly one of value / secureValue / secureValueReference
    check(p => { p.containers[0].properties.environmentVariables[0].secureValue = p.containers[0].properties.environmentVariables[1].secureValue; },
      'environment variable "MODE" needs exactly one of value, secureValue, secureValueReference (found value, secureValue)');
    check(p => { delete p.containers[0].properties.environmentVariables[0].value; }, 'environment variable "MODE" needs exactly one of value, secureValue, secureValueReference (found none)');
    check(p => { p.containers[0].properties.environmentVariables[0] = { name: 'TOKEN', secureValueReference: 'token' }; },
      'secureValueReference: secret reference "token" is not declared in properties.secretReferences');
    // volumes: exactly one kind
    check(p => { p.volumes[0].gitRepo = { repository: 'https://github.com/example/repo' }; }, '/properties/volumes/0: a volume needs exactly one of azureFile, emptyDir, secret, secretReference, gitRepo (found emptyDir, gitRepo)');
    check(p => { delete p.volumes[0].emptyDir; }, '(found none)');
    check(p => { p.volumes.push({ name: 'tls', emptyDir: {} }); }, '/properties/volumes/2/name: duplicate volume name "tls"');
    // the Confidential SKU: a CCE policy, and no security context field but privileged
    check(p => { p.sku = 'Confidential'; },
      '/properties/confidentialComputeProperties/ccePolicy: a Confidential group needs a CCE policy (ARM: InvalidCcePolicy');
    check(p => { p.sku = 'Confidential'; p.confidentialComputeProperties = { ccePolicy: '' }; }, 'a Confidential group needs a CCE policy');
    check(p => {
      p.sku = 'Confidential';
      p.confidentialComputeProperties = { ccePolicy: b64('package policy\n') };
      p.containers[0].properties.securityContext = { privileged: false, runAsUser: 1000, capabilities: { drop: ['ALL'] } };
    }, '/properties/containers/0/properties/securityContext: runAsUser, capabilities: ARM accepts only "privileged" on the Confidential SKU (SecurityContextNotSupported');
  });

  test('a Confidential group with a CCE policy and privileged: false passes', () => {
    const y = aciYaml();
    y.properties.sku = 'Confidential';
    y.properties.confidentialComputeProperties = { ccePolicy: b64('package policy\n') };
    y.properties.containers[0].properties.securityContext = { privileged: false };
    y.properties.initContainers[0].properties.securityContext = { privileged: false };
    expect(aciYamlErrors(y)).toEqual([]);
  });
});

describe('identity consistency', () => {
  test('UserAssigned needs identities; SystemAssigned takes none', () => {
    const y = aciYaml();
    y.identity.userAssignedIdentities = {};
    expectYamlRejected(y, '/identity: type "UserAssigned" needs at least one entry in userAssignedIdentities');
    const s = aciYaml();
    s.identity.type = 'SystemAssigned';
    expectYamlRejected(s, '/identity/userAssignedIdentities: only allowed when type includes "UserAssigned"');
  });
});
