import fc from "fast-check";
import { KEY_VAULT_EVENT_TYPES } from "../../eventgrid/wire/index.js";
import {
  CLOUD_EVENT_SECRET_NEW_VERSION,
  EVENT_GRID_SECRET_NEW_VERSION,
  SUBSCRIPTION_VALIDATION,
} from "../../eventgrid/receiver/test-support/payloads.js";

/**
 * Requests for fuzzing the Event Grid webhook receiver: valid deliveries in both schemas,
 * mutations of real Azure payloads, handshakes, bodies that are not JSON or not UTF-8, deep and
 * oversize ones, odd content types and headers, and the auth variants of each receiver. A case
 * says what the answer must be when that is known from how it was built (`expect`); the
 * scenario checks the rest against the receiver's general contract.
 */

export type ReceiverName = "open" | "query-secret" | "entra";

/** Query secrets of the query-secret receiver: old and new, as during a rotation. */
export const QUERY_SECRETS = ["s3cret-old-9f2c", "s3cret-new-41d7"] as const;

/** The Entra tokens a case may carry; the scenario mints them (see fuzz-webhook.ts). */
export const TOKEN_KINDS = [
  "valid",
  "expired",
  "wrong audience",
  "wrong tenant",
  "no role",
  "other signer",
  "alg none",
  "garbage",
] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export type Authorization =
  | { kind: "token"; token: TokenKind; scheme: string }
  | { kind: "raw"; value: string }
  | { kind: "none" };

export interface SentEvent {
  id: string;
  type: string;
  name: string;
  version: string;
}

export type Expectation =
  | { status: 200; accepted: readonly SentEvent[] }
  | { status: 200; validationCode: string }
  | { status: 400 | 401 | 413 | 415 };

export interface WebhookCase {
  receiver: ReceiverName;
  method: string;
  /** "" or "?…", after /api/events. */
  query: string;
  /** Whether the query passes the query-secret check (exactly one correct ?code=). */
  queryAuthorized: boolean;
  authorization: Authorization;
  headers: Record<string, string>;
  body: Buffer | undefined;
  /** How the body was made, for the report. */
  shape: string;
  expect: Expectation | undefined;
}

// ---- building blocks ----------------------------------------------------------------------

export const GOOD_CONTENT_TYPES = {
  json: [
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON;charset=UTF-8",
    'application/json; charset="utf-8"',
  ],
  cloud: [
    "application/cloudevents+json; charset=utf-8",
    "application/cloudevents+json",
    "application/cloudevents-batch+json; charset=utf-8",
  ],
} as const;

/** Media types the receiver does not read: always 415 once auth has passed. */
const BAD_CONTENT_TYPES = [
  "text/plain",
  "application/xml",
  "application/json; charset=iso-8859-1",
  "application/jsonx",
  "multipart/form-data; boundary=x",
  "application/x-www-form-urlencoded",
];

/** Visible ASCII and spaces: what a header value can carry over a real socket. */
const headerText = (maxLength: number) =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength,
  });

const vaultObjectName = fc.stringMatching(/^[0-9A-Za-z-]{1,24}$/);
const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/);
const epoch = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 4_102_444_800 }));

/** A Key Vault event's fields, rendered in either schema. */
const sentEvent = fc.record({
  id: fc.uuid(),
  type: fc.constantFrom(...KEY_VAULT_EVENT_TYPES),
  name: vaultObjectName,
  version: hex32,
  vault: fc.stringMatching(/^[a-z][a-z0-9-]{2,20}$/),
  nbf: epoch,
  exp: epoch,
});
type EventFields = typeof sentEvent extends fc.Arbitrary<infer T> ? T : never;

function eventData(e: EventFields) {
  const kind = /KeyVault\.(Secret|Key|Certificate)/.exec(e.type)?.[1] ?? "Secret";
  const collection = { Secret: "secrets", Key: "keys", Certificate: "certificates" }[kind];
  return {
    Id: `https://${e.vault}.vault.azure.net/${collection}/${e.name}/${e.version}`,
    VaultName: e.vault,
    ObjectType: kind,
    ObjectName: e.name,
    Version: e.version,
    NBF: e.nbf,
    EXP: e.exp,
  };
}

