export { startVault, ENDPOINT_FILE } from "./vault-server.js";
export type { RunningVault, VaultServerOptions } from "./vault-server.js";
export { createVaultApp } from "./vault-app.js";
export type { VaultAppOptions } from "./vault-app.js";
export { KeyVaultError } from "./key-vault-error.js";
export type { AuthMode } from "./auth/index.js";
export { SecretStore, openDatabase } from "./store/index.js";
