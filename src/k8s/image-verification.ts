/**
 * Kyverno image verification for the sidecar images of an app: a `ClusterPolicy` with
 * `verifyImages` rules (kyverno.io/v1) and, optionally, the CEL-based `ImageValidatingPolicy`
 * (policies.kyverno.io/v1), both computed at synthesis from the pods as deployed.
 *
 * Fields: the CRDs vendored in test/validate/schemas/kyverno/ (kyverno.io_clusterpolicies.yaml,
 * policies.kyverno.io_imagevalidatingpolicies.yaml; see SOURCES.md there) and Kyverno's docs
 * (kyverno/website src/content/docs/docs/policy-types/image-validating-policy.mdx @ 7c0814a5ca77662ea9aaa33c6ee7434865409c07).
 */
import { createHash } from 'crypto';
import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { podTemplate } from './workload';
import { WorkloadSidecars } from './workload-sidecars';
import { Errors } from '../core/errors';
import { parseImage } from '../core/image-facts';
import { checkEnum, checkPropTypes } from '../core/prop-types';

/** What Kyverno does with a pod whose sidecar image fails verification. */
export enum ImageVerificationAction {
  /** Refuse the pod. */
  ENFORCE = 'Enforce',
  /** Admit the pod and report the failure (policy reports). */
  AUDIT = 'Audit',
}

/** Options of a public-key attestor. */
export interface ImageAttestorKeyOptions {
  /**
   * URL of the Rekor transparency log to check the signature against.
   * @default - Kyverno's default, the public instance https://rekor.sigstore.dev
   */
  readonly rekorUrl?: string;
  /**
   * Skip the transparency log check (signatures made with `cosign sign --tlog-upload=false`).
   * @default false
   */
  readonly ignoreTlog?: boolean;
}

/** Options of a keyless (Sigstore Fulcio certificate) attestor. */
export interface ImageAttestorKeylessOptions {
  /**
   * The OIDC issuer of the signing identity, e.g. "https://token.actions.githubusercontent.com".
   */
  readonly issuer: string;
  /**
   * The signing identity (certificate subject), e.g.
   * "https://github.com/acme/sidecars/.github/workflows/release.yaml@refs/tags/*" (wildcards allowed).
   */
  readonly subject: string;
  /**
   * URL of the Rekor transparency log.
   * @default - Kyverno's default, the public instance https://rekor.sigstore.dev
   */
  readonly rekorUrl?: string;
}

/** Who must have signed the sidecar images (a Cosign signature by a key, or keyless by an identity). */
export class ImageAttestor {
  /**
   * Images signed with the private key of `publicKeyPem` (`cosign sign --key`).
   * @param publicKeyPem the public key, PEM ("-----BEGIN PUBLIC KEY-----...")
   */
  public static publicKey(publicKeyPem: string, options: ImageAttestorKeyOptions = {}): ImageAttestor {
    return new ImageAttestor('key', { publicKeyPem, ...options });
  }

  /** Images signed keylessly by an identity (`cosign sign` with an OIDC token). */
  public static keyless(options: ImageAttestorKeylessOptions): ImageAttestor {
    return new ImageAttestor('keyless', { ...options });
  }

  /** @internal */
  public readonly _kind: 'key' | 'keyless';
  /** @internal */
  public readonly _options: { readonly [k: string]: unknown };

  private constructor(kind: 'key' | 'keyless', options: { readonly [k: string]: unknown }) {
    this._kind = kind;
    this._options = options;
  }
}

