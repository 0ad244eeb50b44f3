/**
 * A PodDisruptionBudget (policy/v1) for a workload with sidecars. Opt-in: none of the built-in
 * sidecars needs one (Vault Agent, Envoy, OPA, Fluent Bit, the OTel Collector, daprd and the
 * X-Ray daemon keep no quorum inside the pod; Dapr's placement and scheduler, which do, are
 * control-plane StatefulSets outside it). Sidecars matter to a budget through readiness:
 * a pod counts as healthy for the budget only when its Ready condition is True, and native
 * sidecars with a readiness probe, like readiness gates, take part in it (KEP-753, kubernetes/enhancements
 * keps/sig-node/753-sidecar-containers: a sidecar's ready state counts for the pod and its endpoints). A sidecar that cannot
 * become ready (an agent that cannot log in, a proxy without its configuration) leaves pods
 * unhealthy, and with the default policy IfHealthyBudget such pods cannot be evicted while the
 * budget is exhausted, so node drains hang. This construct therefore sets
 * `unhealthyPodEvictionPolicy: AlwaysAllow` unless told otherwise.
 */
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { KubernetesTarget, parseVersion } from './target';
import { WorkloadSidecars } from './workload-sidecars';
import { Errors } from '../core/errors';
import { checkPropTypes } from '../core/prop-types';

/**
 * When running pods that are not Ready may be evicted (PodDisruptionBudget
 * `spec.unhealthyPodEvictionPolicy`, beta and on by default since Kubernetes 1.27, GA in 1.31:
 * KEP-3017).
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/#unhealthy-pod-eviction-policy
 */
export enum UnhealthyPodEvictionPolicy {
  /**
   * Pods that are running but not Ready may be evicted only while the budget is met
   * (Kubernetes' default when the field is omitted).
   */
  IF_HEALTHY_BUDGET = 'IfHealthyBudget',
  /** Pods that are running but not Ready may always be evicted: a broken pod never blocks a node drain. */
  ALWAYS_ALLOW = 'AlwaysAllow',
}

/**
 * Props of a `WorkloadDisruptionBudget`. Give at most one of `minAvailable`,
 * `minAvailablePercent`, `maxUnavailable` and `maxUnavailablePercent`.
 */
export interface WorkloadDisruptionBudgetProps {
  /** The sidecars of the workload the budget protects: `WorkloadSidecars.of(workload)`. */
  readonly sidecars: WorkloadSidecars;
  /**
   * Pods that must stay available during a voluntary disruption (a number of pods).
   * @default - not set (the default budget is maxUnavailable: 1)
   */
  readonly minAvailable?: number;
  /**
   * Pods that must stay available, as a percent of the replicas (rounded up by the disruption controller).
   * @default - not set
   */
  readonly minAvailablePercent?: number;
  /**
   * Pods that may be unavailable during a voluntary disruption (a number of pods).
   * @default 1 when none of the four is given
   */
  readonly maxUnavailable?: number;
  /**
   * Pods that may be unavailable, as a percent of the replicas (rounded up by the disruption controller).
   * @default - not set
   */
  readonly maxUnavailablePercent?: number;
  /**
   * When pods that run but are not Ready may be evicted.
   * @default UnhealthyPodEvictionPolicy.ALWAYS_ALLOW (omitted, so IfHealthyBudget, when the KubernetesTarget is older than 1.27)
   */
  readonly unhealthyPodEvictionPolicy?: UnhealthyPodEvictionPolicy;
  /**
   * Name of the PodDisruptionBudget.
   * @default - the workload's name
   */
  readonly name?: string;
}

/** Kinds that keep a number of replicas (spec.replicas) and a label selector. */
const SCALED_KINDS = ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'];

/** The first Kubernetes minor version where unhealthyPodEvictionPolicy is on by default (beta, 1.27). */
const EVICTION_POLICY_SINCE = 27;

/**
 * A PodDisruptionBudget (policy/v1) for one workload, selecting its pods by the workload's
 * label selector read at synthesis. Refuses, at synthesis, a budget that with the workload's
 * replicas lets no pod be evicted at all (node drains and cluster upgrades would wait forever).
 *
 * @example
 * new WorkloadDisruptionBudget(chart, 'pdb', { sidecars: WorkloadSidecars.of(deployment), minAvailable: 2 });
 */
