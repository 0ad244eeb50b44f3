/**
 * What a volume holds.
 *
 * Pod Security: `restricted` allows configMap, csi, downwardAPI, emptyDir, ephemeral,
 * persistentVolumeClaim, projected and secret volumes (kubernetes/pod-security-admission
 * policy/check_restrictedVolumes.go), so every kind but HOST_PATH passes it; `baseline` forbids
 * hostPath (policy/check_hostPathVolumes.go).
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
  /**
   * An existing PersistentVolumeClaim (`claimName`), Kubernetes only. Data outlives the pod; the
   * volume's root directory is writable by non-root containers only through the pod's fsGroup
   * (where the volume's driver supports ownership changes).
   * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#claims-as-volumes
   */
  PERSISTENT_CLAIM = 'PERSISTENT_CLAIM',
  /**
   * A CSI ephemeral volume (`csiDriver`, `csiAttributes`, `fsType`), Kubernetes only: e.g. the
   * Secrets Store CSI driver (`secrets-store.csi.k8s.io`). Allowed by every Pod Security level.
   * @see https://kubernetes.io/docs/concepts/storage/ephemeral-volumes/#csi-ephemeral-volumes
   */
  CSI = 'CSI',
  /**
   * A generic ephemeral volume: a PersistentVolumeClaim made for the pod from a template
   * (`claimSizeMebibytes`, `storageClassName`) and deleted with it, Kubernetes only.
   * @see https://kubernetes.io/docs/concepts/storage/ephemeral-volumes/#generic-ephemeral-volumes
   */
  EPHEMERAL_CLAIM = 'EPHEMERAL_CLAIM',
  /**
   * A directory or file of the node (`hostPath`), Kubernetes only, and only with
   * `allowHostPath: true`. Pod Security `baseline` and `restricted` forbid it (a namespace that
   * enforces either is refused at synthesis). Owned by root on the node: mount it read-only.
   * @see https://kubernetes.io/docs/concepts/storage/volumes/#hostpath
   */
  HOST_PATH = 'HOST_PATH',
}

/**
 * What the kubelet checks at a hostPath before mounting it (Kubernetes HostPathType).
 * @see https://kubernetes.io/docs/concepts/storage/volumes/#hostpath-volume-types
 */
export enum HostPathType {
  /** A directory, created (0755, root-owned) when missing. */
  DIRECTORY_OR_CREATE = 'DirectoryOrCreate',
  /** An existing directory. */
  DIRECTORY = 'Directory',
  /** A file, created empty (0644, root-owned) when missing. */
  FILE_OR_CREATE = 'FileOrCreate',
  /** An existing file. */
  FILE = 'File',
  /** An existing Unix socket. */
  SOCKET = 'Socket',
  /** An existing character device. */
  CHAR_DEVICE = 'CharDevice',
  /** An existing block device. */
  BLOCK_DEVICE = 'BlockDevice',
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
  /**
   * Name of the existing PersistentVolumeClaim of a PERSISTENT_CLAIM volume (in the pod's namespace).
   * @default - none (required for PERSISTENT_CLAIM)
   */
  readonly claimName?: string;
  /**
   * Name of the CSI driver of a CSI volume, e.g. `secrets-store.csi.k8s.io`.
   * @default - none (required for CSI)
   */
  readonly csiDriver?: string;
  /**
   * Driver-specific attributes of a CSI volume (Kubernetes `volumeAttributes`), e.g.
   * `{ secretProviderClass: 'vault-db' }` for the Secrets Store CSI driver.
   * @default - none
   */
  readonly csiAttributes?: { [key: string]: string };
  /**
   * File system type of a CSI volume, e.g. `ext4`.
   * @default - the driver's default
   */
  readonly fsType?: string;
  /**
   * Size of an EPHEMERAL_CLAIM volume's claim, in MiB (its `resources.requests.storage`).
   * @default - none (required for EPHEMERAL_CLAIM)
   */
  readonly claimSizeMebibytes?: number;
  /**
   * Storage class of an EPHEMERAL_CLAIM volume's claim.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
  /**
   * Path on the node of a HOST_PATH volume (absolute).
   * @default - none (required for HOST_PATH)
   */
  readonly hostPath?: string;
  /**
   * What the kubelet checks at `hostPath` before mounting it.
   * @default - no check (Kubernetes type "")
   */
  readonly hostPathType?: HostPathType;
  /**
   * Opt in to a HOST_PATH volume: it gives the pod a directory of the node, which Pod Security
   * `baseline` and `restricted` forbid. Without it a HOST_PATH volume is refused.
   * @default false
   */
  readonly allowHostPath?: boolean;
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
   * @default false for SCRATCH, MEMORY, PERSISTENT_CLAIM, CSI and EPHEMERAL_CLAIM volumes, true for CONFIG_FILES, SECRET and HOST_PATH volumes and CSI volumes of the Secrets Store driver
   */
  readonly readOnly?: boolean;
}
