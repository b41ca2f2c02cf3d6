/**
 * agent-kill: kill -9 of `kvsync agent` (a child process, as users run it) at random points of a
 * write, then a restart. The class has many objects, each with a version history of two, and
 * every generation changes them all, so a write is a few hundred KB over dozens of files and a
 * kill has real chances to land inside it. Kills alternate between two writes, in a chain that
 * costs one process start per kill (a start is most of a kill's time):
 *  - "running": a converged, running agent is told to refresh after the vault changed;
 *  - "startup": its restart, started after the vault changed again, is killed during the first
 *    write it makes to converge; the restart after that is left to converge (and measured), and
 *    is the next "running" victim.
 * Both write whole generations (a sync of history objects lists every object's versions before
 * writing), so any mix seen afterwards is a torn write, not a set the agent meant to write.
 *
 * After each kill: `..data` and every user-visible link must give one complete generation, the
 * old or the new. A restarted agent must converge to the newest generation and remove the
 * crash's leftovers (`cleanStale`).
 */
import { existsSync, watch, type FSWatcher } from "node:fs";
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitUntil } from "../../eventgrid/publisher/test-support/management.js";
import { DEFAULT_RETIRE_AFTER_MS } from "../../mount/index.js";
import { localClassYaml } from "../../spc/test-support/local-class.js";
import { startVaultFixture } from "../../vault/test-support/vault-fixture.js";
import type { Scenario, ScenarioResult, ScenarioSize } from "../scenario.js";
import { decodeFaultValue, faultValue, type ValueShape } from "../support/agent-fault-values.js";
import { ms, percentile } from "../support/agent-figures.js";
import {
  bundleBuilt,
  diedForLackOfBuild,
  isReady,
  spawnAgentChild,
  type AgentChild,
} from "../support/agent-kvsync-child.js";
import { VaultClock } from "../support/agent-vault-clock.js";

const SIZES = {
  // A process start is most of a kill's cost (~1 s here); the budget keeps a slow machine bounded.
  short: { kills: 6, objects: 16, budgetMs: 60_000 },
  full: { kills: 100, objects: 16, budgetMs: 250_000 },
} as const;
/** 12–20 KiB per value (Key Vault allows 25 KiB): each write is ~0.5 MB over 32 files. */
export const KILL_VALUES: ValueShape = { minLength: 12_000, spread: 8_000 };
/** Kills land uniformly over this multiple of a typical write, so some land after the swap. */
const KILL_WINDOW = 1.3;
const CONVERGE_TIMEOUT_MS = 30_000;
const WRITE_START_TIMEOUT_MS = 20_000;
/** Starts tried when dist/ is being rebuilt by someone else (see diedForLackOfBuild). */
const MAX_STARTS = 5;

export const scenario: Scenario = { name: "agent-kill", run };

type KillKind = "running" | "startup";

interface KillOutcome {
  kind: KillKind;
  /** Killed between creating the new directory and removing the old one (leftovers remain). */
  duringWrite: boolean;
  /** `..data` named the new generation's directory after the kill. */
  swapped: boolean;
  /** The generation the folder held whole after the kill, if it did. */
  generation: number | undefined;
  problems: string[];
  /** Spawn to ready with the newest generation, when the restart was left to converge. */
  convergeMs: number | undefined;
}

