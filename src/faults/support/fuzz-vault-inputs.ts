import fc from "fast-check";

/**
 * Requests for fuzzing the local vault's REST API: Key Vault's secrets, keys and certificates
 * routes (and the IMDS token route it also serves) with odd names, versions, query strings and
 * api-versions, mutations of valid SetSecret, CreateKey, ImportKey, CreateCertificate,
 * ImportCertificate and restore bodies, non-JSON and oversize bodies, and auth header variants.
 *
 * Every secret value a request carries starts with a marker, `kvfz` and 20 hex digits, so a
 * leak into an error or the log is found by one scan whatever else the value holds. Private key
 * material sent for import is listed per request (`sensitive`) for the same check.
 */

/** What the vault holds before the fuzzing starts, for requests that reach real objects. */
export interface VaultSeeds {
  secretNames: readonly string[];
  secretVersions: readonly string[];
  keyNames: readonly string[];
  keyVersions: readonly string[];
  certificateNames: readonly string[];
  certificateVersions: readonly string[];
  deletedNames: readonly string[];
  /** A certificate's secret as PEM: private key and certificate, a valid import body. */
  pemBundle: string;
  /** A certificate's secret as a base64 PFX. */
  pfx: string;
  /** A BackupSecret blob, a valid restore body. */
  backup: string;
  /** Private JWKs (EC and RSA) for ImportKey. */
  jwks: readonly Record<string, string>[];
}

export interface ApiCase {
  method: string;
  /** Path and query, encoded, sent as is. */
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** Substrings of the body that must never appear in an error or the log. */
  sensitive: string[];
  /** How the request was made, for the report (never a value). */
  shape: string;
}

export const MARKER = /kvfz[0-9a-f]{20}/g;

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const marker = hex(20).map((h) => `kvfz${h}`);

/** Header-safe text: visible ASCII and spaces (what a client can send). */
const headerText = (maxLength: number) =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength,
  });

/** A secret value: the marker, then anything (quotes, escapes, emoji, lone surrogates, bulk). */
const secretValue = fc
  .tuple(
    marker,
    fc.oneof(
      { weight: 6, arbitrary: fc.string({ maxLength: 40 }) },
      { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
      { weight: 1, arbitrary: fc.constantFrom('"}', "\\", "\\u0000", "\n\r\t", "{{", "%s%n") },
      { weight: 1, arbitrary: fc.integer({ min: 20_000, max: 300_000 }).map((n) => "x".repeat(n)) },
    ),
  )
  .map(([m, rest]) => `${m}${rest}`);

/** A JSON value likely to upset a reader: wrong types, empty, huge, deep, prototype keys. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, "", "true", "2048", [], {}),
  fc.jsonValue({ maxDepth: 3 }),
  fc
    .integer({ min: 1, max: 1_000 })
    .map((n) => JSON.parse(`${"[".repeat(n)}${"]".repeat(n)}`) as unknown),
  fc.integer({ min: 200, max: 5_000 }).map((n) => "y".repeat(n)),
  fc.constantFrom(JSON.parse('{"__proto__":{"polluted":true}}') as unknown, {
    constructor: { prototype: { polluted: true } },
  }),
);

/** Sometimes keeps a field, sometimes drops it, sometimes replaces it with an odd value. */
function mutable(arb: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  // Mostly valid, so that a body with several fields still often gets past validation.
  return fc.oneof(
    { weight: 14, arbitrary: arb },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: oddValue },
  );
}

const tags = fc.oneof(
  fc.dictionary(headerText(12), headerText(20), { maxKeys: 4 }),
  fc.dictionary(fc.string({ maxLength: 600 }), fc.string({ maxLength: 600 }), { maxKeys: 20 }),
);
const attributes = fc.record(
  {
    enabled: mutable(fc.boolean()),
    nbf: mutable(fc.integer({ min: 0, max: 4_102_444_800 })),
    exp: mutable(fc.integer({ min: 0, max: 4_102_444_800 })),
    exportable: mutable(fc.boolean()),
  },
  { requiredKeys: [] },
);

/** A body made of fields, each valid, missing or odd. Values are collected as sensitive. */
function object(
  fields: Record<string, fc.Arbitrary<unknown>>,
): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    Object.fromEntries(Object.entries(fields).map(([k, arb]) => [k, mutable(arb)])),
    { requiredKeys: [] },
  );
}

interface CertificateValue {
  value: unknown;
  shape: string;
  /** Private material in it: must not show in an error. */
  needles: string[];
}

