import { HclBlock } from './hcl';
import { APPROLE_DIR } from './paths';
import { IdentityTokenSpec } from '../../core/container';
import { WorkloadIdentity } from '../../core/contribution';
import { DEFAULT_TOKEN_PATH } from '../../core/resolve';

/** Vault's Kubernetes auth method: the pod's service account token. */
export interface VaultKubernetesAuthOptions {
  /** Vault role bound to the service account. */
  readonly role: string;
  /**
   * Mount path of the auth method.
   * @default 'auth/kubernetes'
   */
  readonly mountPath?: string;
  /**
   * Where the agent reads its service account token. The library projects a token there
   * (with `audience`) into the agent containers only, so the app need not automount one;
   * the file's directory is the token's alone and must not be one the agent mounts for
   * anything else (`/vault/config`, `/home/vault`, `/vault/secrets`, `/vault/approle`).
   * @default '/var/run/secrets/kubernetes.io/serviceaccount/token'
   */
  readonly tokenPath?: string;
  /**
   * Audience of the projected token (the Vault role's `audience`).
   * @default - the API server's
   */
  readonly audience?: string;
}

/** Vault's AWS auth method, IAM type: the task role's credentials. */
export interface VaultAwsAuthOptions {
  /** Vault role bound to the IAM role. */
  readonly role: string;
  /**
   * Mount path of the auth method.
   * @default 'auth/aws'
   */
  readonly mountPath?: string;
  /**
   * Value of the X-Vault-AWS-IAM-Server-ID header, when the Vault role requires one.
   * @default - none
   */
  readonly headerValue?: string;
  /**
   * AWS region of the STS endpoint.
   * @default - the SDK's (the task's region)
   */
  readonly region?: string;
}

/** Vault's Azure auth method: the container group's managed identity. */
export interface VaultAzureAuthOptions {
  /** Vault role bound to the identity. */
  readonly role: string;
  /**
   * Mount path of the auth method.
   * @default 'auth/azure'
   */
  readonly mountPath?: string;
  /**
   * Resource the identity's token is for.
   * @default 'https://management.azure.com/'
   */
  readonly resource?: string;
  /**
   * Client ID of a user-assigned identity.
   * @default - the system-assigned identity
   */
  readonly clientId?: string;
}

/** Vault's AppRole auth method: role ID and secret ID from a secret (works wherever secrets mount as files). */
export interface VaultAppRoleAuthOptions {
  /** Secret holding the role ID and the secret ID. */
  readonly secretName: string;
  /**
   * Key of the role ID in the secret.
   * @default 'role-id'
   */
  readonly roleIdKey?: string;
  /**
   * Key of the secret ID in the secret.
   * @default 'secret-id'
   */
  readonly secretIdKey?: string;
  /**
   * Mount path of the auth method.
   * @default 'auth/approle'
   */
  readonly mountPath?: string;
}

/** Vault's JWT auth method: a JWT read from a file in the agent containers. */
export interface VaultJwtAuthOptions {
  /** Vault role of the JWT auth method. */
  readonly role: string;
  /**
   * Absolute path of the file that holds the JWT, e.g. in a secret mounted with
   * `extraSecretName` (`/vault/custom/jwt`). The agent re-reads it when it re-authenticates;
   * it is never deleted (`remove_jwt_after_reading = false`: the mount is read-only).
   */
  readonly tokenPath: string;
  /**
   * Mount path of the auth method.
   * @default 'auth/jwt'
   */
  readonly mountPath?: string;
}

/** Vault's GCP auth method, type `gce`: the instance's identity from the metadata server (e.g. GKE, Compute Engine). */
export interface VaultGcpAuthOptions {
  /** Vault role of the GCP auth method. */
  readonly role: string;
  /**
   * Mount path of the auth method.
   * @default 'auth/gcp'
   */
  readonly mountPath?: string;
  /**
   * Service account whose identity token is requested.
   * @default - the instance's default service account
   */
  readonly serviceAccount?: string;
}

