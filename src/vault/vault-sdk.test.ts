import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import type { SecretClient, SecretProperties } from "@azure/keyvault-secrets";
import { pino } from "pino";
import {
  countedOperations,
  keyVaultErrorCode,
  rawRequest,
  requestRecorder,
  waitFor,
  type RawRequest,
  type RawResponse,
  type SentRequest,
} from "./test-support/raw-request.js";
import { assertRestError, assertValue, TestValues } from "./test-support/secret-assertions.js";
import { startVaultFixture, type VaultFixture } from "./test-support/vault-fixture.js";

/**
 * The local vault driven by the official `@azure/keyvault-secrets` client, unmodified: every
 * operation the SDK offers, its errors, paging and pollers, plus the few wire details (challenge,
 * query encoding, trailing slash) that only a hand-made request shows. The vault's log is kept in
 * memory and checked at the end: one line per request, and never a secret value.
 */

const FAST = { intervalInMs: 20 };
const HEX32 = /^[0-9a-f]{32}$/;

let fixture: VaultFixture;
let client: SecretClient;
const values = new TestValues();
const sent: SentRequest[] = [];
const logLines: string[] = [];

before(async () => {
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  fixture = await startVaultFixture({ logger: pino({ level: "info" }, logStream) });
  client = fixture.client({ additionalPolicies: [requestRecorder(sent)] });
});

after(async () => {
  await fixture.close();
});

/** A hand-made request, recorded like the SDK's for the log check. */
async function raw(request: RawRequest): Promise<RawResponse> {
  const response = await rawRequest(fixture, request);
  const path = request.path.split("?")[0] ?? request.path;
  if (path !== "/metrics")
    sent.push({ method: request.method ?? "GET", path, status: response.status });
  return response;
}

const nearNow = (date: Date | undefined, what: string): void => {
  assert.ok(date instanceof Date, `${what} is a Date`);
  assert.equal(date.getTime() % 1000, 0, `${what} is whole seconds`);
  assert.ok(Math.abs(date.getTime() - Date.now()) < 60_000, `${what} is about now`);
};

test("setSecret stores value, content type, tags and attributes, and returns Key Vault's properties", async () => {
  const value = values.next("props");
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
  const expiresOn = new Date(Math.floor(Date.now() / 1000) * 1000 + 86_400_000);
  const set = await client.setSecret("sdk-props", value, {
    contentType: "text/plain",
    tags: { team: "payments", env: "dev" },
    enabled: true,
    notBefore,
    expiresOn,
  });
  assertValue(set.value, value, "setSecret result");
  const p = set.properties;
  assert.match(p.version ?? "", HEX32);
  assert.equal(p.name, "sdk-props");
  assert.equal(p.vaultUrl, fixture.vault.url);
  assert.equal(p.id, `${fixture.vault.url}/secrets/sdk-props/${p.version}`);
  assert.equal(p.contentType, "text/plain");
  assert.deepEqual(p.tags, { team: "payments", env: "dev" });
  assert.equal(p.enabled, true);
  assert.equal(p.notBefore?.getTime(), notBefore.getTime());
  assert.equal(p.expiresOn?.getTime(), expiresOn.getTime());
  nearNow(p.createdOn, "createdOn");
  nearNow(p.updatedOn, "updatedOn");
  assert.equal(p.recoveryLevel, "Recoverable+Purgeable");
  assert.equal(p.recoverableDays, 90);
  assert.equal(p.managed, undefined);

  const got = await client.getSecret("sdk-props");
  assertValue(got.value, value, "getSecret");
  assert.deepEqual(got.properties, p);
});

test("getSecret reads the latest version or a given one; a new version gets a new id", async () => {
  const first = values.next("v1");
  const second = values.next("v2");
  const v1 = await client.setSecret("sdk-versions", first);
  const v2 = await client.setSecret("sdk-versions", second);
  assert.notEqual(v1.properties.version, v2.properties.version);
  assertValue((await client.getSecret("sdk-versions")).value, second, "latest");
  const byVersion = await client.getSecret("sdk-versions", {
    version: v1.properties.version ?? "",
  });
  assertValue(byVersion.value, first, "first version");
  assert.equal(byVersion.properties.version, v1.properties.version);
  assert.equal(byVersion.properties.id, v1.properties.id);
});

