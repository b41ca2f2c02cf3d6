/**
 * lost-events: the local vault's Event Grid publisher delivers to the agent through a proxy
 * (agent-delivery-proxy.ts) that drops 20% of deliveries (answering 200, so nothing retries) and
 * repeats 10%; now and then old deliveries are replayed straight to the agent's webhook after
 * newer ones, some with fresh ids so that de-duplication cannot hide them. The poll runs every
 * second as the safety net. A reader thread watches the file throughout.
 *
 * Claims: every rotation reaches the file within one poll interval (+ a margin), dropped or not;
 * and the file never goes back to an older rotation (no rollback), whatever arrives late.
 *
 * Rotations are a vault-second apart (the vault's clock steps a second per rotation, as real
 * rotations are seconds apart). After them, a few pairs of rotations are made within one second,
 * the second one's event dropped: Key Vault dates versions to the second, and the poll must
 * still find the newer version.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { startAgent, type RunningAgent } from "../../agent/index.js";
import {
  management,
  waitUntil,
  webhookSubscription,
} from "../../eventgrid/publisher/test-support/management.js";
import { localClass } from "../../spc/test-support/local-class.js";
import { SETTLE_AFTER_MS } from "../../sync/index.js";
import { startVaultFixture } from "../../vault/test-support/vault-fixture.js";
import type { Scenario, ScenarioResult, ScenarioSize } from "../scenario.js";
import {
  startDeliveryProxy,
  type DeliveryDecision,
  type DeliveryProxy,
  type RecordedDelivery,
} from "../support/agent-delivery-proxy.js";
import { postDelivery, withFreshIds } from "../support/agent-events.js";
import { faultValue, SMALL_VALUES } from "../support/agent-fault-values.js";
import { ms, percentile } from "../support/agent-figures.js";
import {
  preciseNow,
  startReaders,
  type ReaderReport,
  type RunningReaders,
} from "../support/agent-readers.js";
import { VaultClock } from "../support/agent-vault-clock.js";

const SIZES = {
  // How long a rotation is waited for before it counts as lost (and the run moves on).
  short: { rotations: 30, sameSecondPairs: 2, giveUpMs: 6_000 },
  full: { rotations: 220, sameSecondPairs: 6, giveUpMs: 8_000 },
} as const;
const POLL_MS = 1_000;
/** For the poll's own work (list, read, write) and a loaded machine. */
const MARGIN_MS = 500;
const DROP = 0.2;
const DUPLICATE = 0.1;
/** Every this many rotations, old deliveries are replayed (a cadence, so a short run has some). */
const REPLAY_EVERY = 5;
const NAME = "lost";

export const scenario: Scenario = { name: "lost-events", run };

interface Rotation {
  readonly rotation: number;
  readonly version: string;
  /** Epoch ms just before SetSecret was sent. */
  readonly setAt: number;
  /** The version's `created`, as Key Vault dates it (whole seconds). */
  readonly createdOn: number | undefined;
  /** Epoch ms the reader first saw it in the file; undefined if it never did (in time). */
  seenAt: number | undefined;
  /** Made in the same vault second as the rotation before it, its event dropped. */
  readonly sameSecond: boolean;
}

