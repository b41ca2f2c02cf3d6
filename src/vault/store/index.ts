export { openDatabase, metaValue } from "./database.js";
export { newVersionId } from "./object-table.js";
export type { Page } from "./object-table.js";
export { SecretStore } from "./secret-store.js";
export type {
  DeletedSecret,
  NewVersionListener,
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
