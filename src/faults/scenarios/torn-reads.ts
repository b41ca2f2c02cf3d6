/**
 * torn-reads: readers hammer a mounted folder, from worker threads (truly concurrent with the
 * writer), while the agent writes rotation after rotation of a three-object class. The atomic
 * writer (src/mount/atomic-writer.ts) promises that a reader never sees a partial file, and that
 * a reader who resolves `..data` once sees one whole set. Each value encodes its object and
 * rotation and its length changes with the rotation (agent-fault-values.ts), so a partial read
 * cannot pass for a complete one; each set a reader saw is compared with the sets the agent
 * actually wrote (its onSynced reports).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { startAgent, type RunningAgent } from "../../agent/index.js";
import {
  createVaultClients,
  SdkObjectSource,
  type FetchedObject,
  type ObjectSource,
} from "../../keyvault/index.js";
import { localClass } from "../../spc/test-support/local-class.js";
import type { SyncReport } from "../../sync/index.js";
import { startVaultFixture, type VaultFixture } from "../../vault/test-support/vault-fixture.js";
import type { Scenario, ScenarioResult, ScenarioSize } from "../scenario.js";
import { newVersionDelivery, postDelivery } from "../support/agent-events.js";
import { faultValue, SMALL_VALUES } from "../support/agent-fault-values.js";
import {
  startReaders,
  type ReaderReport,
  type ReaderSpec,
  type RunningReaders,
} from "../support/agent-readers.js";
import { VaultClock } from "../support/agent-vault-clock.js";

const SIZES = {
  short: { rotations: 100, snapshotReaders: 1, fileReaders: 1 },
  full: { rotations: 1_000, snapshotReaders: 2, fileReaders: 1 },
} as const;
const OBJECTS = ["torn-a", "torn-b", "torn-c"] as const;
const WRITE_TIMEOUT_MS = 15_000;

export const scenario: Scenario = { name: "torn-reads", run };

async function run(size: ScenarioSize): Promise<ScenarioResult> {
  const { rotations, snapshotReaders, fileReaders } = SIZES[size];
  const clock = new VaultClock();
  const fixture = await startVaultFixture({ now: clock.now });
  const mountDir = await mkdtemp(join(tmpdir(), "kvsync-torn-reads-"));
  const rotationOf = new Map<string, number>();
  const written = new WrittenSets(rotationOf);
  let agent: RunningAgent | undefined;
  let readers: RunningReaders | undefined;
  const notes: string[] = [];
  let landed = 0;
  let reports: ReaderReport[] = [];
  try {
    const client = fixture.client();
    /** Sets every object to rotation `r`, one vault second after the previous rotation. */
    const rotate = async (r: number) => {
      clock.step();
      return Promise.all(
        OBJECTS.map(async (name) => {
          const secret = await client.setSecret(name, faultValue(name, r));
          const version = secret.properties.version ?? "";
          rotationOf.set(version, r);
          return { name, version };
        }),
      );
    };
    await rotate(0);
    agent = await startAgent({
      targets: [{ spc: localClass("torn-reads", OBJECTS.map(secretObject)), mountDir }],
      webhook: { port: 0, host: "127.0.0.1", auth: { kind: "none" } },
      // Only the events below trigger writes: each rotation is one write of the whole set.
      poll: false,
      source: new RotationGate(vaultSource(fixture), OBJECTS.length, rotationOf),
      logger: pino({ level: "silent" }),
      onSynced: (report) => {
        written.record(report);
      },
    });
    await written.waitFor(0, WRITE_TIMEOUT_MS);
    readers = await startReaders(readerSpecs(mountDir, snapshotReaders, fileReaders));
    const webhook = `${agent.url}/api/events`;
    for (let r = 1; r <= rotations; r++) {
      const versions = await rotate(r);
      // One delivery announcing the three versions, as Event Grid batches them.
      const status = await postDelivery(webhook, newVersionDelivery(versions));
      if (status !== 200) throw new Error(`the webhook answered ${status} to rotation ${r}`);
      await written.waitFor(r, WRITE_TIMEOUT_MS);
      landed = r;
    }
  } catch (error) {
    notes.push(`stopped after rotation ${landed}: ${(error as Error).message}`);
  } finally {
    reports = (await readers?.stop()) ?? [];
    await agent?.close();
    await fixture.close();
    await rm(mountDir, { recursive: true, force: true });
  }
  notes.push(...written.notes);
  return judge(rotations, landed, reports, written, notes);
}

