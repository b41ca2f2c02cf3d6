import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import {
  SignJWT,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from "jose";
import { EVENT_GRID_APP_ID, SECURE_WEBHOOK_ROLE, type EntraAuthOptions } from "./index.js";
import {
  CLOUD_EVENT_HEADERS,
  EVENT_GRID_HEADERS,
  EVENT_GRID_SECRET_NEW_VERSION,
  SUBSCRIPTION_VALIDATION,
  VALIDATION_CODE,
  VALIDATION_HEADERS,
} from "./test-support/payloads.js";
import { receiverFixture, type ReceiverFixture } from "./test-support/receiver-fixture.js";

/**
 * Entra ID tokens minted here with a locally generated RS256 key pair, in the shapes Entra issues
 * (v1: sts.windows.net issuer and `appid`; v2: login.microsoftonline.com/.../v2.0 and `azp`).
 */

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID = "0c5f1e54-3c8d-4a1f-9a57-5f4b0f0a2b11";
const APP_ID_URI = "api://kvsync-webhook";
const V1_ISSUER = `https://sts.windows.net/${TENANT}/`;
const V2_ISSUER = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const NOW = 1_767_225_600; // 2026-01-01T00:00:00Z
const KID = "test-key";

let signingKey: CryptoKey;
let otherKey: CryptoKey;
let publicJwk: JWK;

before(async () => {
  const pair = await generateKeyPair("RS256", { extractable: true });
  signingKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: "RS256", use: "sig" };
  otherKey = (await generateKeyPair("RS256")).privateKey;
});

/**
 * Claims of a real v1 Event Grid delivery token, plus overrides; an undefined claim is left out
 * of the token (JSON drops it).
 */
function v1Claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const claims: Record<string, unknown> = {
    aud: CLIENT_ID,
    iss: V1_ISSUER,
    iat: NOW - 60,
    nbf: NOW - 60,
    exp: NOW + 86_340,
    tid: TENANT,
    appid: EVENT_GRID_APP_ID,
    appidacr: "2",
    idp: V1_ISSUER,
    oid: "8b4c6b26-3f7f-4ad8-8d2b-8e8a0d4f5f71",
    sub: "8b4c6b26-3f7f-4ad8-8d2b-8e8a0d4f5f71",
    roles: [SECURE_WEBHOOK_ROLE],
    ver: "1.0",
    ...overrides,
  };
  return claims;
}

function v2Claims(overrides: Record<string, unknown> = {}): JWTPayload {
  return v1Claims({
    iss: V2_ISSUER,
    idp: undefined,
    appid: undefined,
    appidacr: undefined,
    azp: EVENT_GRID_APP_ID,
    azpacr: "2",
    ver: "2.0",
    ...overrides,
  });
}

function mint(claims: JWTPayload, key: CryptoKey = signingKey): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "RS256", typ: "JWT", kid: KID }).sign(key);
}

function entraReceiver(overrides: Partial<EntraAuthOptions> = {}): Promise<ReceiverFixture> {
  return receiverFixture({
    auth: {
      kind: "entra",
      tenantId: TENANT,
      audiences: [CLIENT_ID, APP_ID_URI],
      getKey: createLocalJWKSet({ keys: [publicJwk] }),
      ...overrides,
    },
    now: () => new Date(NOW * 1000),
  });
}

async function deliver(fx: ReceiverFixture, authorization?: string) {
  return fx.post(EVENT_GRID_SECRET_NEW_VERSION, {
    ...EVENT_GRID_HEADERS,
    ...(authorization === undefined ? {} : { authorization }),
  });
}