test("secret names are case-insensitive and keep the case first written", async () => {
  const first = values.next("case1");
  const second = values.next("case2");
  await client.setSecret("MixedCase-Name", first);
  const got = await client.getSecret("mixedcase-NAME");
  assertValue(got.value, first, "other-case read");
  assert.equal(got.properties.name, "MixedCase-Name");
  await client.setSecret("MIXEDCASE-NAME", second);
  const versions = [];
  for await (const v of client.listPropertiesOfSecretVersions("mixedcase-name")) versions.push(v);
  assert.equal(versions.length, 2, "both writes are versions of one secret");
  assertValue(
    (await client.getSecret("MixedCase-Name")).value,
    second,
    "latest after other-case write",
  );
});

test("updateSecretProperties changes tags, content type and enabled but never the value", async () => {
  const value = values.next("update");
  const set = await client.setSecret("sdk-update", value, {
    contentType: "text/plain",
    tags: { a: "1" },
  });
  const version = set.properties.version ?? "";
  const updated = await client.updateSecretProperties("sdk-update", version, {
    contentType: "application/json",
    tags: { b: "2" },
    enabled: false,
  });
  assert.equal(updated.version, version);
  assert.equal(updated.contentType, "application/json");
  assert.deepEqual(updated.tags, { b: "2" });
  assert.equal(updated.enabled, false);
  assert.ok(
    (updated.updatedOn?.getTime() ?? 0) >= (set.properties.updatedOn?.getTime() ?? 0),
    "updatedOn does not go back",
  );
  assert.equal(updated.createdOn?.getTime(), set.properties.createdOn?.getTime());

  await assertRestError(client.getSecret("sdk-update"), 403, "Forbidden", "get disabled");

  // Omitted fields stay as they are.
  const enabled = await client.updateSecretProperties("sdk-update", version, { enabled: true });
  assert.equal(enabled.contentType, "application/json");
  assert.deepEqual(enabled.tags, { b: "2" });
  const got = await client.getSecret("sdk-update", { version });
  assertValue(got.value, value, "value after updates");
});

test("a disabled version cannot be read: 403 Forbidden", async () => {
  const set = await client.setSecret("sdk-disabled", values.next("disabled"), { enabled: false });
  assert.equal(set.properties.enabled, false);
  const error = await assertRestError(
    client.getSecret("sdk-disabled", { version: set.properties.version ?? "" }),
    403,
    "Forbidden",
    "get disabled version",
  );
  assert.match(error.message, /disabled secret/);
  await assertRestError(client.getSecret("sdk-disabled"), 403, "Forbidden", "get disabled latest");
});

test("missing secrets and versions are 404 SecretNotFound", async () => {
  await assertRestError(client.getSecret("sdk-never-set"), 404, "SecretNotFound", "missing name");
  await client.setSecret("sdk-one-version", values.next("one"));
  const missing = "0123456789abcdef0123456789abcdef";
  const error = await assertRestError(
    client.getSecret("sdk-one-version", { version: missing }),
    404,
    "SecretNotFound",
    "missing version",
  );
  assert.match(error.message, new RegExp(`sdk-one-version/${missing}`));
  await assertRestError(
    client.updateSecretProperties("sdk-never-set", missing, { enabled: false }),
    404,
    "SecretNotFound",
    "update missing",
  );
  await assertRestError(
    client.beginDeleteSecret("sdk-never-set", FAST),
    404,
    "SecretNotFound",
    "delete missing",
  );
  await assertRestError(
    client.backupSecret("sdk-never-set"),
    404,
    "SecretNotFound",
    "backup missing",
  );
  await assertRestError(
    client.getDeletedSecret("sdk-never-set"),
    404,
    "SecretNotFound",
    "get deleted missing",
  );
  await assertRestError(
    client.purgeDeletedSecret("sdk-never-set"),
    404,
    "SecretNotFound",
    "purge missing",
  );
});