const topic = (e: EventFields) =>
  `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/${e.vault}`;

export function eventGridEvent(e: EventFields): Record<string, unknown> {
  return {
    id: e.id,
    topic: topic(e),
    subject: e.name,
    eventType: e.type,
    eventTime: "2026-03-01T10:15:30.1234567Z",
    data: eventData(e),
    dataVersion: "1",
    metadataVersion: "1",
  };
}

export function cloudEvent(e: EventFields): Record<string, unknown> {
  return {
    id: e.id,
    source: topic(e),
    specversion: "1.0",
    type: e.type,
    subject: e.name,
    time: "2026-03-01T10:15:30.1234567Z",
    data: eventData(e),
  };
}

const sent = (e: EventFields): SentEvent => ({
  id: e.id,
  type: e.type,
  name: e.name,
  version: e.version,
});

// ---- bodies -------------------------------------------------------------------------------

interface Body {
  bytes: Buffer | undefined;
  shape: string;
  schema: "json" | "cloud" | "any";
  /** The answer this body gets once auth and the media type pass, when known. */
  verdict:
    | { kind: "events"; events: SentEvent[] }
    | { kind: "validation"; code: string }
    | { kind: "malformed" }
    | { kind: "oversize" }
    | { kind: "unknown" };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value), "utf8");

const validBatch: fc.Arbitrary<Body> = fc
  .tuple(
    fc.uniqueArray(sentEvent, { minLength: 1, maxLength: 5, selector: (e) => e.id }),
    fc.constantFrom("eventgrid", "cloud-batch", "cloud-single"),
  )
  .map(([events, form]) => {
    const one = events.slice(0, 1);
    const used = form === "cloud-single" ? one : events;
    return {
      bytes:
        form === "eventgrid"
          ? json(used.map(eventGridEvent))
          : form === "cloud-batch"
            ? json(used.map(cloudEvent))
            : json(cloudEvent(one[0] as EventFields)),
      shape: `valid ${form} of ${used.length}`,
      schema: form === "eventgrid" ? "json" : "cloud",
      verdict: { kind: "events", events: used.map(sent) },
    };
  });

const validation: fc.Arbitrary<Body> = fc
  .oneof(
    fc.uuid(),
    headerText(60).filter((s) => s !== ""),
  )
  .map((code) => {
    const [event] = JSON.parse(SUBSCRIPTION_VALIDATION) as Record<string, unknown>[];
    return {
      bytes: json([{ ...event, data: { validationCode: code, validationUrl: "https://x/y" } }]),
      shape: "subscription validation",
      schema: "json",
      verdict: { kind: "validation", code },
    };
  });

/** A JSON value likely to upset a reader: wrong types, empty, huge, deep, prototype keys. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1.5,
    1e308,
    "",
    "1.0",
    [],
    {},
    "Microsoft.KeyVault.SecretNewVersionCreated",
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.nat({ max: 200_000 }).map((n) => "x".repeat(n)),
  // Built as a value, so no deeper than JSON.stringify can render; raw text goes deeper below.
  fc
    .integer({ min: 1, max: 1_000 })
    .map((n) => JSON.parse(`${"[".repeat(n)}${"]".repeat(n)}`) as unknown),
  fc.constantFrom(
    JSON.parse('{"__proto__":{"polluted":true}}') as unknown,
    { constructor: { prototype: { polluted: true } } },
    { toString: "x", valueOf: 1 },
  ),
);

const FIELDS = [
  "id",
  "topic",
  "source",
  "subject",
  "eventType",
  "type",
  "eventTime",
  "time",
  "data",
  "dataVersion",
  "specversion",
  "metadataVersion",
];
const DATA_FIELDS = [
  "Id",
  "VaultName",
  "ObjectType",
  "ObjectName",
  "Version",
  "NBF",
  "EXP",
  "nbf",
  "exp",
  "objectName",
];

/** One edit of an event: a field removed, retyped or replaced; or one of data's. */
const eventEdit = fc.oneof(
  fc.record({ field: fc.constantFrom(...FIELDS), value: fc.option(oddValue, { nil: undefined }) }),
  fc.record({
    field: fc.constantFrom(...DATA_FIELDS).map((f) => `data.${f}`),
    value: fc.option(oddValue, { nil: undefined }),
  }),
);

