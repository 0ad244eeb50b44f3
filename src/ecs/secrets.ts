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
    return new SecretSource(key => ecs.Secret.fromSecretsManager(secret, key), `Secrets Manager secret ${secret.node.path}`);
  }

  /**
   * SSM Parameter Store parameters (String or SecureString), one per key.
   */
  public static fromSsmParameters(parameters: { [key: string]: ssm.IParameter }): SecretSource {
    return new SecretSource(key => {
      const p = parameters[key];
      return p === undefined ? undefined : ecs.Secret.fromSsmParameter(p);
    }, `SSM parameters (${Object.keys(parameters).join(', ')})`);
  }

  private constructor(private readonly lookup: (key: string) => ecs.Secret | undefined, private readonly description: string) {}

  /** The ECS secret for one key, or undefined when this source has no such key. @internal */
  public _secret(key: string): ecs.Secret | undefined {
    return this.lookup(key);
  }

  /** What this source is, for messages. @internal */
  public _describe(): string {
    return this.description;
  }
}
