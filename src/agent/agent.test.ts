import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { SecretClient } from "@azure/keyvault-secrets";
import { pino, type Logger } from "pino";
import {
  management,
  waitUntil,
  webhookSubscription,
} from "../eventgrid/publisher/test-support/management.js";
import { createVaultClients, SdkObjectSource, type ObjectSource } from "../keyvault/index.js";
import { loadSecretProviderClass, type SecretProviderClass } from "../spc/index.js";
import { startVaultFixture, type VaultFixture } from "../vault/test-support/vault-fixture.js";
import { startAgent, type AgentOptions, type RunningAgent } from "./index.js";
import { localClass } from "../spc/test-support/local-class.js";

/**
 * End to end: the local vault (with its Event Grid publisher) → the agent's webhook or poll →
 * files. The vault's clock jumps 10 s before every write so that versions have distinct
 * `created` times, as real rotations do.
 */

let fixture: VaultFixture;
let client: SecretClient;
let clockOffset = 0;
const logLines: string[] = [];
const logger: Logger = pino({ level: "debug" }, { write: (line: string) => logLines.push(line) });
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  fixture = await startVaultFixture({
    eventGrid: { retryScale: 0.001 },
    now: () => Math.floor(Date.now() / 1000) + clockOffset,
  });
  client = fixture.client();
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await fixture.close();
});

async function setSecret(name: string, value: string): Promise<string> {
  clockOffset += 10;
  const secret = await client.setSecret(name, value);
  return secret.properties.version ?? "";
}

function classOf(objects: string[]): SecretProviderClass {
  return localClass("test", objects);
}

/**
 * Counts every read the agent makes, by name@version ("latest" when none), prefixed by the type
 * for keys and certificates.
 */
function countingSource(): { source: ObjectSource; gets: string[]; lists: string[] } {
  const inner = new SdkObjectSource({
    clientFor: createVaultClients({
      endpoints: new Map([["demo", fixture.vault.url]]),
      ca: fixture.ca,
      classes: [],
    }),
    policy: { baseMs: 10, maxMs: 50, maxAttempts: 3 },
  });
  const gets: string[] = [];
  const lists: string[] = [];
  const typed = (type: string) => (type === "secret" ? "" : `${type} `);
  const source: ObjectSource = {
    get: (vault, type, name, version, signal) => {
      gets.push(`${typed(type)}${name}@${version ?? "latest"}`);
      return inner.get(vault, type, name, version, signal);
    },
    list: (vault, type, signal) => {
      lists.push(`${typed(type)}${vault}`);
      return inner.list(vault, type, signal);
    },
    listVersions: (vault, type, name, signal) => {
      lists.push(`${typed(type)}${vault}/${name}`);
      return inner.listVersions(vault, type, name, signal);
    },
  };
  return { source, gets, lists };
}

