/**
 * What the dashboard's server sends its page: the JSON of GET /api/state and of the
 * server-sent events on GET /api/stream. Shared by the server and the browser code (types only).
 * Nothing here ever holds a secret's value: names, versions, times and counts.
 */

export type Trigger = "start" | "push" | "poll" | "manual";

/** The columns of the sequence diagram, as in the seed's pictures. */
export type Participant = "user" | "keyvault" | "eventgrid" | "agent" | "files" | "app";

export type HopKind =
  | "created" // user → keyvault: the version exists (SetSecret)
  | "published" // keyvault → eventgrid: SecretNewVersionCreated, at the event's time
  | "delivered" // eventgrid → agent: the webhook received it (attempt n)
  | "detected" // agent → keyvault: the poll's listing showed a change
  | "fetched" // agent → keyvault: GetSecret of that version, once
  | "swapped" // agent → files: a target's ..data link swapped
  | "hooks"; // files → app: --exec / --signal done

export interface Hop {
  readonly kind: HopKind;
  readonly from: Participant;
  readonly to: Participant;
  /** Epoch milliseconds. */
  readonly at: number;
  /** How long the hop itself took, when it has a start (a fetch, an exec). */
  readonly durationMs?: number;
  /** One line for the arrow, e.g. "delivery attempt 1 (AGENT)" or "GetSecret 2 ms". */
  readonly label: string;
}

export interface Rotation {
  /** `${vault}/${name}/${version}`, lower-case vault and name. */
  readonly id: string;
  readonly vault: string;
  readonly type: string;
  readonly name: string;
  readonly version: string;
  /** The trigger of the first sync that swapped it in; undefined until one did. */
  readonly trigger: Trigger | undefined;
  /** In time order. */
  readonly hops: readonly Hop[];
  /** From the first hop to the first swap, when both are known. */
  readonly propagationMs: number | undefined;
}

export interface ObjectRow {
  readonly vault: string;
  readonly type: string;
  readonly name: string;
  /** The version the files hold now (the newest, for version history). */
  readonly version: string;
  /** ISO time the version was last updated in Key Vault, when known. */
  readonly updatedOn: string | undefined;
  /** `namespace/class → mount folder` of each target that uses it. */
  readonly targets: readonly string[];
}

export interface SubscriptionRow {
  readonly name: string;
  /** "vault": counted by the local vault's publisher; "receiver": as seen by this agent. */
  readonly source: "vault" | "receiver";
  readonly delivered: number;
  /** Attempts that failed and were retried (vault), or deliveries that came as a retry (receiver). */
  readonly retried: number;
  /** Only the publisher knows: undefined for "receiver" rows. */
  readonly deadLettered: number | undefined;
  readonly pending: number | undefined;
}

export interface DashboardState {
  readonly objects: readonly ObjectRow[];
  /** Newest first, at most the last 50. */
  readonly rotations: readonly Rotation[];
  readonly subscriptions: readonly SubscriptionRow[];
  /** Dev mode: the page may set values in the local vault. */
  readonly canSetSecrets: boolean;
  readonly ready: boolean;
}

/** Server-sent event names on /api/stream and their data. */
export interface StreamEvents {
  /** The whole state, first message on connect. */
  readonly state: DashboardState;
  /** A rotation added or updated (replace by id). */
  readonly rotation: Rotation;
  readonly objects: readonly ObjectRow[];
  readonly subscriptions: readonly SubscriptionRow[];
}

/** The header every action (POST) carries, with the token from `<meta name="kvsync-csrf">`. */
export const CSRF_HEADER = "x-kvsync-csrf";
