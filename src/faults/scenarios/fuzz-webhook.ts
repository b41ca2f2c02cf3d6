import Fastify, { type FastifyInstance, type LightMyRequestResponse } from "fastify";
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import { Registry } from "prom-client";
import {
  EVENT_GRID_APP_ID,
  registerEventReceiver,
  SECURE_WEBHOOK_ROLE,
  type EventReceiverAuth,
  type ReceivedKeyVaultEvent,
} from "../../eventgrid/receiver/index.js";
import type { Scenario, ScenarioResult, ScenarioSize } from "../scenario.js";
import {
  errorText,
  fuzzSeed,
  oneLine,
  runFuzz,
  violationNotes,
  type Violation,
} from "../support/fuzz-runner.js";
import {
  describeWebhookCase,
  QUERY_SECRETS,
  webhookCase,
  type ReceiverName,
  type TokenKind,
  type WebhookCase,
} from "../support/fuzz-webhook-inputs.js";

/**
 * Property-based fuzzing of the Event Grid webhook receiver (registerEventReceiver on Fastify,
 * driven with inject): valid deliveries in both schemas, mutated Azure payloads, handshakes,
 * bodies that are not JSON, not UTF-8, deeply nested or over 1 MB, odd content types and
 * headers, against three receivers (no auth, query secret, Entra tokens signed with a local
 * key). Whatever arrives: never a 5xx, never an unhandled rejection; every refusal a 4xx whose
 * body is one clear JSON `{"error"}` line; valid deliveries still accepted and handed on intact.
 */

const SIZES = {
  short: { numRuns: 1_000, timeLimitMs: 15_000, shrinkTimeLimitMs: 4_000 },
  full: { numRuns: 30_000, timeLimitMs: 140_000, shrinkTimeLimitMs: 20_000 },
} as const;

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT_ID = "0c5f1e54-3c8d-4a1f-9a57-5f4b0f0a2b11";
const NOW = 1_767_225_600;
const KID = "fuzz-key";
/** Longer than this, a refusal's reason is no longer one clear line. */
const MAX_REASON_CHARS = 300;

export const scenario: Scenario = { name: "fuzz-webhook", run };

/** One receiver app and what it handed on. */
export interface Receiver {
  app: FastifyInstance;
  events: ReceivedKeyVaultEvent[];
  /** onEvent failures the receiver passed to onError. */
  failures: number;
}

export interface Tally {
  statuses: Map<number, number>;
  accepted: number;
  validations: number;
  expected: number;
  thrownByOnEvent: number;
  routedToOnError: number;
}

