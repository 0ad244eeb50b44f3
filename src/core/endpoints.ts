/**
 * Network destinations read from the addresses sidecars are configured with, for
 * PodRequirements.egress. Internal: not part of the jsii API.
 */
import { Protocol } from './container';
import { NetworkEndpoint } from './contribution';

/** Default port of a URL scheme (WHATWG URL: special schemes; grpc as gRPC clients read it). */
const SCHEME_PORTS: { [scheme: string]: number } = { 'http:': 80, 'https:': 443, 'grpc:': 80, 'grpcs:': 443, 'ws:': 80, 'wss:': 443 };

/**
 * The destination of a URL (`https://vault.example:8200`) or of a `host:port` (`otel.obs:4317`),
 * or undefined when it names none (a Unix socket, an unresolved token, a bare host without a port
 * and no `defaultPort`).
 */
export function endpointOf(address: unknown, prop: string, defaultPort?: number, protocol: Protocol = Protocol.TCP): NetworkEndpoint | undefined {
  if (typeof address !== 'string' || address === '' || address.includes('${Token[')) { return undefined; }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address);
  if (withScheme && /^unix/i.test(address)) { return undefined; }
  let url: URL;
  try {
    url = new URL(withScheme ? address : `tcp://${address}`);
  } catch {
    return undefined;
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port !== '' ? Number(url.port) : SCHEME_PORTS[url.protocol] ?? defaultPort;
  if (!host || port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) { return undefined; }
  return { host, port, protocol, prop };
}

/** The destinations of `addresses`, without the ones that name none. */
export function endpoints(...list: Array<NetworkEndpoint | undefined>): NetworkEndpoint[] {
  return list.filter((e): e is NetworkEndpoint => e !== undefined);
}
