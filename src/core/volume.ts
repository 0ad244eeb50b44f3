/**
 * What a volume holds.
 */
export enum VolumeKind {
  /** Empty scratch space on the node's disk, shared by the containers that mount it. */
  SCRATCH = 'SCRATCH',
  /** Empty scratch space in memory (tmpfs), for secrets and hot files. */
  MEMORY = 'MEMORY',
  /** Files whose content the library generates (rendered into a ConfigMap, Secret or config volume). */
  CONFIG_FILES = 'CONFIG_FILES',
  /** All keys of a secret in the platform's secret store, as files. */
  SECRET = 'SECRET',
}

/**
 * A file with generated content.
 */
export interface ConfigFileSpec {
  /** File name inside the volume (letters, digits, '-', '_', '.'). */
  readonly name: string;
  /** File content. */
  readonly content: string;
  /**
   * File mode (for example 0o440).
   * @default 0o444 (the platform writes the files as root: a mode without read for others needs a group the reader is in, e.g. the pod's fsGroup; mounting keeps other containers out)
   */
  readonly mode?: number;
}

/**
 * A volume a sidecar brings to the pod.
 */
export interface VolumeSpec {
  /** Volume name, unique in the pod (DNS label). */
  readonly name: string;
  /** What the volume holds. */
  readonly kind: VolumeKind;
  /**
   * Size limit of SCRATCH and MEMORY volumes, in MiB.
   * @default - no limit (MEMORY volumes then count against the container memory limit)
   */
  readonly sizeLimitMebibytes?: number;
  /**
   * Files of a CONFIG_FILES volume.
   * @default - none
   */
  readonly files?: ConfigFileSpec[];
  /**
   * The files of a CONFIG_FILES volume are secret: Kubernetes renders them into a
   * Secret instead of a ConfigMap.
   * @default false
   */
  readonly sensitive?: boolean;
  /**
   * Name of the secret for a SECRET volume (on Kubernetes, an existing Secret).
   * @default - none
   */
  readonly secretName?: string;
}

/**
 * A volume mounted into a container.
 */
export interface VolumeMountSpec {
  /** Name of the volume (declared by the same sidecar). */
  readonly volume: string;
  /** Absolute path inside the container. */
  readonly path: string;
  /**
   * Mount read-only.
   * @default false for SCRATCH and MEMORY volumes, true for CONFIG_FILES and SECRET volumes
   */
  readonly readOnly?: boolean;
}
