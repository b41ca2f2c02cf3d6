import { randomBytes } from "node:crypto";
import type { CoreV1Api, V1ObjectReference } from "@kubernetes/client-node";
import type { Logger } from "pino";

/**
 * Kubernetes Events, as `kubectl describe` and `kubectl get events` show them: on a class for the
 * controller's syncs, on a pod for an agent's rotations. Messages name Secrets, objects and
 * versions, never a value. Recording is best effort: a failed Event is logged, never thrown, so
 * it cannot fail the sync it reports on.
 */

export const EventReason = {
  SecretSyncComplete: "SecretSyncComplete",
  SecretSyncFailed: "SecretSyncFailed",
  MountRotationComplete: "MountRotationComplete",
  MountRotationFailed: "MountRotationFailed",
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];

/** The API server refuses longer messages (events are meant to be read, not stored). */
const MAX_MESSAGE = 1024;

export class EventRecorder {
  readonly #api: CoreV1Api;
  readonly #component: string;
  readonly #instance: string;
  readonly #logger: Logger;

  constructor(api: CoreV1Api, component: string, instance: string, logger: Logger) {
    this.#api = api;
    this.#component = component;
    this.#instance = instance;
    this.#logger = logger;
  }

  async record(
    involved: Required<Pick<V1ObjectReference, "apiVersion" | "kind" | "namespace" | "name">> &
      Pick<V1ObjectReference, "uid">,
    type: "Normal" | "Warning",
    reason: EventReason,
    message: string,
  ): Promise<void> {
    const now = new Date();
    try {
      await this.#api.createNamespacedEvent({
        namespace: involved.namespace,
        body: {
          metadata: {
            // client-go's naming: the object's name and a unique suffix.
            name: `${involved.name}.${now.getTime().toString(16)}${randomBytes(4).toString("hex")}`,
            namespace: involved.namespace,
          },
          involvedObject: involved,
          reason,
          message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message,
          type,
          count: 1,
          firstTimestamp: now,
          lastTimestamp: now,
          source: { component: this.#component },
          reportingComponent: this.#component,
          reportingInstance: this.#instance,
        },
      });
    } catch (error) {
      this.#logger.warn(
        {
          reason,
          object: `${involved.namespace}/${involved.name}`,
          err: { message: error instanceof Error ? error.message.split("\n")[0] : String(error) },
        },
        "Kubernetes Event not recorded",
      );
    }
  }
}
