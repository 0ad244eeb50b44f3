import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { podTemplate } from './workload';
import { WorkloadSidecars } from './workload-sidecars';
import { Errors } from '../core/errors';
import { checkPropTypes } from '../core/prop-types';

/**
 * When the Vertical Pod Autoscaler applies its recommendations
 * (`spec.updatePolicy.updateMode`; VPA 1.7.1 CRD, kubernetes/autoscaler
 * vertical-pod-autoscaler/deploy/vpa-v1-crd-gen.yaml).
 * @see https://kubernetes.io/docs/concepts/workloads/autoscaling/vertical-pod-autoscale/
 */
export enum VpaUpdateMode {
  /** Recommendations only: nothing is changed (read them with `kubectl describe vpa`). */
  OFF = 'Off',
  /** Requests are set when a pod is created, never changed on a running pod. */
  INITIAL = 'Initial',
  /** Pods whose requests are far from the recommendation are evicted and recreated with it (VPA's default). */
  RECREATE = 'Recreate',
  /**
   * Resized in place where the node allows (Kubernetes 1.33+ in-place resize), recreated
   * otherwise. GA in VPA 1.6.0 (kubernetes/autoscaler#9082).
   */
  IN_PLACE_OR_RECREATE = 'InPlaceOrRecreate',
  /**
   * Resized in place only, never evicted. Alpha in VPA 1.7.0: needs the VPA feature gate
   * `InPlace` on the updater and admission controller (kubernetes/autoscaler#8888).
   */
  IN_PLACE = 'InPlace',
  /**
   * Deprecated since VPA 1.5 (kubernetes/autoscaler#8424): the same as RECREATE, to be removed.
   * Rendered with a warning; use RECREATE or IN_PLACE_OR_RECREATE.
   */
  AUTO = 'Auto',
}

/** Whether the autoscaler acts on a container (`containerPolicies[].mode`). */
export enum VpaContainerMode {
  /** Recommended and updated. */
  AUTO = 'Auto',
  /** Left alone. */
  OFF = 'Off',
}

/** Which values the autoscaler sets (`containerPolicies[].controlledValues`). */
export enum VpaControlledValues {
  /** Requests only; limits stay as rendered. */
  REQUESTS_ONLY = 'RequestsOnly',
  /** Requests, and limits in proportion (VPA's default). */
  REQUESTS_AND_LIMITS = 'RequestsAndLimits',
}

/** The bounds of the recommendations for a long-running sidecar (`minAllowed`, `maxAllowed`). */
export enum VpaSidecarBounds {
  /**
   * From the sidecar's requests (the floor it was sized for: upstream defaults such as Istio's
   * 100m/128Mi for its proxy) up to its limits (the ceiling its own settings derive from): VPA
   * only raises requests that are too low.
   */
  REQUESTS_TO_LIMITS = 'REQUESTS_TO_LIMITS',
  /** Up to the sidecar's limits only: VPA may also lower requests below the defaults. */
  UP_TO_LIMITS = 'UP_TO_LIMITS',
  /** No bounds: VPA recommends freely (with RequestsOnly, a request above the limit is refused by the API server). */
  NONE = 'NONE',
}

/** Props of a SidecarVerticalAutoscaler. */
export interface SidecarVerticalAutoscalerProps {
  /** The sidecars of the workload to autoscale (`WorkloadSidecars.of(workload)`). */
  readonly sidecars: WorkloadSidecars;
  /**
   * When recommendations are applied.
   * @default VpaUpdateMode.OFF (recommendations only: read them before letting VPA act)
   */
  readonly updateMode?: VpaUpdateMode;
  /**
   * Whether the app's long-running containers are autoscaled too.
   * @default VpaContainerMode.AUTO
   */
  readonly appContainers?: VpaContainerMode;
  /**
   * What VPA sets on the app's containers.
   * @default - not set (VPA's default, RequestsAndLimits)
   */
  readonly appControlledValues?: VpaControlledValues;
  /**
   * What VPA sets on the long-running sidecar containers. RequestsOnly keeps each sidecar's
   * limits as rendered: some sidecars derive settings from their limits (the OTel Collector's
   * memory_limiter and GOMEMLIMIT, Envoy's concurrency), which a changed limit would make wrong.
   * @default VpaControlledValues.REQUESTS_ONLY
   */
  readonly sidecarControlledValues?: VpaControlledValues;
  /**
   * The bounds of the recommendations for the long-running sidecars.
   * @default VpaSidecarBounds.REQUESTS_TO_LIMITS
   */
  readonly sidecarBounds?: VpaSidecarBounds;
  /**
   * Whether the cluster's VPA recommends for native sidecars (init containers with
   * `restartPolicy: Always`). VPA up to 1.7 ignores every init container
   * (kubernetes/autoscaler#7229); support comes with the alpha `NativeSidecar` feature gate
   * (AEP 8905, kubernetes/autoscaler vertical-pod-autoscaler/enhancements/8905-native-sidecar-support).
   * When false and the sidecars are native, a warning says their policies have no effect.
   * @default false
   */
  readonly nativeSidecarSupport?: boolean;
  /**
   * Name of the VerticalPodAutoscaler.
   * @default - "<workload name>-sidecars"
   */
  readonly name?: string;
}

