/**
 * A canary of sidecar versions: the stable and the canary copy of one Deployment, which differ
 * only in the images of their sidecars, and the traffic split between them (a Gateway API
 * HTTPRoute or an Istio VirtualService with a DestinationRule).
 *
 * Why two workloads written by the user, not a copy made by the library: a sidecar's image is
 * a prop of the sidecar construct, and only the user's code can build a second sidecar with
 * another image (jsii has no function props through which the library could call back). So
 * the user builds both Deployments and both sidecar sets with one function that takes the
 * images, and this construct checks at synthesis that the two rendered pods are the same but
 * for the sidecar images. A change made to one and not to the other is an error naming the
 * first field that differs: the pair cannot drift.
 */
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { CONFIG_HASH_ANNOTATION, INJECTED_ANNOTATION } from './render';
import { podTemplate } from './workload';
import { WorkloadSidecars } from './workload-sidecars';
import { Errors } from '../core/errors';
import { DNS_LABEL } from '../core/names';
import { checkPropTypes } from '../core/prop-types';

/** The label that groups the pods of one canary (both tracks), added to both pod templates. */
export const CANARY_LABEL = 'cdk-sidecars.dev/canary';
/** The label that says which track a pod belongs to: "stable" or "canary". */
export const TRACK_LABEL = 'cdk-sidecars.dev/track';
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'cdk-sidecars' };

/**
 * How the traffic is split between the stable and the canary pods.
 */
export enum CanaryRouting {
  /**
   * A Gateway API `HTTPRoute` (gateway.networking.k8s.io/v1) attached to the given Gateways,
   * with one weighted backendRef per track, each a Service selecting that track's pods.
   * @see https://gateway-api.sigs.k8s.io/guides/traffic-splitting/
   */
  GATEWAY_API = 'GATEWAY_API',
  /**
   * An Istio `VirtualService` (networking.istio.io/v1) routing to the subsets `stable` and
   * `canary` of one Service, the subsets defined by a `DestinationRule` from the track label.
   * @see https://istio.io/latest/docs/tasks/traffic-management/traffic-shifting/
   */
  ISTIO = 'ISTIO',
}

/**
 * A Gateway the HTTPRoute attaches to (an HTTPRoute `parentRefs` entry of kind Gateway).
 */
export interface CanaryGatewayReference {
  /** Name of the Gateway. */
  readonly name: string;
  /**
   * Namespace of the Gateway.
   * @default - the route's namespace
   */
  readonly namespace?: string;
  /**
   * Name of the Gateway's listener to attach to.
   * @default - every listener of the Gateway that accepts the route
   */
  readonly sectionName?: string;
}

/**
 * Props of a `SidecarCanary`.
 */
export interface SidecarCanaryProps {
  /** The sidecars of the stable Deployment: `WorkloadSidecars.of(stable)`. */
  readonly sidecars: WorkloadSidecars;
  /**
   * The sidecars of the canary Deployment: the same workload and sidecars as the stable one,
   * built by the same code, with other sidecar images.
   */
  readonly canarySidecars: WorkloadSidecars;
  /**
   * Percent of the requests sent to the canary pods (an integer from 0 to 100); the stable
   * pods get the rest, so the two weights always add up to 100. Roll back with 0; promote by
   * giving the stable sidecars the canary's images (then 0 again).
   * @default 0
   */
  readonly canaryWeight?: number;
  /**
   * The traffic-splitting API.
   * @default CanaryRouting.GATEWAY_API
   */
  readonly routing?: CanaryRouting;
  /**
   * The Gateways the HTTPRoute attaches to (`spec.parentRefs`). Required with
   * `CanaryRouting.GATEWAY_API`, refused with `CanaryRouting.ISTIO` (use `istioGateways`).
   * @default - none
   */
  readonly gateways?: CanaryGatewayReference[];
  /**
   * Host names the route serves: the HTTPRoute's `spec.hostnames` (Gateway API), the
   * VirtualService's `spec.hosts` (Istio).
   * @default - Gateway API: every host name of the listener; Istio: the Service's name
   */
  readonly hostnames?: string[];
  /**
   * Istio gateways the VirtualService applies to (`spec.gateways`, "<namespace>/<name>", or
   * "mesh" for the sidecars of the mesh). Only with `CanaryRouting.ISTIO`.
   * @default - the mesh only (Istio's default when `gateways` is omitted)
   */
  readonly istioGateways?: string[];
  /**
   * The port of the generated Services.
   * @default - the app port
   */
  readonly port?: number;
  /**
   * The container port the Services send the traffic to.
   * @default - the first TCP port of the stable workload's first app container
   */
  readonly appPort?: number;
  /**
   * Base name of the generated objects: the Services `<name>` (Istio) or `<name>-stable` and
   * `<name>-canary` (Gateway API), the route and the DestinationRule `<name>`, and the value
   * of the `cdk-sidecars.dev/canary` label.
   * @default - the stable workload's name
   */
  readonly name?: string;
}

