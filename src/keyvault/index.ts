export { LocalVaultCredential } from "./local-vault-credential.js";
export { azureSecretClient, localSecretClient, readLocalEndpoint } from "./vault-client.js";
export type { LocalVaultEndpoint } from "./vault-client.js";
export { localVaultRequest } from "./local-vault-request.js";
