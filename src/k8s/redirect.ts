/**
 * Traffic interception on Kubernetes: the rules of the neutral interception request
 * (core/redirect-rules.ts: iptables-restore documents for IPv4 and IPv6, or an nftables
 * ruleset) go into a ConfigMap, applied by an init container before the proxy starts, and
 * the app's HTTP probes are rewritten to the proxy's probe route; or a CNI plugin installs
 * them (CNI mode). Knows the kubelet and the Istio CNI plugin; nothing about Envoy.
 */
import { ComposedInterception } from '../core/composition';
import { checkCommandsInImage } from '../core/contract';
import { RedirectMode } from '../core/contribution';
import { Errors } from '../core/errors';
import { LIBRARY_NAMES } from '../core/names';
import { DEFAULT_REDIRECT_IMAGE, REDIRECT_CONTAINER, RULES_FILE, RULES_FILE_NFT, RULES_FILE_V6, checkAppPorts, redirectCommand } from '../core/redirect-rules';

// The rules themselves are platform-neutral (the Compose binder renders them too).
export {
  DEFAULT_REDIRECT_IMAGE, REDIRECT_CONTAINER, RULES_FILE, RULES_FILE_NFT, RULES_FILE_V6, iptablesComment, nftRules, redirectRules,
} from '../core/redirect-rules';

/** Name of the unprivileged init container that checks the rules a CNI plugin installed (CNI redirect mode). */
export const REDIRECT_CHECK_CONTAINER = LIBRARY_NAMES.redirectCheckContainer;
/** Volume (ConfigMap) holding the rules, and where the init container reads them. */
export const REDIRECT_VOLUME = LIBRARY_NAMES.redirectVolume;
/** Scratch for the xtables lock (/run/xtables.lock) under a read-only root filesystem. */
const LOCK_VOLUME = LIBRARY_NAMES.redirectRunVolume;

/**
 * The init container that applies the rules: root with NET_ADMIN and NET_RAW only
 * (the one documented exception to the secure defaults), all else dropped, read-only
 * root filesystem, no privilege escalation.
 */
