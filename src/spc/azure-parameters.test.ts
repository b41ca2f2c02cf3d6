import assert from "node:assert/strict";
import { test } from "node:test";
import {
  parseSecretProviderClass,
  type ParseSecretProviderClassOptions,
  type SecretProviderClass,
} from "./index.js";
import {
  CLIENT,
  TENANT,
  classWith,
  expectOk,
  expectOnly,
  type ClassModel,
} from "./test-support/class-builder.js";

/** spec.parameters for the Azure provider: each key's valid and invalid values, and identity. */

type Edit = (p: Record<string, unknown>) => void;
const params =
  (edit: Edit) =>
  (m: ClassModel): void => {
    edit(m.spec.parameters);
  };

function parse(edit: Edit, options?: ParseSecretProviderClassOptions) {
  return parseSecretProviderClass(classWith(params(edit)), options);
}

const VALID: {
  name: string;
  edit: Edit;
  options?: ParseSecretProviderClassOptions;
  check: (spc: SecretProviderClass, warnings: string[]) => void;
}[] = [
  {
    name: "keyvaultName of 3 characters",
    edit: (p) => (p["keyvaultName"] = "abc"),
    check: (spc) => {
      assert.equal(spc.vaultUrl, "https://abc.vault.azure.net/");
    },
  },
  {
    name: "keyvaultName of 24 characters, mixed case and dashes",
    edit: (p) => (p["keyvaultName"] = "My-Vault-0123456789-abcd"),
    check: (spc) => {
      assert.equal(spc.keyvaultName, "My-Vault-0123456789-abcd");
    },
  },
  {
    name: "keyvaultName is trimmed, as the provider trims",
    edit: (p) => (p["keyvaultName"] = "  demo \t"),
    check: (spc) => {
      assert.equal(spc.vaultUrl, "https://demo.vault.azure.net/");
    },
  },
  {
    name: "tenantID as a domain",
    edit: (p) => (p["tenantID"] = "contoso.onmicrosoft.com"),
    check: (spc, warnings) => {
      assert.equal(spc.tenantId, "contoso.onmicrosoft.com");
      assert.deepEqual(warnings, []);
    },
  },
  {
    name: "tenantId (deprecated) alone is read, with a warning",
    edit: (p) => {
      delete p["tenantID"];
      p["tenantId"] = TENANT;
    },
    check: (spc, warnings) => {
      assert.equal(spc.tenantId, TENANT);
      assert.deepEqual(warnings, [
        "spec.parameters.tenantId: deprecated spelling; the Azure provider prefers tenantID",
      ]);
    },
  },
  {
    name: "tenantID wins over tenantId",
    edit: (p) => (p["tenantId"] = "contoso.onmicrosoft.com"),
    check: (spc, warnings) => {
      assert.equal(spc.tenantId, TENANT);
      assert.match(warnings.join(), /tenantId: ignored: tenantID is set and wins/);
    },
  },
  {
    name: "no tenant is a warning by default (the local vault needs none)",
    edit: (p) => delete p["tenantID"],
    check: (spc, warnings) => {
      assert.equal(spc.tenantId, undefined);
      assert.equal("tenantId" in spc, false);
      assert.match(warnings.join(), /^spec\.parameters\.tenantID: not set; fine for a local vault/);
    },
  },
  {
    name: "an empty tenantID counts as unset",
    edit: (p) => (p["tenantID"] = " "),
    check: (spc, warnings) => {
      assert.equal(spc.tenantId, undefined);
      assert.match(warnings.join(), /tenantID: not set/);
    },
  },
  {
    name: "resourceGroup and subscriptionId are ignored with a warning",
    edit: (p) => {
      p["resourceGroup"] = "rg";
      p["subscriptionId"] = "sub";
    },
    check: (_, warnings) => {
      assert.deepEqual(warnings, [
        "spec.parameters.resourceGroup: ignored by the Azure provider (and by kvsync)",
        "spec.parameters.subscriptionId: ignored by the Azure provider (and by kvsync)",
      ]);
    },
  },
  {
    name: "keys the kubelet and driver add are ignored silently",
    edit: (p) => {
      p["csi.storage.k8s.io/pod.name"] = "web-0";
      p["csi.storage.k8s.io/serviceAccount.tokens"] = "{}";
      p["secrets-store.csi.k8s.io/pv.name"] = "x";
    },
    check: (_, warnings) => {
      assert.deepEqual(warnings, []);
    },
  },
  {
    name: "cloudEnvFileName without AzureStackCloud is ignored with a warning",
    edit: (p) => (p["cloudEnvFileName"] = "/etc/kubernetes/cloud.json"),
    check: (_, warnings) => {
      assert.match(
        warnings.join(),
        /cloudEnvFileName: ignored unless cloudName is AzureStackCloud/,
      );
    },
  },
  {
    name: "AzureStackCloud with cloudEnvFileName and the suffix given to kvsync",
    edit: (p) => {
      p["cloudName"] = "AzureStackCloud";
      p["cloudEnvFileName"] = "/etc/kubernetes/cloud.json";
    },
    options: { azureStackKeyVaultDnsSuffix: "vault.local.azurestack.external" },
    check: (spc) => {
      assert.equal(spc.cloudName, "AzureStackCloud");
      assert.equal(spc.vaultUrl, "https://demo.vault.local.azurestack.external/");
    },
  },
];