interface Body {
  body: string | undefined;
  sensitive: string[];
  shape: string;
}

const jsonBody =
  (shape: string, sensitive: (value: Record<string, unknown>) => string[]) =>
  (value: Record<string, unknown>): Body => ({
    body: JSON.stringify(value),
    sensitive: sensitive(value),
    shape,
  });

/** The leading marker of a string that carries one: enough to spot any leak of it. */
const markersOf = (...values: unknown[]): string[] =>
  values.flatMap((v) => (typeof v === "string" ? (v.match(MARKER) ?? []) : []));

function bodies(seeds: VaultSeeds) {
  const setSecret = object({
    value: secretValue,
    contentType: fc.oneof(
      fc.constantFrom("text/plain", "application/x-pem-file"),
      fc.string({ maxLength: 300 }),
    ),
    tags,
    attributes,
  }).map(jsonBody("SetSecret body", (v) => markersOf(v["value"])));

  const updateSecret = object({ contentType: fc.string({ maxLength: 300 }), tags, attributes }).map(
    jsonBody("UpdateSecret body", () => []),
  );

  const keyOps = fc.array(
    fc.constantFrom(
      "encrypt",
      "decrypt",
      "sign",
      "verify",
      "wrapKey",
      "unwrapKey",
      "import",
      "export",
      "bogus",
    ),
    { maxLength: 20 },
  );
  const createKey = object({
    kty: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom("EC", "RSA") },
      { weight: 1, arbitrary: fc.constantFrom("EC-HSM", "RSA-HSM", "oct", "oct-HSM", "", "ec") },
      { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    ),
    // RSA 4096 takes a second or more to generate on a loaded machine: rarely.
    key_size: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(2048, 1024, 0, -1, 2049, 8192) },
      { weight: 1, arbitrary: fc.constantFrom(3072, 4096) },
      { weight: 1, arbitrary: fc.integer() },
    ),
    crv: fc.oneof(
      fc.constantFrom("P-256", "P-384", "P-521", "P-256K"),
      fc.string({ maxLength: 40 }),
    ),
    key_ops: keyOps,
    public_exponent: fc.constantFrom(65537, 3, 0, -1),
    attributes,
    tags,
    release_policy: fc.jsonValue({ maxDepth: 2 }),
  }).map(jsonBody("CreateKey body", () => []));

  const importKey = fc
    .tuple(
      fc.constantFrom(...seeds.jwks),
      fc.array(
        fc.tuple(
          fc.constantFrom(
            "kty",
            "d",
            "x",
            "y",
            "crv",
            "n",
            "e",
            "p",
            "q",
            "dp",
            "dq",
            "qi",
            "key_ops",
            "k",
          ),
          mutable(fc.oneof(fc.base64String({ maxLength: 60 }), fc.string({ maxLength: 40 }))),
        ),
        { maxLength: 3 },
      ),
      mutable(fc.boolean()),
      attributes,
    )
    .map(([jwk, edits, hsm, attrs]): Body => {
      const key: Record<string, unknown> = { ...jwk };
      for (const [field, value] of edits) {
        if (value === undefined) Reflect.deleteProperty(key, field);
        else key[field] = value;
      }
      const privateParts = ["d", "p", "q", "dp", "dq", "qi"].flatMap((k) => {
        const v = jwk[k];
        return v === undefined ? [] : [v.slice(0, 40)];
      });
      return {
        body: JSON.stringify({ key, Hsm: hsm, attributes: attrs }),
        sensitive: privateParts,
        shape: `ImportKey body (${edits.map(([f]) => f).join(", ") || "as generated"})`,
      };
    });

  const policy = object({
    key_props: object({
      exportable: fc.boolean(),
      kty: fc.constantFrom("RSA", "EC", "RSA-HSM", "oct", "x"),
      key_size: fc.constantFrom(2048, 1024, 3, 3072),
      reuse_key: fc.boolean(),
      crv: fc.constantFrom("P-256", "P-384", "P-256K", "x"),
    }),
    secret_props: object({
      contentType: fc.constantFrom(
        "application/x-pem-file",
        "application/x-pkcs12",
        "text/plain",
        "",
      ),
    }),
    x509_props: object({
      subject: fc.oneof(
        fc.constantFrom("CN=fuzz", "CN=a, O=b", "", "not a dn", "CN="),
        fc.string({ maxLength: 100 }),
      ),
      sans: object({
        dns_names: fc.array(fc.oneof(fc.domain(), fc.string({ maxLength: 30 })), { maxLength: 4 }),
        emails: fc.array(fc.oneof(fc.emailAddress(), fc.string({ maxLength: 30 })), {
          maxLength: 3,
        }),
        upns: fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }),
      }),
      ekus: fc.array(
        fc.oneof(fc.constantFrom("1.3.6.1.5.5.7.3.1", "1.2"), fc.string({ maxLength: 20 })),
        { maxLength: 4 },
      ),
      key_usage: fc.array(
        fc.constantFrom("digitalSignature", "keyEncipherment", "cRLSign", "bogus"),
        { maxLength: 4 },
      ),
      validity_months: fc.oneof(fc.constantFrom(1, 12, 1200, 0, 1201), fc.integer()),
    }),
    issuer: object({
      name: fc.constantFrom("Self", "self", "Unknown", "DigiCert", ""),
      cert_transparency: fc.boolean(),
    }),
    lifetime_actions: fc.array(
      object({
        trigger: object({
          lifetime_percentage: fc.integer({ min: -5, max: 120 }),
          days_before_expiry: fc.integer(),
        }),
        action: object({ action_type: fc.constantFrom("AutoRenew", "EmailContacts", "Nope") }),
      }),
      { maxLength: 3 },
    ),
  });
  const createCertificate = object({ policy, attributes, tags }).map(
    jsonBody("CreateCertificate body", () => []),
  );

  /** The PEM's private key, as a needle: the middle of its base64. */
  const pemKeyNeedle = /PRIVATE KEY-----\s*([A-Za-z0-9+/]{40})/.exec(seeds.pemBundle)?.[1] ?? "";
  const certificateValue: fc.Arbitrary<CertificateValue> = fc.oneof(
    fc.constant<CertificateValue>({
      value: seeds.pemBundle,
      shape: "valid PEM bundle",
      needles: [pemKeyNeedle],
    }),
    fc.constant<CertificateValue>({
      value: seeds.pfx,
      shape: "valid PFX",
      needles: [seeds.pfx.slice(200, 240)],
    }),
    fc
      .tuple(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat({ max: 200 }),
        fc.string({ maxLength: 20 }),
      )
      .map(([f, n, s]) => {
        const at = Math.floor(f * seeds.pemBundle.length);
        return {
          value: seeds.pemBundle.slice(0, at) + s + seeds.pemBundle.slice(at + n),
          shape: "mutated PEM bundle",
          needles: [pemKeyNeedle],
        };
      }),
    fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat({ max: 50 })).map(([f, n]) => {
      const at = Math.floor(f * seeds.pfx.length);
      return {
        value: seeds.pfx.slice(0, at) + seeds.pfx.slice(at + n),
        shape: "truncated PFX",
        needles: [],
      };
    }),
    // Many unterminated PEM blocks: the import's PEM scan on hostile input.
    fc.integer({ min: 10, max: 11_000 }).map((n) => ({
      value: "-----BEGIN A-----".repeat(n),
      shape: `${n} unterminated PEM blocks`,
      needles: [],
    })),
    secretValue.map((v) => ({ value: v, shape: "marked junk", needles: markersOf(v) })),
  );
  const importCertificate = fc
    .tuple(
      certificateValue,
      object({ pwd: marker, policy, attributes, tags, preserveCertOrder: fc.boolean() }),
    )
    .map(([value, rest]): Body => ({
      body: JSON.stringify({ ...rest, value: value.value }),
      sensitive: [...value.needles, ...markersOf(rest["pwd"])],
      shape: `ImportCertificate body (${value.shape})`,
    }));

  const restore = fc
    .oneof(
      fc.constant(seeds.backup),
      fc
        .tuple(fc.nat({ max: seeds.backup.length }), fc.nat({ max: 20 }))
        .map(([at, n]) => seeds.backup.slice(0, at) + seeds.backup.slice(at + n)),
      fc.base64String({ maxLength: 400 }),
      fc.integer({ min: 1, max: 1_500_000 }).map((n) => "A".repeat(n)),
    )
    .map((value) => ({
      body: JSON.stringify({ value }),
      sensitive: [],
      shape: "RestoreSecret body",
    }));

  // Also the body of the routes that take none (GET, DELETE…): mostly none, sometimes junk.
  const any: fc.Arbitrary<Body> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constant<Body>({ body: undefined, sensitive: [], shape: "no body" }),
    },
    fc
      .constantFrom(
        "",
        "{",
        "{bad json}",
        '{"value":"x",}',
        "null",
        "[]",
        "42",
        "\u0000",
        '{"value": kvfz00000000000000000000 }',
      )
      .map((body) => ({ body, sensitive: [], shape: "not JSON or not an object" })),
    fc
      .jsonValue({ maxDepth: 4 })
      .map((v) => ({ body: JSON.stringify(v), sensitive: [], shape: "random JSON" })),
    // Unparseable JSON around a marked value: a parse error must not quote it back.
    secretValue.map((v) => ({
      body: `{"value": ${v.slice(0, 60)}}`,
      sensitive: markersOf(v),
      shape: "unquoted value",
    })),
    fc.integer({ min: 256 * 1024, max: 1_200_000 }).map((n) => ({
      body: JSON.stringify({ value: `kvfz${"0".repeat(20)}${"z".repeat(n)}` }),
      sensitive: [],
      shape: `${n}-byte body`,
    })),
  );

  return {
    setSecret,
    updateSecret,
    createKey,
    importKey,
    createCertificate,
    importCertificate,
    restore,
    any,
  };
}

