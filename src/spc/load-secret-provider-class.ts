import { readFile, stat } from "node:fs/promises";
import { parseSecretProviderClass } from "./parse-secret-provider-class.js";
import { SpcError } from "./problem.js";
import type { ParseSecretProviderClassOptions, SecretProviderClass } from "./types.js";
import { MAX_BYTES } from "./yaml-text.js";

export interface LoadSecretProviderClassOptions extends Omit<
  ParseSecretProviderClassOptions,
  "source"
> {
  signal?: AbortSignal;
}

/**
 * Reads and parses a SecretProviderClass file; throws SpcError (every problem, with paths) when
 * it cannot be read or is invalid. Warnings come back on `spc.warnings`.
 */
export async function loadSecretProviderClass(
  file: string,
  options: LoadSecretProviderClassOptions = {},
): Promise<SecretProviderClass> {
  const { signal, ...parseOptions } = options;
  const text = await readText(file, signal);
  const result = parseSecretProviderClass(text, { ...parseOptions, source: file });
  if (!result.ok) throw new SpcError(result.problems, file);
  return result.spc;
}

async function readText(file: string, signal: AbortSignal | undefined): Promise<string> {
  let bytes: Buffer;
  try {
    const { size } = await stat(file);
    if (size > MAX_BYTES)
      fail(file, `is ${size} bytes, more than Kubernetes stores (${MAX_BYTES})`);
    bytes = await readFile(file, signal === undefined ? {} : { signal });
  } catch (error) {
    if (error instanceof SpcError || isAbort(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    fail(file, code === "ENOENT" ? "does not exist" : `cannot be read: ${String(error)}`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    fail(file, "is not UTF-8 text");
  }
}

function fail(file: string, message: string): never {
  throw new SpcError([{ path: "", message }], file);
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === "AbortError";
}
