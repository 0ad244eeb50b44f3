import { FluentBitOutput, FluentBitSidecar, VaultAgentSidecar, VaultAuth } from '../../src';
import { AciApp, AciContainerGroup, AciMemoryVolumeHandling, ContainerGroupCostReport } from '../../src/aci';
import { validateArmTemplate } from '../validate/azure';

describe('ContainerGroupCostReport', () => {
  test('the group is given the sum of its containers\' requests: sidecars against the app', () => {
    const app = new AciApp({ outdir: '/tmp/unused' });
    const group = new AciContainerGroup(app, 'api', {
      location: 'westeurope',
      memoryVolumes: AciMemoryVolumeHandling.DISK,
      identity: { systemAssigned: true },
      containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }], cpu: 1, memoryInGB: 1.5 }],
    });
    group.addSidecars(
      new VaultAgentSidecar(app, 'vault', { address: 'https://vault.acme.internal:8200', auth: [VaultAuth.azure({ role: 'api' })], secrets: [{ path: 'secret/data/api', file: 'api.json' }] }),
      new FluentBitSidecar(app, 'logs', { outputs: [FluentBitOutput.forward({ host: 'fluentd.acme.internal' })] }),
    );
    const report = new ContainerGroupCostReport(app, 'cost', { pricePerVcpuHour: 0.0405, pricePerGibHour: 0.00445, currency: 'EUR' });
    const template = group.toArmTemplate();
    validateArmTemplate(template);
    const json = report.toJson();
    const w = json.workloads[0];
    expect(w).toMatchObject({ platform: 'aci', kind: 'container group', replicas: 1, basis: 'container-requests' });
    // recomputed from the ARM template, independently
    const containers = template.resources[0].properties.containers;
    const sidecars = containers.filter((c: any) => c.name !== 'api');
    const cpu = sidecars.reduce((n: number, c: any) => n + c.properties.resources.requests.cpu, 0);
    const gb = sidecars.reduce((n: number, c: any) => n + c.properties.resources.requests.memoryInGB, 0);
    expect(w.perReplica.app).toEqual({ cpuMillicores: 1000, memoryMebibytes: 1536 });
    expect(w.perReplica.sidecars.cpuMillicores).toBeCloseTo(cpu * 1000, 3);
    expect(w.perReplica.sidecars.memoryMebibytes).toBeCloseTo(gb * 1024, 3);
    expect(json.prices.currency).toBe('EUR');
    expect(report.toMarkdown()).toContain('EUR');
    // init steps (the agent's pre-populate, if any) have no resources of their own and are not noted as missing
    expect(json.notes.filter((n: string) => /requests no/.test(n))).toEqual([]);
  });

  test('bad inputs', () => {
    const app = new AciApp({ outdir: '/tmp/unused' });
    expect(() => new ContainerGroupCostReport(app, 'a', { groups: ['api'] as any })).toThrow(/^a: groups\[0\] "api" \(string\) is not an AciContainerGroup/);
    expect(() => new ContainerGroupCostReport(app, 'b', { hoursPerMonth: 0 })).toThrow(/^b: hoursPerMonth 0 is not a number of hours above 0/);
    expect(() => new ContainerGroupCostReport(app, 'c').writeTo(5 as any)).toThrow(/^c: dir 5 \(number\) is not a folder path/);
  });
});
