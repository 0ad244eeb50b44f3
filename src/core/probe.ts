import { checkPropTypes } from './prop-types';
/**
 * How a probe reaches the container.
 */
export enum ProbeKind {
  /** An HTTP GET request; success is a 2xx or 3xx status. */
  HTTP_GET = 'HTTP_GET',
  /** A TCP connection that opens. */
  TCP_SOCKET = 'TCP_SOCKET',
  /** A command run inside the container that exits 0. */
  EXEC = 'EXEC',
}

/**
 * The scheme of an HTTP probe.
 */
export enum ProbeScheme {
  /** Plain HTTP. */
  HTTP = 'HTTP',
  /** HTTPS (certificate not verified by the kubelet). */
  HTTPS = 'HTTPS',
}

/**
 * Timing of a probe. Every field left out takes the platform's default.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Probe
 */
export interface ProbeTiming {
  /**
   * Seconds after the container starts before the first probe.
   * @default - the platform default (Kubernetes: 0)
   */
  readonly initialDelaySeconds?: number;
  /**
   * Seconds between probes.
   * @default - the platform default (Kubernetes: 10, ECS: 30)
   */
  readonly periodSeconds?: number;
  /**
   * Seconds after which one probe counts as failed.
   * @default - the platform default (Kubernetes: 1, ECS: 5)
   */
  readonly timeoutSeconds?: number;
  /**
   * Consecutive failures after which the container counts as unhealthy.
   * @default - the platform default (Kubernetes: 3, ECS: 3)
   */
  readonly failureThreshold?: number;
  /**
   * Consecutive successes after a failure to count as healthy again.
   * Kubernetes allows only 1 for liveness and startup probes.
   * @default 1
   */
  readonly successThreshold?: number;
}

/**
 * Options of an HTTP GET probe.
 */
export interface HttpGetProbeOptions extends ProbeTiming {
  /** Port of the container to probe. It must be one of the container's ports. */
  readonly port: number;
  /**
   * Path of the request; must start with `/`.
   * @default '/'
   */
  readonly path?: string;
  /**
   * HTTP or HTTPS.
   * @default ProbeScheme.HTTP
   */
  readonly scheme?: ProbeScheme;
}

/**
 * Options of a TCP probe.
 */
export interface TcpSocketProbeOptions extends ProbeTiming {
  /** Port of the container to probe. It must be one of the container's ports. */
  readonly port: number;
}

/**
 * Options of a command probe.
 */
export interface ExecProbeOptions extends ProbeTiming {
  /** Command (and arguments) run inside the container; exit code 0 means healthy. */
  readonly command: string[];
}

/**
 * A health probe, described once and rendered by each platform binder:
 * a Kubernetes probe, an ECS container health check, or an ACI probe.
 */
export class Probe {
  /** An HTTP GET probe. */
  public static httpGet(options: HttpGetProbeOptions): Probe {
    return new Probe(ProbeKind.HTTP_GET, options, options.port, options.path ?? '/', options.scheme ?? ProbeScheme.HTTP, undefined);
  }

  /** A TCP connection probe. */
  public static tcpSocket(options: TcpSocketProbeOptions): Probe {
    return new Probe(ProbeKind.TCP_SOCKET, options, options.port, undefined, undefined, undefined);
  }

  /** A command probe. */
  public static exec(options: ExecProbeOptions): Probe {
    // A command that is not a list is kept as given: the sidecar's type check names it (never a TypeError here).
    const command = Array.isArray(options.command) ? [...options.command] : options.command;
    return new Probe(ProbeKind.EXEC, options, undefined, undefined, undefined, command);
  }

  /** How the probe reaches the container. */
  public readonly kind: ProbeKind;
  /** Port probed (HTTP and TCP probes). */
  public readonly port?: number;
  /** Request path (HTTP probes). */
  public readonly path?: string;
  /** Request scheme (HTTP probes). */
  public readonly scheme?: ProbeScheme;
  /** Command run (exec probes). */
  public readonly command?: string[];
  /** Timing of the probe. */
  public readonly timing: ProbeTiming;

  private constructor(kind: ProbeKind, timing: ProbeTiming, port: number | undefined, path: string | undefined,
    scheme: ProbeScheme | undefined, command: string[] | undefined) {
    this.kind = kind;
    this.port = port;
    this.path = path;
    this.scheme = scheme;
    this.command = command;
    this.timing = {
      initialDelaySeconds: timing.initialDelaySeconds,
      periodSeconds: timing.periodSeconds,
      timeoutSeconds: timing.timeoutSeconds,
      failureThreshold: timing.failureThreshold,
      successThreshold: timing.successThreshold,
    };
  }
}

/**
 * Runtime types of a probe the user gave as `field` (e.g. `readinessProbe`): a Probe made by
 * its factories, whose options are checked under the names the user wrote (`readinessProbe.port`,
 * `readinessProbe.periodSeconds`), not under the probe's internal `timing`.
 */
export function checkProbe(path: string, field: string, probe: unknown): void {
  if (probe === undefined) { return; }
  const kind = (probe as Probe)?.kind;
  checkPropTypes(path, probe, { port: 'port', path: 'string', scheme: { enum: ProbeScheme }, command: 'stringArray' },
    kind === ProbeKind.EXEC ? ['command'] : kind === undefined ? [] : ['port'], `${field}.`);
  checkPropTypes(path, (probe as Probe).timing ?? {}, {
    initialDelaySeconds: 'count', periodSeconds: 'count', timeoutSeconds: 'count', failureThreshold: 'count', successThreshold: 'count',
  }, [], `${field}.`);
}
