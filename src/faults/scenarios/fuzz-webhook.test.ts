import assert from "node:assert/strict";
import { test } from "node:test";
import Fastify from "fastify";
import fc from "fast-check";
import { webhookCase } from "../support/fuzz-webhook-inputs.js";
import { checkCase, newTally, scenario, type Receiver } from "./fuzz-webhook.js";

test("fuzz-webhook (short): the webhook receiver holds its claims", async () => {
  const result = await scenario.run("short");
  assert.ok(
    result.held,
    [result.claim, JSON.stringify(result.figures), ...(result.notes ?? [])].join("\n"),
  );
});

test("the checks catch a receiver that answers 5xx, or plain text, or the wrong status", async () => {
  // A stand-in receiver broken in three ways: a crash, a text refusal, an accepted bad body.
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => {
    done(null, body);
  });
  app.post("/api/events", async (request, reply) => {
    const text = Buffer.isBuffer(request.body) ? request.body.toString("utf8") : "";
    if (text.includes("[[")) throw new Error("boom");
    if (text === "") return reply.code(400).type("text/plain").send("bad");
    return reply.send({ accepted: 0, duplicate: 0, ignored: 0, rejected: 0 });
  });
  await app.ready();
  const broken: Receiver = { app, events: [], failures: 0 };
  const kinds = new Set<string>();
  for (const c of fc.sample(webhookCase, { numRuns: 300, seed: 7 })) {
    if (c.method !== "POST" || c.receiver !== "open") continue;
    for (const v of await checkCase(c, broken, () => undefined, newTally())) kinds.add(v.kind);
  }
  await app.close();
  assert.ok(kinds.has("5xx"), [...kinds].join("; "));
  assert.ok(kinds.has("refusal not JSON"), [...kinds].join("; "));
  assert.ok(
    [...kinds].some((k) => k.endsWith("expected 400")),
    [...kinds].join("; "),
  );
  assert.ok(kinds.has("valid events not accepted"), [...kinds].join("; "));
});
