/**
 * How ECS Fargate runs a task, for the runtime contract check (core/contract.ts).
 * - Task-storage volumes are bind mounts of a directory owned by root with mode 0755
 *   (aws/containers-roadmap#938, #863): only root can create files there unless the task
 *   prepares the directory first.
 * - Generated config files are written by the config writer (root) with their own mode
 *   (ecs/task-sidecars.ts deliverConfig).
 * - A container's `user` is "uid:gid"; ECS has no supplementary groups for containers.
 * - `pidMode: task` shares one process namespace between the containers of a task.
 */
import { FileAccess, ProcessIdentity, RUNTIME_DEFAULT_CAPABILITIES, RuntimePlatform } from '../core/contract';
import { parseUser } from '../core/names';

/** An app container definition as rendered (CloudFormation shape). */
function appIdentity(def: any): ProcessIdentity {
  const { uid, gid } = parseUser(def.user);
  // No numeric user: the image's, which cannot be known here (uid stays undefined, no
  // capabilities assumed). Root keeps the runtime's defaults less what it drops.
  const caps = new Set<string>();
  if (uid === 0) {
    const drop: string[] = def.linuxParameters?.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) { RUNTIME_DEFAULT_CAPABILITIES.filter(x => !drop.includes(x)).forEach(x => caps.add(x)); }
    (def.linuxParameters?.capabilities?.add ?? []).forEach((x: string) => caps.add(x));
  }
  return { uid, gid, groups: [], capabilities: caps };
}

/**
 * @param apps the app container definitions, by name, as rendered
 * @param preparations what the writer does to task volumes before anyone mounts them
 *   (task-sidecars.ts planWriter): their directory's mode and owner
 * @param users the UID and GID each sidecar container runs as on ECS (the FireLens router as root)
 */
export function fargateRuntime(apps: ReadonlyArray<{ readonly name: string; readonly def: any }>,
  preparations: ReadonlyArray<{ readonly volume: string; readonly mode: string; readonly owner?: string }>,
  users: ReadonlyMap<string, { readonly uid: number; readonly gid: number }>): RuntimePlatform {
  const prepared = new Map(preparations.map(p => [p.volume, p]));
  const dir = (volume: string): FileAccess => {
    const p = prepared.get(volume);
    if (!p) { return { uid: 0, gid: 0, mode: 0o755 }; }
    const [uid, gid] = (p.owner ?? '0:0').split(':').map(Number);
    return { uid, gid: gid ?? 0, mode: parseInt(p.mode, 8) };
  };
  return {
    name: 'ECS Fargate',
    podGroups: [],
    // Every capability is dropped from sidecar containers, the root FireLens router's too.
    sidecarIdentity: c => {
      const u = users.get(c.name) ?? { uid: c.security.uid, gid: c.security.gid };
      return { uid: u.uid, gid: u.gid, groups: [], capabilities: new Set(u.uid === 0 ? c.security.addCapabilities : []) };
    },
    configFile: (_volume, _file, mode): FileAccess => ({ uid: 0, gid: 0, mode }),
    secretFile: (): FileAccess => ({ uid: 0, gid: 0, mode: 0o400 }),
    scratchDir: dir,
    createdFileGroup: (_volume, gid) => gid,
    identityTokens: false,
    canShareProcessNamespace: true,
    apps: apps.map(a => ({ name: a.name, identity: appIdentity(a.def) })),
  };
}
