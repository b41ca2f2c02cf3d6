import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import type { KeyClient, KeyProperties, KeyVaultKey } from "@azure/keyvault-keys";
import { pino } from "pino";
import { management, webhookSubscription } from "../eventgrid/publisher/test-support/management.js";
import {
  startWebhookRecorder,
  type WebhookRecorder,
} from "../eventgrid/publisher/test-support/webhook-recorder.js";
import { assertKeyPair, publicKeyOf, toImportJwk } from "./test-support/key-assertions.js";
import {
  countedOperations,
  rawRequest,
  requestRecorder,
  waitFor,
  type SentRequest,
} from "./test-support/raw-request.js";
import { assertRestError } from "./test-support/secret-assertions.js";
import { startVaultFixture, type VaultFixture } from "./test-support/vault-fixture.js";

/**
 * The local vault's keys driven by the official `@azure/keyvault-keys` client, unmodified:
 * create (RSA and EC, every size and curve), import, get, update, list with paging, and soft
 * delete with the SDK's pollers, recover and purge. Every public key the vault returns is checked
 * against its private half by signing with one and verifying with the other. Events go to a
 * webhook through the vault's Event Grid topic; the log is kept and checked for key material.
 */

const FAST = { intervalInMs: 20 };
const HEX32 = /^[0-9a-f]{32}$/;
const RSA_OPS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"];

let fixture: VaultFixture;
let client: KeyClient;
let hook: WebhookRecorder;
const sent: SentRequest[] = [];
const logLines: string[] = [];
/** base64url private parts of the keys the tests import, to look for in logs and answers. */
const privateParts: string[] = [];

before(async () => {
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  fixture = await startVaultFixture({
    vaultName: "kv-keys",
    logger: pino({ level: "info" }, logStream),
    eventGrid: { retryScale: 0.001 },
  });
  client = fixture.keyClient({ additionalPolicies: [requestRecorder(sent)] });
  hook = await startWebhookRecorder();
  await management(fixture).create(
    "keys",
    webhookSubscription(hook.url, { subjectBeginsWith: "ev-" }),
  );
});

after(async () => {
  await hook.close();
  await fixture.close();
});

const nearNow = (date: Date | undefined, what: string): void => {
  assert.ok(date instanceof Date, `${what} is a Date`);
  assert.equal(date.getTime() % 1000, 0, `${what} is whole seconds`);
  assert.ok(Math.abs(date.getTime() - Date.now()) < 60_000, `${what} is about now`);
};

/** The vault's own private key of a version matches the public key the SDK got back. */
function assertVaultKeyPair(key: KeyVaultKey, what: string): void {
  const privateKey = fixture.vault.keys.privateKey(key.name, key.properties.version ?? "");
  assert.ok(privateKey, `${what}: the vault holds the private key`);
  assertKeyPair(privateKey, publicKeyOf(key.key), what);
}

function assertPublicOnly(key: KeyVaultKey, what: string): void {
  for (const part of ["d", "p", "q", "dp", "dq", "qi", "k", "t"] as const) {
    assert.equal(key.key?.[part], undefined, `${what}: no ${part} in the answer`);
  }
}

test("createRsaKey: 2048 bits by default, 3072 and 4096 on request, e = 65537, Key Vault's properties", async () => {
  const created = await client.createRsaKey("sdk-rsa", { tags: { team: "payments" } });
  const p = created.properties;
  assert.match(p.version ?? "", HEX32);
  assert.equal(created.name, "sdk-rsa");
  assert.equal(created.id, `${fixture.vault.url}/keys/sdk-rsa/${p.version}`);
  assert.equal(created.key?.kid, created.id);
  assert.equal(created.keyType, "RSA");
  assert.deepEqual(created.keyOperations, RSA_OPS);
  assert.equal(created.key.n?.length, 256, "a 2048-bit modulus");
  assert.deepEqual([...(created.key.e ?? [])], [1, 0, 1], "e = 65537");
  assert.equal(p.vaultUrl, fixture.vault.url);
  assert.deepEqual(p.tags, { team: "payments" });
  assert.equal(p.enabled, true);
  nearNow(p.createdOn, "createdOn");
  nearNow(p.updatedOn, "updatedOn");
  assert.equal(p.recoveryLevel, "Recoverable+Purgeable");
  assert.equal(p.recoverableDays, 90);
  assert.equal(p.exportable, false);
  assert.equal(p.managed, undefined);
  assertPublicOnly(created, "create");
  assertVaultKeyPair(created, "RSA 2048");

  for (const keySize of [3072, 4096]) {
    const sized = await client.createRsaKey(`sdk-rsa-${keySize}`, { keySize });
    const publicKey = publicKeyOf(sized.key);
    assert.equal(publicKey.asymmetricKeyDetails?.modulusLength, keySize);
    assertVaultKeyPair(sized, `RSA ${keySize}`);
  }
});

