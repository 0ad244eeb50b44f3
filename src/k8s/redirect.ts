/**
 * Traffic interception on Kubernetes: the neutral interception request becomes two
 * restore documents (nat table), one for `iptables-restore` (IPv4) and one for
 * `ip6tables-restore` (IPv6), applied by an init container before the proxy starts, and
 * the app's HTTP probes are rewritten to the proxy's probe route.
 * Knows iptables and the kubelet; nothing about Envoy.
 */
import { isIP } from 'net';
import { ComposedInterception } from '../core/composition';
import { checkCommandsInImage } from '../core/contract';
import { RedirectMode } from '../core/contribution';
import { Errors } from '../core/errors';
import { LIBRARY_NAMES } from '../core/names';

/** Name of the init container that installs the rules. */
export const REDIRECT_CONTAINER = LIBRARY_NAMES.redirectContainer;
/** Name of the unprivileged init container that checks the rules a CNI plugin installed (CNI redirect mode). */
export const REDIRECT_CHECK_CONTAINER = LIBRARY_NAMES.redirectCheckContainer;
/**
 * Default image: Istio's proxy image. Its default (debug) flavour is FROM Istio's base
 * image, ubuntu:noble with the iptables package (iptables-restore and ip6tables-restore)
 * and sh (istio/istio at 86c9f01fd735, pilot/docker/Dockerfile.proxyv2 and
 * docker/Dockerfile.base); its -distroless flavour has no shell.
 */
export const DEFAULT_REDIRECT_IMAGE = 'docker.io/istio/proxyv2:1.29.6';
/** Volume (ConfigMap) holding the rules, and where the init container reads them. */
export const REDIRECT_VOLUME = LIBRARY_NAMES.redirectVolume;
export const RULES_FILE = 'rules.v4';
/** The IPv6 document, beside the IPv4 one in the same ConfigMap. */
export const RULES_FILE_V6 = 'rules.v6';
/** The native nftables ruleset (nativeNftables), for `nft -f`: one inet table for both families. */
export const RULES_FILE_NFT = 'rules.nft';
/** The nftables table of the rules (its own, so that nothing else in the pod's namespace is touched). */
const NFT_TABLE = 'cdk_sidecars';
const RULES_DIR = '/etc/cdk-sidecars/redirect';
/** Scratch for the xtables lock (/run/xtables.lock) under a read-only root filesystem. */
const LOCK_VOLUME = LIBRARY_NAMES.redirectRunVolume;

const CHAIN = {
  inbound: 'CDK_SIDECARS_INBOUND',
  inRedirect: 'CDK_SIDECARS_IN_REDIRECT',
  output: 'CDK_SIDECARS_OUTPUT',
  redirect: 'CDK_SIDECARS_REDIRECT',
};

/**
 * Longest comment line written. iptables-restore reads its input line by line into a
 * fixed buffer (iptables 1.8.9: 10240 bytes); a longer line is cut there and the rest is
 * read as a line of its own, i.e. as a rule (seen with `iptables-restore --test` 1.8.9,
 * and proved in test/k8s/redirect-escape.test.ts). Comments stay far below.
 */
const MAX_COMMENT = 512;

/**
 * The one rule for a comment in a restore document: a single `#` line, whatever the text
 * holds. Every character outside printable ASCII (newlines, which would end the comment
 * and start a rule of the text's choosing, other controls, line separators, non-ASCII) and
 * `\` are written as `\uXXXX` escapes, so the line is ASCII, unambiguous and its length
 * is its byte count; text beyond MAX_COMMENT characters is cut and marked with `...`
 * (a comment only informs; nothing reads it).
 */
export function iptablesComment(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += code >= 0x20 && code < 0x7f && text[i] !== '\\' ? text[i] : `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `# ${out.length > MAX_COMMENT ? `${out.slice(0, MAX_COMMENT)}...` : out}`;
}