async function run(size: ScenarioSize): Promise<ScenarioResult> {
  const plan = SIZES[size];
  const tokens = await mintTokens();
  const receivers = {
    open: await startReceiver({ kind: "none" }, true),
    "query-secret": await startReceiver({ kind: "query-secret", secrets: [...QUERY_SECRETS] }),
    entra: await startReceiver({
      kind: "entra",
      tenantId: TENANT,
      audiences: [CLIENT_ID],
      getKey: tokens.getKey,
    }),
  } satisfies Record<ReceiverName, Receiver>;
  const tally = newTally();
  try {
    const outcome = await runFuzz({
      arbitrary: webhookCase,
      numRuns: plan.numRuns,
      seed: fuzzSeed(size, 0x6b76_7768),
      timeLimitMs: plan.timeLimitMs,
      shrinkTimeLimitMs: plan.shrinkTimeLimitMs,
      describe: describeWebhookCase,
      // Shrinking replays cases: they are checked, but count in a throwaway tally.
      check: (c, phase) =>
        checkCase(c, receivers[c.receiver], tokens.header, phase === "run" ? tally : newTally()),
    });
    const failuresRouted = tally.routedToOnError;
    const violations = [...outcome.violations];
    const notes = violationNotes(outcome);
    if (failuresRouted !== tally.thrownByOnEvent) {
      notes.unshift(
        `onEvent threw or rejected for ${tally.thrownByOnEvent} events, but onError saw ${failuresRouted}`,
      );
    }
    const status = (lo: number) =>
      [...tally.statuses].filter(([s]) => s >= lo && s < lo + 100).reduce((n, [, k]) => n + k, 0);
    return {
      attack: `fast-check: ${outcome.runs.toLocaleString("en-US")} requests to the webhook receiver (valid and mutated Event Grid and CloudEvents deliveries, handshakes, non-JSON, invalid UTF-8, deep and over-1 MB bodies, odd content types and headers; no auth, query secret and Entra token variants)`,
      claim:
        "never a 5xx or an unhandled rejection; every refusal a 4xx with one clear JSON error line, and the status the request's flaw calls for; valid deliveries accepted and handed on intact",
      held:
        violations.length === 0 &&
        outcome.processErrors.length === 0 &&
        failuresRouted === tally.thrownByOnEvent,
      figures: {
        cases: outcome.runs,
        "2xx": status(200),
        "4xx": status(400),
        "5xx": status(500),
        statuses: [...tally.statuses]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}×${n}`)
          .join(" "),
        "answers checked against a known status": tally.expected,
        "events accepted and handed on": tally.accepted,
        "handshakes answered": tally.validations,
        "onEvent failures routed to onError": failuresRouted,
        "kinds of violation": violations.length,
        seed: outcome.seed,
        "run ms": outcome.ms,
      },
      notes,
    };
  } finally {
    await Promise.all(Object.values(receivers).map((r) => r.app.close()));
  }
}

export function newTally(): Tally {
  return {
    statuses: new Map(),
    accepted: 0,
    validations: 0,
    expected: 0,
    thrownByOnEvent: 0,
    routedToOnError: 0,
  };
}

async function startReceiver(auth: EventReceiverAuth, failSome = false): Promise<Receiver> {
  const app = Fastify({ logger: false });
  const receiver: Receiver = { app, events: [], failures: 0 };
  await registerEventReceiver(app, {
    auth,
    metrics: new Registry(),
    now: () => new Date(NOW * 1000),
    onEvent: (event) => {
      receiver.events.push(event);
      // A consumer's failure, sync or async, must stay the consumer's: onError, not a crash.
      if (failSome && event.id.endsWith("0")) throw new Error("onEvent failed");
      if (failSome && event.id.endsWith("1")) return Promise.reject(new Error("onEvent rejected"));
      return undefined;
    },
    onError: () => {
      receiver.failures++;
    },
  });
  await app.ready();
  return receiver;
}

export async function checkCase(
  c: WebhookCase,
  receiver: Receiver,
  authorization: (c: WebhookCase) => string | undefined,
  tally: Tally,
): Promise<Violation[]> {
  const before = receiver.events.length;
  const failuresBefore = receiver.failures;
  const auth = authorization(c);
  let response: LightMyRequestResponse;
  try {
    response = await receiver.app.inject({
      method: c.method as "POST",
      url: `/api/events${c.query}`,
      headers: { ...c.headers, ...(auth === undefined ? {} : { authorization: auth }) },
      ...(c.body === undefined ? {} : { payload: c.body }),
    });
  } catch (error) {
    return [{ kind: "the request failed", detail: errorText(error) }];
  }
  // Events go to onEvent on the turn after the reply.
  await new Promise((resolve) => setImmediate(resolve));
  const handedOn = receiver.events.slice(before);
  const status = response.statusCode;
  tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
  tally.accepted += handedOn.length;
  if (c.receiver === "open") {
    tally.thrownByOnEvent += handedOn.filter((e) => /[01]$/.test(e.id)).length;
    tally.routedToOnError += receiver.failures - failuresBefore;
  }

  const violations: Violation[] = [];
  if (status >= 500)
    violations.push({ kind: "5xx", detail: `${status} ${oneLine(response.body)}` });
  else if (status < 200 || (status >= 300 && status < 400)) {
    violations.push({ kind: "neither 2xx nor 4xx", detail: String(status) });
  }
  if (status >= 400 && c.method !== "HEAD") violations.push(...checkRefusal(c, response));
  for (const event of handedOn) violations.push(...checkEvent(event));
  if (c.method === "POST" && status === 200)
    violations.push(...checkSummary(response, handedOn, tally));
  // Judged as Event Grid sends it: no body, no Content-Type. With either, Fastify's body parsing
  // may refuse the request first (a malformed Content-Type is a 415), which the checks above cover.
  if (c.method === "OPTIONS" && c.body === undefined && c.headers["content-type"] === undefined) {
    violations.push(...checkOptions(c, response));
  }
  if (c.expect !== undefined) {
    tally.expected++;
    violations.push(...checkExpected(c, response, handedOn));
  }
  return violations;
}

/** A refusal is JSON: the receiver's own `{"error": "<one line>"}`, the host's 404 otherwise. */
function checkRefusal(c: WebhookCase, response: LightMyRequestResponse): Violation[] {
  const where = `${response.statusCode} ${oneLine(response.body, 120)}`;
  if (!String(response.headers["content-type"]).startsWith("application/json")) {
    return [
      {
        kind: "refusal not JSON",
        detail: `${where} (${String(response.headers["content-type"])})`,
      },
    ];
  }
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return [{ kind: "refusal not JSON", detail: where }];
  }
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const onReceiverRoute = c.method === "POST" || c.method === "OPTIONS";
  const reason = onReceiverRoute ? fields["error"] : (fields["message"] ?? fields["error"]);
  if (typeof reason !== "string" || reason.trim() === "") {
    return [{ kind: "refusal without a reason", detail: where }];
  }
  if (onReceiverRoute && Object.keys(fields).join() !== "error") {
    return [{ kind: "refusal with more than an error field", detail: where }];
  }
  if (reason.length > MAX_REASON_CHARS || /\n|\bat \S+ \(/.test(reason)) {
    return [{ kind: "refusal reason not one clear line", detail: where }];
  }
  return [];
}

function checkEvent(event: ReceivedKeyVaultEvent): Violation[] {
  const { data } = event;
  const typed =
    [event.id, event.type, event.source, event.subject, event.time].every(
      (v) => typeof v === "string",
    ) &&
    event.id !== "" &&
    ["Id", "VaultName", "ObjectName", "Version"].every((k) => {
      const v = data[k as keyof typeof data];
      return typeof v === "string" && v !== "";
    }) &&
    ["Secret", "Key", "Certificate"].includes(data.ObjectType) &&
    [data.NBF, data.EXP].every((v) => v === null || Number.isFinite(v));
  return typed
    ? []
    : [{ kind: "ill-typed event handed on", detail: oneLine(JSON.stringify(event)) }];
}

/** A 200 to a delivery says what became of each event, and hands on the accepted ones. */
function checkSummary(
  response: LightMyRequestResponse,
  handedOn: readonly ReceivedKeyVaultEvent[],
  tally: Tally,
): Violation[] {
  const body = JSON.parse(response.body) as Record<string, unknown>;
  if (typeof body["validationResponse"] === "string") {
    tally.validations++;
    return [];
  }
  const counts = ["accepted", "duplicate", "ignored", "rejected"].map((k) => body[k]);
  if (!counts.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) {
    return [{ kind: "200 without a summary", detail: oneLine(response.body) }];
  }
  if (body["accepted"] !== handedOn.length) {
    return [
      {
        kind: "accepted count differs from events handed on",
        detail: `${String(body["accepted"])} accepted, ${handedOn.length} handed on`,
      },
    ];
  }
  return [];
}

/** CloudEvents abuse protection: consent echoes a readable origin; an unreadable one is 400. */
function checkOptions(c: WebhookCase, response: LightMyRequestResponse): Violation[] {
  if (c.receiver === "query-secret" && !c.queryAuthorized) {
    return response.statusCode === 401
      ? []
      : [{ kind: "URL auth failure not 401", detail: String(response.statusCode) }];
  }
  const origin = c.headers["webhook-request-origin"];
  if (origin === undefined) {
    return response.statusCode === 200
      ? []
      : [{ kind: "OPTIONS without an origin not 200", detail: String(response.statusCode) }];
  }
  const readable = /^[\x21-\x7e]{1,255}$/.test(origin);
  if (readable && response.headers["webhook-allowed-origin"] !== origin) {
    return [
      {
        kind: "consent does not echo the origin",
        detail: `${response.statusCode} for ${JSON.stringify(origin.slice(0, 40))}`,
      },
    ];
  }
  if (!readable && response.statusCode !== 400) {
    return [{ kind: "unreadable origin not 400", detail: `${response.statusCode}` }];
  }
  return [];
}

function checkExpected(
  c: WebhookCase,
  response: LightMyRequestResponse,
  handedOn: readonly ReceivedKeyVaultEvent[],
): Violation[] {
  const expect = c.expect;
  if (expect === undefined) return [];
  const status = response.statusCode;
  if (status !== expect.status) {
    return [
      {
        kind: `${c.shape
          .replace(/\d+/g, "n")
          .replace(/\(.*\)/, "")
          .trim()}: expected ${expect.status}`,
        detail: `got ${status} ${oneLine(response.body, 120)}`,
      },
    ];
  }
  if ("validationCode" in expect) {
    const body = JSON.parse(response.body) as { validationResponse?: unknown };
    return body.validationResponse === expect.validationCode
      ? []
      : [{ kind: "handshake answered with another code", detail: oneLine(response.body) }];
  }
  if ("accepted" in expect) {
    const body = JSON.parse(response.body) as { accepted?: number; duplicate?: number };
    if ((body.accepted ?? 0) + (body.duplicate ?? 0) !== expect.accepted.length) {
      return [
        {
          kind: "valid events not accepted",
          detail: `${expect.accepted.length} sent: ${oneLine(response.body)}`,
        },
      ];
    }
    for (const event of handedOn) {
      const sent = expect.accepted.find((e) => e.id === event.id);
      if (
        sent === undefined ||
        sent.type !== event.type ||
        sent.name !== event.data.ObjectName ||
        sent.version !== event.data.Version
      ) {
        return [{ kind: "valid event handed on altered", detail: oneLine(JSON.stringify(event)) }];
      }
    }
  }
  return [];
}

// ---- Entra tokens -------------------------------------------------------------------------

/** Tokens of every kind a case may name, signed with keys made here, and the key set. */
async function mintTokens(): Promise<{
  getKey: ReturnType<typeof createLocalJWKSet>;
  header: (c: WebhookCase) => string | undefined;
}> {
  const signer = await generateKeyPair("RS256", { extractable: true });
  const stranger = await generateKeyPair("RS256");
  const publicJwk = { ...(await exportJWK(signer.publicKey)), kid: KID, alg: "RS256", use: "sig" };
  const claims = (overrides: Record<string, unknown> = {}): JWTPayload => ({
    aud: CLIENT_ID,
    iss: `https://sts.windows.net/${TENANT}/`,
    iat: NOW - 60,
    nbf: NOW - 60,
    exp: NOW + 3_600,
    tid: TENANT,
    appid: EVENT_GRID_APP_ID,
    roles: [SECURE_WEBHOOK_ROLE],
    ...overrides,
  });
  const sign = (payload: JWTPayload, key = signer.privateKey) =>
    new SignJWT(payload).setProtectedHeader({ alg: "RS256", kid: KID }).sign(key);
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const tokens: Record<TokenKind, string> = {
    valid: await sign(claims()),
    expired: await sign(claims({ exp: NOW - 3_600, nbf: NOW - 7_200, iat: NOW - 7_200 })),
    "wrong audience": await sign(claims({ aud: "api://someone-else" })),
    "wrong tenant": await sign(claims({ tid: "00000000-0000-0000-0000-000000000000" })),
    "no role": await sign(claims({ roles: [] })),
    "other signer": await sign(claims(), stranger.privateKey),
    "alg none": `${b64({ alg: "none", kid: KID })}.${b64(claims())}.`,
    garbage: "not.a.token",
  };
  return {
    getKey: createLocalJWKSet({ keys: [publicJwk] }),
    header: (c) => {
      const a = c.authorization;
      if (a.kind === "none") return undefined;
      if (a.kind === "raw") return a.value;
      return `${a.scheme} ${tokens[a.token]}`;
    },
  };
}
