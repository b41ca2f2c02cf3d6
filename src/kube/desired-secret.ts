import { createHash } from "node:crypto";
import type { V1Secret } from "@kubernetes/client-node";
import { KeyMaterialError, tlsSecretPart } from "../render/index.js";
import type { SecretObjectSpec, SecretProviderClass } from "../spc/index.js";

/**
 * The Kubernetes Secret a class's `secretObjects` entry describes, from the files the class
 * would write (fileName → content), exactly as the CSI driver's secret controller builds it:
 * its type, labels and annotations, each data key mapped from a file, the driver's managed
 * label, and an owner reference to the class so deleting the class deletes the Secret. A hash of
 * the data goes in an annotation: a later hand edit shows as data that no longer matches it.
 */

export const MANAGED_LABEL = "secrets-store.csi.k8s.io/managed";
export const DATA_HASH_ANNOTATION = "kvsync.io/data-hash";

export interface ClassRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

export const TLS_SECRET_TYPE = "kubernetes.io/tls";

/** A file that cannot be split into a tls Secret's key; the message never quotes the content. */
export class TlsSecretError extends Error {
  constructor(secretName: string, key: string, objectName: string, reason: string) {
    super(`secretObjects ${secretName} (kubernetes.io/tls): ${key} from ${objectName}: ${reason}`);
    this.name = "TlsSecretError";
  }
}

export class MissingFileError extends Error {
  constructor(secretName: string, key: string, objectName: string) {
    super(
      `secretObjects ${secretName}: data key ${key} names ${objectName}, which the class does not write`,
    );
    this.name = "MissingFileError";
  }
}

export function desiredSecret(
  spc: SecretProviderClass,
  spec: SecretObjectSpec,
  files: ReadonlyMap<string, Buffer>,
  owner: ClassRef,
): V1Secret {
  const data: Record<string, string> = {};
  for (const { key, objectName } of spec.data) {
    const content = files.get(objectName);
    if (content === undefined) throw new MissingFileError(spec.secretName, key, objectName);
    data[key] = (
      spec.type === TLS_SECRET_TYPE ? tlsPart(spec, key, objectName, content) : content
    ).toString("base64");
  }
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: spec.type,
    metadata: {
      name: spec.secretName,
      namespace: spc.namespace,
      labels: { ...spec.labels, [MANAGED_LABEL]: "true" },
      annotations: { ...spec.annotations, [DATA_HASH_ANNOTATION]: dataHash(data) },
      ownerReferences: [
        {
          apiVersion: owner.apiVersion,
          kind: owner.kind,
          name: owner.name,
          uid: owner.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    data,
  };
}

/**
 * A kubernetes.io/tls Secret holds tls.crt (the certificates) and tls.key (the key, PKCS#1 or
 * SEC 1), split from the file as the CSI driver splits it; the class schema allows no other key.
 */
function tlsPart(spec: SecretObjectSpec, key: string, objectName: string, content: Buffer): Buffer {
  if (key !== "tls.crt" && key !== "tls.key") {
    throw new TlsSecretError(spec.secretName, key, objectName, "takes only tls.crt and tls.key");
  }
  try {
    return tlsSecretPart(content, key);
  } catch (error) {
    if (!(error instanceof KeyMaterialError)) throw error;
    throw new TlsSecretError(spec.secretName, key, objectName, error.message);
  }
}

/** sha256 over the sorted keys and their base64 values: stable whatever the key order. */
export function dataHash(data: Readonly<Record<string, string>> | undefined): string {
  const hash = createHash("sha256");
  for (const key of Object.keys(data ?? {}).sort()) hash.update(`${key}\0${data?.[key] ?? ""}\0`);
  return hash.digest("hex");
}

/** Whether the stored Secret already is the desired one (data, type, labels, annotations, owner). */
export function upToDate(stored: V1Secret, desired: V1Secret): boolean {
  const hash = desired.metadata?.annotations?.[DATA_HASH_ANNOTATION];
  return (
    stored.type === desired.type &&
    stored.metadata?.annotations?.[DATA_HASH_ANNOTATION] === hash &&
    dataHash(stored.data) === hash &&
    sameEntries(stored.metadata?.labels, desired.metadata?.labels) &&
    sameEntries(stored.metadata?.annotations, desired.metadata?.annotations) &&
    stored.metadata?.ownerReferences?.[0]?.uid === desired.metadata?.ownerReferences?.[0]?.uid
  );
}

/** The desired entries are all there (others, added by someone else, are left alone). */
function sameEntries(
  stored: Readonly<Record<string, string>> | undefined,
  desired: Readonly<Record<string, string>> | undefined,
): boolean {
  return Object.entries(desired ?? {}).every(([k, v]) => stored?.[k] === v);
}
