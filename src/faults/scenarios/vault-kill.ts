import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { webhookSubscription } from "../../eventgrid/publisher/test-support/management.js";
import { seededRandom } from "../../test-support/seeded-random.js";
import type { Scenario, ScenarioResult, ScenarioSize } from "../scenario.js";
import { startVaultChild, type VaultChild } from "../support/vault-child.js";
import { startEventSink, versionKey, type EventSink } from "../support/vault-event-sink.js";
import { VaultHttps } from "../support/vault-https.js";

/**
 * kill -9 of the local vault (`kvsync vault serve`, its own process) while several writers set
 * secrets, at random moments, then a restart on the same data folder; and one more kill after
 * the writes, while deliveries are still queued. Whatever the vault acknowledged with a 200 must
 * be there afterwards, and the webhook subscribed before must get an event for it: the version
 * and its delivery row commit in one SQLite transaction, and the publisher resumes pending rows
 * when it starts. After the last kill nothing publishes (a publish would wake the deliveries
 * too), so only that resume can deliver what is queued. Rows in flight are claimed in memory
 * only: a crash leaves them due at once, redelivered (allowed), with no retry delay.
 */

const SIZES = {
  short: { writes: 100, kills: 1, writers: 4, namesPerWriter: 3, drainTimeoutMs: 10_000 },
  full: { writes: 1_000, kills: 5, writers: 8, namesPerWriter: 5, drainTimeoutMs: 60_000 },
} as const;

const API = "api-version=7.5";
const EVENTS_API = "api-version=2025-02-15";
const SUBSCRIPTION = "vault-kill";
const HEADERS = { authorization: "Bearer fault-suite", "content-type": "application/json" };
/**
 * A webhook that takes this long per delivery: with the publisher's 8 deliveries in flight,
 * events queue up behind fast writers, so each kill leaves a backlog of rows to resume.
 */
const WEBHOOK_ANSWER_MS = 25;

export const scenario: Scenario = { name: "vault-kill", run };

/** A write the vault answered 200. */
export interface Ack {
  name: string;
  version: string;
  /** The writer's sequence number, which is also inside the value: orders a name's writes. */
  seq: number;
  value: string;
}

/** One kill and the restart after it. */
interface KillRecord {
  inFlight: number;
  restartMs: number;
  /** Acknowledged versions whose event had not reached the webhook when the vault died. */
  pending: number;
  /** From the restart until every one of those arrived (undefined: not within the bound). */
  drainMs: number | undefined;
  /** performance.now() when the restarted vault listened. */
  readyAt: number;
}