/** Props of {@link SidecarImageVerification}. */
export interface SidecarImageVerificationProps {
  /**
   * Who must have signed the sidecar images: one of them suffices.
   */
  readonly attestors: ImageAttestor[];
  /**
   * The workloads whose sidecar images are verified.
   * @default - every workload with sidecars in the chart
   */
  readonly workloads?: WorkloadSidecars[];
  /**
   * The ClusterPolicy's name (a DNS subdomain).
   * @default - "<chart id>-sidecar-images"
   */
  readonly name?: string;
  /**
   * What Kyverno does when an image fails verification.
   * @default ImageVerificationAction.ENFORCE
   */
  readonly failureAction?: ImageVerificationAction;
  /**
   * Replace each verified image's tag with its digest in the admitted pod. Kyverno refuses
   * `true` with `ImageVerificationAction.AUDIT` (an audit does not change the pod).
   * @default true (false with ImageVerificationAction.AUDIT)
   */
  readonly mutateDigest?: boolean;
  /**
   * Require each verified image to be referenced by digest (after mutateDigest).
   * @default true
   */
  readonly verifyDigest?: boolean;
  /**
   * Require each matching image to be verified (a signature check passed).
   * @default true
   */
  readonly required?: boolean;
  /**
   * Also generate the CEL-based `ImageValidatingPolicy` (policies.kyverno.io/v1, Kyverno 1.15 or
   * later) named "<name>-cel", with the same images and attestors.
   * @default false
   */
  readonly imageValidatingPolicy?: boolean;
}

/** A sidecar image in use, with where it is used. */
interface UsedImage {
  readonly image: string;
  readonly workloads: string[];
}

/**
 * How Kyverno spells an image for verifyImages matching: `<registry>/<path>@<digest>`, else
 * `<registry>/<path>:<tag>`, Docker Hub's registry "docker.io" added but no "library/" (the
 * reference is parsed with distribution/reference Parse, which does not normalize: "nginx" is
 * "docker.io/nginx:latest", kyverno/kyverno pkg/utils/image/infos.go GetImageInfo, ImageInfo.String
 * and infos_test.go @ 111e07bbecc66abfde36ab99969af22d7a961003; the rule's imageReferences are
 * matched against that string with wildcards, pkg/engine/utils ImageMatches). With the default
 * registry mutation turned off Kyverno leaves docker.io out, so that spelling is listed too for
 * Docker Hub images.
 */
export function kyvernoReferences(image: string): string[] {
  const at = image.indexOf('@');
  const digest = at === -1 ? undefined : image.slice(at + 1);
  let rest = at === -1 ? image : image.slice(0, at);
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  const hasRegistry = slash !== -1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : 'docker.io';
  rest = hasRegistry ? rest.slice(slash + 1) : rest;
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const path = rest;
  const suffix = digest ? `@${digest}` : `:${tag ?? 'latest'}`;
  const out = [`${registry}/${path}${suffix}`];
  if (!hasRegistry) { out.push(`${path}${suffix}`); }
  return out;
}

/** A rule name (at most 63 characters, kyverno.io_clusterpolicies.yaml rules[].name maxLength) for an image. */
function ruleName(image: string, taken: Set<string>): string {
  const repo = parseImage(image).repository.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  let name = `verify-${repo}`;
  if (name.length > 63 || taken.has(name)) {
    name = `${name.slice(0, 55).replace(/-+$/, '')}-${createHash('sha256').update(image).digest('hex').slice(0, 7)}`;
  }
  taken.add(name);
  return name;
}

/** The sidecar images of workloads (the containers the library injected), at synthesis. */
export function sidecarImages(workloads: readonly WorkloadSidecars[]): UsedImage[] {
  const used = new Map<string, string[]>();
  for (const w of workloads) {
    const own = podTemplate(w._originalJson()).spec ?? {};
    const ownNames = new Set([...(own.initContainers ?? []), ...(own.containers ?? [])].map((c: any) => c.name));
    const spec = podTemplate(w._rendered().json).spec ?? {};
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      if (ownNames.has(c.name) || typeof c.image !== 'string') { continue; }
      const at = used.get(c.image) ?? [];
      if (!at.includes(w.workload.node.path)) { at.push(w.workload.node.path); }
      used.set(c.image, at);
    }
  }
  return [...used.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([image, at]) => ({ image, workloads: at }));
}

