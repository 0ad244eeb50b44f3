/**
 * How Google Cloud Run runs the containers of an instance, for the runtime contract check
 * (core/contract.ts).
 * - Cloud Run does not apply a container security context: `securityContext` is "Not supported
 *   by Cloud Run" (Cloud Run Admin API v1 discovery document, run-api.json, schema Container);
 *   each container runs as its image's user (the image facts table says which, where it knows
 *   the image; root keeps the runtime's default capabilities).
 * - Config files: from a Secret Manager secret volume (item mode) or written by the config
 *   writer (chmod), root-owned with the file's mode.
 * - Secret volumes: files default to mode 0444 (run-api.json SecretVolumeSource.defaultMode);
 *   in-memory emptyDir volumes are taken as world-writable directories.
 * - Containers of an instance share no process namespace.
 */
import { FileAccess, RuntimePlatform } from '../core/contract';
import { imageIdentity, processIdentity } from '../core/document-binders';
import { ResolvedContainer } from '../core/resolve';

export function cloudRunRuntime(appNames: readonly string[]): RuntimePlatform {
  return {
    name: 'Cloud Run',
    podGroups: [],
    configFile: (_volume, _file, mode): FileAccess => ({ uid: 0, gid: 0, mode }),
    secretFile: (): FileAccess => ({ uid: 0, gid: 0, mode: 0o444 }),
    scratchDir: (): FileAccess => ({ uid: 0, gid: 0, mode: 0o777 }),
    createdFileGroup: (_volume, gid) => gid,
    identityTokens: false,
    canShareProcessNamespace: false,
    apps: appNames.map(name => ({ name, identity: processIdentity(undefined, undefined) })),
    sidecarIdentity: (c: ResolvedContainer) => imageIdentity(c.image),
  };
}
