import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { SecretClient } from "@azure/keyvault-secrets";
import { pino } from "pino";
import { waitUntil } from "../eventgrid/publisher/test-support/management.js";
import { parseSecretProviderClass, type SecretProviderClass } from "../spc/index.js";
import { startVaultFixture, type VaultFixture } from "../vault/test-support/vault-fixture.js";
import { startAgent, type AgentOptions, type RunningAgent } from "./index.js";

/**
 * The agent's side effects beyond the files, against the local vault: --signal to a pid file,
 * the secretObjects notice, and the per-object version info metric. Changes are driven by
 * POST /refresh-like engine calls, so every step waits on the engine, not on a timer.
 */

let fixture: VaultFixture;
let client: SecretClient;
let clockOffset = 0;
let root: string;
const logLines: string[] = [];
const logger = pino({ level: "debug" }, { write: (line: string) => logLines.push(line) });
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  // Each write 10 s later, so versions have distinct `created` times as real rotations do.
  fixture = await startVaultFixture({ now: () => Math.floor(Date.now() / 1000) + clockOffset });
  client = fixture.client();
  root = await mkdtemp(join(tmpdir(), "kvsync-agent-hooks-"));
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await fixture.close();
  await rm(root, { recursive: true, force: true });
});

async function setSecret(name: string, value: string): Promise<string> {
  clockOffset += 10;
  return (await client.setSecret(name, value)).properties.version ?? "";
}

function classOf(name: string, objectNames: string[], secretObjects = ""): SecretProviderClass {
  const objects = objectNames
    .map((o) => `        - |\n          objectName: ${o}\n          objectType: secret`)
    .join("\n");
  const result = parseSecretProviderClass(`apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: ${name}
  namespace: default
spec:
  provider: azure
${secretObjects}  parameters:
    keyvaultName: demo
    tenantId: "00000000-0000-0000-0000-000000000000"
    objects: |
      array:
${objects}
`);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.spc;
}

let dirs = 0;
async function agentFor(
  spcs: SecretProviderClass[],
  overrides: Partial<AgentOptions> = {},
  mounts = spcs.map(() => join(root, `m${dirs++}`)),
): Promise<{ agent: RunningAgent; mounts: string[] }> {
  const agent = await startAgent({
    targets: spcs.map((spc, i) => ({ spc, mountDir: mounts[i] ?? "" })),
    vaultEndpoints: new Map([["demo", fixture.vault.url]]),
    ca: fixture.ca,
    webhook: { port: 0, host: "127.0.0.1", auth: { kind: "none" } },
    pollIntervalMs: 3_600_000,
    backoff: { baseMs: 10, maxMs: 50, maxAttempts: 3 },
    logger,
    ...overrides,
  });
  cleanups.push(() => agent.close());
  await agent.engine.idle();
  return { agent, mounts };
}

/** A change the agent picks up now: the poll sees the new version and syncs. */
async function rotate(agent: RunningAgent, name: string, value: string): Promise<string> {
  const version = await setSecret(name, value);
  await agent.engine.poll();
  await agent.engine.idle();
  return version;
}

const linesWith = (message: string) =>
  logLines.filter((l) => (JSON.parse(l) as { msg?: string }).msg === message);

/** A process that counts the SIGHUPs it gets into a file, as a reloading server would. */
async function signalCounter(): Promise<{ child: ChildProcess; count: () => Promise<string> }> {
  const out = join(root, `hups-${Date.now()}`);
  const script = `const fs = require("node:fs"); let n = 0;
process.on("SIGHUP", () => fs.writeFileSync(process.env.OUT, String(++n)));
fs.writeFileSync(process.env.OUT, "0"); setInterval(() => {}, 60000);`;
  const child = spawn(process.execPath, ["-e", script], {
    env: { ...process.env, OUT: out },
    stdio: "ignore",
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once("exit", () => {
          resolve();
        });
        child.kill("SIGKILL");
      }),
  );
  const count = () => readFile(out, "utf8").catch(() => "");
  await waitUntil(async () => (await count()) === "0", "the child to install its handler");
  return { child, count };
}

