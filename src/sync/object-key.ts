import type { ObjectType } from "../keyvault/index.js";

/**
 * Key Vault names (vaults and objects) are case-insensitive, and events spell them as the vault
 * stores them, so every map of objects is keyed by the lower-cased names. The type is part of the
 * key: a certificate's cert, key and secret share its name but are three objects to sync.
 */
export const objectKey = (vault: string, type: ObjectType, name: string): string =>
  `${vault.toLowerCase()}/${type}/${name.toLowerCase()}`;

/** The cache key of one read: a version, or "" for "the latest". */
export const versionKey = (
  vault: string,
  type: ObjectType,
  name: string,
  version: string | undefined,
): string => `${objectKey(vault, type, name)}/${version ?? ""}`;
