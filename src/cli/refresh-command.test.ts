import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { main } from "./main.js";

test("kvsync refresh POSTs /refresh to the agent and exits 0; no agent → exit 1", async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method ?? ""} ${req.url ?? ""}`);
    res.writeHead(202).end('{"status":"refreshing"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const agent = `http://127.0.0.1:${port}`;
  try {
    assert.equal(await main(["node", "kvsync", "refresh", "--agent", agent]), 0);
    assert.deepEqual(seen, ["POST /refresh"]);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  assert.equal(await main(["node", "kvsync", "refresh", "--agent", agent]), 1);
  assert.equal(await main(["node", "kvsync", "refresh", "--agent", "not a url"]), 2);
});
