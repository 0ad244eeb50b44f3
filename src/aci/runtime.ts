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
import { RuntimePlatform } from '../core/contract';
import { documentRuntime } from '../core/document-binders';

export function aciRuntime(appNames: readonly string[]): RuntimePlatform {
  return documentRuntime('ACI', {
    configFileMode: 0o644,
    secretFileMode: 0o644,
    scratchDirMode: 0o777,
    canShareProcessNamespace: false,
    imageUsers: true,
    apps: appNames.map(name => ({ name })),
  });
}
