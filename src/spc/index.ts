/**
 * SecretProviderClass (Azure provider) parsing: the classes users already have for the Secrets
 * Store CSI driver, read into what kvsync syncs, with every problem reported by path.
 */
export { parseSecretProviderClass } from "./parse-secret-provider-class.js";
export {
  loadSecretProviderClass,
  type LoadSecretProviderClassOptions,
} from "./load-secret-provider-class.js";
export { SpcError, formatProblems, type Problem } from "./problem.js";
export type {
  AzureCloudName,
  ObjectEncoding,
  ObjectFormat,
  ObjectType,
  ParseSecretProviderClassOptions,
  ParseResult,
  SecretObjectData,
  SecretObjectSpec,
  SecretProviderClass,
  SpcIdentity,
  SpcObject,
} from "./types.js";
