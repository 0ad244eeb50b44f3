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
import { RuntimePlatform } from '../core/contract';
import { documentRuntime } from '../core/document-binders';

export function cloudRunRuntime(appNames: readonly string[]): RuntimePlatform {
  return documentRuntime('Cloud Run', {
    secretFileMode: 0o444,
    scratchDirMode: 0o777,
    canShareProcessNamespace: false,
    imageUsers: true,
    apps: appNames.map(name => ({ name })),
  });
}
