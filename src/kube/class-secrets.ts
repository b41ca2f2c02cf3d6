import type { CoreV1Api } from "@kubernetes/client-node";
import type { ObjectSource } from "../keyvault/index.js";
import type { SecretProviderClass } from "../spc/index.js";
import { classFiles, type LatestResolver, type ObjectReader } from "../sync/index.js";
import { desiredSecret, type ClassRef } from "./desired-secret.js";
import { applySecret, type ApplyResult } from "./secret-applier.js";

/**
 * A class's `secretObjects` made real in its namespace, with no pod involved: the files the class
 * would write are computed (each version read once through the shared reader) and each Secret is
 * created or brought up to date.
 */

export interface ClassSecretsOptions {
  core: CoreV1Api;
  reader: ObjectReader;
  source: ObjectSource;
  signal: AbortSignal;
  /** The cluster-wide answer to "which version is latest" (else each sync reads it). */
  latest?: LatestResolver;
}

export interface SecretOutcome {
  readonly secretName: string;
  readonly result: ApplyResult;
}

export interface ClassSync {
  readonly outcomes: readonly SecretOutcome[];
  /** objectName → the versions its files hold (newest first): what "changed" is judged by. */
  readonly versions: ReadonlyMap<string, readonly string[]>;
}

export async function syncClassSecrets(
  spc: SecretProviderClass,
  owner: ClassRef,
  options: ClassSecretsOptions,
): Promise<ClassSync> {
  // Versions are worked out for every class, Secrets or not: agents follow them.
  const { files, versions } = await classFiles(
    spc,
    options.reader,
    options.source,
    options.signal,
    options.latest,
  );
  const contents = new Map([...files].map(([path, file]) => [path, file.data]));
  const outcomes: SecretOutcome[] = [];
  for (const spec of spc.secretObjects) {
    const result = await applySecret(options.core, desiredSecret(spc, spec, contents, owner));
    outcomes.push({ secretName: spec.secretName, result });
  }
  return { outcomes, versions };
}
