import type { SpcIdentity } from "./types.js";

/**
 * Which credential the Azure provider would use for a class (reference §2): the three switches
 * are exclusive (checked by the caller); with none set, workload identity when `clientID` is
 * given, else a service principal from the pod volume's `nodePublishSecretRef`.
 */

export interface IdentityInputs {
  usePodIdentity: boolean;
  useVMManagedIdentity: boolean;
  useAzureTokenProxy: boolean;
  clientId?: string | undefined;
  userAssignedIdentityId?: string | undefined;
  tenantId?: string | undefined;
}

export const SERVICE_PRINCIPAL_REASON =
  "the Azure provider would read clientid/clientsecret from the pod volume's nodePublishSecretRef, " +
  "which kvsync cannot see; set clientID for workload identity, or useVMManagedIdentity";

export function deriveIdentity(inputs: IdentityInputs): SpcIdentity {
  if (inputs.usePodIdentity) return { kind: "pod-identity", deprecated: true };
  if (inputs.useVMManagedIdentity) {
    const clientId = inputs.userAssignedIdentityId;
    return clientId === undefined
      ? { kind: "vm-managed-identity" }
      : { kind: "vm-managed-identity", clientId };
  }
  if (inputs.useAzureTokenProxy && inputs.clientId !== undefined) {
    return { kind: "token-proxy", clientId: inputs.clientId, audience: "api://AKSIdentityBinding" };
  }
  if (inputs.clientId !== undefined) {
    return {
      kind: "workload-identity",
      clientId: inputs.clientId,
      audience: "api://AzureADTokenExchange",
    };
  }
  // Without a tenant the provider refuses the class; only kvsync's local vault gets here.
  if (inputs.tenantId === undefined) return { kind: "default" };
  return { kind: "service-principal", available: false, reason: SERVICE_PRINCIPAL_REASON };
}