async function run(size: ScenarioSize): Promise<ScenarioResult> {
  const plan = SIZES[size];
  const seed = Math.floor(Math.random() * 2 ** 31);
  const random = seededRandom(seed);
  const dataDir = await mkdtemp(join(tmpdir(), "kvsync-fault-vault-kill-"));
  const sink = await startEventSink({ answerDelayMs: WEBHOOK_ANSWER_MS });
  const live = new LiveVault(dataDir, await startVaultChild({ dataDir }));
  try {
    await subscribe(live.client, sink.url);
    const writes = new Writes(plan.writes, live);
    const writers = Promise.all(
      Array.from({ length: plan.writers }, (_, w) => writes.writer(w, plan.namesPerWriter)),
    );
    const kills = await killDuringWrites(
      live,
      writes,
      sink,
      killPoints(random, plan.writes, plan.kills),
      random,
      plan.drainTimeoutMs,
      writers,
    );
    await writers;
    // The last kill comes after the writes, with deliveries still queued: from here on nothing
    // publishes, so only the publisher's resume on start can deliver them.
    const final = await killNow(live, writes, sink);
    const expected = writes.acks.map((a) => versionKey(a.name, a.version));
    const missing = await sink.waitFor(expected, plan.drainTimeoutMs);
    final.drainMs =
      missing.length === 0 ? Math.round(performance.now() - final.readyAt) : undefined;
    const read = await checkReads(live.client, writes.acks, writes.tried);
    return report({ plan, seed, writes, kills, final, read, sink, expected, missing });
  } finally {
    live.client.close();
    await live.vault.stop();
    await sink.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The vault now running, and the generation that tells writers a kill cut their request. */
class LiveVault {
  vault: VaultChild;
  client: VaultHttps;
  generation = 0;
  readonly #dataDir: string;
  #up: Promise<void> = Promise.resolve();

  constructor(dataDir: string, vault: VaultChild) {
    this.#dataDir = dataDir;
    this.vault = vault;
    this.client = new VaultHttps(vault.url, vault.ca, 32);
  }

  /** Resolves while the vault is up; during a kill, once the restarted vault listens. */
  ready(): Promise<void> {
    return this.#up;
  }

  /** kill -9, then a new vault on the same data and port; returns how long the start took. */
  async killAndRestart(): Promise<number> {
    // Marked down first: every failure from now on is the kill's, and writers wait for the new one.
    this.generation++;
    let markUp: () => void = () => undefined;
    this.#up = new Promise((resolve) => {
      markUp = resolve;
    });
    const how = await this.vault.kill9();
    if (how !== "SIGKILL") throw new Error(`the vault ended with ${how}, not SIGKILL`);
    // The old agent's pooled sockets died with the old process.
    this.client.close();
    const started = performance.now();
    this.vault = await startVaultChild({ dataDir: this.#dataDir, port: this.vault.port });
    this.client = new VaultHttps(this.vault.url, this.vault.ca, 32);
    markUp();
    return Math.round(performance.now() - started);
  }
}

async function subscribe(client: VaultHttps, url: string): Promise<void> {
  const answer = await client.call({
    method: "PUT",
    path: `/eventSubscriptions/${SUBSCRIPTION}?${EVENTS_API}`,
    headers: HEADERS,
    body: JSON.stringify(webhookSubscription(url)),
  });
  const state = (JSON.parse(answer.text) as { properties?: { provisioningState?: string } })
    .properties?.provisioningState;
  if (answer.status >= 300 || state !== "Succeeded") {
    throw new Error(`the webhook subscription was refused: ${answer.status} ${state ?? ""}`);
  }
}

/** Several writers, each owning a few names so that "the last write of a name" is defined. */
class Writes {
  readonly acks: Ack[] = [];
  /** Every value tried per name (acknowledged or not): what a read may legitimately return. */
  readonly tried = new Map<string, Map<number, string>>();
  /** Writes that failed because a kill cut them (never acknowledged). */
  cut = 0;
  inFlight = 0;
  readonly unexpected: string[] = [];
  #attempts = 0;
  readonly #total: number;
  readonly #live: LiveVault;
  readonly #onAck = new Set<() => void>();

  constructor(total: number, live: LiveVault) {
    this.#total = total;
    this.#live = live;
  }

  get attempts(): number {
    return this.#attempts;
  }

  /** Resolves once `count` writes are acknowledged, or false if the writers stop first. */
  acked(count: number, writersDone: Promise<unknown>): Promise<boolean> {
    if (this.acks.length >= count) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (this.acks.length < count) return;
        this.#onAck.delete(check);
        resolve(true);
      };
      this.#onAck.add(check);
      void writersDone.then(() => {
        this.#onAck.delete(check);
        resolve(this.acks.length >= count);
      });
    });
  }

  async writer(w: number, names: number): Promise<void> {
    for (let seq = 0; this.#attempts < this.#total; seq++) {
      this.#attempts++;
      const name = `vk-w${w}-n${seq % names}`;
      const value = `vk-${seq}-${randomBytes(12).toString("hex")}`;
      let forName = this.tried.get(name);
      if (!forName) this.tried.set(name, (forName = new Map<number, string>()));
      forName.set(seq, value);
      await this.#live.ready();
      const generation = this.#live.generation;
      this.inFlight++;
      try {
        const answer = await this.#live.client.call({
          method: "PUT",
          path: `/secrets/${name}?${API}`,
          headers: HEADERS,
          body: JSON.stringify({ value }),
          timeoutMs: 15_000,
        });
        const bundle = JSON.parse(answer.text) as { id?: string; value?: string };
        const version = bundle.id?.split("/").at(-1);
        if (answer.status === 200 && version !== undefined && bundle.value === value) {
          this.acks.push({ name, version, seq, value });
          for (const check of [...this.#onAck]) check();
        } else {
          this.#failed(generation, `${name}: answered ${answer.status}`);
        }
      } catch (error) {
        this.#failed(generation, `${name}: ${(error as Error).message}`);
      } finally {
        this.inFlight--;
      }
    }
  }

  #failed(generation: number, what: string): void {
    if (generation !== this.#live.generation) this.cut++;
    else if (this.unexpected.length < 20) this.unexpected.push(what);
    else this.unexpected.length++;
  }
}