/** Workloads already in a canary (one workload is in at most one). */
const inCanary = new WeakMap<ApiObject, string>();

/**
 * The stable and the canary copy of one Deployment, differing only in the images of their
 * sidecars, and the traffic split between them.
 *
 * Both pod templates get the labels `cdk-sidecars.dev/canary: <name>` and
 * `cdk-sidecars.dev/track: stable|canary`; the Services select by them. At synthesis the two
 * rendered Deployments are compared: apart from their names, replicas, selectors, the
 * objects the library generates for each (whose names derive from the workload's) and the
 * images of the injected sidecar containers, they must be equal.
 *
 * @example
 * const stable = new kplus.Deployment(chart, 'web', { containers: [{ image: APP, portNumber: 8080 }] });
 * const canary = new kplus.Deployment(chart, 'web-canary', { containers: [{ image: APP, portNumber: 8080 }] });
 * new SidecarCanary(chart, 'canary', {
 *   sidecars: WorkloadSidecars.of(stable).add(new EnvoySidecar(chart, 'web-envoy', { image: 'envoyproxy/envoy:v1.36.2' })),
 *   canarySidecars: WorkloadSidecars.of(canary).add(new EnvoySidecar(chart, 'web-canary-envoy', { image: 'envoyproxy/envoy:v1.37.0' })),
 *   canaryWeight: 10,
 *   gateways: [{ name: 'public', namespace: 'gateways' }],
 * });
 */
export class SidecarCanary extends Construct {
  /** Percent of the requests sent to the canary. */
  public readonly canaryWeight: number;
  /** The traffic-splitting API. */
  public readonly routing: CanaryRouting;
  /** The route: the HTTPRoute (Gateway API) or the VirtualService (Istio). */
  public readonly route: ApiObject;
  /** The Services: stable and canary (Gateway API), or the one of both tracks (Istio). */
  public readonly services: ApiObject[];
  /** The DestinationRule with the two subsets (Istio only). */
  public readonly destinationRule?: ApiObject;

  private readonly stable: WorkloadSidecars;
  private readonly canary: WorkloadSidecars;
  private readonly props: SidecarCanaryProps;