test("listPropertiesOfSecrets pages past 25, by the page size asked for, and continues from a nextLink", async () => {
  const names = Array.from({ length: 30 }, (_, i) => `page-${String(i).padStart(2, "0")}`);
  await Promise.all(names.map((name) => client.setSecret(name, values.next(name))));

  const all = [];
  for await (const p of client.listPropertiesOfSecrets()) all.push(p);
  const listed = all.map((p) => p.name);
  assert.equal(new Set(listed).size, listed.length, "no secret listed twice");
  for (const name of names) assert.ok(listed.includes(name), `${name} listed`);
  for (const p of all) {
    assert.equal(p.version, undefined, "list ids carry no version");
    assert.equal(p.id, `${fixture.vault.url}/secrets/${p.name}`);
  }

  const defaultPages = [];
  for await (const page of client.listPropertiesOfSecrets().byPage())
    defaultPages.push(page.length);
  assert.equal(defaultPages[0], 25);
  assert.equal(
    defaultPages.reduce((a, b) => a + b, 0),
    all.length,
  );

  const pagesOf7: string[][] = [];
  for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 7 })) {
    pagesOf7.push(page.map((p) => p.name));
  }
  assert.ok(pagesOf7.length >= 5, `${pagesOf7.length} pages of 7`);
  for (const page of pagesOf7.slice(0, -1)) assert.equal(page.length, 7);
  assert.ok((pagesOf7.at(-1)?.length ?? 0) <= 7, "last page of at most 7");
  assert.deepEqual(pagesOf7.flat(), listed);

  // A nextLink is a continuation token the SDK accepts as is.
  const first = await raw({ path: "/secrets?api-version=7.5&maxresults=7" });
  const { nextLink } = JSON.parse(first.text) as { nextLink: string };
  const rest: string[] = [];
  for await (const page of client
    .listPropertiesOfSecrets()
    .byPage({ continuationToken: nextLink })) {
    assert.ok(page.length <= 7, `continued page of ${page.length}`);
    rest.push(...page.map((p) => p.name));
  }
  assert.deepEqual(rest, listed.slice(7));
});

test("listPropertiesOfSecretVersions pages 30 versions, 7 at a time on request", async () => {
  const versions: string[] = [];
  for (let i = 0; i < 30; i++) {
    const set = await client.setSecret("sdk-many-versions", values.next(`mv${i}`));
    versions.push(set.properties.version ?? "");
  }
  const listed = [];
  for await (const p of client.listPropertiesOfSecretVersions("sdk-many-versions")) listed.push(p);
  assert.deepEqual(listed.map((p) => p.version).sort(), [...versions].sort());
  for (const p of listed) {
    assert.equal(p.id, `${fixture.vault.url}/secrets/sdk-many-versions/${p.version}`);
    assert.equal(p.name, "sdk-many-versions");
  }

  const sizes: number[] = [];
  const paged: string[] = [];
  for await (const page of client
    .listPropertiesOfSecretVersions("sdk-many-versions")
    .byPage({ maxPageSize: 7 })) {
    sizes.push(page.length);
    paged.push(...page.map((p) => p.version ?? ""));
  }
  assert.deepEqual(sizes, [7, 7, 7, 7, 2]);
  assert.deepEqual(paged.sort(), [...versions].sort());

  const defaultSizes: number[] = [];
  for await (const page of client.listPropertiesOfSecretVersions("sdk-many-versions").byPage()) {
    defaultSizes.push(page.length);
  }
  assert.deepEqual(defaultSizes, [25, 5]);
});