/** An address or CIDR with its prefix length, and its family (4 or 6). */
function cidr(value: string): { text: string; family: number } {
  const address = value.split('/')[0];
  const family = isIP(address);
  return { text: value.includes('/') ? value : `${value}/${family === 6 ? 128 : 32}`, family };
}

/**
 * What reaches the documents besides constants: numbers and CIDRs that core/resolve.ts
 * checked (resolveInterception: ports, UID/GID, isCidr), the comment (iptablesComment),
 * and the app ports, which k8s/workload.ts reads from the app's own manifests with
 * Number(): checked here, so a NaN, 0 or 1e21 fails at synth, not in the init container.
 */
function checkAppPorts(i: ComposedInterception): void {
  i.appPorts.forEach((p, n) => {
    if (!Number.isInteger(p) || p < 1 || p > 65535) { throw Errors.invalidPort(i.owner.path, `appPorts[${n}] (the app containers' containerPort)`, p); }
  });
}

/**
 * The rules, as one document for `iptables-restore --noflush` (family 4, IPv4 nat table)
 * or `ip6tables-restore --noflush` (family 6):
 *
 * - inbound TCP to the captured app ports goes to the proxy's inbound port;
 * - outbound TCP goes to the proxy's outbound port, except traffic of the proxy's
 *   UID/GID, traffic to localhost (127.0.0.1 or ::1: the app reaching other containers
 *   of the pod), excluded ports and destinations, and (when include lists are given)
 *   everything not on them.
 *
 * Each document holds only the CIDRs of its own family (iptables-restore refuses an IPv6
 * address, `host/network 'fd00::' not found`, and the reverse). With an include list of
 * CIDRs, a family that has none of them captures no outbound traffic. The same split as
 * istio/istio's tools/istio-iptables (pkg/capture/run.go: separate IPv4 and IPv6 rule
 * sets, ::1/128 for loopback, restored with ip6tables-restore).
 */