function applyEdit(event: Record<string, unknown>, edit: { field: string; value: unknown }): void {
  const [head = "", sub] = edit.field.split(".");
  const target =
    sub === undefined ? event : (event[head] as Record<string, unknown> | null | undefined);
  if (typeof target !== "object" || target === null) return;
  const key = sub ?? head;
  // A copy: the odd values are shared constants, which a later edit must not write into.
  if (edit.value === undefined) Reflect.deleteProperty(target, key);
  else target[key] = structuredClone(edit.value);
}

const mutatedBatch: fc.Arbitrary<Body> = fc
  .tuple(
    fc.array(fc.tuple(sentEvent, fc.constantFrom("eventgrid", "cloud")), {
      minLength: 1,
      maxLength: 4,
    }),
    fc.array(fc.tuple(fc.nat(), eventEdit), { minLength: 1, maxLength: 4 }),
    fc.boolean(),
  )
  .map(([events, edits, cloudType]) => {
    const rendered = events.map(([e, form]) =>
      form === "cloud" ? cloudEvent(e) : eventGridEvent(e),
    );
    for (const [at, edit] of edits) {
      const target = rendered[at % rendered.length];
      if (target) applyEdit(target, edit);
    }
    return {
      bytes: json(rendered),
      shape: `mutated batch (${edits.map(([, e]) => e.field).join(", ")})`,
      schema: cloudType ? "cloud" : "json",
      verdict: { kind: "unknown" },
    };
  });

const realPayload = fc.constantFrom(
  EVENT_GRID_SECRET_NEW_VERSION,
  CLOUD_EVENT_SECRET_NEW_VERSION,
  SUBSCRIPTION_VALIDATION,
);

/** Bodies that are not JSON, not UTF-8 or not events: 400 once auth and media type pass. */
const malformed: fc.Arbitrary<Body> = fc.oneof(
  fc
    .tuple(realPayload, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }))
    .map(([text, f]) => ({
      bytes: Buffer.from(text.slice(0, Math.floor(f * (text.trimEnd().length - 1))), "utf8"),
      shape: "truncated real payload",
      schema: "any" as const,
      verdict: { kind: "malformed" as const },
    })),
  fc
    .tuple(
      realPayload,
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom(
        [0xff],
        [0xc3, 0x28],
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80],
      ),
    )
    .map(([text, f, bad]) => {
      const bytes = Buffer.from(text, "utf8");
      const i = Math.floor(f * bytes.length);
      return {
        bytes: Buffer.concat([bytes.subarray(0, i), Buffer.from(bad), bytes.subarray(i)]),
        shape: `invalid UTF-8 (${bad.map((b) => b.toString(16)).join(" ")}) in a real payload`,
        schema: "any" as const,
        verdict: { kind: "malformed" as const },
      };
    }),
  // From 2: "[]" is a valid, empty batch.
  fc.integer({ min: 2, max: 200_000 }).map((n) => ({
    bytes: Buffer.from(`${"[".repeat(n)}${"]".repeat(n)}`),
    shape: `arrays nested ${n} deep`,
    schema: "any" as const,
    verdict: { kind: "malformed" as const },
  })),
  fc
    .constantFrom("", " \n\t ", "null", "42", '"x"', "[1]", "[null]", "[[]]", "true")
    .map((text) => ({
      bytes: Buffer.from(text),
      shape: `the body ${JSON.stringify(text)}`,
      schema: "any" as const,
      verdict: { kind: "malformed" as const },
    })),
);

