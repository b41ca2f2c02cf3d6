import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, test } from "node:test";
import type { KeyClient } from "@azure/keyvault-keys";
import { seededRandom as prng } from "../test-support/seeded-random.js";
import {
  assertRefused,
  describeRequest,
  loggerInto,
  randomPicker,
} from "./test-support/bad-input.js";
import {
  keyVaultErrorCode,
  rawRequest,
  type RawRequest,
  type RawResponse,
} from "./test-support/raw-request.js";
import { startVaultFixture, type VaultFixture } from "./test-support/vault-fixture.js";

/**
 * Key requests the SDK would never send: malformed and mistyped bodies, key types, sizes and
 * curves Key Vault refuses, key material that does not add up, oversized bodies, bad paging and
 * methods, then a few hundred random ones. Every answer must be a 4xx in Key Vault's error shape,
 * nothing may echo or log private key material, and the vault must keep serving.
 */

const Q = "?api-version=7.5";

let fixture: VaultFixture;
let client: KeyClient;
let version = "";
const log: string[] = [];

/** Private JWKs made here, and the private parts whose echo the tests look for. */
const rsaJwk = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
  format: "jwk",
});
const ecJwk = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({
  format: "jwk",
});
const otherEcJwk = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({
  format: "jwk",
});
const smallRsaJwk = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({
  format: "jwk",
});
const privateParts = [rsaJwk.d, rsaJwk.p, ecJwk.d, otherEcJwk.d, smallRsaJwk.d].filter(
  (v): v is string => v !== undefined,
);

before(async () => {
  fixture = await startVaultFixture({ logger: loggerInto(log) });
  client = fixture.keyClient();
  version = (await client.createEcKey("bk-existing")).properties.version ?? "";
});

after(async () => {
  await fixture.close();
});

/** With the start of the body: the only key material in it is made by this file. */
const describe = (request: RawRequest): string =>
  `${describeRequest(request)} ${String(request.body ?? "").slice(0, 60)}`;

const leaked = (text: string): boolean =>
  privateParts.some((part) => text.includes(part.slice(0, 24)));

/** Refused as `assertRefused` checks, and without echoing any private key part. */
async function refused(request: RawRequest, status: number, code?: string): Promise<RawResponse> {
  const response = await assertRefused(fixture, request, status, code, describe);
  assert.ok(!leaked(response.text), `${describe(request)}: no private key part in the answer`);
  return response;
}

/** The vault still answers the SDK, still has its key, and still makes new ones. */
async function stillServing(): Promise<void> {
  const got = await client.getKey("bk-existing");
  assert.equal(got.properties.version, version);
  const fresh = await client.createEcKey("bk-after");
  assert.equal((await client.getKey("bk-after")).properties.version, fresh.properties.version);
}

const create = (body: unknown, name = "bk-x"): RawRequest => ({
  method: "POST",
  path: `/keys/${name}/create${Q}`,
  body: typeof body === "string" ? body : JSON.stringify(body),
});
const importing = (body: unknown, name = "bk-x"): RawRequest => ({
  method: "PUT",
  path: `/keys/${name}${Q}`,
  body: typeof body === "string" ? body : JSON.stringify(body),
});
const update = (body: unknown): RawRequest => ({
  method: "PATCH",
  path: `/keys/bk-existing/${version}${Q}`,
  body: typeof body === "string" ? body : JSON.stringify(body),
});

test("malformed JSON is 400 BadParameter on create, import and update", async () => {
  for (const body of [
    "{",
    "{bad json}",
    '{"kty":"RSA",}',
    "nul",
    '{"kty":"EC"} trailing',
    "\u0000",
  ]) {
    await refused(create(body), 400, "BadParameter");
    await refused(importing(body), 400, "BadParameter");
    await refused(update(body), 400, "BadParameter");
  }
  await stillServing();
});

test("unknown kty, bad sizes and curves, wrong types and limits are 400 BadParameter", async () => {
  const tooManyTags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, "v"]));
  const bodies: unknown[] = [
    {},
    [],
    null,
    "RSA",
    42,
    { kty: 5 },
    { kty: "rsa" },
    { kty: "DSA" },
    { kty: "oct" },
    { kty: "" },
    { kty: "RSA", key_size: 1024 },
    { kty: "RSA", key_size: 8192 },
    { kty: "RSA", key_size: "2048" },
    { kty: "RSA", key_size: 2048.5 },
    { kty: "RSA", public_exponent: -3 },
    { kty: "EC", crv: "P-192" },
    { kty: "EC", crv: "p-256" },
    { kty: "EC", crv: 256 },
    { kty: "EC", key_ops: ["fly"] },
    { kty: "EC", key_ops: "sign" },
    { kty: "EC", tags: tooManyTags },
    { kty: "EC", tags: { a: 1 } },
    { kty: "EC", attributes: "enabled" },
    { kty: "EC", attributes: { enabled: "yes" } },
    { kty: "EC", attributes: { exp: -1 } },
    { kty: "EC", attributes: { nbf: 1.5 } },
    { kty: "EC", attributes: { exportable: true } },
    { kty: "EC", release_policy: { data: "e30" } },
  ];
  for (const body of bodies) await refused(create(body), 400, "BadParameter");
  // Prototype poisoning is refused, not merged.
  await refused(create('{"kty":"EC","__proto__":{"polluted":true}}'), 400, "BadParameter");
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined);

  for (const body of [
    { key_ops: ["fly"] },
    { key_ops: "verify" },
    { attributes: { enabled: "no" } },
    { attributes: { exportable: true } },
    { tags: "x" },
    { release_policy: { data: "e30" } },
    [],
  ]) {
    await refused(update(body), 400, "BadParameter");
  }
  await refused(create({ kty: "RSA-HSM" }), 403, "Forbidden");
  await refused(create({ kty: "EC-HSM", crv: "P-256" }), 403, "Forbidden");
  await refused(create({ kty: "oct-HSM" }), 403, "Forbidden");
  await stillServing();
});

