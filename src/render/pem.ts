/**
 * PEM and base64 helpers that behave like the Go standard library the CSI Azure provider
 * is written with, so rendered files match it byte for byte.
 */

/** One PEM block as found in a text: its type ("CERTIFICATE", "PRIVATE KEY"…) and DER bytes. */
export interface PemBlock {
  type: string;
  der: Buffer;
  /** True when the block carries RFC 1421 headers (e.g. "Proc-Type: 4,ENCRYPTED"). */
  hasHeaders: boolean;
}

const LINE_LENGTH = 64;

/**
 * Go's `pem.EncodeToMemory` for a block without headers: `-----BEGIN <type>-----\n`, the
 * standard (padded) base64 of the bytes in lines of 64 characters each ending in "\n", then
 * `-----END <type>-----\n`. LF line endings, always a trailing newline, no blank lines.
 */
export function encodePem(type: string, der: Uint8Array): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
  let body = "";
  for (let start = 0; start < base64.length; start += LINE_LENGTH) {
    body += `${base64.slice(start, start + LINE_LENGTH)}\n`;
  }
  return `-----BEGIN ${type}-----\n${body}-----END ${type}-----\n`;
}

const BEGIN = /-----BEGIN ([^\r\n-]+)-----\r?\n/g;
const HEADER_LINE = /^[A-Za-z0-9-]+:/;

/** One `-----BEGIN T-----` … `-----END T-----` block of a text: its type, body and whole text. */
export interface PemSpan {
  type: string;
  body: string;
  text: string;
}

/**
 * The BEGIN/END blocks of a text, in order, as a lazy `BEGIN (T) … END \1` regex finds them, but
 * in linear time: such a regex rescans to the end of the text for every unterminated BEGIN,
 * which lets a few hundred kilobytes of `-----BEGIN A-----` lines hold a CPU for seconds.
 */
export function pemSpans(text: string): PemSpan[] {
  const spans: PemSpan[] = [];
  /** type → the offset from which its END marker is known to be absent. */
  const noEndFrom = new Map<string, number>();
  BEGIN.lastIndex = 0;
  for (let begin = BEGIN.exec(text); begin !== null; begin = BEGIN.exec(text)) {
    const type = begin[1] ?? "";
    const bodyStart = begin.index + begin[0].length;
    if (bodyStart >= (noEndFrom.get(type) ?? Infinity)) continue;
    const marker = `-----END ${type}-----`;
    const end = text.indexOf(marker, bodyStart);
    if (end < 0) {
      noEndFrom.set(type, bodyStart);
      BEGIN.lastIndex = bodyStart;
      continue;
    }
    spans.push({
      type,
      body: text.slice(bodyStart, end),
      text: text.slice(begin.index, end + marker.length),
    });
    BEGIN.lastIndex = end + marker.length;
  }
  return spans;
}

/**
 * The PEM blocks of a text, in order. Text around and between blocks is ignored (as Go's
 * `pem.Decode` does); a block whose body is not base64 is an error reported as undefined.
 */
export function decodePemBlocks(text: string): PemBlock[] | undefined {
  const blocks: PemBlock[] = [];
  for (const span of pemSpans(text)) {
    const type = span.type;
    const lines = span.body.split(/\r?\n/);
    const hasHeaders = lines.some((line) => HEADER_LINE.test(line));
    const body = hasHeaders
      ? lines.slice(lines.findIndex((line) => line.trim() === "") + 1)
      : lines;
    const der = decodeStdBase64(body.join(""));
    if (der === undefined) return undefined;
    blocks.push({ type, der, hasHeaders });
  }
  return blocks;
}

const STD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Go's `base64.StdEncoding.DecodeString`: the standard alphabet with padding required;
 * "\r" and "\n" are skipped, any other character (spaces, "-", "_") is an error.
 * Returns undefined when the text does not decode.
 */
export function decodeStdBase64(text: string): Buffer | undefined {
  const compact = text.replace(/[\r\n]/g, "");
  if (compact.length % 4 !== 0 || !STD_BASE64.test(compact)) return undefined;
  return Buffer.from(compact, "base64");
}

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Base64url as Key Vault writes JWK fields (no padding; tolerated if present). */
export function decodeBase64Url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text) || text.replace(/=+$/, "").length % 4 === 1) return undefined;
  return Buffer.from(text.replace(/=+$/, ""), "base64url");
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Go's `hex.DecodeString`: an even number of hex digits, nothing else (no trimming). */
export function decodeGoHex(text: string): Buffer | undefined {
  return HEX.test(text) ? Buffer.from(text, "hex") : undefined;
}