/** Acknowledgement counts at which to kill: spread over the run, none at its very ends. */
function killPoints(random: () => number, writes: number, kills: number): number[] {
  const points = Array.from({ length: kills }, () => Math.floor(writes * (0.1 + 0.75 * random())));
  return points.sort((a, b) => a - b);
}

async function killDuringWrites(
  live: LiveVault,
  writes: Writes,
  sink: EventSink,
  points: readonly number[],
  random: () => number,
  drainTimeoutMs: number,
  writersDone: Promise<unknown>,
): Promise<KillRecord[]> {
  const records: KillRecord[] = [];
  const drains: Promise<void>[] = [];
  for (const point of points) {
    if (!(await writes.acked(point, writersDone))) break;
    // A random moment within the next few writes, not just after an acknowledgement.
    await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 15)));
    const { record, pending } = await killAndList(live, writes, sink);
    records.push(record);
    // Measured in the background: the next kill may come before this drain ends.
    drains.push(
      sink.waitFor(pending, drainTimeoutMs).then((missing) => {
        if (missing.length === 0) record.drainMs = Math.round(performance.now() - record.readyAt);
      }),
    );
  }
  await Promise.all(drains);
  return records;
}

async function killNow(live: LiveVault, writes: Writes, sink: EventSink): Promise<KillRecord> {
  return (await killAndList(live, writes, sink)).record;
}

/** Kills and restarts the vault; lists the acknowledged versions whose event had not arrived. */
async function killAndList(
  live: LiveVault,
  writes: Writes,
  sink: EventSink,
): Promise<{ record: KillRecord; pending: string[] }> {
  const pending = writes.acks
    .map((a) => versionKey(a.name, a.version))
    .filter((key) => !sink.arrived.has(key));
  const inFlight = writes.inFlight;
  const restartMs = await live.killAndRestart();
  const record: KillRecord = {
    inFlight,
    restartMs,
    pending: pending.length,
    drainMs: undefined,
    readyAt: performance.now(),
  };
  return { record, pending };
}

export interface ReadCheck {
  found: number;
  lost: string[];
  names: number;
  /** Names whose latest version is older than their last acknowledged write, or unwritten. */
  badLatest: string[];
}

/** Values tried per name and write number: what a name's latest may hold. */
export type Tried = ReadonlyMap<string, ReadonlyMap<number, string>>;

/**
 * Every acknowledged version reads back its value; each name's latest holds exactly what one
 * of its writes sent, from the last acknowledged one or later (a later write may have
 * committed while its answer was cut by the kill).
 */
export async function checkReads(
  client: VaultHttps,
  acks: readonly Ack[],
  tried: Tried,
): Promise<ReadCheck> {
  const result: ReadCheck = { found: 0, lost: [], names: 0, badLatest: [] };
  await inBatches(acks, 8, async (ack) => {
    const answer = await client.call({
      method: "GET",
      path: `/secrets/${ack.name}/${ack.version}?${API}`,
      headers: HEADERS,
    });
    const value =
      answer.status === 200 ? (JSON.parse(answer.text) as { value?: string }).value : "";
    if (value === ack.value) result.found++;
    else result.lost.push(`${ack.name}/${ack.version} (seq ${ack.seq}): ${answer.status}`);
  });
  const lastAcked = new Map<string, number>();
  for (const ack of acks) lastAcked.set(ack.name, Math.max(ack.seq, lastAcked.get(ack.name) ?? -1));
  result.names = lastAcked.size;
  await inBatches([...lastAcked], 8, async ([name, seq]) => {
    const answer = await client.call({
      method: "GET",
      path: `/secrets/${name}?${API}`,
      headers: HEADERS,
    });
    const value =
      answer.status === 200 ? (JSON.parse(answer.text) as { value?: string }).value : "";
    const latestSeq = Number(/^vk-(\d+)-/.exec(value ?? "")?.[1] ?? -1);
    if (latestSeq < seq) {
      result.badLatest.push(`${name}: latest is write ${latestSeq}, last acknowledged ${seq}`);
    } else if (tried.get(name)?.get(latestSeq) !== value) {
      result.badLatest.push(`${name}: latest holds a value write ${latestSeq} never sent`);
    }
  });
  return result;
}

async function inBatches<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += width) {
    await Promise.all(items.slice(i, i + width).map(work));
  }
}

