/**
 * Values of the wrong runtime type (the harness's WRONG table) for every prop of the
 * constructs generated around the pod here: each ends in a catalogued error naming the
 * construct path and the prop, or in output that passes its validator; never a crash.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { FluentBitOutput, FluentBitSidecar } from '../../src';
import { AciApp, AciContainerGroup, ContainerGroupCostReport } from '../../src/aci';
import { SidecarError } from '../../src/core/errors';
import { TaskCostReport, TaskSidecars } from '../../src/ecs';
import { KubernetesTarget, SidecarCostReport, SidecarVerticalAutoscaler, WorkloadSidecars } from '../../src/k8s';
import { PropKind, WRONG } from '../bad-input/harness';
import { validateCostReportJson } from '../validate/cost-report';
import { validateManifests } from '../validate/k8s';

const OPTIONS: { [prop: string]: PropKind } = { pricePerVcpuHour: 'number', pricePerGibHour: 'number', hoursPerMonth: 'number', currency: 'string', fileName: 'string' };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cost-bad-'));

/** Builds the construct with `props` and renders what it makes; the construct's path. */
type Build = (props: any) => string;

function k8s(): { chart: Chart; sidecars: WorkloadSidecars } {
  const app = Testing.app();
  KubernetesTarget.set(app, '1.33');
  const chart = new Chart(app, 'web');
  const d = new kplus.Deployment(chart, 'api', { replicas: 2, containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
  const sidecars = WorkloadSidecars.of(d).add(new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.forward({ host: 'fluentd' })] }));
  return { chart, sidecars };
}

const BUILDS: { [construct: string]: { props: { [prop: string]: PropKind }; base: (props: any) => any; build: Build } } = {
  SidecarVerticalAutoscaler: {
    props: { sidecars: 'object', updateMode: 'enum', appContainers: 'enum', appControlledValues: 'enum', sidecarControlledValues: 'enum', sidecarBounds: 'enum', nativeSidecarSupport: 'boolean', name: 'string' },
    base: p => p,
    build: props => {
      const { chart, sidecars } = k8s();
      const vpa = new SidecarVerticalAutoscaler(chart, 'vpa', { sidecars, ...props });
      validateManifests(Testing.synth(chart));
      return vpa.node.path;
    },
  },
  SidecarCostReport: {
    props: { sidecars: 'array', ...OPTIONS },
    base: p => p,
    build: props => {
      const { chart } = k8s();
      const r = new SidecarCostReport(chart, 'cost', props);
      validateCostReportJson(JSON.parse(fs.readFileSync(r.writeTo(dir)[0], 'utf-8')));
      return r.node.path;
    },
  },
  TaskCostReport: {
    props: { sidecars: 'array', ...OPTIONS },
    base: p => p,
    build: props => {
      const app = new App();
      const stack = new Stack(app, 'Shop');
      const td = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 512, memoryLimitMiB: 1024 });
      td.addContainer('api', { containerName: 'api', image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/api:1'), memoryReservationMiB: 256 });
      TaskSidecars.of(td).add(new FluentBitSidecar(stack, 'logs', { outputs: [FluentBitOutput.forward({ host: 'fluentd' })] }));
      const r = new TaskCostReport(app, 'cost', props);
      app.synth({ validateOnSynthesis: false } as any);
      validateCostReportJson(r.toJson());
      return r.node.path;
    },
  },
  ContainerGroupCostReport: {
    props: { groups: 'array', ...OPTIONS },
    base: p => p,
    build: props => {
      const app = new AciApp({ outdir: dir });
      new AciContainerGroup(app, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', cpu: 1, memoryInGB: 1 }] })
        .addSidecars(new FluentBitSidecar(app, 'logs', { outputs: [FluentBitOutput.forward({ host: 'fluentd' })] }));
      const r = new ContainerGroupCostReport(app, 'cost', props);
      validateCostReportJson(JSON.parse(r.toCsv() && JSON.stringify(r.toJson())));
      return r.node.path;
    },
  },
};

/** The other price, so that a price alone is not what the error is about. */
const companion = (prop: string) => (prop === 'pricePerVcpuHour' ? { pricePerGibHour: 0.005 } : prop === 'pricePerGibHour' ? { pricePerVcpuHour: 0.04 } : {});

for (const [construct, { props, build }] of Object.entries(BUILDS)) {
  describe(construct, () => {
    test('base props build and validate', () => { expect(() => build({})).not.toThrow(); });
    for (const [prop, kind] of Object.entries(props)) {
      for (const [label, value] of WRONG[kind]) {
        test(`${prop}=${label}`, () => {
          let error: unknown;
          try { build({ ...companion(prop), [prop]: value }); } catch (e) { error = e; }
          if (error === undefined) { return; }
          expect(error).toBeInstanceOf(SidecarError);
          const m = (error as Error).message;
          expect(m).toMatch(/^(web\/vpa|web\/cost|cost): /);
          expect(m).toContain(prop);
        });
      }
    }
  });
}