async function run(size: ScenarioSize): Promise<ScenarioResult> {
  const { rotations, sameSecondPairs, giveUpMs } = SIZES[size];
  const clock = new VaultClock();
  const fixture = await startVaultFixture({ now: clock.now, eventGrid: { retryScale: 0.001 } });
  const mountDir = await mkdtemp(join(tmpdir(), "kvsync-lost-events-"));
  const client = fixture.client();
  const firstSeen = new Map<number, number>();
  const rotationOf = new Map<string, number>();
  const made: Rotation[] = [];
  const notes: string[] = [];
  const replays = { originalIds: 0, freshIds: 0 };
  /** "random" in the main phase; the same-second pairs force their own decisions. */
  let mode: "random" | DeliveryDecision = "random";
  let agent: RunningAgent | undefined;
  let proxy: DeliveryProxy | undefined;
  let readers: RunningReaders | undefined;
  let reports: ReaderReport[] = [];

  /** One rotation: SetSecret, then wait (bounded) for the reader to see it in the file. */
  const rotate = async (sameSecond = false) => {
    const rotation = made.length + 1;
    const setAt = preciseNow();
    const secret = await client.setSecret(NAME, faultValue(NAME, rotation));
    const version = secret.properties.version ?? "";
    rotationOf.set(version, rotation);
    const createdOn = secret.properties.createdOn?.getTime();
    const entry: Rotation = { rotation, version, setAt, createdOn, seenAt: undefined, sameSecond };
    made.push(entry);
    await waitUntil(() => firstSeen.has(rotation), `rotation ${rotation}`, giveUpMs).catch(
      () => undefined,
    );
    entry.seenAt = firstSeen.get(rotation);
  };

  try {
    await client.setSecret(NAME, faultValue(NAME, 0));
    agent = await startAgent({
      targets: [
        { spc: localClass("lost-events", [`objectName: ${NAME}\nobjectType: secret`]), mountDir },
      ],
      vaultEndpoints: new Map([["demo", fixture.vault.url]]),
      ca: fixture.ca,
      webhook: { port: 0, host: "127.0.0.1", auth: { kind: "none" } },
      pollIntervalMs: POLL_MS,
      logger: pino({ level: "silent" }),
      now: clock.nowMs,
    });
    const webhook = `${agent.url}/api/events`;
    proxy = await startDeliveryProxy({
      target: webhook,
      decide: () => (mode === "random" ? randomDecision() : mode),
    });
    await management(fixture).create("lost-events", webhookSubscription(`${proxy.url}/api/events`));
    readers = await startReaders(
      [
        {
          mode: "files",
          mountDir,
          files: [{ path: NAME, object: NAME }],
          shape: SMALL_VALUES,
          pauseMs: 1,
          reportSeen: true,
        },
      ],
      (seen) => firstSeen.set(seen.rotation, seen.at),
    );
    await waitUntil(() => firstSeen.has(0), "the first value in the file", 10_000);

    for (let i = 0; i < rotations; i++) {
      // A random phase against the poll's cadence, as real rotations have.
      await delay(Math.random() * 150);
      clock.step();
      await rotate();
      if (i % REPLAY_EVERY === REPLAY_EVERY - 1)
        await replayOld(proxy.deliveries, rotationOf, webhook, replays);
    }
    for (let pair = 0; pair < sameSecondPairs; pair++) {
      mode = "forward";
      clock.step();
      clock.freeze();
      await rotate();
      mode = "drop";
      await rotate(true);
      clock.thaw();
      mode = "random";
    }
    // One ordinary rotation at the end: the file must finish on the newest.
    clock.step();
    await rotate();
    await agent.engine.idle();
  } catch (error) {
    notes.push(`stopped: ${(error as Error).message}`);
  } finally {
    reports = (await readers?.stop()) ?? [];
    await agent?.close();
    await proxy?.close();
    await fixture.close();
    await rm(mountDir, { recursive: true, force: true });
  }
  return judge(size, made, proxy?.deliveries ?? [], rotationOf, reports, replays, notes);
}

function randomDecision(): DeliveryDecision {
  const roll = Math.random();
  if (roll < DROP) return "drop";
  return roll < DROP + DUPLICATE ? "duplicate" : "forward";
}

/**
 * Replays one or two deliveries of older rotations straight to the agent, after newer ones:
 * half as they were (ids it may have seen: de-duplicated, or new to it if they were dropped),
 * half with fresh ids, which nothing can de-duplicate: only the version order protects the file.
 */
async function replayOld(
  deliveries: readonly RecordedDelivery[],
  rotationOf: ReadonlyMap<string, number>,
  webhook: string,
  replays: { originalIds: number; freshIds: number },
): Promise<void> {
  const newest = Math.max(...rotationOf.values());
  const old = deliveries.filter((d) =>
    d.versions.every((v) => (rotationOf.get(v) ?? newest) < newest),
  );
  for (let n = 1 + Math.floor(Math.random() * 2); n > 0 && old.length > 0; n--) {
    const chosen = old[Math.floor(Math.random() * old.length)];
    if (chosen === undefined) continue;
    const fresh = Math.random() < 0.5;
    await postDelivery(webhook, fresh ? withFreshIds(chosen.body) : chosen.body);
    if (fresh) replays.freshIds++;
    else replays.originalIds++;
  }
}

const delay = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

