/**
 * The Kubernetes benchmark scenario, built twice: through cdk-sidecars, and
 * hand-written. Both produce the same manifests, apart from the cdk-sidecars.dev/*
 * annotations that only the library writes (run.ts checks it).
 *
 * The hand-written cdk8s-plus-27 baseline cannot use the cdk8s-plus-27 API or JSON
 * patches for native sidecars: plus-27 init containers have no restartPolicy, and its
 * KubeDeployment.toJson passes patched JSON through the Kubernetes 1.27 typed
 * converter, which drops `restartPolicy` from containers and empties ports and
 * quantities given as plain values. So the baseline splices literal JSON into the
 * object's output, the cheapest way to get this manifest by hand.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PortExposure, Probe, Sidecar, StartupRole } from '../src';
import { WorkloadSidecars } from '../src/k8s';

export interface Scenario {
  readonly app: App;
  readonly chart: Chart;
}

const APP_IMAGE = 'ghcr.io/acme/api:4.2.0';

/** The four sidecars and the init step, defined once per chart as a platform team would. */
function librarySidecars(chart: Chart): Sidecar[] {
  return [
    new Sidecar(chart, 'migrate', {
      image: 'ghcr.io/acme/migrate:4.2.0',
      role: StartupRole.INIT_STEP,
      args: ['up'],
      secretEnv: { DATABASE_URL: { secretName: 'db', key: 'url' } },
    }),
    new Sidecar(chart, 'proxy', {
      image: 'ghcr.io/acme/proxy:1.9.0',
      security: { uid: 20001 },
      ports: [{ port: 15021, exposure: PortExposure.EXPOSED }, { port: 15001 }],
      startupProbe: Probe.httpGet({ port: 15021, path: '/ready', periodSeconds: 1, failureThreshold: 60 }),
      drainCommand: ['/bin/drain'],
      terminationGracePeriodSeconds: 15,
    }),
    new Sidecar(chart, 'logs', {
      image: 'fluent/fluent-bit:4.0.3',
      security: { uid: 20002 },
      ports: [{ port: 2020, exposure: PortExposure.EXPOSED }],
      readinessProbe: Probe.httpGet({ port: 2020, path: '/api/v1/health' }),
      volumes: [{ name: 'app-logs', mountPath: '/var/log/app', readOnly: true, appMountPath: '/var/log/app' }],
      appEnv: { LOG_DIR: '/var/log/app' },
    }),
    new Sidecar(chart, 'statsd', {
      image: 'prom/statsd-exporter:v0.28.0',
      security: { uid: 20003 },
      ports: [{ port: 9102, exposure: PortExposure.EXPOSED }, { port: 9125 }],
      livenessProbe: Probe.tcpSocket({ port: 9102 }),
      appEnv: { STATSD_HOST: '127.0.0.1', STATSD_PORT: '9125' },
    }),
    new Sidecar(chart, 'secrets', {
      image: 'ghcr.io/acme/secrets-agent:2.0.0',
      security: { uid: 20004 },
      volumes: [{ name: 'secrets', kind: undefined, mountPath: '/secrets', appMountPath: '/run/secrets', appReadOnly: true }],
    }),
  ];
}

const SECURE = (uid: number) => ({
  runAsUser: uid,
  runAsGroup: uid,
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
});
/**
 * Made for each container, as SECURE is: every document's JSON is its own, as cdk8s gives it and as the
 * library's is (one object shared by all workloads' JSON would change them all when a later step
 * edits one).
 */
const RESOURCES = () => ({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } });

