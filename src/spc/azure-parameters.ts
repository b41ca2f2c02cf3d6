import { z } from "zod";
import { CLOUD_NAMES, keyVaultDnsSuffix, resolveCloudName, vaultUrl } from "./azure-cloud.js";
import { deriveIdentity } from "./azure-identity.js";
import { errorMap, quote } from "./kube-schemas.js";
import { joinPath, type Findings } from "./problem.js";
import type { AzureCloudName, ParseSecretProviderClassOptions, SpcIdentity } from "./types.js";

/**
 * `spec.parameters` for the Azure provider, one schema per key (like the CLI option tables), so
 * every bad key is reported together; the rules that tie keys together follow. Values are
 * trimmed as the provider trims them, and an empty value counts as unset.
 */

const BASE = "spec.parameters";

/** Go's strconv.ParseBool, which the provider applies to its switches. */
const GO_BOOL: ReadonlyMap<string, boolean> = new Map([
  ...["1", "t", "T", "TRUE", "true", "True"].map((s) => [s, true] as const),
  ...["0", "f", "F", "FALSE", "false", "False"].map((s) => [s, false] as const),
]);

const goBool = z.string().transform((raw, ctx) => {
  const value = GO_BOOL.get(raw);
  if (value !== undefined) return value;
  ctx.addIssue({
    code: "custom",
    message: `must be "true" or "false" (Go strconv.ParseBool also takes 1, t, T, TRUE, True, 0, f, F, FALSE, False), not ${quote(raw)}`,
  });
  return z.NEVER;
});

const keyvaultName = z
  .string()
  .refine((s) => s.length >= 3 && s.length <= 24, "must be 3–24 characters")
  .refine((s) => /^[-A-Za-z0-9]*$/.test(s), "may contain only letters, digits and '-'");

/** What @azure/identity accepts as a tenant: a GUID or a domain. */
const tenant = z.string().regex(/^[0-9A-Za-z.-]+$/, "must be a tenant GUID or domain name");

const cloudName = z.string().transform((raw, ctx) => {
  const cloud = resolveCloudName(raw);
  if (cloud !== undefined) return cloud;
  ctx.addIssue({
    code: "custom",
    message: `unknown cloud ${quote(raw)}; one of ${CLOUD_NAMES.join(", ")} (any case)`,
  });
  return z.NEVER;
});

const PARAMETERS = {
  keyvaultName,
  tenantID: tenant,
  tenantId: tenant,
  clientID: z.string(),
  objects: z.string(),
  usePodIdentity: goBool,
  useVMManagedIdentity: goBool,
  useAzureTokenProxy: goBool,
  userAssignedIdentityID: z.string(),
  cloudName,
  cloudEnvFileName: z.string(),
  resourceGroup: z.string(),
  subscriptionId: z.string(),
} satisfies Record<string, z.ZodType<unknown, string>>;

type Known = { -readonly [K in keyof typeof PARAMETERS]?: z.output<(typeof PARAMETERS)[K]> };

/** Added by the kubelet or the driver to the mount request; never the user's concern. */
const DRIVER_KEY = /^(csi\.storage\.k8s\.io|secrets-store\.csi\.k8s\.io)\//;
const IGNORED = new Set(["resourceGroup", "subscriptionId"]);
const PLACEHOLDER = /\$\{[^}]*\}|\$\([^)]*\)/;

export interface AzureSettings {
  readonly keyvaultName: string;
  readonly vaultUrl: string;
  readonly tenantId?: string;
  readonly cloudName: AzureCloudName;
  readonly identity: SpcIdentity;
}

export interface AzureParameters {
  /** Undefined when any of the settings has a problem. */
  readonly settings?: AzureSettings;
  /** The `objects` parameter, trimmed, for parseObjects; checked even when settings failed. */
  readonly objects?: string;
}

export function checkAzureParameters(
  parameters: Readonly<Record<string, string>>,
  findings: Findings,
  options: ParseSecretProviderClassOptions,
  /** Keys whose value was not a string: already reported, so not "missing" either. */
  rejected: ReadonlySet<string> = new Set(),
): AzureParameters {
  const known = readKnown(parameters, findings);
  const given = (key: string): boolean => rejected.has(key) || hasValue(parameters, key);
  const at = (key: string): string => joinPath(BASE, key);

  if (known.keyvaultName === undefined && !given("keyvaultName")) {
    findings.problem(at("keyvaultName"), "is required: the name of the Key Vault");
  }
  if (known.objects === undefined && !given("objects")) {
    findings.problem(at("objects"), "is required: the list of Key Vault objects to fetch");
  }
  const tenantId = pickTenant(given, known, findings, options);
  const cloud = checkCloud(given, known, findings, options);
  const identity = checkIdentity(known, tenantId, findings);

  const objects = known.objects === undefined ? {} : { objects: known.objects };
  if (known.keyvaultName === undefined || cloud === undefined || identity === undefined) {
    return objects;
  }
  const settings: AzureSettings = {
    keyvaultName: known.keyvaultName,
    vaultUrl: vaultUrl(known.keyvaultName, cloud.dnsSuffix),
    ...(tenantId === undefined ? {} : { tenantId }),
    cloudName: cloud.name,
    identity,
  };
  return { ...objects, settings };
}

