import { z } from "zod";
import { checkAzureParameters } from "./azure-parameters.js";
import {
  annotations,
  describe,
  dnsLabel,
  dnsSubdomain,
  errorMap,
  labels,
  quote,
} from "./kube-schemas.js";
import { parseObjects } from "./key-vault-objects.js";
import { Findings, joinPath, type Problem } from "./problem.js";
import { parseSecretObjects } from "./secret-objects.js";
import type { ParseSecretProviderClassOptions, ParseResult, SecretProviderClass } from "./types.js";
import { MAX_BYTES, readYamlStream } from "./yaml-text.js";

/**
 * Reads a SecretProviderClass manifest (Azure provider) into a checked, frozen value, or every
 * problem found, each with its path. Never throws, whatever the input.
 */

const GROUP = "secrets-store.csi.x-k8s.io";
const KIND = "SecretProviderClass";

/** ObjectMeta fields that `kubectl get -o yaml` adds; they mean nothing to kvsync. */
const SERVER_META = [
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "managedFields",
  "ownerReferences",
  "finalizers",
  "generateName",
  "selfLink",
] as const;

const metadataSchema = z.strictObject({
  name: dnsSubdomain,
  namespace: dnsLabel.optional(),
  labels: labels.optional(),
  annotations: annotations.optional(),
  ...Object.fromEntries(SERVER_META.map((key) => [key, z.unknown().optional()])),
});

const envelopeSchema = z.strictObject({
  apiVersion: z.enum([`${GROUP}/v1`, `${GROUP}/v1alpha1`], {
    error: (iss) =>
      iss.input === undefined
        ? `is required: ${GROUP}/v1`
        : `must be ${GROUP}/v1 (or the deprecated v1alpha1), not ${quote(iss.input)}`,
  }),
  kind: z.literal(KIND, {
    error: (iss) =>
      iss.input === undefined ? `is required: ${KIND}` : `must be ${KIND}, not ${quote(iss.input)}`,
  }),
  metadata: metadataSchema,
  spec: z.record(z.string(), z.unknown()),
  status: z.unknown().optional(),
});

const specSchema = z.strictObject({
  provider: z.unknown(),
  parameters: z.record(z.string(), z.unknown()),
  secretObjects: z.unknown().optional(),
});

export function parseSecretProviderClass(
  text: string,
  options: ParseSecretProviderClassOptions = {},
): ParseResult {
  const findings = new Findings();
  const document = selectDocument(text, findings);
  const spc = document === undefined ? undefined : checkDocument(document, findings, options);
  if (!findings.ok || spc === undefined) return { ok: false, problems: findings.problems };
  const warnings = findings.warnings.map((w) => formatWarning(w, options.source));
  return {
    ok: true,
    spc: deepFreeze(warnings.length === 0 ? spc : { ...spc, warnings: [...warnings] }),
    warnings,
  };
}

function formatWarning(warning: Problem, source: string | undefined): string {
  const where = warning.path === "" ? "" : `${warning.path}: `;
  return `${source === undefined ? "" : `${source}: `}${where}${warning.message}`;
}

/** The one SecretProviderClass in the stream. */
function selectDocument(text: string, findings: Findings): unknown {
  if (Buffer.byteLength(text, "utf8") > MAX_BYTES) {
    findings.problem("", `is larger than ${MAX_BYTES} bytes, more than Kubernetes stores`);
    return undefined;
  }
  if (text.includes("\0")) {
    findings.problem("", "is not a text file (it contains NUL characters)");
    return undefined;
  }
  const read = readYamlStream(text, "kubernetes");
  if (!read.ok) {
    for (const message of read.messages) findings.problem("", `YAML syntax error: ${message}`);
    return undefined;
  }
  const values = read.documents.map((d) => d.value);
  if (values.length <= 1) {
    if (values[0] === undefined) findings.problem("", `is empty: expected a ${KIND}`);
    return values[0];
  }
  const matches = values.flatMap((v, i) => (isRecord(v) && v["kind"] === KIND ? [i] : []));
  if (matches.length === 1) {
    findings.warn("", `ignored ${values.length - 1} other document(s) in the file`);
    return values[matches[0] ?? 0];
  }
  findings.problem(
    "",
    matches.length === 0
      ? `none of its ${values.length} documents is a ${KIND}`
      : `holds ${matches.length} ${KIND} documents (numbers ${matches.map((i) => i + 1).join(", ")}); give kvsync one per file`,
  );
  return undefined;
}