/** The namespaces of workloads, or undefined when one has none (its pods may run in any namespace). */
function namespacesOf(workloads: readonly WorkloadSidecars[]): string[] | undefined {
  const names = workloads.map(w => w.workload.toJson().metadata?.namespace as string | undefined);
  if (names.some(n => !n)) { return undefined; }
  return [...new Set(names as string[])].sort();
}

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A Kyverno `ClusterPolicy` (kyverno.io/v1) that verifies the signatures of the sidecar images
 * the app's workloads use, one `verifyImages` rule per image, computed at synthesis from the pods
 * as deployed (sidecars injected, the redirect init container included). Optionally the same as a
 * CEL `ImageValidatingPolicy` (policies.kyverno.io/v1).
 *
 * The policy matches Pods in the workloads' namespaces (all namespaces when a workload names
 * none); Kyverno's auto-generation extends Pod rules to the workload kinds.
 *
 * @example
 * new SidecarImageVerification(chart, 'verify', { attestors: [ImageAttestor.keyless({ issuer, subject })] });
 */
export class SidecarImageVerification extends Construct {
  /** The ClusterPolicy. */
  public readonly clusterPolicy: ApiObject;
  /** The ImageValidatingPolicy, when asked for. */
  public readonly imageValidatingPolicy?: ApiObject;
  private readonly props: SidecarImageVerificationProps;

  constructor(scope: Construct, id: string, props: SidecarImageVerificationProps) {
    super(scope, id);
    const path = this.node.path;
    checkPropTypes(path, props, {
      attestors: 'objectArray',
      workloads: 'objectArray',
      name: 'string',
      failureAction: { enum: ImageVerificationAction },
      mutateDigest: 'boolean',
      verifyDigest: 'boolean',
      required: 'boolean',
      imageValidatingPolicy: 'boolean',
    }, ['attestors']);
    checkEnum(path, 'failureAction', props.failureAction, ImageVerificationAction, 'ImageVerificationAction');
    if (props.attestors.length === 0) {
      throw Errors.invalidType(path, 'attestors', props.attestors, 'a non-empty list of ImageAttestor (ImageAttestor.publicKey or ImageAttestor.keyless)');
    }
    props.attestors.forEach((a, i) => checkAttestor(path, `attestors[${i}]`, a));
    // Kyverno's policy validation refuses mutateDigest with an Audit failure action ("mutateDigest must be set to
    // false for 'Audit' failure action": kyverno/kyverno api/kyverno/v1/image_verification_types.go
    // ImageVerification.Validate, called from pkg/validation/policy/validate.go @ 111e07bbecc66abfde36ab99969af22d7a961003).
    if (props.failureAction === ImageVerificationAction.AUDIT && props.mutateDigest === true) {
      throw Errors.unsupportedOnPlatform(path, 'mutateDigest', true, 'Kyverno', 'with failureAction Audit Kyverno refuses the policy (an audit does not change the pod)',
        'Leave mutateDigest out (false under Audit), or use failureAction: ImageVerificationAction.ENFORCE');
    }
    (props.workloads ?? []).forEach((w, i) => {
      if (!(w instanceof WorkloadSidecars)) { throw Errors.invalidType(path, `workloads[${i}]`, w, 'a WorkloadSidecars (WorkloadSidecars.of(workload))'); }
    });
    const name = props.name ?? `${Chart.of(this).node.id.toLowerCase()}-sidecar-images`;
    if (!DNS_SUBDOMAIN.test(name) || name.length > 249) {
      throw Errors.invalidName(path, 'name', name, 'a DNS subdomain of at most 249 characters (the ImageValidatingPolicy adds "-cel")');
    }
    this.props = { ...props, mutateDigest: props.mutateDigest ?? props.failureAction !== ImageVerificationAction.AUDIT };
    const labels = { 'app.kubernetes.io/managed-by': 'cdk-sidecars' };
    this.clusterPolicy = new ApiObject(this, 'cluster-policy', {
      apiVersion: 'kyverno.io/v1',
      kind: 'ClusterPolicy',
      metadata: { name, labels },
      spec: Lazy.any({ produce: () => this.clusterPolicySpec() }),
    });
    // Checked before any object is rendered (a Lazy's error would be wrapped by cdk8s).
    this.node.addValidation({
      validate: () => {
        if (this.used().length === 0) { throw Errors.noSidecarImages(this.node.path, 'workloads', this.workloads().map(w => w.workload.node.path)); }
        return [];
      },
    });
    clusterScoped(this.clusterPolicy);
    if (props.imageValidatingPolicy) {
      this.imageValidatingPolicy = new ApiObject(this, 'image-validating-policy', {
        apiVersion: 'policies.kyverno.io/v1',
        kind: 'ImageValidatingPolicy',
        metadata: { name: `${name}-cel`, labels },
        spec: Lazy.any({ produce: () => this.imageValidatingPolicySpec() }),
      });
      clusterScoped(this.imageValidatingPolicy);
    }
  }

