import { isIP } from 'net';
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { podTemplate, readAppPod } from './workload';
import { WorkloadSidecars } from './workload-sidecars';
import { ComposedPod } from '../core/composition';
import { PortExposure, Protocol } from '../core/container';
import { Errors } from '../core/errors';
import { PropTypes, checkPropTypes } from '../core/prop-types';
import { isCidr, isDeclared } from '../core/resolve';

/**
 * Who may connect, or be connected to: pods chosen by labels (in the policy's namespace, in
 * one namespace by name, or in namespaces chosen by labels), or an IP block. One of the
 * selector fields or `cidr` must be given; `cidr` does not go with the selectors.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export interface NetworkPeer {
  /**
   * Pods with these labels (`podSelector.matchLabels`); `{}` is every pod.
   * @default - every pod of the namespaces chosen by `namespace` or `namespaceLabels`
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * One namespace by name, matched on the `kubernetes.io/metadata.name` label the API server
   * sets on every namespace (GA in Kubernetes 1.22, KEP-2161).
   * @default - the policy's namespace (with `podLabels`), or the namespaces of `namespaceLabels`
   */
  readonly namespace?: string;
  /**
   * Namespaces with these labels (`namespaceSelector.matchLabels`); `{}` is every namespace.
   * Not with `namespace`.
   * @default - the policy's namespace (with `podLabels`), or the namespace of `namespace`
   */
  readonly namespaceLabels?: { [key: string]: string };
  /**
   * An IP block (`ipBlock.cidr`), e.g. "10.0.0.0/16". Not with the selectors. Pod IPs are
   * ephemeral: use it for destinations outside the cluster.
   * @default - no IP block
   */
  readonly cidr?: string;
  /**
   * Networks inside `cidr` that are not allowed (`ipBlock.except`).
   * @default - none
   */
  readonly exceptCidrs?: string[];
}

/** A port or a range of ports of a network policy rule. */
export interface NetworkPolicyPort {
  /** The port (of the pod, after a Service's translation: policies see pod ports). */
  readonly port: number;
  /**
   * The last port of a range starting at `port` (`endPort`, GA in Kubernetes 1.25).
   * @default - the one port
   */
  readonly endPort?: number;
  /**
   * Transport protocol.
   * @default Protocol.TCP
   */
  readonly protocol?: Protocol;
}

/** An extra rule: traffic from (ingress) or to (egress) the peers on the ports. */
export interface NetworkPolicyRule {
  /**
   * The peers.
   * @default - any peer (every pod, namespace and address)
   */
  readonly peers?: NetworkPeer[];
  /**
   * The ports.
   * @default - every port
   */
  readonly ports?: NetworkPolicyPort[];
}

/**
 * Where a host name a sidecar is configured with (Vault's address, an exporter's endpoint, an
 * Envoy cluster) really is, for the egress rule: a NetworkPolicy cannot match host names.
 */
export interface NetworkDestination {
  /** The host name as the sidecar is configured with it, e.g. "vault.vault.svc". */
  readonly host: string;
  /** Who serves it: e.g. `{ namespace: 'vault', podLabels: { 'app.kubernetes.io/name': 'vault' } }`, or a CIDR. */
  readonly peers: NetworkPeer[];
  /**
   * The ports the serving pods listen on (a Service's targetPort, not its port: the policy sees
   * the packet after the Service's address translation).
   * @default - the port the sidecar is configured with
   */
  readonly ports?: NetworkPolicyPort[];
}

