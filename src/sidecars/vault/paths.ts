/** Where the AppRole secret is mounted in the agent containers. */
export const APPROLE_DIR = '/vault/approle';

/** The auto-auth methods of the Vault agent (developer.hashicorp.com/vault/docs/agent-and-proxy/autoauth/methods). */
export const VAULT_AGENT_AUTH_METHODS = ['alicloud', 'approle', 'aws', 'azure', 'cert', 'cf', 'gcp', 'jwt', 'kerberos', 'kubernetes', 'ldap', 'oci', 'token_file'];
