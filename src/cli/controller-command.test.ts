import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import {
  management,
  waitUntil,
  webhookSubscription,
} from "../eventgrid/publisher/test-support/management.js";
import { SPC_GROUP, SPC_PLURAL, SPC_VERSION } from "../kube/class-controller.js";
import { startFakeApiServer, type FakeApiServer } from "../kube/test-support/fake-api-server.js";
import { startVaultFixture, type VaultFixture } from "../vault/test-support/vault-fixture.js";

/**
 * `kvsync controller` as a process (the built CLI): kubeconfig in, a class's Secret out, and an
 * Event Grid delivery to its webhook bringing a new version into the Secret.
 */

const CLI = resolve(import.meta.dirname, "..", "..", "bin", "kvsync.js");
let vault: VaultFixture;
let api: FakeApiServer;
let work: string;
let clock = 0;

before(async () => {
  vault = await startVaultFixture({
    eventGrid: { retryScale: 0.001 },
    now: () => Math.floor(Date.now() / 1000) + clock,
  });
  api = await startFakeApiServer();
  work = await mkdtemp(join(tmpdir(), "kvsync-controller-"));
});
after(async () => {
  await api.close();
  await vault.close();
  await rm(work, { recursive: true, force: true });
});

test("kvsync controller: Secrets from classes, refreshed by an Event Grid delivery", async () => {
  clock += 10;
  await vault.client().setSecret("proc-db", "proc-1");
  await writeFile(join(work, "kubeconfig"), api.kubeconfig);
  await writeFile(join(work, "ca.pem"), vault.ca);
  const child = spawn(
    process.execPath,
    [
      CLI,
      "controller",
      ...["--kubeconfig", join(work, "kubeconfig"), "--webhook-port", "0"],
      ...["--vault-endpoint", `demo=${vault.vault.url}`, "--ca", join(work, "ca.pem")],
      ...["--webhook-secret", "controller-test-code", "--log-level", "warn"],
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    let webhook = "";
    for await (const line of createInterface({ input: child.stdout })) {
      webhook = /^controller\s+(\S+)/.exec(line)?.[1] ?? "";
      if (webhook !== "") break;
    }
    assert.match(webhook, /^http:\/\/127\.0\.0\.1:\d+\/api\/events$/);

    const config = new KubeConfig();
    config.loadFromString(api.kubeconfig);
    const core = config.makeApiClient(CoreV1Api);
    await config.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: SPC_GROUP,
      version: SPC_VERSION,
      namespace: "shop",
      plural: SPC_PLURAL,
      body: {
        apiVersion: `${SPC_GROUP}/${SPC_VERSION}`,
        kind: "SecretProviderClass",
        metadata: { name: "proc" },
        spec: {
          provider: "azure",
          secretObjects: [
            {
              secretName: "proc-secret",
              type: "Opaque",
              data: [{ objectName: "proc-db", key: "v" }],
            },
          ],
          parameters: {
            keyvaultName: "demo",
            tenantId: "00000000-0000-0000-0000-000000000000",
            objects: "array:\n  - |\n    objectName: proc-db\n    objectType: secret\n",
          },
        },
      },
    });
    const value = async () => {
      const secret = await core
        .readNamespacedSecret({ name: "proc-secret", namespace: "shop" })
        .catch(() => undefined);
      return Buffer.from(secret?.data?.v ?? "", "base64").toString();
    };
    await waitUntil(async () => (await value()) === "proc-1", "the Secret, with no pod");

    // Push: the resync is minutes away, so only the event can bring the new version in time.
    await management(vault).create(
      "controller",
      webhookSubscription(`${webhook}?code=controller-test-code`),
    );
    clock += 10;
    await vault.client().setSecret("proc-db", "proc-2");
    await waitUntil(async () => (await value()) === "proc-2", "the pushed version");
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
});
