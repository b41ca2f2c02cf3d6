import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import http from "node:http";
import { Script } from "node:vm";
import { describe, test } from "node:test";
import {
  CLOUD_EVENT_HEADERS,
  CLOUD_EVENT_SECRET_NEW_VERSION,
  EVENT_GRID_HEADERS,
  EVENT_GRID_SECRET_NEW_VERSION,
  SUBSCRIPTION_VALIDATION,
  VALIDATION_CODE,
  VALIDATION_HEADERS,
} from "../eventgrid/receiver/test-support/payloads.js";
import { createEchoApp, startEcho, type EchoAppOptions, type EchoRecord } from "./index.js";

const T0 = new Date("2026-01-01T00:00:00.000Z");

/** Header names keep their case over a socket; inject lower-cases them. */
const header = (record: EchoRecord | undefined, name: string): string | undefined =>
  record?.headers.find(([key]) => key.toLowerCase() === name)?.[1];

function echo(options: EchoAppOptions = {}) {
  const app = createEchoApp({ now: () => T0, ...options });
  const recorded = async (): Promise<EchoRecord[]> => {
    const response = await app.inject({ method: "GET", url: "/_echo/requests" });
    assert.equal(response.statusCode, 200);
    return response.json<{ requests: EchoRecord[] }>().requests;
  };
  return { app, recorded };
}

describe("recording", () => {
  test("records method, path, query, headers, time and a pretty-printed JSON body", async () => {
    const { app, recorded } = echo();
    const response = await app.inject({
      method: "POST",
      url: "/hooks/kv?x=1&y=a%20b&x=2",
      headers: { "content-type": "application/json", "X-Custom": "yes" },
      payload: '{"a":[1,{"b":null}]}',
    });
    assert.equal(response.statusCode, 200);
    const [record] = await recorded();
    assert.deepEqual(
      { ...record, headers: undefined },
      {
        seq: 1,
        time: T0.toISOString(),
        method: "POST",
        path: "/hooks/kv",
        query: [
          ["x", "1"],
          ["y", "a b"],
          ["x", "2"],
        ],
        headers: undefined,
        body: '{\n  "a": [\n    1,\n    {\n      "b": null\n    }\n  ]\n}',
        bodyBytes: 20,
        json: true,
        truncated: false,
        reply: { status: 200 },
      },
    );
    assert.equal(header(record, "x-custom"), "yes");
  });

  test("records any method on any path, including POST /, and answers 200", async () => {
    const { app, recorded } = echo();
    const requests = [
      ["PUT", "/a"],
      ["DELETE", "/b/c"],
      ["PATCH", "/"],
      ["GET", "/d"],
      ["HEAD", "/e"],
      ["POST", "/"],
      ["PROPFIND", "/f"],
    ] as const;
    for (const [method, url] of requests) {
      const response = await app.inject({ method: method as "GET", url });
      assert.equal(response.statusCode, 200, `${method} ${url}`);
    }
    assert.deepEqual(
      (await recorded()).map((record) => `${record.method} ${record.path}`),
      requests.map(([method, url]) => `${method} ${url}`).reverse(),
    );
  });

  test("does not record its own page and routes", async () => {
    const { app, recorded } = echo();
    assert.equal((await app.inject({ method: "GET", url: "/" })).statusCode, 200);
    assert.equal((await app.inject({ method: "GET", url: "/?tab=1" })).statusCode, 200);
    await recorded();
    const unknown = await app.inject({ method: "POST", url: "/_echo/nope" });
    assert.equal(unknown.statusCode, 404);
    assert.deepEqual(await recorded(), []);
  });

  test("keeps text bodies as sent and cuts long ones", async () => {
    const { app, recorded } = echo();
    await app.inject({
      method: "POST",
      url: "/t",
      headers: { "content-type": "text/plain" },
      payload: "{not json",
    });
    await app.inject({
      method: "POST",
      url: "/big",
      headers: { "content-type": "text/plain" },
      payload: "x".repeat(100_000),
    });
    const [big, text] = await recorded();
    assert.deepEqual([text?.body, text?.json], ["{not json", false]);
    assert.deepEqual(
      [big?.body.length, big?.bodyBytes, big?.truncated],
      [64 * 1024, 100_000, true],
    );
  });

  test("answers 413 beyond 1 MB but still records that the request came", async () => {
    const { app, recorded } = echo();
    const response = await app.inject({
      method: "POST",
      url: "/huge",
      headers: { "content-type": "application/json" },
      payload: "x".repeat(1024 * 1024 + 1),
    });
    assert.equal(response.statusCode, 413);
    const [record] = await recorded();
    assert.deepEqual(
      [record?.path, record?.body, record?.reply],
      ["/huge", "", { status: 413, note: "body over 1 MB, not read" }],
    );
  });

  test("keeps only the newest requests, up to its capacity", async () => {
    const { app, recorded } = echo({ capacity: 3 });
    for (let i = 1; i <= 5; i++) await app.inject({ method: "POST", url: `/${i}` });
    assert.deepEqual(
      (await recorded()).map((record) => [record.seq, record.path]),
      [
        [5, "/5"],
        [4, "/4"],
        [3, "/3"],
      ],
    );
  });

  test("forgets everything on DELETE /_echo/requests", async () => {
    const { app, recorded } = echo();
    await app.inject({ method: "POST", url: "/a" });
    assert.equal((await app.inject({ method: "DELETE", url: "/_echo/requests" })).statusCode, 204);
    assert.deepEqual(await recorded(), []);
    await app.inject({ method: "POST", url: "/b" });
    assert.equal((await recorded())[0]?.seq, 2);
  });
});

