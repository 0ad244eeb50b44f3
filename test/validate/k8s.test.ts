import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Cron, Testing } from 'cdk8s';
import * as kplus27 from 'cdk8s-plus-27';
import * as kplus34 from 'cdk8s-plus-34';
import { enumConstraints, enumFromDescription, manifestErrors, validateManifests, validateYamlFile } from './k8s';
import { modelErrors } from './k8s-models';

const podSpec = () => ({
  restartPolicy: 'Always',
  containers: [{
    name: 'app',
    image: 'nginx:1.27',
    imagePullPolicy: 'IfNotPresent',
    ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }],
    env: [{ name: 'MODE', value: 'prod' }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: 1, memory: '256Mi' } },
    readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 },
    livenessProbe: { tcpSocket: { port: 80 } },
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
    volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
  }],
  volumes: [{ name: 'config', configMap: { name: 'app-config' } }],
});

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' }, annotations: { 'example.com/owner': 'team-a' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
    template: { metadata: { labels: { app: 'web' } }, spec: podSpec() },
  },
});

const jobSpec = () => ({
  backoffLimit: 3,
  template: {
    spec: {
      restartPolicy: 'Never',
      containers: [{ name: 'migrate', image: 'busybox:1.36', command: ['sh', '-c', 'echo done'] }],
    },
  },
});

const job = () => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' }, spec: jobSpec() });

const cronJob = () => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'nightly' },
  spec: { schedule: '0 0 * * *', concurrencyPolicy: 'Forbid', jobTemplate: { spec: jobSpec() } },
});

const pod = () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'single', namespace: 'default' }, spec: podSpec() });

const configMap = () => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'app-config' },
  data: { 'app.yaml': 'mode: prod\n', 'LOG_LEVEL': 'info' },
});

const secret = () => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'app-secret' },
  type: 'Opaque',
  data: { password: Buffer.from('hunter2').toString('base64') },
  stringData: { username: 'admin' },
});

const podWithNativeSidecar = () => {
  const p = pod();
  (p.spec as any).initContainers = [{
    name: 'proxy',
    image: 'envoyproxy/envoy:v1.31.0',
    restartPolicy: 'Always',
    ports: [{ containerPort: 15001 }],
  }];
  return p;
};

/** Expects `docs` to be rejected, with every `expected` text or pattern in the problem list. */
function expectRejected(docs: any[], ...expected: (string | RegExp)[]) {
  expect(() => validateManifests(docs)).toThrow();
  const message = manifestErrors(docs).join('\n');
  for (const e of expected) expect(message).toMatch(e);
  return message;
}

describe('valid manifests pass', () => {
  test.each([
    ['Deployment', deployment],
    ['Job', job],
    ['CronJob', cronJob],
    ['Pod', pod],
    ['ConfigMap', configMap],
    ['Secret', secret],
    ['Pod with a native sidecar', podWithNativeSidecar],
  ])('%s', (_name, make) => {
    expect(manifestErrors([make()])).toEqual([]);
    expect(() => validateManifests([make()])).not.toThrow();
  });

  test('all of them together, and none at all', () => {
    validateManifests([deployment(), job(), cronJob(), pod(), configMap(), secret(), podWithNativeSidecar()]);
    validateManifests([]);
  });

  test('Quantity accepts a string or a number; int-or-string accepts both', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].resources = { requests: { cpu: 0.5, memory: '64Mi' }, limits: { cpu: '2', memory: 268435456 } } as any;
    d.spec.strategy.rollingUpdate = { maxSurge: 1, maxUnavailable: '10%' } as any;
    expect(manifestErrors([d])).toEqual([]);
  });
});

describe.each<[string, typeof kplus27 | typeof kplus34]>([
  ['cdk8s-plus-27', kplus27],
  ['cdk8s-plus-34', kplus34],
])('output of %s passes', (_name, kplus) => {
  test('Deployment, Job, CronJob', () => {
    const chart = new Chart(Testing.app(), 'test');
    new kplus.Deployment(chart, 'web', { containers: [{ image: 'nginx:1.27', portNumber: 80 }] });
    new kplus.Job(chart, 'job', { containers: [{ image: 'busybox:1.36', command: ['sh', '-c', 'echo done'] }] });
    new kplus.CronJob(chart, 'cron', {
      schedule: Cron.daily(),
      containers: [{ image: 'busybox:1.36', command: ['sh', '-c', 'echo nightly'] }],
    });
    const docs = Testing.synth(chart);
    expect(docs.map(d => d.kind).sort()).toEqual(['CronJob', 'Deployment', 'Job']);
    validateManifests(docs);
  });
});

