import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ConfigError } from "../config/index.js";
import { startVaultFixture } from "../vault/test-support/vault-fixture.js";
import { agentCommand, runAgent } from "./agent-command.js";

let dir: string;
/** What commander fills in from the table's defaults. */
const defaults = {
  webhookPort: "0",
  webhookHost: "127.0.0.1",
  rotationPollInterval: "2m",
  vaultData: ".kvsync/vault",
  logLevel: "silent",
};
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "kvsync-agent-cli-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const classWith = (objects: string) => `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: c
spec:
  provider: azure
  parameters:
    keyvaultName: demo
    tenantId: "00000000-0000-0000-0000-000000000000"
    objects: |
      array:
        - |
${objects}
`;

test("an invalid class is a ConfigError (exit 2) listing its problems", async () => {
  const file = join(dir, "bad.yaml");
  await writeFile(file, classWith("          objectType: secret"));
  await assert.rejects(
    runAgent({ ...defaults, class: file, mount: join(dir, "m") }),
    (error: unknown) => error instanceof ConfigError && /objectName/.test(error.message),
  );
});

test("key and cert objects are refused at start, with the reason", async () => {
  const file = join(dir, "key.yaml");
  await writeFile(file, classWith("          objectName: k\n          objectType: key"));
  await assert.rejects(
    runAgent({ ...defaults, class: file, mount: join(dir, "m") }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /supported once certificate support lands/.test(error.message),
  );
});

test("bad flags are reported together", async () => {
  await assert.rejects(
    runAgent({
      class: "x.yaml",
      mount: "m",
      rotationPollInterval: "often",
      vaultEndpoint: ["demo"],
    }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /--rotation-poll-interval/.test(error.message) &&
      /--vault-endpoint/.test(error.message),
  );
});

test("runs against a local vault named by --vault-endpoint and --ca", async () => {
  const fixture = await startVaultFixture();
  try {
    await fixture.client().setSecret("cli-secret", "cli-value");
    const file = join(dir, "ok.yaml");
    await writeFile(
      file,
      classWith("          objectName: cli-secret\n          objectType: secret"),
    );
    const ca = join(dir, "ca.pem");
    await writeFile(ca, fixture.ca);
    const mount = join(dir, "mount");
    const agent = await runAgent({
      ...defaults,
      class: file,
      mount,
      vaultEndpoint: [`demo=${fixture.vault.url}`],
      ca,
    });
    try {
      await agent.engine.idle();
      assert.equal(await readFile(join(mount, "cli-secret"), "utf8"), "cli-value");
      const ready = await agent.app.inject({ method: "GET", url: "/readyz" });
      assert.equal(ready.statusCode, 200);
    } finally {
      await agent.close();
    }
  } finally {
    await fixture.close();
  }
});

test("the command's flags and defaults reach the same checks (exit 2 for a bad class)", async () => {
  const file = join(dir, "bad2.yaml");
  await writeFile(file, classWith("          objectType: secret"));
  const command = agentCommand().exitOverride();
  await assert.rejects(
    command.parseAsync(["--class", file, "--mount", join(dir, "m2"), "--log-level", "silent"], {
      from: "user",
    }),
    (error: unknown) => error instanceof ConfigError && /objectName/.test(error.message),
  );
});
