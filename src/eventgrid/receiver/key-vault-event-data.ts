import type { KeyVaultEventData, KeyVaultEventType, KeyVaultObjectType } from "../wire/index.js";

/**
 * Reads a Key Vault event's `data`. The wire keys are PascalCase; camelCase (as @azure/eventgrid's
 * interfaces and one doubtful report have it) is read only when the PascalCase key is absent.
 * Unknown keys are ignored. Reasons name the field, never its value.
 */

export type DataResult = { ok: true; data: KeyVaultEventData } | { ok: false; reason: string };

const OBJECT_TYPES: readonly KeyVaultObjectType[] = ["Secret", "Key", "Certificate"];
const TEXT_FIELDS = ["Id", "VaultName", "ObjectName", "Version"] as const;

export function readKeyVaultEventData(data: unknown, type: KeyVaultEventType): DataResult {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { ok: false, reason: "data is not a JSON object" };
  }
  const fields = data as Record<string, unknown>;
  // Filled for every name below before it is read.
  const text = {} as Record<(typeof TEXT_FIELDS)[number], string>;
  for (const name of TEXT_FIELDS) {
    const value = field(fields, name);
    if (typeof value !== "string" || value === "") {
      return { ok: false, reason: `data.${name} must be a non-empty string` };
    }
    text[name] = value;
  }
  const objectType = readObjectType(field(fields, "ObjectType"), type);
  if (objectType === undefined) {
    return { ok: false, reason: "data.ObjectType must be Secret, Key or Certificate" };
  }
  const nbf = readEpoch(field(fields, "NBF"));
  const exp = readEpoch(field(fields, "EXP"));
  if (nbf === undefined) return { ok: false, reason: "data.NBF must be a number or null" };
  if (exp === undefined) return { ok: false, reason: "data.EXP must be a number or null" };
  return {
    ok: true,
    data: {
      Id: text.Id,
      VaultName: text.VaultName,
      ObjectType: objectType,
      ObjectName: text.ObjectName,
      Version: text.Version,
      NBF: nbf,
      EXP: exp,
    },
  };
}

/** The PascalCase key if present (even when null), else its camelCase form (`NBF` → `nbf`). */
function field(fields: Record<string, unknown>, pascal: string): unknown {
  if (Object.hasOwn(fields, pascal)) return fields[pascal];
  const camel = /^[A-Z]+$/.test(pascal)
    ? pascal.toLowerCase()
    : pascal.charAt(0).toLowerCase() + pascal.slice(1);
  return Object.hasOwn(fields, camel) ? fields[camel] : undefined;
}

/** Absent means "from the event type": the type names the object kind. */
function readObjectType(value: unknown, type: KeyVaultEventType): KeyVaultObjectType | undefined {
  if (value === undefined)
    return OBJECT_TYPES.find((kind) => type.startsWith(`Microsoft.KeyVault.${kind}`));
  return OBJECT_TYPES.find((kind) => kind === value);
}

/**
 * Unix seconds, or null for undated objects; absent reads as null. A numeric string (the doc
 * sample's typo) is read as its number rather than dropping the event.
 */
function readEpoch(value: unknown): number | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && /^\d{1,12}$/.test(value)) return Number(value);
  return undefined;
}
