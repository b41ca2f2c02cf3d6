import type { FetchedSecret, ObjectSource } from "../keyvault/index.js";
import type { PayloadFile } from "../mount/index.js";
import { renderCertificateSecret, renderSecret } from "../render/index.js";
import type { SecretProviderClass, SpcObject } from "../spc/index.js";
import { selectHistory } from "./desired-versions.js";
import type { SecretReader } from "./secret-reader.js";

/**
 * The files a class writes, by path, as the CSI Azure provider lays them out: `<fileName>` per
 * object, or `<fileName>/0…N-1` with version history. The agent swaps these into a folder; the
 * controller maps them into Kubernetes Secrets. Reads go through the shared reader (each version
 * once); "latest" is read fresh, history is listed.
 */

export function objectFiles(
  object: SpcObject,
  secrets: readonly FetchedSecret[],
): [string, PayloadFile][] {
  return secrets.map((secret, n) => [
    object.versionHistory > 1 ? `${object.fileName}/${n}` : object.fileName,
    {
      data:
        secret.certificateKeyId === undefined
          ? renderSecret(object.objectName, secret.value.reveal(), object.encoding)
          : // A certificate's secret: the key and chain as PEM, or the PFX (objectFormat).
            renderCertificateSecret(secret.value.reveal(), secret.contentType, object.format, {
              encoding: object.encoding,
            }),
      mode: object.fileMode,
    },
  ]);
}

/** Which version "latest" is, when the caller keeps its own answer (the controller does). */
export type LatestResolver = (vault: string, name: string) => Promise<string>;

/**
 * The class's files now, and the version each object's files hold (newest first). Without
 * `latest`, an object that follows "latest" is read fresh.
 */
export async function classFiles(
  spc: SecretProviderClass,
  reader: SecretReader,
  source: ObjectSource,
  signal: AbortSignal,
  latest?: LatestResolver,
): Promise<{ files: Map<string, PayloadFile>; versions: Map<string, readonly string[]> }> {
  const files = new Map<string, PayloadFile>();
  const versions = new Map<string, readonly string[]>();
  for (const object of spc.objects) {
    const secrets = await objectVersions(spc.keyvaultName, object, reader, source, signal, latest);
    versions.set(
      object.objectName,
      secrets.map((s) => s.version),
    );
    for (const [path, file] of objectFiles(object, secrets)) files.set(path, file);
  }
  return { files, versions };
}

async function objectVersions(
  vault: string,
  object: SpcObject,
  reader: SecretReader,
  source: ObjectSource,
  signal: AbortSignal,
  latest: LatestResolver | undefined,
): Promise<FetchedSecret[]> {
  if (object.versionHistory > 1) {
    const listed = await source.listSecretVersions(vault, object.objectName, signal);
    const selected = selectHistory(listed, object.versionHistory, object.objectVersion);
    if (selected.length === 0) throw new Error(`${object.objectName} has no enabled version`);
    return Promise.all(selected.map((v) => reader.read(vault, object.objectName, v)));
  }
  const version =
    object.objectVersion ??
    (latest === undefined ? undefined : await latest(vault, object.objectName));
  return [await reader.read(vault, object.objectName, version)];
}