test("createEcKey on P-256 (the default), P-384, P-521 and P-256K signs and verifies", async () => {
  const byDefault = await client.createKey("sdk-ec-default", "EC");
  assert.equal(byDefault.key?.crv, "P-256");
  assert.deepEqual(byDefault.keyOperations, ["sign", "verify"]);
  assertVaultKeyPair(byDefault, "EC default");
  const sizes = { "P-256": 32, "P-384": 48, "P-521": 66, "P-256K": 32 } as const;
  for (const [curve, size] of Object.entries(sizes) as [keyof typeof sizes, number][]) {
    const created = await client.createEcKey(`sdk-ec-${curve}`, { curve });
    assert.equal(created.keyType, "EC");
    assert.equal(created.key?.crv, curve);
    assert.equal(created.key.x?.length, size, `${curve} x`);
    assert.equal(created.key.y?.length, size, `${curve} y`);
    assert.equal(created.key.n, undefined);
    assertPublicOnly(created, curve);
    assertVaultKeyPair(created, curve);
  }
});

test("getKey reads the latest version or a given one; names are case-insensitive", async () => {
  const v1 = await client.createEcKey("sdk-get", { curve: "P-256" });
  const v2 = await client.createEcKey("SDK-GET", { curve: "P-384", keyOps: ["verify"] });
  assert.notEqual(v1.properties.version, v2.properties.version);
  const latest = await client.getKey("sdk-Get");
  assert.equal(latest.properties.version, v2.properties.version);
  assert.equal(latest.name, "sdk-get", "the case first written");
  assert.equal(latest.key?.crv, "P-384");
  assert.deepEqual(latest.keyOperations, ["verify"]);
  assert.deepEqual(latest.properties, v2.properties);
  const first = await client.getKey("sdk-get", { version: v1.properties.version ?? "" });
  assert.equal(first.id, v1.id);
  assert.deepEqual(first.key?.x, v1.key?.x);
  assertVaultKeyPair(first, "first version");

  // The SDK asks for the latest with a trailing slash; a raw request without one is the same.
  const raw = await rawRequest(fixture, { path: "/keys/sdk-get?api-version=7.5" });
  assert.equal(raw.status, 200);
  const body = JSON.parse(raw.text) as { key: Record<string, unknown> };
  assert.deepEqual(Object.keys(body.key), ["kid", "kty", "key_ops", "crv", "x", "y"]);
  assert.equal(body.key["kid"], v2.id);
});

