/**
 * Errors for rendering and converting Key Vault keys and certificates. Every message is a
 * fixed description of what is wrong: never the value, key material or a decoder's own
 * message (which could quote input), so they are safe to log and to show in events.
 */

/** Base class: catch this to handle any key or certificate input that cannot be used. */
export class KeyMaterialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The value is neither PEM text nor a base64 PKCS#12 (PFX) blob. */
export class NotPemOrPfxError extends KeyMaterialError {}

/** PEM or PFX content that holds no (usable) private key where one is required. */
export class MissingPrivateKeyError extends KeyMaterialError {}

/** A PFX that cannot be decoded, verified or decrypted with the empty password. */
export class PfxParseError extends KeyMaterialError {}

/** A key type, curve or private key algorithm the CSI provider does not support. */
export class UnsupportedKeyError extends KeyMaterialError {}

/** A key whose fields are missing or malformed (JSON Web Key, PEM private key). */
export class InvalidKeyError extends KeyMaterialError {}

/** A certificate that is not valid base64 / DER, or that does not belong with the key. */
export class InvalidCertificateError extends KeyMaterialError {}

/** The provider's chain construction failed (no leaf certificate, or a cycle). */
export class CertificateChainError extends KeyMaterialError {}

/** A certificate-backed secret whose contentType is neither PEM nor PKCS#12. */
export class UnknownContentTypeError extends KeyMaterialError {}

/** objectEncoding (hex/base64) cannot decode the content it is applied to. */
export class ObjectEncodingError extends KeyMaterialError {}

/** Quote a short identifier (kty, crv, content type) for a message, cut to a safe length. */
export function quoteName(value: string): string {
  const cut = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(cut);
}
