import { ApiException, type CoreV1Api, type V1Secret } from "@kubernetes/client-node";
import { upToDate } from "./desired-secret.js";

/**
 * Makes a Kubernetes Secret equal to the desired one: create it when absent, replace it when it
 * differs (a new version, or someone edited its data by hand), leave it alone when it already
 * matches. A replace carries the resourceVersion it read, so a concurrent writer's change is a
 * 409 that makes it read again, never a silent overwrite.
 */

export type ApplyResult = "created" | "updated" | "unchanged";

const MAX_CONFLICTS = 5;

export async function applySecret(api: CoreV1Api, desired: V1Secret): Promise<ApplyResult> {
  const name = desired.metadata?.name ?? "";
  const namespace = desired.metadata?.namespace ?? "";
  for (let attempt = 1; ; attempt++) {
    const stored = await readSecret(api, name, namespace);
    try {
      if (stored === undefined) {
        await api.createNamespacedSecret({ namespace, body: desired });
        return "created";
      }
      if (upToDate(stored, desired)) return "unchanged";
      const body: V1Secret = {
        ...desired,
        metadata: {
          ...desired.metadata,
          // Keep what others added (labels, annotations), with ours on top.
          labels: { ...stored.metadata?.labels, ...desired.metadata?.labels },
          annotations: { ...stored.metadata?.annotations, ...desired.metadata?.annotations },
          ...(stored.metadata?.resourceVersion === undefined
            ? {}
            : { resourceVersion: stored.metadata.resourceVersion }),
        },
      };
      await api.replaceNamespacedSecret({ name, namespace, body });
      return "updated";
    } catch (error) {
      // 409: created meanwhile, or changed since we read it. Read again and decide again.
      if (!(error instanceof ApiException) || error.code !== 409 || attempt >= MAX_CONFLICTS) {
        throw error;
      }
    }
  }
}

async function readSecret(
  api: CoreV1Api,
  name: string,
  namespace: string,
): Promise<V1Secret | undefined> {
  try {
    return await api.readNamespacedSecret({ name, namespace });
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
}
