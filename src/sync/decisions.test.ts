import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ObjectListing, VersionProperties } from "../keyvault/index.js";
import { changedObjects, SETTLE_AFTER_MS, settles } from "./changed-objects.js";
import { sameVersions, selectHistory } from "./desired-versions.js";
import { mergeRequests, TriggerQueue, type SyncRequest } from "./trigger-queue.js";
import { compareToHeld, preciseEventTime, type Ordering } from "./version-order.js";

const at = (s: number) => new Date(s * 1000);

describe("compareToHeld (never roll back)", () => {
  const held = { version: "b", createdOn: at(20) };
  const cases: [string, { version: string; createdOn: Date | undefined }, Ordering][] = [
    ["a later version", { version: "c", createdOn: at(30) }, "newer"],
    ["an older version (late event)", { version: "a", createdOn: at(10) }, "older"],
    ["the same version (duplicate event)", { version: "b", createdOn: at(20) }, "same"],
    ["another version in the same second", { version: "x", createdOn: at(20) }, "tie"],
    ["a version without created time", { version: "y", createdOn: undefined }, "tie"],
  ];
  for (const [name, candidate, expected] of cases) {
    test(name, () => {
      assert.equal(compareToHeld(candidate, held), expected);
    });
  }
  test("anything is newer than nothing", () => {
    assert.equal(compareToHeld({ version: "a", createdOn: at(1) }, undefined), "newer");
  });
  test("in the same second, the events' times decide", () => {
    const earlier = { version: "b", createdOn: at(20), eventTime: "2026-01-01T00:00:20.1000001Z" };
    const later = { version: "c", createdOn: at(20), eventTime: "2026-01-01T00:00:20.1000002Z" };
    assert.equal(compareToHeld(later, earlier), "newer");
    assert.equal(compareToHeld(earlier, later), "older");
    assert.equal(compareToHeld(later, { ...earlier, eventTime: undefined }), "tie");
    assert.equal(compareToHeld({ ...later, eventTime: earlier.eventTime }, earlier), "tie");
  });
  test("created times outrank event times", () => {
    const held = { version: "b", createdOn: at(20), eventTime: "2026-01-01T00:00:59.0000000Z" };
    const candidate = { version: "c", createdOn: at(21), eventTime: "2026-01-01T00:00:01.0Z" };
    assert.equal(compareToHeld(candidate, held), "newer");
  });
});