export function redirectRules(i: ComposedInterception, family: 4 | 6 = 4): string {
  const s = i.spec;
  checkAppPorts(i);
  const ofFamily = (list: string[]) => list.map(cidr).filter(c => c.family === family).map(c => c.text);
  const loopback = family === 6 ? '::1/128' : '127.0.0.1/32';
  function rerouteRules(): string[] {
    const cidrs = s.includeOutboundCidrs ? ofFamily(s.includeOutboundCidrs) : undefined;
    return s.rerouteVirtualInterfaces.flatMap(n => (cidrs ?? [undefined]).flatMap(c => (s.includeOutboundPorts ?? [undefined]).map(p =>
      `-A ${CHAIN.inbound} -i ${n}${c ? ` -d ${c}` : ''}${p ? ` -p tcp --dport ${p}` : ''} -j ${CHAIN.redirect}`)));
  }
  const lines: string[] = [
    iptablesComment('Generated by cdk-sidecars: transparent traffic interception for the proxy '
      + `container "${s.proxyContainer}" of ${i.owner.path} (IPv${family})`),
    '*nat',
    ...Object.values(CHAIN).map(c => `:${c} - [0:0]`),
    `-A ${CHAIN.inRedirect} -p tcp -j REDIRECT --to-ports ${s.inboundPort}`,
    `-A ${CHAIN.redirect} -p tcp -j REDIRECT --to-ports ${s.outboundPort}`,
    // Inbound: only the app's ports.
    `-A PREROUTING -p tcp -j ${CHAIN.inbound}`,
    // Excluded interfaces (e.g. a Multus network): neither direction is captured there, as
    // istio-iptables' shortCircuitExcludeInterfaces (tools/istio-iptables/pkg/capture/run.go).
    ...s.excludeInterfaces.map(n => `-A ${CHAIN.inbound} -i ${n} -j RETURN`),
    // Virtual interfaces (KubeVirt): what enters there is the pod's outbound traffic, captured
    // as outbound traffic is (istio-iptables handleOutboundIncludeRules: -i <if> [-d <cidr>] -j ISTIO_REDIRECT).
    ...rerouteRules(),
    ...i.appPorts.map(p => `-A ${CHAIN.inbound} -p tcp --dport ${p} -j ${CHAIN.inRedirect}`),
    // Outbound.
    `-A OUTPUT -p tcp -j ${CHAIN.output}`,
    // The proxy's own traffic leaves as it is (this is what keeps it from looping).
    ...s.excludeInterfaces.map(n => `-A ${CHAIN.output} -o ${n} -j RETURN`),
    `-A ${CHAIN.output} -m owner --uid-owner ${s.proxyUid} -j RETURN`,
    ...(s.proxyGid !== undefined ? [`-A ${CHAIN.output} -m owner --gid-owner ${s.proxyGid} -j RETURN`] : []),
    // Loopback: containers of one pod reach each other on localhost directly.
    `-A ${CHAIN.output} -o lo -j RETURN`,
    `-A ${CHAIN.output} -d ${loopback} -j RETURN`,
    ...ofFamily(s.excludeOutboundCidrs).map(c => `-A ${CHAIN.output} -d ${c} -j RETURN`),
    ...s.excludeOutboundPorts.map(p => `-A ${CHAIN.output} -p tcp --dport ${p} -j RETURN`),
  ];
  const ports = s.includeOutboundPorts;
  const cidrs = s.includeOutboundCidrs ? ofFamily(s.includeOutboundCidrs) : undefined;
  if (!ports && !cidrs) {
    lines.push(`-A ${CHAIN.output} -j ${CHAIN.redirect}`);
  } else {
    for (const c of cidrs ?? [undefined]) {
      for (const p of ports ?? [undefined]) {
        lines.push(`-A ${CHAIN.output}${c ? ` -d ${c}` : ''}${p ? ` -p tcp --dport ${p}` : ''} -j ${CHAIN.redirect}`);
      }
    }
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/**
 * The same rules as redirectRules, as one native nftables ruleset for `nft -f` (Istio's
 * nativeNftables: tools/istio-nftables/pkg/capture/run.go, "redirect to :<port>" in inet nat
 * chains). One `inet` table holds both families, so IPv4 and IPv6 need no separate document;
 * addresses are matched with `ip daddr` or `ip6 daddr` by family. The table is added, deleted
 * and written again, so a rerun of the init container in the same namespace leaves one copy.
 * Only numbers, checked CIDRs and checked interface names (quoted) reach it, besides the comment.
 */
export function nftRules(i: ComposedInterception): string {
  const s = i.spec;
  checkAppPorts(i);
  const daddr = (c: string) => {
    const { text, family } = cidr(c);
    return `${family === 6 ? 'ip6' : 'ip'} daddr ${text}`;
  };
  const iface = (n: string) => `"${n}"`;
  const includes = (): string[] => {
    const ports = s.includeOutboundPorts;
    const cidrs = s.includeOutboundCidrs;
    if (!ports && !cidrs) { return ['']; }
    return (cidrs ?? [undefined]).flatMap(c => (ports ?? [undefined]).map(p => [c ? daddr(c) : '', p ? `tcp dport ${p}` : ''].filter(Boolean).join(' ') + ' '));
  };
  const prerouting = [
    'meta l4proto != tcp return',
    ...s.excludeInterfaces.map(n => `iifname ${iface(n)} return`),
    // nft takes a port mapping only after a transport protocol match (as Istio writes it: "meta l4proto tcp ... redirect to").
    ...s.rerouteVirtualInterfaces.flatMap(n => includes().map(m => `iifname ${iface(n)} meta l4proto tcp ${m}redirect to :${s.outboundPort}`)),
    ...(i.appPorts.length ? [`tcp dport { ${i.appPorts.join(', ')} } redirect to :${s.inboundPort}`] : []),
  ];
  const output = [
    'meta l4proto != tcp return',
    ...s.excludeInterfaces.map(n => `oifname ${iface(n)} return`),
    `meta skuid ${s.proxyUid} return`,
    ...(s.proxyGid !== undefined ? [`meta skgid ${s.proxyGid} return`] : []),
    'oifname "lo" return',
    'ip daddr 127.0.0.1/32 return',
    'ip6 daddr ::1/128 return',
    ...s.excludeOutboundCidrs.map(c => `${daddr(c)} return`),
    ...s.excludeOutboundPorts.map(p => `tcp dport ${p} return`),
    ...includes().map(m => `meta l4proto tcp ${m}redirect to :${s.outboundPort}`),
  ];
  return [
    iptablesComment('Generated by cdk-sidecars: transparent traffic interception for the proxy '
      + `container "${s.proxyContainer}" of ${i.owner.path} (nftables, IPv4 and IPv6)`),
    `add table inet ${NFT_TABLE}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
    '  chain prerouting {',
    '    type nat hook prerouting priority -100; policy accept;',
    ...prerouting.map(r => `    ${r}`),
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    ...output.map(r => `    ${r}`),
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * The init container's script (POSIX sh; the default image has sh, iptables-restore and
 * ip6tables-restore, see DEFAULT_REDIRECT_IMAGE). The IPv4 document is always
 * applied. The IPv6 one is applied when the pod has a global-scope IPv6 address (scope
 * 00 in /proc/net/if_inet6, which lists the addresses of the pod's network namespace):
 * a dual-stack or IPv6 pod. Then a failure stops the pod (fail closed: IPv6 traffic
 * must not bypass the proxy). An IPv4-only pod, or a kernel without IPv6, skips it, so
 * nodes without ip6tables' nat table still start IPv4 pods.
 */
function redirectScript(dir: string): string {
  return [
    'set -e',
    `iptables-restore --noflush ${dir}/${RULES_FILE}`,
    'v6=',
    'if [ -r /proc/net/if_inet6 ]; then',
    '  while read -r _addr _index _prefix scope _flags _dev; do if [ "$scope" = 00 ]; then v6=1; fi; done < /proc/net/if_inet6',
    'fi',
    'if [ -n "$v6" ]; then',
    `  ip6tables-restore --noflush ${dir}/${RULES_FILE_V6}`,
    'else',
    '  echo "cdk-sidecars: the pod has no global IPv6 address: IPv6 rules not needed"',
    'fi',
  ].join('\n');
}

/**
 * The init container that applies the rules: root with NET_ADMIN and NET_RAW only
 * (the one documented exception to the secure defaults), all else dropped, read-only
 * root filesystem, no privilege escalation.
 */
export function redirectInitContainer(i: ComposedInterception): any {
  checkAppPorts(i);
  const image = i.spec.redirectImage ?? DEFAULT_REDIRECT_IMAGE;
  // Istio's -distroless images have no shell (istio/istio, pilot/docker/Dockerfile.proxyv2: FROM its iptables image).
  if (/distroless/i.test(image) && !i.spec.nativeNftables) {
    throw Errors.imageLacksBinary(i.owner.path, 'pod.trafficInterception.redirectImage', image, 'shell (sh)', 'the redirect init script (IPv4 and IPv6 rules)',
      `Use an image with sh, iptables-restore and ip6tables-restore, e.g. the default "${DEFAULT_REDIRECT_IMAGE}"`);
  }
  // Native nftables: one document for both families, applied with nft (Istio's proxyv2 image ships nft).
  const command = i.spec.nativeNftables ? ['nft', '-f', `${RULES_DIR}/${RULES_FILE_NFT}`] : ['sh', '-c', redirectScript(RULES_DIR)];
  // The runtime contract's binaries check, for the one container the binder itself adds.
  checkCommandsInImage(i.owner.path, REDIRECT_CONTAINER, image, [{ field: 'pod.trafficInterception.redirectImage', argv: command }], true);
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
      { name: REDIRECT_VOLUME, mountPath: RULES_DIR, readOnly: true },
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