const secretObject = (name: string) => `objectName: ${name}\nobjectType: secret`;

function vaultSource(fixture: VaultFixture): ObjectSource {
  return new SdkObjectSource({
    clientFor: createVaultClients({
      endpoints: new Map([["demo", fixture.vault.url]]),
      ca: fixture.ca,
      classes: [],
    }),
    policy: { baseMs: 20, maxMs: 200, maxAttempts: 4 },
  });
}

function readerSpecs(mountDir: string, snapshots: number, files: number): ReaderSpec[] {
  const base = {
    mountDir,
    files: OBJECTS.map((name) => ({ path: name, object: name })),
    shape: SMALL_VALUES,
    pauseMs: 0,
    reportSeen: false,
  };
  return [
    ...Array.from({ length: snapshots }, () => ({ ...base, mode: "snapshot" as const })),
    ...Array.from({ length: files }, () => ({ ...base, mode: "files" as const })),
  ];
}

/**
 * Holds the agent's reads of one rotation's versions until all of them are in, then answers them
 * together. The engine syncs as soon as it learns one new version; without the gate a rotation
 * of three objects is written as up to three sets (new/old/old, new/new/old…), legitimately, and
 * such intermediate sets would hide a torn read that happened to look like one of them. With it,
 * every set written is one whole rotation, so any mix a reader sees is a torn read.
 */
class RotationGate implements ObjectSource {
  readonly #inner: ObjectSource;
  readonly #groupSize: number;
  readonly #rotationOf: ReadonlyMap<string, number>;
  readonly #held = new Map<number, (() => void)[]>();

  constructor(inner: ObjectSource, groupSize: number, rotationOf: ReadonlyMap<string, number>) {
    this.#inner = inner;
    this.#groupSize = groupSize;
    this.#rotationOf = rotationOf;
  }

  get(...args: Parameters<ObjectSource["get"]>): Promise<FetchedObject> {
    const read = this.#inner.get(...args);
    const version = args[3];
    const rotation = version === undefined ? undefined : this.#rotationOf.get(version);
    return rotation === undefined ? read : this.#gated(rotation, read);
  }

  async #gated(rotation: number, read: Promise<FetchedObject>): Promise<FetchedObject> {
    // Settled either way first: a failed read must not keep the others of its rotation waiting.
    await read.catch(() => undefined);
    await new Promise<void>((resolve) => {
      this.#arrive(rotation, resolve);
    });
    return read;
  }

  list(...args: Parameters<ObjectSource["list"]>) {
    return this.#inner.list(...args);
  }

  listVersions(...args: Parameters<ObjectSource["listVersions"]>) {
    return this.#inner.listVersions(...args);
  }

  #arrive(rotation: number, settle: () => void): void {
    const group = this.#held.get(rotation) ?? [];
    group.push(settle);
    this.#held.set(rotation, group);
    if (group.length < this.#groupSize) return;
    this.#held.delete(rotation);
    for (const release of group) release();
  }
}

/** The sets the agent wrote, as rotation tuples ("4,4,4"), from its sync reports. */
class WrittenSets {
  readonly sets = new Set<string>();
  readonly notes: string[] = [];
  readonly #rotationOf: ReadonlyMap<string, number>;
  #latest = "";
  #waiter: { key: string; resolve: () => void } | undefined;

  constructor(rotationOf: ReadonlyMap<string, number>) {
    this.#rotationOf = rotationOf;
  }

