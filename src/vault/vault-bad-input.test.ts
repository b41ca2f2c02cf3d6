import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { SecretClient } from "@azure/keyvault-secrets";
import {
  assertRefused,
  describeRequest as describe,
  loggerInto,
  randomPicker,
} from "./test-support/bad-input.js";
import {
  keyVaultErrorCode,
  rawRequest,
  type RawRequest,
  type RawResponse,
} from "./test-support/raw-request.js";
import { assertValue, TestValues } from "./test-support/secret-assertions.js";
import { startVaultFixture, type VaultFixture } from "./test-support/vault-fixture.js";
import { seededRandom as prng } from "../test-support/seeded-random.js";

/**
 * Requests the SDK would never send: malformed and mistyped bodies, oversized bodies, wrong
 * content types, methods and query parameters, then a few hundred random ones. Every answer must
 * be a 4xx in Key Vault's error shape, and the vault must keep serving.
 */

const Q = "?api-version=7.5";

let fixture: VaultFixture;
let client: SecretClient;
let version = "";
const values = new TestValues();

const log: string[] = [];

before(async () => {
  fixture = await startVaultFixture({ logger: loggerInto(log) });
  client = fixture.client();
  version =
    (await client.setSecret("bi-existing", values.next("existing"))).properties.version ?? "";
});

after(async () => {
  await fixture.close();
});

const refused = (request: RawRequest, status: number, code?: string): Promise<RawResponse> =>
  assertRefused(fixture, request, status, code);

/** The vault still answers the SDK and still has the value it had. */
async function stillServing(): Promise<void> {
  const got = await client.getSecret("bi-existing");
  assert.equal(got.properties.version, version);
  const value = values.next("after");
  await client.setSecret("bi-after", value);
  assertValue((await client.getSecret("bi-after")).value, value, "written after bad input");
}

const put = (body: string, name = "bi-x"): RawRequest => ({
  method: "PUT",
  path: `/secrets/${name}${Q}`,
  body,
});

test("malformed JSON is 400 BadParameter", async () => {
  for (const body of [
    "{",
    "{bad json}",
    '{"value":"x",}',
    "nul",
    '{"value":"x"} trailing',
    "\u0000",
  ]) {
    await refused(put(body), 400, "BadParameter");
  }
  await refused(
    { method: "PATCH", path: `/secrets/bi-existing/${version}${Q}`, body: "{" },
    400,
    "BadParameter",
  );
  await stillServing();
});

test("JSON of the wrong types or beyond Key Vault's limits is 400 BadParameter", async () => {
  const tooManyTags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, "v"]));
  const bodies: unknown[] = [
    { value: 5 },
    {},
    [],
    "just a string",
    null,
    42,
    { value: null },
    { value: "v", tags: "x" },
    { value: "v", tags: { a: 1 } },
    { value: "v", tags: ["a"] },
    { value: "v", tags: tooManyTags },
    { value: "v", tags: { ["k".repeat(513)]: "v" } },
    { value: "v", contentType: 7 },
    { value: "v", contentType: "c".repeat(256) },
    { value: "v", attributes: "enabled" },
    { value: "v", attributes: { enabled: "yes" } },
    { value: "v", attributes: { nbf: -1 } },
    { value: "v", attributes: { exp: 1.5 } },
    { value: "v", attributes: { exp: "2030-01-01" } },
  ];
  for (const body of bodies) {
    await refused(put(JSON.stringify(body)), 400, "BadParameter");
  }
  // Prototype poisoning is refused, not merged.
  await refused(put('{"value":"v","__proto__":{"polluted":true}}'), 400, "BadParameter");
  await refused(
    put('{"value":"v","constructor":{"prototype":{"polluted":true}}}'),
    400,
    "BadParameter",
  );
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined);

  for (const body of [
    { attributes: { enabled: "no" } },
    { tags: "x" },
    { contentType: false },
    [],
  ]) {
    await refused(
      { method: "PATCH", path: `/secrets/bi-existing/${version}${Q}`, body: JSON.stringify(body) },
      400,
      "BadParameter",
    );
  }
  for (const body of [{ value: 5 }, {}, { value: "" }, { value: "!!not a backup!!" }]) {
    await refused(
      { method: "POST", path: `/secrets/restore${Q}`, body: JSON.stringify(body) },
      400,
      "BadParameter",
    );
  }
  await stillServing();
});

