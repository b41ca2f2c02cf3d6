export {
  startVault,
  ENDPOINT_FILE,
  DEFAULT_VAULT_NAME,
  LOCAL_RESOURCE_GROUP,
  LOCAL_SUBSCRIPTION_ID,
} from "./vault-server.js";
export type { EventGridSettings, RunningVault, VaultServerOptions } from "./vault-server.js";
export { createVaultApp } from "./vault-app.js";
export type { VaultAppOptions } from "./vault-app.js";
export { KeyVaultError } from "./key-vault-error.js";
export type { AuthMode } from "./auth/index.js";
export { KeyStore, SecretStore, openDatabase } from "./store/index.js";
