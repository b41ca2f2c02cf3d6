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

type ObjectKind = "Secret" | "Key" | "Certificate";

// Key Vault words these errors the same way for every kind of object, so one template each keeps
// the nine in step.

const notFound =
  (kind: ObjectKind) =>
  (nameOrId: string): KeyVaultError => {
    const noun = kind.toLowerCase();
    return new KeyVaultError(
      404,
      `${kind}NotFound`,
      `A ${noun} with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this ${noun} you may be able to recover it using the correct recovery command. ${HELP}`,
    );
  };

const deletedNotFound =
  (kind: ObjectKind) =>
  (name: string): KeyVaultError =>
    new KeyVaultError(404, `${kind}NotFound`, `Deleted ${kind} not found: ${name}`);

const disabled = (kind: ObjectKind) => (): KeyVaultError =>
  new KeyVaultError(
    403,
    "Forbidden",
    `Operation get is not allowed on a disabled ${kind.toLowerCase()}.`,
    `${kind}Disabled`,
  );

export const secretNotFound = notFound("Secret");
export const deletedSecretNotFound = deletedNotFound("Secret");
export const secretDisabled = disabled("Secret");

export const keyNotFound = notFound("Key");
export const deletedKeyNotFound = deletedNotFound("Key");
export const keyDisabled = disabled("Key");

export const certificateNotFound = notFound("Certificate");
export const deletedCertificateNotFound = deletedNotFound("Certificate");
export const certificateDisabled = disabled("Certificate");

export const pendingCertificateNotFound = (name: string): KeyVaultError =>
  new KeyVaultError(404, "PendingCertificateNotFound", `Pending certificate not found: ${name}`);

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

export const deletedButRecoverable = (name: string, kind: ObjectKind = "Secret"): KeyVaultError =>
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
