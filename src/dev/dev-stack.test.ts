import assert from "node:assert/strict";
import { createServer } from "node:net";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pino } from "pino";
import type { DashboardState } from "../dashboard/model.js";
import { waitUntil } from "../eventgrid/publisher/test-support/management.js";
import { loadSecretProviderClass } from "../spc/index.js";
import { startVaultFixture, type VaultFixture } from "../vault/test-support/vault-fixture.js";
import { startDevStack, type DevStackOptions } from "./dev-stack.js";

/**
 * `kvsync dev` minus the terminal: the seeded vault, the agent with its dashboard and the echo
 * page, subscribed. The dashboard's set action goes through the vault like any client would.
 */

let fixture: VaultFixture;
let work: string;
const VALUE = "dev-stack-set-value-77";

before(async () => {
  fixture = await startVaultFixture({ eventGrid: { retryScale: 0.001 } });
  work = await mkdtemp(join(tmpdir(), "kvsync-dev-stack-"));
});
after(async () => {
  await fixture.close();
  await rm(work, { recursive: true, force: true });
});

async function options(overrides: Partial<DevStackOptions> = {}): Promise<DevStackOptions> {
  return {
    vault: fixture.vault,
    spc: await loadSecretProviderClass("examples/secretproviderclass.yaml"),
    mountDir: join(work, "mnt"),
    seedFile: "examples/dev-secrets.yaml",
    host: "127.0.0.1",
    agentPort: 0,
    dashboardPort: 0,
    echoPort: 0,
    logger: pino({ level: "silent" }),
    ...overrides,
  };
}

test("first start seeds, syncs, subscribes; the page's set travels to the file", async () => {
  const stack = await startDevStack(await options());
  try {
    assert.deepEqual(stack.seeded, ["secret1", "db-password", "api-key"]);
    await stack.agent.engine.idle();
    assert.equal(
      await readFile(join(work, "mnt", "secret1"), "utf8"),
      "hello from the local vault",
    );
    assert.deepEqual(
      fixture.vault.eventGrid.listSubscriptions().map((s) => [s.name, s.provisioningState]),
      [
        ["agent", "Succeeded"],
        ["echo", "Succeeded"],
      ],
    );
    const page = await (await fetch(stack.dashboardUrl)).text();
    const token = /name="kvsync-csrf" content="([^"]+)"/.exec(page)?.[1] ?? "";
    const set = await fetch(`${stack.dashboardUrl}/api/secrets/secret1`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-kvsync-csrf": token },
      body: JSON.stringify({ vault: "demo", value: VALUE }),
    });
    assert.equal(set.status, 200);
    const { version } = (await set.json()) as { version: string };
    let state: DashboardState | undefined;
    await waitUntil(async () => {
      state = (await (await fetch(`${stack.dashboardUrl}/api/state`)).json()) as DashboardState;
      return state.rotations.some((r) => r.version === version && r.trigger === "push");
    }, "the pushed rotation");
    assert.ok(state);
    const rotation = state.rotations.find((r) => r.version === version);
    assert.deepEqual(rotation?.hops.map((h) => h.kind).slice(0, 2), ["created", "published"]);
    assert.equal(await readFile(join(work, "mnt", "secret1"), "utf8"), VALUE);
    assert.ok(state.canSetSecrets);
    assert.ok(state.subscriptions.some((s) => s.source === "vault" && s.name === "agent"));
    assert.ok(!JSON.stringify(state).includes(VALUE));
  } finally {
    await stack.close();
  }
});

test("a second start keeps the data: nothing is seeded over a rotation", async () => {
  const stack = await startDevStack(await options());
  try {
    assert.deepEqual(stack.seeded, []);
    await stack.agent.engine.idle();
    assert.equal(await readFile(join(work, "mnt", "secret1"), "utf8"), VALUE);
  } finally {
    await stack.close();
  }
});

test("a port in use names the flag to change, and nothing stays running", async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
  const port = (blocker.address() as { port: number }).port;
  try {
    await assert.rejects(startDevStack(await options({ dashboardPort: port })), {
      message: new RegExp(`port ${port} is already in use: choose another with --dashboard-port`),
    });
    await assert.rejects(startDevStack(await options({ agentPort: port })), /--agent-port/);
    await assert.rejects(startDevStack(await options({ echoPort: port })), /--echo-port/);
  } finally {
    blocker.close();
  }
});

test("a bad seed file is a clear error that names the file and key, never a value", async () => {
  const seed = join(work, "bad-seed.yaml");
  await writeFile(seed, "secrets:\n  ok-name: fine\n  bad_name: hidden-value-1\n  empty: ''\n");
  await assert.rejects(startDevStack(await options({ seedFile: seed })), (error: unknown) => {
    assert.ok(error instanceof Error);
    assert.match(error.message, /bad-seed\.yaml: secrets\.bad_name/);
    assert.match(error.message, /secrets\.empty: an empty value/);
    assert.ok(!error.message.includes("hidden-value-1"));
    return true;
  });
  await writeFile(seed, "secrets: [unclosed\n");
  await assert.rejects(startDevStack(await options({ seedFile: seed })), /is not YAML/);
});
