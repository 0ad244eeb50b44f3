/**
 * Transparent traffic interception, the platform-neutral part: the neutral interception
 * request (ComposedInterception) becomes two restore documents (nat table), one for
 * `iptables-restore` (IPv4) and one for `ip6tables-restore` (IPv6), or one native nftables
 * ruleset, and the command (POSIX sh script or nft) and image that apply them in the pod's
 * network namespace. The Kubernetes binder (k8s/redirect.ts: init container, ConfigMap, probe
 * rewrite, CNI mode) and the Compose binder (the redirect service) both render these.
 * Knows iptables and nftables; nothing about Envoy; loads no platform library.
 */
import { isIP } from 'net';
import { ComposedInterception } from './composition';
import { checkCommandsInImage } from './contract';
import { Errors } from './errors';
import { LIBRARY_NAMES } from './names';

/** Name of the init container that installs the rules. */
export const REDIRECT_CONTAINER = LIBRARY_NAMES.redirectContainer;
/**
 * Default image: Istio's proxy image. Its default (debug) flavour is FROM Istio's base
 * image, ubuntu:noble with the iptables package (iptables-restore and ip6tables-restore)
 * and sh (istio/istio at 86c9f01fd735, pilot/docker/Dockerfile.proxyv2 and
 * docker/Dockerfile.base); its -distroless flavour has no shell.
 */
export const DEFAULT_REDIRECT_IMAGE = 'docker.io/istio/proxyv2:1.29.6';
/** The IPv4 document (for iptables-restore). */
export const RULES_FILE = 'rules.v4';
/** The IPv6 document, beside the IPv4 one in the same ConfigMap. */
export const RULES_FILE_V6 = 'rules.v6';
/** The native nftables ruleset (nativeNftables), for `nft -f`: one inet table for both families. */
export const RULES_FILE_NFT = 'rules.nft';
/** The nftables table of the rules (its own, so that nothing else in the pod's namespace is touched). */
const NFT_TABLE = 'cdk_sidecars';
/** Where the command reads the documents (the Kubernetes ConfigMap volume, the Compose configs). */
const RULES_DIR = '/etc/cdk-sidecars/redirect';

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
export function checkAppPorts(i: ComposedInterception): void {
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
 * The image and command that apply the rules in the pod's network namespace, and the
 * directory the command reads the rules from: the IPv4 and IPv6 documents through
 * redirectScript, or the nftables ruleset with `nft -f` (nativeNftables). The image is checked
 * for the command's binaries (runtime contract) and a distroless image, which has no sh, is refused.
 */
export function redirectCommand(i: ComposedInterception): { readonly image: string; readonly command: string[]; readonly rulesDir: string } {
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
  return { image, command, rulesDir: RULES_DIR };
}
