import { generateKeyPairSync, randomBytes } from "node:crypto";
import { loggerInto } from "../../vault/test-support/bad-input.js";
import { startVaultFixture } from "../../vault/test-support/vault-fixture.js";
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
  describeApiCase,
  MARKER,
  vaultCase,
  type ApiCase,
  type VaultSeeds,
} from "../support/fuzz-vault-inputs.js";
import { VaultHttps, type HttpsAnswer } from "../support/vault-https.js";

/**
 * Property-based fuzzing of the local vault's REST API, in process (the vault fixture) over
 * loopback HTTPS with its CA: random methods, paths, names, versions, query strings and
 * api-versions on the secrets, keys and certificates routes (and the IMDS token route the vault
 * also serves), mutated SetSecret, CreateKey, ImportKey, CreateCertificate, ImportCertificate and
 * restore bodies, non-JSON and oversize bodies, and auth header variants. Claims: never a 5xx,
 * the vault keeps serving, every 4xx carries Key Vault's error shape, and no value sent (secret
 * values, private key material, certificate passwords) ever appears in an error or the log.
 */

const SIZES = {
  short: { numRuns: 300, timeLimitMs: 15_000, shrinkTimeLimitMs: 4_000 },
  full: { numRuns: 10_000, timeLimitMs: 140_000, shrinkTimeLimitMs: 20_000 },
} as const;

/** Every this many cases, the sentinel secret must still read back. */
const LIVENESS_EVERY = 100;
const SEED_HEADERS = { authorization: "Bearer seed", "content-type": "application/json" };

export const scenario: Scenario = { name: "fuzz-vault-api", run };

export interface Tally {
  statuses: Map<number, number>;
  errorsChecked: number;
  slowestMs: number;
  slowest: string;
}

interface Sentinel {
  name: string;
  value: string;
}

