export { openDatabase, metaValue } from "./database.js";
export { SecretStore, newVersionId } from "./secret-store.js";
export type {
  DeletedSecret,
  NewVersionListener,
  Page,
  SecretAttributesInput,
  SecretStoreOptions,
  SecretVersion,
  SetSecretInput,
  UpdateSecretInput,
} from "./secret-store.js";
export { KeyStore } from "./key-store.js";
export type {
  DeletedKey,
  KeyAttributesInput,
  KeyStoreOptions,
  KeyVersion,
  NewKeyInput,
  NewKeyVersionListener,
  UpdateKeyInput,
} from "./key-store.js";
export { openBackup, sealBackup } from "./backup-codec.js";
export { CertificateStore } from "./certificate-store.js";
export type {
  CertificateAttributesInput,
  CertificatePolicyRecord,
  CertificateStoreOptions,
  CertificateVersion,
  DeletedCertificate,
  NewCertificateInput,
  NewCertificateVersionListener,
  StoredPolicy,
} from "./certificate-store.js";
