/**
 * Pod Security admission labels on a Namespace, with the enforced level derived from the
 * workloads that run in it.
 *
 * Labels: `pod-security.kubernetes.io/<MODE>: <LEVEL>` and `pod-security.kubernetes.io/<MODE>-version:
 * <VERSION>` for the modes enforce, audit and warn; VERSION is "latest" or "v<major>.<minor>"
 * (kubernetes.io/docs/concepts/security/pod-security-admission, "Pod Security Admission labels
 * for namespaces"; kubernetes/pod-security-admission api/constants.go @ 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8:
 * EnforceLevelLabel ... WarnVersionLabel, and api/helpers.go ParseVersion: "latest" or "v1.<minor>").
 */
import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import {
  PodSecurityEvaluation, PodSecurityLevel, PodSecurityStandards, atLeast, evaluatePodJson, versionLabel, violationError, weakest,
} from './pod-security-standards';
import { KubernetesTarget } from './target';
import { isWorkloadKind, podTemplate } from './workload';
import { WorkloadSidecars } from './workload-sidecars';
import { Errors } from '../core/errors';
import { DNS_LABEL } from '../core/names';
import { checkEnum, checkPropTypes } from '../core/prop-types';

const PREFIX = 'pod-security.kubernetes.io';

/** Props of {@link PodSecurityNamespace}. */
export interface PodSecurityNamespaceProps {
  /**
   * The namespace's name.
   * @default - the chart's namespace
   */
  readonly name?: string;
  /**
   * An existing Namespace object of this app to label (a `kplus.Namespace` or an `ApiObject` of
   * kind Namespace) instead of creating one.
   * @default - a Namespace is created
   */
  readonly namespace?: IConstruct;
  /**
   * The level enforced: pods that fail it are refused by the API server. A level stricter than
   * a workload of the namespace passes is an error at synthesis.
   * @default - the strictest level every workload of the namespace in this chart passes
   */
  readonly enforce?: PodSecurityLevel;
  /**
   * The level audited (violations are recorded in the audit log).
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly audit?: PodSecurityLevel;
  /**
   * The level warned about (kubectl shows a warning when a pod or workload fails it).
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly warn?: PodSecurityLevel;
  /**
   * The version of the standards for every mode: "latest" or "1.<minor>".
   * @default - the KubernetesTarget version ("v1.<minor>"), else "latest"
   */
  readonly version?: string;
}

/** The workload objects (Deployment, Job, Pod, ...) of a chart in `namespace`. */
function workloadObjects(chart: Chart, namespace: string): ApiObject[] {
  return chart.node.findAll()
    .filter((c): c is ApiObject => ApiObject.isApiObject(c) && isWorkloadKind(c.kind))
    // Read from the JSON: metadata.add('namespace', ...) is not seen by the metadata's namespace getter.
    .filter(o => (o.toJson().metadata?.namespace ?? chart.namespace) === namespace);
}

/**
 * A Namespace labelled for Pod Security admission (enforce, audit and warn, each with its
 * version). The enforced level defaults to the strictest level that every workload of the
 * namespace in this chart passes, evaluated at synthesis on the pods as deployed (sidecars
 * injected), so a namespace never refuses the app's own pods.
 *
 * @example
 * new PodSecurityNamespace(chart, 'ns', { name: 'payments' }); // enforce: what the pods pass; audit, warn: restricted
 */
export class PodSecurityNamespace extends Construct {
  /** The namespace's name. */
  public readonly name: string;
  private readonly props: PodSecurityNamespaceProps;
  private readonly version: string;