export function redirectInitContainer(i: ComposedInterception): any {
  const { image, command, rulesDir } = redirectCommand(i);
  return {
    name: REDIRECT_CONTAINER,
    image,
    command,
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
    securityContext: {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [
      { name: REDIRECT_VOLUME, mountPath: rulesDir, readOnly: true },
      { name: LOCK_VOLUME, mountPath: '/run', readOnly: false },
    ],
  };
}

export function redirectVolumes(configMapName: string, nativeNftables = false): any[] {
  const files = nativeNftables ? [RULES_FILE_NFT] : [RULES_FILE, RULES_FILE_V6];
  return [
    { name: REDIRECT_VOLUME, configMap: { name: configMapName, items: files.map(f => ({ key: f, path: f, mode: 0o444 })) } },
    { name: LOCK_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
  ];
}

/**
 * Keeps the kubelet's probes of captured app ports working. With a probe route
 * (`probeRedirect`, on a port that is not captured), HTTP probes go to
 * `<prefix>/http/<port><path>` and TCP probes to `<prefix>/tcp/<port>`, where the proxy
 * checks the app for the kubelet. Without one, an HTTP probe goes through the proxy's
 * inbound listener like any request, and a TCP probe would be answered by the proxy
 * itself instead of the app, so it is refused. Mutates the app containers.
 */
export function rewriteAppProbes(spec: any, i: ComposedInterception, targetPath: string): void {
  const captured = new Set(i.appPorts);
  const portOf = (container: any, port: any): number | undefined => {
    if (typeof port === 'number') { return port; }
    const named = (container.ports ?? []).find((p: any) => p.name === port);
    return named ? Number(named.containerPort) : undefined;
  };
  for (const container of spec.containers ?? []) {
    for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const probe = container[kind];
      if (!probe) { continue; }
      const field = `containers[${container.name}].${kind}`;
      const redirect = i.spec.probeRedirect;
      if (probe.tcpSocket) {
        const port = portOf(container, probe.tcpSocket.port);
        if (port === undefined || !captured.has(port)) { continue; }
        if (!redirect) {
          throw Errors.invalidInterception(targetPath, `${field}.tcpSocket.port`, port,
            `is captured by ${i.owner.path}, which has no probe route, so the proxy, not the app, would answer the kubelet's TCP probe`,
            'Use an httpGet or exec probe for this port, exclude it (excludeInboundPorts), or give the proxy a probe route (probeRedirect)');
        }
        const { tcpSocket: _, ...rest } = probe;
        container[kind] = { ...rest, httpGet: { path: `${redirect.pathPrefix}/tcp/${port}`, port: redirect.port, scheme: 'HTTP' } };
      }
      if (probe.grpc) {
        const port = Number(probe.grpc.port);
        if (!captured.has(port)) { continue; }
        if (!redirect) {
          throw Errors.invalidInterception(targetPath, `${field}.grpc.port`, port,
            `is captured by ${i.owner.path}, which has no probe route, so the kubelet's gRPC probe would reach the proxy's inbound listener, not the app's health service`,
            'Exclude the port (excludeInboundPorts), or give the proxy a probe route (probeRedirect)');
        }
        const { grpc, ...rest } = probe;
        // The proxy's probe route asks the app's grpc.health.v1 service (Istio rewrites gRPC probes the same way, to its agent).
        const service = grpc.service ? `/${encodeURIComponent(String(grpc.service))}` : '';
        container[kind] = { ...rest, httpGet: { path: `${redirect.pathPrefix}/grpc/${port}${service}`, port: redirect.port, scheme: 'HTTP' } };
        continue;
      }
      if (probe.httpGet) {
        const port = portOf(container, probe.httpGet.port);
        if (port === undefined || !captured.has(port)) { continue; }
        if (!redirect) {
          continue; // No probe route: the probe goes through the proxy's inbound listener like any request.
        }
        if (String(probe.httpGet.scheme ?? 'HTTP').toUpperCase() === 'HTTPS') {
          throw Errors.invalidInterception(targetPath, `${field}.httpGet.scheme`, 'HTTPS',
            `cannot be routed by ${i.owner.path}'s probe route, which talks plain HTTP to the app`, 'Probe over HTTP, or exclude the port (excludeInboundPorts)');
        }
        const path = String(probe.httpGet.path ?? '/');
        container[kind] = {
          ...probe,
          httpGet: {
            ...probe.httpGet,
            port: redirect.port,
            path: `${redirect.pathPrefix}/http/${port}${path.startsWith('/') ? path : `/${path}`}`,
            scheme: 'HTTP',
          },
        };
      }
    }
  }
}

/**
 * The Istio CNI plugin's contract (istio/istio cni/pkg/plugin, read at 86c9f01fd735): the
 * plugin programs a pod's rules when the pod's network is created if the pod has a container
 * named `istio-proxy` (init or regular; its securityContext runAsUser / runAsGroup are the
 * exempt UID / GID), no `istio-init` container, no `sidecar.istio.io/inject: "false"`, and a
 * `sidecar.istio.io/status` annotation (plugin.go CmdAdd). The rules send outbound traffic to
 * 15001 and inbound to 15006 (sidecar_redirect.go defaultRedirectToPort, tools/common/config
 * DefaultConfig InboundCapturePort), both fixed; the rest comes from the annotations below
 * (sidecar_redirect.go NewRedirect), read as istio-iptables reads its flags.
 */
export const CNI_PROXY_CONTAINER = 'istio-proxy';
export const CNI_OUTBOUND_PORT = 15001;
export const CNI_INBOUND_PORT = 15006;

/** Checks that the interception fits the CNI plugin's fixed contract. */
function checkCniContract(i: ComposedInterception): void {
  const s = i.spec;
  const f = 'pod.trafficInterception';
  if (s.proxyContainer !== CNI_PROXY_CONTAINER) {
    throw Errors.invalidInterception(i.owner.path, `${f}.proxyContainer`, s.proxyContainer,
      `is not "${CNI_PROXY_CONTAINER}", the only container whose pod the Istio CNI plugin redirects (cni/pkg/plugin/plugin.go)`,
      `Name the proxy container "${CNI_PROXY_CONTAINER}" (EnvoySidecarProps.name), or use RedirectMode.INIT_CONTAINER`);
  }
  for (const [key, fixed] of [['outboundPort', CNI_OUTBOUND_PORT], ['inboundPort', CNI_INBOUND_PORT]] as const) {
    if (s[key] !== fixed) {
      throw Errors.invalidInterception(i.owner.path, `${f}.${key}`, s[key], `differs from ${fixed}, where the Istio CNI plugin always redirects`,
        `Leave ${key} at ${fixed}, or use RedirectMode.INIT_CONTAINER`);
    }
  }
  if (s.includeOutboundPorts && s.includeOutboundCidrs) {
    // Istio's includeOutboundPorts captures a port whatever the destination, besides includeOutboundIPRanges:
    // "only these ports to only these destinations" has no annotation.
    throw Errors.invalidInterception(i.owner.path, `${f}.includeOutboundPorts`, s.includeOutboundPorts,
      'cannot be combined with includeOutboundCidrs under the Istio CNI plugin, whose includeOutboundPorts captures those ports to every destination',
      'Give one of includeOutboundPorts and includeOutboundCidrs, or use RedirectMode.INIT_CONTAINER');
  }
}

/**
 * The pod annotations the Istio CNI plugin (or a compatible plugin) reads, from the
 * interception settings. `includeOutboundPorts` alone becomes an empty
 * includeOutboundIPRanges plus those ports (captured whatever the destination).
 */
export function cniAnnotations(i: ComposedInterception): { [key: string]: string } {
  checkAppPorts(i);
  checkCniContract(i);
  const s = i.spec;
  const out: { [key: string]: string } = {
    // Only its presence is read by the plugin; the value has the shape of Istio's own status.
    'sidecar.istio.io/status': JSON.stringify({ initContainers: [REDIRECT_CHECK_CONTAINER], containers: [s.proxyContainer], injector: 'cdk-sidecars' }),
    'sidecar.istio.io/interceptionMode': 'REDIRECT',
    'traffic.sidecar.istio.io/includeInboundPorts': i.appPorts.join(','),
    'traffic.sidecar.istio.io/excludeInboundPorts': s.excludeInboundPorts.join(','),
    'traffic.sidecar.istio.io/includeOutboundIPRanges': s.includeOutboundCidrs ? s.includeOutboundCidrs.join(',') : s.includeOutboundPorts ? '' : '*',
  };
  if (s.excludeOutboundCidrs.length) { out['traffic.sidecar.istio.io/excludeOutboundIPRanges'] = s.excludeOutboundCidrs.join(','); }
  if (s.includeOutboundPorts) { out['traffic.sidecar.istio.io/includeOutboundPorts'] = s.includeOutboundPorts.join(','); }
  if (s.excludeOutboundPorts.length) { out['traffic.sidecar.istio.io/excludeOutboundPorts'] = s.excludeOutboundPorts.join(','); }
  if (s.excludeInterfaces.length) { out['traffic.sidecar.istio.io/excludeInterfaces'] = s.excludeInterfaces.join(','); }
  if (s.rerouteVirtualInterfaces.length) {
    if (s.includeOutboundPorts) {
      // istio-iptables reroutes a virtual interface by destination range only (handleOutboundIncludeRules): no port list.
      throw Errors.invalidInterception(i.owner.path, 'pod.trafficInterception.rerouteVirtualInterfaces', s.rerouteVirtualInterfaces,
        'cannot be limited to includeOutboundPorts under the Istio CNI plugin, which reroutes by destination range only', 'Leave includeOutboundPorts out, or use RedirectMode.INIT_CONTAINER');
    }
    out['istio.io/reroute-virtual-interfaces'] = s.rerouteVirtualInterfaces.join(',');
  }
  return out;
}

/**
 * CNI mode: an unprivileged init container that fails the pod when the rules are missing
 * (the CNI plugin is not installed on the node, or skipped the pod), as Istio's
 * `istio-validation` (injection-template.yaml with pilot.cni.enabled: `istio-iptables
 * --run-validation --skip-rule-apply`, run as the proxy's UID with every capability
 * dropped). It must run before the proxy binds 15001 and 15006 (tools/istio-iptables/pkg/
 * validation: it listens there and expects a connection to 127.0.0.6 to be redirected).
 */
export function redirectCheckContainer(i: ComposedInterception): any {
  checkCniContract(i);
  const image = i.spec.redirectImage ?? DEFAULT_REDIRECT_IMAGE;
  const command = ['/usr/local/bin/pilot-agent', 'istio-iptables', '-p', String(CNI_OUTBOUND_PORT), '-z', String(CNI_INBOUND_PORT),
    '-u', String(i.spec.proxyUid), ...(i.spec.proxyGid !== undefined ? ['-g', String(i.spec.proxyGid)] : []), '-m', 'REDIRECT',
    '--run-validation', '--skip-rule-apply'];
  checkCommandsInImage(i.owner.path, REDIRECT_CHECK_CONTAINER, image, [{ field: 'pod.trafficInterception.redirectImage', argv: command }], true);
  const uid = i.spec.proxyUid;
  return {
    name: REDIRECT_CHECK_CONTAINER,
    image,
    command,
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
    securityContext: {
      runAsUser: uid,
      runAsGroup: i.spec.proxyGid ?? uid,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}

/** Whether a CNI plugin installs the rules (no privileged init container, no rules ConfigMap). */
export function rulesByCni(i: { readonly redirectMode?: RedirectMode } | undefined): boolean {
  return i?.redirectMode === RedirectMode.CNI;
}
