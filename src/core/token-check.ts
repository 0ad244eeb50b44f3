/**
 * Platforms with no deployment engine to fill CDK tokens in: cdk8s writes manifests and the ACI
 * binder writes an ARM template as they are, so an aws-cdk-lib token there would be deployed as
 * its placeholder text (`${Token[TOKEN.12]}`). Such a value is refused, naming the sidecar field.
 * (cdk8s's own Lazy values in the app's manifests are resolved by cdk8s before the binder reads
 * the pod; a Lazy or token in a sidecar's props is refused by the prop checks, prop-types.ts.)
 */
import type { ComposedPod } from './composition';
import { Errors } from './errors';
import { stringHasToken } from './tokens';

/** Throws the token error for the first sidecar value of `pod` that holds a CDK token. */
export function refuseTokens(pod: ComposedPod, platform: string, why: string): void {
  const fix = `Pass a literal value on ${platform} (CDK tokens are filled in only by CloudFormation, on ECS)`;
  const check = (path: string, field: string, value: string | undefined) => {
    if (value !== undefined && stringHasToken(value)) { throw Errors.tokenNotSupported(path, field, why, fix); }
  };
  for (const c of pod.containers) {
    const at = c.owner.path;
    check(at, `${c.field}image`, c.image);
    check(at, `${c.field}workingDir`, c.workingDir);
    c.command?.forEach((v, i) => check(at, `${c.field}command[${i}]`, v));
    c.args?.forEach((v, i) => check(at, `${c.field}args[${i}]`, v));
    c.healthCommand?.forEach((v, i) => check(at, `${c.field}healthCommand[${i}]`, v));
    c.env.forEach(e => check(at, `${c.field}env ${e.name}`, e.value));
  }
  for (const { volume, owners } of pod.volumes) {
    for (const f of volume.files ?? []) { check(owners[0].path, `config file ${volume.name}/${f.name} content`, f.content); }
  }
  for (const [name, env] of pod.appEnv) {
    env.forEach(e => check(pod.sidecars[0]?.path ?? pod.targetPath, `appEnv ${e.name} (app container ${JSON.stringify(name)})`, e.value));
  }
  for (const [key, { value, owner }] of pod.annotations) { check(owner.path, `pod.annotations[${JSON.stringify(key)}]`, value); }
}