describe('invalid manifests are rejected', () => {
  test('unknown field on a container', () => {
    const d = deployment();
    (d.spec.template.spec.containers[0] as any).imagePulPolicy = 'Always';
    const message = expectRejected([d], 'imagePulPolicy', 'doc[0] Deployment/web', '/spec/template/spec/containers/0/imagePulPolicy');
    expect(message).toMatch(/unknown field/);
  });

  test('unknown field at the top of the spec', () => {
    const d = deployment();
    (d.spec as any).replica = 3;
    expectRejected([d], 'at /spec/replica: unknown field "replica"');
  });

  test('unknown field in metadata and at the top level', () => {
    const c = configMap() as any;
    c.metadata.label = { a: 'b' };
    c.spec = {};
    expectRejected([c], 'at /metadata/label: unknown field "label"', 'at /spec: unknown field "spec"');
  });

  test('bad enum value: imagePullPolicy', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes';
    expectRejected([d], '/spec/template/spec/containers/0/imagePullPolicy', /allowed values: "Always", "Never", "IfNotPresent"/);
  });

  test('bad container restartPolicy (native sidecars: only "Always")', () => {
    for (const bad of ['Sometimes', 'OnFailure']) {
      const p = podWithNativeSidecar() as any;
      p.spec.initContainers[0].restartPolicy = bad;
      expectRejected([p], '/spec/initContainers/0/restartPolicy', 'allowed values: "Always"');
    }
  });

  test('bad enum values elsewhere: pod restartPolicy, port protocol, concurrencyPolicy', () => {
    const d = deployment();
    d.spec.template.spec.restartPolicy = 'Sometimes';
    d.spec.template.spec.containers[0].ports[0].protocol = 'tcp';
    const c = cronJob();
    c.spec.concurrencyPolicy = 'Never';
    expectRejected([d, c], 'doc[0] Deployment/web at /spec/template/spec/restartPolicy', '/ports/0/protocol', 'doc[1] CronJob/nightly at /spec/concurrencyPolicy');
  });

  test('wrong type: replicas "two"', () => {
    const d = deployment() as any;
    d.spec.replicas = 'two';
    expectRejected([d], '/spec/replicas: must be integer');
  });

  test('wrong type inside a map: a label value that is not a string, a Quantity that is an object', () => {
    const d = deployment() as any;
    d.metadata.labels.tier = 1;
    d.spec.template.spec.containers[0].resources.limits.cpu = { cores: 1 };
    expectRejected([d], '/metadata/labels/tier: must be string', '/resources/limits/cpu: must be string,number');
  });

  test('missing required field: container without name', () => {
    const d = deployment() as any;
    delete d.spec.template.spec.containers[0].name;
    expectRejected([d], "/spec/template/spec/containers/0: must have required property 'name'");
  });

  test('missing required field: Deployment without selector', () => {
    const d = deployment() as any;
    delete d.spec.selector;
    expectRejected([d], "/spec: must have required property 'selector'");
  });

  test('Secret data must be base64', () => {
    const s = secret() as any;
    s.data.password = 'not base64!';
    expectRejected([s], '/data/password: must match format "byte"');
  });

  test('unknown kind, unknown apiVersion, kind in the wrong group', () => {
    expectRejected([{ apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'x' } }], 'doc[0] Deploymnet/x', 'unknown apiVersion/kind "apps/v1" "Deploymnet"');
    expectRejected([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }], 'unknown apiVersion/kind "example.com/v1" "Widget"');
    expectRejected([{ ...deployment(), apiVersion: 'v1' }], 'unknown apiVersion/kind "v1" "Deployment"');
    expectRejected([{ ...pod(), apiVersion: 'apps/v1' }], 'unknown apiVersion/kind "apps/v1" "Pod"');
  });

  test('RBAC kinds: rejected whether the OpenAPI document or kubernetes-models (its fallback) checks them', () => {
    const role = () => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'reader', namespace: 'apps' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    });
    const binding = () => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'apps' }],
    });
    expect(manifestErrors([role(), binding()])).toEqual([]);
    expect(modelErrors('rbac.authorization.k8s.io/v1', 'Role', role())).toEqual([]);

    const r = role() as any;
    r.rules[0].verb = r.rules[0].verbs;
    delete r.rules[0].verbs;
    r.metadata.lables = { a: 'b' };
    expectRejected([r], 'doc[0] Role/reader at /rules/0/verb: unknown field "verb"', /\/rules\/0: .*required/, '/metadata/lables: unknown field "lables"');
    const b = binding() as any;
    delete b.roleRef;
    b.subjects[0].namespaces = 'apps';
    expectRejected([b], /roleRef/, '/subjects/0/namespaces: unknown field "namespaces"');
    expectRejected([{ ...role(), rules: [{ resources: ['pods'], verbs: 'get' }] }], /\/rules\/0\/verbs: .*array/);
    // The fallback on its own (used where no OpenAPI document for the group is vendored).
    expect(modelErrors('rbac.authorization.k8s.io/v1', 'Role', r)).toEqual(expect.arrayContaining(['/rules/0/verb: unknown field "verb"',
      expect.stringMatching(/^\/rules\/0: required/)]));
    expect(modelErrors('rbac.authorization.k8s.io/v1', 'RoleBinding', b)).toEqual(expect.arrayContaining(['(root): required {"missingProperty":"roleRef"}',
      '/subjects/0/namespaces: unknown field "namespaces"']));
    expect(modelErrors('rbac.authorization.k8s.io/v1', 'Role', { ...role(), rules: [{ resources: ['pods'], verbs: 'get' }] }))
      .toEqual(expect.arrayContaining(['/rules/0/verbs: type {"type":"array"}']));
  });

  test('not an object, or without apiVersion/kind', () => {
    expectRejected([null], 'doc[0]: not an object');
    expectRejected([{ metadata: { name: 'x' } }], 'apiVersion and kind must be strings');
  });

  test('every problem of every document is listed, with its index', () => {
    const d = deployment() as any;
    d.spec.replicas = 'two';
    d.spec.template.spec.containers[0].imagePulPolicy = 'Always';
    const message = expectRejected([configMap(), d, { apiVersion: 'v1', kind: 'Nope' }], 'doc[1] Deployment/web', 'doc[2] Nope/<no name>');
    expect(message.split('\n')).toHaveLength(3);
    expect(() => validateManifests([configMap(), d])).toThrow(/2 problem\(s\) in Kubernetes manifests/);
  });
});

