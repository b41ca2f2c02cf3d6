/**
 * Key Vault's error body, `{"error":{"code","message","innererror":{"code"}}}`, and the
 * handful of errors the local vault returns. The SDK surfaces `code` and `message` as
 * `RestError.code`/`.message`, so these strings are what users see: they match the real
 * service's wording (see docs/design/001-local-vault.md).
 */
export class KeyVaultError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "KeyVaultError";
  }

  toBody(): { error: { code: string; message: string; innererror?: { code: string } } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.innerCode === undefined ? {} : { innererror: { code: this.innerCode } }),
      },
    };
  }
}

const HELP =
  "For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182";

export const secretNotFound = (nameOrId: string): KeyVaultError =>
  new KeyVaultError(
    404,
    "SecretNotFound",
    `A secret with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. ${HELP}`,
  );

export const deletedSecretNotFound = (name: string): KeyVaultError =>
  new KeyVaultError(404, "SecretNotFound", `Deleted Secret not found: ${name}`);

export const secretDisabled = (): KeyVaultError =>
  new KeyVaultError(
    403,
    "Forbidden",
    "Operation get is not allowed on a disabled secret.",
    "SecretDisabled",
  );

export const keyNotFound = (nameOrId: string): KeyVaultError =>
  new KeyVaultError(
    404,
    "KeyNotFound",
    `A key with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. ${HELP}`,
  );

export const deletedKeyNotFound = (name: string): KeyVaultError =>
  new KeyVaultError(404, "KeyNotFound", `Deleted Key not found: ${name}`);

export const keyDisabled = (): KeyVaultError =>
  new KeyVaultError(
    403,
    "Forbidden",
    "Operation get is not allowed on a disabled key.",
    "KeyDisabled",
  );

export const certificateNotFound = (nameOrId: string): KeyVaultError =>
  new KeyVaultError(
    404,
    "CertificateNotFound",
    `A certificate with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command. ${HELP}`,
  );

export const deletedCertificateNotFound = (name: string): KeyVaultError =>
  new KeyVaultError(404, "CertificateNotFound", `Deleted Certificate not found: ${name}`);

export const pendingCertificateNotFound = (name: string): KeyVaultError =>
  new KeyVaultError(404, "PendingCertificateNotFound", `Pending certificate not found: ${name}`);

export const certificateDisabled = (): KeyVaultError =>
  new KeyVaultError(
    403,
    "Forbidden",
    "Operation get is not allowed on a disabled certificate.",
    "CertificateDisabled",
  );

/**
 * What Key Vault answers when a secret or key behind a certificate is set, created, imported
 * or deleted directly: only certificate operations change them.
 */
export const managedByKeyVault = (operation: string, kind: "Secret" | "Key"): KeyVaultError =>
  new KeyVaultError(
    403,
    "Forbidden",
    `Operation "${operation}" is not allowed as this object's lifetime is managed by Key Vault.`,
    `${kind}ManagedByKeyVault`,
  );

/** A certificate's name is taken by a secret or key that does not belong to a certificate. */
export const certificateNameTaken = (name: string, kind: "secret" | "key"): KeyVaultError =>
  new KeyVaultError(
    409,
    "Conflict",
    `There was a conflict while creating certificate ${name}: a ${kind} with this name already exists and is not managed by a certificate. Delete and purge it, or use another name.`,
  );

/** What a Standard vault answers for RSA-HSM, EC-HSM and `Hsm: true` (the CLI shows it). */
export const hardwareKeyNotAllowed = (): KeyVaultError =>
  new KeyVaultError(
    403,
    "Forbidden",
    "Hardware key operation not allowed on standard vault. The local vault is a Standard vault: use RSA or EC.",
  );

export const deletedButRecoverable = (
  name: string,
  kind: "Secret" | "Key" | "Certificate" = "Secret",
): KeyVaultError =>
  new KeyVaultError(
    409,
    "Conflict",
    `${kind} ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the ${kind.toLowerCase()} can only be recovered or purged.`,
    "ObjectIsDeletedButRecoverable",
  );

export const secretAlreadyExists = (name: string): KeyVaultError =>
  new KeyVaultError(
    409,
    "Conflict",
    `Secret ${name} already exists. Delete and purge it before restoring a backup of it.`,
  );

export const purgeProtected = (): KeyVaultError =>
  new KeyVaultError(
    403,
    "Forbidden",
    'Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.',
  );

export const badParameter = (message: string): KeyVaultError =>
  new KeyVaultError(400, "BadParameter", message);

export const invalidName = (name: string): KeyVaultError =>
  badParameter(
    `The request URI contains an invalid name: ${name}. Names are 1-127 characters of 0-9, a-z, A-Z and -.`,
  );

export const unauthorized = (message: string, challenge: string): KeyVaultError =>
  new KeyVaultError(401, "Unauthorized", message, undefined, { "www-authenticate": challenge });

export const throttled = (retryAfterSeconds: number | undefined): KeyVaultError =>
  new KeyVaultError(
    429,
    "Throttled",
    "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached",
    undefined,
    retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) },
  );