describe("Event Grid", () => {
  test("completes the subscription validation handshake and records it", async () => {
    const { app, recorded } = echo();
    const response = await app.inject({
      method: "POST",
      url: "/",
      headers: VALIDATION_HEADERS,
      payload: SUBSCRIPTION_VALIDATION,
    });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { validationResponse: VALIDATION_CODE });
    const [record] = await recorded();
    assert.deepEqual(record?.reply, { status: 200, note: "Event Grid subscription validated" });
    assert.equal(record.body, JSON.stringify(JSON.parse(SUBSCRIPTION_VALIDATION), null, 2));
  });

  test("gives CloudEvents webhook consent and records it", async () => {
    const { app, recorded } = echo();
    const response = await app.inject({
      method: "OPTIONS",
      url: "/api/events",
      headers: {
        "webhook-request-origin": "eventgrid.azure.net",
        "webhook-request-callback": "https://x/cb",
      },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers["webhook-allowed-origin"], "eventgrid.azure.net");
    assert.equal(response.headers["webhook-allowed-rate"], "*");
    assert.equal((await recorded())[0]?.reply.note, "CloudEvents webhook consent given");
  });

  test("records Azure's deliveries in both schemas as pretty JSON", async () => {
    const { app, recorded } = echo();
    await app.inject({
      method: "POST",
      url: "/eg",
      headers: EVENT_GRID_HEADERS,
      payload: EVENT_GRID_SECRET_NEW_VERSION,
    });
    await app.inject({
      method: "POST",
      url: "/ce",
      headers: CLOUD_EVENT_HEADERS,
      payload: CLOUD_EVENT_SECRET_NEW_VERSION,
    });
    const [ce, eg] = await recorded();
    assert.equal(eg?.body, JSON.stringify(JSON.parse(EVENT_GRID_SECRET_NEW_VERSION), null, 2));
    assert.equal(ce?.body, JSON.stringify(JSON.parse(CLOUD_EVENT_SECRET_NEW_VERSION), null, 2));
    assert.deepEqual(eg.reply, { status: 200 });
    assert.ok(
      eg.headers.some(([name, value]) => name === "aeg-event-type" && value === "Notification"),
    );
  });
});

describe("credentials", () => {
  const SECRET = "s3cr3t-VALUE";
  test("are redacted from headers and the code parameter before anything is kept", async () => {
    const { app, recorded } = echo();
    await app.inject({
      method: "POST",
      url: `/api/events?code=${SECRET}&Code=${SECRET}&keep=1`,
      headers: {
        Authorization: `Bearer ${SECRET}`,
        "aeg-sas-key": SECRET,
        "AEG-SAS-TOKEN": `r=x&e=1&s=${SECRET}`,
        "proxy-authorization": SECRET,
        "content-type": "application/json",
      },
      payload: "{}",
    });
    const [record] = await recorded();
    assert.equal(header(record, "authorization"), "Bearer [redacted]");
    assert.equal(header(record, "aeg-sas-key"), "[redacted]");
    assert.equal(header(record, "aeg-sas-token"), "[redacted]");
    assert.equal(header(record, "proxy-authorization"), "[redacted]");
    assert.deepEqual(record?.query, [
      ["code", "[redacted]"],
      ["Code", "[redacted]"],
      ["keep", "1"],
    ]);
    const everything = (await app.inject({ method: "GET", url: "/_echo/requests" })).body;
    assert.ok(!everything.includes(SECRET));
  });
});

