import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { FluentBitConfigFormat, FluentBitFilter, FluentBitOutput, FluentBitSidecar, FluentBitSidecarProps, RetryLimit } from '../../src';
import { AciApp, AciContainerGroup } from '../../src/aci';
import { ErrorCode } from '../../src/core/errors';
import { TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { synthGroup } from '../aci/util';
import { container, fargateTask, notes, synthTemplate, warnings } from '../ecs/util';
import { expectError } from '../errors';
import { findDoc, newChart, podOf, rawDeployment, synth } from '../k8s/util';
import { validateFluentBitClassic, validateFluentBitYaml } from '../validate/fluent-bit';

const LOKI = FluentBitOutput.loki({ host: 'loki.monitoring.svc', labels: { app: 'shop' }, retryLimit: 3 });

function onDeployment(props: Partial<FluentBitSidecarProps> = {}) {
  const chart = newChart();
  const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
  const s = new FluentBitSidecar(chart, 'logs', { outputs: [LOKI], ...props });
  const attachment = WorkloadSidecars.of(d).add(s);
  const docs = synth(chart);
  const pod = podOf(findDoc(docs, 'Deployment'));
  const cm = docs.find(x => x.kind === 'ConfigMap' && x.metadata.name.endsWith('fluent-bit-config'));
  return { docs, pod, cm, attachment, sidecar: s };
}

describe('FluentBitSidecar on Kubernetes', () => {
  test('tails a log volume that is writable for the app and read-only for Fluent Bit', () => {
    const { pod } = onDeployment();
    const fb = pod.spec.initContainers.find((c: any) => c.name === 'fluent-bit');
    expect(fb.restartPolicy).toBe('Always');
    expect(fb.volumeMounts).toEqual([
      { name: 'fluent-bit-config', mountPath: '/etc/cdk-sidecars/fluent-bit', readOnly: true },
      { name: 'fluent-bit-logs', mountPath: '/var/log/app', readOnly: true },
      { name: 'fluent-bit-state', mountPath: '/var/lib/fluent-bit', readOnly: false },
    ]);
    expect(pod.spec.containers[0].volumeMounts).toEqual([{ name: 'fluent-bit-logs', mountPath: '/var/log/app', readOnly: false }]);
    expect(fb.readinessProbe.httpGet).toEqual({ path: '/api/v2/health', port: 2020, scheme: 'HTTP' });
    expect(fb.ports).toEqual([{ containerPort: 2020, name: 'http-metrics', protocol: 'TCP' }]);
    expect(fb.args).toEqual(['-c', '/etc/cdk-sidecars/fluent-bit/fluent-bit.yaml']);
  });

  test('the YAML config parses back: service with the HTTP server, tail with buffer limit and offsets DB, outputs with retries', () => {
    const { cm } = onDeployment({ filters: [FluentBitFilter.grep({ exclude: { log: 'healthz' } }), FluentBitFilter.modify({ add: { cluster: 'eu-1' }, remove: ['password'] })] });
    const doc = validateFluentBitYaml(cm.data['fluent-bit.yaml']);
    expect(doc.service).toMatchObject({ flush: 1, http_server: 'on', http_listen: '0.0.0.0', http_port: 2020, health_check: 'on' });
    expect(doc.pipeline.inputs).toEqual([{
      name: 'tail', tag: 'app', path: '/var/log/app/*.log', db: '/var/lib/fluent-bit/tail.db', mem_buf_limit: '5MB', skip_long_lines: 'on', refresh_interval: 5,
    }]);
    expect(doc.pipeline.filters).toEqual([
      { name: 'grep', match: '*', exclude: 'log healthz' },
      { name: 'modify', match: '*', add: 'cluster eu-1', remove: 'password' },
    ]);
    expect(doc.pipeline.outputs).toEqual([{ name: 'loki', match: '*', retry_limit: 3, host: 'loki.monitoring.svc', port: 3100, labels: 'app=shop', tls: 'off' }]);
  });

  test('only the file Fluent Bit loads is written: no FireLens include (pipeline.conf) in either format', () => {
    expect(Object.keys(onDeployment().cm.data)).toEqual(['fluent-bit.yaml']);
    expect(Object.keys(onDeployment({ configFormat: FluentBitConfigFormat.CLASSIC }).cm.data).sort()).toEqual(['fluent-bit.conf', 'parsers.conf']);
  });

  test('retries: a count, none (no_retries) or unlimited (no_limits)', () => {
    const outputs = [
      FluentBitOutput.stdout({ retry: RetryLimit.none() }),
      FluentBitOutput.loki({ host: 'loki', retry: RetryLimit.unlimited() }),
      FluentBitOutput.forward({ host: 'fluentd', retry: RetryLimit.retries(2) }),
    ];
    const doc = validateFluentBitYaml(onDeployment({ outputs }).cm.data['fluent-bit.yaml']);
    expect(doc.pipeline.outputs.map((o: any) => o.retry_limit)).toEqual(['no_retries', 'no_limits', 2]);
  });

  test('the classic format, on request', () => {
    const { cm } = onDeployment({ configFormat: FluentBitConfigFormat.CLASSIC, outputs: [FluentBitOutput.stdout(), LOKI] });
    const sections = validateFluentBitClassic(cm.data['fluent-bit.conf']);
    expect(sections.map(s => s.name)).toEqual(['SERVICE', 'INPUT', 'OUTPUT', 'OUTPUT']);
    expect(sections[1].entries).toEqual(expect.arrayContaining([['mem_buf_limit', '5MB'], ['skip_long_lines', 'on']]));
    expect(cm.data['fluent-bit.yaml']).toBeUndefined();
  });

  test('the kubernetes filter: pod identity in the tag, a projected token for Fluent Bit only, and a Role to read pods', () => {
    const { docs, pod, cm } = onDeployment({ filters: [FluentBitFilter.kubernetes()] });
    const doc = validateFluentBitYaml(cm.data['fluent-bit.yaml']);
    expect(doc.pipeline.inputs[0].tag).toBe('kube.${POD_NAMESPACE}.${POD_NAME}.app');
    expect(doc.pipeline.filters[0]).toMatchObject({ name: 'kubernetes', match: 'kube.*', kube_tag_prefix: 'kube.', regex_parser: 'cdk_sidecars_kube_tag', merge_log: 'on' });
    expect(doc.parsers[0].name).toBe('cdk_sidecars_kube_tag');
    const fb = pod.spec.initContainers.find((c: any) => c.name === 'fluent-bit');
    expect(fb.env).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]);
    expect(fb.volumeMounts).toEqual(expect.arrayContaining([{ name: 'fluent-bit-identity', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }]));
    expect(pod.spec.containers[0].volumeMounts.some((m: any) => m.name === 'fluent-bit-identity')).toBe(false);
    const role = findDoc(docs, 'Role');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    const binding = findDoc(docs, 'RoleBinding');
    const account = findDoc(docs, 'ServiceAccount');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: account.metadata.name }]);
    expect(pod.spec.serviceAccountName).toBe(account.metadata.name);
  });

  test('the Role is bound to the pod\'s own service account when it has one; none without the filter or with createRbac false', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api', undefined, { serviceAccountName: 'shop-api' });
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const attached = WorkloadSidecars.of(d).add(new FluentBitSidecar(chart, 'logs', { outputs: [LOKI], filters: [FluentBitFilter.kubernetes()] }));
    const docs = synth(chart);
    const printed = stderr.mock.calls.map(c => String(c[0]));
    stderr.mockRestore();
    expect(findDoc(docs, 'RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'shop-api' }]);
    // what was created is said (notes, also on stderr), not only written
    const role = findDoc(docs, 'Role').metadata.name;
    // (the other note says which sidecar mode was chosen: no KubernetesTarget is stated here)
    expect(attached.notes.filter(n => n.startsWith('web/logs'))).toEqual([`web/logs: reads its pod's metadata from the API server: created Role and RoleBinding "${role}" `
      + '(get, list, watch pods in the namespace) for service account "shop-api"']);
    expect(printed.filter(l => l.includes('web/logs'))).toEqual([expect.stringContaining('[cdk-sidecars] note: web/logs: reads its pod\'s metadata')]);
    expect(docs.some(x => x.kind === 'ServiceAccount')).toBe(false);
    expect(onDeployment().docs.some(x => x.kind === 'Role')).toBe(false);
    expect(onDeployment({ filters: [FluentBitFilter.kubernetes()], createRbac: false }).docs.some(x => x.kind === 'Role')).toBe(false);
  });

  describe('the kubernetes filter never changes the pod\'s identity silently', () => {
    const attach = (workload: any, chart: any) => {
      const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        const attached = WorkloadSidecars.of(workload).add(new FluentBitSidecar(chart, 'logs', { outputs: [LOKI], filters: [FluentBitFilter.kubernetes()] }));
        const docs = synth(chart);
        return { attached, docs, pod: podOf(docs.find(d => d.kind === workload.kind)) };
      } finally {
        stderr.mockRestore();
      }
    };

    test('a pod naming its account with the deprecated serviceAccount field keeps it, and the Role is bound to it', () => {
      const chart = newChart();
      const { docs, pod } = attach(rawDeployment(chart, 'api', undefined, { serviceAccount: 'legacy-sa' }), chart);
      expect(findDoc(docs, 'RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'legacy-sa' }]);
      expect(pod.spec.serviceAccount).toBe('legacy-sa');
      expect(pod.spec.serviceAccountName).toBeUndefined();
      expect(docs.some(d => d.kind === 'ServiceAccount')).toBe(false);
    });

    test('a cdk8s-plus-27 workload with its own ServiceAccount keeps it, and the Role is bound to it', () => {
      const chart = newChart();
      const sa = new kplus.ServiceAccount(chart, 'api-sa');
      const d = new kplus.Deployment(chart, 'api', { serviceAccount: sa, containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
      const { docs, pod } = attach(d, chart);
      expect(pod.spec.serviceAccountName).toBe(sa.name);
      expect(findDoc(docs, 'RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: sa.name }]);
      expect(docs.filter(x => x.kind === 'ServiceAccount').map(x => x.metadata.name)).toEqual([sa.name]);
    });

    test('an account set after the sidecars were attached is the one bound', () => {
      const chart = newChart();
      const d = rawDeployment(chart, 'api');
      const { attached } = { attached: WorkloadSidecars.of(d) };
      attached.add(new FluentBitSidecar(chart, 'logs', { outputs: [LOKI], filters: [FluentBitFilter.kubernetes()] }));
      d.addJsonPatch(JsonPatch.add('/spec/template/spec/serviceAccountName', 'late-sa'));
      const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const docs = synth(chart);
      stderr.mockRestore();
      expect(podOf(findDoc(docs, 'Deployment')).spec.serviceAccountName).toBe('late-sa');
      expect(findDoc(docs, 'RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'late-sa' }]);
    });

    test('a cdk8s-plus-27 workload without one (it renders no serviceAccountName) gets one made for it, and the note says the pod now runs as it', () => {
      const chart = newChart();
      const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
      const { attached, docs, pod } = attach(d, chart);
      const account = findDoc(docs, 'ServiceAccount');
      expect(pod.spec.serviceAccountName).toBe(account.metadata.name);
      // cdk8s-plus keeps the token off the app containers; only Fluent Bit gets a projected one
      expect(pod.spec.automountServiceAccountToken).toBe(false);
      expect(findDoc(docs, 'RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: account.metadata.name }]);
      expect(attached.notes.filter(n => n.startsWith('web/logs'))).toEqual([expect.stringContaining(
        `service account "${account.metadata.name}", created too: the pod named none (so it ran as its namespace's "default"), `
        + `its serviceAccountName is now "${account.metadata.name}"; give the workload its own service account to keep its identity`)]);
    });
  });

  test('buffer and memory limit are set together; an inconsistent pair is a warning at synth', () => {
    expect(onDeployment({ memBufLimitMebibytes: 20 }).sidecar.memoryLimitMebibytes).toBe(96);
    const { pod } = onDeployment({ memBufLimitMebibytes: 20 });
    expect(pod.spec.initContainers[0].resources.limits.memory).toBe('96Mi');
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { attachment } = onDeployment({ memBufLimitMebibytes: 20, resources: { memoryLimitMebibytes: 48 } });
    stderr.mockRestore();
    expect(attachment.warnings.join('\n')).toContain('web/logs: resources.memoryLimitMebibytes 48 leaves too little room above memBufLimitMebibytes 20');
    // the default request follows a lower limit down
    expect(onDeployment({ resources: { memoryLimitMebibytes: 48 } }).pod.spec.initContainers[0].resources.requests.memory).toBe('48Mi');
  });

  test('CloudWatch Logs output: Kubernetes cannot grant the AWS permissions, and says so', () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { attachment } = onDeployment({ outputs: [FluentBitOutput.cloudWatchLogs({ region: 'eu-west-1', logGroupName: '/shop/api' })] });
    stderr.mockRestore();
    expect(attachment.warnings.join('\n')).toContain('web/logs: needs AWS permissions logs:CreateLogStream, logs:PutLogEvents');
  });
});

describe('FluentBitSidecar on ECS: the FireLens log router', () => {
  test('router with our filters and outputs included, ECS metadata, the app logging through awsfirelens and waiting for the router', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new FluentBitSidecar(f.stack, 'logs', {
      outputs: [FluentBitOutput.cloudWatchLogs({ region: 'eu-west-1', logGroupName: '/shop/api', autoCreateGroup: true })],
      filters: [FluentBitFilter.grep({ exclude: { log: 'healthz' } })],
    }));
    const t = synthTemplate(f.stack);
    const router = container(t, 'fluent-bit');
    expect(router.FirelensConfiguration).toEqual({
      Type: 'fluentbit',
      Options: { 'enable-ecs-log-metadata': 'true', 'config-file-type': 'file', 'config-file-value': '/etc/cdk-sidecars/fluent-bit/pipeline.conf' },
    });
    expect(router.EntryPoint).toEqual(['/fluent-bit/bin/fluent-bit']);
    expect(router.Command).toEqual(['-c', '/fluent-bit/etc/fluent-bit.conf']);
    expect(router.Essential).toBe(false);
    // FireLens needs its router to run as root (aws/containers-roadmap#2122); no capability kept.
    expect(router.User).toBe('0:10001');
    // ... and says so: the sidecar's own UID (10001) is not silently replaced.
    expect(notes(f.stack)).toEqual(expect.arrayContaining([expect.stringContaining('container "fluent-bit" runs as UID 0 (group 10001) on ECS, not as its UID 10001')]));
    expect(router.LinuxParameters.Capabilities).toEqual({ Drop: ['ALL'] });
    // A non-essential router that exits is restarted (ECS container restart policy).
    expect(router.RestartPolicy).toEqual({ Enabled: true, RestartAttemptPeriod: 60 });
    // Its state volume is written by root only: nothing to prepare there.
    expect(container(t, 'cdk-sidecars-config').Command[0]).not.toContain('fluent-bit-state');
    const app = container(t, 'app');
    expect(app.LogConfiguration).toEqual({ LogDriver: 'awsfirelens' });
    expect(app.DependsOn).toEqual(expect.arrayContaining([{ ContainerName: 'fluent-bit', Condition: 'START' }]));
    // The included file, written by the config writer, parses as classic config.
    const writer = container(t, 'cdk-sidecars-config');
    const variable = /"\$(CDK_SIDECARS_FILE_\d+)" \| base64 -d > '\/cdk-sidecars\/fluent-bit-config\/pipeline.conf'/.exec(writer.Command[0])![1];
    const sections = validateFluentBitClassic(Buffer.from(writer.Environment.find((e: any) => e.Name === variable).Value, 'base64').toString());
    // The app's log files are shipped too: the tail input is in the included file.
    // ECS's generated main config has no [SERVICE] (aws/amazon-ecs-agent firelensconfig_unix.go): ours is the router's.
    expect(sections.map(s => s.name)).toEqual(['SERVICE', 'INPUT', 'FILTER', 'OUTPUT']);
    expect(sections[1].entries).toEqual(expect.arrayContaining([['name', 'tail'], ['path', '/var/log/app/*.log'], ['db', '/var/lib/fluent-bit/tail.db']]));
    expect(router.MountPoints).toEqual(expect.arrayContaining([{ SourceVolume: 'fluent-bit-logs', ContainerPath: '/var/log/app', ReadOnly: true }]));
    expect(sections[3].entries).toEqual(expect.arrayContaining([['name', 'cloudwatch_logs'], ['log_group_name', '/shop/api'], ['auto_create_group', 'on']]));
    // The task role may write the logs.
    const policy = Object.values<any>(t.Resources).find(r => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes('TaskRole'));
    expect(policy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([expect.objectContaining({
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', 'logs:CreateLogGroup'], Resource: '*',
    })]));
    // a note that names no healthCommand: FluentBitSidecarProps has none
    expect(notes(f.stack).join('\n')).toContain('livenessProbe (HTTP_GET) is not rendered: ECS health checks run a command inside the container, so ECS does not check "fluent-bit"');
    expect([...notes(f.stack), ...warnings(f.stack)].join('\n')).not.toContain('healthCommand');
  });

  test('an app container that already has a log driver is an error, not a silent bypass', () => {
    const f = fargateTask();
    f.td.addContainer('worker', { containerName: 'worker', image: ecs.ContainerImage.fromRegistry('x:1'), logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'w' }) });
    TaskSidecars.of(f.td).add(new FluentBitSidecar(f.stack, 'logs', { outputs: [LOKI] }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.ALREADY_SET, 'Shop/logs: logging of app container "worker" is already set ("awslogs")');
  });

  test('the kubernetes filter on ECS is refused as the filter, which needs Kubernetes (not as the pod fields it uses)', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new FluentBitSidecar(f.stack, 'logs', { outputs: [LOKI], filters: [FluentBitFilter.kubernetes()] }));
    const e = expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'Shop/logs: filters[0] "FluentBitFilter.kubernetes()" cannot be rendered on Shop/Api, which is not a Kubernetes pod', 'Kubernetes API server', 'FluentBitFilter.modify');
    expect(e.message).not.toContain('podField');
  });
});

describe('FluentBitSidecar on ACI', () => {
  test('tails a shared emptyDir', () => {
    const app = new AciApp();
    const group = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] }] });
    group.addSidecars(new FluentBitSidecar(app, 'logs', { outputs: [LOKI] }));
    const { resource } = synthGroup(group);
    expect(resource.properties.volumes.find((v: any) => v.name === 'fluent-bit-logs')).toEqual({ name: 'fluent-bit-logs', emptyDir: {} });
    expect(resource.properties.containers[0].properties.volumeMounts).toEqual([{ name: 'fluent-bit-logs', mountPath: '/var/log/app', readOnly: false }]);
    const cfg = resource.properties.volumes.find((v: any) => v.name === 'fluent-bit-config').secret;
    expect(Object.keys(cfg)).toEqual(['fluent-bit.yaml']);
    validateFluentBitYaml(Buffer.from(cfg['fluent-bit.yaml'], 'base64').toString());
  });
});

