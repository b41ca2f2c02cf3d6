/**
 * vault-outage: the agent's vault goes away, then throttles, then fails, then comes back, while a
 * new version waits in it. Faults are injected by an HTTPS proxy in front of the local vault
 * (agent-vault-proxy.ts), below the agent's retry loop, so every attempt is seen and counted:
 *  1. unreachable (connections refused);
 *  2. a 429 storm with Retry-After;
 *  3. bursts of 500s, with connections dropped between bursts;
 *  4. back to normal.
 * Claims: the file keeps its last good value throughout (a reader thread checks every read);
 * Key Vault attempts stay within what the backoff policy allows (the most attempts a single
 * caller following the policy with the shortest jitter could make) and never come sooner than a
 * Retry-After; and the new value reaches the file within one backoff step (+ a margin) of the
 * vault's return.
 *
 * Attempts are counted twice: by the agent (kvsync_keyvault_requests_total, one per attempt of
 * its retry loop) and on the wire by the proxy. A refused connection never reaches the proxy, so
 * the wire count misses the unreachable phase; it must never exceed the agent's count (that would
 * be a retry the loop does not see, e.g. the SDK's own).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pino } from "pino";
import { startAgent, type RunningAgent } from "../../agent/index.js";
import { waitUntil } from "../../eventgrid/publisher/test-support/management.js";
import { DEFAULT_BACKOFF, type BackoffPolicy } from "../../keyvault/index.js";
import { localClass } from "../../spc/test-support/local-class.js";
import { startVaultFixture } from "../../vault/test-support/vault-fixture.js";
import type { Scenario, ScenarioResult, ScenarioSize } from "../scenario.js";
import { faultValue, SMALL_VALUES } from "../support/agent-fault-values.js";
import { ms } from "../support/agent-figures.js";
import {
  preciseNow,
  startReaders,
  type ReaderReport,
  type RunningReaders,
} from "../support/agent-readers.js";
import { VaultClock } from "../support/agent-vault-clock.js";
import {
  startVaultProxy,
  type ProxiedRequest,
  type VaultProxy,
} from "../support/agent-vault-proxy.js";

interface Size {
  policy: BackoffPolicy;
  pollIntervalMs: number;
  unreachableMs: number;
  throttleMs: number;
  retryAfterSeconds: number;
  /** Bursts of 500s, each followed by a short spell of dropped connections. */
  errorBursts: number;
  burstMs: number;
  dropMs: number;
  /** Slack on top of one backoff step for the read, the write and a loaded machine. */
  marginMs: number;
}

const SIZES: Record<ScenarioSize, Size> = {
  short: {
    policy: { baseMs: 100, maxMs: 800, maxAttempts: 5 },
    pollIntervalMs: 1_000,
    unreachableMs: 3_000,
    throttleMs: 2_000,
    retryAfterSeconds: 1,
    errorBursts: 3,
    burstMs: 500,
    dropMs: 150,
    marginMs: 750,
  },
  // kvsync's shipped policy, against a minute-long outage.
  full: {
    policy: DEFAULT_BACKOFF,
    pollIntervalMs: 10_000,
    unreachableMs: 60_000,
    throttleMs: 15_000,
    retryAfterSeconds: 5,
    errorBursts: 5,
    burstMs: 2_500,
    dropMs: 500,
    marginMs: 2_000,
  },
};
const NAME = "outage";
/** Timer and clock granularity allowed when comparing a gap with a Retry-After. */
const TIMER_SLACK_MS = 5;

export const scenario: Scenario = { name: "vault-outage", run };

interface Timeline {
  faultsFrom: number;
  throttleFrom: number;
  errorsFrom: number;
  returnedAt: number;
}