/** The same containers written by hand. */
function handWrittenInitContainers(migrateUid: number): any[] {
  return [
    {
      name: 'migrate',
      image: 'ghcr.io/acme/migrate:4.2.0',
      args: ['up'],
      env: [{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'db', key: 'url' } } }],
      resources: RESOURCES(),
      securityContext: SECURE(migrateUid),
    },
    {
      name: 'proxy',
      image: 'ghcr.io/acme/proxy:1.9.0',
      ports: [{ containerPort: 15021, protocol: 'TCP' }],
      resources: RESOURCES(),
      securityContext: SECURE(20001),
      startupProbe: { httpGet: { path: '/ready', port: 15021, scheme: 'HTTP' }, periodSeconds: 1, failureThreshold: 60 },
      lifecycle: { preStop: { exec: { command: ['/bin/drain'] } } },
      restartPolicy: 'Always',
    },
    {
      name: 'logs',
      image: 'fluent/fluent-bit:4.0.3',
      ports: [{ containerPort: 2020, protocol: 'TCP' }],
      resources: RESOURCES(),
      securityContext: SECURE(20002),
      readinessProbe: { httpGet: { path: '/api/v1/health', port: 2020, scheme: 'HTTP' } },
      volumeMounts: [{ name: 'app-logs', mountPath: '/var/log/app', readOnly: true }],
      restartPolicy: 'Always',
    },
    {
      name: 'statsd',
      image: 'prom/statsd-exporter:v0.28.0',
      ports: [{ containerPort: 9102, protocol: 'TCP' }],
      resources: RESOURCES(),
      securityContext: SECURE(20003),
      livenessProbe: { tcpSocket: { port: 9102 } },
      restartPolicy: 'Always',
    },
    {
      name: 'secrets',
      image: 'ghcr.io/acme/secrets-agent:2.0.0',
      resources: RESOURCES(),
      securityContext: SECURE(20004),
      volumeMounts: [{ name: 'secrets', mountPath: '/secrets', readOnly: false }],
      restartPolicy: 'Always',
    },
  ];
}
const handVolumes = () => [{ name: 'app-logs', emptyDir: {} }, { name: 'secrets', emptyDir: {} }];
const handAppEnv = () => [{ name: 'LOG_DIR', value: '/var/log/app' }, { name: 'STATSD_HOST', value: '127.0.0.1' }, { name: 'STATSD_PORT', value: '9125' }];
const handAppMounts = () => [{ name: 'app-logs', mountPath: '/var/log/app', readOnly: false }, { name: 'secrets', mountPath: '/run/secrets', readOnly: true }];
/** kubectl's default container for logs and exec: the app (the library writes both keys when the pod names none). */
const handPodAnnotations = () => ({ 'kubectl.kubernetes.io/default-container': 'api', 'kubectl.kubernetes.io/default-logs-container': 'api' });

/** Splices the sidecars, written by hand as literal JSON, into a workload's JSON: the cheapest way to get them by hand. */
function spliceHandWritten(json: any, migrateUid: number): any {
  const template = json.spec.template;
  template.metadata.annotations = handPodAnnotations();
  const pod = template.spec;
  pod.initContainers = handWrittenInitContainers(migrateUid);
  pod.volumes = handVolumes();
  pod.containers[0].env = handAppEnv();
  pod.containers[0].volumeMounts = handAppMounts();
  pod.terminationGracePeriodSeconds = 45;
  return json;
}

function newScenario(): Scenario {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-bench-')) });
  return { app, chart: new Chart(app, 'bench') };
}


/** cdk8s-plus-27 Deployments with sidecars through the library. */
export function plusLibrary(n: number, sample: () => void): Scenario {
  const s = newScenario();
  const sidecars = librarySidecars(s.chart);
  for (let i = 0; i < n; i++) {
    const d = new kplus.Deployment(s.chart, `api-${i}`, { containers: [{ name: 'api', image: APP_IMAGE, portNumber: 8080 }] });
    WorkloadSidecars.of(d).add(...sidecars);
    if (i % 100 === 0) { sample(); }
  }
  return s;
}

/** The same, hand-written on cdk8s-plus-27: literal JSON spliced into the object's output. */
export function plusHandWritten(n: number, sample: () => void, migrateUid: number): Scenario {
  const s = newScenario();
  for (let i = 0; i < n; i++) {
    const d = new kplus.Deployment(s.chart, `api-${i}`, { containers: [{ name: 'api', image: APP_IMAGE, portNumber: 8080 }] });
    const obj = ApiObject.of(d);
    const toJson = obj.toJson.bind(obj);
    obj.toJson = () => spliceHandWritten(toJson(), migrateUid);
    if (i % 100 === 0) { sample(); }
  }
  return s;
}

function rawSpec(i: number): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `api-${i}` },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: `api-${i}` } },
      template: {
        metadata: { labels: { app: `api-${i}` } },
        spec: {
          containers: [{ name: 'api', image: APP_IMAGE, ports: [{ containerPort: 8080 }] }],
        },
      },
    },
  };
}

/** Raw ApiObject Deployments with sidecars through the library. */
export function rawLibrary(n: number, sample: () => void): Scenario {
  const s = newScenario();
  const sidecars = librarySidecars(s.chart);
  for (let i = 0; i < n; i++) {
    const d = new ApiObject(s.chart, `api-${i}`, rawSpec(i));
    WorkloadSidecars.of(d).add(...sidecars);
    if (i % 1000 === 0) { sample(); }
  }
  return s;
}

/**
 * The same raw ApiObjects with the sidecars spliced in by hand, as for cdk8s-plus-27. Writing them
 * into the object's props instead is slower: cdk8s resolves every prop at synthesis (tokens), which
 * the spliced JSON skips.
 */
export function rawHandWritten(n: number, sample: () => void, migrateUid: number): Scenario {
  const s = newScenario();
  for (let i = 0; i < n; i++) {
    const obj = new ApiObject(s.chart, `api-${i}`, rawSpec(i));
    const toJson = obj.toJson.bind(obj);
    obj.toJson = () => spliceHandWritten(toJson(), migrateUid);
    if (i % 1000 === 0) { sample(); }
  }
  return s;
}