describe('FluentBitSidecar bad input', () => {
  const make = (props: Partial<FluentBitSidecarProps>) => () => new FluentBitSidecar(newChart(), 'logs', { outputs: [LOKI], ...props });
  test.each<[string, Partial<FluentBitSidecarProps>, ErrorCode, string]>([
    ['no outputs', { outputs: [] }, ErrorCode.INVALID_ROLE, 'web/logs: outputs [] is empty: the logs would go nowhere'],
    ['a negative retry limit', { outputs: [FluentBitOutput.stdout({ retryLimit: -1 })] }, ErrorCode.INVALID_NUMBER, 'web/logs: outputs[0].retryLimit -1'],
    // Fluent Bit would replace 0 by 1 (src/flb_output.c): no retry is RetryLimit.none()
    ['a zero retry limit', { outputs: [FluentBitOutput.stdout({ retryLimit: 0 })] }, ErrorCode.INVALID_NUMBER, 'web/logs: outputs[0].retryLimit 0 is not a whole number >= 1 (for no retry use retry: RetryLimit.none()'],
    ['zero retries', { outputs: [FluentBitOutput.stdout({ retry: RetryLimit.retries(0) })] }, ErrorCode.INVALID_NUMBER, 'web/logs: outputs[0].retry 0 is not a whole number >= 1'],
    ['both retry settings', { outputs: [FluentBitOutput.stdout({ retry: RetryLimit.none(), retryLimit: 3 })] }, ErrorCode.ALREADY_SET, 'web/logs: outputs[0].retry is already set ("no_retries") by outputs[0].retryLimit (3)'],
    ['a retry that is not a RetryLimit', { outputs: [FluentBitOutput.stdout({ retry: 'no_retries' as any })] }, ErrorCode.INVALID_ROLE, 'web/logs: outputs[0].retry "no_retries" is not a RetryLimit'],
    ['a bad host', { outputs: [FluentBitOutput.forward({ host: 'fluentd svc' })] }, ErrorCode.INVALID_NAME, 'web/logs: outputs[0].host "fluentd svc"'],
    ['a bad port', { outputs: [FluentBitOutput.loki({ host: 'loki', port: 70000 })] }, ErrorCode.INVALID_PORT, 'web/logs: outputs[0].port 70000'],
    ['a relative log directory', { logDirectory: 'logs' }, ErrorCode.INVALID_PATH, 'web/logs: logDirectory "logs" is not an absolute path'],
    ['a log pattern outside the directory', { logFiles: '../*.log' }, ErrorCode.INVALID_PATH, 'web/logs: logFiles "../*.log"'],
    ['a zero buffer', { memBufLimitMebibytes: 0 }, ErrorCode.INVALID_NUMBER, 'web/logs: memBufLimitMebibytes 0'],
    ['an empty grep', { filters: [FluentBitFilter.grep({})] }, ErrorCode.INVALID_ROLE, 'web/logs: filters[0] "grep" has no rules'],
    ['two kubernetes filters', { filters: [FluentBitFilter.kubernetes(), FluentBitFilter.kubernetes()] }, ErrorCode.INVALID_ROLE, 'web/logs: filters "kubernetes" is given twice'],
    ['an unknown log level', { logLevel: 'loud' }, ErrorCode.INVALID_NAME, 'web/logs: logLevel "loud"'],
    ['a filter match with a space', { filters: [FluentBitFilter.grep({ match: 'app *', regex: { log: 'x' } })] }, ErrorCode.INVALID_NAME, 'web/logs: filters[0].match "app *"'],
    ['an empty modify value', { filters: [FluentBitFilter.modify({ add: { env: '' } })] }, ErrorCode.INVALID_NAME, 'web/logs: filters[0].add["env"] ""'],
    ['a log directory Fluent Bit uses itself', { logDirectory: '/var/lib/fluent-bit' }, ErrorCode.INVALID_PATH, 'web/logs: logDirectory "/var/lib/fluent-bit" is a directory Fluent Bit uses itself'],
  ])('%s', (_t, props, code, part) => {
    expectError(make(props), code, part);
  });

  test('the app already mounts the log directory', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api', [{ name: 'app', image: 'x:1', volumeMounts: [{ name: 'own', mountPath: '/var/log/app' }] }], { volumes: [{ name: 'own', emptyDir: {} }] }))
      .add(new FluentBitSidecar(chart, 'logs', { outputs: [LOKI] }));
    expectError(() => Testing.synth(chart), ErrorCode.MOUNT_CONFLICT, 'web/logs: appRequests.mounts[0].path: path "/var/log/app" in app container "app" is already mounted by web/api');
  });
});