function report(input: {
  plan: (typeof SIZES)[ScenarioSize];
  seed: number;
  writes: Writes;
  kills: readonly KillRecord[];
  final: KillRecord;
  read: ReadCheck;
  sink: EventSink;
  expected: readonly string[];
  missing: readonly string[];
}): ScenarioResult {
  const { plan, writes, kills, final, read, sink, expected, missing } = input;
  const acked = new Set(expected);
  const duplicates = [...sink.arrived.values()].reduce((n, v) => n + v.count - 1, 0);
  const unacknowledgedEvents = [...sink.arrived.keys()].filter((k) => !acked.has(k)).length;
  const undrained = kills.filter((k) => k.drainMs === undefined).length;
  const drainTimes = kills.flatMap((k) => (k.drainMs === undefined ? [] : [k.drainMs]));
  const notes: string[] = [];
  if (kills.length < plan.kills) {
    notes.push(`only ${kills.length} of ${plan.kills} kills happened before the writes ended`);
  }
  if (read.lost.length > 0) {
    notes.push(
      `${read.lost.length} acknowledged writes are gone after restart, e.g. ${read.lost.slice(0, 5).join("; ")}`,
    );
  }
  if (read.badLatest.length > 0) {
    notes.push(`latest versions wrong: ${read.badLatest.slice(0, 5).join("; ")}`);
  }
  if (writes.unexpected.length > 0) {
    notes.push(
      `${writes.unexpected.length} writes failed while the vault was up, e.g. ${writes.unexpected.slice(0, 5).join("; ")}`,
    );
  }
  if (missing.length > 0) {
    notes.push(
      `${missing.length} acknowledged versions never reached the webhook within ${plan.drainTimeoutMs} ms (highest aeg-delivery-count seen: ${sink.maxDeliveryCount}; a count above 0 means Event Grid's retry schedule, 10 s, 30 s, 1 min…, was delaying them), e.g. ${missing.slice(0, 5).join("; ")}`,
    );
  }
  if (undrained > 0) {
    notes.push(`${undrained} restarts did not drain their pending events within the bound`);
  }
  if (kills.every((k) => k.inFlight === 0)) {
    notes.push("no write was in flight at any kill: the kills landed between writes");
  }
  if (final.pending === 0) {
    notes.push(
      "nothing was pending at the kill after the writes, so resuming on start was not exercised",
    );
  }
  notes.push(
    "Deliveries left pending by a crash are due again at once on restart (their rows keep their due time; in-flight claims are in memory only), so no retry delay applies to them; a duplicate delivery is Event Grid's at-least-once.",
  );
  const held =
    kills.length > 0 &&
    final.pending > 0 &&
    read.lost.length === 0 &&
    read.badLatest.length === 0 &&
    writes.unexpected.length === 0 &&
    missing.length === 0 &&
    undrained === 0;
  return {
    attack: `kill -9 of \`kvsync vault serve\` ${plan.kills} time(s) at random moments during ${plan.writes} SetSecret calls from ${plan.writers} concurrent writers and once more after them with deliveries queued, each followed by a restart on the same data`,
    claim:
      "every write answered 200 reads back after restart (latest never older than the last acknowledged), and the webhook subscribed before gets an event for every acknowledged version, the queued ones resumed on start",
    held,
    figures: {
      seed: input.seed,
      "writes attempted": writes.attempts,
      "writes acknowledged": writes.acks.length,
      "writes cut by kills": writes.cut,
      "writes failed while up": writes.unexpected.length,
      "kills during writes": kills.length,
      "in flight at kills": kills.map((k) => k.inFlight).join("/"),
      "restart ms (max)": Math.max(final.restartMs, ...kills.map((k) => k.restartMs)),
      "acknowledged found after restart": read.found,
      "names checked for latest": read.names,
      "events expected": expected.length,
      "events received": expected.length - missing.length,
      "events for unacknowledged writes": unacknowledgedEvents,
      "duplicate deliveries": duplicates,
      "events pending at kills": kills.map((k) => k.pending).join("/"),
      "pending drain ms after restart (max)": Math.max(0, ...drainTimes),
      "events pending at kill after writes": final.pending,
      "drain ms after that restart (resume only)": final.drainMs ?? "not drained",
      "max aeg-delivery-count": sink.maxDeliveryCount,
    },
    notes,
  };
}
