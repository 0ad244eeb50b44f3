import { shellWord } from '../../core/shell-words';

/**
 * How the Vault agent tells the app that a secret was re-rendered.
 *
 * Not by a signal: the agent runs as a non-root UID with every capability dropped, and
 * capabilities added to a non-root container are not in effect for its process
 * (kubernetes/kubernetes#56374), so `kill` on a process of the app's UID fails with EPERM.
 * An HTTP call to the app on localhost needs no privilege, no shared process namespace,
 * and works on every platform (the containers of a pod, task or group share localhost).
 */

/** HTTP method of a reload call. */
export enum VaultReloadMethod {
  /** GET. */
  GET = 'GET',
  /** POST with an empty body (e.g. Prometheus' `/-/reload`). */
  POST = 'POST',
}

/** An HTTP reload endpoint of the app. */
export interface VaultHttpReloadOptions {
  /** Port of the app on localhost. */
  readonly port: number;
  /** Path of the reload endpoint, e.g. `/-/reload`. */
  readonly path: string;
  /**
   * HTTP method.
   * @default VaultReloadMethod.POST
   */
  readonly method?: VaultReloadMethod;
}

/**
 * What the long-running agent does after it re-renders a secret, so that the app picks up
 * the new value. The init step never runs it (the app has not started yet).
 */
export class VaultReload {
  /**
   * Calls the app's reload endpoint on `http://127.0.0.1:<port><path>` with the `wget`
   * of the agent image (busybox's applet in the Alpine-based `hashicorp/vault` image:
   * hashicorp/vault `Dockerfile` is `FROM alpine:3`, and Alpine's busybox is built with
   * `CONFIG_WGET` and `CONFIG_FEATURE_WGET_LONG_OPTIONS`, alpinelinux/aports
   * `main/busybox/busyboxconfig`); the call is bounded by the template's 30 s exec timeout. A custom `image` must have a
   * busybox- or GNU-compatible `wget` and `sh` on its PATH. A failed call (non-2xx,
   * refused: the app not listening yet) is reported on the agent's stderr and does not fail
   * the template: consul-template treats a failed command as a failed render
   * (hashicorp/consul-template#508) and the agent would exit, which on ECS stops the whole
   * task (the agent is essential); the new secrets are on disk either way.
   */
  public static http(options: VaultHttpReloadOptions): VaultReload {
    return new VaultReload(options.port, options.path, options.method ?? VaultReloadMethod.POST);
  }

  /** Port of the app's endpoint. */
  public readonly port: number;
  /** Path of the app's endpoint. */
  public readonly path: string;
  /** HTTP method. */
  public readonly method: VaultReloadMethod;

  private constructor(port: number, path: string, method: VaultReloadMethod) {
    this.port = port;
    this.path = path;
    this.method = method;
  }

  /** The command the agent runs (consul-template runs it without a shell, so it names one). @internal */
  public _command(): string[] {
    // No `-T`: the template's exec timeout (30 s) bounds the call, and busybox 1.35's
    // `wget -T` crashes (seen with Debian's busybox-static in this repository's tests).
    const url = shellWord(`http://127.0.0.1:${this.port}${this.path}`);
    const post = this.method === VaultReloadMethod.POST ? ' --post-data=' : '';
    return ['sh', '-c', `wget -q -O /dev/null${post} ${url} || echo "cdk-sidecars: the reload call to "${url}" failed; the new files are rendered" >&2`];
  }
}
