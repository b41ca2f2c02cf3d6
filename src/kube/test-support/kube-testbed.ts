import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { startVaultFixture, type VaultFixture } from "../../vault/test-support/vault-fixture.js";
import { startFakeApiServer, type FakeApiServer } from "./fake-api-server.js";

/**
 * What every Kubernetes test starts with: the local vault, the fake API server and client-node
 * clients reaching it through a kubeconfig, as in a cluster. The vault's clock can be moved on:
 * Key Vault's times have whole seconds, and versions a test makes within one real second must
 * still order as real rotations, which are seconds apart at least, do.
 */
export interface KubeTestbed {
  readonly vault: VaultFixture;
  readonly api: FakeApiServer;
  readonly kubeconfig: KubeConfig;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly apps: AppsV1Api;
  /** Versions made from now on are `seconds` later than they would have been. */
  advanceClock(seconds: number): void;
  close(): Promise<void>;
}

export async function startKubeTestbed(): Promise<KubeTestbed> {
  let offset = 0;
  const vault = await startVaultFixture({ now: () => Math.floor(Date.now() / 1000) + offset });
  const api = await startFakeApiServer();
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromString(api.kubeconfig);
  return {
    vault,
    api,
    kubeconfig,
    core: kubeconfig.makeApiClient(CoreV1Api),
    custom: kubeconfig.makeApiClient(CustomObjectsApi),
    apps: kubeconfig.makeApiClient(AppsV1Api),
    advanceClock(seconds) {
      offset += seconds;
    },
    async close() {
      await api.close();
      await vault.close();
    },
  };
}