describe('enum constraints taken from the schema descriptions', () => {
  const enums = enumConstraints();

  test('the fields that matter are constrained, with the right values', () => {
    expect(enums['io.k8s.api.core.v1.Container.imagePullPolicy']).toEqual(['Always', 'Never', 'IfNotPresent']);
    expect(enums['io.k8s.api.core.v1.Container.restartPolicy']).toEqual(['Always']);
    expect(enums['io.k8s.api.core.v1.PodSpec.restartPolicy']).toEqual(['Always', 'OnFailure', 'Never']);
    expect(enums['io.k8s.api.core.v1.ContainerPort.protocol']).toEqual(['UDP', 'TCP', 'SCTP']);
    expect(enums['io.k8s.api.core.v1.NodeSelectorRequirement.operator']).toEqual(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']);
    expect(enums['io.k8s.api.batch.v1.CronJobSpec.concurrencyPolicy']).toEqual(['Allow', 'Forbid', 'Replace']);
    expect(enums['io.k8s.api.apps.v1.DeploymentStrategy.type']).toEqual(['Recreate', 'RollingUpdate']);
    expect(enums['io.k8s.api.core.v1.SeccompProfile.type']).toEqual(['Localhost', 'RuntimeDefault', 'Unconfined']);
    // prose that is not a closed list yields no enum
    expect(enums['io.k8s.api.core.v1.ServiceSpec.clusterIP']).toBeUndefined();
    expect(enums['io.k8s.api.core.v1.EmptyDirVolumeSource.medium']).toBeUndefined();
    expect(Object.keys(enums).length).toBeGreaterThanOrEqual(50);
  });

  test('description parser', () => {
    expect(enumFromDescription('Image pull policy. One of Always, Never, IfNotPresent. Defaults to Always.')).toEqual(['Always', 'Never', 'IfNotPresent']);
    expect(enumFromDescription('Valid values are "OnRootMismatch" and "Always". If not specified, ...')).toEqual(['OnRootMismatch', 'Always']);
    expect(enumFromDescription('Possible enum values:\n - `"Always"` means always pull\n - `"Never"` means never pull')).toEqual(['Always', 'Never']);
    expect(enumFromDescription('Valid values are "None", empty string (""), or a valid IP address.')).toBeUndefined();
    expect(enumFromDescription('Name must be unique within a namespace.')).toBeUndefined();
  });
});

describe('validateYamlFile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-validate-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('multi-document YAML with empty documents passes', () => {
    const file = path.join(dir, 'ok.yaml');
    fs.writeFileSync(file, [
      '---',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v',
      '---\n# only a comment',
      '---',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n'
        + '  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.27\n',
    ].join('\n'));
    expect(() => validateYamlFile(file)).not.toThrow();
  });

  test('an invalid document is reported with the file name and index', () => {
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      imagePulPolicy: Always\n');
    expect(() => validateYamlFile(file)).toThrow(/bad\.yaml: .*\n.*doc\[1\] Pod\/p at \/spec\/containers\/0\/imagePulPolicy: unknown field "imagePulPolicy"/);
  });
});