function checkDocument(
  value: unknown,
  findings: Findings,
  options: ParseSecretProviderClassOptions,
): SecretProviderClass | undefined {
  if (!isRecord(value)) {
    findings.problem("", `must be a ${KIND} mapping, not ${describe(value)}`);
    return undefined;
  }
  const envelope = envelopeSchema.safeParse(value, { error: errorMap });
  if (!envelope.success) findings.issues("", envelope.error.issues);
  if (value["apiVersion"] === `${GROUP}/v1alpha1`) {
    findings.warn("apiVersion", `v1alpha1 is deprecated; use ${GROUP}/v1`);
  }
  const spec = value["spec"];
  if (!isRecord(spec)) return undefined; // reported by the envelope
  const specResult = specSchema.safeParse(spec, { error: errorMap });
  if (!specResult.success) {
    findings.issues(
      "spec",
      specResult.error.issues.filter((i) => i.path[0] !== "parameters"),
    );
  }
  const isAzure = checkProvider(spec["provider"], findings);
  const parameters = isRecord(spec["parameters"])
    ? readParameters(spec["parameters"], findings)
    : undefined;
  if (spec["parameters"] !== undefined && parameters === undefined) {
    findings.problem(
      "spec.parameters",
      `must be a mapping of strings, not ${describe(spec["parameters"])}`,
    );
  } else if (parameters === undefined) {
    findings.problem("spec.parameters", "is required: keyvaultName, tenantID, objects, …");
  }
  // Another provider's parameters would only produce noise under the Azure rules.
  const azure =
    parameters !== undefined && isAzure
      ? checkAzureParameters(parameters.values, findings, options, parameters.rejected)
      : {};
  const objects = azure.objects === undefined ? undefined : parseObjects(azure.objects, findings);
  const secretObjects = parseSecretObjects(spec["secretObjects"], objects, findings);

  const settings = azure.settings;
  if (!envelope.success || settings === undefined || objects === undefined) return undefined;
  const { name, namespace } = envelope.data.metadata;
  return {
    name,
    namespace: namespace ?? "default",
    keyvaultName: settings.keyvaultName,
    vaultUrl: settings.vaultUrl,
    ...(settings.tenantId === undefined ? {} : { tenantId: settings.tenantId }),
    cloudName: settings.cloudName,
    identity: settings.identity,
    objects,
    secretObjects,
  };
}

/** True when the class is for the Azure provider (also when misspelt, to still check it). */
function checkProvider(provider: unknown, findings: Findings): boolean {
  if (provider === "azure") return true;
  if (provider === undefined || provider === null || provider === "") {
    findings.problem("spec.provider", 'is required: "azure"');
    return true;
  }
  if (typeof provider === "string" && provider.trim().toLowerCase() === "azure") {
    findings.problem("spec.provider", `must be exactly "azure", not ${quote(provider)}`);
    return true;
  }
  const got = typeof provider === "string" ? quote(provider) : describe(provider);
  findings.problem(
    "spec.provider",
    `must be "azure": kvsync reads only the Azure provider's classes, not ${got}`,
  );
  return false;
}

/** String values only: Kubernetes rejects anything else in parameters. */
function readParameters(
  raw: Readonly<Record<string, unknown>>,
  findings: Findings,
): { values: Record<string, string>; rejected: Set<string> } {
  const values: Record<string, string> = {};
  const rejected = new Set<string>();
  for (const [key, value] of Object.entries(raw)) {
    const result = z.string().safeParse(value, { error: errorMap });
    if (result.success) values[key] = result.data;
    else {
      findings.issues(joinPath("spec.parameters", key), result.error.issues);
      rejected.add(key);
    }
  }
  return { values, rejected };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
  );
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
