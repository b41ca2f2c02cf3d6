/** How times and durations read on the page: local clock time with ms, durations in ms. */

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Local HH:MM:SS.mmm: hops are milliseconds apart, so the ms matter. */
export function clock(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** The clock time alone when it is today, else with the date (an object updated last week). */
export function dateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return sameDay ? clock(d.getTime()) : `${date} ${clock(d.getTime())}`;
}

/** "2.3 ms" under 10 ms (at most one decimal), whole ms above. */
export function duration(ms: number): string {
  const abs = Math.abs(ms);
  const text = abs < 10 ? String(Math.round(abs * 10) / 10) : String(Math.round(abs));
  return `${ms < 0 ? "−" : ""}${text} ms`;
}

/** Since the previous hop. Clocks of different machines can put a hop slightly "before". */
export function delta(ms: number): string {
  return ms < 0 ? duration(ms) : `+${duration(ms)}`;
}

/** Version ids are 32 hex chars: the first 8 tell them apart on screen. */
export function shortVersion(version: string): string {
  return version.slice(0, 8);
}