  constructor(scope: Construct, id: string, props: SidecarCanaryProps) {
    super(scope, id);
    const path = this.node.path;
    checkPropTypes(path, props, {
      sidecars: 'object',
      canarySidecars: 'object',
      canaryWeight: 'number',
      routing: { enum: CanaryRouting },
      gateways: { each: { name: 'string', namespace: 'string', sectionName: 'string' }, required: ['name'] },
      hostnames: 'stringArray',
      istioGateways: 'stringArray',
      port: 'port',
      appPort: 'port',
      name: 'string',
    }, ['sidecars', 'canarySidecars']);
    for (const field of ['sidecars', 'canarySidecars'] as const) {
      if (!(props[field] instanceof WorkloadSidecars)) {
        throw Errors.invalidType(path, field, props[field], 'a WorkloadSidecars (WorkloadSidecars.of(deployment))');
      }
    }
    this.props = props;
    this.stable = props.sidecars;
    this.canary = props.canarySidecars;
    this.routing = props.routing ?? CanaryRouting.GATEWAY_API;
    this.canaryWeight = props.canaryWeight ?? 0;
    // Whole percents: the two weights are 100 - w and w. Both APIs read weights as relative
    // proportions (HTTPRoute BackendRef.weight: weight/(sum of weights), gateway-api v1.6.1 CRD;
    // VirtualService route weight: "relative proportion", istio 1.30.3 crd-all.gen.yaml), so
    // weights that add up to 100 are percents on both.
    if (!Number.isInteger(this.canaryWeight) || this.canaryWeight < 0 || this.canaryWeight > 100) {
      throw Errors.invalidNumber(path, 'canaryWeight', this.canaryWeight, 'an integer from 0 to 100 (a percent)');
    }
    this.checkPair(path);
    this.checkRoutingProps(path);
    this.checkName(path, props.name === undefined ? 'name (the stable workload\'s name)' : 'name', this.baseName());

    for (const [ws, track] of [[this.stable, 'stable'], [this.canary, 'canary']] as const) {
      inCanary.set(ws.workload, path);
      this.labelPods(ws, track);
    }
    if (this.routing === CanaryRouting.GATEWAY_API) {
      this.services = [
        this.service('service-stable', `${this.baseName()}-stable`, 'stable'),
        this.service('service-canary', `${this.baseName()}-canary`, 'canary'),
      ];
      this.route = this.httpRoute();
    } else {
      this.services = [this.service('service', this.baseName())];
      this.destinationRule = this.makeDestinationRule();
      this.route = this.virtualService();
    }
  }

  /** The name of the generated objects (the stable workload's name unless given). */
  private baseName(): string {
    return this.props.name ?? this.stable.workload.name;
  }

  private get namespace(): string | undefined {
    return this.stable.workload.metadata.namespace;
  }

  /** Two Deployments, distinct, in one namespace, neither already in another canary. */
  private checkPair(path: string): void {
    for (const [field, ws] of [['sidecars', this.stable], ['canarySidecars', this.canary]] as const) {
      if (ws.workload.kind !== 'Deployment') {
        throw Errors.invalidCanary(path, field, userPath(ws), `is a ${ws.workload.kind}`,
          'Give the sidecars of two Deployments (a canary of a StatefulSet is made with its rollingUpdate.partition instead)');
      }
      const other = inCanary.get(ws.workload);
      if (other !== undefined) {
        throw Errors.invalidCanary(path, field, userPath(ws), `is already in the canary ${other}`, 'Put each workload in one SidecarCanary');
      }
    }
    if (this.stable === this.canary) {
      throw Errors.invalidCanary(path, 'canarySidecars', userPath(this.canary), 'is the stable workload too',
        'Give a second Deployment, built like the first with the canary sidecar images');
    }
    const [a, b] = [this.stable.workload.metadata.namespace, this.canary.workload.metadata.namespace];
    if (a !== b) {
      throw Errors.invalidCanary(path, 'canarySidecars', b ?? '(the default namespace)',
        `is the namespace of the canary, the stable workload is in ${a ?? 'the default namespace'}: the route and the Services reach pods of one namespace`,
        'Put both workloads in one namespace');
    }
  }

