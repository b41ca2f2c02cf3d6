import type { SecretValue } from "../util/secret-value.js";

/**
 * The seam between kvsync and Key Vault: the three reads the sync needs, each cancellable. The
 * SDK-backed source implements it for real and local vaults; tests wrap it to count calls.
 * `vault` is the vault's name (SecretProviderClass keyvaultName), never a URL.
 */

export interface SecretVersionProperties {
  readonly name: string;
  readonly version: string;
  readonly enabled: boolean;
  readonly createdOn: Date | undefined;
  readonly updatedOn: Date | undefined;
}

export interface FetchedSecret extends SecretVersionProperties {
  readonly value: SecretValue;
  readonly contentType?: string;
  /**
   * The `kid` Key Vault returns for the managed secret behind a certificate: such a secret is
   * written as the certificate bundle (PEM or PFX) the CSI provider writes, not as plain text.
   */
  readonly certificateKeyId?: string;
}

/** One entry of a vault's listing: the latest version's times, per name. */
export interface SecretListing {
  readonly name: string;
  readonly updatedOn: Date | undefined;
  readonly enabled: boolean;
}

export interface ObjectSource {
  /** A version, or the latest when `version` is undefined. Rejects on 404 and other failures. */
  getSecret(
    vault: string,
    name: string,
    version: string | undefined,
    signal: AbortSignal,
  ): Promise<FetchedSecret>;
  /** Every secret of the vault (all pages), its latest version's properties. */
  listSecrets(vault: string, signal: AbortSignal): Promise<SecretListing[]>;
  /** Every version of one secret, in no particular order. */
  listSecretVersions(
    vault: string,
    name: string,
    signal: AbortSignal,
  ): Promise<SecretVersionProperties[]>;
}
