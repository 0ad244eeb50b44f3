/**
 * JSON patches (RFC 6902) on rendered containers: SidecarOverrides kubernetesPatches, ecsPatches
 * and aciPatches. Internal: not part of the jsii API.
 */
import { ContainerPatch, PatchOperation } from './container';
import { Errors } from './errors';
import { isPlainMap } from './prop-types';

/** A platform whose rendered containers take patches. */
export interface PatchPlatform {
  /** The ContainerSpec field of the patches, e.g. `kubernetesPatches`. */
  readonly key: 'kubernetesPatches' | 'ecsPatches' | 'aciPatches';
  /** Top-level fields of the rendered container the checks rely on, with the typed prop to use instead. */
  readonly protectedFields: { readonly [field: string]: string };
  /** Field of the container's environment list and how an entry names its variable / marks a secret. */
  readonly env?: {
    readonly field: string;
    readonly name: string;
    readonly isSecret: (entry: any) => boolean;
    /** A second list of variables of the container (ECS `Secrets`), whose names count as set too. */
    readonly secretsField?: string;
  };
}

/** The container fields a Kubernetes patch may not touch, and the prop that sets each. */
export const KUBERNETES_PATCHES: PatchPlatform = {
  key: 'kubernetesPatches',
  protectedFields: {
    name: 'the sidecar\'s name prop',
    securityContext: 'overrides.addCapabilities or overrides.seccompProfile (UIDs: the sidecar\'s uid prop)',
    volumeMounts: 'overrides.volumes or overrides.appVolumeMounts',
    ports: 'overrides.ports',
    restartPolicy: 'the sidecar\'s start order (native sidecars are chosen by the binder)',
    envFrom: 'overrides.env',
    // A raw block device of a pod volume (core/v1 Container.volumeDevices names a PVC volume of the pod): a mount too.
    volumeDevices: 'overrides.appVolumeMounts',
    // What the app containers wait for (native sidecars: Kubernetes starts the next container when the startup probe passes).
    startupProbe: 'overrides.startupProbe (its timing)',
    // The runtime contract (contract.ts libraryCommands) checks the commands the library runs against the image's binaries.
    image: 'the sidecar\'s image prop',
    command: 'overrides.command (checked by the runtime contract) or overrides.extraArgs',
    // What the memory limiters, GOMEMLIMIT / GOMAXPROCS and Envoy's concurrency are derived from.
    resources: 'the sidecar\'s resources prop',
  },
  env: { field: 'env', name: 'name', isSecret: e => isPlainMap(e) && isPlainMap(e.valueFrom) && e.valueFrom.secretKeyRef !== undefined },
};

/** The ContainerDefinition fields (CloudFormation, PascalCase) an ECS patch may not touch. */
export const ECS_PATCHES: PatchPlatform = {
  key: 'ecsPatches',
  protectedFields: {
    Name: 'the sidecar\'s name prop',
    User: 'the sidecar\'s uid prop',
    LinuxParameters: 'overrides.addCapabilities',
    Privileged: '(nothing: sidecars never run privileged)',
    ReadonlyRootFilesystem: 'overrides.volumes (a SCRATCH volume for what the sidecar writes)',
    MountPoints: 'overrides.volumes or overrides.appVolumeMounts',
    VolumesFrom: 'overrides.appVolumeMounts',
    PortMappings: 'overrides.ports',
    Secrets: 'overrides.env (with secret)',
    DependsOn: 'the sidecar\'s start order',
    // What an app's dependsOn HEALTHY waits for (ECS ContainerDependency: HEALTHY needs the container's health check).
    HealthCheck: 'overrides.startupProbe, readinessProbe or livenessProbe (their timing)',
    Image: 'the sidecar\'s image prop',
    EntryPoint: 'overrides.command (checked by the runtime contract) or overrides.extraArgs',
    // Checked against the task's size, and what the sidecars derive their memory limiters and workers from.
    Cpu: 'the sidecar\'s resources prop',
    Memory: 'the sidecar\'s resources prop',
    MemoryReservation: 'the sidecar\'s resources prop',
  },
  // A variable in both Environment and Secrets is a variable set twice (as on Kubernetes and ACI; CloudFormation
  // AWS::ECS::TaskDefinition ContainerDefinition has the two lists, KeyValuePair Name and Secret Name / ValueFrom).
  env: { field: 'Environment', name: 'Name', isSecret: e => isPlainMap(e) && e.ValueFrom !== undefined, secretsField: 'Secrets' },
};

/** The container `properties` fields an ACI patch may not touch. */
export const ACI_PATCHES: PatchPlatform = {
  key: 'aciPatches',
  protectedFields: {
    securityContext: 'overrides.addCapabilities or overrides.seccompProfile',
    volumeMounts: 'overrides.volumes or overrides.appVolumeMounts',
    ports: 'overrides.ports',
    image: 'the sidecar\'s image prop',
    command: 'overrides.command (checked by the runtime contract) or overrides.extraArgs',
    resources: 'the sidecar\'s resources prop',
  },
  // A secret variable is a secureValue or a secureValueReference to a Key Vault secret reference of the group
  // (EnvironmentVariable, Azure/azure-rest-api-specs containerInstance.json 2025-09-01).
  env: { field: 'environmentVariables', name: 'name', isSecret: e => isPlainMap(e) && (e.secureValue !== undefined || e.secureValueReference !== undefined) },
};