describe("page", () => {
  test("is one self-contained page whose inline script and style the CSP pins", async () => {
    const { app } = echo();
    const response = await app.inject({ method: "GET", url: "/" });
    assert.match(String(response.headers["content-type"]), /^text\/html/);
    const csp = String(response.headers["content-security-policy"]);
    const page = response.body;
    for (const tag of ["script", "style"]) {
      const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(page);
      assert.ok(match?.[1], tag);
      const hash = createHash("sha256").update(match[1]).digest("base64");
      assert.ok(csp.includes(`'sha256-${hash}'`), `${tag} hash in CSP`);
    }
    assert.match(csp, /default-src 'none'/);
    // the inline script at least parses
    new Script(/<script>([\s\S]*?)<\/script>/.exec(page)?.[1] ?? "syntax error!");
    assert.doesNotMatch(
      page,
      /\b(src|href)=|https?:\/\/|innerHTML|insertAdjacentHTML|document\.write/,
    );
    assert.ok(page.length < 12_000, `page is ${page.length} bytes`);
  });

  test("never carries request content: it arrives as data only", async () => {
    const { app, recorded } = echo();
    const markup = "<img src=x onerror=alert(1)>";
    await app.inject({
      method: "POST",
      url: `/${encodeURIComponent(markup)}`,
      headers: { "x-evil": markup },
      payload: markup,
    });
    assert.ok(!(await app.inject({ method: "GET", url: "/" })).body.includes("onerror"));
    const requests = await app.inject({ method: "GET", url: "/_echo/requests" });
    assert.match(String(requests.headers["content-type"]), /^application\/json/);
    assert.equal((await recorded())[0]?.body, markup);
  });
});

/** Reads server-sent event frames from a response, one at a time, as they arrive. */
function frames(response: http.IncomingMessage): () => Promise<string> {
  let buffer = "";
  const waiting: ((frame: string) => void)[] = [];
  const ready: string[] = [];
  response.setEncoding("utf8");
  response.on("data", (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const waiter = waiting.shift();
      if (waiter) waiter(frame);
      else ready.push(frame);
    }
  });
  return () => {
    const frame = ready.shift();
    return frame === undefined
      ? new Promise((resolve) => waiting.push(resolve))
      : Promise.resolve(frame);
  };
}

function openStream(url: string, headers: Record<string, string> = {}) {
  return new Promise<{
    next: () => Promise<string>;
    request: http.ClientRequest;
    response: http.IncomingMessage;
  }>((resolve, reject) => {
    const request = http.get(`${url}/_echo/stream`, { headers }, (response) => {
      resolve({ next: frames(response), request, response });
    });
    request.on("error", reject);
  });
}

const dataOf = (frame: string): EchoRecord =>
  JSON.parse(
    frame
      .split("\n")
      .find((line) => line.startsWith("data: "))
      ?.slice(6) ?? "null",
  ) as EchoRecord;

describe("live stream over loopback", () => {
  test("pushes each new request to a connected page", async (t) => {
    const running = await startEcho({ port: 0 });
    t.after(() => running.close());
    assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const stream = await openStream(running.url);
    t.after(() => stream.request.destroy());
    assert.match(String(stream.response.headers["content-type"]), /^text\/event-stream/);
    assert.equal(await stream.next(), ": kvsync echo"); // subscribed
    const sent = await fetch(`${running.url}/hook?code=abc`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer abc" },
      body: '{"hello":"world"}',
    });
    assert.equal(sent.status, 200);
    const frame = await stream.next();
    assert.match(frame, /^id: 1\nevent: request\ndata: /);
    const record = dataOf(frame);
    assert.equal(record.path, "/hook");
    assert.equal(record.body, '{\n  "hello": "world"\n}');
    assert.deepEqual(record.query, [["code", "[redacted]"]]);
    assert.ok(!frame.includes("abc"));
  });

  test("replays what a reconnecting page missed, after its Last-Event-ID", async (t) => {
    const running = await startEcho({ port: 0 });
    t.after(() => running.close());
    for (const path of ["/one", "/two", "/three"])
      await fetch(`${running.url}${path}`, { method: "POST" });
    const stream = await openStream(running.url, { "last-event-id": "1" });
    t.after(() => stream.request.destroy());
    assert.equal(await stream.next(), ": kvsync echo");
    assert.deepEqual(
      [dataOf(await stream.next()).path, dataOf(await stream.next()).path],
      ["/two", "/three"],
    );
    // an id from before a restart (beyond the last one given out) replays everything
    const restarted = await openStream(running.url, { "last-event-id": "99" });
    t.after(() => restarted.request.destroy());
    assert.equal(await restarted.next(), ": kvsync echo");
    assert.equal(dataOf(await restarted.next()).path, "/one");
  });
});