describe("preciseEventTime", () => {
  const cases: [string, string | undefined][] = [
    ["2026-03-01T10:15:30.1234567Z", "2026-03-01T10:15:30.1234567Z"],
    ["2026-03-01T10:15:30.12Z", "2026-03-01T10:15:30.1200000Z"],
    ["2026-03-01T10:15:30Z", "2026-03-01T10:15:30.0000000Z"],
    ["2026-03-01T10:15:30.123+01:00", undefined],
    ["2026-13-01T10:15:30Z", undefined],
    ["yesterday", undefined],
    ["", undefined],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} → ${String(expected)}`, () => {
      assert.equal(preciseEventTime(input), expected);
    });
  }
  test("normalized times sort as time does", () => {
    const a = preciseEventTime("2026-03-01T10:15:30.9Z") ?? "";
    const b = preciseEventTime("2026-03-01T10:15:30.10Z") ?? "";
    assert.ok(a > b);
  });
});

describe("selectHistory", () => {
  const v = (version: string, created: number, enabled = true): VersionProperties => ({
    name: "s",
    version,
    enabled,
    createdOn: at(created),
    updatedOn: at(created),
  });
  const versions = [v("v2", 20), v("v1", 10), v("v4", 40), v("v3", 30, false)];
  test("newest first, disabled skipped, at most N", () => {
    assert.deepEqual(selectHistory(versions, 2, undefined), ["v4", "v2"]);
    assert.deepEqual(selectHistory(versions, 5, undefined), ["v4", "v2", "v1"]);
  });
  test("starts at the pinned version", () => {
    assert.deepEqual(selectHistory(versions, 2, "v2"), ["v2", "v1"]);
  });
  test("an unknown pinned version selects nothing", () => {
    assert.deepEqual(selectHistory(versions, 2, "nope"), []);
  });
});

test("sameVersions compares per object, in order", () => {
  assert.equal(sameVersions([["a"], ["b", "c"]], [["a"], ["b", "c"]]), true);
  assert.equal(sameVersions([["a"], ["b", "c"]], [["a"], ["c", "b"]]), false);
  assert.equal(sameVersions([["a"]], undefined), false);
  assert.equal(sameVersions([["a"]], [["a"], ["b"]]), false);
});

describe("changedObjects (the cheap poll)", () => {
  const listing: ObjectListing[] = [
    { name: "Same", updatedOn: at(10), enabled: true },
    { name: "moved", updatedOn: at(30), enabled: true },
    { name: "unknown-yet", updatedOn: at(5), enabled: true },
    { name: "not-followed", updatedOn: at(99), enabled: true },
    { name: "disabled", updatedOn: at(99), enabled: false },
    { name: "fresh", updatedOn: at(40), enabled: true },
    { name: "unsettled", updatedOn: at(40), enabled: true },
  ];
  const held = new Map([
    ["same", { updatedOn: at(10), settled: true }],
    ["moved", { updatedOn: at(20), settled: true }],
    ["disabled", { updatedOn: at(1), settled: true }],
    ["fresh", { updatedOn: at(40), settled: true }],
    ["unsettled", { updatedOn: at(40), settled: false }],
  ]);
  const followed = new Set(["same", "moved", "unknown-yet", "disabled", "fresh", "unsettled"]);

  test("reads only names whose listed time moved, or that are new to us", () => {
    const now = at(41).getTime(); // within the second after `updated`: not yet settled
    assert.deepEqual(
      changedObjects(listing, followed, (n) => held.get(n), now),
      ["moved", "unknown-yet"],
    );
  });

  test("an unsettled version is read again once its second is over: a same-second sibling lists the same time", () => {
    const now = at(40).getTime() + SETTLE_AFTER_MS;
    assert.deepEqual(
      changedObjects(listing, followed, (n) => held.get(n), now),
      ["moved", "unknown-yet", "unsettled"],
    );
    assert.equal(settles(now, at(40)), true);
    assert.equal(settles(now - 1, at(40)), false);
  });
});

describe("trigger coalescing", () => {
  const request = (overrides: Partial<SyncRequest>): SyncRequest => ({
    targetId: "t",
    triggers: ["poll"],
    relist: false,
    ...overrides,
  });
  test("merging keeps every trigger once, the first first, and the earliest event time", () => {
    const merged = mergeRequests(
      mergeRequests(request({ triggers: ["push"], since: 200 }), request({ relist: true })),
      request({ triggers: ["push"], since: 100 }),
    );
    assert.deepEqual(merged, {
      targetId: "t",
      triggers: ["push", "poll"],
      relist: true,
      since: 100,
    });
  });

  test("a burst for a waiting target costs one run; one during a run costs one more", async () => {
    const runs: SyncRequest[] = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => {
      release = resolve;
    });
    const queue = new TriggerQueue(async (r) => {
      runs.push(r);
      if (runs.length === 1) await first;
    });
    queue.push(request({ triggers: ["start"] }));
    // The worker has taken "start"; these three wait and merge into one.
    queue.push(request({ triggers: ["push"] }));
    queue.push(request({ triggers: ["push"] }));
    queue.push(request({ triggers: ["manual"] }));
    queue.push(request({ targetId: "other" }));
    release();
    await queue.idle();
    assert.deepEqual(
      runs.map((r) => [r.targetId, r.triggers]),
      [
        ["t", ["start"]],
        ["t", ["push", "manual"]],
        ["other", ["poll"]],
      ],
    );
  });
});
