import type {
  DashboardState,
  Hop,
  HopKind,
  ObjectRow,
  Participant,
  Rotation,
  SubscriptionRow,
  Trigger,
} from "./model.js";

/**
 * Follows each new version from Key Vault to the files, hop by hop, for the dashboard. The
 * agent (and, in dev, the local vault) report what they see; the tracker keeps the last
 * rotations, the objects' current versions and the webhook's delivery counts, and tells its
 * listeners what changed. Only names, versions, times and counts: never a value.
 */

export const MAX_ROTATIONS = 50;

export interface ObjectRef {
  readonly vault: string;
  readonly type: string;
  readonly name: string;
  readonly version: string;
}

export type TrackerChange =
  | { readonly kind: "rotation"; readonly rotation: Rotation }
  | { readonly kind: "objects" }
  | { readonly kind: "subscriptions" };

interface MutableRotation {
  readonly id: string;
  readonly ref: ObjectRef;
  trigger: Trigger | undefined;
  readonly hops: Hop[];
}

interface ObjectState {
  readonly ref: Omit<ObjectRef, "version">;
  version: string;
  updatedOn: string | undefined;
  readonly targets: Set<string>;
}

const ROUTE: Record<HopKind, readonly [Participant, Participant]> = {
  created: ["user", "keyvault"],
  published: ["keyvault", "eventgrid"],
  delivered: ["eventgrid", "agent"],
  detected: ["agent", "keyvault"],
  fetched: ["agent", "keyvault"],
  swapped: ["agent", "files"],
  hooks: ["files", "app"],
};

/** The event type's prefix for an object type: a `cert` rotation is a CertificateNewVersionCreated. */
const EVENT_PREFIX: Readonly<Record<string, string>> = {
  secret: "Secret",
  key: "Key",
  cert: "Certificate",
};

export class RotationTracker {
  /** Shown on the page. Insertion order is age: the first entry is the oldest. */
  readonly #rotations = new Map<string, MutableRotation>();
  /**
   * Hops of versions not known to be rotations yet: a fetch at start is the first sync, not a
   * rotation. A rotation shows once an event, the poll or a swap over an older version says so.
   */
  readonly #pending = new Map<string, MutableRotation>();
  readonly #objects = new Map<string, ObjectState>();
  /** Deliveries the webhook received, per subscription (Event Grid's aeg-subscription-name). */
  readonly #received = new Map<string, { delivered: number; retried: number }>();
  readonly #updatedOn = new Map<string, string>();
  readonly #listeners = new Set<(change: TrackerChange) => void>();

  subscribe(listener: (change: TrackerChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Dev mode: the local vault saw SetSecret create the version (exact, unlike `created`). */
  created(ref: ObjectRef, at: number): void {
    this.#hop(ref, { kind: "created", at, label: "SetSecret: new version" });
  }

  /** The event's time: when Key Vault published the …NewVersionCreated event. */
  published(ref: ObjectRef, at: number): void {
    this.#hop(ref, {
      kind: "published",
      at,
      label: `${EVENT_PREFIX[ref.type] ?? "Secret"}NewVersionCreated`,
    });
  }

  delivered(ref: ObjectRef, at: number, attempt: number, subscription: string | undefined): void {
    const name = subscription ?? "(unnamed)";
    const counts = this.#received.get(name) ?? { delivered: 0, retried: 0 };
    counts.delivered++;
    if (attempt > 1) counts.retried++;
    this.#received.set(name, counts);
    const via = subscription === undefined ? "" : ` (${subscription})`;
    this.#hop(ref, { kind: "delivered", at, label: `webhook, delivery attempt ${attempt}${via}` });
    this.#emit({ kind: "subscriptions" });
  }

  /** The poll's listing showed an update, and this turned out to be the new latest. */
  detected(ref: ObjectRef, at: number, trigger: Trigger): void {
    this.#hop(ref, { kind: "detected", at, label: `${trigger}: listing shows a new version` });
  }

  /** One GetSecret of this version; `updatedOn` as Key Vault reports it. */
  fetched(ref: ObjectRef, at: number, durationMs: number, updatedOn: Date | undefined): void {
    if (updatedOn !== undefined) this.#updatedOn.set(objectId(ref), updatedOn.toISOString());
    this.#hop(ref, { kind: "fetched", at, durationMs, label: `GetSecret ${shortVersion(ref)}` });
  }

  /**
   * A target's files now hold these versions. The versions that differ from what the target
   * held before are the rotations it swapped in; the first sync only fills the object table.
   */
  swapped(target: string, refs: readonly ObjectRef[], at: number, trigger: Trigger): ObjectRef[] {
    const rotated: ObjectRef[] = [];
    for (const ref of refs) {
      const key = objectId(ref);
      let object = this.#objects.get(key);
      if (object === undefined) {
        object = { ref, version: ref.version, updatedOn: undefined, targets: new Set() };
        this.#objects.set(key, object);
      }
      const known = object.targets.has(target);
      const replaced = object.version !== ref.version;
      object.targets.add(target);
      object.version = ref.version;
      object.updatedOn = this.#updatedOn.get(key) ?? object.updatedOn;
      const id = rotationId(ref);
      if (this.#rotations.has(id) || (known && replaced)) {
        rotated.push(ref);
        this.#hop(ref, { kind: "swapped", at, label: `..data swapped: ${target}` }, trigger);
      } else {
        this.#pending.delete(id); // a first sync
      }
    }
    this.#emit({ kind: "objects" });
    return rotated;
  }