/**
 * Workload kinds a VPA can target through their controller: "VPA does not update resources of pods which are
 * not run under a controller" (kubernetes/autoscaler vertical-pod-autoscaler/docs/known-limitations.md).
 */
const TARGET_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob']);

/**
 * An `autoscaling.k8s.io/v1` VerticalPodAutoscaler for a workload with sidecars: one
 * `containerPolicies` entry per container of the injected pod.
 *
 * - Long-running sidecars: `mode: Auto`, `minAllowed` = the sidecar's requests (the floor it was
 *   sized for), `maxAllowed` = its limits (the ceiling its own settings derive from), as
 *   `sidecarBounds` says, and `controlledValues` RequestsOnly unless told otherwise.
 * - Init steps (sidecar or app init containers that run to completion): `mode: Off`.
 * - App containers: `appContainers` (Auto by default), with no bounds.
 *
 * VPA must not act on CPU or memory of a workload that a HorizontalPodAutoscaler scales on
 * CPU or memory (kubernetes/autoscaler
 * vertical-pod-autoscaler/docs/known-limitations.md): such an HPA in the app gives a warning unless the update mode is Off.
 */
export class SidecarVerticalAutoscaler extends Construct {
  /** The VerticalPodAutoscaler object. */
  public readonly apiObject: ApiObject;
  private readonly warned: string[] = [];