test("delete, get deleted, list deleted, no reuse while deleted, recover", async () => {
  const value = values.next("del");
  const set = await client.setSecret("sdk-delete", value, { tags: { keep: "me" } });
  const poller = await client.beginDeleteSecret("sdk-delete", FAST);
  const deleted = await poller.pollUntilDone();
  assert.equal(deleted.name, "sdk-delete");
  assert.equal(deleted.recoveryId, `${fixture.vault.url}/deletedsecrets/sdk-delete`);
  assert.equal(deleted.value, undefined, "a deleted secret's value is not returned");
  nearNow(deleted.deletedOn, "deletedOn");
  assert.equal(
    deleted.scheduledPurgeDate?.getTime(),
    (deleted.deletedOn?.getTime() ?? 0) + 90 * 86_400_000,
  );

  await assertRestError(
    client.getSecret("sdk-delete"),
    404,
    "SecretNotFound",
    "get deleted by name",
  );
  const gotDeleted = await client.getDeletedSecret("sdk-delete");
  assert.equal(gotDeleted.properties.version, set.properties.version);
  assert.deepEqual(gotDeleted.properties.tags, { keep: "me" });
  const listed = [];
  for await (const d of client.listDeletedSecrets()) listed.push(d.name);
  assert.ok(listed.includes("sdk-delete"), "listed as deleted");

  const conflict = await assertRestError(
    client.setSecret("SDK-delete", values.next("reuse")),
    409,
    "Conflict",
    "set on a deleted name",
  );
  assert.match(conflict.message, /deleted but recoverable/);

  const recover = await client.beginRecoverDeletedSecret("sdk-delete", FAST);
  const recovered = await recover.pollUntilDone();
  assert.equal(recovered.version, set.properties.version);
  const got = await client.getSecret("sdk-delete");
  assertValue(got.value, value, "recovered value");
  assert.equal(got.properties.version, set.properties.version);
  const stillListed = [];
  for await (const d of client.listDeletedSecrets()) stillListed.push(d.name);
  assert.ok(!stillListed.includes("sdk-delete"), "no longer listed as deleted");
});

test("listDeletedSecrets pages by the page size asked for", async () => {
  const names = Array.from({ length: 9 }, (_, i) => `sdk-deleted-${i}`);
  await Promise.all(
    names.map(async (name) => {
      await client.setSecret(name, values.next(name));
      await (await client.beginDeleteSecret(name, FAST)).pollUntilDone();
    }),
  );
  const pages: string[][] = [];
  for await (const page of client.listDeletedSecrets().byPage({ maxPageSize: 4 })) {
    pages.push(page.map((d) => d.name));
  }
  for (const page of pages.slice(0, -1)) assert.equal(page.length, 4);
  const listed = pages.flat();
  assert.equal(new Set(listed).size, listed.length, "no deleted secret listed twice");
  for (const name of names) assert.ok(listed.includes(name), `${name} listed as deleted`);
  await Promise.all(names.map((name) => client.purgeDeletedSecret(name)));
});

test("purgeDeletedSecret forgets the secret and frees its name", async () => {
  await client.setSecret("sdk-purge", values.next("purge1"));
  await client.setSecret("sdk-purge", values.next("purge2"));
  await (await client.beginDeleteSecret("sdk-purge", FAST)).pollUntilDone();
  await client.purgeDeletedSecret("sdk-purge");
  await assertRestError(client.getDeletedSecret("sdk-purge"), 404, "SecretNotFound", "purged");

  const value = values.next("purge3");
  const reused = await client.setSecret("sdk-purge", value);
  assertValue((await client.getSecret("sdk-purge")).value, value, "reused name");
  const versions = [];
  for await (const v of client.listPropertiesOfSecretVersions("sdk-purge"))
    versions.push(v.version);
  assert.deepEqual(versions, [reused.properties.version]);
});

