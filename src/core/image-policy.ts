/**
 * Image pinning policy: a scope (usually the app) can ask that every sidecar image under it
 * be pinned by digest. Platform-neutral: the check runs in the composition step (every
 * sidecar container, on every platform) and in the binders for the images they add
 * themselves (the Kubernetes redirect init container, the ECS config writer).
 *
 * Kept in a registry of scopes rather than construct context: context cannot be set on a
 * scope that already has children (constructs Node.setContext), and an aspect would run too
 * late for the composition step.
 */
import { IConstruct } from 'constructs';
import { Errors } from './errors';

/** Scopes whose sidecar images must be pinned by digest. */
const digestScopes = new WeakSet<IConstruct>();

/**
 * A digest at the end of an image reference. The OCI image spec registers two algorithms for
 * descriptors: sha256 (64 lowercase hex digits) and sha512 (128)
 * (opencontainers/image-spec descriptor.md, "Registered algorithms"; the distribution
 * reference grammar allows `name[:tag]@digest`, distribution/reference regexp.go).
 */
const PINNED = /@(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/**
 * Whether an image reference is pinned by digest. A reference holding a CDK token is judged
 * on its literal end (ecs.ContainerImage.fromEcrRepository(repo, 'sha256:...') renders
 * `<token>@sha256:...`).
 */
export function isPinnedByDigest(image: string): boolean {
  return typeof image === 'string' && PINNED.test(image);
}

/**
 * Policy on the images of sidecars (and of the containers the binders add for them: the
 * Kubernetes redirect init container, the ECS config writer).
 *
 * @example
 * ImagePolicy.requireDigests(app); // every sidecar image in the app must be name:tag@sha256:...
 */
export class ImagePolicy {
  /**
   * Requires every sidecar image under `scope` (a sidecar construct below it, or a workload,
   * task definition or container group binder below it for the images the binder adds) to be
   * pinned by digest (`name:tag@sha256:<64 hex digits>`). Checked at synthesis on every
   * platform; an image that is not pinned is an error naming the sidecar, the field and the value.
   *
   * The library's default images are pinned by tag only: under this policy set each sidecar's
   * `image` (and `redirectImage` / `configWriterImage` where used) explicitly.
   *
   * The construct context key `cdk-sidecars:requireImageDigests: true` does the same for a whole app.
   *
   * @param scope the app, a chart or stack, or any construct above the sidecars
   */
  public static requireDigests(scope: IConstruct): void {
    checkScope(scope);
    digestScopes.add(scope);
    generation++;
  }

  /**
   * Whether images under `scope` must be pinned by digest (it or one of its ancestors was
   * given to `requireDigests`).
   */
  public static requiresDigests(scope: IConstruct): boolean {
    checkScope(scope);
    return policyScope(scope) !== undefined;
  }

  private constructor() {}
}

let generation = 0;

/** Changes whenever a scope is given to `requireDigests`: what was checked before may be checked again. */
export function policyGeneration(): number {
  return generation;
}

/** jsii languages and plain JavaScript can pass anything: a scope must be a construct. */
function checkScope(scope: unknown): void {
  const node = (scope as { node?: { scopes?: unknown } } | null | undefined)?.node;
  if (!node || !Array.isArray(node.scopes)) {
    throw Errors.invalidType('ImagePolicy', 'scope', scope, 'a construct (the app, a chart or stack, or a construct above the sidecars)');
  }
}

/**
 * The construct context key that switches the policy on for a whole app (`cdk.json` / `cdk8s`
 * context, or `new App({ context })`): `true` is `ImagePolicy.requireDigests(app)`.
 */
export const REQUIRE_DIGESTS_CONTEXT = 'cdk-sidecars:requireImageDigests';

/** The scope that set the digest policy for `scope`, if any (the root, for the context key). */
export function policyScope(scope: IConstruct): IConstruct | undefined {
  const set = scope.node.scopes.find(s => digestScopes.has(s));
  if (set) { return set; }
  const context = scope.node.tryGetContext(REQUIRE_DIGESTS_CONTEXT);
  if (context === undefined || context === false || context === 'false') { return undefined; }
  if (context !== true && context !== 'true') {
    throw Errors.invalidType(scope.node.path || '<app>', `context ${REQUIRE_DIGESTS_CONTEXT}`, context, 'true or false');
  }
  return scope.node.root;
}

/**
 * Throws when `image` is not pinned by digest and one of `scopes` is under a digest policy.
 * `path` and `field` name the sidecar (or binder) and the prop that set the image.
 */
export function checkImagePinned(scopes: readonly IConstruct[], path: string, field: string, image: string): void {
  const by = scopes.map(policyScope).find(s => s !== undefined);
  if (!by || isPinnedByDigest(image)) { return; }
  throw Errors.imageNotPinned(path, field, image, by.node.path || '<app>');
}
