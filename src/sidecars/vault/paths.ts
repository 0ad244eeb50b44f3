/** Where the AppRole secret is mounted in the agent containers. */
export const APPROLE_DIR = '/vault/approle';