test("backup, delete, purge and restore bring back every version with its id and value", async () => {
  const written = [];
  for (const [i, options] of [
    { tags: { n: "0" } },
    { contentType: "text/x" },
    { enabled: false },
  ].entries()) {
    const value = values.next(`bk${i}`);
    const set = await client.setSecret("sdk-backup", value, options);
    written.push({ value, properties: set.properties });
  }
  const blob = await client.backupSecret("sdk-backup");
  assert.ok(blob instanceof Uint8Array && blob.length > 0, "backup is bytes");
  assert.equal(values.leakIn(Buffer.from(blob).toString("latin1")), undefined, "backup is opaque");

  await assertRestError(
    client.restoreSecretBackup(blob),
    409,
    "Conflict",
    "restore over an existing secret",
  );
  await (await client.beginDeleteSecret("sdk-backup", FAST)).pollUntilDone();
  await assertRestError(
    client.restoreSecretBackup(blob),
    409,
    "Conflict",
    "restore over a deleted secret",
  );
  await client.purgeDeletedSecret("sdk-backup");

  const tampered = Uint8Array.from(blob);
  const middle = Math.floor(tampered.length / 2);
  tampered[middle] = (tampered[middle] ?? 0) ^ 0xff;
  await assertRestError(client.restoreSecretBackup(tampered), 400, "BadParameter", "tampered blob");

  const restored = await client.restoreSecretBackup(blob);
  const last = written.at(-1)?.properties;
  assert.equal(restored.version, last?.version);
  assert.equal(restored.enabled, false);

  const listed: SecretProperties[] = [];
  for await (const v of client.listPropertiesOfSecretVersions("sdk-backup")) listed.push(v);
  assert.deepEqual(
    listed.map((p) => p.version).sort(),
    written.map((w) => w.properties.version).sort(),
  );
  for (const { value, properties } of written) {
    const version = properties.version ?? "";
    const again = listed.find((p) => p.version === version);
    assert.equal(again?.createdOn?.getTime(), properties.createdOn?.getTime());
    assert.deepEqual(again?.tags, properties.tags);
    assert.equal(again?.contentType, properties.contentType);
    if (properties.enabled === false) {
      await client.updateSecretProperties("sdk-backup", version, { enabled: true });
    }
    assertValue(
      (await client.getSecret("sdk-backup", { version })).value,
      value,
      `restored ${version}`,
    );
  }
});

test("values up to 25 KB (25 * 1024 bytes) are accepted, larger ones are 400 BadParameter", async () => {
  const limit = 25 * 1024;
  const prefix = values.next("big");
  const atLimit = values.add(prefix + "x".repeat(limit - prefix.length));
  await client.setSecret("sdk-big", atLimit);
  assertValue((await client.getSecret("sdk-big")).value, atLimit, "value at the limit");

  const overByOne = values.add(atLimit + "y");
  await assertRestError(client.setSecret("sdk-big", overByOne), 400, "BadParameter", "25 KB + 1");
  // Bytes, not characters: 12,801 two-byte characters are 25,602 bytes.
  const wide = values.add(prefix + "é".repeat(12_801));
  await assertRestError(client.setSecret("sdk-big", wide), 400, "BadParameter", "multi-byte");
});

test("invalid names are 400 BadParameter", async () => {
  for (const name of ["bad_name", "a".repeat(128), "dots.not.allowed", "sp ace"]) {
    const error = await assertRestError(
      client.setSecret(name, values.next("badname")),
      400,
      "BadParameter",
      `set ${name.slice(0, 20)}`,
    );
    assert.match(error.message, /invalid name/);
    await assertRestError(client.getSecret(name), 400, "BadParameter", `get ${name.slice(0, 20)}`);
  }
  const longest = "a".repeat(127);
  await client.setSecret(longest, values.next("longest"));
  assert.equal((await client.getSecret(longest)).properties.name, longest);
});

test("an unauthenticated request gets Key Vault's challenge before its body is read", async () => {
  const challenge = `Bearer authorization="https://login.windows.net/${fixture.vault.tenantId}", resource="https://vault.azure.net"`;
  const cases: RawRequest[] = [
    { method: "GET", path: "/secrets/sdk-props/?api-version=7.5", bearer: false },
    { method: "PUT", path: "/secrets/sdk-x?api-version=7.5", bearer: false, body: "{not json" },
    {
      method: "PUT",
      path: "/secrets/sdk-x?api-version=7.5",
      bearer: false,
      body: "<xml/>",
      headers: { "content-type": "text/xml" },
    },
    { method: "PUT", path: "/secrets/sdk-x", bearer: false, body: "{}" },
    {
      method: "PUT",
      path: "/secrets/sdk-x?api-version=7.5",
      bearer: false,
      body: JSON.stringify({ value: "x".repeat(300 * 1024) }),
    },
    {
      method: "GET",
      path: "/secrets?api-version=7.5",
      headers: { authorization: "Basic dXNlcg==" },
    },
  ];
  for (const request of cases) {
    const response = await raw(request);
    const what = `${request.method ?? "GET"} ${request.path}`;
    assert.equal(response.status, 401, what);
    assert.equal(response.headers["www-authenticate"], challenge, what);
    assert.equal(keyVaultErrorCode(response), "Unauthorized", what);
  }
});