async function run(size: ScenarioSize): Promise<ScenarioResult> {
  const s = SIZES[size];
  // Versions a second apart at least, as real rotations are: a version made in the same second
  // as the one the agent holds is another fault (lost-events probes it), not this one.
  const clock = new VaultClock();
  const fixture = await startVaultFixture({ now: clock.now });
  const tls = dirname(fixture.vault.caPath);
  const proxy = await startVaultProxy({
    target: fixture.vault.url,
    ca: fixture.ca,
    cert: await readFile(join(tls, "server.pem"), "utf8"),
    key: await readFile(join(tls, "server-key.pem"), "utf8"),
  });
  const mountDir = await mkdtemp(join(tmpdir(), "kvsync-vault-outage-"));
  const firstSeen = new Map<number, number>();
  const notes: string[] = [];
  let agent: RunningAgent | undefined;
  let readers: RunningReaders | undefined;
  let reports: ReaderReport[] = [];
  let timeline: Timeline | undefined;
  let agentAttempts = Number.NaN;
  try {
    const client = fixture.client();
    await client.setSecret(NAME, faultValue(NAME, 1));
    agent = await startAgent({
      targets: [
        { spc: localClass("vault-outage", [`objectName: ${NAME}\nobjectType: secret`]), mountDir },
      ],
      vaultEndpoints: new Map([["demo", proxy.url]]),
      ca: fixture.ca,
      webhook: { port: 0, host: "127.0.0.1", auth: { kind: "none" } },
      pollIntervalMs: s.pollIntervalMs,
      backoff: s.policy,
      logger: pino({ level: "silent" }),
    });
    readers = await startReaders(
      [
        {
          mode: "files",
          mountDir,
          files: [{ path: NAME, object: NAME }],
          shape: SMALL_VALUES,
          pauseMs: 2,
          reportSeen: true,
        },
      ],
      (seen) => firstSeen.set(seen.rotation, seen.at),
    );
    await waitUntil(() => firstSeen.has(1), "the first value in the file", 10_000);
    await agent.engine.idle();
    const countedBefore = await attemptsCounted(agent);
    timeline = await attack(proxy, s, () => {
      clock.step();
      return client.setSecret(NAME, faultValue(NAME, 2));
    });
    agentAttempts = (await attemptsCounted(agent)) - countedBefore;
    const bound = maxStepMs(s) + s.marginMs;
    await waitUntil(() => firstSeen.has(2), "the new value after the return", bound + 10_000);
  } catch (error) {
    notes.push(`stopped: ${(error as Error).message}`);
  } finally {
    reports = (await readers?.stop()) ?? [];
    await agent?.close();
    await proxy.close();
    await fixture.close();
    await rm(mountDir, { recursive: true, force: true });
  }
  return judge(s, timeline, proxy.requests, reports, firstSeen, agentAttempts, notes);
}

/** The faults, one after another; the new version is set behind them, directly on the vault. */
async function attack(
  proxy: VaultProxy,
  s: Size,
  rotate: () => Promise<unknown>,
): Promise<Timeline> {
  const faultsFrom = preciseNow();
  await proxy.setFault({ kind: "unreachable" });
  await rotate();
  await until(faultsFrom + s.unreachableMs);
  const throttleFrom = preciseNow();
  await proxy.setFault({ kind: "status", status: 429, retryAfterSeconds: s.retryAfterSeconds });
  await until(throttleFrom + s.throttleMs);
  const errorsFrom = preciseNow();
  for (let burst = 0; burst < s.errorBursts; burst++) {
    await proxy.setFault({ kind: "status", status: 500 });
    await until(preciseNow() + s.burstMs);
    await proxy.setFault({ kind: "reset" });
    await until(preciseNow() + s.dropMs);
  }
  await proxy.setFault({ kind: "none" });
  return { faultsFrom, throttleFrom, errorsFrom, returnedAt: preciseNow() };
}

/** Waits until an epoch ms: the length of a fault phase is the attack's, not a guess. */
const until = (at: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, at - preciseNow())));