/** Vault's TLS certificate auth method: the client certificate the agent presents. */
export interface VaultCertAuthOptions {
  /**
   * Name of the certificate role to log in with.
   * @default - any role of the mount that trusts the certificate
   */
  readonly name?: string;
  /**
   * Mount path of the auth method.
   * @default 'auth/cert'
   */
  readonly mountPath?: string;
  /**
   * Absolute path of the client certificate, e.g. `/vault/tls/tls.crt` (with `tlsSecretName`).
   * @default - the agent's `clientCertificateFile`
   */
  readonly clientCertificateFile?: string;
  /**
   * Absolute path of the client certificate's key.
   * @default - the agent's `clientKeyFile`
   */
  readonly clientKeyFile?: string;
}

/** Any auto-auth method of the agent, with its config written as given (vault-k8s `auth-type` + `auth-config-<key>`). */
export interface VaultGenericAuthOptions {
  /**
   * The method as the agent names it: alicloud, approle, aws, azure, cert, cf, gcp, jwt,
   * kerberos, kubernetes, ldap, oci or token_file.
   */
  readonly type: string;
  /**
   * The method's config parameters, e.g. `{ role: 'shop', type: 'ec2' }` for aws or
   * `{ token_file_path: '/vault/custom/token' }` for token_file. Keys are HCL identifiers;
   * values are written as strings.
   */
  readonly config: { [key: string]: string };
  /**
   * Mount path of the auth method.
   * @default - `auth/<type>`
   */
  readonly mountPath?: string;
  /**
   * Absolute paths of the files the method reads (a token, a keytab, a krb5.conf), so that
   * the runtime contract proves the agent containers mount them.
   * @default - none
   */
  readonly files?: string[];
}

/**
 * How the Vault agent logs in. A sidecar lists several; the one for the identity the
 * platform gives the pod is used (Kubernetes service account, AWS IAM role, Azure managed
 * identity), else the first listed method that needs no platform identity (AppRole, JWT,
 * GCP, cert or a generic method).
 */
export class VaultAuth {
  /** Kubernetes auth (pods' service account). */
  public static kubernetes(options: VaultKubernetesAuthOptions): VaultAuth {
    // Plain JavaScript and jsii callers may pass nothing: the sidecar's checks then name the missing role.
    options = options ?? ({} as VaultKubernetesAuthOptions);
    const tokenPath = options.tokenPath ?? DEFAULT_TOKEN_PATH;
    return new VaultAuth('kubernetes', WorkloadIdentity.KUBERNETES_SERVICE_ACCOUNT, options.role, () => ({
      type: 'method',
      labels: ['kubernetes'],
      body: [
        ['mount_path', options.mountPath ?? 'auth/kubernetes'],
        ['config', { role: options.role, token_path: tokenPath }],
      ],
    }), [['mountPath', options.mountPath], ['tokenPath', options.tokenPath]], undefined,
    // The token is projected where token_path says, with the audience the Vault role expects.
    { audience: options.audience, path: tokenPath }, [['audience', options.audience]], [], options);
  }

  /** AWS IAM auth (the ECS task role). */
  public static aws(options: VaultAwsAuthOptions): VaultAuth {
    // Plain JavaScript and jsii callers may pass nothing: the sidecar's checks then name the missing role.
    options = options ?? ({} as VaultAwsAuthOptions);
    const config: { [key: string]: string } = { type: 'iam', role: options.role };
    if (options.headerValue !== undefined) { config.header_value = options.headerValue; }
    if (options.region !== undefined) { config.region = options.region; }
    return new VaultAuth('aws', WorkloadIdentity.AWS_IAM_ROLE, options.role, () => ({
      type: 'method', labels: ['aws'], body: [['mount_path', options.mountPath ?? 'auth/aws'], ['config', config]],
    }), [['mountPath', options.mountPath]], undefined, undefined, [['headerValue', options.headerValue], ['region', options.region]], [], options);
  }

