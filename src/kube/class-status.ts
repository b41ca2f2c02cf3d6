import {
  ApiException,
  type CustomObjectsApi,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { z } from "zod";
import { SPC_GROUP, SPC_PLURAL, SPC_VERSION } from "./spc-resource.js";

/**
 * What the controller last did for a class, kept on the class itself as one JSON annotation,
 * `kvsync.io/status`: a Ready condition (status, reason, message, since when), the time of the
 * last sync that changed anything, the Secrets it keeps, and the version each object is at. The
 * versions are how agents in pods learn of a rotation: they watch their class, not Key Vault.
 *
 * An annotation, not `.status`: the CSI driver's CRD declares a structural status schema
 * (`byPod`), so an API server would prune any field it does not list.
 */

export const STATUS_ANNOTATION = "kvsync.io/status";

const objectVersion = z.object({
  objectName: z.string().min(1),
  objectType: z.string().min(1),
  /** The newest version the class's files hold (with version history, the first). */
  version: z.string().min(1),
});

const classStatusSchema = z.object({
  observedGeneration: z.number().int().optional(),
  lastSyncTime: z.string(),
  conditions: z.array(
    z.object({
      type: z.literal("Ready"),
      status: z.enum(["True", "False"]),
      reason: z.string(),
      message: z.string(),
      lastTransitionTime: z.string(),
    }),
  ),
  secrets: z.array(z.string()),
  objects: z.array(objectVersion),
});

export type ClassStatus = z.infer<typeof classStatusSchema>;
export type ObjectVersionStatus = z.infer<typeof objectVersion>;

/** What a sync found; the times are filled in when it is written. */
export interface ObservedStatus {
  readonly generation: number | undefined;
  readonly ready: boolean;
  /** Synced, SyncFailed or InvalidClass. */
  readonly reason: string;
  readonly message: string;
  readonly secrets: readonly string[];
  readonly objects: readonly ObjectVersionStatus[];
}

/** The status an object carries, or undefined when it has none or it is not ours to read. */
export function readClassStatus(object: KubernetesObject): ClassStatus | undefined {
  const text = object.metadata?.annotations?.[STATUS_ANNOTATION];
  if (text === undefined) return undefined;
  try {
    const parsed = classStatusSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes the status when it says something new (anything but the times): a resync that found
 * nothing to do writes nothing, so a quiet cluster is not a stream of writes and watch events.
 * `cached` is the class as the watch last delivered it.
 * Returns whether it wrote. The write carries the resourceVersion read (409 → read again).
 */
export async function recordClassStatus(
  api: CustomObjectsApi,
  target: { namespace: string; name: string; cached?: KubernetesObject | undefined },
  observed: ObservedStatus,
  now: Date,
): Promise<boolean> {
  const { namespace, name } = target;
  for (let attempt = 1; ; attempt++) {
    // The watch's copy first (usually current: no request at all when nothing changed); after a
    // conflict, the API server's.
    const stored =
      attempt === 1 && target.cached !== undefined
        ? structuredClone(target.cached)
        : await readClass(api, namespace, name);
    if (stored === undefined) return false; // deleted meanwhile: nothing to report on
    const previous = readClassStatus(stored);
    const next = nextStatus(previous, observed, now);
    if (previous !== undefined && sameContent(previous, next)) return false;
    const metadata = stored.metadata ?? {};
    stored.metadata = {
      ...metadata,
      annotations: { ...metadata.annotations, [STATUS_ANNOTATION]: JSON.stringify(next) },
    };
    try {
      await api.replaceNamespacedCustomObject({
        group: SPC_GROUP,
        version: SPC_VERSION,
        plural: SPC_PLURAL,
        namespace,
        name,
        body: stored,
      });
      return true;
    } catch (error) {
      if (!(error instanceof ApiException) || error.code !== 409 || attempt >= 5) throw error;
    }
  }
}

function nextStatus(
  previous: ClassStatus | undefined,
  observed: ObservedStatus,
  now: Date,
): ClassStatus {
  const status = observed.ready ? "True" : "False";
  const before = previous?.conditions[0];
  return {
    ...(observed.generation === undefined ? {} : { observedGeneration: observed.generation }),
    lastSyncTime: now.toISOString(),
    conditions: [
      {
        type: "Ready",
        status,
        reason: observed.reason,
        message: observed.message,
        lastTransitionTime:
          before?.status === status ? before.lastTransitionTime : now.toISOString(),
      },
    ],
    secrets: [...observed.secrets],
    // A failed sync changes nothing on disk or in Secrets: the versions stay what they were.
    objects: observed.ready || previous === undefined ? [...observed.objects] : previous.objects,
  };
}

function sameContent(a: ClassStatus, b: ClassStatus): boolean {
  const strip = (s: ClassStatus) =>
    JSON.stringify({
      ...s,
      lastSyncTime: undefined,
      conditions: s.conditions.map((c) => ({ ...c, lastTransitionTime: undefined })),
    });
  return strip(a) === strip(b);
}

async function readClass(
  api: CustomObjectsApi,
  namespace: string,
  name: string,
): Promise<KubernetesObject | undefined> {
  try {
    return (await api.getNamespacedCustomObject({
      group: SPC_GROUP,
      version: SPC_VERSION,
      plural: SPC_PLURAL,
      namespace,
      name,
    })) as KubernetesObject;
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
}