/** Past Event Grid's 1 MB batch limit (Fastify's body limit for the route): 413. */
const oversize: fc.Arbitrary<Body> = fc.integer({ min: 1, max: 1_000_000 }).map((extra) => {
  const event = EVENT_GRID_SECRET_NEW_VERSION.slice(1, -1);
  const pad = " ".repeat(1024 * 1024 + extra - event.length - 2);
  return {
    bytes: Buffer.from(`[${event}${pad}]`),
    shape: `${1024 * 1024 + extra} bytes`,
    schema: "any" as const,
    verdict: { kind: "oversize" as const },
  };
});

const randomBody: fc.Arbitrary<Body> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => ({
    bytes: json(v),
    shape: "random JSON",
    schema: "any" as const,
    verdict: { kind: "unknown" as const },
  })),
  fc.uint8Array({ maxLength: 300 }).map((b) => ({
    bytes: Buffer.from(b),
    shape: "random bytes",
    schema: "any" as const,
    verdict: { kind: "unknown" as const },
  })),
  fc.constant({
    bytes: undefined,
    shape: "no body",
    schema: "any" as const,
    verdict: { kind: "unknown" as const },
  }),
);

const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 25, arbitrary: validBatch },
  { weight: 8, arbitrary: validation },
  { weight: 30, arbitrary: mutatedBatch },
  { weight: 15, arbitrary: malformed },
  { weight: 12, arbitrary: randomBody },
  { weight: 1, arbitrary: oversize },
);

// ---- requests -----------------------------------------------------------------------------

/** Mostly the right secret, so that most requests get past auth to the body. */
const query: fc.Arbitrary<{ text: string; authorized: boolean }> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .constantFrom(...QUERY_SECRETS)
      .map((s) => ({ text: `?code=${s}`, authorized: true })),
  },
  fc.constant({ text: "", authorized: false }),
  fc.constant({ text: `?code=${QUERY_SECRETS[0]}&code=${QUERY_SECRETS[1]}`, authorized: false }),
  fc.constant({ text: `?code=${QUERY_SECRETS[0].toUpperCase()}`, authorized: false }),
  fc.constant({ text: `?code=${QUERY_SECRETS[0]}x`, authorized: false }),
  fc.constant({ text: "?code=", authorized: false }),
  fc.tuple(headerText(12), headerText(12)).map(([k, v]) => ({
    text: `?${encodeURIComponent(k)}=${encodeURIComponent(v)}`,
    authorized: false,
  })),
);

const authorization: fc.Arbitrary<Authorization> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("token" as const),
      token: fc.constant("valid" as const),
      scheme: fc.constantFrom("Bearer", "bearer", "BEARER"),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("token" as const),
      token: fc.constantFrom(...TOKEN_KINDS),
      scheme: fc.constant("Bearer"),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("raw" as const),
      value: fc.oneof(
        headerText(80),
        fc.constantFrom("Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer a.b.c", "Bearer a b"),
      ),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: "none" as const }) },
);

const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    "aeg-event-type": fc.oneof(
      fc.constantFrom("Notification", "SubscriptionValidation"),
      headerText(20),
    ),
    "aeg-delivery-count": fc.oneof(fc.nat({ max: 30 }).map(String), headerText(12)),
    "aeg-subscription-name": headerText(64),
    "webhook-request-origin": fc.oneof(fc.constant("eventgrid.azure.net"), headerText(300)),
    "webhook-request-rate": fc.oneof(fc.nat().map(String), headerText(10)),
    "webhook-request-callback": headerText(100),
  },
  { requiredKeys: [] },
);

/** A Content-Type, and whether the receiver reads it (undefined: random, not known). */
interface ContentTypeChoice {
  value: string | undefined;
  readable: boolean | undefined;
}