  /** Azure managed identity auth (ACI with an identity). */
  public static azure(options: VaultAzureAuthOptions): VaultAuth {
    // Plain JavaScript and jsii callers may pass nothing: the sidecar's checks then name the missing role.
    options = options ?? ({} as VaultAzureAuthOptions);
    const config: { [key: string]: string } = { role: options.role, resource: options.resource ?? 'https://management.azure.com/' };
    if (options.clientId !== undefined) { config.client_id = options.clientId; }
    return new VaultAuth('azure', WorkloadIdentity.AZURE_MANAGED_IDENTITY, options.role, () => ({
      type: 'method', labels: ['azure'], body: [['mount_path', options.mountPath ?? 'auth/azure'], ['config', config]],
    }), [['mountPath', options.mountPath]], undefined, undefined, [['resource', options.resource], ['clientId', options.clientId]], [], options);
  }

  /** AppRole auth, for any platform that mounts secrets as files. */
  public static appRole(options: VaultAppRoleAuthOptions): VaultAuth {
    // Plain JavaScript and jsii callers may pass nothing: the sidecar's checks then name the missing role.
    options = options ?? ({} as VaultAppRoleAuthOptions);
    return new VaultAuth('approle', undefined, options.secretName, () => ({
      type: 'method',
      labels: ['approle'],
      body: [
        ['mount_path', options.mountPath ?? 'auth/approle'],
        ['config', {
          role_id_file_path: `${APPROLE_DIR}/${options.roleIdKey ?? 'role-id'}`,
          secret_id_file_path: `${APPROLE_DIR}/${options.secretIdKey ?? 'secret-id'}`,
          remove_secret_id_file_after_reading: false,
        }],
      ],
    }), [['mountPath', options.mountPath]], options.secretName, undefined, [],
    // The keys become file names under the secret's mount (Kubernetes: the Secret's keys).
    [['roleIdKey', options.roleIdKey], ['secretIdKey', options.secretIdKey]], options);
  }

  /**
   * JWT auth: a JWT from a file the agent containers mount (any platform; the agent's
   * configuration `method "jwt" { config { path, role } }`).
   */
  public static jwt(options: VaultJwtAuthOptions): VaultAuth {
    // Plain JavaScript and jsii callers may pass nothing: the sidecar's checks then name the missing role.
    options = options ?? ({} as VaultJwtAuthOptions);
    return new VaultAuth('jwt', undefined, options.role, () => ({
      type: 'method',
      labels: ['jwt'],
      body: [
        ['mount_path', options.mountPath ?? 'auth/jwt'],
        ['config', { role: options.role, path: options.tokenPath, remove_jwt_after_reading: false }],
      ],
    }), [['mountPath', options.mountPath], ['tokenPath', options.tokenPath]], undefined, undefined, [], [], options, [options.tokenPath]);
  }

  /** GCP auth, type gce: the identity of the Google Compute Engine instance or GKE node the pod runs on. */
  public static gcp(options: VaultGcpAuthOptions): VaultAuth {
    // Plain JavaScript and jsii callers may pass nothing: the sidecar's checks then name the missing role.
    options = options ?? ({} as VaultGcpAuthOptions);
    const config: { [key: string]: string } = { type: 'gce', role: options.role };
    if (options.serviceAccount !== undefined) { config.service_account = options.serviceAccount; }
    return new VaultAuth('gcp', undefined, options.role, () => ({
      type: 'method', labels: ['gcp'], body: [['mount_path', options.mountPath ?? 'auth/gcp'], ['config', config]],
    }), [['mountPath', options.mountPath]], undefined, undefined, [['serviceAccount', options.serviceAccount]], [], options);
  }

