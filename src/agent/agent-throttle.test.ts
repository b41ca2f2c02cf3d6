import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pino } from "pino";
import {
  management,
  waitUntil,
  webhookSubscription,
} from "../eventgrid/publisher/test-support/management.js";
import { createVaultClients, SdkObjectSource, type KeyVaultOperation } from "../keyvault/index.js";
import { SecretValue } from "../util/secret-value.js";
import { rawRequest, requestCount } from "../vault/test-support/raw-request.js";
import { startVaultFixture, type VaultFixture } from "../vault/test-support/vault-fixture.js";
import { startAgent, type RunningAgent } from "./index.js";
import { localClass } from "../spc/test-support/local-class.js";

/**
 * A 429 storm: the vault runs `--throttle 5 --throttle-retry-after 1` on a clock the test owns.
 * Outside the storm the clock ticks 10 s every 50 ms, so the 10 s window never fills; the storm
 * freezes it and fills the window, so every agent request is refused with Retry-After: 1 until
 * the clock moves again. A version written during the storm must wait for the storm to end,
 * the files must keep their last good content meanwhile, and the agent must back off.
 */

const LIMIT = 5;
const RETRY_AFTER_MS = 1_000;
/** Retries per call: the push read and each poll give up after this many attempts. */
const MAX_ATTEMPTS = 3;
const POLL_MS = 100;

let clock = 1_800_000_000;
let ticker: NodeJS.Timeout | undefined;
const tick = () => {
  ticker ??= setInterval(() => (clock += 10), 50).unref();
};
const freeze = () => {
  clearInterval(ticker);
  ticker = undefined;
};

let fixture: VaultFixture;
let agent: RunningAgent;
let dir: string;
const logLines: string[] = [];
/** Every attempt the agent's retry loop made, with its outcome and when. */
const attempts: { operation: KeyVaultOperation; status: string; at: number }[] = [];
/** Every wait the retry loop chose before a retry. */
const retries: { operation: KeyVaultOperation; delayMs: number; at: number }[] = [];

const spc = localClass("storm", ["objectName: stormy\nobjectType: secret"]);

before(async () => {
  tick();
  fixture = await startVaultFixture({
    throttle: LIMIT,
    throttleRetryAfter: 1,
    eventGrid: { retryScale: 0.001 },
    now: () => clock,
  });
  dir = await mkdtemp(join(tmpdir(), "kvsync-storm-"));
  const source = new SdkObjectSource({
    clientFor: createVaultClients({
      endpoints: new Map([["demo", fixture.vault.url]]),
      ca: fixture.ca,
      classes: [spc],
    }),
    policy: { baseMs: 20, maxMs: 200, maxAttempts: MAX_ATTEMPTS },
    onAttempt: (operation, status) => attempts.push({ operation, status, at: performance.now() }),
    onRetry: (operation, _attempt, delayMs) =>
      retries.push({ operation, delayMs, at: performance.now() }),
  });
  fixture.vault.store.setSecret("stormy", { value: new SecretValue("calm-1") });
  agent = await startAgent({
    targets: [{ spc, mountDir: dir }],
    vaultEndpoints: new Map([["demo", fixture.vault.url]]),
    ca: fixture.ca,
    webhook: { port: 0, host: "127.0.0.1", auth: { kind: "none" } },
    pollIntervalMs: POLL_MS,
    source,
    logger: pino({ level: "debug" }, { write: (line: string) => logLines.push(line) }),
  });
});

after(async () => {
  freeze();
  await agent.close();
  await management(fixture).delete("storm");
  await fixture.close();
  await rm(dir, { recursive: true, force: true });
});

const fileContent = () => readFile(join(dir, "stormy"), "utf8").catch(() => undefined);

