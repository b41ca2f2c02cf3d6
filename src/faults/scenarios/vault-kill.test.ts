import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startVaultChild } from "../support/vault-child.js";
import { startEventSink } from "../support/vault-event-sink.js";
import { VaultHttps } from "../support/vault-https.js";
import { checkReads, scenario } from "./vault-kill.js";

test("vault-kill (short): acknowledged writes and their events survive kill -9", async () => {
  const result = await scenario.run("short");
  assert.ok(
    result.held,
    [result.claim, JSON.stringify(result.figures), ...(result.notes ?? [])].join("\n"),
  );
});

test("the checks catch a lost write, a rollback, a corrupt latest and a missing event", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "kvsync-fault-vault-kill-check-"));
  const vault = await startVaultChild({ dataDir });
  const client = new VaultHttps(vault.url, vault.ca);
  const sink = await startEventSink();
  try {
    const answer = await client.call({
      method: "PUT",
      path: "/secrets/vk-check?api-version=7.5",
      headers: { authorization: "Bearer x", "content-type": "application/json" },
      body: JSON.stringify({ value: "vk-0-first" }),
    });
    const version = (JSON.parse(answer.text) as { id: string }).id.split("/").at(-1) ?? "";
    const first = { name: "vk-check", version, seq: 0, value: "vk-0-first" };
    const tried = new Map([["vk-check", new Map([[0, "vk-0-first"]])]]);
    const read = await checkReads(
      client,
      // Acknowledged, the fiction goes, but not in the store: lost, and newer than the latest.
      [first, { name: "vk-check", version: "0".repeat(32), seq: 1, value: "vk-1-second" }],
      tried,
    );
    assert.equal(read.found, 1);
    assert.equal(read.lost.length, 1);
    assert.deepEqual(read.badLatest, ["vk-check: latest is write 0, last acknowledged 1"]);
    // The latest is write 0, but write 0 sent something else: corrupt, not just old.
    const corrupt = await checkReads(client, [first], new Map([["vk-check", new Map([[0, "x"]])]]));
    assert.deepEqual(corrupt.badLatest, ["vk-check: latest holds a value write 0 never sent"]);
    assert.deepEqual(await sink.waitFor(["vk-check/never"], 50), ["vk-check/never"]);
  } finally {
    client.close();
    await sink.close();
    await vault.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