  /** The sidecar images verified, computed at synthesis (or now). */
  public get images(): string[] {
    return this.used().map(u => u.image);
  }

  private workloads(): WorkloadSidecars[] {
    return this.props.workloads ?? WorkloadSidecars.allIn(Chart.of(this));
  }

  private used(): UsedImage[] {
    return sidecarImages(this.workloads());
  }

  private match(): any {
    const namespaces = namespacesOf(this.workloads());
    return { any: [{ resources: { kinds: ['Pod'], ...(namespaces ? { namespaces } : {}) } }] };
  }

  private clusterPolicySpec(): any {
    const taken = new Set<string>();
    const entries = this.props.attestors.map(a => (a._kind === 'key'
      ? { keys: { publicKeys: a._options.publicKeyPem, ...rekor(a) } }
      : { keyless: { issuer: a._options.issuer, subject: a._options.subject, ...keylessRekor(a) } }));
    const used = this.used();
    return {
      // verifyImages rules run at admission only (they mutate the pod and call registries).
      background: false,
      rules: used.map(u => ({
        name: ruleName(u.image, taken),
        match: this.match(),
        verifyImages: [{
          imageReferences: kyvernoReferences(u.image),
          failureAction: this.props.failureAction ?? ImageVerificationAction.ENFORCE,
          attestors: [{ count: 1, entries }],
          mutateDigest: this.props.mutateDigest ?? true,
          verifyDigest: this.props.verifyDigest ?? true,
          required: this.props.required ?? true,
        }],
      })),
    };
  }

  private imageValidatingPolicySpec(): any {
    const used = this.used();
    const names = this.props.attestors.map((_, i) => `attestor${i}`);
    const list = `[${used.map(u => JSON.stringify(u.image)).join(', ')}]`;
    const attestors = `[${names.map(n => `attestors.${n}`).join(', ')}]`;
    const namespaces = namespacesOf(this.workloads());
    return {
      validationActions: [(this.props.failureAction ?? ImageVerificationAction.ENFORCE) === ImageVerificationAction.ENFORCE ? 'Deny' : 'Audit'],
      matchConstraints: {
        resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
        ...(namespaces ? { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: namespaces }] } } : {}),
      },
      // Globs are matched against the image as the pod spells it (kyverno pkg/imageverification/match).
      matchImageReferences: used.map(u => ({ glob: u.image })),
      validationConfigurations: {
        mutateDigest: this.props.mutateDigest ?? true,
        verifyDigest: this.props.verifyDigest ?? true,
        required: this.props.required ?? true,
      },
      attestors: this.props.attestors.map((a, i) => ({
        name: names[i],
        cosign: a._kind === 'key'
          ? { key: { data: a._options.publicKeyPem }, ...ctlog(a) }
          : { keyless: { identities: [{ issuer: a._options.issuer, subject: a._options.subject }] }, ...ctlog(a) },
      })),
      variables: [{ name: 'sidecarImages', expression: list }],
      validations: [{
        // The pod's images read from the object, so a pod without init containers is fine.
        expression: '(object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : []))'
          + `.map(c, c.image).filter(i, i in variables.sidecarImages).all(i, verifyImageSignatures(i, ${attestors}) > 0)`,
        message: 'a sidecar image is not signed by a trusted attestor',
      }],
    };
  }
}

