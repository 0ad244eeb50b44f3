import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { appGroup, appProps, synthGroup } from './util';
import { EnvoySidecar, OpaSidecar, PortExposure, Probe, Protocol, Sidecar, StartupRole, VolumeKind, WaitCondition } from '../../src';
import { AciApp, AciCcePolicy, AciContainerGroup, AciContainerGroupProps, AciMemoryVolumeHandling, AciSku } from '../../src/aci';
import { DaprSidecar } from '../../src/sidecars/dapr';
import { aciYamlErrors, armTemplateErrors, validateAciYaml, validateArmTemplate } from '../validate/azure';

const byName = (list: any[], name: string) => list.find(x => x.name === name);

describe('generic sidecars on an ACI container group', () => {
  const app = new AciApp();
  const group = appGroup(app);
  group.addSidecars(
    new Sidecar(app, 'log-shipper', {
      image: 'fluent/fluent-bit:4.0.3',
      ports: [{ port: 2020, exposure: PortExposure.EXPOSED }, { port: 2021 }],
      readinessProbe: Probe.httpGet({ port: 2020, path: '/api/v1/health', periodSeconds: 10 }),
      livenessProbe: Probe.exec({ command: ['/fluent-bit/bin/fluent-bit', '--version'] }),
      configFiles: [{ path: '/fluent-bit/etc/fluent-bit.yaml', content: 'service:\n  flush: 1\n' }],
      volumes: [{ name: 'app-logs', mountPath: '/var/log/app', readOnly: true, appMountPath: '/var/log/app' }],
      appEnv: { LOG_DIR: '/var/log/app' },
      resources: { cpuRequestMillicores: 250, memoryRequestMebibytes: 300, memoryLimitMebibytes: 512 },
    }),
    new Sidecar(app, 'statsd', {
      image: 'prom/statsd-exporter:v0.28.0',
      ports: [{ port: 9102, exposure: PortExposure.EXPOSED }],
      startupProbe: Probe.httpGet({ port: 9102, path: '/' }),
    }),
    new Sidecar(app, 'migrate', {
      image: 'ghcr.io/acme/migrate:4.2.0',
      role: StartupRole.INIT_STEP,
      command: ['/migrate'],
      args: ['up'],
      secretEnv: { DATABASE_URL: { secretName: 'db', key: 'url' } },
    }),
  );
  const { arm, resource, yaml, text } = synthGroup(group);
  const props = resource.properties;

  test('the ARM resource: newest stable API, location parameter, defaults', () => {
    expect(resource).toMatchObject({ type: 'Microsoft.ContainerInstance/containerGroups', apiVersion: '2025-09-01', name: 'shop', location: "[parameters('location')]" });
    expect(props).toMatchObject({ sku: 'Standard', osType: 'Linux', restartPolicy: 'Always' });
    expect(arm.parameters.location).toMatchObject({ type: 'string', defaultValue: '[resourceGroup().location]' });
  });

  test('init steps are initContainers with command + args, env from a securestring parameter', () => {
    expect(props.initContainers).toEqual([{
      name: 'migrate',
      properties: { image: 'ghcr.io/acme/migrate:4.2.0', command: ['/migrate', 'up'], environmentVariables: [{ name: 'DATABASE_URL', secureValue: "[parameters('dbUrl')]" }] },
    }]);
    expect(arm.parameters.dbUrl).toMatchObject({ type: 'securestring' });
    expect(arm.parameters.dbUrl.defaultValue).toBeUndefined();
    expect(JSON.stringify(arm)).not.toMatch(/"secureValue":"(?!\[parameters)/);
  });

  test('long-running sidecars are containers with resources, probes and mounts', () => {
    const shipper = byName(props.containers, 'log-shipper').properties;
    expect(shipper.resources).toEqual({ requests: { cpu: 0.25, memoryInGB: 0.3 }, limits: { memoryInGB: 0.5 } });
    expect(shipper.readinessProbe).toEqual({ httpGet: { path: '/api/v1/health', port: 2020, scheme: 'http' }, periodSeconds: 10 });
    expect(shipper.livenessProbe).toEqual({ exec: { command: ['/fluent-bit/bin/fluent-bit', '--version'] } });
    expect(shipper.ports).toEqual([{ port: 2020, protocol: 'TCP' }]);
    expect(shipper.volumeMounts).toEqual([
      { name: 'app-logs', mountPath: '/var/log/app', readOnly: true },
      { name: 'log-shipper-config', mountPath: '/fluent-bit/etc', readOnly: true },
    ]);
    // No startup probes on ACI: the startup probe becomes the readiness probe.
    expect(byName(props.containers, 'statsd').properties.readinessProbe).toEqual({ httpGet: { path: '/', port: 9102, scheme: 'http' } });
  });

  test('the app gets the env and mount; config files are a base64 secret volume; scratch is emptyDir', () => {
    const api = byName(props.containers, 'api').properties;
    expect(api.environmentVariables).toEqual([
      { name: 'LOG_FORMAT', value: 'json' },
      { name: 'DB_PASSWORD', secureValue: "[parameters('dbPassword')]" },
      { name: 'LOG_DIR', value: '/var/log/app' },
    ]);
    expect(api.volumeMounts).toEqual([{ name: 'app-logs', mountPath: '/var/log/app', readOnly: false }]);
    expect(byName(props.volumes, 'app-logs')).toEqual({ name: 'app-logs', emptyDir: {} });
    const secret = byName(props.volumes, 'log-shipper-config').secret;
    expect(Buffer.from(secret['fluent-bit.yaml'], 'base64').toString()).toBe('service:\n  flush: 1\n');
  });

  test('exposed sidecar ports are container ports but stay off the public IP; pod-local ports are neither', () => {
    expect(props.ipAddress).toEqual({ type: 'Public', dnsNameLabel: 'acme-shop', ports: [{ port: 8080, protocol: 'TCP' }] });
    expect(byName(props.containers, 'statsd').properties.ports).toEqual([{ port: 9102, protocol: 'TCP' }]);
    expect(JSON.stringify(props)).not.toContain('2021');
    expect(arm.outputs.ipAddress.value).toContain('.ipAddress.ip');
  });

  test('one warning per sidecar names the exposed ports left off the public IP', () => {
    expect(group.warnings.filter(w => w.includes('not published'))).toEqual([
      'log-shipper: EXPOSED port 2020 is not published: without subnetIds the group\'s IP address is public and carries only PUBLIC sidecar ports, '
        + 'so it is reachable only from containers of the group (ACI probes still work). '
        + 'To let scrapers in a virtual network reach it, put the group in a VNet (subnetIds), whose private IP address publishes EXPOSED ports; '
        + 'give AciContainerGroupProps.subnetIds, or the port an exposure other than EXPOSED in SidecarProps.ports, to silence this',
      expect.stringMatching(/^statsd: EXPOSED port 9102 is not published: /),
    ]);
    expect(text).toContain('# warning: log-shipper: EXPOSED port 2020 is not published');
  });

  test('the app cannot wait for statsd (a warning naming the prop); init resources dropped, Standard SKU without security context (notes)', () => {
    expect(group.warnings).toEqual(expect.arrayContaining([
      expect.stringContaining('statsd: appWaitsFor is HEALTHY, but ACI starts all containers of a group together'),
    ]));
    expect(group.warnings.join('\n')).toContain('then set SidecarProps.appWaitsFor to WaitCondition.STARTED to silence this');
    expect(group.notes).toEqual(expect.arrayContaining([
      expect.stringContaining('migrate: resources are not rendered: ACI init containers have no resources of their own'),
      expect.stringContaining('shop: the Standard SKU does not honour container security contexts, so none is rendered'),
    ]));
    expect(text).toContain('# note: shop: the Standard SKU does not honour');
    expect(props.containers.some((c: any) => c.properties.securityContext)).toBe(false);
  });

  test('the YAML has the resource shape, placeholders instead of secrets, and says so', () => {
    expect(yaml).toMatchObject({ apiVersion: '2025-09-01', name: 'shop', type: 'Microsoft.ContainerInstance/containerGroups', location: '${AZURE_LOCATION}' });
    expect(yaml.properties.containers).toHaveLength(3);
    expect(byName(yaml.properties.containers, 'api').properties.environmentVariables[1]).toEqual({ name: 'DB_PASSWORD', secureValue: '${DB_PASSWORD}' });
    expect(text).toContain('#   ${DB_PASSWORD}: dbPassword');
    expect(text).toContain('apiVersion: "2025-09-01"');
    expect(text).toContain('# warning: statsd: appWaitsFor is HEALTHY');
  });
});

describe('sidecar ports on the group IP address: PUBLIC entry points only on a public IP, EXPOSED ones too on a private IP', () => {
  const subnet = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aci';
  /** The app on 8080 with OPA, Dapr and Envoy as an explicit proxy: every admin, health and metrics port EXPOSED, Envoy's 15006 PUBLIC. */
  function meshGroup(props: Partial<AciContainerGroupProps> = {}) {
    const app = new AciApp();
    const group = appGroup(app, props);
    group.addSidecars(
      new OpaSidecar(app, 'opa', { policies: { 'authz.rego': 'package authz\n\nimport rego.v1\n\ndefault allow := false\n' } }),
      new DaprSidecar(app, 'dapr', { appId: 'orders', appPort: 8080 }),
      new EnvoySidecar(app, 'envoy', { redirect: false }),
    );
    return { group, ...synthGroup(group) };
  }
  const ports = (list: any[]) => (list ?? []).map((p: any) => p.port);

  describe('a public group (no subnetIds)', () => {
    const { group, resource, text } = meshGroup();
    const props = resource.properties;

    test('publishes the app\'s exposed port and Envoy\'s inbound port, nothing else', () => {
      expect(props.ipAddress.type).toBe('Public');
      expect(props.ipAddress.ports).toEqual([{ port: 8080, protocol: 'TCP' }, { port: 15006, protocol: 'TCP' }]);
    });

    test('the containers still declare their exposed ports, and ACI probes use them (the spec validator accepts both)', () => {
      expect(ports(byName(props.containers, 'opa').properties.ports)).toEqual([8282]);
      expect(ports(byName(props.containers, 'daprd').properties.ports)).toEqual([3501, 9090]);
      expect(ports(byName(props.containers, 'envoy').properties.ports)).toEqual([15006, 15021, 15090]);
      expect(byName(props.containers, 'opa').properties.readinessProbe.httpGet.port).toBe(8282);
      expect(byName(props.containers, 'daprd').properties.readinessProbe.httpGet.port).toBe(3501);
      expect(byName(props.containers, 'envoy').properties.readinessProbe.httpGet.port).toBe(15021);
      // Ports declared by a container but not on ipAddress, and probes on them, are valid ACI (checked by synthGroup too).
      expect(armTemplateErrors(group.toArmTemplate())).toEqual([]);
      expect(aciYamlErrors(text)).toEqual([]);
    });

    test('one note per sidecar names its unpublished ports (the sidecars\' own ports); none for the app or the PUBLIC port', () => {
      expect(group.warnings.join('\n')).not.toContain('not published');
      const unpublished = group.notes.filter(w => w.includes('not published'));
      expect(unpublished).toEqual([
        expect.stringMatching(/^opa: EXPOSED port 8282 \(opa-diag\) is not published: without subnetIds the group's IP address is public/),
        expect.stringMatching(/^dapr: EXPOSED ports 3501 \(dapr-public\), 9090 \(dapr-metrics\) are not published: /),
        expect.stringMatching(/^envoy: EXPOSED ports 15021 \(envoy-ready\), 15090 \(http-envoy-prom\) are not published: /),
      ]);
      expect(unpublished[1]).toContain('they are reachable only from containers of the group (ACI probes still work)');
      expect(unpublished[1]).toContain('put the group in a VNet (subnetIds)');
      expect(unpublished.join('\n')).not.toMatch(/8080|15006/);
      expect(text).toContain('# note: dapr: EXPOSED ports 3501 (dapr-public), 9090 (dapr-metrics) are not published');
    });
  });

  test('a private group (subnetIds) publishes the EXPOSED and PUBLIC sidecar ports on its private IP, without the warning', () => {
    const { group, resource } = meshGroup({ dnsNameLabel: undefined, subnetIds: [subnet] });
    expect(resource.properties.ipAddress.type).toBe('Private');
    expect(ports(resource.properties.ipAddress.ports)).toEqual([8080, 8282, 3501, 9090, 15006, 15021, 15090]);
    expect([...group.warnings, ...group.notes].join('\n')).not.toContain('not published');
  });

  test('a generic sidecar: PUBLIC is published on a public IP, EXPOSED (UDP too) is not, POD_LOCAL is not declared', () => {
    const app = new AciApp();
    const group = appGroup(app, { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080, expose: false }] }] });
    group.addSidecars(new Sidecar(app, 'gateway', {
      image: 'ghcr.io/acme/gateway:1',
      ports: [{ port: 8443, exposure: PortExposure.PUBLIC }, { port: 8125, protocol: Protocol.UDP, exposure: PortExposure.EXPOSED }, { port: 9000 }],
      readinessProbe: Probe.httpGet({ port: 8443, path: '/ready' }),
    }));
    const { resource } = synthGroup(group);
    expect(byName(resource.properties.containers, 'gateway').properties.ports).toEqual([{ port: 8443, protocol: 'TCP' }, { port: 8125, protocol: 'UDP' }]);
    expect(resource.properties.ipAddress).toEqual({ type: 'Public', dnsNameLabel: 'acme-shop', ports: [{ port: 8443, protocol: 'TCP' }] });
    expect(group.warnings).toContainEqual(expect.stringMatching(/^gateway: EXPOSED port 8125\/UDP is not published: /));
  });

  test('nothing to publish: no IP address at all, the exposed ports stay container ports', () => {
    const app = new AciApp();
    const group = appGroup(app, { dnsNameLabel: undefined, containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080, expose: false }] }] });
    group.addSidecars(new Sidecar(app, 'metrics', {
      image: 'prom/statsd-exporter:v0.28.0',
      ports: [{ port: 9102, exposure: PortExposure.EXPOSED }],
      livenessProbe: Probe.httpGet({ port: 9102, path: '/' }),
    }));
    const { arm, resource } = synthGroup(group);
    expect(resource.properties.ipAddress).toBeUndefined();
    expect(arm.outputs).toBeUndefined();
    expect(byName(resource.properties.containers, 'metrics').properties).toMatchObject({
      ports: [{ port: 9102, protocol: 'TCP' }], livenessProbe: { httpGet: { path: '/', port: 9102, scheme: 'http' } },
    });
    expect(group.warnings).toContainEqual(expect.stringMatching(/^metrics: EXPOSED port 9102 is not published: /));
  });
});