  constructor(scope: Construct, id: string, props: SidecarVerticalAutoscalerProps) {
    super(scope, id);
    const path = this.node.path;
    checkPropTypes(path, props, {
      sidecars: 'object',
      updateMode: { enum: VpaUpdateMode },
      appContainers: { enum: VpaContainerMode },
      appControlledValues: { enum: VpaControlledValues },
      sidecarControlledValues: { enum: VpaControlledValues },
      sidecarBounds: { enum: VpaSidecarBounds },
      nativeSidecarSupport: 'boolean',
      name: 'string',
    }, ['sidecars']);
    if (!(props.sidecars instanceof WorkloadSidecars)) {
      throw Errors.invalidType(path, 'sidecars', props.sidecars, 'a WorkloadSidecars (WorkloadSidecars.of(workload))');
    }
    const workload = props.sidecars.workload;
    if (!TARGET_KINDS.has(workload.kind)) {
      throw Errors.invalidRole(path, 'sidecars', workload.node.path, `is a ${workload.kind}, which a VerticalPodAutoscaler cannot target: it acts through the pod's controller`,
        'Run the pod from a Deployment, StatefulSet, DaemonSet or Job and autoscale that');
    }
    const name = props.name ?? `${workload.name}-sidecars`.slice(0, 253);
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
      throw Errors.invalidName(path, 'name', name, 'a DNS subdomain: lowercase letters, digits, \'-\' and \'.\', at most 253 characters');
    }
    const updateMode = props.updateMode ?? VpaUpdateMode.OFF;
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'autoscaling.k8s.io/v1',
      kind: 'VerticalPodAutoscaler',
      metadata: { name, namespace: workload.metadata.namespace, labels: { 'app.kubernetes.io/managed-by': 'cdk-sidecars' } },
      spec: {
        targetRef: { apiVersion: workload.apiVersion, kind: workload.kind, name: workload.name },
        updatePolicy: { updateMode },
        resourcePolicy: { containerPolicies: Lazy.any({ produce: () => this.containerPolicies(props, updateMode) }) },
      },
    });
  }

  /** Warnings of the last synthesis (also printed to stderr). */
  public get warnings(): string[] {
    return [...this.warned];
  }

  private warn(message: string): void {
    if (this.warned.includes(message)) { return; }
    this.warned.push(message);
    process.stderr.write(`[cdk-sidecars] warning: ${message}\n`);
  }

  private containerPolicies(props: SidecarVerticalAutoscalerProps, updateMode: VpaUpdateMode): any[] {
    const path = this.node.path;
    const { json, pod } = props.sidecars._rendered();
    const spec = podTemplate(json).spec ?? {};
    const sidecarOf = new Map(pod.containers.map(c => [c.name, c]));
    const sidecarValues = props.sidecarControlledValues ?? VpaControlledValues.REQUESTS_ONLY;
    const appMode = props.appContainers ?? VpaContainerMode.AUTO;
    if (updateMode === VpaUpdateMode.AUTO) {
      this.warn(`${path}: updateMode "Auto" is deprecated since VPA 1.5 and does what "Recreate" does (kubernetes/autoscaler#8424): use VpaUpdateMode.RECREATE or IN_PLACE_OR_RECREATE`);
    }
    const policies: any[] = [];
    const nativeSidecars: string[] = [];
    const limited: string[] = [];
    const add = (c: any, runsLong: boolean, native: boolean) => {
      const owner = sidecarOf.get(c.name);
      if (!runsLong) {
        // An init step runs to completion before the app: nothing to right-size.
        policies.push({ containerName: c.name, mode: VpaContainerMode.OFF });
        return;
      }
      if (!owner) {
        const values = props.appControlledValues ? { controlledValues: props.appControlledValues } : {};
        policies.push({ containerName: c.name, mode: appMode, ...values });
        return;
      }
      if (native) { nativeSidecars.push(c.name); }
      if (sidecarValues === VpaControlledValues.REQUESTS_AND_LIMITS && c.resources?.limits) { limited.push(`${c.name} (${owner.owner.path})`); }
      const bounds = (list: any) => {
        const out: any = {};
        for (const r of ['cpu', 'memory']) { if (list?.[r] !== undefined) { out[r] = list[r]; } }
        return Object.keys(out).length ? out : undefined;
      };
      const range = props.sidecarBounds ?? VpaSidecarBounds.REQUESTS_TO_LIMITS;
      const minAllowed = range === VpaSidecarBounds.REQUESTS_TO_LIMITS ? bounds(c.resources?.requests) : undefined;
      const maxAllowed = range === VpaSidecarBounds.NONE ? undefined : bounds(c.resources?.limits);
      policies.push({
        containerName: c.name,
        mode: VpaContainerMode.AUTO,
        controlledValues: sidecarValues,
        ...(minAllowed ? { minAllowed } : {}),
        ...(maxAllowed ? { maxAllowed } : {}),
      });
    };
    for (const c of spec.initContainers ?? []) { add(c, c.restartPolicy === 'Always', c.restartPolicy === 'Always'); }
    for (const c of spec.containers ?? []) { add(c, true, false); }
    if (nativeSidecars.length && !props.nativeSidecarSupport && updateMode !== VpaUpdateMode.OFF) {
      this.warn(`${path}: the sidecars ${nativeSidecars.join(', ')} of ${props.sidecars.workload.node.path} are native (init containers with restartPolicy: Always), `
        + 'which VPA up to 1.7 ignores (kubernetes/autoscaler#7229): their policies take effect only with a VPA that has the NativeSidecar feature gate on '
        + '(AEP 8905); set nativeSidecarSupport: true once yours does, or use classic sidecars (SidecarMode.CLASSIC) to have them autoscaled now');
    }
    if (limited.length) {
      this.warn(`${path}: sidecarControlledValues RequestsAndLimits lets VPA change the limits of ${limited.join(', ')}, from which some sidecars derive settings `
        + '(memory_limiter, GOMEMLIMIT, concurrency) that would then be out of step: prefer VpaControlledValues.REQUESTS_ONLY');
    }
    if (updateMode !== VpaUpdateMode.OFF) { this.checkHpa(props.sidecars); }
    return policies;
  }

  /** A HorizontalPodAutoscaler of the same workload on CPU or memory fights the VPA. */
  private checkHpa(sidecars: WorkloadSidecars): void {
    const workload = sidecars.workload;
    for (const obj of this.node.root.node.findAll()) {
      if (!ApiObject.isApiObject(obj) || obj.kind !== 'HorizontalPodAutoscaler' || obj.metadata.namespace !== workload.metadata.namespace) { continue; }
      const spec = obj.toJson().spec ?? {};
      if (spec.scaleTargetRef?.kind !== workload.kind || spec.scaleTargetRef?.name !== workload.name) { continue; }
      const resources = (spec.metrics ?? [])
        .map((m: any) => (m.type === 'Resource' ? m.resource?.name : m.type === 'ContainerResource' ? m.containerResource?.name : undefined))
        .filter((r: any) => r === 'cpu' || r === 'memory');
      // autoscaling/v1 (targetCPUUtilizationPercentage) scales on CPU too.
      if (spec.targetCPUUtilizationPercentage !== undefined) { resources.push('cpu'); }
      if (resources.length) {
        this.warn(`${this.node.path}: HorizontalPodAutoscaler ${obj.node.path} scales ${workload.node.path} on ${[...new Set(resources)].join(' and ')}, which this VPA `
          + 'changes too: the two fight (kubernetes/autoscaler vertical-pod-autoscaler/docs/known-limitations.md). Scale the HPA on another metric, '
          + 'or set the VPA\'s updateMode to Off (recommendations only)');
      }
    }
  }
}
