import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pino } from "pino";
import {
  management,
  waitUntil,
  webhookSubscription,
} from "../eventgrid/publisher/test-support/management.js";
import {
  startWebhookRecorder,
  type WebhookRecorder,
} from "../eventgrid/publisher/test-support/webhook-recorder.js";
import { SecretValue } from "../util/secret-value.js";
import {
  dueExpiryNotices,
  ExpiryScheduler,
  NEAR_EXPIRY_SECONDS,
  type ExpiryNotice,
} from "./expiry-events.js";
import { generateKey } from "./key-material.js";
import { KeyStore, openDatabase, SecretStore, type SecretVersion } from "./store/index.js";
import { startVaultFixture, type VaultFixture } from "./test-support/vault-fixture.js";

/**
 * SecretNearExpiry (30 days before exp) and SecretExpired (at exp), and their Key twins: once per
 * version, from a periodic scan whose memory survives restarts. First the scheduler on its own
 * database with a clock the test moves, then the whole vault delivering them to a webhook.
 */

const DAY = 86_400;
const NEAR = "Microsoft.KeyVault.SecretNearExpiry";
const EXPIRED = "Microsoft.KeyVault.SecretExpired";
const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z

function version(name: string, exp: number | undefined): SecretVersion {
  return {
    name,
    version: `${name}-v`,
    value: new SecretValue("v"),
    contentType: undefined,
    tags: {},
    enabled: true,
    nbf: undefined,
    exp,
    created: T0,
    updated: T0,
    kid: undefined,
    managed: false,
  };
}

test("dueExpiryNotices: near expiry from 30 days before exp, expired from exp, each once", () => {
  const none = () => false;
  const kinds = (notices: ExpiryNotice[]) => notices.map((n) => `${n.version.name} ${n.type}`);
  const candidates = [
    version("undated", undefined),
    version("far", T0 + NEAR_EXPIRY_SECONDS + 1),
    version("edge", T0 + NEAR_EXPIRY_SECONDS),
    version("soon", T0 + 10 * DAY),
    version("now", T0),
    version("past", T0 - DAY),
  ];
  assert.deepEqual(kinds(dueExpiryNotices(candidates, T0, none)), [
    `edge ${NEAR}`,
    `soon ${NEAR}`,
    `now ${NEAR}`,
    `now ${EXPIRED}`,
    `past ${NEAR}`,
    `past ${EXPIRED}`,
  ]);
  const sent = new Set([`now-v:${NEAR}`, `past-v:${NEAR}`, `past-v:${EXPIRED}`, `soon-v:${NEAR}`]);
  assert.deepEqual(kinds(dueExpiryNotices(candidates, T0, (key) => sent.has(key))), [
    `edge ${NEAR}`,
    `now ${EXPIRED}`,
  ]);
});