describe("accepted tokens", () => {
  const cases: [string, () => JWTPayload][] = [
    ["a v1 token (sts.windows.net, appid)", () => v1Claims()],
    ["a v2 token (login.microsoftonline.com/v2.0, azp)", () => v2Claims()],
    ["a token for the App ID URI", () => v1Claims({ aud: APP_ID_URI })],
    ["a token expired 4 minutes ago (clock skew)", () => v1Claims({ exp: NOW - 240 })],
    ["a token with more roles", () => v1Claims({ roles: ["Other", SECURE_WEBHOOK_ROLE] })],
  ];
  for (const [name, claims] of cases) {
    test(`delivers with ${name}`, async () => {
      const fx = await entraReceiver();
      const response = await deliver(fx, `Bearer ${await mint(claims())}`);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal((await fx.waitForEvents(1)).length, 1);
    });
  }
});

describe("refused tokens", () => {
  const cases: [string, () => Promise<string | undefined>][] = [
    ["no Authorization header", () => Promise.resolve(undefined)],
    ["an empty Authorization header", () => Promise.resolve("")],
    ["another scheme", async () => `Basic ${await mint(v1Claims())}`],
    ["a token that is not a JWT", () => Promise.resolve("Bearer not.a.jwt")],
    ["an expired token", async () => `Bearer ${await mint(v1Claims({ exp: NOW - 600 }))}`],
    ["a token not yet valid", async () => `Bearer ${await mint(v1Claims({ nbf: NOW + 600 }))}`],
    ["a token without exp", async () => `Bearer ${await mint(v1Claims({ exp: undefined }))}`],
    [
      "a wrong audience",
      async () => `Bearer ${await mint(v1Claims({ aud: "https://management.azure.com" }))}`,
    ],
    [
      "a wrong issuer",
      async () => `Bearer ${await mint(v1Claims({ iss: "https://evil.example/" }))}`,
    ],
    [
      "another tenant's issuer",
      async () =>
        `Bearer ${await mint(v1Claims({ iss: "https://sts.windows.net/00000000-0000-0000-0000-000000000000/" }))}`,
    ],
    [
      "another tenant's tid",
      async () => `Bearer ${await mint(v1Claims({ tid: "00000000-0000-0000-0000-000000000000" }))}`,
    ],
    ["no tid", async () => `Bearer ${await mint(v1Claims({ tid: undefined }))}`],
    ["no roles", async () => `Bearer ${await mint(v1Claims({ roles: undefined }))}`],
    ["another role", async () => `Bearer ${await mint(v1Claims({ roles: ["Reader"] }))}`],
    [
      "the role as a string",
      async () => `Bearer ${await mint(v1Claims({ roles: SECURE_WEBHOOK_ROLE }))}`,
    ],
    ["another app (v1 appid)", async () => `Bearer ${await mint(v1Claims({ appid: CLIENT_ID }))}`],
    ["another app (v2 azp)", async () => `Bearer ${await mint(v2Claims({ azp: CLIENT_ID }))}`],
    ["no caller app", async () => `Bearer ${await mint(v1Claims({ appid: undefined }))}`],
    ["a bad signature", async () => `Bearer ${await mint(v1Claims(), otherKey)}`],
    [
      "a tampered payload",
      async () => {
        const [header, , signature] = (await mint(v1Claims())).split(".");
        const payload = Buffer.from(JSON.stringify(v1Claims({ tid: TENANT, oid: "x" }))).toString(
          "base64url",
        );
        return `Bearer ${header}.${payload}.${signature}`;
      },
    ],
  ];
  for (const [name, authorization] of cases) {
    test(`401 for ${name}`, async () => {
      const fx = await entraReceiver();
      const response = await deliver(fx, await authorization());
      assert.equal(response.statusCode, 401);
      assert.deepEqual(response.json(), { error: "unauthorized" });
      assert.equal(response.headers["www-authenticate"], "Bearer");
      assert.equal(fx.events.length, 0);
    });
  }

  test("accepts a US Gov Event Grid app only when allowed", async () => {
    const govAppId = "54316b56-3481-47f9-8f30-0300f5542a7b";
    const token = `Bearer ${await mint(v1Claims({ appid: govAppId }))}`;
    assert.equal((await deliver(await entraReceiver(), token)).statusCode, 401);
    const fx = await entraReceiver({ allowedAppIds: [govAppId] });
    assert.equal((await deliver(fx, token)).statusCode, 200);
  });
});

