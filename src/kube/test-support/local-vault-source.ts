import { createVaultClients, SdkObjectSource, type ObjectSource } from "../../keyvault/index.js";
import type { VaultFixture } from "../../vault/test-support/vault-fixture.js";

export interface LocalVaultSourceOptions {
  /** Each getSecret as "name@version" ("name@latest" for the latest). */
  reads?: string[];
  /** Every call: "get name@version", "list vault", "versions name". */
  calls?: string[];
  /** While it returns true, every call fails as an unreachable vault does. */
  down?: () => boolean;
}

/**
 * The ObjectSource kvsync uses in production (the SDK-backed one), pointed at a test's local vault
 * as vault "demo", with what the Kubernetes tests count: the reads and calls it makes, and an
 * outage switch.
 */
export function localVaultSource(
  fixture: VaultFixture,
  options: LocalVaultSourceOptions = {},
): ObjectSource {
  const inner = new SdkObjectSource({
    clientFor: createVaultClients({
      endpoints: new Map([["demo", fixture.vault.url]]),
      ca: fixture.ca,
      classes: [],
    }),
  });
  const { reads, calls, down } = options;
  const guard = <T>(call: () => Promise<T>): Promise<T> =>
    down?.() === true
      ? Promise.reject(new Error("connect ECONNREFUSED demo.vault.azure.net"))
      : call();
  return {
    getSecret: (vault, name, version, signal) => {
      reads?.push(`${name}@${version ?? "latest"}`);
      calls?.push(`get ${name}@${version ?? "latest"}`);
      return guard(() => inner.getSecret(vault, name, version, signal));
    },
    listSecrets: (vault, signal) => {
      calls?.push(`list ${vault}`);
      return guard(() => inner.listSecrets(vault, signal));
    },
    listSecretVersions: (vault, name, signal) => {
      calls?.push(`versions ${name}`);
      return guard(() => inner.listSecretVersions(vault, name, signal));
    },
  };
}
