/**
 * What the ACI, Cloud Run and Compose apps share (src/core/document-binders.ts): the output
 * folder (props, else the platform's variable, else "dist"), the files each synth writes, the
 * mode of Compose's generated secret files, and the warnings and notes printed to stderr.
 * Every file written goes through its platform's validator before it is asserted.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { Sidecar, WaitCondition } from '../../src';
import { AciApp, AciContainerGroup } from '../../src/aci';
import { CloudRunApp, CloudRunService } from '../../src/cloudrun';
import { ComposeApp, ComposeProject } from '../../src/compose';
import { appProps } from '../cloudrun/util';
import { validateAciYaml, validateArmTemplate } from '../validate/azure';
import { validateCloudRunService } from '../validate/cloudrun';
import { validateComposeFile } from '../validate/compose';

const apps = [
  { variable: 'ACI_OUTDIR', make: (outdir?: string) => new AciApp(outdir === undefined ? undefined : { outdir }) },
  { variable: 'CLOUDRUN_OUTDIR', make: (outdir?: string) => new CloudRunApp(outdir === undefined ? undefined : { outdir }) },
  { variable: 'COMPOSE_OUTDIR', make: (outdir?: string) => new ComposeApp(outdir === undefined ? undefined : { outdir }) },
];

describe.each(apps)('$variable', ({ variable, make }) => {
  const saved = process.env[variable];
  afterEach(() => {
    if (saved === undefined) { delete process.env[variable]; } else { process.env[variable] = saved; }
  });

  test('outdir: the prop, else the variable, else "dist"', () => {
    process.env[variable] = '/tmp/from-env';
    expect(make('out').outdir).toBe('out');
    expect(make().outdir).toBe('/tmp/from-env');
    delete process.env[variable];
    expect(make().outdir).toBe('dist');
  });
});

describe('synth', () => {
  let outdir: string;
  let stderr: jest.SpyInstance;
  beforeEach(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'document-apps-'));
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stderr.mockRestore();
    fs.rmSync(outdir, { recursive: true, force: true });
  });
  const printed = () => stderr.mock.calls.map(c => String(c[0]));

  test('ACI: the ARM template and the YAML of every group, then its warnings and notes', () => {
    const app = new AciApp({ outdir });
    const group = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] }] });
    group.addSidecars(new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1', appWaitsFor: WaitCondition.STARTED }));
    const files = app.synth();
    expect(files).toEqual([path.join(outdir, 'shop.arm.json'), path.join(outdir, 'shop.aci.yaml')]);
    validateArmTemplate(JSON.parse(fs.readFileSync(files[0], 'utf-8')));
    validateAciYaml(fs.readFileSync(files[1], 'utf-8'));
    expect(group.warnings.length + group.notes.length).toBeGreaterThan(0);
    expect(printed()).toEqual([
      ...group.warnings.map(w => `[cdk-sidecars] warning: ${w}\n`),
      ...group.notes.map(n => `[cdk-sidecars] note: ${n}\n`),
    ]);
  });

  test('Cloud Run: the YAML, then the file of each generated secret beside it', () => {
    const app = new CloudRunApp({ outdir });
    const service = new CloudRunService(app, 'shop', appProps());
    service.add(new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1', configFiles: [{ path: '/etc/agent/a.yaml', content: 'a: 1\n' }] }));
    const files = app.synth();
    const [secret] = service.generatedSecrets;
    expect(files).toEqual([path.join(outdir, 'shop.cloudrun.yaml'), path.join(outdir, secret.fileName)]);
    validateCloudRunService(YAML.parse(fs.readFileSync(files[0], 'utf-8')));
    expect(fs.readFileSync(files[1], 'utf-8')).toBe('a: 1\n');
    expect(printed()).toEqual([
      ...service.warnings.map(w => `[cdk-sidecars] warning: ${w}\n`),
      ...service.notes.map(n => `[cdk-sidecars] note: ${n}\n`),
    ]);
  });

  test('Compose: generated secret files under <name>.secrets/, world-readable (0644), after the Compose file', () => {
    const app = new ComposeApp({ outdir });
    const p = new ComposeProject(app, 'shop', { services: [{ name: 'api', image: 'ghcr.io/acme/api:1' }] });
    p.add(new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', configFiles: [{ path: '/etc/agent/token', content: 'sekret\n', sensitive: true }] }));
    const files = app.synth();
    expect(files[0]).toBe(path.join(outdir, 'shop.compose.yaml'));
    validateComposeFile(files[0]);
    expect(files.slice(1).map(f => path.relative(outdir, f))).toEqual([expect.stringMatching(/^shop\.secrets\/[^/]+$/)]);
    expect((fs.statSync(files[1]).mode % 0o1000).toString(8)).toBe('644');
    expect(fs.readFileSync(files[1], 'utf-8')).toBe('sekret\n');
  });
});
