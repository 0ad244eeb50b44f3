/**
 * How Azure Container Instances runs a container group, for the runtime contract check
 * (core/contract.ts).
 * - Neither SKU applies the container security context's user, group or capabilities
 *   (the Standard SKU none of it; the Confidential SKU accepts only `privileged`, see
 *   MicrosoftDocs/azure-docs#123837): each container runs as its image's user (the image
 *   facts table says which, where it knows the image; root keeps the runtime's default
 *   capabilities).
 * - Secret volumes (generated config files) and emptyDir volumes: Azure documents neither
 *   owner nor mode; they are taken as root-owned, world-readable files (0644) and a
 *   world-writable directory, so that on ACI this check proves only what does not depend
 *   on them (the files are mounted where they are read, commands, signals).
 * - Containers of a group share no process namespace.
 */
import { FileAccess, ProcessIdentity, RUNTIME_DEFAULT_CAPABILITIES, RuntimePlatform } from '../core/contract';
import { imageFacts } from '../core/image-facts';
import { parseUser } from '../core/names';
import { ResolvedContainer } from '../core/resolve';

/** The identity of a container whose security context is not applied: its image's user. */
function imageIdentity(image: string): ProcessIdentity {
  const facts = imageFacts(image);
  if (!facts) { return { uid: undefined, gid: undefined, groups: [], capabilities: new Set() }; }
  // A known image without USER runs as root.
  const { uid, gid } = parseUser(facts.user ?? '0:0');
  return { uid, gid, groups: [], capabilities: new Set(uid === 0 ? RUNTIME_DEFAULT_CAPABILITIES : []) };
}

export function aciRuntime(appNames: readonly string[]): RuntimePlatform {
  return {
    name: 'ACI',
    podGroups: [],
    configFile: (): FileAccess => ({ uid: 0, gid: 0, mode: 0o644 }),
    secretFile: (): FileAccess => ({ uid: 0, gid: 0, mode: 0o644 }),
    scratchDir: (): FileAccess => ({ uid: 0, gid: 0, mode: 0o777 }),
    createdFileGroup: (_volume, gid) => gid,
    identityTokens: false,
    canShareProcessNamespace: false,
    apps: appNames.map(name => ({ name, identity: { uid: undefined, gid: undefined, groups: [], capabilities: new Set<string>() } })),
    sidecarIdentity: (c: ResolvedContainer) => imageIdentity(c.image),
  };
}