/** Props of a {@link WorkloadNetworkPolicy}. */
export interface WorkloadNetworkPolicyProps {
  /** The workload whose pods the policy selects, with its sidecars: `WorkloadSidecars.of(deployment)`. */
  readonly sidecars: WorkloadSidecars;
  /**
   * `metadata.name` of the NetworkPolicy.
   * @default - the workload's name
   */
  readonly name?: string;
  /**
   * Who may call the app: the ports the app containers declare, the sidecars' PUBLIC ports (an
   * explicit proxy's listener) and the ports other workloads call on a sidecar (Dapr's internal
   * gRPC port). An empty list closes these ports.
   * @default - every pod of the workload's namespace (`podSelector: {}`); callers in other namespaces (an ingress controller) must be listed
   */
  readonly appPeers?: NetworkPeer[];
  /**
   * Who may reach the sidecars' other exposed ports (admin, health and metrics ports): the
   * scrapers. The kubelet's probes come from the node, which policies never block (see the README).
   * @default - nobody but the node: the ports are closed to other pods
   */
  readonly monitoringPeers?: NetworkPeer[];
  /**
   * More ingress rules, as written.
   * @default - none
   */
  readonly ingress?: NetworkPolicyRule[];
  /**
   * Restrict the pod's egress to DNS, the destinations the sidecars are configured with and
   * `egress`. Otherwise all egress is allowed (the policy still lists Egress, with one rule that allows all).
   * @default - true when a sidecar intercepts the pod's traffic (Envoy with redirect), else false
   */
  readonly restrictEgress?: boolean;
  /**
   * With restricted egress, allow DNS (UDP and TCP port 53) to `dnsPeers`.
   * @default true
   */
  readonly allowDns?: boolean;
  /**
   * The cluster DNS servers.
   * @default - pods labelled `k8s-app: kube-dns` in namespace kube-system (CoreDNS as kubeadm, EKS, GKE and AKS deploy it)
   */
  readonly dnsPeers?: NetworkPeer[];
  /**
   * Where the host names the sidecars are configured with are served. A host name without an
   * entry gets a rule allowing its port to any destination, and a warning naming it.
   * @default - none
   */
  readonly destinations?: NetworkDestination[];
  /**
   * More egress rules (with restricted egress), as written: the app's own destinations.
   * @default - none
   */
  readonly egress?: NetworkPolicyRule[];
}

const PEER_TYPES: PropTypes = { podLabels: 'stringMap', namespace: 'string', namespaceLabels: 'stringMap', cidr: 'string', exceptCidrs: 'stringArray' };
const PORT_TYPES: PropTypes = { port: 'port', endPort: 'port', protocol: { enum: Protocol } };
const RULE_TYPES: PropTypes = { peers: { each: PEER_TYPES }, ports: { each: PORT_TYPES, required: ['port'] } };

/** Label keys and values as Kubernetes takes them (apimachinery validation: qualified names, label values). */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The label the API server sets on every namespace, its name (KEP-2161, GA 1.22). */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Loopback destinations: a sidecar of the same pod, which no policy sees. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\./.test(host) || host === '::1';
}

const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'cdk-sidecars' };

/**
 * A `networking.k8s.io/v1` NetworkPolicy for the pods of one workload, generated from the pod
 * as deployed (sidecars injected): ingress only to the ports the pod declares, by class of
 * port (the app's callers, the scrapers), and, where asked or where a proxy intercepts the
 * pod's traffic, egress only to DNS and to the destinations the sidecars are configured with.
 *
 * The rules are computed at synthesis, from the workload's label selector and its injected pod.
 *
 * @example
 * new WorkloadNetworkPolicy(chart, 'web-policy', {
 *   sidecars: WorkloadSidecars.of(web),
 *   monitoringPeers: [{ namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } }],
 * });
 */
export class WorkloadNetworkPolicy extends Construct {
  /** The NetworkPolicy object. */
  public readonly apiObject: ApiObject;
  private readonly props: WorkloadNetworkPolicyProps;
  private readonly warned: string[] = [];

