import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { SecretClient } from "@azure/keyvault-secrets";
import { assertRestError, assertValue, TestValues } from "./test-support/secret-assertions.js";
import { startVaultFixture, type VaultFixture } from "./test-support/vault-fixture.js";

/**
 * Soft-delete retention on a clock the test moves: a deleted secret is recoverable for its
 * retention days (here 7, "CustomizedRecoverable"), then Key Vault purges it by itself and the
 * name is free again, whichever operation comes first.
 */

const DAY = 86_400;
const START = 1_800_000_000;
let clock = START;
let fixture: VaultFixture;
let client: SecretClient;
const values = new TestValues();

before(async () => {
  fixture = await startVaultFixture({ retentionDays: 7, now: () => clock });
  client = fixture.client();
});

after(async () => {
  await fixture.close();
});

async function deleted(name: string): Promise<void> {
  await client.setSecret(name, values.next(name));
  await (await client.beginDeleteSecret(name, { intervalInMs: 20 })).pollUntilDone();
}

test("times come from the vault's clock; retention shows in the recovery level", async () => {
  const set = await client.setSecret("ret-times", values.next("times"));
  assert.equal(set.properties.createdOn?.getTime(), START * 1000);
  assert.equal(set.properties.recoveryLevel, "CustomizedRecoverable+Purgeable");
  assert.equal(set.properties.recoverableDays, 7);
  clock += 60;
  const updated = await client.updateSecretProperties("ret-times", set.properties.version ?? "", {
    tags: { moved: "yes" },
  });
  assert.equal(updated.updatedOn?.getTime(), (START + 60) * 1000);
  assert.equal(updated.createdOn?.getTime(), START * 1000);
});

test("a deleted secret is scheduled for purge after the retention days", async () => {
  await deleted("ret-scheduled");
  const d = await client.getDeletedSecret("ret-scheduled");
  assert.equal(d.deletedOn?.getTime(), clock * 1000);
  assert.equal(d.scheduledPurgeDate?.getTime(), (clock + 7 * DAY) * 1000);
  clock += 7 * DAY - 1;
  assert.equal((await client.getDeletedSecret("ret-scheduled")).name, "ret-scheduled");
  clock += 1;
  await assertRestError(client.getDeletedSecret("ret-scheduled"), 404, "SecretNotFound", "purged");
});

test("once retention has passed, the name can be set again without a purge", async () => {
  await deleted("ret-reuse");
  await assertRestError(
    client.setSecret("ret-reuse", values.next("early")),
    409,
    "Conflict",
    "too early",
  );
  clock += 7 * DAY;
  const value = values.next("reused");
  const set = await client.setSecret("ret-reuse", value);
  assertValue((await client.getSecret("ret-reuse")).value, value, "reused after retention");
  const versions = [];
  for await (const v of client.listPropertiesOfSecretVersions("ret-reuse"))
    versions.push(v.version);
  assert.deepEqual(versions, [set.properties.version], "the old versions are gone");
});

test("once retention has passed, a backup restores without a purge", async () => {
  await client.setSecret("ret-restore", values.next("restore"));
  const blob = await client.backupSecret("ret-restore");
  assert.ok(blob, "backed up");
  await (await client.beginDeleteSecret("ret-restore", { intervalInMs: 20 })).pollUntilDone();
  clock += 7 * DAY;
  const restored = await client.restoreSecretBackup(blob);
  assert.equal(restored.name, "ret-restore");
});

test("recovery after retention is too late", async () => {
  await deleted("ret-late");
  clock += 7 * DAY;
  await assertRestError(
    client.beginRecoverDeletedSecret("ret-late", { intervalInMs: 20 }),
    404,
    "SecretNotFound",
    "recover after retention",
  );
  const listed = [];
  for await (const d of client.listDeletedSecrets()) listed.push(d.name);
  assert.deepEqual(listed, []);
});
