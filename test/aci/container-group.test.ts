import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { appGroup, synthGroup } from './util';
import { PortExposure, Probe, Sidecar, StartupRole, VolumeKind, WaitCondition } from '../../src';
import { AciApp, AciMemoryVolumeHandling, AciSku } from '../../src/aci';
import { validateAciYaml, validateArmTemplate } from '../validate/azure';

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

  test('exposed ports are published on the group IP; pod-local ports are not', () => {
    expect(props.ipAddress).toEqual({ type: 'Public', dnsNameLabel: 'acme-shop', ports: [{ port: 8080, protocol: 'TCP' }, { port: 2020, protocol: 'TCP' }, { port: 9102, protocol: 'TCP' }] });
    expect(JSON.stringify(props)).not.toContain('2021');
    expect(arm.outputs.ipAddress.value).toContain('.ipAddress.ip');
  });

  test('warnings: the app cannot wait for statsd, init resources are dropped, Standard SKU has no security context', () => {
    expect(group.warnings).toEqual(expect.arrayContaining([
      expect.stringContaining('statsd: appWaitsFor is HEALTHY, but ACI starts all containers of a group together'),
      expect.stringContaining('migrate: resources are not rendered: ACI init containers have no resources of their own'),
      expect.stringContaining('shop: the Standard SKU does not honour container security contexts'),
    ]));
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

describe('ACI options', () => {
  test('Confidential SKU renders the security context; identity and tags', () => {
    const app = new AciApp();
    const group = appGroup(app, {
      sku: AciSku.CONFIDENTIAL,
      identity: { systemAssigned: true, userAssignedIdentityIds: ['/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/shop'] },
      tags: { team: 'payments' },
      location: 'westeurope',
    });
    group.addSidecars(new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1', security: { uid: 4000 } }));
    const { resource, yaml } = synthGroup(group);
    expect(byName(resource.properties.containers, 'agent').properties.securityContext).toEqual({
      runAsUser: 4000, runAsGroup: 4000, privileged: false, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] },
    });
    expect(resource.identity).toEqual({ type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/shop': {} } });
    expect(resource.tags).toEqual({ team: 'payments' });
    expect(yaml.location).toBe('westeurope');
    expect(group.warnings.join('\n')).not.toContain('security contexts');
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
    expect(group.warnings.join('\n')).toContain('agent: volume "secrets" is an emptyDir on disk, not in memory');
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