test("importKey takes RSA and EC keys made with node:crypto; what they sign, the returned key verifies", async () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const ec = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey;
  const k1 = generateKeyPairSync("ec", { namedCurve: "secp256k1" }).privateKey;
  for (const key of [rsa, ec, k1]) {
    const jwk = key.export({ format: "jwk" });
    privateParts.push(...[jwk.d, jwk.p, jwk.q].filter((v): v is string => v !== undefined));
  }

  const expiresOn = new Date((Math.floor(Date.now() / 1000) + 400 * 86_400) * 1000);
  const importedRsa = await client.importKey(
    "sdk-import-rsa",
    toImportJwk(rsa, ["sign", "verify"]),
    {
      tags: { source: "node" },
      expiresOn,
    },
  );
  assert.equal(importedRsa.keyType, "RSA");
  assert.deepEqual(importedRsa.keyOperations, ["sign", "verify"]);
  assert.deepEqual(importedRsa.properties.tags, { source: "node" });
  assert.equal(importedRsa.properties.expiresOn?.getTime(), expiresOn.getTime());
  assertPublicOnly(importedRsa, "import RSA");
  assertKeyPair(rsa, publicKeyOf(importedRsa.key), "imported RSA");

  const importedEc = await client.importKey("sdk-import-ec", toImportJwk(ec));
  assert.equal(importedEc.key?.crv, "P-384");
  assert.deepEqual(importedEc.keyOperations, ["sign", "verify"], "EC's default operations");
  assertKeyPair(ec, publicKeyOf(importedEc.key), "imported EC");
  const again = await client.getKey("sdk-import-ec");
  assertKeyPair(ec, publicKeyOf(again.key), "imported EC, read back");

  const importedK1 = await client.importKey("sdk-import-k1", toImportJwk(k1));
  assert.equal(importedK1.key?.crv, "P-256K");
  assertKeyPair(k1, publicKeyOf(importedK1.key), "imported P-256K");

  // Importing again makes a new version; the vault signs with the key it was given.
  const second = await client.importKey("sdk-import-rsa", toImportJwk(rsa));
  assert.notEqual(second.properties.version, importedRsa.properties.version);
  assertVaultKeyPair(second, "second import");
  assert.deepEqual(second.keyOperations, RSA_OPS, "RSA's default operations");
});

test("updateKeyProperties changes enabled, dates, tags and operations, never the key", async () => {
  const created = await client.createEcKey("sdk-update", { tags: { a: "1" } });
  const version = created.properties.version ?? "";
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
  const expiresOn = new Date(Math.floor(Date.now() / 1000) * 1000 + 86_400_000 * 60);
  const updated = await client.updateKeyProperties("sdk-update", version, {
    enabled: false,
    notBefore,
    expiresOn,
    tags: { b: "2" },
    keyOps: ["verify"],
  });
  assert.equal(updated.properties.version, version);
  assert.equal(updated.properties.enabled, false);
  assert.equal(updated.properties.notBefore?.getTime(), notBefore.getTime());
  assert.equal(updated.properties.expiresOn?.getTime(), expiresOn.getTime());
  assert.deepEqual(updated.properties.tags, { b: "2" });
  assert.deepEqual(updated.keyOperations, ["verify"]);
  assert.deepEqual(updated.key?.x, created.key?.x, "the key material stays");
  assert.equal(updated.properties.createdOn?.getTime(), created.properties.createdOn?.getTime());

  const error = await assertRestError(
    client.getKey("sdk-update"),
    403,
    "Forbidden",
    "get a disabled key",
  );
  assert.match(error.message, /disabled key/);
  await assertRestError(
    client.getKey("sdk-update", { version }),
    403,
    "Forbidden",
    "get a disabled version",
  );

  // Without a version: the latest. Omitted fields stay as they are.
  const enabled = await client.updateKeyProperties("sdk-update", { enabled: true });
  assert.equal(enabled.properties.version, version);
  assert.deepEqual(enabled.properties.tags, { b: "2" });
  assert.deepEqual(enabled.keyOperations, ["verify"]);
  const got = await client.getKey("sdk-update");
  assert.equal(got.properties.enabled, true);
  assertVaultKeyPair(got, "after updates");
});

test("missing keys and versions are 404 KeyNotFound", async () => {
  await assertRestError(client.getKey("sdk-never"), 404, "KeyNotFound", "missing name");
  await client.createEcKey("sdk-one-version");
  const missing = "0123456789abcdef0123456789abcdef";
  const error = await assertRestError(
    client.getKey("sdk-one-version", { version: missing }),
    404,
    "KeyNotFound",
    "missing version",
  );
  assert.match(error.message, new RegExp(`sdk-one-version/${missing}`));
  await assertRestError(
    client.updateKeyProperties("sdk-never", missing, { enabled: false }),
    404,
    "KeyNotFound",
    "update missing",
  );
  await assertRestError(
    client.beginDeleteKey("sdk-never", FAST),
    404,
    "KeyNotFound",
    "delete missing",
  );
  await assertRestError(client.getDeletedKey("sdk-never"), 404, "KeyNotFound", "get deleted");
  await assertRestError(client.purgeDeletedKey("sdk-never"), 404, "KeyNotFound", "purge missing");
  await assertRestError(
    client.beginRecoverDeletedKey("sdk-never", FAST),
    404,
    "KeyNotFound",
    "recover missing",
  );
});

