import { z } from "zod";
import { badParameter, hardwareKeyNotAllowed } from "../key-vault-error.js";
import { CURVE_NAMES, RSA_KEY_SIZES } from "../key-material.js";
import { KEY_USAGES, PEM_FILE, PKCS12 } from "../certificate-material.js";
import type {
  CertificatePolicyRecord,
  CertificateVersion,
  DeletedCertificate,
  StoredPolicy,
} from "../store/index.js";
import {
  deletedFields,
  epochSeconds,
  tagsSchema,
  versionAttributes,
  type RecoveryPolicy,
} from "./object-wire.js";

/**
 * Key Vault's JSON for certificates (CertificateBundle, CertificateItem, the Deleted… variants,
 * CertificatePolicy and CertificateOperation) and the bodies of create, import, update and policy
 * update, with the REST spec's names (`key_props`, `x509_props`, `validity_months`…).
 */

const certificateUrl = (origin: string, name: string, version?: string): string =>
  `${origin}/certificates/${name}${version === undefined ? "" : `/${version}`}`;

export function policyJson(origin: string, record: CertificatePolicyRecord) {
  const { enabled, ...policy } = record.policy;
  return {
    id: `${certificateUrl(origin, record.name)}/policy`,
    ...policy,
    attributes: { enabled, created: record.created, updated: record.updated },
  };
}

export function certificateBundle(
  origin: string,
  v: CertificateVersion,
  recovery: RecoveryPolicy,
  policy: CertificatePolicyRecord | undefined,
) {
  return {
    id: certificateUrl(origin, v.name, v.version),
    kid: `${origin}/keys/${v.name}/${v.version}`,
    sid: `${origin}/secrets/${v.name}/${v.version}`,
    x5t: v.x5t,
    cer: v.cer.toString("base64"),
    ...(policy ? { contentType: policy.policy.secret_props.contentType } : {}),
    attributes: versionAttributes(v, recovery),
    tags: v.tags,
    ...(policy ? { policy: policyJson(origin, policy) } : {}),
  };
}

export function certificateItem(
  origin: string,
  v: CertificateVersion,
  recovery: RecoveryPolicy,
  withVersion: boolean,
) {
  return {
    id: certificateUrl(origin, v.name, withVersion ? v.version : undefined),
    attributes: versionAttributes(v, recovery),
    tags: v.tags,
    x5t: v.x5t,
  };
}

export function deletedCertificateBundle(
  origin: string,
  d: DeletedCertificate,
  recovery: RecoveryPolicy,
) {
  return {
    ...certificateBundle(origin, d.latest, recovery, d.policy),
    ...deletedFields(origin, "deletedcertificates", d),
  };
}

export function deletedCertificateItem(
  origin: string,
  d: DeletedCertificate,
  recovery: RecoveryPolicy,
) {
  return {
    ...certificateItem(origin, d.latest, recovery, false),
    ...deletedFields(origin, "deletedcertificates", d),
  };
}

/** The operation of a create: the local vault self-signs at once, so it is always completed. */
export function completedOperation(origin: string, name: string, requestId: string) {
  return {
    id: `${certificateUrl(origin, name)}/pending`,
    issuer: { name: "Self" },
    cancellation_requested: false,
    status: "completed",
    status_details: "",
    target: certificateUrl(origin, name),
    request_id: requestId,
  };
}

// ---- request bodies -------------------------------------------------------------------------

const names = z.array(z.string().max(1024)).max(100);

const policySchema = z.object(
  {
    id: z.string().max(2048).optional(),
    key_props: z
      .object({
        exportable: z.boolean().optional(),
        kty: z.string().max(32).optional(),
        key_size: z.number().int().optional(),
        reuse_key: z.boolean().optional(),
        crv: z.string().max(32).optional(),
      })
      .optional(),
    secret_props: z.object({ contentType: z.string().max(255).optional() }).optional(),
    x509_props: z
      .object({
        subject: z.string().max(1024).optional(),
        ekus: z
          .array(z.string().regex(/^\d+(\.\d+)+$/, { error: "ekus are OIDs" }))
          .max(32)
          .optional(),
        sans: z
          .object({
            emails: names.optional(),
            dns_names: names.optional(),
            upns: names.optional(),
            uris: names.optional(),
            ipAddresses: names.optional(),
          })
          .optional(),
        key_usage: z
          .array(
            z.enum(KEY_USAGES as [string, ...string[]], {
              error: `key_usage values are ${KEY_USAGES.join(", ")}`,
            }),
          )
          .max(KEY_USAGES.length)
          .optional(),
        validity_months: z.number().int().min(1).max(1200).optional(),
      })
      .optional(),
    lifetime_actions: z
      .array(
        z.object({
          trigger: z
            .object({
              lifetime_percentage: z.number().int().min(1).max(99).optional(),
              days_before_expiry: z.number().int().min(1).optional(),
            })
            .optional(),
          action: z.object({ action_type: z.enum(["EmailContacts", "AutoRenew"]) }).optional(),
        }),
      )
      .max(10)
      .optional(),
    issuer: z
      .object({
        name: z.string().max(256).optional(),
        cty: z.string().max(256).optional(),
        cert_transparency: z.boolean().optional(),
      })
      .optional(),
    attributes: z
      .object({
        enabled: z.boolean().optional(),
        nbf: epochSeconds.optional(),
        exp: epochSeconds.optional(),
      })
      .optional(),
  },
  { error: "policy must be a CertificatePolicy object" },
);

export type PolicyInput = z.output<typeof policySchema>;