describe('ACI options', () => {
  // A base64 Rego policy of the shape az confcom acipolicygen prints (not a real policy).
  const POLICY = Buffer.from('package policy\n\napi_version := "0.10.0"\n').toString('base64');

  test('Confidential SKU: the CCE policy is rendered, the security context has only "privileged"; identity and tags', () => {
    const app = new AciApp();
    const group = appGroup(app, {
      sku: AciSku.CONFIDENTIAL,
      ccePolicy: AciCcePolicy.fromBase64(POLICY),
      identity: { systemAssigned: true, userAssignedIdentityIds: ['/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/shop'] },
      tags: { team: 'payments' },
      location: 'westeurope',
    });
    group.addSidecars(
      new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1', security: { uid: 4000, addCapabilities: ['KILL'] } }),
      new Sidecar(app, 'setup', { image: 'ghcr.io/acme/setup:1', role: StartupRole.INIT_STEP, command: ['/setup'], security: { uid: 4001 } }),
    );
    const { resource, yaml } = synthGroup(group);
    // ARM refuses a confidential group without a policy (InvalidCcePolicy, microsoft/confidential-ai#9).
    expect(resource.properties.confidentialComputeProperties).toEqual({ ccePolicy: POLICY });
    expect(yaml.properties.confidentialComputeProperties).toEqual({ ccePolicy: POLICY });
    // ARM refuses every other field on this SKU: SecurityContextNotSupported (MicrosoftDocs/azure-docs#123837).
    expect(byName(resource.properties.containers, 'agent').properties.securityContext).toEqual({ privileged: false });
    expect(byName(resource.properties.initContainers, 'setup').properties.securityContext).toEqual({ privileged: false });
    expect(byName(yaml.properties.containers, 'agent').properties.securityContext).toEqual({ privileged: false });
    // What is then not enforced is said, per container.
    const warning = group.notes.find(w => w.startsWith('shop: the Confidential SKU accepts only "privileged"'));
    expect(warning).toContain('agent (runAsUser 4000, runAsGroup 4000, capabilities drop ALL, add KILL, allowPrivilegeEscalation false)');
    expect(warning).toContain('setup (runAsUser 4001, runAsGroup 4001, capabilities drop ALL, allowPrivilegeEscalation false)');
    expect(resource.identity).toEqual({ type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/shop': {} } });
    expect(resource.tags).toEqual({ team: 'payments' });
    expect(yaml.location).toBe('westeurope');
  });

  test('Confidential SKU without a CCE policy is refused with the az confcom fix', () => {
    const app = new AciApp();
    expect(() => appGroup(app, { sku: AciSku.CONFIDENTIAL })).toThrow(
      /^shop: ccePolicy is not set: .*AciSku\.CONFIDENTIAL.*InvalidCcePolicy.*az confcom acipolicygen/);
  });

  test('a CCE policy to be generated: an empty one in the template for az confcom, a placeholder in the YAML, and a warning', () => {
    const app = new AciApp();
    const group = appGroup(app, { sku: AciSku.CONFIDENTIAL, ccePolicy: AciCcePolicy.generatedByConfcom() });
    // Not deployable until confcom has written the policy: the validator says exactly that, nothing else.
    const arm = group.toArmTemplate();
    expect(armTemplateErrors(arm)).toEqual([expect.stringMatching(/^.*\/properties\/confidentialComputeProperties\/ccePolicy: a Confidential group needs a CCE policy/)]);
    const resource = arm.resources[0];
    const text = group.toYaml();
    validateAciYaml(text);
    const yaml = YAML.parse(text);
    expect(resource.properties.confidentialComputeProperties).toEqual({ ccePolicy: '' });
    expect(yaml.properties.confidentialComputeProperties).toEqual({ ccePolicy: '${CCE_POLICY}' });
    expect(text).toMatch(/^# {3}\$\{CCE_POLICY\}: .*az confcom acipolicygen/m);
    expect(group.warnings).toContainEqual(expect.stringMatching(/^shop: ccePolicy is empty in the ARM template: .*az confcom acipolicygen --template-file shop\.arm\.json/));
  });

  test('bad CCE policies: not base64, on another SKU, not an AciCcePolicy', () => {
    const app = new AciApp();
    expect(() => new AciContainerGroup(app, 'raw', { ...appProps(), sku: AciSku.CONFIDENTIAL, ccePolicy: AciCcePolicy.fromBase64('package policy\n') }))
      .toThrow(/^raw: ccePolicy "package policy\\n" is not base64: .*az confcom acipolicygen/);
    expect(() => new AciContainerGroup(app, 'std', { ...appProps(), ccePolicy: AciCcePolicy.fromBase64(POLICY) }))
      .toThrow(/^std: ccePolicy ".*" would have no effect: the sku is Standard/);
    expect(() => new AciContainerGroup(app, 'str', { ...appProps(), sku: AciSku.CONFIDENTIAL, ccePolicy: POLICY as any }))
      .toThrow(/^str: ccePolicy ".*" is not an AciCcePolicy/);
  });

  test('a DNS name label needs published ports: refused when nothing is published', () => {
    const app = new AciApp();
    const group = appGroup(app, { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080, expose: false }] }] });
    expect(() => group.toArmTemplate()).toThrow(/^shop: dnsNameLabel "acme-shop" would have no effect: nothing is published on the group's IP address/);
  });

  test('volume size limits and config file modes, which ACI cannot render, are said in warnings', () => {
    const app = new AciApp();
    const group = appGroup(app, { memoryVolumes: AciMemoryVolumeHandling.DISK });
    group.addSidecars(new Sidecar(app, 'agent', {
      image: 'ghcr.io/acme/agent:1',
      volumes: [
        { name: 'cache', kind: VolumeKind.SCRATCH, mountPath: '/cache', sizeLimitMebibytes: 64 },
        { name: 'hot', kind: VolumeKind.MEMORY, mountPath: '/hot', sizeLimitMebibytes: 16 },
      ],
      configFiles: [{ path: '/etc/agent/agent.conf', content: 'a=1\n', mode: 0o400 }, { path: '/etc/agent/other.conf', content: 'b=2\n' }],
    }));
    const { resource } = synthGroup(group);
    expect(byName(resource.properties.volumes, 'cache')).toEqual({ name: 'cache', emptyDir: {} });
    expect(group.warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(/^agent: volume "cache" has a size limit of 64 MiB, which is not enforced: ACI's emptyDir has no size setting/),
      expect.stringMatching(/^agent: volume "hot" has a size limit of 16 MiB, which is not enforced: /),
      expect.stringMatching(/^agent: config file "agent.conf" has mode 0400, which is not rendered: ACI secret volumes have no file mode/),
    ]));
    expect(group.warnings.join('\n')).not.toContain('other.conf');
  });

  test('a private group in a subnet; memory volumes may fall back to disk with a warning', () => {
    const app = new AciApp();
    const subnet = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aci';
    const group = appGroup(app, { dnsNameLabel: undefined, subnetIds: [subnet], memoryVolumes: AciMemoryVolumeHandling.DISK });
    group.addSidecars(new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1', volumes: [{ name: 'secrets', kind: VolumeKind.MEMORY, mountPath: '/secrets' }] }));
    const { resource } = synthGroup(group);
    expect(resource.properties.ipAddress).toEqual({ type: 'Private', ports: [{ port: 8080, protocol: 'TCP' }] });
    expect(resource.properties.subnetIds).toEqual([{ id: subnet }]);
    expect(byName(resource.properties.volumes, 'secrets')).toEqual({ name: 'secrets', emptyDir: {} });
    expect(group.notes.join('\n')).toContain('agent: volume "secrets" is an emptyDir on disk, not in memory (memoryVolumes: DISK)');
  });

  test('SECRET volumes take their keys from securestring parameters', () => {
    const app = new AciApp();
    const group = appGroup(app, { secretVolumeKeys: { 'mesh-tls': ['tls.crt', 'tls.key'] } });
    group.addSidecars(new Sidecar(app, 'proxy', { image: 'ghcr.io/acme/proxy:1', volumes: [{ name: 'tls', kind: VolumeKind.SECRET, secretName: 'mesh-tls', mountPath: '/etc/tls' }] }));
    const { arm, resource } = synthGroup(group);
    expect(byName(resource.properties.volumes, 'tls')).toEqual({ name: 'tls', secret: { 'tls.crt': "[parameters('meshTlsTlsCrt')]", 'tls.key': "[parameters('meshTlsTlsKey')]" } });
    expect(arm.parameters.meshTlsTlsKey.type).toBe('securestring');
  });

  test('AciApp.synth writes both files for every group', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'aci-'));
    const app = new AciApp({ outdir });
    appGroup(app).addSidecars(new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1', appWaitsFor: WaitCondition.STARTED }));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const files = app.synth();
    stderr.mockRestore();
    expect(files.map(f => path.basename(f))).toEqual(['shop.arm.json', 'shop.aci.yaml']);
    validateArmTemplate(JSON.parse(fs.readFileSync(files[0], 'utf-8')));
    validateAciYaml(fs.readFileSync(files[1], 'utf-8'));
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});