test("imported key material that is missing, malformed or does not add up is 400 BadParameter", async () => {
  const { d: _d, ...rsaPublic } = rsaJwk;
  const { d: _ecD, ...ecPublic } = ecJwk;
  const bodies: unknown[] = [
    {},
    { key: "x" },
    { key: null },
    { key: {} },
    { key: { kty: "RSA" } },
    { key: rsaPublic },
    { key: ecPublic },
    { key: { ...rsaJwk, n: "!!not base64url!!" } },
    { key: { ...rsaJwk, n: 12 } },
    { key: { ...rsaJwk, q: rsaJwk.p } },
    { key: { ...rsaJwk, n: "AQAB" } },
    { key: smallRsaJwk },
    { key: { ...ecJwk, crv: "P-192" } },
    { key: { ...ecJwk, crv: undefined } },
    { key: { ...ecJwk, x: otherEcJwk.x, y: otherEcJwk.y } },
    { key: { ...ecJwk, x: "AAAA" } },
    { key: { ...ecJwk, crv: "P-384" } },
    { key: { kty: "oct", k: "AAAAAAAAAAAAAAAAAAAAAA" } },
    { key: { kty: "DSA" } },
    { key: rsaJwk, Hsm: "yes" },
    { key: { ...rsaJwk, key_ops: ["fly"] } },
    { key: rsaJwk, attributes: { exportable: true } },
    { key: rsaJwk, tags: ["a"] },
  ];
  for (const body of bodies) await refused(importing(body), 400, "BadParameter");
  await refused(importing({ key: rsaJwk, Hsm: true }), 403, "Forbidden");
  await refused(importing({ key: { kty: "RSA-HSM", key_hsm: "AAAA" } }), 403, "Forbidden");
  await refused({ path: `/keys/bk-x${Q}` }, 404, "KeyNotFound");
  await stillServing();
});

test("bodies over 256 KiB are 413, with or without a Content-Length", async () => {
  const bigCreate = JSON.stringify({ kty: "EC", tags: { a: "x".repeat(300 * 1024) } });
  await refused(create(bigCreate), 413, "RequestBodyTooLarge");
  await refused(
    { ...create(bigCreate), headers: { "transfer-encoding": "chunked" } },
    413,
    "RequestBodyTooLarge",
  );
  const bigImport = JSON.stringify({ key: { ...rsaJwk, n: "A".repeat(300 * 1024) } });
  await refused(importing(bigImport), 413, "RequestBodyTooLarge");
  await refused(update(JSON.stringify({ tags: { a: "y".repeat(300 * 1024) } })), 413);
  // Under the body limit but over a key part's: a bad parameter.
  await refused(importing({ key: { ...rsaJwk, n: "A".repeat(4096) } }), 400, "BadParameter");
  await stillServing();
});