  private checkRoutingProps(path: string): void {
    const p = this.props;
    if (this.routing === CanaryRouting.GATEWAY_API) {
      if (!p.gateways?.length) {
        throw Errors.missingSetting(path, 'gateways', 'an HTTPRoute takes effect only when attached to a Gateway (spec.parentRefs)',
          'Name the Gateway(s), e.g. gateways: [{ name: "public", namespace: "gateways" }]');
      }
      if (p.istioGateways !== undefined) {
        throw Errors.ineffectiveSetting(path, 'istioGateways', p.istioGateways, 'the routing is CanaryRouting.GATEWAY_API',
          'Name the Gateways in gateways, or choose routing: CanaryRouting.ISTIO');
      }
      // HTTPRoute v1 (Gateway API v1.6.1 standard CRD, kubernetes-sigs/gateway-api
      // config/crd/standard/gateway.networking.k8s.io_httproutes.yaml): parentRefs and hostnames
      // hold at most 32 and 16 items; names are DNS subdomains, sectionName too, hostnames are
      // host names with an optional leading "*." label.
      if (p.gateways.length > 32) { throw Errors.invalidNumber(path, 'gateways', p.gateways.length, 'at most 32 Gateways (HTTPRoute spec.parentRefs)'); }
      p.gateways.forEach((g, i) => {
        this.checkSubdomain(path, `gateways[${i}].name`, g.name);
        if (g.namespace !== undefined && !DNS_LABEL.test(g.namespace)) {
          throw Errors.invalidName(path, `gateways[${i}].namespace`, g.namespace, 'a namespace name: a DNS label');
        }
        if (g.sectionName !== undefined) { this.checkSubdomain(path, `gateways[${i}].sectionName`, g.sectionName); }
      });
      if ((p.hostnames?.length ?? 0) > 16) { throw Errors.invalidNumber(path, 'hostnames', p.hostnames!.length, 'at most 16 host names (HTTPRoute spec.hostnames)'); }
      (p.hostnames ?? []).forEach((h, i) => {
        if (h.length > 253 || !/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(h)) {
          throw Errors.invalidName(path, `hostnames[${i}]`, h, 'a lowercase host name, optionally starting with "*.", no IP address or port (HTTPRoute spec.hostnames)');
        }
      });
      return;
    }
    if (p.gateways !== undefined) {
      throw Errors.ineffectiveSetting(path, 'gateways', p.gateways, 'the routing is CanaryRouting.ISTIO, whose VirtualService names its gateways as strings',
        'Name them in istioGateways ("<namespace>/<name>"), or choose routing: CanaryRouting.GATEWAY_API');
    }
    if (p.hostnames !== undefined && p.hostnames.length === 0) {
      throw Errors.invalidName(path, 'hostnames', p.hostnames, 'at least one host (VirtualService spec.hosts)');
    }
    (p.hostnames ?? []).forEach((h, i) => {
      if (h.length === 0 || /[\s/:]/.test(h)) {
        throw Errors.invalidName(path, `hostnames[${i}]`, h, 'a host name or a Service name, without scheme, path or port (VirtualService spec.hosts)');
      }
    });
    (p.istioGateways ?? []).forEach((g, i) => {
      if (g !== 'mesh' && !/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(g)) {
        throw Errors.invalidName(path, `istioGateways[${i}]`, g, 'an Istio Gateway as "<namespace>/<name>" or "<name>", or "mesh"');
      }
    });
  }

