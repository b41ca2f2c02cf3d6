import type { SecretClient, SecretProperties } from "@azure/keyvault-secrets";
import { SecretValue } from "../util/secret-value.js";
import { withRetries, type BackoffPolicy } from "./backoff.js";
import type {
  FetchedSecret,
  ObjectSource,
  SecretListing,
  SecretVersionProperties,
} from "./object-source.js";
import { describeRestFailure, failureLabel } from "./rest-failure.js";

/**
 * ObjectSource over the official SecretClient. The SDK's own retries must be off in the clients
 * (`retryOptions: { maxRetries: 0 }`, see vault-clients.ts) so that one loop, ours, decides:
 * 429/5xx back off with jitter and honour Retry-After, and each attempt is counted.
 */

export type KeyVaultOperation =
  "getSecret" | "listPropertiesOfSecrets" | "listPropertiesOfSecretVersions";

export interface SdkObjectSourceOptions {
  /** The client for a vault name; throws when the vault is unknown. */
  clientFor: (vault: string) => SecretClient;
  policy?: BackoffPolicy;
  /** Once per attempt, with "200" or a failure label: for metrics. */
  onAttempt?: (operation: KeyVaultOperation, status: string) => void;
  onRetry?: (operation: KeyVaultOperation, attempt: number, delayMs: number) => void;
  /** Waits between attempts; tests record instead of waiting. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class SdkObjectSource implements ObjectSource {
  readonly #options: SdkObjectSourceOptions;

  constructor(options: SdkObjectSourceOptions) {
    this.#options = options;
  }

  async getSecret(
    vault: string,
    name: string,
    version: string | undefined,
    signal: AbortSignal,
  ): Promise<FetchedSecret> {
    const client = this.#options.clientFor(vault);
    const secret = await this.#call("getSecret", signal, () =>
      client.getSecret(name, {
        abortSignal: signal,
        ...(version === undefined ? {} : { version }),
      }),
    );
    const properties = toVersionProperties(secret.properties);
    if (properties === undefined) throw new Error(`Key Vault returned ${name} without a version`);
    const { contentType, certificateKeyId } = secret.properties;
    return {
      ...properties,
      value: new SecretValue(secret.value ?? ""),
      ...(contentType === undefined ? {} : { contentType }),
      ...(certificateKeyId === undefined ? {} : { certificateKeyId }),
    };
  }

  async listSecrets(vault: string, signal: AbortSignal): Promise<SecretListing[]> {
    const client = this.#options.clientFor(vault);
    return this.#call("listPropertiesOfSecrets", signal, async () => {
      const listing: SecretListing[] = [];
      for await (const p of client.listPropertiesOfSecrets({ abortSignal: signal })) {
        listing.push({ name: p.name, updatedOn: p.updatedOn, enabled: p.enabled !== false });
      }
      return listing;
    });
  }

  async listSecretVersions(
    vault: string,
    name: string,
    signal: AbortSignal,
  ): Promise<SecretVersionProperties[]> {
    const client = this.#options.clientFor(vault);
    return this.#call("listPropertiesOfSecretVersions", signal, async () => {
      const versions: SecretVersionProperties[] = [];
      for await (const p of client.listPropertiesOfSecretVersions(name, { abortSignal: signal })) {
        const properties = toVersionProperties(p);
        if (properties !== undefined) versions.push(properties);
      }
      return versions;
    });
  }

  #call<T>(operation: KeyVaultOperation, signal: AbortSignal, call: () => Promise<T>): Promise<T> {
    const { onAttempt, onRetry, policy, sleep } = this.#options;
    const attempt = async (): Promise<T> => {
      try {
        const result = await call();
        onAttempt?.(operation, "200");
        return result;
      } catch (error) {
        onAttempt?.(operation, failureLabel(error));
        throw error;
      }
    };
    return withRetries(attempt, (error) => describeRestFailure(error), {
      signal,
      ...(policy === undefined ? {} : { policy }),
      ...(sleep === undefined ? {} : { sleep }),
      onRetry: (n, delayMs) => onRetry?.(operation, n, delayMs),
    });
  }
}

function toVersionProperties(p: SecretProperties): SecretVersionProperties | undefined {
  if (p.version === undefined) return undefined;
  return {
    name: p.name,
    version: p.version,
    enabled: p.enabled !== false,
    createdOn: p.createdOn,
    updatedOn: p.updatedOn,
  };
}