test("without a token the challenge comes before the body is read", async () => {
  for (const request of [
    { ...create("{not json"), bearer: false },
    { ...importing(JSON.stringify({ key: rsaJwk })), bearer: false },
    {
      ...create(JSON.stringify({ kty: "EC", tags: { a: "x".repeat(300 * 1024) } })),
      bearer: false,
    },
    { path: `/keys${Q}`, bearer: false },
  ]) {
    const response = await refused(request, 401, "Unauthorized");
    assert.match(String(response.headers["www-authenticate"]), /^Bearer authorization="/);
  }
  await refused({ path: `/keys/bk-existing` }, 400, "BadParameter");
});

test("bad names, maxresults, $skiptoken and methods on key paths are 4xx", async () => {
  for (const name of ["bad_name", "a".repeat(128), "dots.no"]) {
    await refused(create({ kty: "EC" }, name), 400, "BadParameter");
    await refused({ path: `/keys/${name}${Q}` }, 400, "BadParameter");
  }
  for (const list of ["/keys", "/keys/bk-existing/versions", "/deletedkeys"]) {
    for (const maxresults of ["0", "26", "abc", "-1", "1.5"]) {
      await refused({ path: `${list}${Q}&maxresults=${maxresults}` }, 400, "BadParameter");
    }
    await refused({ path: `${list}${Q}&$skiptoken=${encodeURIComponent("!!!")}` }, 400);
  }
  const foreign = Buffer.from("not-a-number", "utf8").toString("base64url");
  await refused({ path: `/keys/bk-existing/versions${Q}&$skiptoken=${foreign}` }, 400);

  const post = await refused(
    { method: "POST", path: `/keys/bk-existing${Q}`, body: "{}" },
    405,
    "MethodNotAllowed",
  );
  assert.deepEqual(String(post.headers["allow"]).split(/,\s*/).sort(), [
    "DELETE",
    "GET",
    "PATCH",
    "PUT",
  ]);
  const put = await refused(
    { method: "PUT", path: `/deletedkeys/bk-x/recover${Q}`, body: "{}" },
    405,
  );
  assert.equal(put.headers["allow"], "POST");
  await refused({ method: "GET", path: `/keys/bk-existing/create${Q}` }, 404, "KeyNotFound");
  await refused(
    { method: "POST", path: `/deletedkeys/bk-existing/recover${Q}` },
    404,
    "KeyNotFound",
  );
  await refused({ method: "DELETE", path: `/deletedkeys/bk-existing${Q}` }, 404, "KeyNotFound");
  await stillServing();
});

// ---- property-style: random requests never make a 5xx or stop the vault ----------------------

function randomRequest(random: () => number): RawRequest {
  const { pick, junk } = randomPicker(random);
  const name = pick(["bk-fuzz", "BK-FUZZ", "bk-fuzz-2", "bad_name", "%2e%2e", "%zz", "x"]);
  const path = pick([
    "/keys",
    `/keys/${name}`,
    `/keys/${name}/`,
    `/keys/${name}/create`,
    `/keys/${name}/${pick([version, "0".repeat(32), "latest", "%00"])}`,
    `/keys/${name}/versions`,
    "/deletedkeys",
    `/deletedkeys/${name}`,
    `/deletedkeys/${name}/recover`,
  ]);
  const query = pick([
    Q,
    "",
    `${Q}&maxresults=${pick(["1", "26", "x"])}`,
    `?api-version=${junk(6)}`,
  ]);
  const value = (depth: number): unknown => {
    const kind = Math.floor(random() * (depth > 2 ? 5 : 7));
    if (kind === 0) return null;
    if (kind === 1) return random() < 0.5;
    if (kind === 2) return pick([2048, 1024, 3072, -1, 0, 1.5, 65537]);
    if (kind === 3)
      return pick(["RSA", "EC", "RSA-HSM", "oct", "P-256", "P-256K", "sign", junk(12)]);
    if (kind === 4) return junk(30);
    if (kind === 5) return Array.from({ length: Math.floor(random() * 3) }, () => value(depth + 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(random() * 4) }, () => [
        pick([
          "kty",
          "crv",
          "key_size",
          "key_ops",
          "attributes",
          "tags",
          "enabled",
          "exp",
          junk(5),
        ]),
        value(depth + 1),
      ]),
    );
  };
  const body = pick<string | undefined>([
    undefined,
    "",
    JSON.stringify(value(0)),
    JSON.stringify({ kty: pick(["EC", "RSA", "EC-HSM", "oct"]), crv: value(3), key_ops: value(2) }),
    JSON.stringify({
      key: { ...pick([ecJwk, rsaJwk, otherEcJwk]), [pick(["x", "n", "d", "crv"])]: value(3) },
    }),
    JSON.stringify({ key: pick([ecJwk, rsaJwk]), attributes: value(2), tags: value(2) }),
    junk(64),
  ]);
  const method = pick(["GET", "PUT", "PATCH", "POST", "DELETE"]);
  const sendsBody = body !== undefined && method !== "GET";
  return {
    method,
    path: path + query,
    bearer: random() < 0.9,
    ...(sendsBody ? { body } : {}),
  };
}

test("a few hundred random key requests: never a 5xx, always Key Vault's error shape", async () => {
  await client.createEcKey("bk-fuzz");
  const random = prng(0x6b6579);
  const requests = Array.from({ length: 300 }, () => randomRequest(random));
  const concurrency = 6;
  for (let i = 0; i < requests.length; i += concurrency) {
    await Promise.all(
      requests.slice(i, i + concurrency).map(async (request) => {
        const response = await rawRequest(fixture, request);
        const what = describe(request);
        assert.ok(
          response.status >= 200 && response.status < 500,
          `${what} answered ${response.status}`,
        );
        if (response.status >= 400) {
          assert.doesNotThrow(() => keyVaultErrorCode(response), `${what}: Key Vault error shape`);
        }
        assert.ok(!leaked(response.text), `${what}: no private key part in the answer`);
      }),
    );
  }
  const metrics = await rawRequest(fixture, { path: "/metrics", bearer: false });
  assert.doesNotMatch(metrics.text, /status="5\d\d"/, "no 5xx was ever answered");
  await stillServing();
  assert.ok(log.length > requests.length, "every request was logged");
  assert.ok(!leaked(log.join("")), "no private key part in the log");
});