  private checkSubdomain(path: string, field: string, value: string): void {
    if (value.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value)) {
      throw Errors.invalidName(path, field, value, 'a DNS subdomain: lowercase letters, digits, \'-\' and \'.\'');
    }
  }

  /** Service names are DNS-1035 labels, with room for the "-canary" suffix. */
  private checkName(path: string, field: string, value: string): void {
    const room = this.routing === CanaryRouting.GATEWAY_API ? 63 - '-canary'.length : 63;
    if (value.length > room || !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value)) {
      throw Errors.invalidName(path, field, value,
        `a DNS-1035 label of at most ${room} characters (lowercase letters, digits and '-', starting with a letter), as the Service names derive from it`);
    }
  }

  /** Adds the canary and track labels to the workload's pod template, at synthesis. */
  private labelPods(ws: WorkloadSidecars, track: 'stable' | 'canary'): void {
    const obj = ws.workload;
    const inner = obj.toJson.bind(obj);
    const path = this.node.path;
    Object.defineProperty(obj, 'toJson', {
      value: () => {
        const json = inner();
        const template = podTemplate(json);
        const labels = { ...template.metadata?.labels };
        for (const [key, value] of [[CANARY_LABEL, this.baseName()], [TRACK_LABEL, track]]) {
          if (labels[key] !== undefined && labels[key] !== value) {
            throw Errors.invalidCanary(path, `${track === 'stable' ? 'sidecars' : 'canarySidecars'} pod label ${key}`, labels[key],
              `is set on ${userPath(ws)}'s pod template, and the canary sets it to ${JSON.stringify(value)}`, `Remove the label ${key} from the pod template`);
          }
          labels[key] = value;
        }
        template.metadata = { ...template.metadata, labels };
        return json;
      },
      configurable: true,
      writable: true,
    });
  }

  /** The port the Services target: appPort, else the stable workload's first app TCP port. */
  private appPort(): number {
    if (this.props.appPort !== undefined) { return this.props.appPort; }
    const containers: any[] = podTemplate(this.stable._originalJson()).spec?.containers ?? [];
    const port = (containers[0]?.ports ?? []).find((p: any) => (p.protocol ?? 'TCP') === 'TCP')?.containerPort;
    if (typeof port !== 'number') {
      throw Errors.missingSetting(this.node.path, 'appPort', `the first app container of ${userPath(this.stable)} declares no TCP port to send the traffic to`,
        'Give appPort, or declare the container\'s port (e.g. portNumber: 8080)');
    }
    return port;
  }

  private service(id: string, name: string, track?: 'stable' | 'canary'): ApiObject {
    return new ApiObject(this, id, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: this.namespace, labels: { ...MANAGED_BY } },
      spec: {
        selector: { [CANARY_LABEL]: this.baseName(), ...(track ? { [TRACK_LABEL]: track } : {}) },
        // Istio chooses the protocol by the port name ("http" or "http-<suffix>"):
        // https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
        ports: Lazy.any({ produce: () => [{ name: 'http', port: this.props.port ?? this.appPort(), targetPort: this.appPort(), protocol: 'TCP' }] }),
      },
    });
  }

  private weights(): [number, number] {
    return [100 - this.canaryWeight, this.canaryWeight];
  }

  /** Gateway API HTTPRoute v1 (kubernetes-sigs/gateway-api v1.6.1 standard channel). */
  private httpRoute(): ApiObject {
    const name = this.baseName();
    const [stable, canary] = this.weights();
    return new ApiObject(this, 'route', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name, namespace: this.namespace, labels: { ...MANAGED_BY } },
      spec: Lazy.any({
        produce: () => {
          this.checkNoDrift();
          const port = this.props.port ?? this.appPort();
          return {
            parentRefs: this.props.gateways!.map(g => ({
              // group and kind default to gateway.networking.k8s.io and Gateway (ParentReference).
              name: g.name,
              ...(g.namespace !== undefined ? { namespace: g.namespace } : {}),
              ...(g.sectionName !== undefined ? { sectionName: g.sectionName } : {}),
            })),
            ...(this.props.hostnames?.length ? { hostnames: [...this.props.hostnames] } : {}),
            // backendRefs[].weight: "If weight is set to 0, no traffic should be forwarded for this
            // entry" (BackendRef.weight, HTTPRoute v1 CRD), so rollback keeps both backends listed.
            rules: [{
              backendRefs: [
                { name: `${name}-stable`, port, weight: stable },
                { name: `${name}-canary`, port, weight: canary },
              ],
            }],
          };
        },
      }),
    });
  }

  /** Istio DestinationRule v1 (istio/istio 1.30.3 crd-all.gen.yaml): the two subsets by track label. */
  private makeDestinationRule(): ApiObject {
    const name = this.baseName();
    return new ApiObject(this, 'destination-rule', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name, namespace: this.namespace, labels: { ...MANAGED_BY } },
      spec: {
        host: name,
        subsets: [
          { name: 'stable', labels: { [TRACK_LABEL]: 'stable' } },
          { name: 'canary', labels: { [TRACK_LABEL]: 'canary' } },
        ],
      },
    });
  }

  /** Istio VirtualService v1: one HTTP route with a weighted destination per subset. */
  private virtualService(): ApiObject {
    const name = this.baseName();
    const [stable, canary] = this.weights();
    return new ApiObject(this, 'virtual-service', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name, namespace: this.namespace, labels: { ...MANAGED_BY } },
      spec: Lazy.any({
        produce: () => {
          this.checkNoDrift();
          const port = this.props.port ?? this.appPort();
          return {
            hosts: [...(this.props.hostnames ?? [name])],
            ...(this.props.istioGateways ? { gateways: [...this.props.istioGateways] } : {}),
            http: [{
              route: [
                { destination: { host: name, subset: 'stable', port: { number: port } }, weight: stable },
                { destination: { host: name, subset: 'canary', port: { number: port } }, weight: canary },
              ],
            }],
          };
        },
      }),
    });
  }

  /**
   * The two rendered Deployments are the same but for what a canary of sidecar images may change.
   * Throws CANARY_DRIFT naming the first other difference.
   */
  private checkNoDrift(): void {
    const path = this.node.path;
    const [a, b] = [this.comparable(this.stable), this.comparable(this.canary)];
    // Services the sidecars asked for (PodRequirements.services, e.g. Dapr's "<app-id>-dapr") would be
    // made twice under one name, each selecting one track: the second would replace the first.
    const twice = [...a.services].find(s => b.services.has(s));
    if (twice !== undefined) {
      throw Errors.invalidCanary(path, 'canarySidecars', twice, 'is a Service the sidecars of both workloads create under one name, each selecting only its own pods',
        'Give the canary sidecars another name for that Service (e.g. another Dapr app ID), or run the canary without the sidecar that asks for it');
    }
    // "Do not overlap labels or selectors with other controllers (including other Deployments and
    // StatefulSets)": https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#creating-a-deployment
    for (const [field, x, y] of [['sidecars', a, b], ['canarySidecars', b, a]] as const) {
      const selects = Object.keys(x.selector).length > 0 && Object.entries(x.selector).every(([k, v]) => y.podLabels[k] === v);
      if (selects) {
        throw Errors.invalidCanary(path, `${field} selector`, x.selector, `selects the pods of ${userPath(x === a ? this.canary : this.stable)} too`,
          'Give each Deployment a selector of its own (e.g. app: shop plus track: canary on the canary), so that neither adopts the other\'s pods');
      }
    }
    // A weighted backend without endpoints: its share of the requests fails (HTTPRoute BackendRef: requests to a
    // backend that cannot be reached get an error status; Istio answers 503 "no healthy upstream").
    for (const [field, ws, weight] of [['sidecars', this.stable, 100 - this.canaryWeight], ['canarySidecars', this.canary, this.canaryWeight]] as const) {
      const replicas = (ws === this.stable ? a : b).replicas;
      if (replicas === 0 && weight > 0) {
        throw Errors.invalidCanary(path, 'canaryWeight', this.canaryWeight, `sends ${weight}% of the requests to ${userPath(ws)}, which has replicas: 0: they would find no endpoint`,
          field === 'canarySidecars' ? 'Scale the canary up, or set canaryWeight: 0' : 'Scale the stable workload up, or set canaryWeight: 100');
      }
    }
    const stableLabel = `Deployment ${userPath(this.stable)}`;
    const canaryLabel = `Deployment ${userPath(this.canary)}`;
    for (const key of new Set([...Object.keys(a.config), ...Object.keys(b.config)])) {
      for (const file of new Set([...Object.keys(a.config[key] ?? {}), ...Object.keys(b.config[key] ?? {})])) {
        const diff = fileDifference(a.config[key]?.[file], b.config[key]?.[file]);
        // A Secret's content is never shown: only where it differs.
        if (diff && key.startsWith('Secret ')) { throw Errors.canaryDrift(path, `${key} data[${JSON.stringify(file)}]`, '(secret)', '(another secret)', stableLabel, canaryLabel); }
        if (diff) { throw Errors.canaryDrift(path, `${key} data[${JSON.stringify(file)}]${diff.line ? ` line ${diff.line}` : ''}`, diff.a, diff.b, stableLabel, canaryLabel); }
      }
    }
    const diff = firstDifference(a.json, b.json, '');
    if (diff) { throw Errors.canaryDrift(path, diff.field, diff.a, diff.b, stableLabel, canaryLabel); }
  }

  /**
   * A workload as rendered, less what may differ between the two tracks: its name and
   * metadata, replicas, selector, the selector's labels and the canary labels on the pod
   * template, the names of the objects generated for it (replaced by their construct ids)
   * and the images of the injected sidecar containers. Its generated config objects' data are
   * returned apart, by construct id, to be compared first (the config-hash annotation is
   * derived from them).
   */
  private comparable(ws: WorkloadSidecars): Comparable {
    const { json, pod } = ws._rendered();
    const generated = new Map<string, string>();
    // Construct paths are written into generated files (e.g. the comment heading the redirect
    // rules names the proxy's path): each sidecar's path reads as its place in the pod, the
    // workload's as <workload>. Longest first, so that a path is not cut by its prefix.
    const paths: Array<[string, string]> = [
      ...pod.sidecars.map((sc, i): [string, string] => [sc.path, `<sidecar ${i + 1}>`]),
      [ws.workload.node.path, '<workload>'] as [string, string], [userPath(ws), '<workload>'] as [string, string],
    ].sort((x, y) => y[0].length - x[0].length);
    const scrub = (text: string) => paths.reduce((t, [from, to]) => t.split(from).join(to), text);
    const config: { [id: string]: any } = {};
    const services = new Set<string>();
    // What the library made beside the workload is under it (<workload>/CdkSidecars).
    for (const child of ws.workload.node.findAll()) {
      if (!ApiObject.isApiObject(child) || child === ws.workload) { continue; }
      generated.set(child.name, `<${child.kind} ${child.node.id}>`);
      if (child.kind === 'ConfigMap' || child.kind === 'Secret') {
        const data: { [file: string]: string } = { ...child.toJson().data };
        if (child.kind === 'Secret') {
          for (const [k, v] of Object.entries(data)) { data[k] = Buffer.from(v, 'base64').toString('utf-8'); }
        }
        for (const [k, v] of Object.entries(data)) { data[k] = scrub(v); }
        config[`${child.kind} ${child.node.id}`] = data;
      }
      if (child.kind === 'Service') { services.add(child.name); }
    }
    const matchLabels = { ...json.spec?.selector?.matchLabels };
    const selector = Object.keys(matchLabels);
    const template = podTemplate(json);
    const podLabels = { ...template.metadata?.labels };
    const labels = { ...podLabels };
    for (const key of [...selector, CANARY_LABEL, TRACK_LABEL]) { delete labels[key]; }
    const annotations = { ...template.metadata?.annotations };
    // Derived: the config hash from the config objects' data, the injected list from the container names (both compared).
    delete annotations[CONFIG_HASH_ANNOTATION];
    delete annotations[INJECTED_ANNOTATION];
    const sidecarContainers = new Set(pod.containers.map(c => c.name));
    const stripImages = (list: any[] | undefined) => list?.map(c => (sidecarContainers.has(c.name) ? { ...c, image: '<sidecar image>' } : c));
    const spec = { ...template.spec, containers: stripImages(template.spec?.containers), initContainers: stripImages(template.spec?.initContainers) };
    const { replicas: _r, selector: _s, template: _t, ...rest } = json.spec ?? {};
    const comparableJson = replaceNames({
      namespace: json.metadata?.namespace,
      spec: { ...rest, template: { metadata: { ...template.metadata, labels, annotations }, spec } },
    }, generated, scrub);
    return { json: comparableJson, config, services, selector: matchLabels, podLabels, replicas: json.spec?.replicas };
  }
}

