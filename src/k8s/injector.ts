import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AppInitContainerPlacement } from './placement';
import { INJECT_ANNOTATION } from './render';
import { SidecarMode, checkBinderOptions } from './target';
import { isWorkloadKind, podTemplate } from './workload';
import { WorkloadSidecars } from './workload-sidecars';
import { ISidecar } from '../core/contribution';
import { Errors } from '../core/errors';
import { checkPropTypes } from '../core/prop-types';

/**
 * Which workloads a `SidecarInjector` injects into. Every given condition must hold;
 * with none, every workload in the scope matches.
 */
export interface InjectionSelector {
  /**
   * Labels the pod template must carry (all of them, with these values).
   * @default - any labels
   */
  readonly matchLabels?: { [key: string]: string };
  /**
   * Annotations the pod template must carry (all of them, with these values).
   * @default - any annotations
   */
  readonly matchAnnotations?: { [key: string]: string };
  /**
   * Workload kinds to consider, e.g. `['Deployment', 'StatefulSet']`.
   * @default - every workload kind
   */
  readonly kinds?: string[];
}

/**
 * Props of a `SidecarInjector`.
 */
export interface SidecarInjectorProps {
  /** Sidecars to inject into every matching workload. */
  readonly sidecars: ISidecar[];
  /**
   * Which workloads to inject into.
   * @default - every workload in the scope
   */
  readonly selector?: InjectionSelector;
  /**
   * Native or classic sidecars.
   * @default - from the target Kubernetes version (`KubernetesTarget`)
   */
  readonly mode?: SidecarMode;
  /**
   * Where the workloads' own init containers go.
   * @default AppInitContainerPlacement.BEFORE_SIDECARS
   */
  readonly appInitContainers?: AppInitContainerPlacement;
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/**
 * A synth-time stand-in for a mutating admission webhook: adds its sidecars to
 * every workload in its scope (the chart or app it is created in, including YAML
 * brought in with `Include`) whose pod template matches the selector.
 *
 * Injection happens when the app is synthesized, so the injected manifests are what
 * gets reviewed and deployed: nothing can fail open at runtime. Each injected pod
 * template records what was injected, by which injector and library version, in
 * `cdk-sidecars.dev/*` annotations. A workload opts out with the annotation
 * `cdk-sidecars.dev/inject: "false"` on itself or on its pod template.
 */
export class SidecarInjector extends Construct {
  /** The sidecars injected. */
  public readonly sidecars: ISidecar[];
  /** The selector. */
  public readonly selector: InjectionSelector;
  private readonly props: SidecarInjectorProps;
  private readonly warned: string[] = [];

  constructor(scope: Construct, id: string, props: SidecarInjectorProps) {
    super(scope, id);
    // Runtime types first (issue 10, section 2): a list that is not one, or a selector that is
    // null, is a catalogued error naming the prop, never a TypeError.
    checkPropTypes(this.node.path, props, {
      sidecars: 'objectArray',
      selector: { struct: { matchLabels: 'map', matchAnnotations: 'map', kinds: 'stringArray' } },
    }, ['sidecars']);
    this.props = props;
    this.sidecars = [...props.sidecars];
    this.selector = props.selector ?? {};
    checkBinderOptions(this.node.path, { mode: props.mode, appInitContainers: props.appInitContainers });
    // Label values follow the label value rule; annotation values are any string (Kubernetes
    // validates only annotation keys and the total size: apimachinery ValidateAnnotations).
    const check = (field: string, map: { [key: string]: string } | undefined, valueRule: RegExp) => {
      for (const [k, v] of Object.entries(map ?? {})) {
        if (!LABEL_KEY.test(k) || typeof v !== 'string' || !valueRule.test(v)) {
          throw Errors.invalidSelector(this.node.path, `${field}`, { [k]: v });
        }
      }
    };
    check('selector.matchLabels', this.selector.matchLabels, LABEL_VALUE);
    check('selector.matchAnnotations', this.selector.matchAnnotations, /^[^]*$/);
    (this.selector.kinds ?? []).forEach((k, i) => {
      if (!isWorkloadKind(k)) { throw Errors.notAWorkload(`${this.node.path} (selector.kinds[${i}])`, k); }
    });
    if (this.sidecars.length === 0) {
      throw Errors.noSidecars(this.node.path, 'sidecars');
    }
    // cdk8s validates every construct before it synthesizes any chart: that is when
    // the workloads are final, so the injector matches then (repeatable, idempotent).
    this.node.addValidation({ validate: () => { this.inject(); return []; } });
  }

  /** Warnings of the last injection (also printed to stderr): a selector that matches no workload. */
  public get warnings(): string[] {
    return [...this.warned];
  }

  /**
   * Injects into every matching workload now and returns the workloads' objects.
   * Runs by itself when the app is synthesized; calling it again is harmless.
   */
  public inject(): ApiObject[] {
    const scope = this.node.scope!;
    const matched: ApiObject[] = [];
    for (const c of scope.node.findAll()) {
      if (!ApiObject.isApiObject(c) || !isWorkloadKind(c.kind)) { continue; }
      if (this.selector.kinds && !this.selector.kinds.includes(c.kind)) { continue; }
      const json = currentJson(c);
      const template = podTemplate(json);
      const labels = template.metadata?.labels ?? {};
      const annotations = template.metadata?.annotations ?? {};
      if (annotations[INJECT_ANNOTATION] === 'false' || json.metadata?.annotations?.[INJECT_ANNOTATION] === 'false') { continue; }
      const all = (want: { [key: string]: string } | undefined, have: any) => Object.entries(want ?? {}).every(([k, v]) => have[k] === v);
      if (!all(this.selector.matchLabels, labels) || !all(this.selector.matchAnnotations, annotations)) { continue; }
      const attachment = WorkloadSidecars.of(c, { mode: this.props.mode, appInitContainers: this.props.appInitContainers });
      attachment.add(...this.sidecars);
      attachment._recordInjector(this.node.path);
      matched.push(c);
    }
    if (matched.length === 0) {
      // A mutating webhook that selects nothing is silent too; here the whole app is known,
      // so a selector that matches nothing is most likely a typo in a label or a kind.
      const message = `${this.node.path}: selector ${JSON.stringify(this.selector)} matches no workload in ${scope.node.path || 'the app'}, `
        + 'so nothing is injected; check the selector (labels and annotations of the pod template) or remove the injector';
      if (!this.warned.includes(message)) {
        this.warned.push(message);
        process.stderr.write(`[cdk-sidecars] warning: ${message}\n`);
      }
    }
    return matched;
  }
}

/** The workload's JSON as written (without sidecars of an existing attachment). */
function currentJson(obj: ApiObject): any {
  const existing = WorkloadSidecars._existing(obj);
  return existing ? existing._originalJson() : obj.toJson();
}