/** The reference tokens of a JSON Pointer (RFC 6901), or undefined when it is not one. */
export function pointerTokens(pointer: unknown): string[] | undefined {
  if (typeof pointer !== 'string' || !pointer.startsWith('/')) { return undefined; }
  const tokens = pointer.slice(1).split('/');
  if (tokens.some(t => /~[^01]|~$/.test(t))) { return undefined; }
  return tokens.map(t => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Checks a list of patches for one platform (before anything is rendered): each op a
 * PatchOperation, each path a JSON Pointer below a field the checks do not rely on, a value for
 * ADD and REPLACE and none for REMOVE.
 */
export function checkPatches(path: string, field: string, patches: ContainerPatch[] | undefined, platform: PatchPlatform): ContainerPatch[] {
  if (patches === undefined) { return []; }
  if (!Array.isArray(patches)) { throw Errors.invalidType(path, field, patches, 'an array of ContainerPatch'); }
  return patches.map((p, i) => {
    const f = `${field}[${i}]`;
    if (!isPlainMap(p)) { throw Errors.invalidType(path, f, p, 'a ContainerPatch { op, path, value? }'); }
    if (!Object.values(PatchOperation).includes(p.op)) {
      throw Errors.invalidType(path, `${f}.op`, p.op, 'one of PatchOperation.ADD, PatchOperation.REPLACE, PatchOperation.REMOVE');
    }
    const tokens = pointerTokens(p.path);
    if (!tokens || tokens.some(t => t === '')) {
      throw Errors.invalidPatch(path, `${f}.path`, p.path, 'is not a JSON Pointer to a field of the container', 'Start with "/" and name the field, e.g. "/resources/limits" ("~1" for "/" in a name)');
    }
    const protectedField = protectedFieldOf(platform, tokens[0]);
    if (protectedField !== undefined) { throw Errors.protectedPatch(path, `${f}.path`, p.path, protectedField, platform.protectedFields[protectedField]); }
    // CloudFormation names the fields of a ContainerDefinition with letters and digits only (AWS::ECS::TaskDefinition
    // schema); anything else in the name would be read as a path by addPropertyOverride (see renderPatches).
    if (platform.key === 'ecsPatches' && !/^[A-Za-z][A-Za-z0-9]*$/.test(tokens[0])) {
      throw Errors.invalidPatch(path, `${f}.path`, p.path, 'is not a JSON Pointer to a field of the container',
        'Start with "/" and a ContainerDefinition field name (letters and digits), e.g. "/Ulimits"');
    }
    if ((p.op === PatchOperation.REMOVE) !== (p.value === undefined)) {
      throw Errors.invalidPatch(path, `${f}.value`, p.value, p.op === PatchOperation.REMOVE ? 'is set on a REMOVE' : `is missing for ${p.op}`,
        p.op === PatchOperation.REMOVE ? 'Leave value out' : 'Give the JSON value to write');
    }
    if (p.value !== undefined) { checkJsonValue(path, `${f}.value`, p.value); }
    return { op: p.op, path: p.path, value: p.value };
  });
}

/**
 * A patch value is JSON (RFC 6902 section 4: "value" is a JSON value): objects, arrays, strings,
 * finite numbers, booleans and null, not nested too deep. Anything else (a function, NaN, a Date,
 * a class instance) would be dropped or changed by the JSON copy. Errors name `field` (the prop the
 * user wrote) and where inside the value the offending part is.
 */
function checkJsonValue(path: string, field: string, value: unknown, at = '', depth = 0): void {
  const where = at ? `, at value${at}` : '';
  if (depth > 64) { throw Errors.invalidType(path, field, '...', `JSON nested at most 64 levels deep${where}`); }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') { return; }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) { throw Errors.invalidType(path, field, value, `a JSON value (finite numbers only)${where}`); }
    return;
  }
  if (Array.isArray(value)) { value.forEach((v, i) => checkJsonValue(path, field, v, `${at}[${i}]`, depth + 1)); return; }
  if (typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    for (const [k, v] of Object.entries(value as object)) { checkJsonValue(path, field, v, `${at}.${k}`, depth + 1); }
    return;
  }
  throw Errors.invalidType(path, field, typeof value === 'function' ? 'a function' : value, `a JSON value (object, array, string, finite number, boolean or null)${where}`);
}

/**
 * Applies checked patches to a rendered container (a copy is returned). A REPLACE or REMOVE of a
 * value that is not there, or an ADD whose parent is not there, is an error; so is a result
 * that changes or adds a secret variable or names a variable twice (set them with overrides.env).
 */
export function applyPatches(path: string, field: string, rendered: any, patches: readonly ContainerPatch[], platform: PatchPlatform): any {
  if (patches.length === 0) { return rendered; }
  const doc = JSON.parse(JSON.stringify(rendered ?? {}));
  const env = platform.env;
  const before = env ? envSecrets(doc, env) : undefined;
  patches.forEach((p, i) => {
    const f = `${field}[${i}].path`;
    const tokens = pointerTokens(p.path)!;
    let parent: any = doc;
    for (const t of tokens.slice(0, -1)) {
      // Only members the document owns (RFC 6901 evaluates a token against the object's own members): "__proto__" or
      // "constructor" never lead out of the rendered container into Object.prototype.
      parent = Array.isArray(parent) ? (/^\d+$/.test(t) ? parent[Number(t)] : undefined) : isPlainMap(parent) && own(parent, t) ? parent[t] : undefined;
      if (parent === undefined || parent === null || typeof parent !== 'object') {
        throw Errors.invalidPatch(path, f, p.path, `does not exist in the rendered container (no ${JSON.stringify(t)})`, 'Patch a field the rendered container has, or ADD its parent first');
      }
    }
    const last = tokens[tokens.length - 1];
    if (Array.isArray(parent)) {
      const n = last === '-' ? parent.length : /^(0|[1-9]\d*)$/.test(last) ? Number(last) : -1;
      const exists = n >= 0 && n < parent.length;
      if (n < 0 || n > parent.length || (p.op !== PatchOperation.ADD && !exists)) {
        throw Errors.invalidPatch(path, f, p.path, `does not name an element of a list of ${parent.length}`, 'Use an index of the list, or "-" to append with ADD');
      }
      if (p.op === PatchOperation.ADD) {
        parent.splice(n, 0, clone(p.value));
      } else if (p.op === PatchOperation.REPLACE) {
        parent[n] = clone(p.value);
      } else {
        parent.splice(n, 1);
      }
    } else {
      const exists = own(parent, last);
      if (last === '__proto__') {
        // An assignment to "__proto__" sets the object's prototype instead of adding a member.
        throw Errors.invalidPatch(path, f, p.path, 'does not exist in the rendered container (no "__proto__"), and cannot be added', 'Patch a field of the container');
      }
      if (p.op !== PatchOperation.ADD && !exists) {
        throw Errors.invalidPatch(path, f, p.path, `does not exist in the rendered container (no ${JSON.stringify(last)}), so it cannot be ${p.op === PatchOperation.REMOVE ? 'removed' : 'replaced'}`,
          'Use ADD for a new field');
      }
      if (p.op === PatchOperation.REMOVE) { delete parent[last]; } else { parent[last] = clone(p.value); }
    }
  });
  if (env) {
    const after = envSecrets(doc, env);
    const names = after.all;
    const twice = names.find((n, k) => names.indexOf(n) !== k);
    if (twice !== undefined) {
      throw Errors.protectedPatch(path, field, twice, `${env.field} (variable ${twice} set twice)`, 'overrides.env');
    }
    for (const [name, entry] of before!.secrets) {
      if (after.secrets.get(name) !== entry) {
        throw Errors.protectedPatch(path, field, name, `${env.field} (secret variable ${name})`, 'overrides.env');
      }
    }
    // A variable the container already had (the sidecar's own, or overrides.env) keeps its value: overrides.env
    // refuses to change the sidecar's own (its generated configuration relies on it), and so does a patch.
    for (const [name, entry] of before!.entries) {
      if (after.entries.get(name) !== entry) {
        throw Errors.protectedPatch(path, field, name, `${env.field} (variable ${name}, set by the sidecar)`, 'the sidecar\'s prop for it, or overrides.env for a variable of your own');
      }
    }
    for (const name of after.secrets.keys()) {
      if (!before!.secrets.has(name)) { throw Errors.protectedPatch(path, field, name, `${env.field} (secret variable ${name})`, 'overrides.env (with secret)'); }
    }
  }
  return doc;
}

function own(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/**
 * The protected field a patch's first token names, if any: an own key of protectedFields (not an
 * inherited name such as "toString"), matched without regard to letter case (a case variant such
 * as ECS "user" is at best refused at deploy, and is never what the user should write), and on
 * ECS also the part before a "." (the ECS binder writes patches with aws-cdk-lib
 * addPropertyOverride, whose path splits at "."; see renderPatches).
 */
function protectedFieldOf(platform: PatchPlatform, token: string): string | undefined {
  const heads = platform.key === 'ecsPatches' ? [token, token.split('.')[0]] : [token];
  return Object.keys(platform.protectedFields).find(k => heads.some(h => h.toLowerCase() === k.toLowerCase()));
}

function clone(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function envSecrets(doc: any, env: NonNullable<PatchPlatform['env']>): { all: string[]; secrets: Map<string, string>; entries: Map<string, string> } {
  const listOf = (field: string | undefined): any[] => (field !== undefined && Array.isArray(doc?.[field]) ? doc[field] : []);
  const list: any[] = [...listOf(env.field), ...listOf(env.secretsField)];
  return {
    all: list.map(e => String(e?.[env.name])),
    // As text: the patches change the entries in place.
    secrets: new Map(list.filter(env.isSecret).map(e => [String(e[env.name]), JSON.stringify(e)])),
    entries: new Map(list.map(e => [String(e?.[env.name]), JSON.stringify(e)])),
  };
}