/** The path of the user's workload construct (a cdk8s-plus workload's, not its inner "Resource" ApiObject's). */
function userPath(ws: WorkloadSidecars): string {
  const obj = ws.workload;
  return obj.node.id === 'Resource' && obj.node.scope ? obj.node.scope.node.path : obj.node.path;
}

/** The first line where two generated files differ (the whole value when one is missing). */
function fileDifference(a: string | undefined, b: string | undefined): { line?: number; a: unknown; b: unknown } | undefined {
  if (a === b) { return undefined; }
  if (typeof a !== 'string' || typeof b !== 'string') { return { a, b }; }
  const [la, lb] = [a.split('\n'), b.split('\n')];
  const i = la.findIndex((line, n) => line !== lb[n]);
  const at = i === -1 ? la.length : i;
  return { line: at + 1, a: la[at], b: lb[at] };
}

/** A workload as SidecarCanary compares it. */
interface Comparable {
  readonly json: any;
  readonly config: { [id: string]: any };
  readonly services: Set<string>;
  readonly selector: { [k: string]: string };
  readonly podLabels: { [k: string]: string };
  /** spec.replicas as written (undefined: 1 by default, or an autoscaler's). */
  readonly replicas: unknown;
}

/** Replaces every string equal to a generated object's name by its construct id, and construct paths in the others. */
function replaceNames(value: any, names: ReadonlyMap<string, string>, scrub: (text: string) => string): any {
  if (typeof value === 'string') { return names.get(value) ?? scrub(value); }
  if (Array.isArray(value)) { return value.map(v => replaceNames(v, names, scrub)); }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceNames(v, names, scrub)]));
  }
  return value;
}