async function run(size: ScenarioSize): Promise<ScenarioResult> {
  const plan = SIZES[size];
  const log: string[] = [];
  const fixture = await startVaultFixture({ logger: loggerInto(log) });
  const api = new VaultHttps(fixture.vault.url, fixture.ca, 4);
  try {
    const { seeds, sentinel, needles } = await seed(api);
    const tally: Tally = { statuses: new Map(), errorsChecked: 0, slowestMs: 0, slowest: "" };
    let cases = 0;
    const outcome = await runFuzz({
      arbitrary: vaultCase(seeds),
      numRuns: plan.numRuns,
      seed: fuzzSeed(size, 0x6b76_6170),
      timeLimitMs: plan.timeLimitMs,
      shrinkTimeLimitMs: plan.shrinkTimeLimitMs,
      describe: describeApiCase,
      check: async (c, phase) => {
        const violations = await checkCase(api, c, needles, phase === "run" ? tally : undefined);
        if (phase === "run" && ++cases % LIVENESS_EVERY === 0) {
          violations.push(...(await stillServing(api, sentinel)));
        }
        return violations;
      },
    });
    const after = await afterRun(api, sentinel, log, needles);
    const status = (lo: number) =>
      [...tally.statuses].filter(([s]) => s >= lo && s < lo + 100).reduce((n, [, k]) => n + k, 0);
    const notes = [...after.notes, ...violationNotes(outcome)];
    if (tally.slowestMs > 1_000) {
      notes.push(
        `slowest answer ${Math.round(tally.slowestMs)} ms (not a claim here, but the vault serves nothing else meanwhile): ${tally.slowest}`,
      );
    }
    notes.push(
      "Event subscription routes are left out: a fuzzed PUT would make the vault call the endpoint URL it names (the handshake), off this machine.",
    );
    return {
      attack: `fast-check: ${outcome.runs.toLocaleString("en-US")} requests to the local vault over HTTPS (odd methods, paths, names, versions, query strings and api-versions; mutated SetSecret, CreateKey, ImportKey, CreateCertificate, ImportCertificate and restore bodies; non-JSON and oversize bodies; auth header variants)`,
      claim:
        "never a 5xx and the vault keeps serving; every 4xx carries Key Vault's {error:{code,message}} (IMDS's {error,error_description} on its token route); no value sent appears in an error or the log",
      held:
        outcome.violations.size === 0 &&
        outcome.processErrors.length === 0 &&
        after.notes.length === 0,
      figures: {
        cases: outcome.runs,
        "2xx": status(200),
        "4xx": status(400),
        "5xx": status(500),
        statuses: [...tally.statuses]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}×${n}`)
          .join(" "),
        "error answers checked for values": tally.errorsChecked,
        "values found in errors": outcome.violations.get("a value in an error")?.count ?? 0,
        "values found in the log": after.leaksInLog,
        "log lines": log.length,
        "slowest answer ms": Math.round(tally.slowestMs),
        "kinds of violation": outcome.violations.size,
        seed: outcome.seed,
        "run ms": outcome.ms,
      },
      notes,
    };
  } finally {
    api.close();
    await fixture.close();
  }
}

/** Objects for requests to reach: secrets, a deleted one, keys, certificates, a backup. */
export async function seed(
  api: VaultHttps,
): Promise<{ seeds: VaultSeeds; sentinel: Sentinel; needles: string[] }> {
  const call = async (method: string, path: string, body?: unknown) => {
    const answer = await api.call({
      method,
      path: `${path}?api-version=7.5`,
      headers: SEED_HEADERS,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (answer.status >= 300)
      throw new Error(`seeding: ${method} ${path} answered ${answer.status}`);
    return JSON.parse(answer.text === "" ? "{}" : answer.text) as Record<string, unknown>;
  };
  /** The version at the end of a bundle's id (a key's is its kid). */
  const versionOf = (bundle: Record<string, unknown>): string => {
    const id = bundle["id"] ?? (bundle["key"] as { kid?: unknown } | undefined)?.kid;
    return typeof id === "string" ? (id.split("/").at(-1) ?? "") : "";
  };
  const marked = () => `kvfz${randomBytes(10).toString("hex")}`;

  // The sentinel's name is never drawn by the fuzzer: it must survive everything.
  const sentinel = { name: `sentinel-${randomBytes(8).toString("hex")}`, value: marked() };
  await call("PUT", `/secrets/${sentinel.name}`, { value: sentinel.value });
  const secretVersions = [
    versionOf(await call("PUT", "/secrets/fz-s1", { value: marked() })),
    versionOf(await call("PUT", "/secrets/fz-s1", { value: marked(), contentType: "text/plain" })),
    versionOf(await call("PUT", "/secrets/fz-s2", { value: marked(), tags: { a: "b" } })),
  ];
  await call("PUT", "/secrets/fz-del", { value: marked() });
  await call("DELETE", "/secrets/fz-del");
  const key = await call("POST", "/keys/fz-k1/create", { kty: "EC", crv: "P-256" });
  const certificate = (name: string, contentType: string) =>
    call("POST", `/certificates/${name}/create`, {
      policy: {
        issuer: { name: "Self" },
        key_props: { exportable: true, kty: "EC", crv: "P-256" },
        secret_props: { contentType },
        x509_props: { subject: `CN=${name}`, validity_months: 12 },
      },
    });
  await certificate("fz-c1", "application/x-pem-file");
  await certificate("fz-c2", "application/x-pkcs12");
  const pemBundle = String((await call("GET", "/secrets/fz-c1"))["value"]);
  const pfx = String((await call("GET", "/secrets/fz-c2"))["value"]);
  const certificateVersion = versionOf(await call("GET", "/certificates/fz-c1"));
  const backup = String((await call("POST", "/secrets/fz-s1/backup"))["value"]);
  const jwks = [
    generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" }),
    generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }),
  ].map((jwk) =>
    Object.fromEntries(
      Object.entries(jwk).filter((e): e is [string, string] => typeof e[1] === "string"),
    ),
  );
  const pemKey = /PRIVATE KEY-----\s*([A-Za-z0-9+/]{40})/.exec(pemBundle)?.[1];
  // Private material that must never show in an error or the log, whichever request carried it.
  const needles = [
    ...(pemKey === undefined ? [] : [pemKey]),
    pfx.slice(200, 240),
    ...jwks.flatMap((jwk) => (jwk["d"] === undefined ? [] : [jwk["d"].slice(0, 40)])),
  ];
  return {
    sentinel,
    needles,
    seeds: {
      secretNames: ["fz-s1", "fz-s2", "FZ-S1"],
      secretVersions,
      keyNames: ["fz-k1"],
      keyVersions: [versionOf(key)],
      certificateNames: ["fz-c1", "fz-c2", "fz-c3"],
      certificateVersions: [certificateVersion],
      deletedNames: ["fz-del"],
      pemBundle,
      pfx,
      backup,
      jwks,
    },
  };
}

export async function checkCase(
  api: Pick<VaultHttps, "call">,
  c: ApiCase,
  needles: readonly string[],
  tally: Tally | undefined,
): Promise<Violation[]> {
  let answer: HttpsAnswer;
  try {
    answer = await api.call({
      method: c.method,
      path: c.url,
      headers: c.headers,
      ...(c.body === undefined ? {} : { body: c.body }),
      // The vault may answer a large body early and close: a connection of its own.
      fresh: (c.body?.length ?? 0) > 64 * 1024,
    });
  } catch (error) {
    return [{ kind: "no answer", detail: errorText(error) }];
  }
  const { status } = answer;
  if (tally) {
    tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
    if (answer.ms > tally.slowestMs) {
      tally.slowestMs = answer.ms;
      tally.slowest = describeApiCase(c);
    }
  }
  const violations: Violation[] = [];
  if (status >= 500) {
    violations.push({ kind: "5xx", detail: `${status} ${oneLine(answer.text, 160)}` });
  }
  if (status < 400 || c.method === "HEAD") return violations;
  if (tally) tally.errorsChecked++;
  violations.push(...checkErrorShape(c, answer));
  const leaked = [...c.sensitive, ...needles].some((needle) => answer.text.includes(needle));
  if (leaked || new RegExp(MARKER.source).test(answer.text)) {
    violations.push({
      kind: "a value in an error",
      detail: `${status}: ${oneLine(answer.text.replace(MARKER, "kvfz<value>"), 160)}`,
    });
  }
  return violations;
}

/**
 * Key Vault's `{"error":{"code","message"}}`. The IMDS token handler answers its own refusals
 * as IMDS does, `{"error","error_description"}`; what it does not handle on that path (another
 * method, a body too large) gets Key Vault's shape like any route.
 */
function checkErrorShape(c: ApiCase, answer: HttpsAnswer): Violation[] {
  const where = `${answer.status} ${oneLine(answer.text.replace(MARKER, "kvfz<value>"), 160)}`;
  if (!String(answer.headers["content-type"]).startsWith("application/json")) {
    return [
      { kind: "4xx not JSON", detail: `${where} (${String(answer.headers["content-type"])})` },
    ];
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return [{ kind: "4xx not JSON", detail: where }];
  }
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const error = fields["error"] as { code?: unknown; message?: unknown } | undefined;
  const keyVaultShape =
    typeof error === "object" &&
    typeof error.code === "string" &&
    error.code !== "" &&
    typeof error.message === "string" &&
    error.message.trim() !== "";
  const imdsShape =
    c.url.startsWith("/metadata/identity/oauth2/token") &&
    typeof fields["error"] === "string" &&
    typeof fields["error_description"] === "string";
  return keyVaultShape || imdsShape
    ? []
    : [{ kind: "4xx not in Key Vault's error shape", detail: where }];
}

async function stillServing(api: VaultHttps, sentinel: Sentinel): Promise<Violation[]> {
  try {
    const answer = await api.call({
      method: "GET",
      path: `/secrets/${sentinel.name}?api-version=7.5`,
      headers: SEED_HEADERS,
    });
    const value =
      answer.status === 200 ? (JSON.parse(answer.text) as { value?: string }).value : "";
    return value === sentinel.value
      ? []
      : [{ kind: "vault stopped serving", detail: `the sentinel read answered ${answer.status}` }];
  } catch (error) {
    return [{ kind: "vault stopped serving", detail: errorText(error) }];
  }
}

/** After the run: still serving and writable, no 5xx counted, no value and no error in the log. */
async function afterRun(
  api: VaultHttps,
  sentinel: Sentinel,
  log: readonly string[],
  needles: readonly string[],
): Promise<{ notes: string[]; leaksInLog: number }> {
  const notes: string[] = [];
  for (const v of await stillServing(api, sentinel)) notes.push(`after the run: ${v.detail}`);
  const fresh = {
    name: `${sentinel.name}-after`,
    value: `after-${randomBytes(8).toString("hex")}`,
  };
  const put = await api.call({
    method: "PUT",
    path: `/secrets/${fresh.name}?api-version=7.5`,
    headers: SEED_HEADERS,
    body: JSON.stringify({ value: fresh.value }),
  });
  if (put.status !== 200) notes.push(`after the run, a write answered ${put.status}`);
  else for (const v of await stillServing(api, fresh)) notes.push(`after the run: ${v.detail}`);

  const metrics = await api.call({ method: "GET", path: "/metrics", headers: {} });
  const counted5xx = [
    ...metrics.text.matchAll(/^kvsync_vault_requests_total\{[^}]*status="5\d\d"[^}]*\} (\d+)/gm),
  ];
  if (counted5xx.length > 0) {
    notes.push(
      `the vault's own counter shows 5xx answers: ${counted5xx.map((m) => m[0]).join("; ")}`,
    );
  }
  const text = log.join("");
  const leaksInLog =
    (text.match(MARKER)?.length ?? 0) + needles.filter((n) => text.includes(n)).length;
  if (leaksInLog > 0) notes.push(`${leaksInLog} values found in the vault's log`);
  const errors = log.filter((line) => line.includes('"level":50'));
  if (errors.length > 0) {
    notes.push(
      `${errors.length} error lines in the vault's log, e.g. ${oneLine(errors[0] ?? "", 300)}`,
    );
  }
  return { notes, leaksInLog };
}
