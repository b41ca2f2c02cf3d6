import assert from "node:assert/strict";
import { test } from "node:test";
import { SingleFlightCache } from "./single-flight-cache.js";

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test("concurrent asks share one load, and the result is cached", async () => {
  const cache = new SingleFlightCache<string>();
  const gate = deferred<string>();
  let loads = 0;
  const load = () => {
    loads++;
    return gate.promise;
  };
  const asks = [cache.get("k", load), cache.get("k", load), cache.get("k", load)];
  gate.resolve("v");
  assert.deepEqual(await Promise.all(asks), ["v", "v", "v"]);
  assert.equal(await cache.get("k", load), "v");
  assert.equal(loads, 1);
});

test("a failed load is shared by the waiting asks, then forgotten", async () => {
  const cache = new SingleFlightCache<string>();
  const gate = deferred<string>();
  let loads = 0;
  const failing = () => {
    loads++;
    return gate.promise;
  };
  const asks = [cache.get("k", failing), cache.get("k", failing)];
  gate.reject(new Error("503"));
  for (const ask of asks) await assert.rejects(ask, /503/);
  assert.equal(await cache.get("k", () => Promise.resolve("ok")), "ok");
  assert.equal(loads, 1);
});

test("share() single-flights without caching under its key", async () => {
  const cache = new SingleFlightCache<string>();
  let loads = 0;
  const load = () => Promise.resolve(`v${++loads}`);
  const [a, b] = await Promise.all([cache.share("latest", load), cache.share("latest", load)]);
  assert.equal(a, "v1");
  assert.equal(b, "v1");
  assert.equal(await cache.share("latest", load), "v2");
  assert.equal(cache.peek("latest"), undefined);
});

test("the cache is bounded, least recently used first out", async () => {
  const cache = new SingleFlightCache<number>(2);
  await cache.get("a", () => Promise.resolve(1));
  await cache.get("b", () => Promise.resolve(2));
  await cache.get("a", () => Promise.resolve(-1)); // touch a
  await cache.get("c", () => Promise.resolve(3));
  assert.equal(cache.size, 2);
  assert.equal(cache.peek("b"), undefined);
  assert.equal(cache.peek("a"), 1);
});