/** The agent's own count of Key Vault attempts (kvsync_keyvault_requests_total, all labels). */
async function attemptsCounted(agent: RunningAgent): Promise<number> {
  const text = await agent.metrics.registry.getSingleMetricAsString(
    "kvsync_keyvault_requests_total",
  );
  return text
    .split("\n")
    .filter((line) => line.startsWith("kvsync_keyvault_requests_total{"))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

/**
 * The longest the agent may wait before its next try: its largest retry delay (jitter ≤ the
 * ceiling), or a whole poll interval when a call has just given up.
 */
function maxStepMs({ policy, pollIntervalMs }: Size): number {
  const largestDelay = Math.min(policy.maxMs, policy.baseMs * 2 ** (policy.maxAttempts - 2));
  return Math.max(largestDelay, pollIntervalMs);
}

/**
 * The most Key Vault requests the policy allows within `windowMs`: one caller (the poll), each
 * call retrying after the shortest wait the jitter allows (half the ceiling), or the Retry-After
 * when one is in force, up to maxAttempts; then the poll interval before the next call. Starting
 * a fresh call at the window's start is the worst case: waits only grow along a call.
 */
export function maxAttemptsAllowed(
  windowMs: number,
  policy: BackoffPolicy,
  pollIntervalMs: number,
  retryAfterAt: (t: number) => number,
): number {
  let t = 0;
  let attempts = 0;
  while (t < windowMs) {
    for (let attempt = 1; t < windowMs; attempt++) {
      attempts++;
      if (attempt >= policy.maxAttempts) break;
      const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
      t += Math.max(ceiling / 2, retryAfterAt(t));
    }
    t += pollIntervalMs;
  }
  return attempts;
}

function judge(
  s: Size,
  timeline: Timeline | undefined,
  requests: readonly ProxiedRequest[],
  reports: readonly ReaderReport[],
  firstSeen: ReadonlyMap<number, number>,
  agentAttempts: number,
  notes: string[],
): ScenarioResult {
  const attack = `vault unreachable ${s.unreachableMs / 1000} s, then 429 (Retry-After ${s.retryAfterSeconds} s) for ${s.throttleMs / 1000} s, then ${s.errorBursts} bursts of 500s with dropped connections, a new version waiting behind them; backoff ${JSON.stringify(s.policy)}, poll ${s.pollIntervalMs / 1000} s`;
  const claim =
    "the file keeps its last good value throughout; Key Vault requests stay within the backoff policy and Retry-After; the new value lands within one backoff step of the vault's return";
  if (timeline === undefined) return { attack, claim, held: false, figures: {}, notes };
  const { faultsFrom, throttleFrom, errorsFrom, returnedAt } = timeline;
  const during = requests.filter((r) => r.keyVault && r.at >= faultsFrom && r.at < returnedAt);
  const attempts = Math.max(agentAttempts, during.length);
  const retryAfterMs = s.retryAfterSeconds * 1000;
  const allowed = maxAttemptsAllowed(returnedAt - faultsFrom, s.policy, s.pollIntervalMs, (t) =>
    t >= throttleFrom - faultsFrom && t < errorsFrom - faultsFrom ? retryAfterMs : 0,
  );
  // Every request after a 429 must wait out its Retry-After.
  const keyVault = requests.filter((r) => r.keyVault);
  const gapsAfter429 = keyVault.flatMap((r, i) => {
    const next = keyVault[i + 1];
    return r.answer === "429" && next !== undefined ? [next.at - r.at] : [];
  });
  const minGapAfter429 = gapsAfter429.length === 0 ? Number.NaN : Math.min(...gapsAfter429);
  const retryAfterKept = gapsAfter429.every((gap) => gap >= retryAfterMs - TIMER_SLACK_MS);
  // The wait the agent was in when the vault came back: its last try before, its first after.
  const lastBefore = during.at(-1)?.at ?? faultsFrom;
  const firstAfter = keyVault.find((r) => r.at >= returnedAt)?.at;
  const recovered = firstSeen.get(2);
  const recoveryMs = recovered === undefined ? Number.NaN : recovered - returnedAt;
  const stepMs = maxStepMs(s);
  const sum = (pick: (r: ReaderReport) => number) => reports.reduce((t, r) => t + pick(r), 0);
  const badReads = sum((r) => r.partial + r.missing + r.rollbacks);
  const newTooSoon = recovered !== undefined && recovered < returnedAt;
  for (const report of reports) notes.push(...report.samples);
  if (!retryAfterKept) notes.push(`a request came ${ms(minGapAfter429)} ms after a 429`);
  if (newTooSoon) notes.push("the new value appeared before the vault returned");
  if (!(attempts <= allowed)) {
    notes.push(`${attempts} Key Vault attempts during the faults; the policy allows ${allowed}`);
  }
  const hiddenRetries = during.length > agentAttempts;
  if (hiddenRetries) {
    notes.push(`the wire saw ${during.length} requests, the agent counted ${agentAttempts}`);
  }
  if (!(recoveryMs <= stepMs + s.marginMs)) {
    notes.push(
      `the new value took ${ms(recoveryMs)} ms after the return; the bound is ${stepMs + s.marginMs} ms`,
    );
  }
  return {
    attack,
    claim,
    held:
      badReads === 0 &&
      !newTooSoon &&
      attempts <= allowed &&
      !hiddenRetries &&
      retryAfterKept &&
      recoveryMs <= stepMs + s.marginMs,
    figures: {
      faultMs: ms(returnedAt - faultsFrom),
      attempts: agentAttempts,
      maxAttemptsAllowed: allowed,
      requestsOnTheWire: during.length,
      tokenRequests: requests.filter((r) => !r.keyVault && r.at >= faultsFrom && r.at < returnedAt)
        .length,
      minGapAfter429Ms: ms(minGapAfter429),
      retryAfterMs,
      waitInForceAtReturnMs: firstAfter === undefined ? Number.NaN : ms(firstAfter - lastBefore),
      recoveryMs: ms(recoveryMs),
      backoffStepMs: stepMs,
      marginMs: s.marginMs,
      reads: sum((r) => r.reads),
      badReads,
    },
    notes,
  };
}
