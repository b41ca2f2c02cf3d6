/** The SecretProviderClass resource users already have (the Secrets Store CSI driver's CRD). */
export const SPC_GROUP = "secrets-store.csi.x-k8s.io";
export const SPC_VERSION = "v1";
export const SPC_PLURAL = "secretproviderclasses";
export const SPC_API_VERSION = `${SPC_GROUP}/${SPC_VERSION}`;

/** The collection path, cluster-wide or in one namespace (informers and watches use it). */
export function spcPath(namespace?: string): string {
  return namespace === undefined
    ? `/apis/${SPC_GROUP}/${SPC_VERSION}/${SPC_PLURAL}`
    : `/apis/${SPC_GROUP}/${SPC_VERSION}/namespaces/${namespace}/${SPC_PLURAL}`;
}
