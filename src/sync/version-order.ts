/**
 * Never roll back: whether a version we just learned of replaces the one held as latest. Key
 * Vault's `created` has one-second resolution, so two versions made in the same second compare
 * equal: a "tie". When both versions came with Event Grid events, the events' times (seven
 * fractional digits, stamped as Key Vault creates the version) settle it; otherwise only Key
 * Vault's own "latest" can.
 */

export interface VersionStamp {
  readonly version: string;
  readonly createdOn: Date | undefined;
  /** The event's time, normalized by `preciseEventTime`, when an event announced this version. */
  readonly eventTime?: string | undefined;
}

export type Ordering = "newer" | "older" | "same" | "tie";

export function compareToHeld(candidate: VersionStamp, held: VersionStamp | undefined): Ordering {
  if (held === undefined) return "newer";
  if (candidate.version === held.version) return "same";
  const a = candidate.createdOn?.getTime();
  const b = held.createdOn?.getTime();
  if (a !== undefined && b !== undefined && a !== b) return a > b ? "newer" : "older";
  const [x, y] = [candidate.eventTime, held.eventTime];
  if (x !== undefined && y !== undefined && x !== y) return x > y ? "newer" : "older";
  return "tie";
}

/**
 * An event time as a string that sorts in time order: UTC, seconds, then the fraction padded
 * to seven digits (Event Grid's precision; a Date would keep only milliseconds). Undefined for
 * anything else, so a malformed time never decides an ordering.
 */
export function preciseEventTime(time: string): string | undefined {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?Z$/.exec(time);
  if (match?.[1] === undefined || Number.isNaN(Date.parse(`${match[1]}Z`))) return undefined;
  return `${match[1]}.${(match[2] ?? "").padEnd(7, "0")}Z`;
}