test("listPropertiesOfKeys pages past 25, by the page size asked for", async () => {
  const names = Array.from({ length: 30 }, (_, i) => `page-${String(i).padStart(2, "0")}`);
  for (let i = 0; i < names.length; i += 10) {
    await Promise.all(names.slice(i, i + 10).map((name) => client.createEcKey(name)));
  }
  const all: KeyProperties[] = [];
  for await (const p of client.listPropertiesOfKeys()) all.push(p);
  const listed = all.map((p) => p.name);
  assert.equal(new Set(listed).size, listed.length, "no key listed twice");
  for (const name of names) assert.ok(listed.includes(name), `${name} listed`);
  for (const p of all) {
    assert.equal(p.version, undefined, "list ids carry no version");
    assert.equal(p.id, `${fixture.vault.url}/keys/${p.name}`);
  }

  const defaultPages: number[] = [];
  for await (const page of client.listPropertiesOfKeys().byPage()) defaultPages.push(page.length);
  assert.equal(defaultPages[0], 25);
  assert.equal(
    defaultPages.reduce((a, b) => a + b, 0),
    all.length,
  );

  const pagesOf7: string[][] = [];
  for await (const page of client.listPropertiesOfKeys().byPage({ maxPageSize: 7 })) {
    pagesOf7.push(page.map((p) => p.name));
  }
  for (const page of pagesOf7.slice(0, -1)) assert.equal(page.length, 7);
  assert.deepEqual(pagesOf7.flat(), listed);
});

test("listPropertiesOfKeyVersions pages 27 versions, 10 at a time on request", async () => {
  const versions: string[] = [];
  for (let i = 0; i < 27; i++) {
    versions.push((await client.createEcKey("sdk-many")).properties.version ?? "");
  }
  const listed: KeyProperties[] = [];
  for await (const p of client.listPropertiesOfKeyVersions("sdk-many")) listed.push(p);
  assert.deepEqual(
    listed.map((p) => p.version),
    versions,
    "in creation order",
  );
  for (const p of listed) {
    assert.equal(p.id, `${fixture.vault.url}/keys/sdk-many/${p.version}`);
    assert.equal(p.name, "sdk-many");
    assert.equal(p.enabled, true);
  }
  const sizes: number[] = [];
  for await (const page of client
    .listPropertiesOfKeyVersions("sdk-many")
    .byPage({ maxPageSize: 10 }))
    sizes.push(page.length);
  assert.deepEqual(sizes, [10, 10, 7]);
  const defaultSizes: number[] = [];
  for await (const page of client.listPropertiesOfKeyVersions("sdk-many").byPage())
    defaultSizes.push(page.length);
  assert.deepEqual(defaultSizes, [25, 2]);
});