  /** TLS certificate auth: the agent logs in with a client certificate (mounted with `tlsSecretName`). */
  public static cert(options: VaultCertAuthOptions = {}): VaultAuth {
    options = options ?? {};
    const config: { [key: string]: string } = {};
    if (options.name !== undefined) { config.name = options.name; }
    if (options.clientCertificateFile !== undefined) { config.client_cert = options.clientCertificateFile; }
    if (options.clientKeyFile !== undefined) { config.client_key = options.clientKeyFile; }
    return new VaultAuth('cert', undefined, options.name ?? '', () => ({
      type: 'method', labels: ['cert'], body: [['mount_path', options.mountPath ?? 'auth/cert'], ['config', config]],
    }), [['mountPath', options.mountPath], ['clientCertificateFile', options.clientCertificateFile], ['clientKeyFile', options.clientKeyFile]],
    undefined, undefined, [], [], options, [options.clientCertificateFile, options.clientKeyFile].filter((f): f is string => f !== undefined));
  }

  /**
   * Any auto-auth method of the agent, its config given key by key (used wherever no method
   * for the platform's own identity fits, like AppRole). Prefer the typed factories: their
   * options are checked and their files mounted.
   */
  public static generic(options: VaultGenericAuthOptions): VaultAuth {
    // Plain JavaScript and jsii callers may pass nothing: the sidecar's checks then name the missing type.
    options = options ?? ({} as VaultGenericAuthOptions);
    const config = options.config ?? {};
    return new VaultAuth(`generic:${options.type}`, undefined, config.role ?? options.type, () => ({
      type: 'method', labels: [options.type], body: [['mount_path', options.mountPath ?? `auth/${options.type}`], ['config', { ...config }]],
    }), [['mountPath', options.mountPath], ...(options.files ?? []).map((f, i): [string, string] => [`files[${i}]`, f])], undefined, undefined,
    Object.entries(config).map(([k, v]): [string, string] => [`config.${k}`, v]), [], options, [...(options.files ?? [])]);
  }

  /** Name of the method (kubernetes, aws, azure, approle, jwt, gcp, cert; `generic:<type>` for VaultAuth.generic). */
  public readonly method: string;
  /** The platform identity the method uses; undefined for AppRole, which works anywhere. */
  public readonly identity?: WorkloadIdentity;
  /** The Vault role (AppRole: the secret holding its credentials). */
  public readonly role: string;
  /** Secret that holds AppRole credentials. */
  public readonly secretName?: string;

  private constructor(method: string, identity: WorkloadIdentity | undefined, role: string, private readonly block: () => HclBlock,
    private readonly paths: Array<[string, string | undefined]>, secretName?: string, private readonly token?: IdentityTokenSpec,
    private readonly texts: Array<[string, string | undefined]> = [], private readonly keys: Array<[string, string | undefined]> = [],
    private readonly given: object = {}, private readonly files: string[] = []) {
    this.method = method;
    this.identity = identity;
    this.role = role;
    this.secretName = secretName;
  }

  /** The options as the user gave them, for the sidecar's runtime type check. @internal */
  public _given(): object {
    return this.given;
  }

  /** The `method` block of auto_auth. @internal */
  public _render(): HclBlock {
    return this.block();
  }

  /** The identity token the agent needs projected, if any. @internal */
  public _identityToken(): IdentityTokenSpec | undefined {
    return this.token;
  }

  /** Path-like options, for checks. @internal */
  public _paths(): Array<[string, string | undefined]> {
    return this.paths;
  }

  /** Files the method makes the agent read (a JWT, a client certificate), for the runtime contract. @internal */
  public _files(): string[] {
    return this.files.filter(f => typeof f === 'string');
  }

  /** Free-text options written into the configuration as they are, for checks. @internal */
  public _texts(): Array<[string, string | undefined]> {
    return this.texts;
  }

  /** Options that name a key of the credentials secret (a file name under its mount), for checks. @internal */
  public _secretKeys(): Array<[string, string | undefined]> {
    return this.keys;
  }
}
