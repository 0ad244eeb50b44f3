import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Errors } from '../core/errors';
import { checkPropTypes } from '../core/prop-types';
import { LocalhostSeccompProfile, SeccompProfileDelivery } from '../core/seccomp';

/** Per app (construct root): the Localhost profiles its pods name, by file, with their content and first user. */
const claimed = new WeakMap<IConstruct, Map<string, { readonly content: string; readonly user: string }>>();

/**
 * Records that `user` (a construct path) uses `profile` in the app of `scope`. Two profiles of one
 * name with different rules would be one file on the nodes (the last copied wins): refused.
 * @internal
 */
export function claimSeccompProfile(scope: IConstruct, profile: LocalhostSeccompProfile, user: string, field: string): void {
  const root = scope.node.root;
  const byFile = claimed.get(root) ?? new Map();
  claimed.set(root, byFile);
  const content = JSON.stringify(profile.toJson());
  const seen = byFile.get(profile.localhostProfile);
  if (seen === undefined) {
    byFile.set(profile.localhostProfile, { content, user });
  } else if (seen.content !== content) {
    throw Errors.alreadySet(user, field, profile.name, `by another LocalhostSeccompProfile of that name with other rules, used by ${seen.user}: `
      + `both would be the file ${profile.localhostProfile} on the nodes; give one of them another name`);
  }
}

/**
 * Props of {@link SeccompProfileObject}.
 */
export interface SeccompProfileObjectProps {
  /** The profile (its delivery must be SECURITY_PROFILES_OPERATOR). */
  readonly profile: LocalhostSeccompProfile;
}

/**
 * A Security Profiles Operator `SeccompProfile` (security-profiles-operator.x-k8s.io/v1,
 * cluster-scoped, SPO v1.0.0 CRD) carrying a Localhost profile: the operator writes it on every
 * node at the path the pods name (`profile.localhostProfile`, `operator/cdk-sidecars-<name>.json`).
 * The spec is the profile's OCI runtime-spec JSON, whose fields the CRD's spec takes as they are,
 * but for `defaultErrnoRet`, which it lacks (EPERM is what the runtime returns without it).
 *
 * @example
 * const profile = LocalhostSeccompProfile.dockerDefault('mesh', { delivery: SeccompProfileDelivery.SECURITY_PROFILES_OPERATOR });
 * new SeccompProfileObject(chart, 'mesh-profile', { profile });
 */
export class SeccompProfileObject extends Construct {
  /** The generated object. */
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: SeccompProfileObjectProps) {
    super(scope, id);
    const path = this.node.path;
    checkPropTypes(path, props, { profile: 'object' }, ['profile']);
    if (!(props.profile instanceof LocalhostSeccompProfile)) {
      throw Errors.invalidType(path, 'profile', props.profile, 'a LocalhostSeccompProfile');
    }
    if (props.profile.delivery !== SeccompProfileDelivery.SECURITY_PROFILES_OPERATOR) {
      throw Errors.invalidRole(path, 'profile', props.profile.name, `is delivered as ${props.profile.delivery}, so its pods name ${props.profile.localhostProfile}, `
        + 'not the path where the Security Profiles Operator writes it', 'Create the profile with delivery: SeccompProfileDelivery.SECURITY_PROFILES_OPERATOR');
    }
    // The CRD's spec has no defaultErrnoRet (SPO v1.0.0 deploy/base-crds/crds/seccompprofile.yaml); an
    // ERRNO default without one fails calls with EPERM (runc libcontainer/seccomp: ActErrno with EPERM
    // when no errno is given), which is the library's default value 1.
    const spec = props.profile.toJson();
    if (spec.defaultErrnoRet !== undefined && spec.defaultErrnoRet !== 1) {
      throw Errors.unsupportedOnPlatform(path, 'profile.defaultErrnoRet', spec.defaultErrnoRet, 'the Security Profiles Operator',
        'its SeccompProfile has no defaultErrnoRet, so the default action fails calls with EPERM (1)', 'Leave defaultErrnoRet at 1, or deliver the profile as a node file');
    }
    delete spec.defaultErrnoRet;
    claimSeccompProfile(this, props.profile, path, 'profile');
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'security-profiles-operator.x-k8s.io/v1',
      kind: 'SeccompProfile',
      metadata: { name: props.profile.objectName, labels: { 'app.kubernetes.io/managed-by': 'cdk-sidecars' } },
      spec,
    });
  }
}
