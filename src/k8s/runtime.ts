/**
 * How Kubernetes runs a pod, for the runtime contract check (core/contract.ts): who
 * owns the files of each volume and with which mode, and who the app containers are.
 * Facts from the kubelet (kubernetes/kubernetes, pkg/volume):
 * - emptyDir (disk or memory) is a directory with mode 0777 (emptydir/empty_dir.go setupDir);
 * - ConfigMap, Secret and projected files are written by the kubelet as root with the
 *   item's mode, or the volume's defaultMode (0644 when none is given);
 * - with a pod `fsGroup`, every such volume is chowned to that group: files get at least
 *   0440 (read-only volumes) or 0660, directories the setgid bit, so that files created
 *   later inherit the group (volume_linux.go SetVolumeOwnership); `fsGroup` and
 *   `supplementalGroups` are supplementary groups of every container's process.
 * - a PersistentVolumeClaim (or a generic ephemeral volume's claim) is chowned the same way
 *   with an fsGroup: its root directory gets the group, g+rwx and setgid (volume_linux.go
 *   SetVolumeOwnership, for drivers that support ownership changes); without one its owner is
 *   whatever the provisioner made, root for most, so only root may count on writing;
 * - a hostPath is the node's own directory, which the kubelet never chowns; those it creates
 *   (DirectoryOrCreate) are 0755 root:root (pkg/volume/util/hostutil/hostutil_linux.go MakeDir);
 * - a CSI ephemeral volume's ownership is the driver's (CSIDriver fsGroupPolicy): not known.
 */
/* eslint-disable no-bitwise */ // file modes are bit sets
import { FileAccess, ProcessIdentity, RUNTIME_DEFAULT_CAPABILITIES, RuntimePlatform } from '../core/contract';
import { VolumeKind } from '../core/volume';

function appIdentity(c: any, pod: any): ProcessIdentity {
  const sc = c.securityContext ?? {};
  const uid: number | undefined = sc.runAsUser ?? pod.runAsUser;
  const gid: number | undefined = sc.runAsGroup ?? pod.runAsGroup;
  const caps = new Set<string>();
  if (uid === 0) {
    const drop: string[] = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) { RUNTIME_DEFAULT_CAPABILITIES.filter(x => !drop.includes(x)).forEach(x => caps.add(x)); }
    (sc.capabilities?.add ?? []).forEach((x: string) => caps.add(x));
  }
  return { uid, gid, groups: [], capabilities: caps };
}

/**
 * The runtime of one pod spec (as it will be rendered: `fsGroup` is the pod's, including
 * one the sidecars ask for).
 */
export function kubernetesRuntime(spec: any, fsGroup: number | undefined): RuntimePlatform {
  const podSc = spec?.securityContext ?? {};
  const podGroups: number[] = [...(fsGroup !== undefined ? [fsGroup] : []), ...((podSc.supplementalGroups ?? []) as number[])];
  const withGroup = (mode: number, readOnly: boolean): FileAccess => (fsGroup === undefined
    ? { uid: 0, gid: 0, mode }
    : { uid: 0, gid: fsGroup, mode: mode | (readOnly ? 0o440 : 0o660) });
  return {
    name: 'Kubernetes',
    podGroups,
    // Generated files are rendered with their own mode (k8s/render.ts renderVolume).
    configFile: (_volume, _file, mode) => withGroup(mode, true),
    // SECRET volumes are rendered with defaultMode 0444 (k8s/render.ts renderVolume).
    secretFile: () => withGroup(0o444, true),
    scratchDir: () => ({ uid: 0, gid: fsGroup ?? 0, mode: 0o777 }),
    // What a container reads from a node directory is, first of all, the node's container logs:
    // root:root 0640 from containerd (/var/log/pods/<pod>/<container>/0.log, e.g.
    // splunk/fluentd-hec#245), 0600 from CRI-O before conmon 2.1.13 (cri-o/cri-o#9013). Only
    // root, by owner, can count on reading them (a non-root reader: fluent/fluent-bit#3446).
    hostFile: () => ({ uid: 0, gid: 0, mode: 0o640 }),
    externalDir: (_volume, kind) => {
      switch (kind) {
        case VolumeKind.PERSISTENT_CLAIM:
        case VolumeKind.EPHEMERAL_CLAIM:
          return fsGroup === undefined ? { uid: 0, gid: 0, mode: 0o755 } : { uid: 0, gid: fsGroup, mode: 0o775 };
        case VolumeKind.HOST_PATH:
          return { uid: 0, gid: 0, mode: 0o755 };
        default:
          return undefined;
      }
    },
    createdFileGroup: (_volume, gid) => fsGroup ?? gid,
    identityTokens: true,
    canShareProcessNamespace: true,
    apps: (spec?.containers ?? []).map((c: any) => ({ name: String(c.name), identity: appIdentity(c, podSc) })),
  };
}
