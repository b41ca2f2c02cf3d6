import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pino } from "pino";
import type { DashboardState, Rotation } from "../dashboard/model.js";
import { fakeAssets } from "../dashboard/test-support/fake-assets.js";
import {
  management,
  waitUntil,
  webhookSubscription,
} from "../eventgrid/publisher/test-support/management.js";
import { localClass } from "../spc/test-support/local-class.js";
import { startVaultFixture, type VaultFixture } from "../vault/test-support/vault-fixture.js";
import { startAgent, type RunningAgent } from "./index.js";

/**
 * The dashboard fed by a real agent: a rotation pushed through the local vault's Event Grid
 * shows every hop from the event to the swapped files and the hook; a polled one starts at its
 * detection. No value reaches the state.
 */

let fixture: VaultFixture;
let agent: RunningAgent;
let mount: string;
let clockOffset = 0;
const values: string[] = [];

before(async () => {
  fixture = await startVaultFixture({
    eventGrid: { retryScale: 0.001 },
    now: () => Math.floor(Date.now() / 1000) + clockOffset,
  });
  await setSecret("watched", "watched-start");
  mount = await mkdtemp(join(tmpdir(), "kvsync-agent-dashboard-"));
  agent = await startAgent({
    targets: [
      { spc: localClass("dash", ["objectName: watched\nobjectType: secret"]), mountDir: mount },
    ],
    vaultEndpoints: new Map([["demo", fixture.vault.url]]),
    ca: fixture.ca,
    webhook: { port: 0, host: "127.0.0.1", auth: { kind: "none" } },
    pollIntervalMs: 3_600_000,
    exec: "true",
    logger: pino({ level: "silent" }),
    dashboard: { port: 0, host: "127.0.0.1", assets: fakeAssets },
  });
  await management(fixture).create("dash", webhookSubscription(`${agent.url}/api/events`));
});

after(async () => {
  await agent.close();
  await management(fixture).delete("dash");
  await fixture.close();
  await rm(mount, { recursive: true, force: true });
});

async function setSecret(name: string, value: string): Promise<string> {
  clockOffset += 10;
  values.push(value);
  return (await fixture.client().setSecret(name, value)).properties.version ?? "";
}

async function state(): Promise<DashboardState> {
  const response = await fetch(`${agent.dashboardUrl ?? ""}/api/state`);
  const text = await response.text();
  for (const value of values) assert.ok(!text.includes(value), "a value in the dashboard state");
  return JSON.parse(text) as DashboardState;
}

async function rotationOf(version: string, last: string): Promise<Rotation> {
  let found: Rotation | undefined;
  await waitUntil(async () => {
    found = (await state()).rotations.find((r) => r.version === version);
    return found?.hops.some((h) => h.kind === last) === true;
  }, `the rotation to reach "${last}"`);
  assert.ok(found);
  return found;
}

test("the first sync lists the object, with no rotation", async () => {
  await waitUntil(async () => (await state()).ready, "ready");
  const first = await state();
  assert.deepEqual(first.rotations, []);
  assert.equal(first.objects.length, 1);
  const [object] = first.objects;
  assert.ok(object);
  assert.equal(object.name, "watched");
  assert.match(object.targets.join(), /dash → /);
  assert.equal(first.canSetSecrets, false);
});

test("a pushed rotation travels event → webhook → GetSecret → files → hook", async () => {
  const version = await setSecret("watched", "watched-pushed");
  const rotation = await rotationOf(version, "hooks");
  assert.equal(await readFile(join(mount, "watched"), "utf8"), "watched-pushed");
  assert.equal(rotation.trigger, "push");
  assert.deepEqual(
    rotation.hops.map((h) => h.kind),
    ["published", "delivered", "fetched", "swapped", "hooks"],
  );
  assert.match(rotation.hops[1]?.label ?? "", /attempt 1 \(DASH\)/);
  assert.ok((rotation.propagationMs ?? -1) >= 0);
  const subscriptions = (await state()).subscriptions;
  assert.deepEqual(
    subscriptions.map((s) => [s.name, s.source, s.delivered]),
    [["DASH", "receiver", 1]],
  );
  assert.equal((await state()).objects[0]?.version, version);
});

test("a rotation the poll finds starts at its detection", async () => {
  await management(fixture).delete("dash");
  const version = await setSecret("watched", "watched-polled");
  await agent.engine.poll();
  const rotation = await rotationOf(version, "swapped");
  assert.equal(rotation.trigger, "poll");
  assert.deepEqual(rotation.hops.map((h) => h.kind).slice(0, 3), [
    "detected",
    "fetched",
    "swapped",
  ]);
});

test("the dashboard's refresh button re-reads one object", async () => {
  const version = await setSecret("watched", "watched-manual");
  const reply = await agent.app.inject({ method: "GET", url: "/healthz" });
  assert.equal(reply.statusCode, 200);
  const page = await (await fetch(`${agent.dashboardUrl ?? ""}/`)).text();
  const token = /name="kvsync-csrf" content="([^"]+)"/.exec(page)?.[1] ?? "";
  const refresh = await fetch(`${agent.dashboardUrl ?? ""}/api/refresh`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-kvsync-csrf": token },
    body: JSON.stringify({ vault: "demo", name: "watched" }),
  });
  assert.equal(refresh.status, 202);
  const rotation = await rotationOf(version, "swapped");
  assert.equal(rotation.trigger, "manual");
});