async function run(size: ScenarioSize): Promise<ScenarioResult> {
  const { kills, objects, budgetMs } = SIZES[size];
  const deadline = performance.now() + budgetMs;
  let stoppedByBudget = false;
  const names = Array.from({ length: objects }, (_, i) => `kill-${String(i).padStart(2, "0")}`);
  const clock = new VaultClock();
  const fixture = await startVaultFixture({ now: clock.now });
  const work = await mkdtemp(join(tmpdir(), "kvsync-agent-kill-"));
  const mountDir = join(work, "mount");
  const classFile = join(work, "class.yaml");
  await mkdir(mountDir);
  await writeFile(
    classFile,
    localClassYaml(
      "agent-kill",
      names.map((n) => `objectName: ${n}\nobjectType: secret\nobjectVersionHistory: 2`),
    ),
  );
  const args = [
    ...["--class", classFile, "--mount", mountDir],
    ...["--vault-endpoint", `demo=${fixture.vault.url}`, "--ca", fixture.vault.caPath],
    // Only the refresh below or a start triggers a write: no poll, no events.
    ...["--webhook-port", "0", "--rotation-poll-interval", "1h", "--log-level", "warn"],
  ];
  const client = fixture.client();
  const setGeneration = async (g: number) => {
    clock.step(); // a second later than the previous generation, so the history orders them
    await Promise.all(names.map((n) => client.setSecret(n, faultValue(n, g, KILL_VALUES))));
  };
  const watcher = new WriteWatcher(mountDir);
  const outcomes: KillOutcome[] = [];
  const notes: string[] = [];
  let agent: AgentChild | undefined;
  try {
    await setGeneration(0);
    await setGeneration(1);
    let vaultGeneration = 1;
    /** The generation the folder was last seen to hold whole. */
    let folderGeneration = 1;
    const first = await startAndConverge(args, mountDir, names, vaultGeneration, notes);
    agent = first.agent;
    if (first.problems.length > 0) {
      throw new Error(`the first start did not converge: ${first.problems.join("; ")}`);
    }

    for (let k = 1; k <= kills; k++) {
      const kind: KillKind = k % 2 === 1 ? "running" : "startup";
      // Only stop where a converged agent runs: never between a running kill and its restart.
      if (kind === "running" && performance.now() > deadline) {
        notes.push(`stopped by the ${budgetMs / 1000} s budget after ${k - 1} kills`);
        stoppedByBudget = true;
        break;
      }
      const before = await readlink(join(mountDir, "..data"));
      // A new generation the agent has not seen: a refresh (running) or a start (startup) writes it.
      await setGeneration(++vaultGeneration);
      const writeStarts = watcher.nextWrite(before, WRITE_START_TIMEOUT_MS);
      if (kind === "running") {
        const url = await agent.url;
        await fetch(`${url}/refresh`, { method: "POST" }).then((r) => r.arrayBuffer());
      } else {
        // The restart after the previous (running) kill, converging when this kill lands.
        await agent.kill9(); // already dead: never two agents on one folder
        agent = spawnAgentChild(args);
      }
      let newDir: string | undefined;
      let restarts = 0;
      while (newDir === undefined) {
        try {
          newDir = await Promise.race([writeStarts, crashOf(agent)]);
        } catch (error) {
          if (!diedForLackOfBuild(agent) || ++restarts >= MAX_STARTS) throw error;
          notes.push(`kill ${k}: dist/ was being rebuilt under the agent; started it again`);
          await bundleBuilt();
          agent = spawnAgentChild(args);
        }
      }
      // The attack itself: a random point in (a bit more than) one write.
      await delay(Math.random() * KILL_WINDOW * watcher.typicalWriteMs());
      await agent.kill9();
      const crashed = agent.crash();
      if (crashed !== undefined) throw new Error(`the agent died by itself: ${crashed}`);

      const outcome = await inspectAfterKill(mountDir, names, before, newDir, kind, [
        folderGeneration,
        vaultGeneration,
      ]);
      folderGeneration = outcome.generation ?? folderGeneration;
      if (kind === "startup" || k === kills) {
        // A restart left alone must converge to the newest generation and clean up.
        const restart = await startAndConverge(args, mountDir, names, vaultGeneration, notes);
        agent = restart.agent;
        outcome.problems.push(...restart.problems);
        if (restart.problems.length === 0) outcome.convergeMs = restart.ms;
        folderGeneration = vaultGeneration;
      }
      outcomes.push(outcome);
      for (const p of outcome.problems) notes.push(`kill ${k} (${kind}): ${p}`);
    }
  } catch (error) {
    notes.push(`stopped after ${outcomes.length} kills: ${(error as Error).message}`);
  } finally {
    watcher.close();
    await agent?.stop();
    await fixture.close();
    await rm(work, { recursive: true, force: true });
  }
  // Cut short by the budget on a slow machine, at least half the kills must have been made.
  const enough = outcomes.length === kills || (stoppedByBudget && outcomes.length >= kills / 2);
  return judge(kills, objects, enough, outcomes, watcher, notes);
}

/**
 * Starts an agent and waits for it to be ready (its first sync done), then checks that the folder
 * holds generation `generation` whole and nothing else: no directory or `..data_tmp` left by a
 * crash. `ms`: from the start to ready and checked.
 */
