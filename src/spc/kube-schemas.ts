import { z } from "zod";

/**
 * Zod schemas for the Kubernetes parts of a SecretProviderClass, with messages that say what to
 * write instead. Kubernetes stores only strings in `parameters`, labels and annotations, so a
 * bare `false` or `3` in YAML is refused there: the message tells the user to quote it.
 */

/** Per-parse error map: plain-language messages for the generic issues zod raises. */
export const errorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== "invalid_type") return undefined;
  const input = issue.input;
  if (input === undefined) return "is required";
  const found = describe(input);
  if (issue.expected === "string") {
    if (typeof input === "number" || typeof input === "boolean") {
      return `must be a string: quote it ("${String(input)}"); Kubernetes rejects ${typeof input}s here`;
    }
    if (input === null) return 'must be a string, but it is empty: write "" or remove it';
    return `must be a string, not ${found}`;
  }
  if (issue.expected === "object" || issue.expected === "record") {
    return `must be a mapping (key: value), not ${found}`;
  }
  if (issue.expected === "array") return `must be a list, not ${found}`;
  return `must be ${issue.expected}, not ${found}`;
};

/**
 * A value as a message may quote it: a string in quotes, cut to a readable length; anything else
 * described ("a list"). Never JSON.stringify a parsed value: YAML aliases can make it circular.
 */
export function quote(value: unknown): string {
  if (typeof value !== "string") return describe(value);
  return JSON.stringify(value.length > QUOTE_MAX ? `${value.slice(0, QUOTE_MAX)}…` : value);
}

const QUOTE_MAX = 64;

/** "a list", "a mapping", "a number"… for messages. */
export function describe(value: unknown): string {
  if (value === null) return "empty (null)";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Uint8Array) return "binary data";
  if (value instanceof Date) return "a date";
  const type = typeof value;
  return type === "object" ? "a mapping" : `a ${type}`;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const dnsSubdomain = z
  .string()
  .min(1, "is required")
  .max(253, "must be at most 253 characters")
  .regex(DNS_SUBDOMAIN, "must be a DNS subdomain: lower-case letters, digits, '-' and '.'");

export const dnsLabel = z
  .string()
  .min(1, "must not be empty")
  .max(63, "must be at most 63 characters")
  .regex(DNS_LABEL, "must be a DNS label: lower-case letters, digits and '-'");

/** `[prefix/]name`, as Kubernetes checks label and annotation keys. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.indexOf("/");
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && !(prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix))) {
    return `key ${quote(key)}: the prefix must be a DNS subdomain`;
  }
  if (!(name.length <= 63 && QUALIFIED_NAME.test(name))) {
    return `key ${quote(key)}: the name must be 1–63 letters, digits, '-', '_' or '.', starting and ending alphanumeric`;
  }
  return undefined;
}

const stringMap = z.record(z.string(), z.string()).superRefine((map, ctx) => {
  for (const key of Object.keys(map)) {
    const problem = qualifiedNameProblem(key);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem, path: [key] });
  }
});

export const annotations = stringMap;

export const labels = stringMap.superRefine((map, ctx) => {
  for (const [key, value] of Object.entries(map)) {
    if (value.length > 63 || !LABEL_VALUE.test(value)) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message:
          "label values must be at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric",
      });
    }
  }
});