test("delete with the poller, get and list deleted, no reuse while deleted, recover, purge", async () => {
  const created = await client.createRsaKey("sdk-delete", { tags: { keep: "me" } });
  const poller = await client.beginDeleteKey("sdk-delete", FAST);
  const deleted = await poller.pollUntilDone();
  assert.equal(deleted.name, "sdk-delete");
  assert.equal(deleted.properties.recoveryId, `${fixture.vault.url}/deletedkeys/sdk-delete`);
  assert.equal(deleted.properties.version, created.properties.version);
  nearNow(deleted.properties.deletedOn, "deletedOn");
  assert.equal(
    deleted.properties.scheduledPurgeDate?.getTime(),
    (deleted.properties.deletedOn?.getTime() ?? 0) + 90 * 86_400_000,
  );
  assert.deepEqual(deleted.key?.n, created.key?.n, "a deleted key's public part");

  await assertRestError(client.getKey("sdk-delete"), 404, "KeyNotFound", "get a deleted key");
  const gotDeleted = await client.getDeletedKey("sdk-delete");
  assert.equal(gotDeleted.properties.version, created.properties.version);
  assert.deepEqual(gotDeleted.properties.tags, { keep: "me" });
  const listed: string[] = [];
  for await (const d of client.listDeletedKeys()) {
    listed.push(d.name);
    assert.equal(d.properties.recoveryId, `${fixture.vault.url}/deletedkeys/${d.name}`);
  }
  assert.ok(listed.includes("sdk-delete"), "listed as deleted");

  const conflict = await assertRestError(
    client.createRsaKey("SDK-delete"),
    409,
    "Conflict",
    "create on a deleted name",
  );
  assert.match(conflict.message, /deleted but recoverable/);
  await assertRestError(
    client.importKey(
      "sdk-delete",
      toImportJwk(generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey),
    ),
    409,
    "Conflict",
    "import on a deleted name",
  );

  const recovered = await (await client.beginRecoverDeletedKey("sdk-delete", FAST)).pollUntilDone();
  assert.equal(recovered.properties.version, created.properties.version);
  const got = await client.getKey("sdk-delete");
  assertVaultKeyPair(got, "recovered");
  const stillListed: string[] = [];
  for await (const d of client.listDeletedKeys()) stillListed.push(d.name);
  assert.ok(!stillListed.includes("sdk-delete"), "no longer listed as deleted");

  // Purge forgets every version and frees the name.
  await (await client.beginDeleteKey("sdk-delete", FAST)).pollUntilDone();
  await client.purgeDeletedKey("sdk-delete");
  await assertRestError(client.getDeletedKey("sdk-delete"), 404, "KeyNotFound", "purged");
  const reused = await client.createEcKey("sdk-delete");
  const versions: (string | undefined)[] = [];
  for await (const v of client.listPropertiesOfKeyVersions("sdk-delete")) versions.push(v.version);
  assert.deepEqual(versions, [reused.properties.version]);
});

test("listDeletedKeys pages by the page size asked for", async () => {
  const names = Array.from({ length: 7 }, (_, i) => `sdk-deleted-${i}`);
  await Promise.all(
    names.map(async (name) => {
      await client.createEcKey(name);
      await (await client.beginDeleteKey(name, FAST)).pollUntilDone();
    }),
  );
  const pages: string[][] = [];
  for await (const page of client.listDeletedKeys().byPage({ maxPageSize: 3 })) {
    pages.push(page.map((d) => d.name));
  }
  for (const page of pages.slice(0, -1)) assert.equal(page.length, 3);
  const listed = pages.flat();
  assert.equal(new Set(listed).size, listed.length, "no deleted key listed twice");
  for (const name of names) assert.ok(listed.includes(name), `${name} listed as deleted`);
  await Promise.all(names.map((name) => client.purgeDeletedKey(name)));
});

test("a Standard vault: HSM keys are 403 Forbidden; oct keys, other sizes and curves 400", async () => {
  const hsm = await assertRestError(
    client.createRsaKey("sdk-hsm", { hsm: true }),
    403,
    "Forbidden",
    "RSA-HSM",
  );
  assert.match(hsm.message, /Hardware key operation not allowed on standard vault/);
  await assertRestError(client.createEcKey("sdk-hsm", { hsm: true }), 403, "Forbidden", "EC-HSM");
  const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
  await assertRestError(
    client.importKey("sdk-hsm", toImportJwk(ec), { hardwareProtected: true }),
    403,
    "Forbidden",
    "import with Hsm: true",
  );
  await assertRestError(client.createOctKey("sdk-oct"), 400, "BadParameter", "oct");
  await assertRestError(
    client.createRsaKey("sdk-rsa-1024", { keySize: 1024 }),
    400,
    "BadParameter",
    "RSA 1024",
  );
  await assertRestError(
    client.createEcKey("sdk-p192", { curve: "P-192" }),
    400,
    "BadParameter",
    "curve P-192",
  );
  await assertRestError(
    client.createRsaKey("sdk-exportable", { exportable: true }),
    400,
    "BadParameter",
    "exportable",
  );
  await assertRestError(client.getKey("sdk-hsm"), 404, "KeyNotFound", "nothing was created");
});