test("ExpiryScheduler: each notice once per version, across scans and a restart", async () => {
  const dir = await mkdtemp(join(tmpdir(), "kvsync-expiry-"));
  let now = T0;
  const emitted: string[] = [];
  const open = () => {
    const db = openDatabase(dir);
    const store = new SecretStore(db, { now: () => now, retentionDays: 7 });
    const scheduler = new ExpiryScheduler({
      db,
      sources: [
        { objectType: "Secret", listExpiring: (until) => store.listExpiringSecrets(until) },
      ],
      now: () => now,
      logger: pino({ level: "silent" }),
      emit: (notice) =>
        emitted.push(`${notice.version.name}/${notice.version.version} ${notice.type}`),
    });
    return { db, store, scheduler };
  };
  try {
    let { db, store, scheduler } = open();
    const soon = store.setSecret("soon", {
      value: new SecretValue("v"),
      attributes: { exp: now + 10 * DAY },
    });
    const later = store.setSecret("later", {
      value: new SecretValue("v"),
      attributes: { exp: now + 45 * DAY },
    });
    const off = store.setSecret("off", {
      value: new SecretValue("v"),
      attributes: { exp: now + 5 * DAY, enabled: false },
    });
    store.setSecret("undated", { value: new SecretValue("v") });
    const gone = store.setSecret("gone", {
      value: new SecretValue("v"),
      attributes: { exp: now + DAY },
    });
    store.deleteSecret(gone.name);

    assert.equal(scheduler.scan(), 2);
    // Disabled versions raise them too, as in Azure; a deleted secret does not.
    assert.deepEqual(emitted.sort(), [
      `off/${off.version} ${NEAR}`,
      `soon/${soon.version} ${NEAR}`,
    ]);
    assert.equal(scheduler.scan(), 0, "a second scan repeats nothing");

    now += 11 * DAY; // soon and off have expired; later is 34 days away
    emitted.length = 0;
    assert.equal(scheduler.scan(), 2);
    assert.deepEqual(emitted.sort(), [
      `off/${off.version} ${EXPIRED}`,
      `soon/${soon.version} ${EXPIRED}`,
    ]);
    assert.equal(scheduler.scan(), 0);

    // A restart: the memory of what was sent is in the database.
    scheduler.stop();
    db.close();
    ({ db, store, scheduler } = open());
    emitted.length = 0;
    assert.equal(scheduler.scan(), 0, "nothing repeated after a restart");

    now += 5 * DAY; // later is 29 days away
    assert.equal(scheduler.scan(), 1);
    assert.deepEqual(emitted, [`later/${later.version} ${NEAR}`]);

    // A new version of an expired secret is a new object to watch; the old one stays quiet.
    emitted.length = 0;
    const renewed = store.setSecret("soon", {
      value: new SecretValue("v2"),
      attributes: { exp: now + 20 * DAY },
    });
    assert.equal(scheduler.scan(), 1);
    assert.deepEqual(emitted, [`soon/${renewed.version} ${NEAR}`]);
    scheduler.stop();
    db.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("ExpiryScheduler: keys get KeyNearExpiry and KeyExpired beside the secrets' events", async () => {
  let now = T0;
  const emitted: string[] = [];
  const db = openDatabase(":memory:");
  const secrets = new SecretStore(db, { now: () => now, retentionDays: 7 });
  const keys = new KeyStore(db, { now: () => now, retentionDays: 7 });
  const scheduler = new ExpiryScheduler({
    db,
    sources: [
      { objectType: "Secret", listExpiring: (until) => secrets.listExpiringSecrets(until) },
      { objectType: "Key", listExpiring: (until) => keys.listExpiringKeys(until) },
    ],
    now: () => now,
    logger: pino({ level: "silent" }),
    emit: (notice) =>
      emitted.push(
        `${notice.objectType} ${notice.version.name} ${notice.type.split(".")[2] ?? ""}`,
      ),
  });
  try {
    const privateKey = await generateKey({ kty: "EC", curve: "P-256" });
    const newKey = (name: string, exp: number) =>
      keys.addVersion(name, { privateKey, keyOps: ["sign"], attributes: { exp } });
    newKey("k-soon", now + 10 * DAY);
    newKey("k-later", now + 45 * DAY);
    newKey("k-gone", now + DAY);
    keys.deleteKey("k-gone");
    secrets.setSecret("s-soon", { value: new SecretValue("v"), attributes: { exp: now + DAY } });

    assert.equal(scheduler.scan(), 2);
    assert.deepEqual(emitted.sort(), [
      "Key k-soon KeyNearExpiry",
      "Secret s-soon SecretNearExpiry",
    ]);
    assert.equal(scheduler.scan(), 0, "a second scan repeats nothing");

    now += 11 * DAY;
    emitted.length = 0;
    assert.equal(scheduler.scan(), 2);
    assert.deepEqual(emitted.sort(), ["Key k-soon KeyExpired", "Secret s-soon SecretExpired"]);

    now += 5 * DAY; // k-later is 29 days away
    emitted.length = 0;
    assert.equal(scheduler.scan(), 1);
    assert.deepEqual(emitted, ["Key k-later KeyNearExpiry"]);
  } finally {
    scheduler.stop();
    db.close();
  }
});

let clock = Math.floor(Date.now() / 1000);
let fixture: VaultFixture;
let hook: WebhookRecorder;

before(async () => {
  fixture = await startVaultFixture({
    vaultName: "kv-expiry",
    now: () => clock,
    eventGrid: { retryScale: 0.001, expiryScanMs: 10 },
  });
  hook = await startWebhookRecorder();
});

after(async () => {
  await hook.close();
  await fixture.close();
});

test("the vault raises NewVersionCreated and NearExpiry, then SecretExpired once, also across a restart", async () => {
  await management(fixture).create("expiry", webhookSubscription(hook.url));
  const client = fixture.client();
  const start = clock;
  const received = () =>
    hook
      .delivered()
      .map(
        (e) =>
          `${String(e["subject"])} ${String(e["eventType"]).replace("Microsoft.KeyVault.", "")}`,
      );
  const count = (entry: string) => received().filter((r) => r === entry).length;
  /** Publishes a marker version (which also triggers a scan) and waits until all is delivered. */
  const settle = async (marker: string) => {
    await client.setSecret(marker, "v", { expiresOn: new Date((clock + 90 * DAY) * 1000) });
    await hook.until(
      (h) => h.delivered().some((e) => e["subject"] === marker),
      `${marker} delivered`,
    );
    await waitUntil(
      () => fixture.vault.eventGrid.stats("expiry").pending === 0,
      "the queue to drain",
    );
  };

  const exp = start + 10 * DAY;
  const soon = await client.setSecret("exp-soon", "v", { expiresOn: new Date(exp * 1000) });
  await client.setSecret("exp-later", "v", { expiresOn: new Date((start + 45 * DAY) * 1000) });
  await client.setSecret("exp-undated", "v");
  await hook.until(() => count("exp-soon SecretNearExpiry") === 1, "SecretNearExpiry for exp-soon");
  await settle("exp-marker-1");
  assert.deepEqual(
    received()
      .filter((r) => !r.startsWith("exp-marker"))
      .sort(),
    [
      "exp-later SecretNewVersionCreated",
      "exp-soon SecretNearExpiry",
      "exp-soon SecretNewVersionCreated",
      "exp-undated SecretNewVersionCreated",
    ],
  );
  const near = hook.delivered().find((e) => e["eventType"] === NEAR);
  assert.ok(near);
  assert.deepEqual(near["data"], {
    Id: `${fixture.vault.url}/secrets/exp-soon/${soon.properties.version ?? ""}`,
    VaultName: "kv-expiry",
    ObjectType: "Secret",
    ObjectName: "exp-soon",
    Version: soon.properties.version,
    NBF: null,
    EXP: exp,
  });

  // Past exp: the periodic scan (every 10 ms) raises SecretExpired.
  clock = exp + 60;
  await hook.until(() => count("exp-soon SecretExpired") === 1, "SecretExpired for exp-soon");
  const expired = hook.delivered().find((e) => e["eventType"] === EXPIRED);
  assert.equal((expired?.["data"] as { EXP: unknown }).EXP, exp);
  assert.equal((expired?.["data"] as { Version: unknown }).Version, soon.properties.version);
  await settle("exp-marker-2");
  assert.equal(count("exp-soon SecretExpired"), 1, "not repeated by later scans");
  assert.equal(count("exp-soon SecretNearExpiry"), 1);

  // A restart scans at once; what was sent stays sent. exp-later is now 29 days away.
  clock = start + 16 * DAY;
  await fixture.restart();
  await hook.until(
    () => count("exp-later SecretNearExpiry") === 1,
    "SecretNearExpiry for exp-later",
  );
  await settle("exp-marker-3");
  assert.equal(count("exp-soon SecretExpired"), 1, "not repeated after a restart");
  assert.equal(count("exp-soon SecretNearExpiry"), 1);
  assert.equal(count("exp-later SecretNearExpiry"), 1);
  assert.deepEqual(
    received().filter((r) => r.startsWith("exp-undated")),
    ["exp-undated SecretNewVersionCreated"],
    "an undated secret never expires",
  );
});

test("expiry events only for versions created after the subscription exists", async () => {
  const client = fixture.client();
  const old = await client.setSecret("pre-old", "v", {
    expiresOn: new Date((clock + 40 * DAY) * 1000),
  });
  // Versions carry whole seconds: a version from the subscription's own second counts as
  // newer (an extra event beats a lost one), so the subscription comes a second later.
  clock += 1;
  const late = await startWebhookRecorder();
  try {
    await management(fixture).create(
      "late",
      webhookSubscription(late.url, { subjectBeginsWith: "pre-" }),
    );
    clock += 11 * DAY; // pre-old is 29 days from exp: near expiry
    await hook.until(
      (h) => h.delivered().some((e) => e["subject"] === "pre-old" && e["eventType"] === NEAR),
      "SecretNearExpiry for pre-old at the older subscription",
    );
    const fresh = await client.setSecret("pre-new", "v");
    await late.until((h) => h.delivered().length > 0, "pre-new at the late subscription");
    await waitUntil(
      () => fixture.vault.eventGrid.stats("late").pending === 0,
      "the queue to drain",
    );
    assert.deepEqual(
      late.delivered().map((e) => (e["data"] as { Version: string }).Version),
      [fresh.properties.version],
      `nothing about ${old.properties.version ?? ""}, which predates the subscription`,
    );
  } finally {
    await late.close();
  }
});
