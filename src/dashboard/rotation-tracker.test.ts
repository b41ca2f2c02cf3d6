import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { TrackerChange } from "./rotation-tracker.js";
import { MAX_ROTATIONS, RotationTracker } from "./rotation-tracker.js";

const ref = (version: string, name = "db") => ({ vault: "demo", type: "secret", name, version });
const TARGET = "app/spc → /mnt";

describe("RotationTracker", () => {
  test("a first sync fills the objects, not the rotations", () => {
    const tracker = new RotationTracker();
    tracker.fetched(ref("v1"), 1_000, 3, new Date("2026-01-01T00:00:00Z"));
    assert.deepEqual(tracker.swapped(TARGET, [ref("v1")], 1_010, "start"), []);
    assert.deepEqual(tracker.rotations(), []);
    assert.deepEqual(tracker.objects(), [
      {
        vault: "demo",
        type: "secret",
        name: "db",
        version: "v1",
        updatedOn: "2026-01-01T00:00:00.000Z",
        targets: [TARGET],
      },
    ]);
  });

  test("a pushed rotation: every hop in time order, its trigger and propagation", () => {
    const tracker = new RotationTracker();
    tracker.swapped(TARGET, [ref("v1")], 100, "start");
    const changes: TrackerChange[] = [];
    tracker.subscribe((c) => changes.push(c));
    // Reported out of order, as the pipeline's parts report them.
    tracker.delivered(ref("v2"), 1_004, 2, "AGENT");
    tracker.published(ref("v2"), 1_000);
    tracker.fetched(ref("v2"), 1_007, 2, undefined);
    assert.deepEqual(tracker.swapped(TARGET, [ref("v2")], 1_010, "push"), [ref("v2")]);
    tracker.hooked([ref("v2")], 1_030, 18, "--exec finished");

    const [rotation] = tracker.rotations();
    assert.ok(rotation);
    assert.equal(rotation.id, "demo/db/v2");
    assert.equal(rotation.trigger, "push");
    assert.equal(rotation.propagationMs, 10);
    assert.deepEqual(
      rotation.hops.map((h) => [h.kind, h.from, h.to, h.at]),
      [
        ["published", "keyvault", "eventgrid", 1_000],
        ["delivered", "eventgrid", "agent", 1_004],
        ["fetched", "agent", "keyvault", 1_007],
        ["swapped", "agent", "files", 1_010],
        ["hooks", "files", "app", 1_030],
      ],
    );
    assert.match(rotation.hops[1]?.label ?? "", /attempt 2 \(AGENT\)/);
    assert.deepEqual(tracker.subscriptions([]), [
      {
        name: "AGENT",
        source: "receiver",
        delivered: 1,
        retried: 1,
        deadLettered: undefined,
        pending: undefined,
      },
    ]);
    assert.ok(changes.some((c) => c.kind === "rotation"));
    assert.ok(changes.some((c) => c.kind === "subscriptions"));
    assert.equal(tracker.objects()[0]?.version, "v2");
  });

  test("a polled rotation starts at its detection; one swap per target", () => {
    const tracker = new RotationTracker();
    tracker.swapped("a", [ref("v1")], 0, "start");
    tracker.swapped("b", [ref("v1")], 0, "start");
    tracker.fetched(ref("v2"), 505, 5, undefined);
    tracker.detected(ref("v2"), 500, "poll");
    tracker.swapped("a", [ref("v2")], 510, "poll");
    tracker.swapped("b", [ref("v2")], 512, "poll");
    const [rotation] = tracker.rotations();
    assert.ok(rotation);
    assert.equal(rotation.trigger, "poll");
    assert.equal(rotation.propagationMs, 10);
    assert.deepEqual(
      rotation.hops.map((h) => h.kind),
      ["detected", "fetched", "swapped", "swapped"],
    );
    assert.deepEqual(tracker.objects()[0]?.targets, ["a", "b"]);
  });

  test(`keeps the last ${MAX_ROTATIONS} rotations, newest first`, () => {
    const tracker = new RotationTracker();
    for (let i = 0; i < MAX_ROTATIONS + 5; i++) tracker.published(ref(`v${i}`), i);
    const rotations = tracker.rotations();
    assert.equal(rotations.length, MAX_ROTATIONS);
    assert.equal(rotations[0]?.version, `v${MAX_ROTATIONS + 4}`);
    assert.equal(rotations.at(-1)?.version, "v5");
  });
});