test("KeyNewVersionCreated for each created or imported version; KeyNearExpiry within 30 days", async () => {
  const created = await client.createRsaKey("ev-created");
  const imported = await client.importKey(
    "ev-imported",
    toImportJwk(generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey),
  );
  const exp = Math.floor(Date.now() / 1000) + 10 * 86_400;
  const expiring = await client.createEcKey("ev-expiring", { expiresOn: new Date(exp * 1000) });
  const kinds = () =>
    hook
      .delivered()
      .map(
        (e) =>
          `${String(e["subject"])} ${String(e["eventType"]).replace("Microsoft.KeyVault.", "")}`,
      )
      .sort();
  await hook.until(() => kinds().length >= 4, "four key events");
  assert.deepEqual(kinds(), [
    "ev-created KeyNewVersionCreated",
    "ev-expiring KeyNearExpiry",
    "ev-expiring KeyNewVersionCreated",
    "ev-imported KeyNewVersionCreated",
  ]);
  const dataOf = (subject: string, type: string) =>
    hook
      .delivered()
      .find((e) => e["subject"] === subject && e["eventType"] === `Microsoft.KeyVault.${type}`)?.[
      "data"
    ];
  assert.deepEqual(dataOf("ev-created", "KeyNewVersionCreated"), {
    Id: created.id,
    VaultName: "kv-keys",
    ObjectType: "Key",
    ObjectName: "ev-created",
    Version: created.properties.version,
    NBF: null,
    EXP: null,
  });
  assert.equal((dataOf("ev-imported", "KeyNewVersionCreated") as { Id: string }).Id, imported.id);
  assert.deepEqual(dataOf("ev-expiring", "KeyNearExpiry"), {
    Id: expiring.id,
    VaultName: "kv-keys",
    ObjectType: "Key",
    ObjectName: "ev-expiring",
    Version: expiring.properties.version,
    NBF: null,
    EXP: exp,
  });

  // Updates, deletes and recoveries are not new versions.
  await client.updateKeyProperties("ev-created", { tags: { x: "y" } });
  await (await client.beginDeleteKey("ev-created", FAST)).pollUntilDone();
  await (await client.beginRecoverDeletedKey("ev-created", FAST)).pollUntilDone();
  const marker = await client.createEcKey("ev-marker");
  await hook.until(
    (h) => h.delivered().some((e) => e["subject"] === "ev-marker"),
    "the marker's event",
  );
  assert.equal(kinds().filter((k) => k.startsWith("ev-created")).length, 1);
  assert.equal(
    (dataOf("ev-marker", "KeyNewVersionCreated") as { Version: string }).Version,
    marker.properties.version,
  );
});

test("/metrics counts key requests by the SDK's operation names", async () => {
  const operations = await countedOperations(fixture);
  for (const operation of [
    "CreateKey",
    "ImportKey",
    "GetKey",
    "UpdateKey",
    "GetKeys",
    "GetKeyVersions",
    "DeleteKey",
    "GetDeletedKey",
    "GetDeletedKeys",
    "RecoverDeletedKey",
    "PurgeDeletedKey",
  ]) {
    assert.ok(operations.has(operation), `${operation} is counted`);
  }
});

test("the log has a line per request and no private key material", async () => {
  const expected = sent.length;
  const lines = () =>
    logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry["path"] !== "/metrics" && entry["method"] !== undefined);
  await waitFor(() => lines().length >= expected, "a log line for every request");
  assert.ok(privateParts.length >= 5, "private parts were collected");
  const log = logLines.join("\n");
  for (const part of privateParts) {
    assert.ok(!log.includes(part.slice(0, 24)), "no private key part in the log");
  }
});

test("keys, their versions and private halves survive a restart", async () => {
  const first = await client.createRsaKey("sdk-restart");
  const second = await client.createEcKey("sdk-restart", { curve: "P-521" });
  await fixture.restart();
  const latest = await client.getKey("sdk-restart");
  assert.equal(latest.properties.version, second.properties.version);
  assertVaultKeyPair(latest, "latest after a restart");
  const older = await client.getKey("sdk-restart", { version: first.properties.version ?? "" });
  assert.deepEqual(older.key?.n, first.key?.n);
  assertVaultKeyPair(older, "first version after a restart");
});