/** Each value through its key's schema; unknown keys are problems, with a hint for a typo. */
function readKnown(parameters: Readonly<Record<string, string>>, findings: Findings): Known {
  const known: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(parameters)) {
    const path = joinPath(BASE, key);
    if (DRIVER_KEY.test(key)) continue;
    if (!Object.hasOwn(PARAMETERS, key)) {
      findings.problem(path, unknownParameter(key));
      continue;
    }
    if (IGNORED.has(key)) {
      findings.warn(path, "ignored by the Azure provider (and by kvsync)");
      continue;
    }
    const value = raw.trim();
    if (value === "") continue;
    const placeholder = key === "objects" ? null : PLACEHOLDER.exec(value);
    if (placeholder !== null) {
      findings.problem(path, `contains the unfilled placeholder ${placeholder[0]}; substitute it`);
      continue;
    }
    const schema: z.ZodType<unknown, string> = PARAMETERS[key as keyof typeof PARAMETERS];
    const result = schema.safeParse(value, { error: errorMap });
    if (result.success) known[key] = result.data;
    else findings.issues(path, result.error.issues);
  }
  return known;
}

function unknownParameter(key: string): string {
  const lower = key.toLowerCase();
  const near = Object.keys(PARAMETERS).find((k) => k.toLowerCase() === lower);
  return near === undefined
    ? "unknown parameter for the Azure provider"
    : `unknown parameter; did you mean ${near}? (names are case-sensitive)`;
}

function hasValue(parameters: Readonly<Record<string, string>>, key: string): boolean {
  return (parameters[key]?.trim() ?? "") !== "";
}

/** tenantID wins over the deprecated tenantId, as in the provider. */
function pickTenant(
  given: (key: string) => boolean,
  known: Known,
  findings: Findings,
  options: ParseSecretProviderClassOptions,
): string | undefined {
  const at = (key: string): string => joinPath(BASE, key);
  if (known.tenantID !== undefined && known.tenantId !== undefined) {
    findings.warn(at("tenantId"), "ignored: tenantID is set and wins (tenantId is deprecated)");
  } else if (known.tenantId !== undefined) {
    findings.warn(at("tenantId"), "deprecated spelling; the Azure provider prefers tenantID");
  }
  const tenantId = known.tenantID ?? known.tenantId;
  if (tenantId === undefined && !given("tenantID") && !given("tenantId")) {
    const message = "is required by the Azure provider: the Entra tenant ID of the Key Vault";
    if (options.requireTenant === true) findings.problem(at("tenantID"), message);
    else findings.warn(at("tenantID"), `not set; fine for a local vault, but ${message}`);
  }
  return tenantId;
}

function checkCloud(
  given: (key: string) => boolean,
  known: Known,
  findings: Findings,
  options: ParseSecretProviderClassOptions,
): { name: AzureCloudName; dnsSuffix: string } | undefined {
  if (known.cloudName === undefined && given("cloudName")) return undefined;
  const name = known.cloudName ?? "AzurePublicCloud";
  const envFile = known.cloudEnvFileName;
  if (name !== "AzureStackCloud") {
    if (envFile !== undefined) {
      findings.warn(
        joinPath(BASE, "cloudEnvFileName"),
        "ignored unless cloudName is AzureStackCloud",
      );
    }
    return { name, dnsSuffix: keyVaultDnsSuffix(name) ?? "" };
  }
  let ok = true;
  if (envFile === undefined) {
    findings.problem(
      joinPath(BASE, "cloudEnvFileName"),
      "is required with AzureStackCloud: the path of the cloud environment JSON on the node",
    );
    ok = false;
  }
  const dnsSuffix = keyVaultDnsSuffix(name, options.azureStackKeyVaultDnsSuffix);
  if (dnsSuffix === undefined) {
    findings.problem(
      joinPath(BASE, "cloudName"),
      "AzureStackCloud takes its Key Vault DNS suffix from cloudEnvFileName on the node, which kvsync cannot read; pass the suffix to kvsync (azureStackKeyVaultDnsSuffix)",
    );
    return undefined;
  }
  return ok ? { name, dnsSuffix } : undefined;
}

const SWITCHES = ["usePodIdentity", "useVMManagedIdentity", "useAzureTokenProxy"] as const;

function checkIdentity(
  known: Known,
  tenantId: string | undefined,
  findings: Findings,
): SpcIdentity | undefined {
  const at = (key: string): string => joinPath(BASE, key);
  const on = SWITCHES.filter((key) => known[key] === true);
  for (const key of on.slice(1)) {
    findings.problem(at(key), `cannot be "true" together with ${on[0] ?? ""}: choose one identity`);
  }
  if (known.useAzureTokenProxy === true && known.clientID === undefined) {
    findings.problem(at("clientID"), 'is required when useAzureTokenProxy is "true"');
  }
  if (known.userAssignedIdentityID !== undefined && known.useVMManagedIdentity !== true) {
    findings.warn(at("userAssignedIdentityID"), 'ignored unless useVMManagedIdentity is "true"');
  }
  if (
    known.clientID !== undefined &&
    (known.usePodIdentity === true || known.useVMManagedIdentity === true)
  ) {
    findings.warn(at("clientID"), `ignored with ${on[0] ?? ""}; clientID is for workload identity`);
  }
  if (on.length > 1 || (known.useAzureTokenProxy === true && known.clientID === undefined)) {
    return undefined;
  }
  const identity = deriveIdentity({
    usePodIdentity: known.usePodIdentity === true,
    useVMManagedIdentity: known.useVMManagedIdentity === true,
    useAzureTokenProxy: known.useAzureTokenProxy === true,
    clientId: known.clientID,
    userAssignedIdentityId: known.userAssignedIdentityID,
    tenantId,
  });
  if (identity.kind === "pod-identity") {
    findings.warn(
      at("usePodIdentity"),
      "AAD Pod Identity is deprecated; use workload identity (clientID)",
    );
  } else if (identity.kind === "service-principal") {
    findings.warn(
      at("clientID"),
      `not set, so the provider would use a service principal: ${identity.reason}`,
    );
  }
  return identity;
}
