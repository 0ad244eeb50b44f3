/**
 * Where the pod template sits in each workload kind, and how the app side of a
 * pod is read from synthesized JSON. Works on plain JSON, so it serves cdk8s-plus,
 * raw ApiObjects and included YAML alike.
 */
import { AppContainerModel, AppPodModel } from '../core/composition';
import { Protocol } from '../core/container';

/** Kinds that carry a pod template, with the path to the pod (metadata + spec). */
const POD_PATHS: { [kind: string]: string[] } = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** Workload kinds that run to completion. */
export const BATCH_KINDS: ReadonlySet<string> = new Set(['Job', 'CronJob']);

export function isWorkloadKind(kind: string): boolean {
  return Object.prototype.hasOwnProperty.call(POD_PATHS, kind);
}

/**
 * The pod template object (with `metadata` and `spec`) inside a workload's JSON; created when missing.
 * Read once per workload at synthesis: each level is read once and written only when missing (a
 * store into a cdk8s-plus object, whose hidden class is often its own, costs as much as a lookup
 * in the runtime).
 */
export function podTemplate(json: any): { metadata?: any; spec?: any } {
  const path = POD_PATHS[json.kind];
  let node = json;
  for (let i = 0; i < path.length; i++) {
    let next = node[path[i]];
    if (next === undefined || next === null) { next = node[path[i]] = {}; }
    node = next;
  }
  return node;
}

function readContainer(c: any, podUid: number | undefined, podGid: number | undefined): AppContainerModel {
  const env = new Map<string, string | undefined>();
  for (const e of c.env ?? []) {
    env.set(e.name, e.valueFrom === undefined ? String(e.value ?? '') : undefined);
  }
  return {
    name: String(c.name),
    ports: (c.ports ?? []).map((p: any) => ({ port: Number(p.containerPort), protocol: (p.protocol ?? 'TCP') as Protocol })),
    // GRPCAction: port (int32, no named port) and service (core/v1 Probe.grpc).
    grpcProbes: ['startupProbe', 'readinessProbe', 'livenessProbe'].map(k => c[k]?.grpc).filter((g: any) => g !== undefined && g !== null)
      .map((g: any) => ({ port: Number(g.port), ...(g.service ? { service: String(g.service) } : {}) })),
    env,
    uid: c.securityContext?.runAsUser ?? podUid,
    gid: c.securityContext?.runAsGroup ?? podGid,
    mountPaths: (c.volumeMounts ?? []).map((m: any) => String(m.mountPath)),
    longRunning: c.restartPolicy === 'Always',
  };
}

/**
 * Reads the app side of a workload's pod. A StatefulSet's `volumeClaimTemplates` are volumes of
 * its pods too: the controller adds one pod volume per template, named as the template, which
 * containers mount by that name (kubernetes/kubernetes pkg/controller/statefulset
 * stateful_set_utils.go updateStorage; StatefulSetSpec.volumeClaimTemplates in the vendored
 * apps/v1 OpenAPI: "every claim in this list must have at least one matching (by name)
 * volumeMount in one container in the template"). So a sidecar may mount one with
 * `overrides.appVolumeMounts`.
 */
export function readWorkloadPod(json: any): AppPodModel {
  const app = readAppPod(podTemplate(json).spec);
  if (json?.kind !== 'StatefulSet') { return app; }
  const claims: string[] = (json.spec?.volumeClaimTemplates ?? []).map((t: any) => t?.metadata?.name).filter((n: unknown) => typeof n === 'string');
  return { ...app, volumes: [...app.volumes, ...claims.filter(n => !app.volumes.includes(n))] };
}

/** Reads the app side of a pod spec. */
export function readAppPod(spec: any): AppPodModel {
  const podUid = spec?.securityContext?.runAsUser;
  const podGid = spec?.securityContext?.runAsGroup;
  return {
    containers: (spec?.containers ?? []).map((c: any) => readContainer(c, podUid, podGid)),
    initContainers: (spec?.initContainers ?? []).map((c: any) => readContainer(c, podUid, podGid)),
    volumes: (spec?.volumes ?? []).map((v: any) => String(v.name)),
  };
}