  /** --exec / --signal finished for the change that brought these versions. */
  hooked(refs: readonly ObjectRef[], at: number, durationMs: number, what: string): void {
    for (const ref of refs) this.#hop(ref, { kind: "hooks", at, durationMs, label: what });
  }

  state(extra: {
    canSetSecrets: boolean;
    ready: boolean;
    publisher?: readonly SubscriptionRow[];
  }): DashboardState {
    return {
      objects: this.objects(),
      rotations: this.rotations(),
      subscriptions: this.subscriptions(extra.publisher ?? []),
      canSetSecrets: extra.canSetSecrets,
      ready: extra.ready,
    };
  }

  /** Newest first. */
  rotations(): Rotation[] {
    return [...this.#rotations.values()].reverse().map(freeze);
  }

  objects(): ObjectRow[] {
    return [...this.#objects.values()]
      .map((o) => ({
        vault: o.ref.vault,
        type: o.ref.type,
        name: o.ref.name,
        version: o.version,
        updatedOn: o.updatedOn,
        targets: [...o.targets].sort(),
      }))
      .sort((a, b) => `${a.vault}/${a.name}`.localeCompare(`${b.vault}/${b.name}`));
  }

  /** The publisher's rows (dev) first, then what this webhook received. */
  subscriptions(publisher: readonly SubscriptionRow[]): SubscriptionRow[] {
    const received = [...this.#received].map(([name, c]): SubscriptionRow => ({
      name,
      source: "receiver",
      delivered: c.delivered,
      retried: c.retried,
      deadLettered: undefined,
      pending: undefined,
    }));
    return [...publisher, ...received];
  }

  /** Adds a hop; `swapTrigger` marks a swap, which makes the rotation known. */
  #hop(ref: ObjectRef, hop: Omit<Hop, "from" | "to">, swapTrigger?: Trigger): void {
    const id = rotationId(ref);
    const shown = hop.kind !== "fetched" && hop.kind !== "hooks";
    let rotation = this.#rotations.get(id);
    if (rotation === undefined) {
      rotation = this.#pending.get(id) ?? { id, ref, trigger: undefined, hops: [] };
      if (shown) {
        this.#pending.delete(id);
        addBounded(this.#rotations, id, rotation, MAX_ROTATIONS);
      } else {
        addBounded(this.#pending, id, rotation, MAX_ROTATIONS);
      }
    }
    if (swapTrigger !== undefined) rotation.trigger ??= swapTrigger;
    const [from, to] = ROUTE[hop.kind];
    rotation.hops.push({ ...hop, from, to });
    // Reports arrive from different parts of the pipeline: the diagram reads in causal order
    // (each hop needs the one before it), then in time order within a kind (several targets).
    rotation.hops.sort((a, b) => order(a.kind) - order(b.kind) || a.at - b.at);
    clampCreated(rotation.hops);
    if (this.#rotations.has(id)) this.#emit({ kind: "rotation", rotation: freeze(rotation) });
  }

  #emit(change: TrackerChange): void {
    for (const listener of this.#listeners) listener(change);
  }
}

/**
 * The local vault stamps the event and reports the creation in the same write, a millisecond
 * apart either way: the version existed no later than its event.
 */
function clampCreated(hops: Hop[]): void {
  const [first, second] = hops;
  if (first?.kind === "created" && second !== undefined && first.at > second.at) {
    hops[0] = { ...first, at: second.at };
  }
}

/** Keeps the newest `max` entries of an insertion-ordered map. */
function addBounded<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.set(key, value);
  const oldest = map.keys().next().value;
  if (map.size > max && oldest !== undefined) map.delete(oldest);
}

const HOP_ORDER: readonly HopKind[] = [
  "created",
  "published",
  "delivered",
  "detected",
  "fetched",
  "swapped",
  "hooks",
];
const order = (kind: HopKind) => HOP_ORDER.indexOf(kind);

function freeze(r: MutableRotation): Rotation {
  const first = r.hops[0]?.at;
  const swap = r.hops.find((h) => h.kind === "swapped")?.at;
  return {
    id: r.id,
    vault: r.ref.vault,
    type: r.ref.type,
    name: r.ref.name,
    version: r.ref.version,
    trigger: r.trigger,
    hops: [...r.hops],
    propagationMs: first !== undefined && swap !== undefined ? swap - first : undefined,
  };
}

/** Key Vault names ignore case; versions are ids and keep theirs. */
const objectId = (ref: Omit<ObjectRef, "version">) =>
  `${ref.vault.toLowerCase()}/${ref.type}/${ref.name.toLowerCase()}`;
const rotationId = (ref: ObjectRef) =>
  `${ref.vault.toLowerCase()}/${ref.name.toLowerCase()}/${ref.version}`;
const shortVersion = (ref: ObjectRef) => ref.version.slice(0, 8);