  constructor(scope: Construct, id: string, props: PodSecurityNamespaceProps = {}) {
    super(scope, id);
    const path = this.node.path;
    checkPropTypes(path, props, {
      name: 'string', namespace: 'object', enforce: { enum: PodSecurityLevel }, audit: { enum: PodSecurityLevel }, warn: { enum: PodSecurityLevel }, version: 'string',
    });
    for (const mode of ['enforce', 'audit', 'warn'] as const) { checkEnum(path, mode, props[mode], PodSecurityLevel, 'PodSecurityLevel'); }
    this.props = { ...props };
    this.version = versionLabel(path, 'version', props.version ?? KubernetesTarget.versionOf(this));
    let existing: ApiObject | undefined;
    if (props.namespace !== undefined) {
      try { existing = ApiObject.isApiObject(props.namespace) ? props.namespace : ApiObject.of(props.namespace); } catch { existing = undefined; }
      if (!existing || existing.kind !== 'Namespace') {
        throw Errors.invalidType(path, 'namespace', props.namespace, 'a Namespace object of this app (kplus.Namespace or an ApiObject of kind Namespace)');
      }
    }
    const name = props.name ?? existing?.name ?? Chart.of(this).namespace;
    if (typeof name !== 'string' || !DNS_LABEL.test(name)) {
      throw Errors.invalidName(path, 'name', name, 'a namespace name, a DNS label: at most 63 lowercase letters, digits and \'-\'; or a chart with a namespace');
    }
    if (existing && existing.name !== name) {
      throw Errors.invalidName(path, 'name', name, `the name of the given namespace, "${existing.name}"`);
    }
    this.name = name;
    if (existing) {
      const obj = existing;
      const original = obj.toJson.bind(obj);
      Object.defineProperty(obj, 'toJson', {
        value: () => {
          const json = original();
          const own: { [key: string]: unknown } = json.metadata?.labels ?? {};
          const ours = this.labels();
          // A Pod Security label the namespace already has is the user's: refused when it differs, never overwritten.
          const clash = Object.keys(ours).find(k => own[k] !== undefined && own[k] !== ours[k]);
          if (clash !== undefined) {
            throw Errors.alreadySet(this.node.path, clash, own[clash], `on ${obj.node.path}, which PodSecurityNamespace would set to ${JSON.stringify(ours[clash])}`
              + ' (remove the label from the Namespace, or give PodSecurityNamespace the level you want)');
          }
          json.metadata = { ...json.metadata, labels: { ...own, ...ours } };
          return json;
        },
        configurable: true,
        writable: true,
      });
    } else {
      new ApiObject(this, 'namespace', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      });
      const obj = this.node.findChild('namespace') as ApiObject;
      const original = obj.toJson.bind(obj);
      Object.defineProperty(obj, 'toJson', {
        value: () => {
          const json = original();
          // A Namespace is cluster-scoped: no metadata.namespace, though the chart may have one.
          const { namespace: _, ...metadata } = json.metadata ?? {};
          json.metadata = { ...metadata, labels: { 'app.kubernetes.io/managed-by': 'cdk-sidecars', ...this.labels() } };
          return json;
        },
        configurable: true,
        writable: true,
      });
    }
  }

  /** The evaluation of each workload of the namespace in this chart (at synthesis: the pods as deployed). */
  public get evaluations(): PodSecurityEvaluation[] {
    return workloadObjects(Chart.of(this), this.name).map(o => {
      const sidecars = WorkloadSidecars._existing(o);
      if (sidecars) { return PodSecurityStandards.evaluate(sidecars, this.version); }
      const pod = podTemplate(o.toJson());
      return evaluatePodJson(o.node.path, pod.metadata, pod.spec, this.version, new Set());
    });
  }

  /** The labels, computed at synthesis. */
  private labels(): { [key: string]: string } {
    const results = this.evaluations;
    const passes = weakest(results.map(r => r.level));
    const enforce = this.props.enforce ?? passes;
    if (!atLeast(passes, enforce)) {
      const objects = workloadObjects(Chart.of(this), this.name);
      const i = results.findIndex(r => !atLeast(r.level, enforce));
      throw violationError(objects[i].node.path, results[i], enforce, `${this.node.path} enforces ${enforce} on namespace "${this.name}", so the API server would refuse this pod`);
    }
    const out: { [key: string]: string } = {};
    for (const [mode, level] of [['enforce', enforce], ['audit', this.props.audit ?? PodSecurityLevel.RESTRICTED], ['warn', this.props.warn ?? PodSecurityLevel.RESTRICTED]] as const) {
      out[`${PREFIX}/${mode}`] = level;
      out[`${PREFIX}/${mode}-version`] = this.version;
    }
    return out;
  }
}