test("bodies over 256 KiB are 413, with or without a Content-Length", async () => {
  const big = JSON.stringify({ value: "x".repeat(300 * 1024) });
  await refused(put(big), 413, "RequestBodyTooLarge");
  await refused(
    { ...put(big), headers: { "transfer-encoding": "chunked" } },
    413,
    "RequestBodyTooLarge",
  );
  // Restores carry up to 500 versions and may be larger; a large bad one is a 400, not a 413.
  await refused(
    {
      method: "POST",
      path: `/secrets/restore${Q}`,
      body: JSON.stringify({ value: "A".repeat(1024 * 1024) }),
    },
    400,
    "BadParameter",
  );
  await stillServing();
});

test("bodies that are not JSON are 415", async () => {
  for (const contentType of [
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/xml",
  ]) {
    await refused(
      { ...put("value=secret"), headers: { "content-type": contentType } },
      415,
      "UnsupportedMediaType",
    );
  }
  await stillServing();
});

test("unknown routes are 404, known paths with another method 405 with Allow", async () => {
  for (const path of ["/nothing", "/secrets/a/b/c", "/certificates/c/a/b", "/"]) {
    await refused({ path: `${path}${Q}` }, 404, "NotFound");
  }
  const post = await refused(
    { method: "POST", path: `/secrets/bi-existing${Q}`, body: "{}" },
    405,
    "MethodNotAllowed",
  );
  const allowed = String(post.headers["allow"]).split(/,\s*/).sort();
  assert.deepEqual(allowed, ["DELETE", "GET", "PATCH", "PUT"]);
  const del = await refused({ method: "DELETE", path: `/secrets${Q}` }, 405, "MethodNotAllowed");
  assert.equal(del.headers["allow"], "GET");
  const put405 = await refused(
    { method: "PUT", path: `/deletedsecrets/bi-x/recover${Q}`, body: "{}" },
    405,
  );
  assert.equal(put405.headers["allow"], "POST");
  await stillServing();
});

test("bad maxresults, $skiptoken and api-version are 400", async () => {
  for (const list of ["/secrets", "/secrets/bi-existing/versions", "/deletedsecrets"]) {
    for (const maxresults of ["0", "26", "abc", "-1", "1.5", "1e1x"]) {
      await refused({ path: `${list}${Q}&maxresults=${maxresults}` }, 400, "BadParameter");
    }
    for (const token of ["!!!", "%25%25", "not base64 at all"]) {
      await refused(
        { path: `${list}${Q}&$skiptoken=${encodeURIComponent(token)}` },
        400,
        "BadParameter",
      );
    }
  }
  // A well-formed token that is not a cursor this list made.
  const foreign = Buffer.from("not-a-number", "utf8").toString("base64url");
  await refused(
    { path: `/secrets/bi-existing/versions${Q}&$skiptoken=${foreign}` },
    400,
    "BadParameter",
  );
  for (const apiVersion of ["", "latest", "7", "2025-7-1", "7.5;drop"]) {
    await refused({ path: `/secrets/bi-existing?api-version=${apiVersion}` }, 400, "BadParameter");
  }
  await stillServing();
});

test("URLs the router itself refuses still get Key Vault's error shape", async () => {
  await refused({ path: `/secrets/%E0%A4%A${Q}` }, 400, "BadParameter");
  await refused({ path: `/secrets/%zz${Q}` }, 400, "BadParameter");
  await refused({ path: `/secrets/${"a".repeat(2_000)}${Q}` }, 400, "BadParameter");
  await refused({ path: `/secrets/${"a".repeat(101)}${Q}` }, 404, "SecretNotFound");
  await stillServing();
});

// ---- property-style: random requests never make a 5xx or stop the vault ----------------------