const certificateAttributesSchema = z.object({
  enabled: z.boolean().optional(),
  nbf: epochSeconds.optional(),
  exp: epochSeconds.optional(),
});

export const createCertificateBody = z.object({
  policy: policySchema.optional(),
  attributes: certificateAttributesSchema.optional(),
  tags: tagsSchema.optional(),
  preserveCertOrder: z.boolean().optional(),
});

export const importCertificateBody = z.object({
  value: z
    .string({ error: "value (the base64 PFX or the PEM text) is required" })
    .min(1)
    .max(200_000),
  pwd: z.string().max(1024).optional(),
  policy: policySchema.optional(),
  attributes: certificateAttributesSchema.optional(),
  tags: tagsSchema.optional(),
  preserveCertOrder: z.boolean().optional(),
});

export const updateCertificateBody = z.object({
  policy: policySchema.optional(),
  attributes: certificateAttributesSchema.optional(),
  tags: tagsSchema.optional(),
});

export const updatePolicyBody = policySchema;

// ---- policies -------------------------------------------------------------------------------

const SERVER_AND_CLIENT_AUTH = ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"];

/** Key Vault's defaults for what a policy leaves out. */
export function defaultPolicy(issuer: string): StoredPolicy {
  return {
    key_props: { exportable: true, kty: "RSA", key_size: 2048, reuse_key: false },
    secret_props: { contentType: PKCS12 },
    x509_props: {
      subject: "",
      ekus: SERVER_AND_CLIENT_AUTH,
      key_usage: ["digitalSignature", "keyEncipherment"],
      validity_months: 12,
    },
    lifetime_actions: [
      { trigger: { lifetime_percentage: 80 }, action: { action_type: "AutoRenew" } },
    ],
    issuer: { name: issuer },
    enabled: true,
  };
}

const HSM_TYPES = new Set(["RSA-HSM", "EC-HSM"]);
const CERT_CURVES = CURVE_NAMES.filter((c) => c !== "P-256K");

/** A policy with `input` laid over `base`, checked as Key Vault checks it. */
export function mergePolicy(base: StoredPolicy, input: PolicyInput | undefined): StoredPolicy {
  if (!input) return base;
  const kp = input.key_props ?? {};
  const kty = kp.kty ?? base.key_props.kty;
  if (HSM_TYPES.has(kty)) throw hardwareKeyNotAllowed();
  if (kty !== "RSA" && kty !== "EC") {
    throw badParameter(`Invalid policy: key_props.kty '${kty.slice(0, 32)}' is not RSA or EC.`);
  }
  const kindChanged = kty !== base.key_props.kty;
  const keyProps: StoredPolicy["key_props"] = {
    exportable: kp.exportable ?? base.key_props.exportable,
    kty,
    reuse_key: kp.reuse_key ?? base.key_props.reuse_key,
  };
  if (kty === "RSA") {
    const size = kp.key_size ?? (kindChanged ? undefined : base.key_props.key_size) ?? 2048;
    if (!(RSA_KEY_SIZES as readonly number[]).includes(size)) {
      throw badParameter(
        `Invalid policy: key_props.key_size ${size} for an RSA key; use ${RSA_KEY_SIZES.join(", ")}.`,
      );
    }
    keyProps.key_size = size;
  } else {
    const crv = kp.crv ?? (kindChanged ? undefined : base.key_props.crv) ?? "P-256";
    if (!(CERT_CURVES as string[]).includes(crv)) {
      throw badParameter(
        `Invalid policy: key_props.crv '${crv.slice(0, 32)}'; use ${CERT_CURVES.join(", ")}.`,
      );
    }
    keyProps.crv = crv;
  }
  const contentType = input.secret_props?.contentType ?? base.secret_props.contentType;
  if (contentType !== PKCS12 && contentType !== PEM_FILE) {
    throw badParameter(
      `Invalid policy: secret_props.contentType '${contentType.slice(0, 64)}'; use ${PKCS12} or ${PEM_FILE}.`,
    );
  }
  const x = input.x509_props ?? {};
  const sans = x.sans ? compactSans(x.sans) : base.x509_props.sans;
  const x509Props: StoredPolicy["x509_props"] = {
    subject: x.subject ?? base.x509_props.subject,
    ...(sans === undefined ? {} : { sans }),
    ekus: x.ekus ?? base.x509_props.ekus,
    key_usage:
      x.key_usage ??
      (kindChanged && kty === "EC" ? ["digitalSignature"] : base.x509_props.key_usage),
    validity_months: x.validity_months ?? base.x509_props.validity_months,
  };
  const issuerName = input.issuer?.name ?? base.issuer.name;
  return {
    key_props: keyProps,
    secret_props: { contentType },
    x509_props: x509Props,
    lifetime_actions: input.lifetime_actions
      ? input.lifetime_actions.map((a) => ({
          ...(a.trigger ? { trigger: definedFields(a.trigger) } : {}),
          ...(a.action ? { action: a.action } : {}),
        }))
      : base.lifetime_actions,
    issuer: {
      name: issuerName,
      ...(input.issuer?.cty === undefined ? {} : { cty: input.issuer.cty }),
      ...(input.issuer?.cert_transparency === undefined
        ? {}
        : { cert_transparency: input.issuer.cert_transparency }),
    },
    enabled: input.attributes?.enabled ?? base.enabled,
  };
}

function definedFields<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function compactSans(
  sans: Record<string, string[] | undefined>,
): Record<string, string[]> | undefined {
  const kept = Object.entries(sans).filter(
    (entry): entry is [string, string[]] => entry[1] !== undefined && entry[1].length > 0,
  );
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}
