import {
  ApiException,
  AppsV1Api,
  type V1DaemonSet,
  type V1Deployment,
  type V1StatefulSet,
} from "@kubernetes/client-node";

/**
 * Restarts the workloads that asked for it when their class's objects change: a Deployment,
 * StatefulSet or DaemonSet annotated `kvsync.io/restart-on-change: <class name>` gets a new
 * pod-template annotation, exactly what `kubectl rollout restart` does, so Kubernetes rolls its
 * pods with its own strategy and budgets. Writes carry the read resourceVersion (409 → again).
 */

export const RESTART_ON_CHANGE = "kvsync.io/restart-on-change";
export const RESTARTED_AT = "kvsync.io/restartedAt";

type Workload = V1Deployment | V1StatefulSet | V1DaemonSet;

interface Kind<W extends Workload> {
  readonly kind: string;
  list(namespace: string): Promise<W[]>;
  replace(name: string, namespace: string, body: W): Promise<unknown>;
}

export async function restartWorkloads(
  apps: AppsV1Api,
  namespace: string,
  className: string,
  at: Date,
): Promise<string[]> {
  const run = <W extends Workload>(kind: Kind<W>) =>
    restartKind(kind, namespace, className, at.toISOString());
  return [
    ...(await run<V1Deployment>({
      kind: "Deployment",
      list: async (ns) => (await apps.listNamespacedDeployment({ namespace: ns })).items,
      replace: (name, ns, body) => apps.replaceNamespacedDeployment({ name, namespace: ns, body }),
    })),
    ...(await run<V1StatefulSet>({
      kind: "StatefulSet",
      list: async (ns) => (await apps.listNamespacedStatefulSet({ namespace: ns })).items,
      replace: (name, ns, body) => apps.replaceNamespacedStatefulSet({ name, namespace: ns, body }),
    })),
    ...(await run<V1DaemonSet>({
      kind: "DaemonSet",
      list: async (ns) => (await apps.listNamespacedDaemonSet({ namespace: ns })).items,
      replace: (name, ns, body) => apps.replaceNamespacedDaemonSet({ name, namespace: ns, body }),
    })),
  ];
}

async function restartKind<W extends Workload>(
  kind: Kind<W>,
  namespace: string,
  className: string,
  at: string,
): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    const restarted: string[] = [];
    try {
      for (const workload of await kind.list(namespace)) {
        const wanted = workload.metadata?.annotations?.[RESTART_ON_CHANGE] === className;
        if (!wanted || workload.spec === undefined) continue;
        const template = workload.spec.template;
        template.metadata = {
          ...template.metadata,
          annotations: { ...template.metadata?.annotations, [RESTARTED_AT]: at },
        };
        await kind.replace(workload.metadata?.name ?? "", namespace, workload);
        restarted.push(`${kind.kind}/${workload.metadata?.name ?? ""}`);
      }
      return restarted;
    } catch (error) {
      // Changed under us: list again and re-apply (the same annotation makes a repeat harmless).
      if (!(error instanceof ApiException) || error.code !== 409 || attempt >= 5) throw error;
    }
  }
}