/**
 * A cluster-scoped object (ClusterPolicy, ImageValidatingPolicy: `scope: Cluster` in their CRDs)
 * takes no namespace, though cdk8s gives every object of a chart with a namespace that namespace.
 */
export function clusterScoped(obj: ApiObject): void {
  const original = obj.toJson.bind(obj);
  Object.defineProperty(obj, 'toJson', {
    value: () => {
      const json = original();
      if (json.metadata) { delete json.metadata.namespace; }
      return json;
    },
    configurable: true,
    writable: true,
  });
}

function rekor(a: ImageAttestor): any {
  const o = a._options;
  if (o.rekorUrl === undefined && o.ignoreTlog === undefined) { return {}; }
  return { rekor: { ...(o.rekorUrl !== undefined ? { url: o.rekorUrl } : {}), ...(o.ignoreTlog !== undefined ? { ignoreTlog: o.ignoreTlog } : {}) } };
}

/** Kyverno's default transparency log (the public Rekor instance, kyverno.io_clusterpolicies.yaml rekor.url). */
const PUBLIC_REKOR = 'https://rekor.sigstore.dev';

/**
 * A keyless attestor's `rekor`, always written: Kyverno refuses a keyless attestor with neither `rekor` nor
 * `roots` ("Either Rekor URL or roots are required", and "An URL is required" for a `rekor` without `url`:
 * kyverno/kyverno api/kyverno/v1/image_verification_types.go KeylessAttestor.Validate @ 111e07bbecc66abfde36ab99969af22d7a961003).
 */
function keylessRekor(a: ImageAttestor): any {
  return { rekor: { url: (a._options.rekorUrl as string | undefined) ?? PUBLIC_REKOR } };
}

function ctlog(a: ImageAttestor): any {
  const o = a._options;
  if (o.rekorUrl === undefined && o.ignoreTlog === undefined) { return {}; }
  return {
    ctlog: { ...(o.rekorUrl !== undefined ? { url: o.rekorUrl } : {}), ...(o.ignoreTlog !== undefined ? { insecureIgnoreTlog: o.ignoreTlog } : {}) },
  };
}

function checkAttestor(path: string, field: string, a: unknown): void {
  if (!(a instanceof ImageAttestor)) {
    throw Errors.invalidType(path, field, a, 'an ImageAttestor (ImageAttestor.publicKey or ImageAttestor.keyless)');
  }
  const o = a._options;
  const text = (k: string, optional: boolean) => {
    const v = o[k];
    if (v === undefined && optional) { return; }
    if (typeof v !== 'string' || v.trim() === '') { throw Errors.invalidType(path, `${field}.${k}`, v, 'a non-empty string'); }
  };
  if (a._kind === 'key') {
    text('publicKeyPem', false);
    if (!/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n?$/.test(o.publicKeyPem as string)) {
      throw Errors.invalidType(path, `${field}.publicKeyPem`, o.publicKeyPem, 'a PEM public key ("-----BEGIN PUBLIC KEY-----" ... "-----END PUBLIC KEY-----")');
    }
    if (o.ignoreTlog !== undefined && typeof o.ignoreTlog !== 'boolean') { throw Errors.invalidType(path, `${field}.ignoreTlog`, o.ignoreTlog, 'a boolean'); }
  } else {
    text('issuer', false);
    text('subject', false);
  }
  text('rekorUrl', true);
  if (o.rekorUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(o.rekorUrl as string)) {
    throw Errors.invalidType(path, `${field}.rekorUrl`, o.rekorUrl, 'an http(s) URL, e.g. "https://rekor.sigstore.dev"');
  }
}
