import type { CoreV1Api } from "@kubernetes/client-node";
import type {
  FetchedObject,
  ObjectListing,
  ObjectSource,
  ObjectType,
  VersionProperties,
} from "../keyvault/index.js";
import type { SecretProviderClass } from "../spc/index.js";
import { SecretValue } from "../util/secret-value.js";
import { TLS_SECRET_TYPE } from "./desired-secret.js";

/**
 * `kvsync agent --class-ref … --from-secret`: values come from the Kubernetes Secrets the
 * controller keeps for the class, not from Key Vault, for clusters that accept secrets in etcd.
 * The pod then needs no Key Vault identity and Key Vault sees no read from it at all.
 *
 * Each object is found through the class's `secretObjects` (the data key it maps to), and its
 * version is the one the controller records on the class: the controller writes the Secret before
 * it records the version, so a version asked for is either there or not yet (an error the next
 * class update retries), never a mix.
 */

export interface SyncedSecretSourceOptions {
  core: CoreV1Api;
  spc: SecretProviderClass;
  /** objectName (lower-cased) → the version the class records now. */
  versions: () => ReadonlyMap<string, string>;
}

/** Why a class cannot be read from its Secrets, one line per object; empty when it can. */
export function fromSecretProblems(spc: SecretProviderClass): string[] {
  const mapped = secretKeys(spc);
  return spc.objects.flatMap((o) => {
    const problems: string[] = [];
    if (o.objectType !== "secret") {
      // Its Secret holds the rendered PEM, not the key or certificate Key Vault returns.
      problems.push(`${o.objectName}: objectType ${o.objectType} (--from-secret reads secrets)`);
      return problems;
    }
    if (tlsOnly(spc, o.fileName)) {
      problems.push(
        `${o.objectName}: only in kubernetes.io/tls Secrets, which hold tls.crt and tls.key split from the file, not the file`,
      );
    }
    if (!mapped.has(o.objectName.toLowerCase())) {
      problems.push(`${o.objectName}: not in any secretObjects entry, so no Secret holds it`);
    }
    if (o.encoding !== "utf-8") {
      problems.push(
        `${o.objectName}: objectEncoding ${o.encoding} (the Secret holds the decoded bytes; use utf-8)`,
      );
    }
    if (o.versionHistory > 1) {
      problems.push(`${o.objectName}: objectVersionHistory (a Secret holds one version)`);
    }
    return problems;
  });
}

export class SyncedSecretSource implements ObjectSource {
  readonly #options: SyncedSecretSourceOptions;
  readonly #keys: ReadonlyMap<string, { secretName: string; key: string }>;

  constructor(options: SyncedSecretSourceOptions) {
    this.#options = options;
    this.#keys = secretKeys(options.spc);
  }

  async get(
    _vault: string,
    _type: ObjectType,
    name: string,
    version: string | undefined,
  ): Promise<FetchedObject> {
    const where = this.#keys.get(name.toLowerCase());
    if (where === undefined) throw new Error(`${name} is in no secretObjects entry of the class`);
    const current = this.#options.versions().get(name.toLowerCase());
    if (version !== undefined && version !== current) {
      throw new Error(`the synced Secret ${where.secretName} does not hold ${name}@${version} yet`);
    }
    const { namespace } = this.#options.spc;
    const secret = await this.#options.core.readNamespacedSecret({
      name: where.secretName,
      namespace,
    });
    const data = secret.data?.[where.key];
    if (data === undefined) {
      throw new Error(`the synced Secret ${where.secretName} has no key ${where.key} yet`);
    }
    return {
      name,
      // Before the controller has recorded any version, the Secret's content is all there is.
      version: current ?? "synced",
      enabled: true,
      createdOn: undefined,
      updatedOn: undefined,
      value: new SecretValue(Buffer.from(data, "base64").toString("utf8")),
    };
  }

  /** Nothing to poll: the class's recorded versions are the only news. */
  list(): Promise<ObjectListing[]> {
    return Promise.resolve([]);
  }

  listVersions(): Promise<VersionProperties[]> {
    return Promise.reject(new Error("--from-secret reads one version per object"));
  }
}

/**
 * objectName (lower-cased) → where its file's content is in the class's Secrets. A secretObjects
 * data entry names a file (the objectAlias, else the objectName), as in the CSI driver.
 */
function secretKeys(spc: SecretProviderClass): Map<string, { secretName: string; key: string }> {
  const keys = new Map<string, { secretName: string; key: string }>();
  for (const object of spc.objects) {
    for (const spec of spc.secretObjects) {
      if (spec.type === TLS_SECRET_TYPE) continue;
      const entry = spec.data.find((d) => d.objectName === object.fileName);
      if (entry === undefined) continue;
      keys.set(object.objectName.toLowerCase(), { secretName: spec.secretName, key: entry.key });
      break;
    }
  }
  return keys;
}

/** Whether every secretObjects entry that maps the file is a kubernetes.io/tls Secret. */
function tlsOnly(spc: SecretProviderClass, fileName: string): boolean {
  const mapping = spc.secretObjects.filter((spec) =>
    spec.data.some((d) => d.objectName === fileName),
  );
  return mapping.length > 0 && mapping.every((spec) => spec.type === TLS_SECRET_TYPE);
}