for (const c of VALID) {
  test(`valid: ${c.name}`, () => {
    const { spc, warnings } = expectOk(parse(c.edit, c.options));
    c.check(spc, warnings);
  });
}

const CLOUDS: [string, string, string][] = [
  ["", "AzurePublicCloud", "vault.azure.net"],
  ["AzurePublicCloud", "AzurePublicCloud", "vault.azure.net"],
  ["azurepubliccloud", "AzurePublicCloud", "vault.azure.net"],
  ["AzureCloud", "AzurePublicCloud", "vault.azure.net"],
  ["AzureUSGovernmentCloud", "AzureUSGovernmentCloud", "vault.usgovcloudapi.net"],
  ["AZUREUSGOVERNMENT", "AzureUSGovernmentCloud", "vault.usgovcloudapi.net"],
  ["AzureChinaCloud", "AzureChinaCloud", "vault.azure.cn"],
  [" azurechinacloud ", "AzureChinaCloud", "vault.azure.cn"],
  ["AzureGermanCloud", "AzureGermanCloud", "vault.microsoftazure.de"],
];

for (const [raw, name, suffix] of CLOUDS) {
  test(`cloudName ${JSON.stringify(raw)} is ${name}, vault at ${suffix}`, () => {
    const { spc } = expectOk(parse((p) => (p["cloudName"] = raw)));
    assert.equal(spc.cloudName, name);
    assert.equal(spc.vaultUrl, `https://demo.${suffix}/`);
  });
}

test("cloudName absent is the public cloud", () => {
  assert.equal(expectOk(parse(() => undefined)).spc.cloudName, "AzurePublicCloud");
});

// ---- identity -------------------------------------------------------------------------------

const GO_TRUE = ["1", "t", "T", "TRUE", "true", "True", " true "];
const GO_FALSE = ["0", "f", "F", "FALSE", "false", "False", ""];

for (const value of GO_TRUE) {
  test(`useVMManagedIdentity ${JSON.stringify(value)} is true (strconv.ParseBool)`, () => {
    const { spc } = expectOk(parse((p) => (p["useVMManagedIdentity"] = value)));
    assert.deepEqual(spc.identity, { kind: "vm-managed-identity" });
  });
}

for (const value of GO_FALSE) {
  test(`useVMManagedIdentity ${JSON.stringify(value)} is false (strconv.ParseBool)`, () => {
    const { spc } = expectOk(parse((p) => (p["useVMManagedIdentity"] = value)));
    assert.equal(spc.identity.kind, "workload-identity");
  });
}

