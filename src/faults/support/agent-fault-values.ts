/**
 * Secret values for the fault scenarios that say which object and rotation they belong to and
 * prove they are whole. The length depends on the rotation, and the body repeats the rotation,
 * so a truncated, half-written or spliced file never decodes: a reader can tell a complete value
 * from a partial one without knowing what the writer is doing at that instant.
 */

export interface ValueShape {
  /** Shortest body, in characters. */
  readonly minLength: number;
  /** Bodies are minLength … minLength + spread − 1 long, varying with the rotation. */
  readonly spread: number;
}

/** A few KiB at most: cheap to write a thousand times. */
export const SMALL_VALUES: ValueShape = { minLength: 48, spread: 4_000 };

export interface DecodedValue {
  readonly object: string;
  readonly rotation: number;
}

export function faultValue(object: string, rotation: number, shape = SMALL_VALUES): string {
  const length = shape.minLength + ((rotation * 7_919) % shape.spread);
  const unit = `${rotation.toString(36)}.`;
  const body = unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
  return `${object}#${rotation}#${body}#end`;
}

/** The object and rotation of a complete value; undefined for anything else (partial, empty…). */
export function decodeFaultValue(text: string, shape = SMALL_VALUES): DecodedValue | undefined {
  const match = /^([^#]+)#(\d+)#/.exec(text);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  const object = match[1];
  const rotation = Number(match[2]);
  return faultValue(object, rotation, shape) === text ? { object, rotation } : undefined;
}

/** What a report may say about a value that did not decode: its size and head, never a body. */
export function describeBadValue(text: string): string {
  const head = /^[^#]{0,40}#?\d{0,9}#?/.exec(text)?.[0] ?? "";
  return `${text.length} chars, starting "${head}"`;
}
