import type { ObjectType } from "../spc/index.js";
import type { SecretValue } from "../util/secret-value.js";

export type { ObjectType };

/**
 * The seam between kvsync and Key Vault: the three reads the sync needs, each cancellable. The
 * SDK-backed source implements it for real and local vaults; tests wrap it to count calls.
 * `vault` is the vault's name (SecretProviderClass keyvaultName), never a URL.
 *
 * Objects are typed as a SecretProviderClass types them. A certificate's name is shared by its
 * managed key and secret, so (vault, type, name) is what identifies one object.
 */

export interface VersionProperties {
  readonly name: string;
  readonly version: string;
  readonly enabled: boolean;
  readonly createdOn: Date | undefined;
  readonly updatedOn: Date | undefined;
}

/**
 * One version as Key Vault returns it, before rendering. `value` is what the file is made from:
 * a secret's value; for a key, its public JSON Web Key as JSON (n, e, x, y in base64url, as on
 * the wire); for a certificate, its `cer` (the leaf's DER) in standard base64.
 */
export interface FetchedObject extends VersionProperties {
  readonly value: SecretValue;
  readonly contentType?: string;
  /**
   * The `kid` Key Vault returns for the managed secret behind a certificate: such a secret is
   * written as the certificate bundle (PEM or PFX) the CSI provider writes, not as plain text.
   */
  readonly certificateKeyId?: string;
}

/** One entry of a vault's listing: the latest version's times, per name. */
export interface ObjectListing {
  readonly name: string;
  readonly updatedOn: Date | undefined;
  readonly enabled: boolean;
}

export interface ObjectSource {
  /** A version, or the latest when `version` is undefined. Rejects on 404 and other failures. */
  get(
    vault: string,
    type: ObjectType,
    name: string,
    version: string | undefined,
    signal: AbortSignal,
  ): Promise<FetchedObject>;
  /** Every object of the type in the vault (all pages), its latest version's properties. */
  list(vault: string, type: ObjectType, signal: AbortSignal): Promise<ObjectListing[]>;
  /** Every version of one object, in no particular order. */
  listVersions(
    vault: string,
    type: ObjectType,
    name: string,
    signal: AbortSignal,
  ): Promise<VersionProperties[]>;
}
