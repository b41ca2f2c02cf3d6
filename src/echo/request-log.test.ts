import assert from "node:assert/strict";
import { test } from "node:test";
import { RequestLog, type EchoRecord, type LogEvent } from "./request-log.js";

const fields = (path: string): Omit<EchoRecord, "seq"> => ({
  time: "2026-01-01T00:00:00.000Z",
  method: "POST",
  path,
  query: [],
  headers: [],
  body: "",
  bodyBytes: 0,
  json: false,
  truncated: false,
  reply: { status: 200 },
});

test("keeps the newest records around the ring, newest first", () => {
  const log = new RequestLog(3);
  assert.deepEqual(log.list(), []);
  for (const path of ["/1", "/2"]) log.add(fields(path));
  assert.deepEqual(
    log.list().map((r) => r.path),
    ["/2", "/1"],
  );
  for (const path of ["/3", "/4", "/5", "/6", "/7"]) log.add(fields(path));
  assert.deepEqual(
    log.list().map((r) => [r.seq, r.path]),
    [
      [7, "/7"],
      [6, "/6"],
      [5, "/5"],
    ],
  );
  assert.deepEqual(
    log.since(5).map((r) => r.seq),
    [6, 7],
  );
  assert.deepEqual(
    log.since(0).map((r) => r.seq),
    [5, 6, 7],
  );
});

test("clears without reusing sequence numbers, and tells listeners", () => {
  const log = new RequestLog(2);
  const heard: LogEvent["kind"][] = [];
  const unsubscribe = log.subscribe((event) => heard.push(event.kind));
  log.add(fields("/a"));
  log.clear();
  assert.deepEqual(log.list(), []);
  assert.equal(log.add(fields("/b")).seq, 2);
  unsubscribe();
  log.add(fields("/c"));
  assert.deepEqual(heard, ["added", "cleared", "added"]);
});

test("a throwing listener neither stops others nor the recording", () => {
  const log = new RequestLog(2);
  let heard = 0;
  log.subscribe(() => {
    throw new Error("closed stream");
  });
  log.subscribe(() => heard++);
  log.add(fields("/a"));
  assert.equal(heard, 1);
  assert.equal(log.list().length, 1);
});

test("refuses a capacity that is not a positive whole number", () => {
  for (const capacity of [0, -3, 2.5]) assert.throws(() => new RequestLog(capacity), RangeError);
});
