import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import {
  keyVaultErrorCode,
  rawRequest,
  requestCount,
  type RawResponse,
} from "./test-support/raw-request.js";
import { assertRestError, assertValue, TestValues } from "./test-support/secret-assertions.js";
import { startVaultFixture, type VaultFixture } from "./test-support/vault-fixture.js";

/**
 * `--throttle 5`: the SDK's own retry policy against the vault's 429s. The vaults run on a
 * frozen clock, so a full window stays full until a test moves the clock past it.
 */

const WINDOW_SECONDS = 10;
let clock = 1_800_000_000;
let retrying: VaultFixture;
let bare: VaultFixture;
const values = new TestValues();

before(async () => {
  const now = () => clock;
  [retrying, bare] = await Promise.all([
    startVaultFixture({ throttle: 5, throttleRetryAfter: 1, now }),
    startVaultFixture({ throttle: 5, throttleRetryAfter: "none", now }),
  ]);
});

after(async () => {
  await Promise.all([retrying.close(), bare.close()]);
});

/** Spends what is left of the window with hand-made requests; returns the first 429. */
async function exhaust(fixture: VaultFixture): Promise<RawResponse> {
  for (let i = 0; i <= 5; i++) {
    const response = await rawRequest(fixture, { path: "/secrets?api-version=7.5" });
    if (response.status === 429) return response;
    assert.equal(response.status, 200);
  }
  throw new Error("the window never filled");
}

/** A per-retry policy that moves the clock past the window whenever a 429 comes back. */
const freeWindowOn429: { policy: PipelinePolicy; position: "perRetry" } = {
  position: "perRetry",
  policy: {
    name: "kvsyncTestFreeWindow",
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status === 429) clock += WINDOW_SECONDS;
      return response;
    },
  },
};

test("a 429 carries Retry-After and Key Vault's Throttled error", async () => {
  const refused = await exhaust(retrying);
  assert.equal(refused.headers["retry-after"], "1");
  assert.equal(keyVaultErrorCode(refused), "Throttled");
  assert.match(refused.text, /VaultRequestTypeLimitReached/);
  const metrics = await rawRequest(retrying, { path: "/metrics", bearer: false });
  assert.equal(metrics.status, 200, "metrics are never throttled");
  clock += WINDOW_SECONDS;
});

test("the SDK retries a 429 after Retry-After and succeeds once the window frees", async () => {
  const client = retrying.client({ additionalPolicies: [freeWindowOn429] });
  const value = values.next("throttled");
  await client.setSecret("throttled", value);
  await exhaust(retrying);
  const before429 = await requestCount(retrying, "GetSecret", 429);
  const before200 = await requestCount(retrying, "GetSecret", 200);

  const got = await client.getSecret("throttled");

  assertValue(got.value, value, "read after a retry");
  assert.equal(await requestCount(retrying, "GetSecret", 429), before429 + 1, "one 429 answered");
  assert.equal(await requestCount(retrying, "GetSecret", 200), before200 + 1, "then one 200");
});

test("the SDK gives up with 429 Throttled when the window stays full", async () => {
  const client = retrying.client({ retryOptions: { maxRetries: 1 } });
  await client.setSecret("still-throttled", values.next("still"));
  await exhaust(retrying);
  const before429 = await requestCount(retrying, "GetSecret", 429);
  const error = await assertRestError(
    client.getSecret("still-throttled"),
    429,
    "Throttled",
    "full window",
  );
  assert.match(error.message, /too many requests/);
  assert.equal(
    await requestCount(retrying, "GetSecret", 429),
    before429 + 2,
    "the first try and one retry",
  );
  clock += WINDOW_SECONDS;
});

test('throttleRetryAfter "none": a bare 429, which the SDK does not retry', async () => {
  const client = bare.client();
  await client.setSecret("bare", values.next("bare"));
  const refused = await exhaust(bare);
  assert.equal(refused.headers["retry-after"], undefined);
  assert.equal(keyVaultErrorCode(refused), "Throttled");
  const before429 = await requestCount(bare, "GetSecret", 429);
  await assertRestError(client.getSecret("bare"), 429, "Throttled", "bare 429");
  assert.equal(
    await requestCount(bare, "GetSecret", 429),
    before429 + 1,
    "failed at once, not retried",
  );
  clock += WINDOW_SECONDS;
});
