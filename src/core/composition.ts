/**
 * The composition step: every sidecar attached to one pod (or task, or container
 * group) is described, checked field by field, then checked as a whole together
 * with the app, and put in start order. Binders render only what this returns.
 * Internal: not part of the jsii API.
 */
import { Construct } from 'constructs';
import { EnvVarSpec, Protocol, StartupRole, WaitCondition } from './container';
import { CompositionContext, ISidecar, OfferedCapability, WorkloadIdentity } from './contribution';
import { Errors } from './errors';
import { checkImagePinned } from './image-policy';
import { ResolvedContainer, ResolvedInterception, ResolvedMount, ResolvedSidecar, ResolvedVolume, resolveContribution, userField } from './resolve';

/** An app container as a binder reads it from the platform object. */
export interface AppContainerModel {
  readonly name: string;
  readonly ports: ReadonlyArray<{ readonly port: number; readonly protocol: Protocol }>;
  /** gRPC health probes of the container (Kubernetes), for a proxy that answers them. */
  readonly grpcProbes?: ReadonlyArray<{ readonly port: number; readonly service?: string }>;
  /** Variables the container sets: literal value, or undefined when taken from a source. */
  readonly env: ReadonlyMap<string, string | undefined>;
  /** UID the container runs as, when the platform object says. */
  readonly uid?: number;
  /** Primary GID the container runs as, when the platform object says. */
  readonly gid?: number;
  readonly mountPaths: readonly string[];
  /** An init container that keeps running next to the app (the user's own native sidecar). */
  readonly longRunning?: boolean;
}

/** The app side of a pod as a binder reads it. */
export interface AppPodModel {
  readonly containers: readonly AppContainerModel[];
  readonly initContainers: readonly AppContainerModel[];
  readonly volumes: readonly string[];
}

export interface ComposedVolume {
  readonly volume: ResolvedVolume;
  /** Sidecars that declared the volume (more than one when it is shared). */
  readonly owners: ResolvedSidecar[];
}

export interface ComposedPod {
  readonly targetPath: string;
  readonly sidecars: ResolvedSidecar[];
  /** All sidecar containers in start order (init steps and long-running ones together). */
  readonly containers: ResolvedContainer[];
  readonly volumes: ComposedVolume[];
  /** Variables to add, per app container name. */
  readonly appEnv: ReadonlyMap<string, EnvVarSpec[]>;
  /** Mounts to add, per app container name. */
  readonly appMounts: ReadonlyMap<string, ResolvedMount[]>;
  readonly shareProcessNamespace: boolean;
  /** The one traffic interception of the pod, with the app ports it captures. */
  readonly trafficInterception?: ComposedInterception;
  /** The one log router of the pod. */
  readonly logRouter?: { readonly owner: ResolvedSidecar; readonly spec: NonNullable<ResolvedSidecar['logRouter']> };
  /** Sidecars that read their pod's metadata from the platform API. */
  readonly readsPodMetadata: ResolvedSidecar[];
  /** Cloud permissions, with the sidecar that needs each. */
  readonly cloudPermissions: Array<{ readonly owner: ResolvedSidecar; readonly permission: ResolvedSidecar['cloudPermissions'][number] }>;
  /** Pod annotations the sidecars need, with the sidecar that asked for each. */
  readonly annotations: ReadonlyMap<string, { readonly value: string; readonly owner: ResolvedSidecar }>;
  /** Warnings of the sidecars, each prefixed with its path. */
  readonly warnings: string[];
  /** The file group the sidecars need on the pod's shared volumes (Kubernetes fsGroup), with the sidecar that asked. */
  readonly fileGroup?: { readonly gid: number; readonly owner: ResolvedSidecar };
}

