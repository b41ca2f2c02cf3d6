export { renderSecret, RenderError } from "./render-secret.js";
export type { ObjectEncoding } from "./render-secret.js";
export { renderKey } from "./render-key.js";
export type { KeyVaultJsonWebKey } from "./render-key.js";
export {
  renderCertificate,
  renderCertificateSecret,
  parseCertificateSecret,
  buildPfx,
  buildPemBundle,
  PEM_CONTENT_TYPE,
  PKCS12_CONTENT_TYPE,
} from "./render-certificate.js";
export type {
  CertificateBundle,
  CertificateSecretOptions,
  ObjectFormat,
} from "./render-certificate.js";
export { orderCertificateChain } from "./cert-chain.js";
export { decodePfx } from "./pkcs12.js";
export type { PfxContents } from "./pkcs12.js";
export {
  KeyMaterialError,
  NotPemOrPfxError,
  MissingPrivateKeyError,
  PfxParseError,
  UnsupportedKeyError,
  InvalidKeyError,
  InvalidCertificateError,
  CertificateChainError,
  UnknownContentTypeError,
  ObjectEncodingError,
} from "./errors.js";
export { tlsSecretPart } from "./tls-secret.js";
export type { TlsSecretKey } from "./tls-secret.js";
