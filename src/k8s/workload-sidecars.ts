import { createHash } from 'crypto';
import { ApiObject, Include, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { AppInitContainerPlacement } from './placement';
import { PodTransform } from './pod-transform';
import { DEFAULT_REDIRECT_IMAGE, REDIRECT_VOLUME, RULES_FILE, RULES_FILE_NFT, RULES_FILE_V6, nftRules, redirectRules, rulesByCni } from './redirect';
import { APPARMOR_FIELD_SINCE, INJECTED_ANNOTATION, injectIntoWorkload } from './render';
import { KeySettings, RenderMemoEntry, SidecarList, cloneJson, memoEntry, renderKey, renderMemo, reuseRendering } from './render-memo';
import { kubernetesRuntime } from './runtime';
import { claimSeccompProfile } from './seccomp-profile-object';
import { KubernetesTarget, SidecarMode, checkBinderOptions, modeForVersion, versionAtLeast } from './target';
import { libraryVersion } from './version';
import { isWorkloadKind, podTemplate, readWorkloadPod } from './workload';
import { checkKubectlReadsStrings } from './yaml-safety';
import { ComposedPod, checkSidecars, composePod, isDeterministic, sidecarPath } from '../core/composition';
import { StartupRole } from '../core/container';
import { checkRuntimeContract } from '../core/contract';
import { ISidecar, PodServiceSpec, WorkloadIdentity } from '../core/contribution';
import { Errors } from '../core/errors';
import { checkImagePinned } from '../core/image-policy';
import { Origins, ResolvedSidecar, resolveContribution, userField } from '../core/resolve';
import { refuseTokens } from '../core/token-check';
import { VolumeKind } from '../core/volume';

/**
 * The service account a pod spec names: `serviceAccountName`, or `serviceAccount`
 * ("DeprecatedServiceAccount is a deprecated alias for ServiceAccountName": the PodSpec
 * of the Kubernetes OpenAPI, vendored in test/validate/schemas/kubernetes/api__v1_openapi.json).
 */
function ownServiceAccount(spec: any): string | undefined {
  return spec?.serviceAccountName || spec?.serviceAccount || undefined;
}

/**
 * The prop that sets (or would set) the redirect image: the user's own where given, else the
 * one beside the interception props the user wrote (`redirectImage` on EnvoySidecar,
 * `interceptTraffic.redirectImage` on Sidecar).
 */
function redirectImageField(origins: Origins): string {
  const own = origins.get('pod.trafficInterception.redirectImage')?.prop;
  if (own) { return own; }
  for (const [key, o] of origins) {
    if (!key.startsWith('pod.trafficInterception.')) { continue; }
    const rest = key.slice('pod.trafficInterception.'.length);
    if (o.prop.endsWith(rest)) { return `${o.prop.slice(0, o.prop.length - rest.length)}redirectImage`; }
  }
  // A sidecar whose interception props were all left at their defaults: EnvoySidecar's top-level prop.
  return 'redirectImage';
}
/** The namespace label that sets the Pod Security level admission enforces (pod-security.kubernetes.io/enforce). */
const PSA_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

/** Most data one ConfigMap or Secret may hold (core.MaxSecretSize, 1 MiB). */
const MAX_CONFIG_OBJECT_BYTES = 1024 * 1024;

/**
 * The API server refuses a ConfigMap or Secret whose values add up to more than 1 MiB
 * (kubernetes/kubernetes pkg/apis/core/validation ValidateConfigMap and ValidateSecret: core.MaxSecretSize).
 */
function checkConfigObjectSize(pod: ComposedPod, composed: ComposedPod['volumes'][number]): void {
  const volume = composed.volume;
  const total = volume.files.reduce((n, f) => n + Buffer.byteLength(f.content, 'utf-8'), 0);
  if (total <= MAX_CONFIG_OBJECT_BYTES) { return; }
  const mount = pod.containers.flatMap(c => c.volumeMounts).find(m => m.volume === volume.name);
  // A generated file names the prop that made it large (FieldOrigin); given files (the generic
  // Sidecar's configFiles) are named by their directory, which is the one volume they share.
  const owner = composed.owners[0];
  const at = owner.volumes.findIndex(v => v.name === volume.name);
  const sizes = volume.files.map(f => Buffer.byteLength(f.content, 'utf-8'));
  const origin = owner.origins.get(`volumes[${at}].files[${sizes.indexOf(Math.max(...sizes))}].content`);
  const generated = origin !== undefined && !origin.prop.startsWith('configFiles[');
  throw Errors.unrepresentableValue(owner.path, generated ? origin.prop : `configFiles in ${mount?.path ?? `volume ${JSON.stringify(volume.name)}`}`, `${total} bytes`,
    `a Kubernetes ${volume.sensitive ? 'Secret' : 'ConfigMap'}`, `the API server takes at most ${MAX_CONFIG_OBJECT_BYTES} bytes (1 MiB) of data in one`,
    generated ? `Shorten ${origin.prop}, or ship large content in the image`
      : 'Split the files across directories (each directory is one volume), or ship large content in the image');
}

/** What a sidecar says of itself before it knows the pod, and whether that asks for objects beside the workload. */
interface Alone {
  readonly described: ResolvedSidecar;
  /** ConfigMaps, Secrets, RBAC or Services: most sidecars need none. */
  readonly needsObjects: boolean;
}

/** What each deterministic sidecar says of itself before it knows the pod: the same for every workload. */
const alone = new WeakMap<ISidecar, Alone>();

/** The sidecar described without the pod: which volumes, Services and RBAC it needs whatever the pod holds. */
function describedAlone(sidecar: ISidecar, target: IConstruct): Alone {
  const known = alone.get(sidecar);
  if (known) { return known; }
  const described = resolveContribution(sidecarPath(sidecar), sidecar.contribute({
    targetPath: target.node.path,
    appContainers: [],
    identity: WorkloadIdentity.KUBERNETES_SERVICE_ACCOUNT,
    fileGroups: true,
    preStopHooks: true,
  }));
  const result = {
    described,
    needsObjects: described.readsPodMetadata || described.services.length > 0 || described.trafficInterception !== undefined
      || described.volumes.some(v => v.kind === VolumeKind.CONFIG_FILES),
  };
  if (isDeterministic(sidecar)) { alone.set(sidecar, result); }
  return result;
}

/**
 * Options of the sidecars of one workload.
 */
export interface WorkloadSidecarsOptions {
  /**
   * Native or classic sidecars.
   * @default - from the target Kubernetes version (`KubernetesTarget`): native from 1.29, classic before; native when none is stated
   */
  readonly mode?: SidecarMode;
  /**
   * Where the workload's own init containers go relative to the injected containers.
   * @default AppInitContainerPlacement.BEFORE_SIDECARS
   */
  readonly appInitContainers?: AppInitContainerPlacement;
}

/**
 * Where an object's WorkloadSidecars is kept: a property of the object, under a symbol of this
 * module (JSON, key listings and for...in skip symbols, and no other code has this one). A WeakMap
 * entry, written once per workload, cost 0.19 µs against 0.04 µs for the property (node 20), and
 * attaching five sidecars to a workload went from about 0.55 to 0.25 µs.
 */
const ATTACHED = Symbol('cdk-sidecars.WorkloadSidecars');
function attachmentOf(obj: ApiObject): WorkloadSidecars | undefined {
  return (obj as any)[ATTACHED];
}
const NONE: readonly never[] = Object.freeze([]);
const NO_NAMES: ReadonlyMap<string, string> = new Map();
const NO_OPTIONS: WorkloadSidecarsOptions = Object.freeze({});

/** Apps (construct roots) already told on stderr which mode was chosen without a target. */
const toldDefaultMode = new WeakSet<IConstruct>();

/**
 * Said when no target version and no mode were given and a workload has long-running
 * sidecars: which mode was chosen and why (every Kubernetes release still supported
 * upstream has native sidecars: beta and on by default since 1.29, https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/).
 */
const DEFAULT_MODE_NOTE = 'no KubernetesTarget stated: long-running sidecars are native (init containers with restartPolicy: Always, '
  + 'Kubernetes 1.29 or later), the default since every Kubernetes release still supported upstream has them. '
  + 'For an older cluster state it once with KubernetesTarget.set(app, \'1.28\') (classic sidecars), '
  + 'or choose per workload with WorkloadSidecarsOptions.mode';

const DEFAULT_MODE_NOTED: readonly string[] = Object.freeze([DEFAULT_MODE_NOTE]);

/** Whether a composed pod has long-running sidecars (an index loop: asked for every workload, it makes no closure). */
function hasLongRunning(composed: ComposedPod): boolean {
  for (let i = 0; i < composed.containers.length; i++) {
    if (composed.containers[i].role === StartupRole.SIDECAR) { return true; }
  }
  return false;
}

/** The root of a construct's tree (constructs' Node.root lists every scope on the way). */
function rootOf(c: IConstruct): IConstruct {
  let r = c;
  for (let up = r.node.scope; up; up = up.node.scope) { r = up; }
  return r;
}

/** Finds the one workload ApiObject behind a construct, or explains why there is none. */
function workloadObject(workload: IConstruct): ApiObject {
  if (workload instanceof Include) {
    const found = workload.apiObjects.filter(o => isWorkloadKind(o.kind));
    if (found.length === 1) { return found[0]; }
    if (found.length === 0) {
      throw Errors.notAWorkload(workload.node.path, `YAML include of ${[...new Set(workload.apiObjects.map(o => o.kind))].join(', ') || 'nothing'}`);
    }
    throw Errors.ambiguousWorkload(workload.node.path, found.length);
  }
  let obj: ApiObject;
  if (ApiObject.isApiObject(workload)) {
    obj = workload;
  } else {
    try {
      obj = ApiObject.of(workload);
    } catch {
      throw Errors.notAWorkload(workload.node.path, `construct (${workload.constructor.name}) without a Kubernetes object`);
    }
  }
  if (!isWorkloadKind(obj.kind)) { throw Errors.notAWorkload(workload.node.path, obj.kind); }
  return obj;
}

/**
 * The sidecars of one Kubernetes workload. Works at the ApiObject level, so it
 * serves cdk8s-plus (any version) workloads, raw `ApiObject`s such as
 * `KubeDeployment`, and objects brought in with `Include`: Deployment, StatefulSet,
 * DaemonSet, ReplicaSet, ReplicationController, Job, CronJob and Pod.
 *
 * At synthesis the sidecars are composed with the pod (the whole pod is checked:
 * ports, UIDs, volumes, env, names, start order) and injected into its JSON.
 *
 * It is not a construct of its own: it hooks the workload's object, so a chart of many
 * workloads has no extra construct per workload to visit at synthesis. What it makes beside the
 * workload (ConfigMaps, Secrets, RBAC, Services) is under `<workload>/CdkSidecars`.
 *
 * @example
 * WorkloadSidecars.of(deployment).add(logShipper, metrics);
 */
export class WorkloadSidecars {
  /**
   * The sidecars of `workload`, created on first use. Calling it again returns the
   * same object, so attaching is idempotent.
   *
   * @param workload a cdk8s-plus workload, an ApiObject, or an Include holding one workload
   * @param options options; when given again they must not differ
   */
  public static of(workload: IConstruct, options?: WorkloadSidecarsOptions): WorkloadSidecars {
    if (options !== undefined) { checkBinderOptions(workload.node.path, options); }
    const obj = workloadObject(workload);
    const existing = attachmentOf(obj);
    if (existing) {
      existing.configure(options);
      return existing;
    }
    return new WorkloadSidecars(obj, options);
  }

  /**
   * The sidecars of every workload under `scope` that has any (`WorkloadSidecars.of` was called for it).
   * @param scope a chart, an app or any construct
   */
  public static allIn(scope: IConstruct): WorkloadSidecars[] {
    const found: WorkloadSidecars[] = [];
    for (const c of scope.node.findAll()) {
      const a = ApiObject.isApiObject(c) ? attachmentOf(c) : undefined;
      if (a) { found.push(a); }
    }
    return found;
  }

  /** The attachment of an object, if it has one. @internal */
  public static _existing(obj: ApiObject): WorkloadSidecars | undefined {
    return attachmentOf(obj);
  }

  /** The workload's Kubernetes object. */
  public readonly workload: ApiObject;

  private list = SidecarList.EMPTY;
  // Shared empty values until first written: a large app has one of these per workload.
  private injectors: readonly string[] = NONE;
  private configObjectNames: ReadonlyMap<string, string> = NO_NAMES;
  /** The object's own toJson before the hook (called with the object as `this`). */
  private readonly ownToJson: () => any;
  private path?: string;
  private generated?: Construct;
  private options: WorkloadSidecarsOptions;
  private podReaderCreated = false;
  private services: ReadonlyArray<{ readonly owner: string; readonly svc: PodServiceSpec }> = NONE;
  private podReader?: { readonly reader: string; readonly role: string };
  private serviceAccountName?: string;
  private warned: readonly string[] = NONE;
  private noted: readonly string[] = NONE;
  private lastComposed?: ComposedPod;
  private podTransform?: PodTransform;
  private capture?: { pod?: ComposedPod };
  private annotationSources: ReadonlyArray<{ readonly owner: string; readonly produce: (pod: ComposedPod) => { [key: string]: string } }> = NONE;

  private constructor(workload: ApiObject, options: WorkloadSidecarsOptions | undefined) {
    this.workload = workload;
    // Shared until first written (configure): a large app has one of these per workload.
    this.options = options === undefined ? NO_OPTIONS : { ...options };
    const own = workload.toJson;
    this.ownToJson = own;
    // The one hook that serves every kind of workload: render the sidecars into the
    // object's JSON after cdk8s (or cdk8s-plus) has produced it. (An assignment: defining the
    // property with Object.defineProperty costs about a microsecond per workload.)
    workload.toJson = () => this.render(own.call(workload));
    // After the hook. Written first, it changed how V8 treated the hand-written side of
    // `npm run bench` in the same process (its heap 10 instead of 16 MiB, its rounds slower).
    (workload as any)[ATTACHED] = this;
  }

  /**
   * The construct that holds what the library makes beside the workload (ConfigMaps, Secrets,
   * RBAC, Services): `<workload>/CdkSidecars`, made on first use. A workload that needs none gets no
   * construct of its own: cdk8s visits every construct of a chart at synthesis.
   */
  private scope(): Construct {
    if (!this.generated) { this.generated = new Construct(this.workload, 'CdkSidecars'); }
    return this.generated;
  }

  /** The workload's construct path (worked out on first use: most workloads never need it before synthesis). */
  private get workloadPath(): string {
    if (this.path === undefined) { this.path = this.workload.node.path; }
    return this.path;
  }

  /** Warnings of the last synthesis (also printed to stderr): what the sidecars want said and what Kubernetes cannot do. */
  public get warnings(): string[] {
    return [...this.warned];
  }

  /**
   * What a reviewer should know and need not act on, also printed to stderr: what the library
   * created beyond the workload (RBAC, a ServiceAccount) and the sidecar mode it chose when
   * none was stated (printed once per app).
   */
  public get notes(): string[] {
    return [...this.noted];
  }

  /** The attached sidecars, in attachment order. */
  public get sidecars(): ISidecar[] {
    return [...this.attached];
  }

  private get attached(): readonly ISidecar[] {
    return this.list.sidecars;
  }

  /**
   * Attaches sidecars. A sidecar already attached is skipped (idempotent).
   */
  public add(...sidecars: ISidecar[]): WorkloadSidecars {
    checkSidecars(sidecars, () => this.workloadPath);
    for (const sidecar of sidecars) {
      if (this.list.sidecars.includes(sidecar)) { continue; }
      this.list = this.list.with(sidecar);
      this.prepareConfigObjects(sidecar);
    }
    return this;
  }

  /** The sidecars checked together with the app. Throws the first conflict. */
  private compose(): ComposedPod {
    const json = this._originalJson();
    return composePod(this.workloadPath, readWorkloadPod(json), this.attached, WorkloadIdentity.KUBERNETES_SERVICE_ACCOUNT, true, true);
  }

  /**
   * Lays a change over the pod template after injection (PodHardening); one per workload.
   * @internal
   */
  public _setPodTransform(transform: PodTransform): void {
    if (this.podTransform) {
      throw Errors.alreadySet(transform.path, 'sidecars', this.workloadPath, `by ${this.podTransform.path}: one PodHardening per workload`);
    }
    this.podTransform = transform;
  }

  /** @internal */
  public _recordInjector(path: string): void {
    if (!this.injectors.includes(path)) { this.injectors = [...this.injectors, path]; }
  }

  /** The workload's JSON as written, before injection. @internal */
  public _originalJson(): any {
    return this.ownToJson.call(this.workload);
  }

  /**
   * The workload as it will be deployed, for the constructs generated around it (network
   * policies, monitors, autoscalers, reports): its JSON with the sidecars injected, and the
   * composed pod of that rendering (which containers are whose, ports, UIDs, resources).
   * Call it at synthesis (from a Lazy value or a validation), when the pod is final. @internal
   */
  public _rendered(): { readonly json: any; readonly pod: ComposedPod } {
    // Captured for this one call only: a ComposedPod kept per workload would stay in memory for
    // the whole synthesis of a large app.
    this.capture = { pod: undefined };
    try {
      const json = this.workload.toJson();
      return { json, pod: this.capture.pod ?? this.compose() };
    } finally {
      this.capture = undefined;
    }
  }

  /**
   * Adds pod annotations computed from the composed pod at each rendering, for a construct generated
   * around the workload (e.g. SidecarMonitoring's `prometheus.io/*`). `owner` is the construct's path,
   * for the error when the pod template already has one of the keys with another value. @internal
   */
  public _addPodAnnotations(owner: string, produce: (pod: ComposedPod) => { [key: string]: string }): void {
    this.annotationSources = [...this.annotationSources, { owner, produce }];
  }

  private addPodAnnotations(template: { metadata?: any }, composed: ComposedPod): void {
    // Index loops on this path: a for...of over an array allocates an iterator per workload.
    for (let i = 0; i < this.annotationSources.length; i++) {
      const { owner, produce } = this.annotationSources[i];
      const wanted = produce(composed);
      if (Object.keys(wanted).length === 0) { continue; }
      template.metadata = template.metadata ?? {};
      const annotations = template.metadata.annotations = template.metadata.annotations ?? {};
      for (const [key, value] of Object.entries(wanted)) {
        if (annotations[key] !== undefined && annotations[key] !== value) {
          throw Errors.alreadySet(owner, `pod annotation ${JSON.stringify(key)}`, annotations[key], `on the pod template of ${this.workloadPath}, and ${owner} needs ${JSON.stringify(value)}`);
        }
        annotations[key] = value;
      }
    }
  }

  /** Records a message once (warnings or notes) and prints it to stderr. */
  private say(kind: 'warning' | 'note', message: string): void {
    const list = kind === 'warning' ? this.warned : this.noted;
    if (list.includes(message)) { return; }
    if (kind === 'warning') { this.warned = [...list, message]; } else { this.noted = [...list, message]; }
    process.stderr.write(`[cdk-sidecars] ${kind}: ${message}\n`);
  }

  private note(message: string): void {
    this.say('note', message);
  }

  /** When the mode was chosen by default for a pod with long-running sidecars, says so (stderr once per app). */
  private noteDefaultMode(composed: ComposedPod, targetVersion: string | undefined): void {
    if (targetVersion !== undefined || this.options.mode !== undefined || this.noted.includes(DEFAULT_MODE_NOTE)) { return; }
    if (!hasLongRunning(composed)) { return; }
    this.noted = this.noted.length === 0 ? DEFAULT_MODE_NOTED : [...this.noted, DEFAULT_MODE_NOTE];
    const root = rootOf(this.workload);
    if (!toldDefaultMode.has(root)) {
      toldDefaultMode.add(root);
      process.stderr.write(`[cdk-sidecars] note: ${DEFAULT_MODE_NOTE}\n`);
    }
  }

  private report(messages: readonly string[]): void {
    for (let i = 0; i < messages.length; i++) { this.say('warning', messages[i]); }
  }

  private configure(options: WorkloadSidecarsOptions | undefined): void {
    for (const [key, value] of Object.entries(options ?? {})) {
      const current = (this.options as any)[key];
      if (value === undefined || current === value) { continue; }
      if (current !== undefined) {
        throw Errors.invalidRole(this.workloadPath, key, value, `differs from ${JSON.stringify(current)} given earlier for this workload`, 'Give the options once, or the same options every time');
      }
      this.options = { ...this.options, [key]: value };
    }
  }

  /**
   * A hostPath volume in a namespace whose Pod Security admission enforces `baseline` or
   * `restricted` would be refused by the API server: the hostPathVolumes check is a baseline one,
   * and restricted includes baseline (kubernetes/pod-security-admission policy/check_hostPathVolumes.go).
   * The level is read from the `pod-security.kubernetes.io/enforce` label of the workload's
   * Namespace where the app defines it (https://kubernetes.io/docs/concepts/security/pod-security-admission/).
   */
  private checkHostPathAdmitted(composed: ComposedPod): void {
    // The first is named in the error.
    let v: ComposedPod['volumes'][number] | undefined;
    for (let i = 0; i < composed.volumes.length && v === undefined; i++) {
      if (composed.volumes[i].volume.kind === VolumeKind.HOST_PATH) { v = composed.volumes[i]; }
    }
    if (v === undefined) { return; }
    const namespace = this.workload.metadata.namespace;
    if (namespace === undefined) { return; }
    for (const obj of this.workload.node.root.node.findAll()) {
      if (!ApiObject.isApiObject(obj) || obj.kind !== 'Namespace' || obj.apiVersion !== 'v1' || obj.metadata.name !== namespace) { continue; }
      const level = obj.metadata.getLabel(PSA_ENFORCE_LABEL);
      if (level !== 'baseline' && level !== 'restricted') { continue; }
      const owner = v.owners[0];
      const at = owner.volumes.findIndex(x => x.name === v.volume.name);
      throw Errors.hostPathForbidden(owner.path, userField(owner.origins, '', `volumes[${at}].hostPath`), v.volume.hostPath!, this.workloadPath,
        obj.node.path, namespace, level);
    }
  }

  private render(json: any): any {
    if (this.attached.length === 0) { return this.podTransform ? this.podTransform.apply(json, undefined) : json; }
    const template = podTemplate(json);
    // Read once: a read from a cdk8s-plus object, whose hidden class is often its own, is a lookup in the runtime.
    const annotations = template.metadata?.annotations;
    const injected = annotations?.[INJECTED_ANNOTATION];
    if (injected !== undefined) { throw Errors.alreadyInjected(this.workloadPath, injected); }
    const targetVersion = KubernetesTarget._versionOfWorkload(this.workload);
    // Neither can fail without a stated version, which then needs no path (nor a closure made for it).
    const at = targetVersion === undefined ? '' : () => this.workloadPath;
    const settings: KeySettings = {
      mode: modeForVersion(targetVersion, at, this.options.mode),
      appInitContainers: this.options.appInitContainers ?? AppInitContainerPlacement.BEFORE_SIDECARS,
      configObjectNames: this.configObjectNames,
      injectors: this.injectors,
      serviceAccountName: this.serviceAccountName,
      appArmorField: versionAtLeast(targetVersion, at, APPARMOR_FIELD_SINCE),
    };
    const key = renderKey(json, annotations, this.list, settings);
    const memo = key === undefined ? undefined : renderMemo(rootOf(this.workload));
    const slot = key === undefined ? undefined : memo!.slot(key);
    const hit = slot === undefined ? undefined : memo!.find(slot, template.spec);
    // The pod spec as written, compared with later workloads' (injection changes it in place).
    const original = slot !== undefined && !hit && !memo!.full ? cloneJson(template.spec) : undefined;
    let composed: ComposedPod;
    let warnings: readonly string[];
    let rendered: any;
    if (hit) {
      // The same app pod and sidecars as a workload rendered before: only what depends on this
      // workload's place in the construct tree is checked again.
      composed = hit.composed;
      this.checkWorkload(composed);
      warnings = hit.warnings;
      this.report(warnings);
      if (composed.readsPodMetadata.length) { this.notePodReader(template.spec); }
      rendered = reuseRendering(json, template, hit, this.configObjectNames);
    } else {
      composed = composePod(this.workloadPath, readWorkloadPod(json), this.attached, WorkloadIdentity.KUBERNETES_SERVICE_ACCOUNT, true, true);
      refuseTokens(composed, 'Kubernetes', 'cdk8s writes the manifest at synthesis and resolves only its own Lazy values: an aws-cdk-lib token would be deployed as its placeholder text');
      this.checkWorkload(composed);
      checkRuntimeContract(composed, kubernetesRuntime(template.spec, template.spec?.securityContext?.fsGroup ?? composed.fileGroup?.gid));
      warnings = this.podWarnings(composed, template.spec);
      this.report(warnings);
      this.checkConfigVolumes(composed);
      // Before injection, which may name a service account (the note says whether the pod named one).
      if (composed.readsPodMetadata.length) { this.notePodReader(template.spec); }
      rendered = injectIntoWorkload(json, composed, { ...settings, version: libraryVersion() });
    }
    this.noteDefaultMode(composed, targetVersion);
    if (this.capture) { this.capture.pod = composed; }
    // Kept only for the ConfigMaps and Secrets rendered next (see configData).
    this.lastComposed = this.configObjectNames.size > 0 ? composed : undefined;
    // Injection and reuse wrote into the workload's own pod template (`template`).
    const entry: RenderMemoEntry | undefined = original === undefined || warnings.some(w => w.includes(this.workloadPath)) ? undefined
      : memoEntry(original, template, composed, warnings, this.configObjectNames);
    const own = this.annotationSources.length > 0 || this.podTransform !== undefined;
    this.addPodAnnotations(template, composed);
    if (this.podTransform) { this.podTransform.apply(rendered, composed); }
    if (!hit || own) {
      // A string kubectl would misread, let through because this workload's JSON has it, is
      // checked again for every workload: it is not reused.
      const excused = checkKubectlReadsStrings(this.workloadPath, composed, () => this._originalJson(), rendered, '', this.attached);
      if (entry && !excused) { memo!.add(slot!, entry); }
    }
    for (let i = 0; i < this.services.length; i++) {
      const { owner, svc } = this.services[i];
      checkKubectlReadsStrings(this.workloadPath, composed, () => ({}), svc.annotations ?? {}, `Service ${svc.name} metadata.annotations`, this.attached, owner);
    }
    return rendered;
  }

  /** What depends on where the workload is in the construct tree: its namespace, ImagePolicy scope and seccomp profiles. */
  private checkWorkload(composed: ComposedPod): void {
    this.checkHostPathAdmitted(composed);
    for (let at = 0; at < composed.containers.length; at++) {
      const c = composed.containers[at];
      const profile = c.security.localhostSeccompProfile;
      if (profile) { claimSeccompProfile(this.workload, profile, c.owner.path, userField(c.origins, c.field, 'security.localhostSeccompProfile')); }
    }
    if (composed.trafficInterception) {
      // ImagePolicy.requireDigests: the redirect init container (or the CNI mode's check) is added for the proxy.
      const i = composed.trafficInterception;
      checkImagePinned([...this.attached.filter(a => sidecarPath(a) === i.owner.path), this.workload], i.owner.path,
        redirectImageField(i.owner.origins), i.spec.redirectImage ?? DEFAULT_REDIRECT_IMAGE);
    }
  }

  /** The warnings of a composed pod on Kubernetes. */
  private podWarnings(composed: ComposedPod, spec: any): string[] {
    const cni = composed.trafficInterception && rulesByCni(composed.trafficInterception.spec) ? composed.trafficInterception : undefined;
    return [
      ...composed.warnings,
      // With the rules installed by the CNI plugin before any container runs, the workload's own init containers
      // are redirected too, to a proxy that does not run yet (istio/istio#27382; Istio's CNI docs: run them as the proxy's UID).
      ...(cni && (spec?.initContainers ?? []).length ? [`${cni.owner.path}: the CNI plugin installs the redirect rules before any container starts, `
        + `so the outbound TCP traffic of ${this.workloadPath}'s init containers (${(spec.initContainers as any[]).map(c => c.name).join(', ')}) goes to Envoy's port `
        + `${cni.spec.outboundPort} before Envoy runs and fails: run them as UID ${cni.spec.proxyUid} (exempt), or exclude the ports or CIDRs they reach`] : []),
      ...composed.cloudPermissions.map(({ owner, permission }) => `${owner.path}: needs ${permission.provider} permissions `
        + `${permission.actions.join(', ')} on ${permission.resources.join(', ')}, which Kubernetes cannot grant: give them to the pod's service account `
        + '(EKS Pod Identity or IRSA)'),
    ];
  }

  /** The config volumes of the pod: each made when the sidecar was attached, and each fits a ConfigMap or Secret. */
  private checkConfigVolumes(composed: ComposedPod): void {
    if (composed.trafficInterception && !rulesByCni(composed.trafficInterception.spec) && !this.configObjectNames.has(REDIRECT_VOLUME)) {
      throw Errors.invalidVolume(composed.trafficInterception.owner.path, 'pod.trafficInterception', composed.trafficInterception.spec.proxyContainer,
        'appeared only once the pod was known; whether a sidecar intercepts traffic must not depend on the pod', 'Request the interception whatever the pod holds');
    }
    for (const v of composed.volumes) {
      if (v.volume.kind !== VolumeKind.CONFIG_FILES) { continue; }
      if (!this.configObjectNames.has(v.volume.name)) {
        throw Errors.invalidVolume(v.owners[0].path, 'volumes', v.volume.name, 'appeared only once the pod was known; which config volumes a sidecar has must not depend on the pod',
          'Declare the volume whatever the pod holds (its content may depend on the pod)');
      }
      checkConfigObjectSize(composed, v);
      if (!v.volume.sensitive) {
        checkKubectlReadsStrings(this.workloadPath, composed, () => ({}), Object.fromEntries((v.volume.files ?? []).map(f => [f.name, f.content])), 'data', this.attached,
          v.owners[0].path);
      }
    }
  }

  /**
   * Creates the ConfigMap or Secret of each config volume of a sidecar. Which volumes a
   * sidecar has does not depend on the pod; their content may, so it is produced at
   * synthesis from the composed pod.
   */
  private prepareConfigObjects(sidecar: ISidecar): void {
    const { described, needsObjects } = describedAlone(sidecar, this.workload);
    if (!needsObjects) { return; }
    for (const volume of described.volumes) {
      if (volume.kind !== VolumeKind.CONFIG_FILES || this.configObjectNames.has(volume.name)) { continue; }
      this.configObject(volume.name, volume.sensitive, () => this.configData(volume.name, volume.sensitive));
    }
    if (described.readsPodMetadata && !this.podReaderCreated) {
      this.createPodReader(described.path);
    }
    for (const svc of described.services) { this.createService(described.path, svc); }
    if (described.trafficInterception && !rulesByCni(described.trafficInterception) && !this.configObjectNames.has(REDIRECT_VOLUME)) {
      // The redirect rules depend on the app's ports: produced from the composed pod.
      this.configObject(REDIRECT_VOLUME, false, () => {
        const interception = (this.lastComposed ?? this.compose()).trafficInterception;
        const data: { [key: string]: string } = {};
        if (interception?.spec.nativeNftables) {
          data[RULES_FILE_NFT] = nftRules(interception);
        } else if (interception) {
          data[RULES_FILE] = redirectRules(interception, 4);
          data[RULES_FILE_V6] = redirectRules(interception, 6);
        }
        return data;
      });
    }
  }

  /**
   * RBAC for sidecars that read their pod's metadata: a Role allowing get, list and watch
   * on pods of the namespace, bound to the service account the pod runs as (read at
   * synthesis, so an account set after the sidecars were attached is the one bound). A
   * ServiceAccount is made only for a pod that names none when the sidecars are attached:
   * such a pod runs as its namespace's "default" account, which the Role must not be given
   * (every other pod of the namespace runs as it too). cdk8s-plus-27 workloads render no
   * serviceAccountName unless given a `serviceAccount` (cdk8s-plus-27 lib/pod.js
   * `_toPodSpec`), so they are such pods. The pod's identity changes only then, and the
   * note says so.
   */
  private createPodReader(reader: string): void {
    this.podReaderCreated = true;
    const namespace = this.workload.metadata.namespace;
    const labels = { 'app.kubernetes.io/managed-by': 'cdk-sidecars' };
    if (!ownServiceAccount(podTemplate(this._originalJson()).spec)) {
      const account = `${this.workload.name}-sidecars`.slice(0, 253);
      this.serviceAccountName = account;
      new ApiObject(this.scope(), 'service-account', {
        apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account, namespace, labels }, automountServiceAccountToken: false,
      });
    }
    const role = `${this.workload.name}-pod-reader`.slice(0, 253);
    this.podReader = { reader, role };
    new ApiObject(this.scope(), 'pod-reader-role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: role, namespace, labels },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    });
    new ApiObject(this.scope(), 'pod-reader-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: role, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
      subjects: Lazy.any({
        produce: () => [{ kind: 'ServiceAccount', name: this.boundAccount(podTemplate(this._originalJson()).spec), ...(namespace ? { namespace } : {}) }],
      }),
    });
  }

  /**
   * A Service a sidecar needs (PodRequirements.services), selecting the workload's pods by its
   * label selector, read at synthesis. A workload without one (a Job, a bare Pod) gets a warning.
   */
  private createService(owner: string, svc: PodServiceSpec): void {
    if (this.services.some(s => s.svc.name === svc.name)) { return; }
    this.services = [...this.services, { owner, svc }];
    const matchLabels = () => this._originalJson()?.spec?.selector?.matchLabels;
    const labels = matchLabels();
    if (!labels || typeof labels !== 'object' || Object.keys(labels).length === 0) {
      this.say('warning', `${owner}: needs a Service "${svc.name}" that selects the pod (ports ${svc.ports.map(p => `${p.port}->${p.targetPort}`).join(', ')}), `
        + `but ${this.workloadPath} has no label selector (spec.selector.matchLabels) to select its pods by: create the Service yourself`);
      return;
    }
    const annotations = Object.keys(svc.annotations ?? {}).length ? svc.annotations : undefined;
    new ApiObject(this.scope(), `service-${svc.name}`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: svc.name,
        namespace: this.workload.metadata.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'cdk-sidecars' },
        // Checked for kubectl's reading with the pod, at synthesis (render).
        ...(annotations ? { annotations } : {}),
      },
      spec: {
        selector: Lazy.any({ produce: () => ({ ...matchLabels() }) }),
        ...(svc.headless ? { clusterIP: 'None' } : {}),
        ports: svc.ports.map(p => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: 'TCP' })),
      },
    });
  }

  /** The service account the pod runs as once injected: its own, else the one made for it. */
  private boundAccount(spec: any): string {
    return ownServiceAccount(spec) ?? this.serviceAccountName ?? 'default';
  }

  /** Says what was created for the pod-metadata readers, and whether the pod's identity changed. */
  private notePodReader(spec: any): void {
    if (!this.podReader) { return; }
    const own = ownServiceAccount(spec);
    const account = this.boundAccount(spec);
    this.note(`${this.podReader.reader}: reads its pod's metadata from the API server: created Role and RoleBinding "${this.podReader.role}" `
      + `(get, list, watch pods in the namespace) for service account "${account}"`
      + (own || !this.serviceAccountName ? ''
        : `, created too: the pod named none (so it ran as its namespace's "default"), its serviceAccountName is now "${account}"; `
          + 'give the workload its own service account to keep its identity'));
  }

  private configObject(volume: string, sensitive: boolean, produce: () => { [key: string]: string }): void {
    // A DNS subdomain of at most 253 characters; a longer one is shortened and keeps a hash
    // of the whole, so two volumes of one long-named workload still get two objects.
    const full = `${this.workload.name}-${volume}`;
    const name = full.length <= 253 ? full
      : `${full.slice(0, 245).replace(/[-.]+$/, '')}-${createHash('sha256').update(full).digest('hex').slice(0, 7)}`;
    this.configObjectNames = new Map([...this.configObjectNames, [volume, name]]);
    new ApiObject(this.scope(), `${volume}-${sensitive ? 'secret' : 'configmap'}`, {
      apiVersion: 'v1',
      kind: sensitive ? 'Secret' : 'ConfigMap',
      metadata: {
        name,
        namespace: this.workload.metadata.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'cdk-sidecars' },
      },
      ...(sensitive ? { type: 'Opaque' } : {}),
      data: Lazy.any({ produce }),
    });
  }

  private configData(volumeName: string, sensitive: boolean): { [key: string]: string } {
    // The workload's JSON is rendered before this object's (it is this object's
    // ancestor), so the composed pod of this synthesis is normally at hand.
    const pod = this.lastComposed ?? this.compose();
    const volume = pod.volumes.find(v => v.volume.name === volumeName)?.volume;
    const data: { [key: string]: string } = {};
    for (const f of volume?.files ?? []) {
      data[f.name] = sensitive ? Buffer.from(f.content, 'utf-8').toString('base64') : f.content;
    }
    return data;
  }
}
