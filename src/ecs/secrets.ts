import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';

/**
 * Where the keys of a secret named in a sidecar (`secretName`) come from on ECS.
 * Containers get them through the container definition's `secrets`, so the values
 * never appear in the template, and only the containers that ask get them.
 */
export class SecretSource {
  /**
   * A Secrets Manager secret holding JSON: each key is a JSON field of the secret.
   */
  public static fromSecretsManager(secret: secretsmanager.ISecret): SecretSource {
    return new SecretSource(secret, undefined);
  }

  /**
   * SSM Parameter Store parameters (String or SecureString), one per key.
   */
  public static fromSsmParameters(parameters: { [key: string]: ssm.IParameter }): SecretSource {
    return new SecretSource(undefined, { ...parameters });
  }

  // Data, not closures: two sources of one secret (or of the same parameters) compare equal
  // (TaskSidecars.of() called twice with equal options).
  private constructor(
    private readonly secret: secretsmanager.ISecret | undefined,
    private readonly parameters: { [key: string]: ssm.IParameter } | undefined,
  ) {}

  /** The ECS secret for one key, or undefined when this source has no such key. @internal */
  public _secret(key: string): ecs.Secret | undefined {
    if (this.secret) { return ecs.Secret.fromSecretsManager(this.secret, key); }
    const p = this.parameters?.[key];
    return p === undefined ? undefined : ecs.Secret.fromSsmParameter(p);
  }

  /** What this source is, for messages. @internal */
  public _describe(): string {
    return this.secret ? `Secrets Manager secret ${this.secret.node.path}` : `SSM parameters (${Object.keys(this.parameters ?? {}).join(', ')})`;
  }
}