async function agentFor(
  targets: { spc: SecretProviderClass; mountDir?: string }[],
  overrides: Partial<AgentOptions> = {},
): Promise<{ agent: RunningAgent; dirs: string[] }> {
  const dirs: string[] = [];
  for (const t of targets)
    dirs.push(t.mountDir ?? (await mkdtemp(join(tmpdir(), "kvsync-agent-"))));
  const agent = await startAgent({
    targets: targets.map((t, i) => ({ spc: t.spc, mountDir: dirs[i] ?? "" })),
    vaultEndpoints: new Map([["demo", fixture.vault.url]]),
    ca: fixture.ca,
    webhook: { port: 0, host: "127.0.0.1", auth: { kind: "none" } },
    pollIntervalMs: 3_600_000,
    backoff: { baseMs: 10, maxMs: 50, maxAttempts: 3 },
    logger,
    ...overrides,
  });
  cleanups.push(async () => {
    await agent.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  return { agent, dirs };
}

async function subscribe(name: string, agent: RunningAgent): Promise<void> {
  await management(fixture).create(name, webhookSubscription(`${agent.url}/api/events`));
  cleanups.push(async () => {
    await management(fixture).delete(name);
  });
}

const fileOf = (dir: string, path: string) =>
  readFile(join(dir, path), "utf8").catch(() => undefined);

async function waitForFile(dir: string, path: string, expected: string, timeoutMs = 10_000) {
  await waitUntil(
    async () => (await fileOf(dir, path)) === expected,
    `${path} = ${expected}`,
    timeoutMs,
  );
}

describe("kvsync agent against the local vault", () => {
  test("push: a new version reaches the file through Event Grid", async () => {
    await setSecret("secret1", "push-value-1");
    const spc = await loadSecretProviderClass("examples/secretproviderclass.yaml");
    const { agent, dirs } = await agentFor([{ spc }]);
    const dir = dirs[0] ?? "";
    await waitForFile(dir, "secret1", "push-value-1");
    const ready = await agent.app.inject({ method: "GET", url: "/readyz" });
    assert.equal(ready.statusCode, 200);
    await subscribe("push", agent);
    await setSecret("secret1", "push-value-2");
    await waitForFile(dir, "secret1", "push-value-2");
    await agent.engine.idle(); // the files swap just before the sync is counted
    const metrics = await agent.metrics.registry.getSingleMetricAsString("kvsync_syncs_total");
    assert.match(metrics, /trigger="push",result="changed"\} 1/);
    const propagation = await agent.metrics.registry.getSingleMetricAsString(
      "kvsync_propagation_seconds",
    );
    assert.match(propagation, /kvsync_propagation_seconds_count 1/);
  });

  test("poll: with no subscription the poll catches up", async () => {
    await setSecret("polled", "poll-value-1");
    const spc = classOf(["objectName: polled\nobjectType: secret"]);
    const { dirs } = await agentFor([{ spc }], { pollIntervalMs: 50 });
    const dir = dirs[0] ?? "";
    await waitForFile(dir, "polled", "poll-value-1");
    await setSecret("polled", "poll-value-2");
    await waitForFile(dir, "polled", "poll-value-2");
  });

  test("the poll reads nothing while nothing changed, and only what changed", async () => {
    await setSecret("quiet", "quiet-1");
    const v1 = await setSecret("quiethist", "qh-1");
    const v2 = await setSecret("quiethist", "qh-2");
    await setSecret("bystander", "b-1");
    const spc = classOf([
      "objectName: quiet\nobjectType: secret",
      "objectName: quiethist\nobjectType: secret\nobjectVersionHistory: 2",
    ]);
    const { source, gets, lists } = countingSource();
    const { dirs } = await agentFor([{ spc }], { source, pollIntervalMs: 20 });
    const dir = dirs[0] ?? "";
    await waitForFile(dir, "quiethist/1", "qh-1");
    const polls = () => lists.filter((l) => l === "demo").length;
    // A poll that started before the first sync may still read; one that starts after must not.
    const settled = polls() + 1;
    await waitUntil(() => polls() >= settled, "a poll after the first sync");
    const before = [...gets];
    assert.ok(before.includes("quiet@latest"));
    assert.equal(new Set(before).size, before.length, "no version read twice");
    await waitUntil(() => polls() >= settled + 5, "five more polls");
    assert.deepEqual(gets, before);
    await setSecret("bystander", "b-2");
    const v3 = await setSecret("quiet", "quiet-2");
    await waitForFile(dir, "quiet", "quiet-2");
    const after = polls();
    await waitUntil(() => polls() >= after + 3, "three more polls");
    assert.deepEqual(gets.slice(before.length), ["quiet@latest"]);
    assert.ok(!gets.some((g) => g.startsWith("bystander")));
    assert.ok([v1, v2].every((v) => gets.filter((g) => g === `quiethist@${v}`).length <= 1));
    assert.ok(v3 !== "");
  });

  test("query-secret webhook and --exec with the changed files", async () => {
    await setSecret("execd", "execd-1");
    const out = join(await mkdtemp(join(tmpdir(), "kvsync-exec-")), "runs.txt");
    cleanups.push(() => rm(join(out, ".."), { recursive: true, force: true }));
    const spc = classOf(["objectName: execd\nobjectType: secret\nobjectAlias: execd.txt"]);
    const { agent, dirs } = await agentFor([{ spc }], {
      webhook: {
        port: 0,
        host: "127.0.0.1",
        auth: { kind: "query-secret", secrets: ["hook-code"] },
      },
      exec: `printf '%s\\n' "$KVSYNC_CHANGED" >> '${out}'`,
    });
    const dir = dirs[0] ?? "";
    await waitForFile(dir, "execd.txt", "execd-1");
    const denied = await agent.app.inject({ method: "POST", url: "/api/events", payload: "[]" });
    assert.equal(denied.statusCode, 401);
    await management(fixture).create(
      "execd",
      webhookSubscription(`${agent.url}/api/events?code=hook-code`),
    );
    cleanups.push(async () => {
      await management(fixture).delete("execd");
    });
    await setSecret("execd", "execd-2");
    await waitForFile(dir, "execd.txt", "execd-2");
    await waitUntil(
      async () => (await readFile(out, "utf8").catch(() => "")) === "execd.txt\nexecd.txt\n",
      "two --exec runs",
    );
  });

  test("pinned versions stay, history rolls, base64 and hex decode", async () => {
    const pinned = await setSecret("pinme", "pinned-1");
    await setSecret("pinme", "pinned-2");
    await setSecret("hist", "h1");
    await setSecret("hist", "h2");
    await setSecret("b64", Buffer.from("binary\u0000one").toString("base64"));
    await setSecret("hexo", Buffer.from("hex-one").toString("hex"));
    const spc = classOf([
      `objectName: pinme\nobjectType: secret\nobjectVersion: ${pinned}`,
      "objectName: hist\nobjectType: secret\nobjectVersionHistory: 3",
      "objectName: b64\nobjectType: secret\nobjectEncoding: base64",
      "objectName: hexo\nobjectType: secret\nobjectEncoding: hex",
    ]);
    const { dirs } = await agentFor([{ spc }], { pollIntervalMs: 50 });
    const dir = dirs[0] ?? "";
    await waitForFile(dir, "hist/1", "h1");
    assert.equal(await fileOf(dir, "pinme"), "pinned-1");
    assert.equal(await fileOf(dir, "hist/0"), "h2");
    assert.equal(await fileOf(dir, "hist/2"), undefined);
    assert.equal(await fileOf(dir, "b64"), "binary\u0000one");
    assert.equal(await fileOf(dir, "hexo"), "hex-one");

    await setSecret("hist", "h3");
    await setSecret("hist", "h4");
    await setSecret("pinme", "pinned-3");
    await setSecret("b64", Buffer.from("binary two").toString("base64"));
    await waitForFile(dir, "hist/0", "h4");
    await waitForFile(dir, "b64", "binary two");
    assert.equal(await fileOf(dir, "hist/1"), "h3");
    assert.equal(await fileOf(dir, "hist/2"), "h2");
    assert.equal(await fileOf(dir, "hist/3"), undefined);
    assert.equal(await fileOf(dir, "pinme"), "pinned-1");
  });

  test("three targets sharing one object: one GetSecret per rotation", async () => {
    await setSecret("shared", "shared-1");
    const spc = classOf(["objectName: shared\nobjectType: secret"]);
    const { source, gets } = countingSource();
    const { agent, dirs } = await agentFor([{ spc }, { spc }, { spc }], { source });
    for (const dir of dirs) await waitForFile(dir, "shared", "shared-1");
    assert.deepEqual(gets, ["shared@latest"]);
    await subscribe("shared", agent);
    const version = await setSecret("shared", "shared-2");
    for (const dir of dirs) await waitForFile(dir, "shared", "shared-2");
    await agent.engine.idle();
    assert.deepEqual(gets, ["shared@latest", `shared@${version}`]);
  });

  test("a late event for an older version does not roll back", async () => {
    const old = await setSecret("ordered", "ordered-1");
    await setSecret("ordered", "ordered-2");
    const spc = classOf(["objectName: ordered\nobjectType: secret"]);
    const { agent, dirs } = await agentFor([{ spc }]);
    const dir = dirs[0] ?? "";
    await waitForFile(dir, "ordered", "ordered-2");
    for (let i = 0; i < 2; i++) {
      const reply = await agent.app.inject({
        method: "POST",
        url: "/api/events",
        headers: { "content-type": "application/json", "aeg-event-type": "Notification" },
        payload: newVersionEvent(`late-${i}`, "ordered", old),
      });
      assert.equal(reply.statusCode, 200);
    }
    await waitUntil(
      () => logLines.some((l) => l.includes("not newer")),
      "the late event to be judged",
    );
    await agent.engine.idle();
    assert.equal(await fileOf(dir, "ordered"), "ordered-2");
  });

  test("versions made in the same second are ordered by their events' times, no extra read", async () => {
    await setSecret("twins", "twins-0");
    const spc = classOf(["objectName: twins\nobjectType: secret"]);
    const { source, gets } = countingSource();
    const { agent, dirs } = await agentFor([{ spc }], { source });
    const dir = dirs[0] ?? "";
    await waitForFile(dir, "twins", "twins-0");
    // Two versions in one second of the vault's clock: their `created` times are equal.
    clockOffset += 10;
    const first = (await client.setSecret("twins", "twins-1")).properties.version ?? "";
    const second = (await client.setSecret("twins", "twins-2")).properties.version ?? "";
    const second0 = new Date((Math.floor(Date.now() / 1000) + clockOffset) * 1000).toISOString();
    const at = (fraction: string) => second0.replace(/\.\d+Z$/, `.${fraction}Z`);
    // Delivered out of order: the later version first, the earlier one after it.
    for (const [id, version, time] of [
      ["twin-b", second, at("2000001")],
      ["twin-a", first, at("2000000")],
    ] as const) {
      const reply = await agent.app.inject({
        method: "POST",
        url: "/api/events",
        headers: { "content-type": "application/json", "aeg-event-type": "Notification" },
        payload: newVersionEvent(id, "twins", version, time),
      });
      assert.equal(reply.statusCode, 200);
      await agent.engine.idle();
    }
    await waitForFile(dir, "twins", "twins-2");
    await waitUntil(
      () => logLines.some((l) => l.includes("not newer") && l.includes(first)),
      "the earlier twin judged older",
    );
    await agent.engine.idle();
    assert.equal(await fileOf(dir, "twins"), "twins-2");
    assert.deepEqual(gets, ["twins@latest", `twins@${second}`, `twins@${first}`]);
  });

  test("vault down: files keep their content and catch up after restart", async () => {
    await setSecret("sturdy", "sturdy-1");
    const spc = classOf(["objectName: sturdy\nobjectType: secret"]);
    const { agent, dirs } = await agentFor([{ spc }], { pollIntervalMs: 50 });
    const dir = dirs[0] ?? "";
    await waitForFile(dir, "sturdy", "sturdy-1");
    await fixture.vault.close();
    try {
      await waitUntil(async () => {
        const text = await agent.metrics.registry.getSingleMetricAsString(
          "kvsync_keyvault_requests_total",
        );
        return /status="network"\} [1-9]/.test(text);
      }, "a failed Key Vault call");
      assert.equal(await fileOf(dir, "sturdy"), "sturdy-1");
    } finally {
      await fixture.restart();
    }
    await setSecret("sturdy", "sturdy-2");
    await waitForFile(dir, "sturdy", "sturdy-2");
  });

  test("no secret value ever reaches the logs", () => {
    assert.ok(logLines.length > 10);
    const text = logLines.join("\n");
    for (const value of [
      "push-value-1",
      "push-value-2",
      "poll-value-2",
      "shared-2",
      "h4",
      "sturdy-2",
    ]) {
      assert.ok(!text.includes(value), `the logs contain ${value}`);
    }
  });
});

function newVersionEvent(
  id: string,
  name: string,
  version: string,
  eventTime = new Date().toISOString(),
): string {
  return JSON.stringify([
    {
      id,
      topic:
        "/subscriptions/0/resourceGroups/kvsync-local/providers/Microsoft.KeyVault/vaults/demo",
      subject: name,
      eventType: "Microsoft.KeyVault.SecretNewVersionCreated",
      eventTime,
      data: {
        Id: `https://demo.vault.azure.net/secrets/${name}/${version}`,
        VaultName: "demo",
        ObjectType: "Secret",
        ObjectName: name,
        Version: version,
        NBF: null,
        EXP: null,
      },
      dataVersion: "1",
      metadataVersion: "1",
    },
  ]);
}
