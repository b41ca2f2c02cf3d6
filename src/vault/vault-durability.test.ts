import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import type { RestError } from "@azure/core-rest-pipeline";
import { SecretClient } from "@azure/keyvault-secrets";
import { assertValue, TestValues } from "./test-support/secret-assertions.js";
import {
  anyTokenCredential,
  startVaultFixture,
  type VaultFixture,
} from "./test-support/vault-fixture.js";

/**
 * A write the SDK saw acknowledged survives kill -9: the vault runs in a child process, takes
 * many concurrent setSecret calls, is killed mid-stream, and a new vault on the same data must
 * return every acknowledged version with its value.
 */

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VAULT_PROCESS = fileURLToPath(new URL("./test-support/vault-process.ts", import.meta.url));
const WORKERS = 32;
const KILL_AFTER_ACKS = 200;

let dataDir = "";
let child: ChildProcessWithoutNullStreams | undefined;
let restarted: VaultFixture | undefined;
const values = new TestValues();

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "kvsync-durability-"));
});

after(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  if (restarted) await restarted.close();
  else await rm(dataDir, { recursive: true, force: true });
});

async function spawnVault(): Promise<{ url: string; ca: string }> {
  const proc = spawn(process.execPath, ["--import", "tsx", VAULT_PROCESS, dataDir], {
    cwd: REPO_ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  child = proc;
  let stderr = "";
  proc.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const lines = createInterface({ input: proc.stdout });
  const exited = once(proc, "exit").then(([code]) => {
    throw new Error(`vault process exited (${String(code)}) before listening: ${stderr}`);
  });
  const [line] = (await Promise.race([once(lines, "line"), exited])) as [string];
  lines.close();
  const { url, caPath } = JSON.parse(line) as { url: string; caPath: string };
  return { url, ca: await readFile(caPath, "utf8") };
}

test("every acknowledged setSecret survives SIGKILL mid-stream", async () => {
  const { url, ca } = await spawnVault();
  const proc = child;
  assert.ok(proc, "vault process started");
  const client = new SecretClient(url, anyTokenCredential, {
    disableChallengeResourceVerification: true,
    tlsOptions: { ca },
    // After the kill, in-flight calls should fail now rather than back off and retry.
    retryOptions: { maxRetries: 0 },
  });

  const acknowledged: { name: string; version: string; value: string }[] = [];
  let failed = 0;
  let killed = false;
  const killedYet = (): boolean => killed;
  let reachedTarget: () => void = () => undefined;
  const target = new Promise<void>((resolve) => {
    reachedTarget = resolve;
  });

  const worker = async (w: number): Promise<void> => {
    for (let i = 0; !killed; i++) {
      const name = `dur-${w}-${i}`;
      const value = values.next(name);
      try {
        const set = await client.setSecret(name, value, { tags: { worker: String(w) } });
        acknowledged.push({ name, version: set.properties.version ?? "", value });
        if (acknowledged.length >= KILL_AFTER_ACKS) reachedTarget();
      } catch (error) {
        failed++;
        if (!killedYet()) {
          const { code, statusCode, message } = error as RestError;
          throw new Error(
            `setSecret ${name} failed before the kill: ${String(statusCode)} ${String(code)} ${message}`,
          );
        }
      }
    }
  };
  // One write first: @azure/keyvault-common 2.1.0 loses the body of a request whose bodiless
  // challenge round trip overlaps another's (its "started" state is shared), so concurrent
  // first calls on a fresh client can reach any vault, real or local, without their body.
  const warmUp = values.next("dur-warm-up");
  const first = await client.setSecret("dur-warm-up", warmUp, { tags: { worker: "warm" } });
  acknowledged.push({
    name: "dur-warm-up",
    version: first.properties.version ?? "",
    value: warmUp,
  });

  const workers = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  await Promise.race([
    target,
    workers.then(() => {
      throw new Error("the writers stopped before the kill");
    }),
  ]);
  killed = true;
  proc.kill("SIGKILL");
  const [, signal] = (await once(proc, "exit")) as [number | null, string | null];
  assert.equal(signal, "SIGKILL");
  await workers;
  assert.ok(failed > 0, "some writes were in flight when the vault died");
  const acked = acknowledged.length;

  restarted = await startVaultFixture({ dataDir });
  const after = restarted.client();
  for (const { name, version, value } of acknowledged) {
    const got = await after.getSecret(name);
    assert.equal(got.properties.version, version, `${name} has its acknowledged version`);
    assertValue(got.value, value, name);
    assert.deepEqual(got.properties.tags, { worker: name.split("-")[1] });
  }
  assert.equal(acknowledged.length, acked);

  // The store is consistent: whatever was written in part is either whole or absent.
  let listed = 0;
  for await (const p of after.listPropertiesOfSecrets()) {
    assert.match(p.name, /^dur-(\d+-\d+|warm-up)$/);
    listed++;
  }
  assert.ok(
    listed >= acked && listed <= acked + failed,
    `${listed} secrets listed, ${acked} acked`,
  );
  const value = values.next("after-restart");
  await after.setSecret("dur-after", value);
  assertValue((await after.getSecret("dur-after")).value, value, "write after restart");
});