function judge(
  size: ScenarioSize,
  made: readonly Rotation[],
  deliveries: readonly RecordedDelivery[],
  rotationOf: ReadonlyMap<string, number>,
  reports: readonly ReaderReport[],
  replays: { originalIds: number; freshIds: number },
  notes: string[],
): ScenarioResult {
  const bound = POLL_MS + MARGIN_MS;
  // A version made in the same second as the held one lists the same `updated`: the poll reads
  // "latest" once that second is over plus the skew allowance (changed-objects.ts), so its bound
  // is that wait, the rest of the second, and then one poll.
  const sameSecondBound = SETTLE_AFTER_MS + 1_000 + POLL_MS + MARGIN_MS;
  const boundOf = (r: Rotation) => (r.sameSecond ? sameSecondBound : bound);
  const byRotation = (decision: (d: DeliveryDecision) => boolean) => {
    const rotations = new Set<number>();
    for (const d of deliveries) {
      if (!decision(d.decision)) continue;
      for (const v of d.versions) rotations.add(rotationOf.get(v) ?? -1);
    }
    return rotations;
  };
  const forwarded = byRotation((d) => d !== "drop");
  const dropped = byRotation((d) => d === "drop");
  const main = made.filter((r) => !r.sameSecond);
  const delayOf = (r: Rotation) => (r.seenAt === undefined ? Infinity : r.seenAt - r.setAt);
  const delays = main.map(delayOf).filter(Number.isFinite);
  const late = made.filter((r) => !(delayOf(r) <= boundOf(r)));
  for (const r of late) {
    const how = r.sameSecond
      ? " (made in the same second as the one before, its event dropped)"
      : "";
    notes.push(
      r.seenAt === undefined
        ? `rotation ${r.rotation} never reached the file within ${SIZES[size].giveUpMs} ms${how}`
        : `rotation ${r.rotation} took ${ms(delayOf(r))} ms (bound ${boundOf(r)} ms)${how}`,
    );
  }
  // Through the poll: no delivery of it was forwarded before the file showed it.
  const viaPoll = main.filter(
    (r) =>
      r.seenAt !== undefined &&
      !deliveries.some(
        (d) =>
          d.decision !== "drop" &&
          d.at <= (r.seenAt ?? 0) &&
          d.versions.some((v) => rotationOf.get(v) === r.rotation),
      ),
  );
  const pairs = made.filter((r) => r.sameSecond);
  const unpaired = pairs.filter((r) => made[r.rotation - 2]?.createdOn !== r.createdOn);
  for (const r of unpaired) notes.push(`rotation ${r.rotation} did not share its second`);
  const sameSecondMissed = pairs.filter((r) => !(delayOf(r) <= sameSecondBound)).length;
  const sum = (pick: (r: ReaderReport) => number) => reports.reduce((t, r) => t + pick(r), 0);
  const rollbacks = sum((r) => r.rollbacks);
  const badReads = sum((r) => r.partial + r.missing);
  for (const report of reports) notes.push(...report.samples);
  const last = made.at(-1);
  const endsOnNewest = last?.seenAt !== undefined;
  if (sameSecondMissed > 0) {
    notes.push(
      "a version made in the same second as the one the agent holds was not read again once that second was over (changed-objects.ts settles such versions with one read of latest)",
    );
  }
  return {
    attack: `${main.length} rotations (${SIZES[size].sameSecondPairs} more in same-second pairs) with Event Grid deliveries 20% dropped, 10% duplicated, old ones replayed after newer (${replays.originalIds} as sent, ${replays.freshIds} with fresh ids); poll every ${POLL_MS / 1000} s`,
    claim: `every rotation reaches the file within one poll interval + ${MARGIN_MS} ms (a version made in the same second as the one before: once that second is over, + ${SETTLE_AFTER_MS} ms of clock allowance), and the file never rolls back`,
    held: late.length === 0 && rollbacks === 0 && badReads === 0 && endsOnNewest,
    figures: {
      rotations: main.length,
      dropped: main.filter((r) => dropped.has(r.rotation) && !forwarded.has(r.rotation)).length,
      lateByPoll: viaPoll.length,
      p50DelayMs: ms(percentile(delays, 50)),
      maxDelayMs: delays.length === 0 ? Number.NaN : ms(Math.max(...delays)),
      boundMs: bound,
      sameSecondBoundMs: sameSecondBound,
      overBound: late.filter((r) => !r.sameSecond).length,
      duplicated: deliveries.filter((d) => d.decision === "duplicate").length,
      replayed: replays.originalIds + replays.freshIds,
      rollbacks,
      badReads,
      sameSecondPairs: pairs.length - unpaired.length,
      sameSecondMissed,
    },
    notes,
  };
}
