import { Protocol, SecretKeyReference } from '../core/container';
import { _AppMountFields } from '../core/document-binders';

/** A port of an app service, published on the host (on the pod's pause service). */
export interface ComposePort {
  /** Container port. */
  readonly port: number;
  /**
   * Host port.
   * @default - the container port
   */
  readonly hostPort?: number;
  /**
   * Protocol.
   * @default Protocol.TCP
   */
  readonly protocol?: Protocol;
}

/** A named volume of the project mounted into an app service. */
export interface ComposeVolumeMount extends _AppMountFields {
  /** Name of a volume of the project (`ComposeProjectProps.volumes`). */
  readonly volume: string;
}

/** An app service of the pod. */
export interface ComposeAppServiceProps {
  /** Service name. */
  readonly name: string;
  /** Image reference. */
  readonly image: string;
  /**
   * Entrypoint (replaces the image's; Kubernetes `command`).
   * @default - the image's
   */
  readonly entrypoint?: string[];
  /**
   * Command (arguments to the entrypoint; Kubernetes `args`).
   * @default - the image's
   */
  readonly command?: string[];
  /**
   * Environment variables (`$` is written `$$`, so Compose passes it literally).
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * Environment variables from secrets: each becomes `${<SECRET>_<KEY>:?...}`, which Compose
   * fills from the shell environment or the `.env` file at `up` time.
   * @default - none
   */
  readonly secretEnvironment?: { [name: string]: SecretKeyReference };
  /**
   * Ports, published on the host.
   * @default - none
   */
  readonly ports?: ComposePort[];
  /**
   * Numeric "uid" or "uid:gid".
   * @default - the image's user
   */
  readonly user?: string;
  /**
   * Named volumes of the project mounted into the service.
   * @default - none
   */
  readonly volumes?: ComposeVolumeMount[];
}

/** Props of a ComposeProject. */
export interface ComposeProjectProps {
  /**
   * Project name (lowercase letters, digits, '_' and '-').
   * @default - the construct id
   */
  readonly name?: string;
  /** The app services of the pod. */
  readonly services: ComposeAppServiceProps[];
  /**
   * Named volumes of the app services (and of sidecars that mount the app's volumes).
   * @default - none
   */
  readonly volumes?: string[];
  /**
   * For each secret that a sidecar mounts as a SECRET volume, the host file of each key
   * (path relative to the Compose file, or absolute): each key becomes a Compose secret.
   * @default - none: a SECRET volume is an error
   */
  readonly secretFiles?: { [secretName: string]: { [key: string]: string } };
  /**
   * Image of the pause service that holds the pod's network (and process) namespace.
   * @default "registry.k8s.io/pause:3.10"
   */
  readonly pauseImage?: string;
}
