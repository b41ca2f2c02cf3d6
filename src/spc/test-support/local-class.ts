import { parseSecretProviderClass, type SecretProviderClass } from "../index.js";

/**
 * A SecretProviderClass for the local vault ("demo"), as users write one: each object is a
 * small YAML text inside `objects: array:`, e.g. "objectName: db\nobjectType: secret".
 */
export function localClassYaml(name: string, objectTexts: readonly string[]): string {
  const entries = objectTexts
    .map(
      (text) =>
        `        - |\n${text
          .split("\n")
          .map((line) => `          ${line}`)
          .join("\n")}`,
    )
    .join("\n");
  return `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: ${name}
  namespace: default
spec:
  provider: azure
  parameters:
    keyvaultName: demo
    tenantId: "00000000-0000-0000-0000-000000000000"
    objects: |
      array:
${entries}
`;
}

/** The parsed class; a fixture that does not parse is a broken test, so it throws. */
export function localClass(name: string, objectTexts: readonly string[]): SecretProviderClass {
  const result = parseSecretProviderClass(localClassYaml(name, objectTexts));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.spc;
}