export class WorkloadDisruptionBudget extends Construct {
  /** The PodDisruptionBudget object. */
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: WorkloadDisruptionBudgetProps) {
    super(scope, id);
    const path = this.node.path;
    checkPropTypes(path, props, {
      sidecars: 'object',
      minAvailable: 'count',
      minAvailablePercent: 'count',
      maxUnavailable: 'count',
      maxUnavailablePercent: 'count',
      unhealthyPodEvictionPolicy: { enum: UnhealthyPodEvictionPolicy },
      name: 'string',
    }, ['sidecars']);
    if (!(props.sidecars instanceof WorkloadSidecars)) {
      throw Errors.invalidType(path, 'sidecars', props.sidecars, 'a WorkloadSidecars (WorkloadSidecars.of(workload))');
    }
    // metadata.name: a DNS subdomain (the API server's ValidateObjectMeta for PodDisruptionBudget names;
    // the schema validators do not check names).
    if (props.name !== undefined && (props.name.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(props.name))) {
      throw Errors.invalidName(path, 'name', props.name, 'a DNS subdomain of at most 253 characters: lowercase letters, digits, \'-\' and \'.\'');
    }
    const workload = props.sidecars.workload;
    if (!SCALED_KINDS.includes(workload.kind)) {
      throw Errors.invalidDisruptionBudget(path, 'sidecars', workload.node.path, `is a ${workload.kind}, whose pods have no replica count for a budget to keep`,
        `Give the sidecars of a ${SCALED_KINDS.join(', ')}`);
    }
    const given = (['minAvailable', 'minAvailablePercent', 'maxUnavailable', 'maxUnavailablePercent'] as const).filter(k => props[k] !== undefined);
    if (given.length > 1) {
      // minAvailable and maxUnavailable are mutually exclusive (PodDisruptionBudgetSpec, policy/v1).
      throw Errors.alreadySet(path, given[1], props[given[1]], `by ${given[0]}: a PodDisruptionBudget takes one of minAvailable and maxUnavailable`);
    }
    for (const k of ['minAvailablePercent', 'maxUnavailablePercent'] as const) {
      if (props[k] !== undefined && props[k]! > 100) { throw Errors.invalidNumber(path, k, props[k], 'an integer from 0 to 100 (a percent)'); }
    }
    const field = given[0] ?? 'maxUnavailable';
    const value = props[field] ?? 1;
    const rendered = field.endsWith('Percent') ? `${value}%` : value;
    const specKey = field.startsWith('min') ? 'minAvailable' : 'maxUnavailable';

    const version = KubernetesTarget.versionOf(this);
    const supportsPolicy = version === undefined || (([major, minor]) => major > 1 || minor >= EVICTION_POLICY_SINCE)(parseVersion(path, 'target Kubernetes version', version));
    if (props.unhealthyPodEvictionPolicy !== undefined && !supportsPolicy) {
      throw Errors.unsupportedOnPlatform(path, 'unhealthyPodEvictionPolicy', props.unhealthyPodEvictionPolicy, `Kubernetes ${version}`,
        'the field is on by default from Kubernetes 1.27 (KEP-3017); an older API server drops it', 'Remove it, or state a target of 1.27 or later');
    }
    const policy = props.unhealthyPodEvictionPolicy ?? (supportsPolicy ? UnhealthyPodEvictionPolicy.ALWAYS_ALLOW : undefined);

    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: {
        name: props.name ?? workload.name,
        namespace: workload.metadata.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'cdk-sidecars' },
      },
      spec: Lazy.any({
        produce: () => {
          const json = props.sidecars._originalJson();
          const selector = json.spec?.selector;
          const labels = selector?.matchLabels ?? {};
          if (!selector || (Object.keys(labels).length === 0 && !(selector.matchExpressions ?? []).length)) {
            throw Errors.invalidDisruptionBudget(path, 'sidecars', workload.node.path, 'has no label selector (spec.selector) for the budget to select its pods by',
              'Give the workload a spec.selector');
          }
          checkEvictable(path, field, value, json.spec?.replicas, workload.node.path);
          return {
            [specKey]: rendered,
            selector: JSON.parse(JSON.stringify(selector)),
            ...(policy ? { unhealthyPodEvictionPolicy: policy } : {}),
          };
        },
      }),
    });
  }
}

/**
 * Whether, with `replicas` pods, the budget lets at least one be evicted. The disruption
 * controller rounds both percentages up (kubernetes/kubernetes pkg/controller/disruption
 * getExpectedPodCount: GetScaledValueFromIntOrPercent(..., true)); a budget that allows no
 * eviction blocks `kubectl drain` for good ("you can prevent all voluntary evictions by
 * specifying 0" / "100%", PodDisruptionBudgetSpec). Skipped when the workload states no replicas
 * (an autoscaler sets them) or is scaled to 0, except for the budgets that allow no eviction at any
 * count (maxUnavailable 0, either percent at its blocking end).
 */
function checkEvictable(path: string, field: string, value: number, replicas: unknown, workload: string): void {
  // These allow no eviction whatever the replicas (an autoscaler's included): refused without a replica count.
  const never = (field === 'maxUnavailable' || field === 'maxUnavailablePercent') ? value === 0 : field === 'minAvailablePercent' && value === 100;
  if (never && typeof replicas !== 'number') {
    throw Errors.invalidDisruptionBudget(path, field, value, `lets no pod of ${workload} (any number of replicas) be evicted: node drains and cluster upgrades would wait forever`,
      'Use a budget that leaves room for one eviction (e.g. maxUnavailable: 1)');
  }
  if (typeof replicas !== 'number' || replicas === 0) { return; }
  let allowed: number;
  switch (field) {
    case 'minAvailable': allowed = replicas - value; break;
    case 'minAvailablePercent': allowed = replicas - Math.ceil(replicas * value / 100); break;
    case 'maxUnavailablePercent': allowed = Math.ceil(replicas * value / 100); break;
    default: allowed = value;
  }
  if (allowed < 1) {
    throw Errors.invalidDisruptionBudget(path, field, value, `lets no pod of ${workload} (${replicas} replicas) be evicted: node drains and cluster upgrades would wait forever`,
      `Use a budget that leaves room for one eviction (e.g. maxUnavailable: 1)${field.startsWith('min') ? `, or raise the replicas above ${field === 'minAvailable' ? value : 'it'}` : ''}`);
  }
}