  constructor(scope: Construct, id: string, props: WorkloadNetworkPolicyProps) {
    super(scope, id);
    checkPropTypes(this.node.path, props, {
      sidecars: 'object',
      name: 'string',
      appPeers: { each: PEER_TYPES },
      monitoringPeers: { each: PEER_TYPES },
      ingress: { each: RULE_TYPES },
      restrictEgress: 'boolean',
      allowDns: 'boolean',
      dnsPeers: { each: PEER_TYPES },
      destinations: { each: { host: 'string', peers: { each: PEER_TYPES }, ports: { each: PORT_TYPES, required: ['port'] } }, required: ['host', 'peers'] },
      egress: { each: RULE_TYPES },
    }, ['sidecars']);
    if (!(props.sidecars instanceof WorkloadSidecars)) {
      throw Errors.invalidType(this.node.path, 'sidecars', props.sidecars, 'a WorkloadSidecars (WorkloadSidecars.of(workload))');
    }
    this.props = props;
    const path = this.node.path;
    (['appPeers', 'monitoringPeers', 'dnsPeers'] as const).forEach(f => (props[f] ?? []).forEach((p, i) => checkPeer(path, `${f}[${i}]`, p)));
    (['ingress', 'egress'] as const).forEach(f => (props[f] ?? []).forEach((r, i) => {
      (r.peers ?? []).forEach((p, j) => checkPeer(path, `${f}[${i}].peers[${j}]`, p));
      (r.ports ?? []).forEach((p, j) => checkPort(path, `${f}[${i}].ports[${j}]`, p));
    }));
    (props.destinations ?? []).forEach((d, i) => {
      if (d.host === '') { throw Errors.invalidType(path, `destinations[${i}].host`, d.host, 'a host name'); }
      if (d.peers.length === 0) {
        throw Errors.invalidPeer(path, `destinations[${i}].peers`, d.peers, 'is empty, so the host would be allowed nowhere', 'Name who serves the host (a namespace and pod labels, or a CIDR)');
      }
      d.peers.forEach((p, j) => checkPeer(path, `destinations[${i}].peers[${j}]`, p));
      (d.ports ?? []).forEach((p, j) => checkPort(path, `destinations[${i}].ports[${j}]`, p));
    });
    if (props.name !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(props.name)) {
      throw Errors.invalidName(path, 'name', props.name, 'a DNS subdomain: at most 253 lowercase letters, digits, \'-\' and \'.\'');
    }
    const workload = props.sidecars.workload;
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: props.name ?? workload.name.slice(0, 253),
        namespace: workload.metadata.namespace,
        labels: { ...MANAGED_BY },
      },
      spec: Lazy.any({ produce: () => this.spec() }),
    });
  }

  /** Warnings of the last synthesis (also printed to stderr): host names no rule can match, destinations no sidecar names. */
  public get warnings(): string[] {
    return [...this.warned];
  }

  private warn(message: string): void {
    if (this.warned.includes(message)) { return; }
    this.warned.push(message);
    process.stderr.write(`[cdk-sidecars] warning: ${message}\n`);
  }

  private spec(): any {
    const sidecars = this.props.sidecars;
    const original = sidecars._originalJson();
    const podSelector = selectorOf(original);
    if (!podSelector) {
      throw Errors.noPodSelector(this.node.path, 'spec.podSelector', sidecars.workload.node.path, String(original.kind),
        'Give the workload a label selector (a Deployment, StatefulSet, DaemonSet or ReplicaSet has one), or write the NetworkPolicy for its pods yourself');
    }
    const { pod } = sidecars._rendered();
    return {
      podSelector,
      // Both always: a policy that lists only Ingress leaves egress to whatever other policies say, which a reviewer would not see here.
      policyTypes: ['Ingress', 'Egress'],
      ingress: this.ingress(original, pod),
      egress: this.egress(pod),
    };
  }

  private ingress(original: any, pod: ComposedPod): any[] {
    const p = this.props;
    const app = readAppPod(podTemplate(original).spec);
    const sidecarNames = new Set(pod.containers.map(c => c.name));
    // The app's declared ports. With a transparent proxy, a caller still connects to the app port:
    // the pod's own iptables rules move it to the proxy's inbound port only after the packet has
    // crossed the pod's interface, where the CNI enforces the policy (NetworkPolicy is enforced on
    // the host, outside the pod: istio.io docs/ambient/usage/networkpolicy). The proxy's inbound
    // port itself is pod-local and stays closed.
    const callers: Array<{ port: number; protocol: Protocol }> = [...app.containers, ...app.initContainers.filter(c => c.longRunning)]
      .filter(c => !sidecarNames.has(c.name))
      .flatMap(c => c.ports.map(x => ({ port: x.port, protocol: x.protocol })));
    const monitoring: Array<{ port: number; protocol: Protocol }> = [];
    for (const c of pod.containers) {
      for (const x of c.ports.filter(isDeclared)) {
        const forCallers = x.exposure === PortExposure.PUBLIC || c.owner.callerPorts.includes(x.port);
        (forCallers ? callers : monitoring).push({ port: x.port, protocol: x.protocol });
      }
    }
    // A peer list the user gave for a class of ports the pod does not have would be dropped: refused instead.
    if (p.appPeers?.length && !callers.length) {
      throw Errors.ineffectiveSetting(this.node.path, 'appPeers', p.appPeers, `${pod.targetPath} declares no port its callers reach (no containerPort on an app container, no PUBLIC sidecar port)`,
        'Declare the app\'s ports on its containers, or remove appPeers');
    }
    if (p.monitoringPeers?.length && !monitoring.length) {
      throw Errors.ineffectiveSetting(this.node.path, 'monitoringPeers', p.monitoringPeers, `no sidecar of ${pod.targetPath} exposes an admin, health or metrics port`,
        'Remove monitoringPeers, or expose the sidecar\'s metrics port');
    }
    const rules: any[] = [];
    const appPeers = p.appPeers ?? [{ podLabels: {} }];
    if (callers.length && appPeers.length) { rules.push({ from: appPeers.map(peer), ports: portList(callers) }); }
    if (monitoring.length && p.monitoringPeers?.length) { rules.push({ from: p.monitoringPeers.map(peer), ports: portList(monitoring) }); }
    rules.push(...(p.ingress ?? []).map(r => rule(r, 'from')));
    return dedupe(rules);
  }

  private egress(pod: ComposedPod): any[] {
    const p = this.props;
    if (!(p.restrictEgress ?? pod.trafficInterception !== undefined)) {
      // What restricted egress would use is refused rather than dropped.
      const unused = (['egress', 'destinations', 'dnsPeers', 'allowDns'] as const).find(k => p[k] !== undefined);
      if (unused) {
        throw Errors.ineffectiveSetting(this.node.path, unused, p[unused], `egress of ${pod.targetPath} is not restricted (${p.restrictEgress === false
          ? 'restrictEgress is false' : 'no sidecar intercepts its traffic and restrictEgress is not set'})`, `Set restrictEgress: true, or remove ${unused}`);
      }
      // One empty rule allows all egress (NetworkPolicyEgressRule: empty `to` and `ports` match everything).
      return [{}];
    }
    const rules: any[] = [];
    if (p.allowDns === false && p.dnsPeers !== undefined) {
      // Refused rather than dropped: the DNS rule is the only use of dnsPeers.
      throw Errors.ineffectiveSetting(this.node.path, 'dnsPeers', p.dnsPeers, 'allowDns is false, so no DNS rule is written', 'Remove dnsPeers, or set allowDns: true');
    }
    if (p.allowDns ?? true) {
      const dns = p.dnsPeers ?? [{ namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } }];
      // CoreDNS answers on port 53 over UDP and, for large answers and zone transfers, TCP (RFC 7766).
      rules.push({ to: dns.map(peer), ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] });
    }
    const destinations = p.destinations ?? [];
    const used = new Set<string>();
    for (const s of pod.sidecars) {
      for (const e of s.egress) {
        if (isLoopback(e.host)) { continue; }
        const ports = [{ protocol: e.protocol, port: e.port }];
        // A destination the user gave comes first, an IP address's included (its peers and ports are the user's).
        const d = destinations.find(x => x.host === e.host);
        if (d) {
          used.add(d.host);
          rules.push({ to: d.peers.map(peer), ports: d.ports ? portList(d.ports) : ports });
          continue;
        }
        if (isIP(e.host)) {
          rules.push({ to: [{ ipBlock: { cidr: `${e.host}/${isIP(e.host) === 4 ? 32 : 128}` } }], ports });
          continue;
        }
        // A NetworkPolicy has no host names (networking.k8s.io/v1 NetworkPolicyPeer: pods, namespaces, IP blocks).
        rules.push({ ports });
        this.warn(`${this.node.path}: ${s.path} connects to host ${JSON.stringify(e.host)} (${e.prop}), which a NetworkPolicy cannot match: `
          + `port ${e.port}/${e.protocol} is allowed to any destination. Add WorkloadNetworkPolicyProps.destinations { host: ${JSON.stringify(e.host)}, peers, ports } `
          + '(the serving pods\' port: a policy sees the packet after a Service translates its port) to narrow it');
      }
      if (s.readsPodMetadata) {
        this.warn(`${this.node.path}: ${s.path} reads its pod's metadata from the Kubernetes API server, which no pod or namespace selector matches: `
          + 'add an egress rule with the API server\'s address (kubectl get endpoints kubernetes) and port, or the sidecar cannot start its work');
      }
    }
    destinations.forEach((d, i) => {
      if (!used.has(d.host)) {
        this.warn(`${this.node.path}: destinations[${i}].host ${JSON.stringify(d.host)} is not a destination of any sidecar of ${pod.targetPath}: it adds no rule (use egress for the app's own destinations)`);
      }
    });
    rules.push(...(p.egress ?? []).map(r => rule(r, 'to')));
    return dedupe(rules);
  }
}

