import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { startDashboard, type RunningDashboard } from "./dashboard-server.js";
import { CSRF_HEADER, type DashboardState } from "./model.js";
import { RotationTracker } from "./rotation-tracker.js";
import { fakeAssets } from "./test-support/fake-assets.js";

const VALUE = "dashboard-test-value-9d1c";
let dashboard: RunningDashboard;
let token: string;
const tracker = new RotationTracker();
const refreshed: [string | undefined, string | undefined][] = [];
const set: [string, string][] = [];

before(async () => {
  dashboard = await startDashboard({
    port: 0,
    host: "127.0.0.1",
    tracker,
    logger: pino({ level: "silent" }),
    ready: () => true,
    refresh: (vault, name) => refreshed.push([vault, name]),
    setSecret: (_vault, name, value) => {
      set.push([name, value]);
      if (name === "refused") return Promise.reject(new Error("Forbidden by the vault"));
      return Promise.resolve("0123456789abcdef0123456789abcdef");
    },
    assets: fakeAssets,
  });
  const page = await dashboard.app.inject({
    method: "GET",
    url: "/",
    headers: { host: "127.0.0.1" },
  });
  token = /name="kvsync-csrf" content="([^"]+)"/.exec(page.body)?.[1] ?? "";
});
after(() => dashboard.close());

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  dashboard.app.inject({
    method: "POST",
    url,
    headers: {
      host: "127.0.0.1:8080",
      "content-type": "application/json",
      [CSRF_HEADER]: token,
      ...headers,
    },
    payload: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("the page and its assets", () => {
  test("the page carries a fresh token and a strict CSP", async () => {
    assert.match(token, /^[A-Za-z0-9_-]{32}$/);
    const page = await dashboard.app.inject({
      method: "GET",
      url: "/",
      headers: { host: "localhost:8080" },
    });
    assert.equal(page.statusCode, 200);
    assert.match(
      String(page.headers["content-security-policy"]),
      /default-src 'none'.*script-src 'self'/,
    );
    const script = await dashboard.app.inject({
      method: "GET",
      url: "/assets/app.js",
      headers: { host: "127.0.0.1" },
    });
    assert.match(String(script.headers["content-type"]), /^text\/javascript/);
  });

  test("only the page's own files are served", async () => {
    for (const url of ["/assets/..%2Fpackage.json", "/assets/nope.js", "/assets/"]) {
      const reply = await dashboard.app.inject({
        method: "GET",
        url,
        headers: { host: "127.0.0.1" },
      });
      assert.equal(reply.statusCode, 404, url);
    }
  });

  test("a foreign Host header is refused (DNS rebinding)", async () => {
    const reply = await dashboard.app.inject({
      method: "GET",
      url: "/api/state",
      headers: { host: "attacker.example:8080" },
    });
    assert.equal(reply.statusCode, 403);
  });
});

describe("actions", () => {
  test("refresh: one object or all", async () => {
    assert.equal((await post("/api/refresh", { vault: "demo", name: "db" })).statusCode, 202);
    assert.equal((await post("/api/refresh", {})).statusCode, 202);
    assert.deepEqual(refreshed.slice(-2), [
      ["demo", "db"],
      [undefined, undefined],
    ]);
    const bad = await post("/api/refresh", { vault: 3 });
    assert.equal(bad.statusCode, 400);
  });

  test("without the page's token, or as a form post, nothing happens", async () => {
    const before = set.length;
    const cases = [
      await post("/api/secrets/db", { vault: "demo", value: VALUE }, { [CSRF_HEADER]: "guess" }),
      await post("/api/secrets/db", { vault: "demo", value: VALUE }, { [CSRF_HEADER]: "" }),
      await post("/api/secrets/db", `value=${VALUE}`, {
        "content-type": "application/x-www-form-urlencoded",
      }),
      await post("/api/secrets/db", VALUE, { "content-type": "text/plain" }),
    ];
    assert.deepEqual(
      cases.map((r) => r.statusCode),
      [403, 403, 415, 415],
    );
    assert.equal(set.length, before);
    for (const reply of cases) assert.ok(!reply.body.includes(VALUE));
  });

  test("set a value (dev): the version comes back, never the value", async () => {
    const reply = await post("/api/secrets/db", { vault: "demo", value: VALUE });
    assert.equal(reply.statusCode, 200);
    assert.deepEqual(reply.json(), { version: "0123456789abcdef0123456789abcdef" });
    assert.deepEqual(set.at(-1), ["db", VALUE]);
  });

  test("bad input gets a clear error that does not repeat the value", async () => {
    const cases: [string, unknown, number, RegExp][] = [
      ["/api/secrets/bad%20name", { vault: "demo", value: VALUE }, 400, /name/],
      ["/api/secrets/db", { value: VALUE }, 400, /vault/],
      ["/api/secrets/db", { vault: "demo", value: "" }, 400, /value/],
      ["/api/secrets/db", { vault: "demo", value: 42 }, 400, /value/],
      ["/api/secrets/db", { vault: "demo", value: "x".repeat(30_000) }, 413, /25 KB/],
      ["/api/secrets/db", "{not json", 400, /./],
      ["/api/secrets/refused", { vault: "demo", value: VALUE }, 502, /Forbidden/],
    ];
    for (const [url, body, status, message] of cases) {
      const reply = await post(url, body);
      assert.equal(reply.statusCode, status, `${url} ${JSON.stringify(body).slice(0, 40)}`);
      assert.match(reply.body, message);
      assert.ok(!reply.body.includes(VALUE));
    }
    const huge = await post("/api/secrets/db", { vault: "demo", value: "x".repeat(100_000) });
    assert.equal(huge.statusCode, 413);
  });
});

describe("state and stream", () => {
  test("the stream opens with the state, then sends each rotation as it moves", async () => {
    const url = new URL(`${dashboard.url}/api/stream`);
    const messages: { event: string; data: unknown }[] = [];
    const seen = (n: number) =>
      new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (messages.length >= n) {
            clearInterval(check);
            resolve();
          }
        }, 5);
      });
    const req = request(url, (res) => {
      assert.match(String(res.headers["content-type"]), /^text\/event-stream/);
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.+)$/m.exec(frame)?.[1];
          const data = /^data: (.+)$/m.exec(frame)?.[1];
          if (event !== undefined && data !== undefined) {
            messages.push({ event, data: JSON.parse(data) });
          }
        }
      });
    });
    req.end();
    await seen(1);
    const [first] = messages;
    assert.equal(first?.event, "state");
    assert.equal((first.data as DashboardState).canSetSecrets, true);
    tracker.published({ vault: "demo", type: "secret", name: "db", version: "v9" }, Date.now());
    await seen(2);
    const rotation = messages.find((m) => m.event === "rotation");
    assert.equal((rotation?.data as { version: string }).version, "v9");
    req.destroy();
    const state = await dashboard.app.inject({
      method: "GET",
      url: "/api/state",
      headers: { host: "127.0.0.1" },
    });
    assert.ok(!state.body.includes(VALUE), "no value in the state");
  });
});
