import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { ConfigError } from "../config/option-table.js";
import { serveEcho } from "./echo-command.js";

test("serves the echo from flags, and names the flag that is wrong", async () => {
  const running = await serveEcho({ port: "0", host: "127.0.0.1", capacity: "5" });
  try {
    const response = await fetch(`${running.url}/x`, { method: "POST", body: "hi" });
    assert.equal(response.status, 200);
  } finally {
    await running.close();
  }
  await assert.rejects(
    serveEcho({ port: "http", host: "127.0.0.1", capacity: "5" }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, ["--port: must be a port number"]);
      return true;
    },
  );
});

test("`kvsync echo` prints its URL, serves until SIGTERM, then exits cleanly", async () => {
  const module = fileURLToPath(new URL("./echo-command.ts", import.meta.url));
  const script = `import { echoCommand } from ${JSON.stringify(module)};
await echoCommand().parseAsync(["--port", "0"], { from: "user" });`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(child.stdout.setEncoding("utf8"), "data")) as [string];
  const match = /^echo {2}(http:\/\/127\.0\.0\.1:\d+)\n$/.exec(line);
  assert.ok(match?.[1], line);
  assert.equal((await fetch(`${match[1]}/`)).status, 200);
  child.kill("SIGTERM");
  const [code] = (await once(child, "exit")) as [number | null];
  assert.equal(code, 0);
});