/** The label selector of a workload's pods (ReplicationController: a plain map), or undefined. */
function selectorOf(json: any): any {
  const selector = json?.spec?.selector;
  if (json?.kind === 'ReplicationController') {
    return selector && Object.keys(selector).length ? { matchLabels: { ...selector } } : undefined;
  }
  if (!['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(json?.kind) || !selector) { return undefined; }
  const out: any = {};
  if (selector.matchLabels && Object.keys(selector.matchLabels).length) { out.matchLabels = { ...selector.matchLabels }; }
  if (Array.isArray(selector.matchExpressions) && selector.matchExpressions.length) { out.matchExpressions = selector.matchExpressions; }
  return Object.keys(out).length ? out : undefined;
}

function checkLabels(path: string, field: string, labels: { [key: string]: string } | undefined): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (!LABEL_KEY.test(k) || !LABEL_VALUE.test(v)) {
      throw Errors.invalidSelector(path, field, { [k]: v });
    }
  }
}

function checkPeer(path: string, field: string, p: NetworkPeer): void {
  const selects = p.podLabels !== undefined || p.namespace !== undefined || p.namespaceLabels !== undefined;
  if (p.cidr === undefined && !selects) {
    throw Errors.invalidPeer(path, field, p, 'selects nothing', 'Give podLabels, namespace or namespaceLabels (an empty map selects all), or a cidr');
  }
  if (p.cidr !== undefined && selects) {
    throw Errors.invalidPeer(path, field, p, 'has both an IP block (cidr) and selectors, which one NetworkPolicy peer cannot hold', 'Give the IP block and the selectors as two peers');
  }
  if (p.exceptCidrs !== undefined && p.cidr === undefined) {
    throw Errors.invalidPeer(path, `${field}.exceptCidrs`, p.exceptCidrs, 'excepts networks from no IP block', 'Give cidr too, or drop exceptCidrs');
  }
  if (p.namespace !== undefined && p.namespaceLabels !== undefined) {
    throw Errors.invalidPeer(path, field, p, 'has both namespace and namespaceLabels', 'Give one: namespace is a shortcut for the namespace\'s kubernetes.io/metadata.name label');
  }
  if (p.namespace !== undefined && !DNS_LABEL.test(p.namespace)) {
    throw Errors.invalidName(path, `${field}.namespace`, p.namespace, 'a namespace name, a DNS label');
  }
  checkLabels(path, `${field}.podLabels`, p.podLabels);
  checkLabels(path, `${field}.namespaceLabels`, p.namespaceLabels);
  if (p.cidr !== undefined && (!isCidr(p.cidr) || !p.cidr.includes('/'))) { throw Errors.invalidCidr(path, `${field}.cidr`, p.cidr); }
  (p.exceptCidrs ?? []).forEach((x, i) => {
    if (!isCidr(x) || !x.includes('/')) { throw Errors.invalidCidr(path, `${field}.exceptCidrs[${i}]`, x); }
  });
}