export interface ComposedInterception {
  readonly spec: ResolvedInterception;
  readonly owner: ResolvedSidecar;
  /** Inbound ports captured: the spec's, or every TCP port of the app containers, less the excluded ones. */
  readonly appPorts: number[];
  /** Sidecar containers the proxy waits for, directly or through others: they start before it. */
  readonly proxyWaitsFor: ReadonlySet<string>;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function envValue(e: EnvVarSpec): unknown {
  return e.value ?? e.secret ?? e.podField;
}

const pathCache = new WeakMap<ISidecar, string>();

/**
 * Refuses what is not a sidecar among the values given to a binder's add (jsii languages and
 * plain JavaScript can pass anything): without this, a string ended in a TypeError from a
 * WeakMap, and an object without `contribute` at synthesis.
 * @param path construct path of the binder (the workload, task or container group it serves),
 * worked out only for an error
 */
export function checkSidecars(sidecars: readonly unknown[], path: () => string): void {
  for (let i = 0; i < sidecars.length; i++) {
    const s = sidecars[i] as { contribute?: unknown } | null | undefined;
    if (!Construct.isConstruct(s) || typeof s.contribute !== 'function') {
      throw Errors.invalidType(path(), `sidecars[${i}]`, s, 'an ISidecar: a sidecar construct such as Sidecar or EnvoySidecar, with a contribute method');
    }
  }
}

/** The construct path of a sidecar (fixed once constructed, so looked up once). */
export function sidecarPath(sidecar: ISidecar): string {
  let p = pathCache.get(sidecar);
  if (p === undefined) {
    p = sidecar.node.path;
    pathCache.set(sidecar, p);
  }
  return p;
}

/**
 * Describes each sidecar for this pod and resolves its fields. When sidecars offer
 * capabilities to each other, each is described a second time, now seeing what the
 * others offer (offers themselves must not depend on the context).
 */
export function describeSidecars(targetPath: string, app: AppPodModel, sidecars: readonly ISidecar[],
  identity: WorkloadIdentity = WorkloadIdentity.NONE, fileGroups = false, preStopHooks = false): ResolvedSidecar[] {
  const context: CompositionContext = {
    targetPath,
    appContainers: app.containers.map(c => ({
      name: c.name,
      ports: c.ports.map(p => ({ port: p.port, protocol: p.protocol })),
      ...(c.grpcProbes?.length ? { grpcProbes: c.grpcProbes.map(g => ({ ...g })) } : {}),
      ...(c.uid !== undefined ? { uid: c.uid } : {}),
      ...(c.gid !== undefined ? { gid: c.gid } : {}),
    })),
    identity,
    fileGroups,
    preStopHooks,
  };
  const paths = sidecars.map(sidecarPath);
  let contributions = sidecars.map(s => s.contribute(context));
  const offers: OfferedCapability[] = contributions.flatMap((c, i) => (c.offers ?? []).map(o => ({ ...o, providerPath: paths[i] })));
  if (offers.length) {
    contributions = sidecars.map((s, i) => s.contribute({ ...context, offers: offers.filter(o => o.providerPath !== paths[i]) }));
  }
  const resolved = contributions.map((c, i) => resolveContribution(paths[i], c));
  for (const offer of offers) {
    if (offer.requiresConsumer && !resolved.some(r => r.path !== offer.providerPath && r.consumes.includes(offer.name))) {
      throw Errors.unconsumedCapability(offer.providerPath, offer.name, targetPath);
    }
  }
  resolved.forEach(r => r.consumes.forEach(name => {
    if (!offers.some(o => o.name === name && o.providerPath !== r.path)) { throw Errors.unconsumedCapability(r.path, name, targetPath, true); }
  }));
  return resolved;
}

interface Owner { readonly path: string; readonly field: string; readonly sameUserAs?: string }

/**
 * What can be known about a set of sidecars without the app: checked among
 * themselves and put in start order. Many workloads share one set of sidecars, so
 * this is worked out once per set and reused.
 */
interface SidecarSet {
  readonly sidecars: ResolvedSidecar[];
  readonly containers: ResolvedContainer[];
  readonly volumes: ReadonlyArray<{ readonly composed: ComposedVolume; readonly field: string }>;
  /** Container name -> owning sidecar path. */
  readonly names: ReadonlyMap<string, string>;
  /** "port/protocol" -> owner. */
  readonly ports: ReadonlyMap<string, Owner>;
  /** UID -> owner (root excluded). */
  readonly uids: ReadonlyMap<number, Owner>;
  readonly shareProcessNamespace: boolean;
  readonly interceptor?: ResolvedSidecar;
  /** With an interceptor: the containers its proxy waits for (see startOrder). */
  readonly proxyWaitsFor: ReadonlySet<string>;
  readonly annotations: ReadonlyMap<string, { readonly value: string; readonly owner: ResolvedSidecar }>;
}

const setCache = new WeakMap<ResolvedSidecar, Array<{ readonly key: ResolvedSidecar[]; readonly set: SidecarSet }>>();

function sidecarSet(targetPath: string, resolved: ResolvedSidecar[]): SidecarSet {
  if (resolved.length === 0) { return analyzeSet(targetPath, resolved); }
  const entries = setCache.get(resolved[0]) ?? [];
  const hit = entries.find(e => e.key.length === resolved.length && e.key.every((r, i) => r === resolved[i]));
  if (hit) { return hit.set; }
  const set = analyzeSet(targetPath, resolved);
  entries.push({ key: [...resolved], set });
  setCache.set(resolved[0], entries);
  return set;
}

/** @param targetPath the pod the set is first seen in, for messages (errors are not cached) */
function analyzeSet(targetPath: string, sidecars: ResolvedSidecar[]): SidecarSet {
  const names = new Map<string, string>();
  const ports = new Map<string, Owner>();
  const uids = new Map<number, Owner>();
  for (const s of sidecars) {
    for (const c of s.containers) {
      const other = names.get(c.name);
      if (other) { throw Errors.duplicateContainerName(s.path, c.name, other, targetPath); }
      names.set(c.name, s.path);
      for (const p of c.ports) {
        const key = `${p.port}/${p.protocol}`;
        const clash = ports.get(key);
        if (clash) { throw Errors.portClash(s.path, p.field, p.port, p.protocol, clash.path, clash.field); }
        ports.set(key, { path: s.path, field: p.field });
      }
    }
    const mine = new Map<number, Owner>();
    for (const c of s.containers) {
      const uid = c.security.uid;
      if (uid === 0 || mine.has(uid)) { continue; }
      const other = uids.get(uid);
      const field = userField(c.origins, c.field, 'security.uid');
      if (other) { throw Errors.uidClash(s.path, field, uid, other.path, other.field); }
      mine.set(uid, { path: s.path, field, sameUserAs: c.security.sameUserAs });
    }
    mine.forEach((owner, uid) => uids.set(uid, owner));
  }
  const interceptors = sidecars.filter(s => s.trafficInterception);
  if (interceptors.length > 1) { throw Errors.interceptionConflict(interceptors[1].path, interceptors[0].path, targetPath); }
  const proxy = interceptors[0]?.trafficInterception?.proxyContainer;
  const exemptGid = interceptors[0]?.trafficInterception?.proxyGid;
  if (exemptGid !== undefined) {
    for (const s of sidecars) {
      for (const c of s.containers) {
        if (c.name !== proxy && c.security.gid === exemptGid) {
          throw Errors.exemptGroup(s.path, `${c.field}security.gid`, exemptGid, c.name, interceptors[0].path, targetPath);
        }
      }
    }
  }
  const routers = sidecars.filter(s => s.logRouter);
  if (routers.length > 1) {
    throw Errors.alreadySet(routers[1].path, 'pod.logRouter', routers[1].logRouter!.container, `by ${routers[0].path}, the log router of ${targetPath}; a pod has one`);
  }
  const annotations = new Map<string, { value: string; owner: ResolvedSidecar }>();
  for (const s of sidecars) {
    for (const [key, value] of Object.entries(s.annotations)) {
      const other = annotations.get(key);
      if (other && other.value !== value) {
        throw Errors.alreadySet(s.path, `pod.annotations[${JSON.stringify(key)}]`, other.value, `by ${other.owner.path} on ${targetPath}, and ${s.path} needs ${JSON.stringify(value)}`);
      }
      if (!other) { annotations.set(key, { value, owner: s }); }
    }
  }
  const { order, proxyWaitsFor } = startOrder(sidecars, proxy);
  return {
    sidecars,
    annotations,
    containers: order,
    proxyWaitsFor,
    volumes: mergeVolumes(sidecars),
    names,
    ports,
    uids,
    shareProcessNamespace: sidecars.some(s => s.shareProcessNamespace),
    interceptor: interceptors[0],
  };
}

/**
 * Composes the sidecars with the app of one pod. Throws the first conflict, naming
 * both construct paths, the field and a fix.
 */
export function composePod(targetPath: string, app: AppPodModel, sidecars: readonly ISidecar[],
  identity: WorkloadIdentity = WorkloadIdentity.NONE, fileGroups = false, preStopHooks = false): ComposedPod {
  if (app.containers.length === 0) { throw Errors.noAppContainers(targetPath); }
  const set = sidecarSet(targetPath, describeSidecars(targetPath, app, sidecars, identity, fileGroups, preStopHooks));
  checkSidecarImagesPinned(set.containers, sidecars);
  checkAgainstApp(targetPath, app, set);
  const { appEnv, appMounts } = appChanges(targetPath, app, set.sidecars);
  return {
    targetPath,
    sidecars: set.sidecars,
    containers: set.containers,
    volumes: set.volumes.map(v => ({ volume: v.composed.volume, owners: [...v.composed.owners] })),
    appEnv,
    appMounts,
    shareProcessNamespace: set.shareProcessNamespace,
    trafficInterception: set.interceptor ? interception(targetPath, set.interceptor, app, set.proxyWaitsFor) : undefined,
    logRouter: set.sidecars.filter(s => s.logRouter).map(owner => ({ owner, spec: owner.logRouter! }))[0],
    readsPodMetadata: set.sidecars.filter(s => s.readsPodMetadata),
    cloudPermissions: set.sidecars.flatMap(owner => owner.cloudPermissions.map(permission => ({ owner, permission }))),
    annotations: set.annotations,
    warnings: set.sidecars.flatMap(s => s.warnings.map(w => `${s.path}: ${w}`)),
    fileGroup: fileGroup(targetPath, set.sidecars),
  };
}

/** ImagePolicy.requireDigests: every sidecar container's image, on every platform. */
export function checkSidecarImagesPinned(containers: readonly ResolvedContainer[], sidecars: readonly ISidecar[]): void {
  for (const c of containers) {
    const sidecar = sidecars.find(s => sidecarPath(s) === c.owner.path);
    if (sidecar) { checkImagePinned([sidecar], c.owner.path, userField(c.origins, c.field, 'image'), c.image); }
  }
}

/** The `contribute` methods that depend only on the context's app containers, identity, offers and flags. */
const deterministic = new WeakSet<Function>();

/**
 * Declares that a sidecar class's `contribute` returns the same description for the same app
 * containers, identity, offers and platform flags, whatever the target is: it names
 * `context.targetPath` only in errors, and reads nothing else that differs between pods. A binder
 * may then compose a pod once for every workload with the same app pod and sidecars. A subclass that
 * overrides `contribute` is not covered.
 */
export function declareDeterministic(contribute: Function): void {
  deterministic.add(contribute);
}

/** Whether `sidecar`'s description is known to depend only on the pod (see declareDeterministic). */
export function isDeterministic(sidecar: ISidecar): boolean {
  return deterministic.has(sidecar.contribute);
}

/** The one file group of the pod: sidecars that ask for one must ask for the same. */
function fileGroup(targetPath: string, sidecars: ResolvedSidecar[]): ComposedPod['fileGroup'] {
  const asking = sidecars.filter(s => s.fileGroup !== undefined);
  const other = asking.find(s => s.fileGroup !== asking[0].fileGroup);
  if (other) {
    throw Errors.alreadySet(other.path, 'pod.fileGroup', asking[0].fileGroup, `by ${asking[0].path} on ${targetPath}, and ${other.path} needs ${other.fileGroup}; a pod has one file group`);
  }
  return asking.length ? { gid: asking[0].fileGroup!, owner: asking[0] } : undefined;
}

function interception(targetPath: string, owner: ResolvedSidecar, app: AppPodModel, proxyWaitsFor: ReadonlySet<string>): ComposedInterception {
  const spec = owner.trafficInterception!;
  const appTcp = app.containers.flatMap(c => c.ports.filter(p => p.protocol === Protocol.TCP).map(p => p.port));
  if (spec.appPorts) {
    // A declared app port that is neither captured nor excluded would take traffic past
    // the proxy (and its authorization) without anyone having said so: a typo, most often.
    for (const c of app.containers) {
      for (const p of c.ports) {
        if (p.protocol === Protocol.TCP && !spec.appPorts.includes(p.port) && !spec.excludeInboundPorts.includes(p.port)) {
          throw Errors.portNotCaptured(owner.path, userField(owner.origins, '', 'pod.trafficInterception.appPorts').replace(/^pod\.trafficInterception\./, ''),
            spec.appPorts, p.port, c.name, targetPath);
        }
      }
    }
  }
  const ports = [...new Set(spec.appPorts ?? appTcp)].filter(p => !spec.excludeInboundPorts.includes(p)).sort((a, b) => a - b);
  return { spec, owner, appPorts: ports, proxyWaitsFor };
}

function checkAgainstApp(targetPath: string, app: AppPodModel, set: SidecarSet): void {
  for (const c of app.initContainers.length ? [...app.initContainers, ...app.containers] : app.containers) {
    const sidecar = set.names.get(c.name);
    if (sidecar) { throw Errors.duplicateContainerName(sidecar, c.name, `${targetPath} (app container)`, targetPath); }
    if (c.uid !== undefined && c.uid !== 0) {
      const owner = set.uids.get(c.uid);
      // A sidecar that runs as this app container's user on purpose (ContainerSecurity.sameUserAs) shares it.
      if (owner && owner.sameUserAs !== c.name) { throw Errors.uidClash(owner.path, owner.field, c.uid, targetPath, `app container "${c.name}" runAsUser`); }
    }
    if (app.initContainers.includes(c) && !c.longRunning) { continue; }
    const exemptGid = set.interceptor?.trafficInterception?.proxyGid;
    if (exemptGid !== undefined && c.gid === exemptGid) {
      throw Errors.exemptGroup(targetPath, `app container "${c.name}" runAsGroup`, exemptGid, c.name, set.interceptor!.path, targetPath);
    }
    for (const p of c.ports) {
      const owner = set.ports.get(`${p.port}/${p.protocol}`);
      if (owner) { throw Errors.portClash(owner.path, owner.field, p.port, p.protocol, targetPath, `app container "${c.name}"`); }
    }
  }
  // Mounts of the workload's own volumes (SidecarOverrides.appVolumeMounts) need the volume in the pod.
  for (const c of set.containers) {
    c.appVolumeMounts.forEach((m, i) => {
      if (!app.volumes.includes(m.volume)) {
        throw Errors.appVolumeMissing(c.owner.path, userField(c.origins, c.field, `appVolumeMounts[${i}].volume`), m.volume, targetPath, [...app.volumes]);
      }
    });
  }
  for (const v of set.volumes) {
    if (app.volumes.includes(v.composed.volume.name)) {
      throw Errors.volumeConflict(v.composed.owners[0].path, v.field, v.composed.volume.name, targetPath, 'is also a volume of the app in');
    }
  }
}

function mergeVolumes(sidecars: ResolvedSidecar[]): Array<{ composed: ComposedVolume; field: string }> {
  const byName = new Map<string, { composed: ComposedVolume; field: string }>();
  for (const s of sidecars) {
    s.volumes.forEach((v, i) => {
      const field = `volumes[${i}].name`;
      const existing = byName.get(v.name);
      if (!existing) {
        byName.set(v.name, { composed: { volume: v, owners: [s] }, field });
      } else if (sameJson(existing.composed.volume, v)) {
        existing.composed.owners.push(s);
      } else {
        throw Errors.volumeConflict(s.path, field, v.name, existing.composed.owners[0].path, 'has another definition in');
      }
    });
  }
  return [...byName.values()];
}

function appChanges(targetPath: string, app: AppPodModel, sidecars: ResolvedSidecar[]) {
  const appNames = app.containers.map(c => c.name);
  const appEnv = new Map<string, EnvVarSpec[]>(appNames.map(n => [n, []]));
  const appMounts = new Map<string, ResolvedMount[]>(appNames.map(n => [n, []]));
  const envOwner = new Map<string, { path: string; value: unknown }>();
  const mountOwner = new Map<string, string>();
  for (const s of sidecars) {
    const req = s.appRequests;
    const targets = req.containers ?? appNames;
    req.containers?.forEach((name, i) => {
      if (!appNames.includes(name)) {
        throw Errors.unknownAppContainer(s.path, `appRequests.containers[${i}]`, name, targetPath, appNames);
      }
    });
    for (const name of targets) {
      const appContainer = app.containers.find(c => c.name === name)!;
      req.env.forEach((e, i) => {
        const field = userField(s.origins, '', `appRequests.env[${i}]`);
        const value = envValue(e);
        if (appContainer.env.has(e.name)) {
          const own = appContainer.env.get(e.name);
          if (e.value !== undefined && own === e.value) { return; }
          throw Errors.envConflict(s.path, field, e.name, value, name, `${targetPath} (the app's own env)`, own ?? '<from a source>');
        }
        const key = `${name}\0${e.name}`;
        const other = envOwner.get(key);
        if (other) {
          if (sameJson(other.value, value)) { return; }
          throw Errors.envConflict(s.path, field, e.name, value, name, other.path, other.value);
        }
        envOwner.set(key, { path: s.path, value });
        appEnv.get(name)!.push(e);
      });
      req.mounts.forEach((m, i) => {
        const field = userField(s.origins, '', `appRequests.mounts[${i}].path`);
        if (appContainer.mountPaths.includes(m.path)) {
          throw Errors.mountConflict(s.path, field, m.path, name, `${targetPath} (the app's own volumeMounts)`);
        }
        const key = `${name}\0${m.path}`;
        const other = mountOwner.get(key);
        if (other) { throw Errors.mountConflict(s.path, field, m.path, name, other); }
        mountOwner.set(key, s.path);
        appMounts.get(name)!.push(m);
      });
    }
  }
  return { appEnv, appMounts };
}

/**
 * Orders all sidecar containers so that each starts after what it waits for;
 * otherwise attachment order is kept (stable topological sort).
 *
 * With a transparent proxy (`proxy`, the container traffic is redirected to), every other
 * long-running sidecar container also starts after the proxy, unless the proxy itself
 * waits for it: from then on its traffic is redirected, and a sidecar that needs the
 * network to become ready (OPA's first bundle, an agent's login through a mesh that
 * requires mTLS) would otherwise hold up the proxy behind it forever on Kubernetes,
 * where native sidecars start one after the other. This is an ordering only; no
 * dependsOn is added. Init steps keep their place (before the redirect rules they still
 * have a plain network).
 */
function startOrder(sidecars: ResolvedSidecar[], proxy?: string): { order: ResolvedContainer[]; proxyWaitsFor: ReadonlySet<string> } {
  const all = sidecars.flatMap(s => s.containers);
  const byName = new Map(all.map(c => [c.name, c]));
  const known = all.map(c => c.name);
  const waitsFor = new Map<ResolvedContainer, ResolvedContainer[]>();
  for (const c of all) {
    const deps = c.dependsOn.map((d, i) => {
      const field = `${c.field}dependsOn[${i}]`;
      const target = byName.get(d.container);
      if (!target) { throw Errors.unknownDependency(c.owner.path, `${field}.container`, d.container, known); }
      if (d.condition === WaitCondition.COMPLETED && target.role !== StartupRole.INIT_STEP) {
        throw Errors.dependencyCondition(c.owner.path, `${field}.condition`, d.condition, d.container, 'long-running sidecar that never completes',
          'Wait for STARTED or HEALTHY');
      }
      if (d.condition !== WaitCondition.COMPLETED && target.role === StartupRole.INIT_STEP) {
        throw Errors.dependencyCondition(c.owner.path, `${field}.condition`, d.condition, d.container, 'init step that exits when done',
          'Wait for COMPLETED');
      }
      if (d.condition === WaitCondition.HEALTHY && !target.startupProbe && !target.readinessProbe) {
        throw Errors.healthyNeedsProbe(target.owner.path, `${field} (waiting for ${d.container})`, d.container);
      }
      return target;
    });
    waitsFor.set(c, deps);
  }
  const proxyContainer = proxy === undefined ? undefined : byName.get(proxy);
  const proxyNeeds = new Set<ResolvedContainer>();
  if (proxyContainer) {
    const visit = (c: ResolvedContainer) => waitsFor.get(c)!.forEach(d => {
      if (!proxyNeeds.has(d)) { proxyNeeds.add(d); visit(d); }
    });
    visit(proxyContainer);
    for (const c of all) {
      if (c !== proxyContainer && c.role === StartupRole.SIDECAR && !proxyNeeds.has(c) && !waitsFor.get(c)!.includes(proxyContainer)) {
        waitsFor.set(c, [...waitsFor.get(c)!, proxyContainer]);
      }
    }
  }
  const done = new Set<ResolvedContainer>();
  const order: ResolvedContainer[] = [];
  while (order.length < all.length) {
    const next = all.find(c => !done.has(c) && waitsFor.get(c)!.every(d => done.has(d)));
    if (!next) {
      const cycle = findCycle(all.filter(c => !done.has(c)), waitsFor);
      throw Errors.dependencyCycle(cycle[0].owner.path, cycle.map(c => c.name), cycle[1].owner.path);
    }
    done.add(next);
    order.push(next);
  }
  return { order, proxyWaitsFor: new Set([...proxyNeeds].map(c => c.name)) };
}

function findCycle(remaining: ResolvedContainer[], waitsFor: Map<ResolvedContainer, ResolvedContainer[]>): ResolvedContainer[] {
  // Every remaining container waits for at least one remaining container: walk until one repeats.
  const path: ResolvedContainer[] = [];
  let current = remaining[0];
  while (!path.includes(current)) {
    path.push(current);
    current = waitsFor.get(current)!.find(d => remaining.includes(d))!;
  }
  return [...path.slice(path.indexOf(current)), current];
}
