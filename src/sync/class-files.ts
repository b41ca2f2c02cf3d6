import type { FetchedObject, ObjectSource, ObjectType } from "../keyvault/index.js";
import type { PayloadFile } from "../mount/index.js";
import {
  renderCertificate,
  renderCertificateSecret,
  renderKey,
  renderSecret,
  type KeyVaultJsonWebKey,
} from "../render/index.js";
import type { SecretProviderClass, SpcObject } from "../spc/index.js";
import { selectHistory } from "./desired-versions.js";
import type { ObjectReader } from "./object-reader.js";

/**
 * The files a class writes, by path, as the CSI Azure provider lays them out: `<fileName>` per
 * object, or `<fileName>/0…N-1` with version history. The agent swaps these into a folder; the
 * controller maps them into Kubernetes Secrets. Reads go through the shared reader (each version
 * once); "latest" is read fresh, history is listed.
 */

export function objectFiles(
  object: SpcObject,
  versions: readonly FetchedObject[],
): [string, PayloadFile][] {
  return versions.map((fetched, n) => [
    object.versionHistory > 1 ? `${object.fileName}/${n}` : object.fileName,
    { data: renderObject(object, fetched), mode: object.fileMode },
  ]);
}

/** One version's file content, per objectType, as the CSI Azure provider writes it. */
function renderObject(object: SpcObject, fetched: FetchedObject): Buffer {
  const value = fetched.value.reveal();
  switch (object.objectType) {
    case "key":
      return renderKey(JSON.parse(value) as KeyVaultJsonWebKey);
    case "cert":
      return renderCertificate(value);
    case "secret":
      return fetched.certificateKeyId === undefined
        ? renderSecret(object.objectName, value, object.encoding)
        : // A certificate's secret: the key and chain as PEM, or the PFX (objectFormat).
          renderCertificateSecret(value, fetched.contentType, object.format, {
            encoding: object.encoding,
          });
  }
}

/** Which version "latest" is, when the caller keeps its own answer (the controller does). */
export type LatestResolver = (vault: string, type: ObjectType, name: string) => Promise<string>;

/** The key of classFiles' `versions`: a class may mount a certificate's cert and its secret. */
export const versionsKey = (object: Pick<SpcObject, "objectType" | "objectName">): string =>
  `${object.objectType}/${object.objectName}`;

/**
 * The class's files now, and the version each object's files hold (newest first). Without
 * `latest`, an object that follows "latest" is read fresh.
 */
export async function classFiles(
  spc: SecretProviderClass,
  reader: ObjectReader,
  source: ObjectSource,
  signal: AbortSignal,
  latest?: LatestResolver,
): Promise<{ files: Map<string, PayloadFile>; versions: Map<string, readonly string[]> }> {
  const files = new Map<string, PayloadFile>();
  const versions = new Map<string, readonly string[]>();
  for (const object of spc.objects) {
    const fetched = await objectVersions(spc.keyvaultName, object, reader, source, signal, latest);
    versions.set(
      versionsKey(object),
      fetched.map((f) => f.version),
    );
    for (const [path, file] of objectFiles(object, fetched)) files.set(path, file);
  }
  return { files, versions };
}

async function objectVersions(
  vault: string,
  object: SpcObject,
  reader: ObjectReader,
  source: ObjectSource,
  signal: AbortSignal,
  latest: LatestResolver | undefined,
): Promise<FetchedObject[]> {
  const { objectType: type, objectName: name } = object;
  if (object.versionHistory > 1) {
    const listed = await source.listVersions(vault, type, name, signal);
    const selected = selectHistory(listed, object.versionHistory, object.objectVersion);
    if (selected.length === 0) throw new Error(`${type} ${name} has no enabled version`);
    return Promise.all(selected.map((v) => reader.read(vault, type, name, v)));
  }
  const version =
    object.objectVersion ?? (latest === undefined ? undefined : await latest(vault, type, name));
  return [await reader.read(vault, type, name, version)];
}