function checkPort(path: string, field: string, p: NetworkPolicyPort): void {
  if (p.endPort !== undefined && p.endPort < p.port) {
    throw Errors.invalidRange(path, `${field}.port`, p.port, `${field}.endPort`, p.endPort);
  }
}

/** A NetworkPolicyPeer. */
function peer(p: NetworkPeer): any {
  if (p.cidr !== undefined) {
    return { ipBlock: { cidr: p.cidr, ...(p.exceptCidrs?.length ? { except: [...p.exceptCidrs] } : {}) } };
  }
  const out: any = {};
  if (p.namespace !== undefined) { out.namespaceSelector = { matchLabels: { [NAMESPACE_NAME_LABEL]: p.namespace } }; }
  if (p.namespaceLabels !== undefined) { out.namespaceSelector = labelSelector(p.namespaceLabels); }
  if (p.podLabels !== undefined) { out.podSelector = labelSelector(p.podLabels); }
  return out;
}

/** A LabelSelector: `{}` (everything) for an empty map. */
function labelSelector(labels: { [key: string]: string }): any {
  return Object.keys(labels).length ? { matchLabels: { ...labels } } : {};
}

/** NetworkPolicyPorts, each port once, in order. */
function portList(ports: ReadonlyArray<NetworkPolicyPort | { port: number; protocol: Protocol }>): any[] {
  const out = ports.map(p => ({ protocol: p.protocol ?? Protocol.TCP, port: p.port, ...('endPort' in p && p.endPort !== undefined ? { endPort: p.endPort } : {}) }));
  return dedupe(out);
}

function rule(r: NetworkPolicyRule, direction: 'from' | 'to'): any {
  return {
    ...(r.peers?.length ? { [direction]: r.peers.map(peer) } : {}),
    ...(r.ports?.length ? { ports: portList(r.ports) } : {}),
  };
}

function dedupe<T>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter(x => {
    const key = JSON.stringify(x);
    if (seen.has(key)) { return false; }
    seen.add(key);
    return true;
  });
}