function randomRequest(random: () => number, fuzzVersion: string): RawRequest {
  const { pick, junk } = randomPicker(random);
  const name = pick([
    "bi-fuzz",
    "BI-FUZZ",
    "bi-fuzz-2",
    "bad_name",
    "a".repeat(128),
    "%2e%2e",
    "%C3%A9",
    "%zz",
    "..",
    encodeURIComponent(junk(12)) || "x",
  ]);
  const versionPart = pick([fuzzVersion, "0".repeat(32), "latest", "", "%00"]);
  const path = pick([
    "/secrets",
    `/secrets/${name}`,
    `/secrets/${name}/`,
    `/secrets/${name}/${versionPart}`,
    `/secrets/${name}/versions`,
    `/secrets/${name}/backup`,
    "/secrets/restore",
    "/deletedsecrets",
    `/deletedsecrets/${name}`,
    `/deletedsecrets/${name}/recover`,
    `//secrets//${name}`,
    `/${encodeURIComponent(junk(20))}`,
    "/metrics/x",
  ]);
  const query = pick([
    Q,
    "",
    "?api%2Dversion=7.6",
    `${Q}&maxresults=${pick(["1", "25", "26", "0", "x", ""])}`,
    `${Q}&$skiptoken=${encodeURIComponent(junk(16))}`,
    `?api-version=${encodeURIComponent(junk(10))}`,
    `${Q}&${encodeURIComponent(junk(8))}=${encodeURIComponent(junk(8))}`,
  ]);
  const jsonValue = (depth: number): unknown => {
    const kind = Math.floor(random() * (depth > 2 ? 5 : 7));
    if (kind === 0) return null;
    if (kind === 1) return random() < 0.5;
    if (kind === 2) return Math.floor(random() * 2e9) - 1e9;
    if (kind === 3) return junk(30);
    if (kind === 4) return random() * 1e6;
    if (kind === 5)
      return Array.from({ length: Math.floor(random() * 4) }, () => jsonValue(depth + 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(random() * 4) }, () => [
        pick(["value", "tags", "attributes", "contentType", "enabled", "nbf", "exp", junk(6)]),
        jsonValue(depth + 1),
      ]),
    );
  };
  const body = pick<string | undefined>([
    undefined,
    "",
    JSON.stringify(jsonValue(0)),
    JSON.stringify({ value: values.next("fuzz"), tags: jsonValue(2), attributes: jsonValue(2) }),
    JSON.stringify({ value: values.next("fuzz"), contentType: jsonValue(3) }),
    junk(64),
  ]);
  const contentType = pick([
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/octet-stream",
    undefined,
  ]);
  const method = pick(["GET", "PUT", "PATCH", "POST", "DELETE", "HEAD", "OPTIONS"]);
  // Mostly authorised, so that most requests get past the challenge to the routes.
  const auth =
    random() < 0.75
      ? "Bearer local-test-token"
      : pick<string | undefined>([undefined, "Bearer", `Bearer ${junk(10)}`, "Basic Zm9vOmJhcg=="]);
  const sendsBody = body !== undefined && method !== "GET" && method !== "HEAD";
  return {
    method,
    path: path + query,
    bearer: false,
    headers: {
      ...(auth === undefined ? {} : { authorization: auth }),
      ...(contentType === undefined || !sendsBody ? {} : { "content-type": contentType }),
    },
    ...(sendsBody ? { body } : {}),
  };
}

test("a few hundred random requests: never a 5xx, always Key Vault's error shape", async () => {
  // The random requests may change or delete bi-fuzz; bi-existing stays out of their reach.
  const set = await client.setSecret("bi-fuzz", values.next("fuzz"));
  const random = prng(0x6b7673);
  const requests = Array.from({ length: 400 }, () =>
    randomRequest(random, set.properties.version ?? ""),
  );
  const concurrency = 8;
  for (let i = 0; i < requests.length; i += concurrency) {
    await Promise.all(
      requests.slice(i, i + concurrency).map(async (request) => {
        const response = await rawRequest(fixture, request);
        const what = describe(request);
        assert.ok(
          response.status >= 200 && response.status < 500,
          `${what} answered ${response.status}`,
        );
        if (response.status >= 400 && request.method !== "HEAD") {
          assert.doesNotThrow(() => keyVaultErrorCode(response), `${what}: Key Vault error shape`);
          assert.equal(values.leakIn(response.text), undefined, `${what}: error echoes no value`);
        }
      }),
    );
  }
  const metrics = await rawRequest(fixture, { path: "/metrics", bearer: false });
  assert.doesNotMatch(metrics.text, /status="5\d\d"/, "no 5xx was ever answered");
  await stillServing();
  assert.ok(log.length > requests.length, "every request was logged");
  assert.equal(values.leakIn(log.join("")), undefined, "no secret value in the log");
});