/**
 * The first place where `a` and `b` differ, as a field path (list items that have a `name` are
 * matched and shown by name, e.g. `spec.template.spec.containers[name=app].env[0].value`).
 */
function firstDifference(a: any, b: any, field: string): { field: string; a: unknown; b: unknown } | undefined {
  if (a === b) { return undefined; }
  const isObj = (v: any) => v !== null && typeof v === 'object';
  if (!isObj(a) || !isObj(b) || Array.isArray(a) !== Array.isArray(b)) { return { field: field || '(the whole object)', a, b }; }
  const join = (key: string) => (field ? `${field}.${key}` : key);
  if (Array.isArray(a)) {
    const named = (list: any[]) => list.every(v => isObj(v) && typeof v.name === 'string') && new Set(list.map(v => v.name)).size === list.length;
    if (named(a) && named(b)) {
      const an = a.map(v => v.name);
      const bn = (b as any[]).map((v: any) => v.name);
      if (JSON.stringify(an) !== JSON.stringify(bn)) { return { field: `${field}[*].name`, a: an, b: bn }; }
      for (let i = 0; i < a.length; i++) {
        const d = firstDifference(a[i], b[i], `${field}[name=${a[i].name}]`);
        if (d) { return d; }
      }
      return undefined;
    }
    if (a.length !== b.length) { return { field, a, b }; }
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${field}[${i}]`);
      if (d) { return d; }
    }
    return undefined;
  }
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = firstDifference(a[key], b[key], join(key));
    if (d) { return d; }
  }
  return undefined;
}