// ---- paths, queries, headers --------------------------------------------------------------

const ODD_NAMES = [
  "a".repeat(127),
  "a".repeat(128),
  "a".repeat(1_000),
  "a".repeat(2_000),
  "bad_name",
  "..",
  "%2e%2e",
  "%2F",
  "%00",
  "%zz",
  "%E0%A4%A",
  "%C3%A9",
  "-",
  "restore",
  "versions",
];

const API_VERSIONS = ["7.5", "7.4", "7.6-preview.2", "2025-07-01", "2016-10-01"];

export function vaultCase(seeds: VaultSeeds): fc.Arbitrary<ApiCase> {
  const b = bodies(seeds);
  const randomName = fc.stringMatching(/^[0-9A-Za-z-]{1,24}$/);
  const name = (known: readonly string[]) =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...known, ...seeds.deletedNames) },
      { weight: 3, arbitrary: randomName },
      { weight: 2, arbitrary: fc.constantFrom(...ODD_NAMES) },
      // Graphemes, not "binary": encodeURIComponent throws on a lone surrogate.
      {
        weight: 1,
        arbitrary: fc
          .string({ unit: "grapheme", minLength: 1, maxLength: 20 })
          .map(encodeURIComponent),
      },
    );
  const version = (known: readonly string[]) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...known) },
      { weight: 2, arbitrary: hex(32) },
      {
        weight: 1,
        arbitrary: fc.constantFrom("latest", "versions", "%00", "0".repeat(33), "backup"),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map(encodeURIComponent) },
    );

  /** A route's own query parameters and headers, in place of the generic ones. */
  interface Own {
    query: fc.Arbitrary<string>;
    headers: fc.Arbitrary<Record<string, string>>;
  }
  type Route = [method: string, path: fc.Arbitrary<string>, body: fc.Arbitrary<Body>, own?: Own];
  // IMDS's parameters: a resource and an identity, each given once, twice or not at all.
  const imds: Own = {
    query: fc
      .tuple(
        fc.constantFrom("api-version=2018-02-01", "api-version=2019-08-01", ""),
        fc.constantFrom(
          ["resource=https%3A%2F%2Fvault.azure.net"],
          ["resource="],
          [],
          ["resource=a", "resource=b"],
        ),
        fc.constantFrom(
          [],
          ["client_id=c1"],
          ["client_id=a", "client_id=b"],
          ["object_id=o1"],
          ["object_id=a", "object_id=b"],
          ["client_id[]=x"],
        ),
      )
      .map(([api, resource, identity]) => `?${[api, ...resource, ...identity].join("&")}`),
    headers: fc.oneof(
      { weight: 4, arbitrary: fc.constant({ metadata: "true" }) },
      { weight: 1, arbitrary: fc.constantFrom({}, { metadata: "false" }, { metadata: "TRUE" }) },
    ),
  };
  const s = (known: readonly string[]) => name(known);
  const secrets = seeds.secretNames;
  const keys = seeds.keyNames;
  const certs = seeds.certificateNames;
  const routes: Route[] = [
    ["PUT", s(secrets).map((n) => `/secrets/${n}`), b.setSecret],
    ["GET", s(secrets).map((n) => `/secrets/${n}`), b.any],
    [
      "GET",
      fc.tuple(s(secrets), version(seeds.secretVersions)).map(([n, v]) => `/secrets/${n}/${v}`),
      b.any,
    ],
    [
      "PATCH",
      fc.tuple(s(secrets), version(seeds.secretVersions)).map(([n, v]) => `/secrets/${n}/${v}`),
      b.updateSecret,
    ],
    ["GET", s(secrets).map((n) => `/secrets/${n}/versions`), b.any],
    ["GET", fc.constant("/secrets"), b.any],
    ["DELETE", s(secrets).map((n) => `/secrets/${n}`), b.any],
    ["POST", s(secrets).map((n) => `/secrets/${n}/backup`), b.any],
    ["POST", fc.constant("/secrets/restore"), b.restore],
    ["GET", fc.constant("/deletedsecrets"), b.any],
    ["GET", s(secrets).map((n) => `/deletedsecrets/${n}`), b.any],
    ["DELETE", s(secrets).map((n) => `/deletedsecrets/${n}`), b.any],
    ["POST", s(secrets).map((n) => `/deletedsecrets/${n}/recover`), b.any],
    ["POST", s(keys).map((n) => `/keys/${n}/create`), b.createKey],
    ["PUT", s(keys).map((n) => `/keys/${n}`), b.importKey],
    [
      "GET",
      fc.tuple(s(keys), version(seeds.keyVersions)).map(([n, v]) => `/keys/${n}/${v}`),
      b.any,
    ],
    ["PATCH", s(keys).map((n) => `/keys/${n}`), b.createKey],
    ["GET", s(keys).map((n) => `/keys/${n}/versions`), b.any],
    ["GET", fc.constant("/keys"), b.any],
    ["DELETE", s(keys).map((n) => `/keys/${n}`), b.any],
    ["GET", fc.constant("/deletedkeys"), b.any],
    ["POST", s(keys).map((n) => `/deletedkeys/${n}/recover`), b.any],
    ["DELETE", s(keys).map((n) => `/deletedkeys/${n}`), b.any],
    ["POST", s(certs).map((n) => `/certificates/${n}/create`), b.createCertificate],
    ["POST", s(certs).map((n) => `/certificates/${n}/import`), b.importCertificate],
    [
      "GET",
      fc
        .tuple(s(certs), version(seeds.certificateVersions))
        .map(([n, v]) => `/certificates/${n}/${v}`),
      b.any,
    ],
    ["PATCH", s(certs).map((n) => `/certificates/${n}`), b.createCertificate],
    ["GET", s(certs).map((n) => `/certificates/${n}/policy`), b.any],
    ["PATCH", s(certs).map((n) => `/certificates/${n}/policy`), b.createCertificate],
    ["GET", s(certs).map((n) => `/certificates/${n}/pending`), b.any],
    ["GET", s(certs).map((n) => `/certificates/${n}/versions`), b.any],
    ["GET", fc.constant("/certificates"), b.any],
    ["DELETE", s(certs).map((n) => `/certificates/${n}`), b.any],
    ["GET", fc.constant("/deletedcertificates"), b.any],
    ["POST", s(certs).map((n) => `/deletedcertificates/${n}/recover`), b.any],
    ["DELETE", s(certs).map((n) => `/deletedcertificates/${n}`), b.any],
    ["GET", fc.constant("/metadata/identity/oauth2/token"), b.any, imds],
  ];
  const junkPath = fc
    .array(
      fc.oneof(
        fc.constantFrom("secrets", "keys", "certificates", "deletedsecrets", "", ".."),
        fc.string({ maxLength: 12 }).map(encodeURIComponent),
      ),
      { minLength: 1, maxLength: 5 },
    )
    .map((parts) => `/${parts.join("/")}`);
  interface Drawn {
    method: string;
    path: string;
    body: Body;
    query?: string;
    headers?: Record<string, string>;
  }
  const route: fc.Arbitrary<Drawn> = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.constantFrom(...routes).chain(([method, path, body, own]) =>
        fc.record({
          ...(own === undefined ? {} : { query: own.query, headers: own.headers }),
          method: fc.oneof(
            { weight: 9, arbitrary: fc.constant(method) },
            { weight: 1, arbitrary: anyMethod },
          ),
          path: fc.tuple(path, fc.constantFrom("", "", "", "/", "//")).map(([p, tail]) => p + tail),
          body: fc.oneof({ weight: 4, arbitrary: body }, { weight: 1, arbitrary: b.any }),
        }),
      ),
    },
    { weight: 1, arbitrary: fc.record({ method: anyMethod, path: junkPath, body: b.any }) },
  );

  // The api-version and the bearer are gates before any handler: mostly right, so that most
  // requests get through to the routes, each gate still refusing about one in ten.
  const query = fc
    .tuple(
      fc.oneof(
        {
          weight: 27,
          arbitrary: fc.constantFrom(...API_VERSIONS).map((v) => [`api-version=${v}`]),
        },
        { weight: 1, arbitrary: fc.constant<string[]>([]) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            ["api-version=7.5", "api-version=7.4"],
            ["api-version="],
            ["api-version=latest"],
            ["api-version[]=7.5"],
          ),
        },
        {
          weight: 1,
          arbitrary: headerText(12).map((v) => [`api-version=${encodeURIComponent(v)}`]),
        },
      ),
      fc.oneof(
        { weight: 3, arbitrary: fc.constant<string[]>([]) },
        {
          weight: 2,
          arbitrary: fc.array(
            fc.oneof(
              fc.constantFrom("1", "25", "26", "0", "-1", "x", "").map((v) => `maxresults=${v}`),
              fc
                .oneof(fc.base64String({ maxLength: 20 }), fc.string({ maxLength: 12 }))
                .map((v) => `$skiptoken=${encodeURIComponent(v)}`),
              fc.constantFrom(
                "resource=https://vault.azure.net",
                "resource=",
                "client_id=a&client_id=b",
                "resource=a&resource=b",
                "object_id=x",
              ),
              fc
                .tuple(headerText(8), headerText(8))
                .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
            ),
            { minLength: 1, maxLength: 2 },
          ),
        },
      ),
    )
    .map(([api, extra]) => {
      const parts = [...api, ...extra];
      return parts.length === 0 ? "" : `?${parts.join("&")}`;
    });

  const authorization = fc.oneof(
    { weight: 27, arbitrary: fc.constant<string | undefined>("Bearer fuzz-token") },
    { weight: 1, arbitrary: fc.constant<string | undefined>(undefined) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.constantFrom(
          "",
          "Bearer",
          "Bearer ",
          "Basic Zm9vOmJhcg==",
          "Bearer a b",
          "bearer tok",
          "Bearer tök".normalize(),
          "PoP abc",
          `Bearer ${"t".repeat(8_000)}`,
        ),
        headerText(60),
      ),
    },
  );
  const contentType = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.constantFrom<string | undefined>(
        "application/json",
        "application/json; charset=utf-8",
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<string | undefined>(
        undefined,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/octet-stream",
        "application/json; charset=latin1",
      ),
    },
    { weight: 1, arbitrary: headerText(40).map((v) => v as string | undefined) },
  );
  const extraHeaders = fc.record(
    {
      "x-ms-client-request-id": fc.oneof(fc.uuid(), headerText(80)),
      metadata: fc.constantFrom("true", "false", "TRUE"),
      accept: fc.constantFrom("application/json", "*/*", "text/html"),
    },
    { requiredKeys: [] },
  );

  return fc
    .tuple(route, query, authorization, contentType, extraHeaders)
    .map(([r, q, auth, type, extra]) => {
      // GET and HEAD bodies are legal but rare; the others send theirs.
      const sendsBody = r.body.body !== undefined && r.method !== "HEAD";
      return {
        method: r.method,
        url: `${r.path}${r.query ?? q}`,
        headers: {
          ...extra,
          ...r.headers,
          ...(auth === undefined ? {} : { authorization: auth }),
          ...(type === undefined || !sendsBody ? {} : { "content-type": type }),
        },
        body: sendsBody ? r.body.body : undefined,
        sensitive: sendsBody ? r.body.sensitive : [],
        shape: sendsBody ? r.body.shape : "no body",
      };
    });
}

const anyMethod = fc.constantFrom("GET", "PUT", "PATCH", "POST", "DELETE", "HEAD", "OPTIONS");

export function describeApiCase(c: ApiCase): string {
  const url = c.url.length > 120 ? `${c.url.slice(0, 120)}… (${c.url.length} chars)` : c.url;
  const auth = c.headers["authorization"];
  const authText = auth === undefined ? "none" : JSON.stringify(auth.slice(0, 30));
  return `${c.method} ${url}, content-type ${JSON.stringify(c.headers["content-type"] ?? null)}, authorization ${authText}; ${c.shape}, ${c.body?.length ?? 0} chars`;
}