async function startAndConverge(
  args: readonly string[],
  mountDir: string,
  names: readonly string[],
  generation: number,
  notes: string[],
): Promise<{ agent: AgentChild; problems: string[]; ms: number }> {
  for (let start = 1; ; start++) {
    const started = performance.now();
    const agent = spawnAgentChild(args);
    try {
      const url = await agent.url;
      await Promise.race([
        waitUntil(() => isReady(url), "the restarted agent to be ready", CONVERGE_TIMEOUT_MS),
        crashOf(agent),
      ]);
    } catch (error) {
      await agent.kill9(); // never leave one behind
      if (!diedForLackOfBuild(agent) || start >= MAX_STARTS) throw error;
      notes.push("dist/ was being rebuilt under a restart; started it again");
      await bundleBuilt();
      continue;
    }
    const set = await readSet(mountDir, names);
    const problems = [...set.problems];
    if (set.generation !== generation) {
      problems.push(`ready, but the folder holds generation ${set.generation} not ${generation}`);
    }
    const converged = performance.now() - started;
    // The folder a converging write replaced stays for lookups under way (atomic-writer.ts),
    // then goes: after that grace period exactly one directory may be left.
    const hiddenDirs = async () =>
      (await readdir(mountDir)).filter((e) => e.startsWith("..") && e !== "..data");
    const single = await waitUntil(
      async () => (await hiddenDirs()).length === 1,
      "one directory after the grace period",
      DEFAULT_RETIRE_AFTER_MS + 3_000,
    ).then(
      () => true,
      () => false,
    );
    if (!single) {
      problems.push(
        `after the restart the folder holds ${(await hiddenDirs()).join(", ")}: one directory expected`,
      );
    }
    return { agent, problems, ms: converged };
  }
}

async function inspectAfterKill(
  mountDir: string,
  names: readonly string[],
  before: string,
  newDir: string,
  kind: KillKind,
  [oldGeneration, newGeneration]: readonly [number, number],
): Promise<KillOutcome> {
  const entries = await readdir(mountDir);
  const current = await readlink(join(mountDir, "..data")).catch(() => undefined);
  const stale = entries.filter((e) => e.startsWith("..") && e !== "..data" && e !== current);
  const set = await readSet(mountDir, names);
  const problems = [...set.problems];
  const swapped = current === newDir;
  if (current !== before && !swapped) problems.push(`..data names an unknown ${current}`);
  if (set.generation !== undefined) {
    const expected = swapped ? newGeneration : oldGeneration;
    if (set.generation !== expected) {
      problems.push(`the folder holds generation ${set.generation}, expected ${expected}`);
    }
  }
  return {
    kind,
    // The folder a finished swap replaced stays for its grace period (atomic-writer.ts): only a
    // directory of an unfinished write counts.
    duringWrite: stale.some((e) => !(swapped && e === before)),
    swapped,
    generation: set.generation,
    problems,
    convergeMs: undefined,
  };
}

interface ReadSet {
  /** The generation every file agrees on; undefined when they do not. */
  generation: number | undefined;
  problems: string[];
}

/**
 * Reads the whole set twice: from the directory `..data` resolves to, and through each
 * user-visible link. Both must give the same complete generation g: `<name>/0` holds g and
 * `<name>/1` holds g − 1, for every object, and nothing else is there.
 */
export async function readSet(mountDir: string, names: readonly string[]): Promise<ReadSet> {
  const problems: string[] = [];
  let data: string;
  try {
    data = await realpath(join(mountDir, "..data"));
  } catch {
    return { generation: undefined, problems: ["..data does not resolve"] };
  }
  const listed = (await readdir(data)).sort();
  if (listed.join(",") !== [...names].sort().join(",")) {
    problems.push(`..data holds ${listed.length} entries, not the ${names.length} objects`);
  }
  const generations = new Set<number>();
  for (const name of names) {
    const versions = await readdir(join(data, name)).catch(() => []);
    if (versions.sort().join(",") !== "0,1") {
      problems.push(`${name}/ holds [${versions.join(",")}], not [0,1]`);
      continue;
    }
    const newest = await readFile(join(data, name, "0"), "utf8");
    const previous = await readFile(join(data, name, "1"), "utf8");
    const a = decodeFaultValue(newest, KILL_VALUES);
    const b = decodeFaultValue(previous, KILL_VALUES);
    if (a?.object !== name || b?.object !== name || b.rotation !== a.rotation - 1) {
      problems.push(`${name}: not a complete pair of consecutive generations`);
      continue;
    }
    generations.add(a.rotation);
    const viaLink = await readFile(join(mountDir, name, "0"), "utf8").catch(() => undefined);
    const isLink = await lstat(join(mountDir, name)).then(
      (s) => s.isSymbolicLink(),
      () => false,
    );
    if (!isLink || viaLink !== newest) problems.push(`${name}: its link does not show ..data`);
  }
  if (generations.size > 1) {
    problems.push(`files from ${generations.size} generations: ${[...generations].join(", ")}`);
  }
  const [only] = generations;
  return {
    generation: generations.size === 1 && problems.length === 0 ? only : undefined,
    problems,
  };
}