describe("handshakes and errors without a token", () => {
  test("answers the validation handshake without a token", async () => {
    const fx = await entraReceiver();
    const response = await fx.post(SUBSCRIPTION_VALIDATION, VALIDATION_HEADERS);
    assert.deepEqual(response.json(), { validationResponse: VALIDATION_CODE });
  });

  test("grants CloudEvents consent without a token", async () => {
    const fx = await entraReceiver();
    const response = await fx.app.inject({
      method: "OPTIONS",
      url: "/api/events",
      headers: { "webhook-request-origin": "eventgrid.azure.net" },
    });
    assert.equal(response.headers["webhook-allowed-origin"], "eventgrid.azure.net");
  });

  test("does not let a validation header carry events past the token check", async () => {
    const fx = await entraReceiver();
    const response = await fx.post(EVENT_GRID_SECRET_NEW_VERSION, VALIDATION_HEADERS);
    assert.equal(response.statusCode, 401);
  });

  test("answers 401, not a parse or media type error, to an unauthenticated request", async () => {
    const fx = await entraReceiver();
    assert.equal((await fx.post("{nope", EVENT_GRID_HEADERS)).statusCode, 401);
    assert.equal((await fx.post("x", { "content-type": "text/plain" })).statusCode, 401);
    assert.equal((await fx.post("{}", CLOUD_EVENT_HEADERS)).statusCode, 401);
  });
});

describe("signing keys over loopback", () => {
  let jwksUrl = "";
  let fetches = 0;
  const server = createServer((request, response) => {
    fetches++;
    if (request.url !== "/keys") {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ keys: [publicJwk] }));
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
  });
  after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  );

  test("fetches the tenant's key set from the JWKS URL and caches it", async () => {
    const fx = await receiverFixture({
      auth: { kind: "entra", tenantId: TENANT, audiences: [CLIENT_ID], jwksUrl },
      now: () => new Date(NOW * 1000),
    });
    const before = fetches;
    for (const id of ["a", "b"]) {
      const body = EVENT_GRID_SECRET_NEW_VERSION.replace(
        "2f7d3c9e-6a51-4c1b-9f0e-3b8a7d2e1c44",
        id,
      );
      const response = await fx.post(body, {
        ...EVENT_GRID_HEADERS,
        authorization: `Bearer ${await mint(v1Claims())}`,
      });
      assert.equal(response.statusCode, 200);
    }
    assert.equal((await fx.waitForEvents(2)).length, 2);
    assert.equal(fetches - before, 1);
  });

  test("answers 503 (retried), not 401 (dropped), when the key set cannot be fetched", async () => {
    const fx = await receiverFixture({
      auth: {
        kind: "entra",
        tenantId: TENANT,
        audiences: [CLIENT_ID],
        jwksUrl: `${jwksUrl}-missing`,
      },
      now: () => new Date(NOW * 1000),
    });
    const response = await deliver(fx, `Bearer ${await mint(v1Claims())}`);
    assert.equal(response.statusCode, 503);
    assert.deepEqual(Object.keys(response.json()), ["error"]);
    // and a token naming no key of a reachable set is the token's fault
    const reachable = await receiverFixture({
      auth: { kind: "entra", tenantId: TENANT, audiences: [CLIENT_ID], jwksUrl },
      now: () => new Date(NOW * 1000),
    });
    const token = await new SignJWT(v1Claims())
      .setProtectedHeader({ alg: "RS256", kid: "unknown-key" })
      .sign(signingKey);
    assert.equal((await deliver(reachable, `Bearer ${token}`)).statusCode, 401);
  });
});
