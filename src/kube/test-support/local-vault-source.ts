import { createVaultClients, SdkObjectSource, type ObjectSource } from "../../keyvault/index.js";
import type { VaultFixture } from "../../vault/test-support/vault-fixture.js";

export interface LocalVaultSourceOptions {
  /** Each read as "name@version" ("name@latest" for the latest). */
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
  // Secrets are named as they are; keys and certificates carry their type ("cert web@v1").
  const typed = (type: string) => (type === "secret" ? "" : `${type} `);
  return {
    get: (vault, type, name, version, signal) => {
      reads?.push(`${typed(type)}${name}@${version ?? "latest"}`);
      calls?.push(`get ${typed(type)}${name}@${version ?? "latest"}`);
      return guard(() => inner.get(vault, type, name, version, signal));
    },
    list: (vault, type, signal) => {
      calls?.push(`list ${typed(type)}${vault}`);
      return guard(() => inner.list(vault, type, signal));
    },
    listVersions: (vault, type, name, signal) => {
      calls?.push(`versions ${typed(type)}${name}`);
      return guard(() => inner.listVersions(vault, type, name, signal));
    },
  };
}
