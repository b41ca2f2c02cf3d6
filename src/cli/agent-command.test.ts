import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { agentOptions, ConfigError, parseOptions } from "../config/index.js";
import { startVaultFixture } from "../vault/test-support/vault-fixture.js";
import { agentCommand, runAgent } from "./agent-command.js";
import { planAgent } from "./agent-plan.js";

let dir: string;
/** What commander fills in from the table's defaults. */
const defaults = {
  webhookPort: "0",
  webhookHost: "127.0.0.1",
  dashboardHost: "127.0.0.1",
  rotationPollInterval: "2m",
  vaultData: ".kvsync/vault",
  logLevel: "silent",
};
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "kvsync-agent-cli-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const classWith = (objects: string) => `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: c
spec:
  provider: azure
  parameters:
    keyvaultName: demo
    tenantId: "00000000-0000-0000-0000-000000000000"
    objects: |
      array:
        - |
${objects}
`;

test("an invalid class is a ConfigError (exit 2) listing its problems", async () => {
  const file = join(dir, "bad.yaml");
  await writeFile(file, classWith("          objectType: secret"));
  await assert.rejects(
    runAgent({ ...defaults, class: file, mount: join(dir, "m") }),
    (error: unknown) => error instanceof ConfigError && /objectName/.test(error.message),
  );
});

test("bad flags are reported together", async () => {
  await assert.rejects(
    runAgent({
      class: "x.yaml",
      mount: "m",
      rotationPollInterval: "often",
      vaultEndpoint: ["demo"],
    }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /--rotation-poll-interval/.test(error.message) &&
      /--vault-endpoint/.test(error.message),
  );
});

test("runs against a local vault named by --vault-endpoint and --ca", async () => {
  const fixture = await startVaultFixture();
  try {
    await fixture.client().setSecret("cli-secret", "cli-value");
    const file = join(dir, "ok.yaml");
    await writeFile(
      file,
      classWith("          objectName: cli-secret\n          objectType: secret"),
    );
    const ca = join(dir, "ca.pem");
    await writeFile(ca, fixture.ca);
    const mount = join(dir, "mount");
    const agent = await runAgent({
      ...defaults,
      class: file,
      mount,
      vaultEndpoint: [`demo=${fixture.vault.url}`],
      ca,
    });
    try {
      await agent.engine.idle();
      assert.equal(await readFile(join(mount, "cli-secret"), "utf8"), "cli-value");
      const ready = await agent.app.inject({ method: "GET", url: "/readyz" });
      assert.equal(ready.statusCode, 200);
    } finally {
      await agent.close();
    }
  } finally {
    await fixture.close();
  }
});

test("the command's flags and defaults reach the same checks (exit 2 for a bad class)", async () => {
  const file = join(dir, "bad2.yaml");
  await writeFile(file, classWith("          objectType: secret"));
  const command = agentCommand().exitOverride();
  await assert.rejects(
    command.parseAsync(["--class", file, "--mount", join(dir, "m2"), "--log-level", "silent"], {
      from: "user",
    }),
    (error: unknown) => error instanceof ConfigError && /objectName/.test(error.message),
  );
});

test("--config: two classes into two folders, paths relative to the file's folder", async () => {
  const fixture = await startVaultFixture();
  try {
    await fixture.client().setSecret("cfg-a", "value-a");
    await fixture.client().setSecret("cfg-b", "value-b");
    const base = await mkdtemp(join(dir, "config-"));
    await mkdir(join(base, "classes"));
    await writeFile(
      join(base, "classes", "a.yaml"),
      classWith("          objectName: cfg-a\n          objectType: secret"),
    );
    await writeFile(
      join(base, "classes", "b.yaml"),
      classWith("          objectName: cfg-b\n          objectType: secret"),
    );
    await writeFile(join(base, "ca.pem"), fixture.ca);
    const config = join(base, "agent.yaml");
    await writeFile(
      config,
      `targets:
  - class: classes/a.yaml
    mount: mnt/a
  - { class: classes/b.yaml, mount: mnt/b }
