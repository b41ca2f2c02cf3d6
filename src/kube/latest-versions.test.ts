import assert from "node:assert/strict";
import { test } from "node:test";
import type { FetchedObject, ObjectListing, ObjectSource } from "../keyvault/index.js";
import { ObjectReader } from "../sync/index.js";
import { SecretValue } from "../util/secret-value.js";
import { LatestVersions } from "./latest-versions.js";

/**
 * Versions made in the same second: Key Vault's times have whole seconds and its listings no
 * version, so the resync cannot see a same-second successor by its time. A version an event
 * announced is read once more as "latest" after its second is over; one that a late enough
 * "latest" read returned is final and costs nothing more.
 */

const second = new Date(Math.floor(Date.now() / 1000) * 1000 - 10_000);

function vaultWith(versions: string[]): { source: ObjectSource; reads: string[] } {
  const reads: string[] = [];
  const fetched = (version: string): FetchedObject => ({
    name: "db",
    version,
    enabled: true,
    createdOn: second,
    updatedOn: second,
    value: new SecretValue(`value of ${version}`),
  });
  const listing: ObjectListing[] = [{ name: "db", updatedOn: second, enabled: true }];
  const source: ObjectSource = {
    get: (_vault, _type, _name, version) => {
      reads.push(version ?? "latest");
      return Promise.resolve(fetched(version ?? versions.at(-1) ?? ""));
    },
    list: () => Promise.resolve(listing),
    listVersions: () => Promise.reject(new Error("not used")),
  };
  return { source, reads };
}

const followed = [{ vault: "kv", type: "secret" as const, names: new Set(["db"]) }];
const signal = new AbortController().signal;

test("a same-second successor whose event was lost is found by the next resync", async () => {
  const { source, reads } = vaultWith(["v1", "v2"]);
  const latest = new LatestVersions(new ObjectReader(source, signal));
  assert.equal(await latest.announce("kv", "secret", "db", "v1", undefined), true);
  // v2 was made in the same second; its event never came. The listing shows the same time.
  assert.deepEqual(await latest.recheck(followed, source, signal), ["kv/secret/db"]);
  assert.equal(await latest.version("kv", "secret", "db"), "v2");
  assert.deepEqual(reads, ["v1", "latest"]);
  // Settled now: later resyncs read nothing.
  assert.deepEqual(await latest.recheck(followed, source, signal), []);
});

test("a version a late enough read of latest returned is final: the resync reads nothing", async () => {
  const { source, reads } = vaultWith(["v1"]);
  const latest = new LatestVersions(new ObjectReader(source, signal));
  assert.equal(await latest.version("kv", "secret", "db"), "v1");
  assert.deepEqual(await latest.recheck(followed, source, signal), []);
  assert.deepEqual(reads, ["latest"]);
});
