import { SecretValue } from "../util/secret-value.js";
import { withRetries, type BackoffPolicy } from "./backoff.js";
import type {
  FetchedObject,
  ObjectListing,
  ObjectSource,
  ObjectType,
  VersionProperties,
} from "./object-source.js";
import { describeRestFailure, failureLabel } from "./rest-failure.js";
import type { VaultClients } from "./vault-clients.js";

/**
 * ObjectSource over the official clients (secrets, keys, certificates). The SDK's own retries
 * must be off in the clients (`retryOptions: { maxRetries: 0 }`, see vault-clients.ts) so that
 * one loop, ours, decides: 429/5xx back off with jitter and honour Retry-After, and each attempt
 * is counted under the SDK's operation name.
 */

export type KeyVaultOperation =
  | "getSecret"
  | "listPropertiesOfSecrets"
  | "listPropertiesOfSecretVersions"
  | "getKey"
  | "listPropertiesOfKeys"
  | "listPropertiesOfKeyVersions"
  | "getCertificate"
  | "getCertificateVersion"
  | "listPropertiesOfCertificates"
  | "listPropertiesOfCertificateVersions";

export interface SdkObjectSourceOptions {
  /** The clients for a vault name; throws when the vault is unknown. */
  clientFor: (vault: string) => VaultClients;
  policy?: BackoffPolicy;
  /** Once per attempt, with "200" or a failure label: for metrics. */
  onAttempt?: (operation: KeyVaultOperation, status: string) => void;
  onRetry?: (operation: KeyVaultOperation, attempt: number, delayMs: number) => void;
  /** Waits between attempts; tests record instead of waiting. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The properties the three SDKs share for one version. */
interface SdkProperties {
  /** Optional in the certificate SDK's types, always set on what Key Vault returns. */
  readonly name?: string | undefined;
  readonly version?: string | undefined;
  readonly enabled?: boolean | undefined;
  readonly createdOn?: Date | undefined;
  readonly updatedOn?: Date | undefined;
}

export class SdkObjectSource implements ObjectSource {
  readonly #options: SdkObjectSourceOptions;

  constructor(options: SdkObjectSourceOptions) {
    this.#options = options;
  }

  get(
    vault: string,
    type: ObjectType,
    name: string,
    version: string | undefined,
    signal: AbortSignal,
  ): Promise<FetchedObject> {
    const clients = this.#options.clientFor(vault);
    const options = { abortSignal: signal };
    switch (type) {
      case "secret":
        return this.#call("getSecret", signal, async () => {
          const secret = await clients.secrets.getSecret(name, {
            ...options,
            ...(version === undefined ? {} : { version }),
          });
          const { contentType, certificateKeyId } = secret.properties;
          return {
            ...versionOf(secret.properties, name),
            value: new SecretValue(secret.value ?? ""),
            ...(contentType === undefined ? {} : { contentType }),
            ...(certificateKeyId === undefined ? {} : { certificateKeyId }),
          };
        });
      case "key":
        return this.#call("getKey", signal, async () => {
          const client = await clients.keys();
          const key = await client.getKey(name, {
            ...options,
            ...(version === undefined ? {} : { version }),
          });
          return { ...versionOf(key.properties, name), value: publicJwk(key.key ?? {}) };
        });
      case "cert":
        return this.#call(
          version === undefined ? "getCertificate" : "getCertificateVersion",
          signal,
          async () => {
            const client = await clients.certificates();
            const certificate =
              version === undefined
                ? await client.getCertificate(name, options)
                : await client.getCertificateVersion(name, version, options);
            const cer = Buffer.from(certificate.cer ?? new Uint8Array()).toString("base64");
            return { ...versionOf(certificate.properties, name), value: new SecretValue(cer) };
          },
        );
    }
  }

  async list(vault: string, type: ObjectType, signal: AbortSignal): Promise<ObjectListing[]> {
    const clients = this.#options.clientFor(vault);
    const options = { abortSignal: signal };
    const collect = async (pages: AsyncIterable<SdkProperties>) => {
      const listing: ObjectListing[] = [];
      for await (const p of pages) {
        if (p.name === undefined) continue;
        listing.push({ name: p.name, updatedOn: p.updatedOn, enabled: p.enabled !== false });
      }
      return listing;
    };
    switch (type) {
      case "secret":
        return this.#call("listPropertiesOfSecrets", signal, () =>
          collect(clients.secrets.listPropertiesOfSecrets(options)),
        );
      case "key":
        return this.#call("listPropertiesOfKeys", signal, async () =>
          collect((await clients.keys()).listPropertiesOfKeys(options)),
        );
      case "cert":
        return this.#call("listPropertiesOfCertificates", signal, async () =>
          collect((await clients.certificates()).listPropertiesOfCertificates(options)),
        );
    }
  }

  async listVersions(
    vault: string,
    type: ObjectType,
    name: string,
    signal: AbortSignal,
  ): Promise<VersionProperties[]> {
    const clients = this.#options.clientFor(vault);
    const options = { abortSignal: signal };
    const collect = async (pages: AsyncIterable<SdkProperties>) => {
      const versions: VersionProperties[] = [];
      for await (const p of pages) if (p.version !== undefined) versions.push(versionOf(p, name));
      return versions;
    };
    switch (type) {
      case "secret":
        return this.#call("listPropertiesOfSecretVersions", signal, () =>
          collect(clients.secrets.listPropertiesOfSecretVersions(name, options)),
        );
      case "key":
        return this.#call("listPropertiesOfKeyVersions", signal, async () =>
          collect((await clients.keys()).listPropertiesOfKeyVersions(name, options)),
        );
      case "cert":
        return this.#call("listPropertiesOfCertificateVersions", signal, async () =>
          collect(
            (await clients.certificates()).listPropertiesOfCertificateVersions(name, options),
          ),
        );
    }
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

function versionOf(p: SdkProperties, name: string): VersionProperties {
  if (p.version === undefined) throw new Error(`Key Vault returned ${name} without a version`);
  return {
    name: p.name ?? name,
    version: p.version,
    enabled: p.enabled !== false,
    createdOn: p.createdOn,
    updatedOn: p.updatedOn,
  };
}

/** The SDK's JsonWebKey holds bytes; the renderer takes the wire's base64url, public parts only. */
function publicJwk(key: {
  kty?: string;
  crv?: string;
  n?: Uint8Array;
  e?: Uint8Array;
  x?: Uint8Array;
  y?: Uint8Array;
}): SecretValue {
  const b64url = (bytes: Uint8Array | undefined) =>
    bytes === undefined ? undefined : Buffer.from(bytes).toString("base64url");
  const { kty, crv } = key;
  return new SecretValue(
    JSON.stringify({
      kty,
      crv,
      n: b64url(key.n),
      e: b64url(key.e),
      x: b64url(key.x),
      y: b64url(key.y),
    }),
  );
}
