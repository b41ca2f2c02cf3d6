export { LocalVaultCredential } from "./local-vault-credential.js";
export { azureSecretClient, localSecretClient, readLocalEndpoint } from "./vault-client.js";
export type { LocalVaultEndpoint } from "./vault-client.js";
export { localVaultRequest } from "./local-vault-request.js";
export type {
  FetchedObject,
  ObjectListing,
  ObjectSource,
  ObjectType,
  VersionProperties,
} from "./object-source.js";
export { SdkObjectSource } from "./sdk-object-source.js";
export type { KeyVaultOperation, SdkObjectSourceOptions } from "./sdk-object-source.js";
export { createVaultClients, credentialFor, UnsupportedIdentityError } from "./vault-clients.js";
export type { VaultClients, VaultClientsOptions } from "./vault-clients.js";
export { describeRestFailure, failureLabel } from "./rest-failure.js";
export { DEFAULT_BACKOFF, withRetries } from "./backoff.js";
export type { BackoffPolicy } from "./backoff.js";