  record(report: SyncReport): void {
    if (report.result === "failed") this.notes.push(`a sync failed (${report.trigger})`);
    if (report.result !== "changed" || report.versions === undefined) return;
    const byName = new Map(report.versions.map((v) => [v.name, v.version]));
    const key = OBJECTS.map((name) => this.#rotationOf.get(byName.get(name) ?? "") ?? -1).join(",");
    this.sets.add(key);
    this.#latest = key;
    if (this.#waiter?.key === key) this.#waiter.resolve();
  }

  /** Resolves once the agent has written the whole set of rotation `r`. */
  async waitFor(r: number, timeoutMs: number): Promise<void> {
    const key = OBJECTS.map(() => r).join(",");
    if (this.#latest === key) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#waiter = { key, resolve };
        timer = setTimeout(() => {
          reject(new Error(`rotation ${r} was not written within ${timeoutMs} ms`));
        }, timeoutMs);
      });
    } finally {
      clearTimeout(timer);
      this.#waiter = undefined;
    }
  }

  /** Written sets that mix rotations (none expected with the gate). */
  get mixed(): number {
    return [...this.sets].filter((key) => new Set(key.split(",")).size > 1).length;
  }

  /** Whether object `index` was written at rotation `r` in some set. */
  hasValue(index: number, r: number): boolean {
    return [...this.sets].some((key) => key.split(",")[index] === String(r));
  }
}

function judge(
  rotations: number,
  landed: number,
  reports: readonly ReaderReport[],
  written: WrittenSets,
  notes: string[],
): ScenarioResult {
  const snapshots = reports.filter((r) => r.mode === "snapshot");
  const files = reports.filter((r) => r.mode === "files");
  const sum = (rs: readonly ReaderReport[], pick: (r: ReaderReport) => number) =>
    rs.reduce((total, r) => total + pick(r), 0);
  let mixed = 0;
  const setsSeen = new Set<string>();
  for (const report of snapshots) {
    for (const [key, count] of Object.entries(report.seen)) {
      setsSeen.add(key);
      if (written.sets.has(key)) continue;
      mixed += count;
      notes.push(`a reader saw the set [${key}], which the agent never wrote (${count}×)`);
    }
  }
  // A complete value of a rotation the agent never wrote for that object is no good read either.
  let unwritten = 0;
  for (const report of files) {
    for (const [key, count] of Object.entries(report.seen)) {
      const [path = "", r = ""] = key.split("@");
      if (written.hasValue(OBJECTS.indexOf(path as (typeof OBJECTS)[number]), Number(r))) continue;
      unwritten += count;
      notes.push(`${path} showed rotation ${r}, never written (${count}×)`);
    }
  }
  for (const report of reports) notes.push(...report.samples);
  const partial = sum(reports, (r) => r.partial) + unwritten;
  const missing = sum(reports, (r) => r.missing);
  if (missing > 0) {
    notes.unshift(
      `${missing} read(s) of <mount>/<name> failed with ENOENT while the link and ..data were in place: the writer removes the previous directory right after swapping ..data (atomic-writer.ts step 7), and a lookup that had already followed ..data to it finds it gone`,
    );
  }
  // The claim is only tested if the readers overlapped the writes: they must have seen many sets.
  const overlapped = setsSeen.size >= Math.min(rotations, 10);
  if (!overlapped) notes.push(`the readers saw only ${setsSeen.size} sets: they did not race`);
  return {
    attack: `${rotations} rotations of a 3-object class while ${snapshots.length} snapshot and ${files.length} file readers (worker threads) read in a tight loop`,
    claim:
      "every read is a complete written value (no partial file, no ENOENT through a link) and no mixed read (a reader resolving ..data once sees one set the agent wrote)",
    held: landed === rotations && partial === 0 && mixed === 0 && missing === 0 && overlapped,
    figures: {
      rotations: landed,
      reads: sum(reports, (r) => r.reads),
      snapshotReads: sum(snapshots, (r) => r.reads),
      fileReads: sum(files, (r) => r.reads),
      partial,
      mixed,
      missing,
      setsSeenByReaders: setsSeen.size,
      setsWritten: written.sets.size,
      setsWrittenMixed: written.mixed,
      oldDirGoneMidRead: sum(snapshots, (r) => r.vanished),
    },
    notes: notes.slice(0, 20),
  };
}