test("a 429 storm: bounded retries after Retry-After, files kept, rotation lands after", async (t) => {
  await waitUntil(async () => (await fileContent()) === "calm-1", "the first sync", 10_000);
  await management(fixture).create("storm", webhookSubscription(`${agent.url}/api/events`));

  // The storm: a frozen clock and a full window. Nothing the agent sends can get through.
  freeze();
  clock += 10;
  for (let i = 0; ; i++) {
    assert.ok(i <= LIMIT, "the window never filled");
    const response = await rawRequest(fixture, { path: "/secrets?api-version=7.5" });
    if (response.status === 429) {
      assert.equal(response.headers["retry-after"], "1");
      break;
    }
  }
  const vault429 = async () =>
    (await requestCount(fixture, "GetSecret", 429)) +
    (await requestCount(fixture, "GetSecrets", 429));
  const vaultBefore = await vault429();
  const stormStart = performance.now();
  const firstAttempt = attempts.length;

  // Another writer rotates the secret behind the throttle (straight into the store): the event
  // reaches the agent, whose read of the new version is refused like everything else.
  const rotated = fixture.vault.store.setSecret("stormy", { value: new SecretValue("calm-2") });
  const during = () => attempts.slice(firstAttempt);
  const seen: (string | undefined)[] = [];
  await waitUntil(
    async () => {
      seen.push(await fileContent());
      const refused = during().filter((a) => a.status === "429");
      const pushGaveUp = logLines.some((l) => l.includes("cannot read the event's version"));
      return pushGaveUp && refused.filter((a) => a.operation !== "getSecret").length >= 4;
    },
    "the push read to give up and four refused polls",
    15_000,
  );
  const stormMs = performance.now() - stormStart;
  const stormAttempts = during();
  const vaultAfter = await vault429();

  // Files kept: every look at the file during the storm saw the last good content.
  assert.ok(seen.length > 10);
  assert.deepEqual(new Set(seen), new Set(["calm-1"]), "the file changed during the storm");
  assert.ok(
    stormAttempts.every((a) => a.status === "429"),
    "only 429s during the storm",
  );

  // Retry-After honoured: every wait the loop chose is at least the second the vault asked for,
  // and the reads of the event's version (one call chain) are at least that far apart.
  const stormRetries = retries.filter((r) => r.at >= stormStart);
  assert.ok(stormRetries.length > 0);
  for (const r of stormRetries) assert.ok(r.delayMs >= RETRY_AFTER_MS, `a ${r.delayMs} ms wait`);
  const reads = stormAttempts.filter((a) => a.operation === "getSecret");
  assert.equal(reads.length, MAX_ATTEMPTS, "the push read: its attempts, then it gave up");
  for (let i = 1; i < reads.length; i++) {
    const gap = (reads[i]?.at ?? 0) - (reads[i - 1]?.at ?? 0);
    assert.ok(gap >= RETRY_AFTER_MS - 5, `two reads ${gap.toFixed(0)} ms apart`);
  }

  // Bounded: each call chain (the push read, each poll) makes at most MAX_ATTEMPTS attempts,
  // ≥ 1 s apart, and a poll starts only after the previous one ended: about one request per
  // second per chain, never the 10 per second the 100 ms poll would make unthrottled.
  const seconds = stormMs / 1000;
  const bound = Math.ceil(2 * (seconds + 1));
  assert.ok(
    stormAttempts.length <= bound,
    `${stormAttempts.length} requests in ${seconds.toFixed(1)} s (bound ${bound})`,
  );
  assert.equal(vaultAfter - vaultBefore, stormAttempts.length, "the vault counted the same 429s");

  // The storm ends: the window frees, the next poll reads the rotation.
  const calm = performance.now();
  tick();
  clock += 10;
  await waitUntil(async () => (await fileContent()) === "calm-2", "the rotation after", 10_000);
  const landedMs = performance.now() - calm;
  // At worst the poll was asleep for one Retry-After, then one poll interval and the reads.
  assert.ok(landedMs < RETRY_AFTER_MS + 2_000, `landed ${landedMs.toFixed(0)} ms after the storm`);
  assert.ok(rotated.version !== "");
  t.diagnostic(
    `${stormAttempts.length} refused requests in ${seconds.toFixed(1)} s of storm ` +
      `(${reads.length} reads of the new version); rotation landed ${landedMs.toFixed(0)} ms after`,
  );
});