test("api-version: percent-encoded name accepted, missing is 400", async () => {
  const encoded = await raw({ path: "/secrets/sdk-props?api%2Dversion=7.5" });
  assert.equal(encoded.status, 200);
  const missing = await raw({ path: "/secrets/sdk-props" });
  assert.equal(missing.status, 400);
  assert.equal(keyVaultErrorCode(missing), "BadParameter");
  assert.match(missing.text, /api-version/);
  // Refused by the router itself, and still logged (see the last test).
  const badUrl = await raw({ path: "/secrets/%zz?api-version=7.5" });
  assert.equal(badUrl.status, 400);
  assert.equal(keyVaultErrorCode(badUrl), "BadParameter");
  const future = await raw({ path: "/secrets/sdk-props?api-version=2031-01-01" });
  assert.equal(future.status, 200, "future api-versions are accepted");
});

test("GET /secrets/{name}/ with a trailing slash is the latest version", async () => {
  const latest = await client.getSecret("sdk-versions");
  const withSlash = await raw({
    path: "/secrets/sdk-versions/?api-version=7.5",
    headers: { "x-ms-client-request-id": "kvsync-test-request" },
  });
  const withoutSlash = await raw({ path: "/secrets/sdk-versions?api-version=7.5" });
  assert.equal(withSlash.status, 200);
  assert.equal(withoutSlash.status, 200);
  const ids = [withSlash, withoutSlash].map((r) => (JSON.parse(r.text) as { id: string }).id);
  assert.deepEqual(ids, [latest.properties.id, latest.properties.id]);
  assert.equal(withSlash.headers["content-type"], "application/json; charset=utf-8");
  assert.equal(withSlash.headers["cache-control"], "no-cache");
  assert.equal(withSlash.headers["x-ms-client-request-id"], "kvsync-test-request");
  assert.match(String(withSlash.headers["x-ms-request-id"]), /^[0-9a-f-]{36}$/);
});

test("/metrics counts requests by the SDK's operation names", async () => {
  const operations = await countedOperations(fixture);
  for (const operation of [
    "SetSecret",
    "GetSecret",
    "UpdateSecret",
    "GetSecrets",
    "GetSecretVersions",
    "DeleteSecret",
    "GetDeletedSecret",
    "GetDeletedSecrets",
    "RecoverDeletedSecret",
    "PurgeDeletedSecret",
    "BackupSecret",
    "RestoreSecret",
  ]) {
    assert.ok(operations.has(operation), `${operation} is counted`);
  }
  const metrics = await raw({ path: "/metrics", bearer: false });
  assert.match(
    metrics.text,
    /kvsync_vault_request_duration_seconds_bucket\{[^}]*operation="GetSecret"/,
  );
  assert.doesNotMatch(metrics.text, /sdk-props|page-0/, "no secret names in labels");
});

test("the log has one line per request with method, path, status and ms, and no secret value", async () => {
  const expected = sent.map((r) => `${r.method} ${r.path} ${r.status}`).sort();
  const lines = () =>
    logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry["path"] !== "/metrics" && entry["method"] !== undefined);
  await waitFor(() => lines().length >= expected.length, "a log line for every request");
  for (const entry of lines()) {
    assert.equal(typeof entry["method"], "string");
    assert.equal(typeof entry["path"], "string");
    assert.equal(typeof entry["status"], "number");
    assert.equal(typeof entry["ms"], "number");
  }
  const logged = lines().map(
    (e) => `${String(e["method"])} ${String(e["path"])} ${String(e["status"])}`,
  );
  // Multiset differences, short enough to read (a deepEqual diff of hundreds of lines is not).
  const missing = [...expected];
  const extra: string[] = [];
  for (const line of logged) {
    const at = missing.indexOf(line);
    if (at === -1) extra.push(line);
    else missing.splice(at, 1);
  }
  assert.deepEqual(
    { missing: missing.slice(0, 10), extra: extra.slice(0, 10) },
    { missing: [], extra: [] },
  );
  assert.ok(values.used.size > 50, `${values.used.size} values used`);
  assert.equal(values.leakIn(logLines.join("\n")), undefined, "no secret value in the log");
});