test("--signal: exactly one signal per change, the pid file re-read each time", async () => {
  await setSecret("hup", "hup-1");
  const { child, count } = await signalCounter();
  const pidFile = join(root, "app.pid");
  await writeFile(pidFile, `${child.pid ?? ""}\n`);
  const sent = () => linesWith("signal sent").length;
  const before = sent();
  const { agent, mounts } = await agentFor([classOf("hup", ["hup"])], {
    signal: { signal: "SIGHUP", pidFile },
  });
  await waitUntil(async () => (await count()) === "1", "the first sync's signal");

  await rotate(agent, "hup", "hup-2");
  await waitUntil(async () => (await count()) === "2", "the change's signal");
  assert.equal(await readFile(join(mounts[0] ?? "", "hup"), "utf8"), "hup-2");

  // Nothing changed: no signal. A later change then brings the count to exactly 3.
  await agent.engine.refresh();
  await agent.engine.idle();
  await rotate(agent, "hup", "hup-3");
  await waitUntil(() => sent() - before === 3, "three signals sent");
  await waitUntil(async () => (await count()) === "3", "the third signal");
  assert.equal(sent() - before, 3);

  // A pid file gone bad is a warning; the files still follow.
  const warned = () => linesWith("--pid-file has no valid pid; no signal sent").length;
  const warnedBefore = warned();
  await writeFile(pidFile, "not a pid");
  await rotate(agent, "hup", "hup-4");
  await rm(pidFile);
  await rotate(agent, "hup", "hup-5");
  await waitUntil(() => warned() - warnedBefore === 2, "two warnings");
  assert.equal(await readFile(join(mounts[0] ?? "", "hup"), "utf8"), "hup-5");
  assert.equal(await count(), "3");
});

test("secretObjects: one info line per class, and the agent runs on", async () => {
  await setSecret("so", "so-1");
  const secretObjects = `  secretObjects:
    - secretName: app-secret
      type: Opaque
      data:
        - { objectName: so, key: k }
    - secretName: other-secret
      type: Opaque
      data:
        - { objectName: so, key: k }
`;
  const withObjects = classOf("with-objects", ["so"], secretObjects);
  const before = logLines.length;
  const { agent, mounts } = await agentFor([withObjects, withObjects, classOf("plain", ["so"])]);
  const notices = logLines
    .slice(before)
    .map(
      (l) =>
        JSON.parse(l) as { msg: string; level: number; class?: string; secretObjects?: string[] },
    )
    .filter((l) => l.msg.startsWith("secretObjects are kept by kvsync controller"));
  assert.equal(notices.length, 1);
  const notice = notices[0];
  assert.ok(notice !== undefined);
  assert.equal(notice.level, 30);
  assert.equal(notice.class, "default/with-objects");
  assert.deepEqual(notice.secretObjects, ["app-secret", "other-secret"]);
  assert.ok(agent.engine.ready);
  for (const mount of mounts) assert.equal(await readFile(join(mount, "so"), "utf8"), "so-1");
});

test("kvsync_object_version_info: one series per object, replaced when the version changes", async () => {
  const v1 = await setSecret("versioned", "ver-1");
  const { agent } = await agentFor([classOf("ver", ["versioned"])]);
  const series = async () => {
    const reply = await agent.app.inject({ method: "GET", url: "/metrics" });
    return reply.body.split("\n").filter((l) => l.startsWith("kvsync_object_version_info{"));
  };
  assert.deepEqual(await series(), [
    `kvsync_object_version_info{vault="demo",type="secret",name="versioned",version="${v1}"} 1`,
  ]);
  const v2 = await rotate(agent, "versioned", "ver-2");
  assert.notEqual(v1, v2);
  assert.deepEqual(await series(), [
    `kvsync_object_version_info{vault="demo",type="secret",name="versioned",version="${v2}"} 1`,
  ]);
  assert.ok(!(await series()).join("\n").includes("ver-"), "no value in a label");
});

test("/metrics carries the process's memory and event-loop figures for sizing the pod", async () => {
  await setSecret("sized", "sized-1");
  const { agent } = await agentFor([classOf("sized", ["sized"])]);
  const reply = await agent.app.inject({ method: "GET", url: "/metrics" });
  const rss = /^process_resident_memory_bytes (\d+)$/m.exec(reply.body)?.[1];
  assert.ok(Number(rss) > 0, "process_resident_memory_bytes");
  assert.match(reply.body, /^nodejs_eventloop_lag_p99_seconds /m);
  assert.match(reply.body, /^kvsync_propagation_seconds_bucket\{le="0.005"\} /m);
});

test("restarted onto a folder that already holds the files: no hook runs until a real change", async () => {
  await setSecret("kept", "kept-1");
  const out = join(root, "kept-runs.txt");
  const exec = `printf '%s\\n' "$KVSYNC_CHANGED" >> '${out}'`;
  const runs = () => readFile(out, "utf8").catch(() => "");
  const first = await agentFor([classOf("kept", ["kept"])], { exec });
  await waitUntil(async () => (await runs()) === "kept\n", "the first sync's --exec");
  await first.agent.close();

  // Same folder, same content: the second agent's first sync writes nothing. --exec runs one
  // at a time in order, so a spurious run would sit before the rotation's.
  const second = await agentFor([classOf("kept", ["kept"])], { exec }, first.mounts);
  await rotate(second.agent, "kept", "kept-2");
  await waitUntil(async () => (await runs()).split("\n").length >= 3, "the rotation's --exec");
  assert.equal(await runs(), "kept\nkept\n");
});
