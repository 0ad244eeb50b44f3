/**
 * Pod readiness gates (`spec.readinessGates`) for a workload with sidecars: extra conditions
 * that must be True, besides every container being ready, before the pod is Ready and gets
 * traffic from Services (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-readiness-gate).
 *
 * None of the built-in sidecars sets a pod condition of its own, so none requires a gate: their
 * readiness reaches the pod through their readiness probes (native sidecars take part in the
 * pod's Ready condition). Gates are set by controllers outside the pod; the common one next to a
 * proxy is the AWS Load Balancer Controller's, which holds a pod unready until its target is
 * healthy in the load balancer's target group, so that a rolling update does not remove old
 * pods before the new ones receive traffic.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { podTemplate } from './workload';
import { WorkloadSidecars } from './workload-sidecars';
import { Errors } from '../core/errors';
import { checkPropTypes } from '../core/prop-types';

/** A qualified name: an optional DNS-subdomain prefix and '/', then at most 63 characters (k8s.io/apimachinery validation IsQualifiedName). */
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Pod conditions the kubelet sets itself: a gate on them is a loop (Ready) or no gate at all. */
const KUBELET_CONDITIONS = ['Ready', 'ContainersReady', 'Initialized', 'PodScheduled', 'PodReadyToStartContainers', 'DisruptionTarget'];

/**
 * One readiness gate: the type of a pod condition that must be True for the pod to be Ready.
 */
export class ReadinessGate {
  /**
   * A gate on a pod condition that a controller of yours sets.
   * @param conditionType a qualified name, e.g. "example.com/feature-flags-loaded"
   */
  public static custom(conditionType: string): ReadinessGate {
    return new ReadinessGate(conditionType);
  }

  /**
   * The gate the AWS Load Balancer Controller sets for the targets of a TargetGroupBinding
   * (IP targets): `target-health.elbv2.k8s.aws/<TargetGroupBinding name>` (kubernetes-sigs/aws-load-balancer-controller
   * pkg/targetgroupbinding: TargetHealthPodConditionTypePrefix). The controller can inject it itself when the
   * namespace has the label `elbv2.k8s.aws/pod-readiness-gate-inject: enabled`; this is for a binding you name.
   * @see https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/pod_readiness_gate/
   * @param targetGroupBindingName name of the TargetGroupBinding in the pod's namespace
   */
  public static awsLoadBalancerTarget(targetGroupBindingName: string): ReadinessGate {
    return new ReadinessGate(`target-health.elbv2.k8s.aws/${targetGroupBindingName}`, 'targetGroupBindingName');
  }

  /** The pod condition type that must be True. */
  public readonly conditionType: string;
  /** The argument the user gave, for messages. */
  private readonly field: string;

  private constructor(conditionType: string, field = 'conditionType') {
    this.conditionType = conditionType;
    this.field = field;
  }

  /** Checks the condition type as Kubernetes does (IsQualifiedName). @internal */
  public _check(path: string, at: string): void {
    if (typeof this.conditionType !== 'string' || !QUALIFIED_NAME.test(this.conditionType) || this.conditionType.length > 316) {
      throw Errors.invalidName(path, `${at}.${this.field}`, this.conditionType,
        'a pod condition type Kubernetes takes: a qualified name, an optional DNS subdomain and \'/\', then up to 63 letters, digits, \'-\', \'_\' and \'.\'');
    }
    if (KUBELET_CONDITIONS.includes(this.conditionType)) {
      throw Errors.invalidName(path, `${at}.${this.field}`, this.conditionType, 'a condition no kubelet sets: a gate on a condition the kubelet sets itself never gates (Ready would wait for itself)');
    }
  }
}

/**
 * Props of `WorkloadReadinessGates`.
 */
export interface WorkloadReadinessGatesProps {
  /** The sidecars of the workload: `WorkloadSidecars.of(workload)`. */
  readonly sidecars: WorkloadSidecars;
  /** The gates to add after the pod template's own. */
  readonly gates: ReadinessGate[];
}

/**
 * Adds readiness gates to a workload's pod template at synthesis, after the template's own
 * gates. A condition named twice is refused.
 *
 * @example
 * new WorkloadReadinessGates(chart, 'gates', {
 *   sidecars: WorkloadSidecars.of(deployment),
 *   gates: [ReadinessGate.awsLoadBalancerTarget('shop-tgb')],
 * });
 */
export class WorkloadReadinessGates extends Construct {
  /** The condition types added. */
  public readonly conditionTypes: string[];

  constructor(scope: Construct, id: string, props: WorkloadReadinessGatesProps) {
    super(scope, id);
    const path = this.node.path;
    checkPropTypes(path, props, { sidecars: 'object', gates: 'array' }, ['sidecars', 'gates']);
    if (!(props.sidecars instanceof WorkloadSidecars)) {
      throw Errors.invalidType(path, 'sidecars', props.sidecars, 'a WorkloadSidecars (WorkloadSidecars.of(workload))');
    }
    if (props.gates.length === 0) { throw Errors.missingSetting(path, 'gates', 'the list is empty', 'Give at least one ReadinessGate'); }
    props.gates.forEach((g, i) => {
      if (!(g instanceof ReadinessGate)) { throw Errors.invalidType(path, `gates[${i}]`, g, 'a ReadinessGate (ReadinessGate.custom(...), ReadinessGate.awsLoadBalancerTarget(...))'); }
      g._check(path, `gates[${i}]`);
    });
    this.conditionTypes = props.gates.map(g => g.conditionType);
    const obj: ApiObject = props.sidecars.workload;
    const inner = obj.toJson.bind(obj);
    const types = this.conditionTypes;
    Object.defineProperty(obj, 'toJson', {
      value: () => {
        const json = inner();
        const spec = podTemplate(json).spec ?? {};
        const own: any[] = spec.readinessGates ?? [];
        const all = [...own.map(g => g?.conditionType), ...types];
        const twice = all.find((t, i) => all.indexOf(t) !== i);
        if (twice !== undefined) {
          throw Errors.alreadySet(path, `gates (conditionType ${JSON.stringify(twice)})`, twice, `on ${obj.node.path}'s pod template (spec.readinessGates) or by another WorkloadReadinessGates`);
        }
        podTemplate(json).spec = { ...spec, readinessGates: [...own, ...types.map(conditionType => ({ conditionType }))] };
        return json;
      },
      configurable: true,
      writable: true,
    });
  }
}