const IDENTITIES: {
  name: string;
  edit: Edit;
  identity: SecretProviderClass["identity"];
  warning?: RegExp;
}[] = [
  {
    name: "clientID alone: workload identity",
    edit: () => undefined,
    identity: {
      kind: "workload-identity",
      clientId: CLIENT,
      audience: "api://AzureADTokenExchange",
    },
  },
  {
    name: "usePodIdentity: deprecated pod identity",
    edit: (p) => {
      p["usePodIdentity"] = "true";
      delete p["clientID"];
    },
    identity: { kind: "pod-identity", deprecated: true },
    warning: /usePodIdentity: AAD Pod Identity is deprecated/,
  },
  {
    name: "useVMManagedIdentity with userAssignedIdentityID: that identity",
    edit: (p) => {
      p["useVMManagedIdentity"] = "true";
      p["userAssignedIdentityID"] = "11111111-1111-1111-1111-111111111111";
      delete p["clientID"];
    },
    identity: { kind: "vm-managed-identity", clientId: "11111111-1111-1111-1111-111111111111" },
  },
  {
    name: "useVMManagedIdentity alone: the system-assigned identity",
    edit: (p) => {
      p["useVMManagedIdentity"] = "true";
      delete p["clientID"];
    },
    identity: { kind: "vm-managed-identity" },
  },
  {
    name: "useVMManagedIdentity with clientID: clientID is ignored",
    edit: (p) => (p["useVMManagedIdentity"] = "True"),
    identity: { kind: "vm-managed-identity" },
    warning: /clientID: ignored with useVMManagedIdentity/,
  },
  {
    name: "useAzureTokenProxy with clientID: token proxy",
    edit: (p) => (p["useAzureTokenProxy"] = "1"),
    identity: { kind: "token-proxy", clientId: CLIENT, audience: "api://AKSIdentityBinding" },
  },
  {
    name: "nothing but a tenant: a service principal kvsync cannot use",
    edit: (p) => delete p["clientID"],
    identity: {
      kind: "service-principal",
      available: false,
      reason:
        "the Azure provider would read clientid/clientsecret from the pod volume's nodePublishSecretRef, " +
        "which kvsync cannot see; set clientID for workload identity, or useVMManagedIdentity",
    },
    warning:
      /clientID: not set, so the provider would use a service principal: .*nodePublishSecretRef/,
  },
  {
    name: "no tenant and no identity settings: kvsync's default credential",
    edit: (p) => {
      delete p["clientID"];
      delete p["tenantID"];
    },
    identity: { kind: "default" },
  },
  {
    name: "userAssignedIdentityID without useVMManagedIdentity is ignored",
    edit: (p) => (p["userAssignedIdentityID"] = "x"),
    identity: {
      kind: "workload-identity",
      clientId: CLIENT,
      audience: "api://AzureADTokenExchange",
    },
    warning: /userAssignedIdentityID: ignored unless useVMManagedIdentity/,
  },
];

for (const c of IDENTITIES) {
  test(`identity: ${c.name}`, () => {
    const { spc, warnings } = expectOk(parse(c.edit));
    assert.deepEqual(spc.identity, c.identity);
    if (c.warning !== undefined) assert.match(warnings.join("\n"), c.warning);
  });
}

// ---- problems -------------------------------------------------------------------------------

const P = "spec.parameters";