/**
 * Watches the mount folder (not its subfolders) for the writer's steps: a new timestamped
 * directory is step 3 starting, `..data` renamed is step 5. Gives the start of the next write,
 * and how long whole writes took (for where to aim the kills).
 */
class WriteWatcher {
  readonly #watcher: FSWatcher;
  readonly durations: number[] = [];
  #startedAt: number | undefined;
  #waiting: { exclude: string; resolve: (dir: string) => void } | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(mountDir: string) {
    this.#watcher = watch(mountDir, (_event, name) => {
      // The event does not say created or removed: a directory cleanStale or step 7 removes
      // is no write starting.
      if (name === null || !existsSync(join(mountDir, name))) return;
      const at = performance.now();
      if (/^\.\.\d{4}_/.test(name) && name !== this.#waiting?.exclude) {
        if (this.#waiting !== undefined) {
          this.#startedAt = at;
          this.#waiting.resolve(name);
          this.#waiting = undefined;
        } else {
          this.#startedAt = at; // every write creates its directory before it swaps ..data
        }
      } else if (name === "..data" && this.#startedAt !== undefined) {
        this.durations.push(at - this.#startedAt);
        this.#startedAt = undefined;
      }
    });
  }

  /** The name of the next timestamped directory created, other than `exclude`. */
  async nextWrite(exclude: string, timeoutMs: number): Promise<string> {
    this.#startedAt = undefined;
    try {
      return await new Promise<string>((resolve, reject) => {
        this.#waiting = { exclude, resolve };
        this.#timer = setTimeout(() => {
          reject(new Error(`no write started within ${timeoutMs} ms`));
        }, timeoutMs);
      });
    } finally {
      clearTimeout(this.#timer);
      this.#waiting = undefined;
    }
  }

  /** A typical whole write (median of those seen), or a guess before any was seen. */
  typicalWriteMs(): number {
    const observed = percentile(this.durations, 50);
    return Number.isNaN(observed) ? 50 : observed;
  }

  /** Stops watching; a wait still pending never settles (and keeps no timer alive). */
  close(): void {
    clearTimeout(this.#timer);
    this.#watcher.close();
  }
}

/** Rejects if the agent exits by itself (a crash): nothing else would end the wait for a write. */
async function crashOf(agent: AgentChild): Promise<never> {
  await agent.exited;
  throw new Error(`the agent died by itself: ${agent.crash() ?? "killed"}`);
}

const delay = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

function judge(
  kills: number,
  objects: number,
  enough: boolean,
  outcomes: readonly KillOutcome[],
  watcher: WriteWatcher,
  notes: string[],
): ScenarioResult {
  const converged = outcomes.flatMap((o) => (o.convergeMs === undefined ? [] : [o.convergeMs]));
  const broken = outcomes.filter((o) => o.problems.length > 0).length;
  const count = (pick: (o: KillOutcome) => boolean) => outcomes.filter(pick).length;
  return {
    attack: `kill -9 of \`kvsync agent\` at a random point of a write (${objects * 2} files of 12–20 KiB), ${kills} times, alternating a running agent's refresh and a restarted agent's converging write`,
    claim:
      "after every kill ..data and the links give one complete generation (old or new); a restarted agent converges to the newest and clears the crash's leftovers",
    held: enough && broken === 0,
    figures: {
      kills: outcomes.length,
      killsDuringWrite: count((o) => o.duringWrite),
      killsBeforeSwap: count((o) => !o.swapped),
      killsAfterSwap: count((o) => o.swapped),
      brokenFolders: broken,
      convergeP50Ms: ms(percentile(converged, 50)),
      convergeMaxMs: converged.length === 0 ? Number.NaN : ms(Math.max(...converged)),
      writeP50Ms: ms(watcher.typicalWriteMs()),
    },
    notes: [
      "killsDuringWrite: the kill left the new directory or the old one behind (it landed between creating the new set and removing the old). Convergence (spawn → /readyz → newest generation checked, no leftovers) is measured after each startup kill and the last; after a running kill the restart is itself the next victim",
      ...notes.slice(0, 20),
    ],
  };
}