vaultEndpoints:
  demo: ${fixture.vault.url}
ca: ca.pem
rotationPollInterval: 30s
webhookPort: 0
`,
    );
    const agent = await runAgent({ ...defaults, webhookPort: "1", config });
    try {
      await agent.engine.idle();
      assert.equal(await readFile(join(base, "mnt", "a", "cfg-a"), "utf8"), "value-a");
      assert.equal(await readFile(join(base, "mnt", "b", "cfg-b"), "utf8"), "value-b");
      assert.notEqual(new URL(agent.url).port, "1", "the file's webhookPort wins");
    } finally {
      await agent.close();
    }
  } finally {
    await fixture.close();
  }
});

test("a bad --config is a ConfigError listing every problem with its path", async () => {
  const config = join(dir, "bad-agent.yaml");
  await writeFile(
    config,
    `targets:
  - class: a.yaml
  - class: b.yaml
    mount: m
    extra: 1
rotationPollInterval: often
webhookPort: 70000
surprise: true
`,
  );
  await assert.rejects(runAgent({ ...defaults, config }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    const text = error.problems.join("\n");
    for (const expected of [
      /targets\[0\]\.mount: is required/,
      /targets\[1\]: .*extra/,
      /rotationPollInterval: must be a duration/,
      /webhookPort: must be 0–65535/,
      /: .*surprise/,
    ]) {
      assert.match(text, expected);
    }
    assert.ok(error.problems.every((p) => p.startsWith(`${config}: `)));
    return true;
  });
  await writeFile(config, "targets: []\n");
  await assert.rejects(
    runAgent({ ...defaults, config }),
    (error: unknown) => error instanceof ConfigError && /at least one target/.test(error.message),
  );
  await assert.rejects(
    runAgent({ ...defaults, config: join(dir, "missing.yaml") }),
    (error: unknown) => error instanceof ConfigError && /--config: cannot read/.test(error.message),
  );
});

test("--config excludes --class/--mount; without it both are required", async () => {
  await assert.rejects(
    runAgent({ ...defaults, config: "agent.yaml", class: "c.yaml" }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /--config cannot be combined with --class or --mount/.test(error.message),
  );
  await assert.rejects(
    runAgent({ ...defaults }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /--class: is required/.test(error.message) &&
      /--mount: is required/.test(error.message),
  );
});

test("--signal needs --pid-file, and a real signal name", async () => {
  await assert.rejects(
    runAgent({ ...defaults, class: "c.yaml", mount: "m", signal: "SIGHUP" }),
    (error: unknown) => error instanceof ConfigError && /go together/.test(error.message),
  );
  await assert.rejects(
    runAgent({ ...defaults, class: "c.yaml", mount: "m", signal: "SIGNOPE", pidFile: "p" }),
    (error: unknown) =>
      error instanceof ConfigError && /--signal: must be a signal/.test(error.message),
  );
});

test("--config: a flag typed on the command line wins over the file's key; a default does not", async () => {
  const config = join(dir, "precedence.yaml");
  await writeFile(
    config,
    `targets:
  - { class: c.yaml, mount: m }
webhookPort: 7001
rotationPollInterval: 30s
vaultEndpoints:
  demo: https://127.0.0.1:1
`,
  );
  const flags = parseOptions(agentOptions, {
    ...defaults,
    config,
    webhookPort: "7002",
    vaultEndpoint: ["demo=https://127.0.0.1:2"],
  });
  const typed = await planAgent(flags, new Set(["webhookPort", "vaultEndpoint"]));
  assert.equal(typed.webhookPort, 7002);
  assert.equal(typed.pollIntervalMs, 30_000, "the file's key beats the flag's default");
  assert.equal(typed.endpoints.get("demo"), "https://127.0.0.1:2");
  const untyped = await planAgent(flags);
  assert.equal(untyped.webhookPort, 7001);
});