const contentType = (schema: Body["schema"]): fc.Arbitrary<ContentTypeChoice> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .constantFrom(
          ...(schema === "cloud"
            ? GOOD_CONTENT_TYPES.cloud
            : schema === "json"
              ? GOOD_CONTENT_TYPES.json
              : [...GOOD_CONTENT_TYPES.json, ...GOOD_CONTENT_TYPES.cloud]),
        )
        .map((value): ContentTypeChoice => ({ value, readable: true })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(...BAD_CONTENT_TYPES)
        .map((value): ContentTypeChoice => ({ value, readable: false })),
    },
    {
      weight: 1,
      arbitrary: headerText(60).map((value): ContentTypeChoice => ({ value, readable: undefined })),
    },
    {
      weight: 1,
      arbitrary: fc.constant<ContentTypeChoice>({ value: undefined, readable: false }),
    },
  );

export const webhookCase: fc.Arbitrary<WebhookCase> = fc
  .tuple(
    fc.constantFrom<ReceiverName>("open", "query-secret", "entra"),
    fc.oneof(
      { weight: 16, arbitrary: fc.constant("POST") },
      { weight: 3, arbitrary: fc.constant("OPTIONS") },
      { weight: 1, arbitrary: fc.constantFrom("GET", "PUT", "DELETE", "PATCH", "HEAD") },
    ),
    query,
    authorization,
    extraHeaders,
    body,
    fc.nat({ max: 3 }),
  )
  .chain(([receiver, method, q, auth, headers, b, roll]) =>
    contentType(b.schema).map((type) => {
      // POST always carries its body; the OPTIONS handshake and other methods only sometimes.
      const sendsBody =
        method !== "GET" &&
        method !== "HEAD" &&
        (method === "POST" || (b.bytes !== undefined && roll === 0));
      const requestBody = sendsBody ? b.bytes : undefined;
      // Event Grid's OPTIONS handshake carries no body and no Content-Type; most here do the same.
      const typed = type.value !== undefined && (method !== "OPTIONS" || sendsBody || roll === 1);
      const allHeaders: Record<string, string> = {
        ...headers,
        ...(typed && type.value !== undefined ? { "content-type": type.value } : {}),
      };
      const c: WebhookCase = {
        receiver,
        method,
        query: q.text,
        queryAuthorized: q.authorized,
        authorization: auth,
        headers: allHeaders,
        body: requestBody,
        shape: sendsBody ? b.shape : "no body",
        expect: undefined,
      };
      c.expect = method === "POST" ? expectation(c, b, type.readable) : undefined;
      return c;
    }),
  );

/**
 * The answer a POST must get, where its making tells: URL auth first (query secret), then a
 * handshake needs no token, then the Entra token, then the media type, then the body.
 */
function expectation(
  c: WebhookCase,
  b: Body,
  readable: boolean | undefined,
): Expectation | undefined {
  if (c.receiver === "query-secret" && !c.queryAuthorized) return { status: 401 };
  if (readable === undefined) return undefined;
  if (b.verdict.kind === "oversize") return { status: 413 };
  if (readable && b.verdict.kind === "validation")
    return { status: 200, validationCode: b.verdict.code };
  if (c.receiver === "entra" && !tokenValid(c.authorization)) return { status: 401 };
  if (!readable) return { status: 415 };
  if (b.verdict.kind === "events") return { status: 200, accepted: b.verdict.events };
  if (b.verdict.kind === "malformed") return { status: 400 };
  return undefined;
}

function tokenValid(auth: Authorization): boolean {
  return auth.kind === "token" && auth.token === "valid";
}

export function describeWebhookCase(c: WebhookCase): string {
  const auth =
    c.authorization.kind === "token"
      ? `${c.authorization.scheme} <${c.authorization.token} token>`
      : c.authorization.kind === "raw"
        ? JSON.stringify(c.authorization.value.slice(0, 40))
        : "none";
  const start =
    c.body === undefined ? "" : ` ${JSON.stringify(c.body.subarray(0, 80).toString("utf8"))}`;
  return `${c.method} /api/events${c.query.slice(0, 60)} to the ${c.receiver} receiver, content-type ${JSON.stringify(c.headers["content-type"] ?? null)}, authorization ${auth}, headers ${Object.keys(c.headers).join(",")}; ${c.shape}, ${c.body?.length ?? 0} bytes${start}`;
}