const INVALID: {
  name: string;
  edit?: Edit;
  /** Raw YAML, for what the model cannot express. */
  text?: string;
  options?: ParseSecretProviderClassOptions;
  expected: Record<string, RegExp>;
}[] = [
  {
    name: "keyvaultName missing",
    edit: (p) => delete p["keyvaultName"],
    expected: { [`${P}.keyvaultName`]: /is required/ },
  },
  {
    name: "keyvaultName empty",
    edit: (p) => (p["keyvaultName"] = ""),
    expected: { [`${P}.keyvaultName`]: /is required/ },
  },
  {
    name: "keyvaultName of 2 characters",
    edit: (p) => (p["keyvaultName"] = "ab"),
    expected: { [`${P}.keyvaultName`]: /3–24 characters/ },
  },
  {
    name: "keyvaultName of 25 characters",
    edit: (p) => (p["keyvaultName"] = "a".repeat(25)),
    expected: { [`${P}.keyvaultName`]: /3–24 characters/ },
  },
  {
    name: "keyvaultName with an underscore",
    edit: (p) => (p["keyvaultName"] = "demo_vault"),
    expected: { [`${P}.keyvaultName`]: /only letters, digits and '-'/ },
  },
  {
    name: "keyvaultName as a bare number",
    edit: (p) => (p["keyvaultName"] = 1234),
    expected: { [`${P}.keyvaultName`]: /must be a string: quote it \("1234"\)/ },
  },
  {
    name: "tenantID that is no tenant",
    edit: (p) => (p["tenantID"] = "my tenant!"),
    expected: { [`${P}.tenantID`]: /tenant GUID or domain/ },
  },
  {
    name: "tenant missing when required",
    edit: (p) => delete p["tenantID"],
    options: { requireTenant: true },
    expected: { [`${P}.tenantID`]: /is required by the Azure provider/ },
  },
  {
    name: "usePodIdentity as a bare boolean",
    edit: (p) => (p["usePodIdentity"] = false),
    expected: {
      [`${P}.usePodIdentity`]:
        /must be a string: quote it \("false"\); Kubernetes rejects booleans here/,
    },
  },
  {
    name: "useVMManagedIdentity as a bare number",
    edit: (p) => (p["useVMManagedIdentity"] = 0),
    expected: { [`${P}.useVMManagedIdentity`]: /must be a string: quote it \("0"\)/ },
  },
  {
    name: "a YAML 1.1 boolean (yes) that kubectl reads as a boolean",
    text: classWith().replace("clientID:", "useAzureTokenProxy: yes\n    clientID:"),
    expected: { [`${P}.useAzureTokenProxy`]: /must be a string: quote it \("true"\)/ },
  },
  {
    name: "clientID empty (null)",
    edit: (p) => (p["clientID"] = null),
    expected: { [`${P}.clientID`]: /must be a string, but it is empty/ },
  },
  {
    name: "a parameter holding a mapping",
    edit: (p) => (p["clientID"] = { id: CLIENT }),
    expected: { [`${P}.clientID`]: /must be a string, not a mapping/ },
  },
  {
    name: "useAzureTokenProxy not a Go boolean",
    edit: (p) => (p["useAzureTokenProxy"] = "yes"),
    expected: { [`${P}.useAzureTokenProxy`]: /must be "true" or "false" .*not "yes"/ },
  },
  {
    name: "usePodIdentity not a Go boolean",
    edit: (p) => (p["usePodIdentity"] = "tRUE"),
    expected: { [`${P}.usePodIdentity`]: /strconv\.ParseBool/ },
  },
  {
    name: "two identity switches on",
    edit: (p) => {
      p["usePodIdentity"] = "true";
      p["useVMManagedIdentity"] = "true";
    },
    expected: { [`${P}.useVMManagedIdentity`]: /cannot be "true" together with usePodIdentity/ },
  },
  {
    name: "all three identity switches on",
    edit: (p) => {
      p["usePodIdentity"] = "true";
      p["useVMManagedIdentity"] = "true";
      p["useAzureTokenProxy"] = "true";
    },
    expected: {
      [`${P}.useVMManagedIdentity`]: /together with usePodIdentity/,
      [`${P}.useAzureTokenProxy`]: /together with usePodIdentity/,
    },
  },
  {
    name: "useAzureTokenProxy without clientID",
    edit: (p) => {
      p["useAzureTokenProxy"] = "true";
      delete p["clientID"];
    },
    expected: { [`${P}.clientID`]: /is required when useAzureTokenProxy is "true"/ },
  },
  {
    name: "an unknown cloud",
    edit: (p) => (p["cloudName"] = "AzureMoonCloud"),
    expected: { [`${P}.cloudName`]: /unknown cloud "AzureMoonCloud"/ },
  },
  {
    name: "AzureStackCloud with neither the env file nor the suffix",
    edit: (p) => (p["cloudName"] = "azurestackcloud"),
    expected: {
      [`${P}.cloudEnvFileName`]: /is required with AzureStackCloud/,
      [`${P}.cloudName`]: /kvsync cannot read; pass the suffix/,
    },
  },
  {
    name: "an unknown parameter",
    edit: (p) => (p["vaultUri"] = "https://x"),
    expected: { [`${P}.vaultUri`]: /unknown parameter for the Azure provider/ },
  },
  {
    name: "a parameter in the wrong case",
    edit: (p) => (p["keyVaultName"] = "other"),
    expected: { [`${P}.keyVaultName`]: /did you mean keyvaultName\?/ },
  },
  {
    name: "objects missing",
    edit: (p) => delete p["objects"],
    expected: { [`${P}.objects`]: /is required/ },
  },
  {
    name: "objects empty",
    edit: (p) => (p["objects"] = "  "),
    expected: { [`${P}.objects`]: /is required/ },
  },
  {
    name: "objects not a string",
    edit: (p) => (p["objects"] = { array: ["objectName: a"] }),
    expected: { [`${P}.objects`]: /must be a string, not a mapping/ },
  },
  {
    name: "an unfilled placeholder",
    edit: (p) => (p["clientID"] = "$(CLIENT_ID)"),
    expected: { [`${P}.clientID`]: /unfilled placeholder \$\(CLIENT_ID\)/ },
  },
];

for (const c of INVALID) {
  test(`invalid: ${c.name}`, () => {
    const text = c.text ?? classWith(params(c.edit ?? (() => undefined)));
    expectOnly(parseSecretProviderClass(text, c.options), c.expected);
  });
}
