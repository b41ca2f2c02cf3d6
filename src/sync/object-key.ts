/**
 * Key Vault names (vaults and secrets) are case-insensitive, and events spell them as the vault
 * stores them, so every map of objects is keyed by the lower-cased pair.
 */
export const objectKey = (vault: string, name: string): string =>
  `${vault.toLowerCase()}/${name.toLowerCase()}`;

/** The cache key of one read: a version, or "" for "the latest". */
export const versionKey = (vault: string, name: string, version: string | undefined): string =>
  `${objectKey(vault, name)}/secret/${version ?? ""}`;
