import type { KeyObject } from "node:crypto";
import type { FastifyRequest } from "fastify";
import {
  buildPfx,
  factsOf,
  parsePemBundle,
  parsePfxBundle,
  pemBundle,
  PEM_FILE,
  PKCS12,
  selfSign,
  thumbprint,
} from "../certificate-material.js";
import {
  badParameter,
  certificateDisabled,
  certificateNameTaken,
  certificateNotFound,
  deletedButRecoverable,
  deletedCertificateNotFound,
  pendingCertificateNotFound,
  purgeProtected,
} from "../key-vault-error.js";
import { generateKey, keyTypeOf, publicJwkOf, type KeySpec } from "../key-material.js";
import type { CertificateStore, KeyStore, SecretStore, StoredPolicy } from "../store/index.js";
import {
  certificateBundle,
  certificateItem,
  completedOperation,
  createCertificateBody,
  defaultPolicy,
  deletedCertificateBundle,
  deletedCertificateItem,
  importCertificateBody,
  mergePolicy,
  policyJson,
  updateCertificateBody,
  updatePolicyBody,
} from "./certificate-wire.js";
import { DEFAULT_KEY_OPS } from "./key-wire.js";
import type { RecoveryPolicy } from "./object-wire.js";
import { cursor, nextLink, pageSize } from "./paging.js";
import type { RouteRegistrar } from "./route-table.js";
import { apiVersionOf, checkedName, originOf, parseBody, versionParam } from "./secret-routes.js";

/**
 * Key Vault's certificates API, as `@azure/keyvault-certificates` calls it: create (self-signed,
 * completed at once; the SDK's poller reads the operation at `/pending`), import of a PEM bundle,
 * get, update, list, the policy, and soft delete with recover and purge. Every version writes its
 * managed key and secret of the same name and version, which go along on delete, recover, purge.
 */

export interface CertificateRoutesOptions {
  certificates: CertificateStore;
  keys: KeyStore;
  store: SecretStore;
  recovery: RecoveryPolicy;
}

type Query = Record<string, string | undefined>;

export function registerCertificateRoutes(
  route: RouteRegistrar,
  options: CertificateRoutesOptions,
): void {
  const { certificates, keys, store: secrets, recovery } = options;

  /** Refuses a name held, or held deleted, by a secret or key that is not a certificate's. */
  const checkNameFree = (name: string): void => {
    const state = certificates.state(name);
    if (state === "deleted") throw deletedButRecoverable(name, "Certificate");
    if (state === "active") return;
    if (keys.state(name) === "deleted") throw deletedButRecoverable(name, "Key");
    if (secrets.state(name) === "deleted") throw deletedButRecoverable(name, "Secret");
    if (keys.state(name) === "active") throw certificateNameTaken(name, "key");
    if (secrets.state(name) === "active") throw certificateNameTaken(name, "secret");
  };

  const secretValueOf = (policy: StoredPolicy, privateKey: KeyObject, chain: Buffer[]) => {
    const key = policy.key_props.exportable ? privateKey : undefined;
    if (policy.secret_props.contentType === PEM_FILE) return pemBundle(key, chain);
    try {
      return buildPfx(key, chain).toString("base64");
    } catch (error) {
      throw badParameter(
        `The certificate cannot be kept as a PFX (${error instanceof Error ? error.message.slice(0, 200) : "unknown error"}); use ${PEM_FILE}.`,
      );
    }
  };

  const addVersion = (
    request: FastifyRequest,
    name: string,
    input: {
      policy: StoredPolicy;
      privateKey: KeyObject;
      chain: Buffer[];
      tags: Record<string, string> | undefined;
      enabled: boolean | undefined;
    },
  ) => {
    const leaf = input.chain[0];
    if (!leaf) throw badParameter("The certificate is missing.");
    const facts = factsOf(leaf);
    const origin = originOf(request);
    const created = certificates.addVersion(name, {
      cer: leaf,
      x5t: thumbprint(leaf),
      nbf: facts.nbf,
      exp: facts.exp,
      privateKey: input.privateKey,
      keyOps: DEFAULT_KEY_OPS[keyTypeOf(input.privateKey)],
      secretValue: secretValueOf(input.policy, input.privateKey, input.chain),
      policy: input.policy,
      tags: input.tags,
      attributes: { enabled: input.enabled },
      kidOf: (version) => `${origin}/keys/${name}/${version}`,
    });
    // Deleted while the key was being generated.
    if (!created) throw deletedButRecoverable(name, "Certificate");
    return created;
  };

  route("POST", "/certificates/:name/create", "CreateCertificate", async (request, reply) => {
    const name = checkedName(request);
    const body = parseBody(createCertificateBody, request.body);
    checkNameFree(name);
    const current = certificates.getPolicy(name);
    if (!current && !body.policy) {
      throw badParameter("A policy is required to create a new certificate.");
    }
    const policy = mergePolicy(current?.policy ?? defaultPolicy("Self"), body.policy);
    if (policy.issuer.name.toLowerCase() !== "self") {
      throw badParameter(
        `The local vault issues self-signed certificates only: issuer '${policy.issuer.name.slice(0, 64)}' is not supported; use Self.`,
      );
    }
    const sans = policy.x509_props.sans ?? {};
    if (policy.x509_props.subject === "" && Object.keys(sans).length === 0) {
      throw badParameter(
        "Invalid policy: x509_props needs a subject or subject alternative names.",
      );
    }
    const latest = certificates.getCertificate(name);
    const reused =
      policy.key_props.reuse_key && latest ? keys.privateKey(name, latest.version) : undefined;
    const spec: KeySpec =
      policy.key_props.kty === "EC"
        ? { kty: "EC", curve: (policy.key_props.crv ?? "P-256") as "P-256" }
        : { kty: "RSA", size: policy.key_props.key_size ?? 2048 };
    const privateKey = reused ?? (await generateKey(spec));
    let cer: Buffer;
    try {
      cer = await selfSign({
        privateKey,
        subject: policy.x509_props.subject,
        dnsNames: sans["dns_names"],
        emails: sans["emails"],
        upns: sans["upns"],
        ekus: policy.x509_props.ekus,
        keyUsage: policy.x509_props.key_usage,
        validityMonths: policy.x509_props.validity_months,
        now: new Date(Math.floor(Date.now() / 1000) * 1000),
      });
    } catch (error) {
      throw badParameter(
        `Invalid policy: the certificate cannot be built (${error instanceof Error ? error.message.slice(0, 200) : "unknown error"}).`,
      );
    }
    addVersion(request, name, {
      policy,
      privateKey,
      chain: [cer],
      tags: body.tags,
      enabled: body.attributes?.enabled,
    });
    const operation = completedOperation(originOf(request), name, request.id);
    certificates.setOperation(name, operation);
    return reply.code(202).send(operation);
  });

  route("GET", "/certificates/:name/pending", "GetCertificateOperation", (request) => {
    const name = checkedName(request);
    const operation = certificates.getOperation(name);
    if (operation === undefined) throw pendingCertificateNotFound(name);
    return operation;
  });

  route("POST", "/certificates/:name/import", "ImportCertificate", (request) => {
    const name = checkedName(request);
    const body = parseBody(importCertificateBody, request.body);
    const looksPem = body.value.includes("-----BEGIN");
    const contentType = body.policy?.secret_props?.contentType ?? (looksPem ? PEM_FILE : PKCS12);
    let parsed: ReturnType<typeof parsePemBundle>;
    if (contentType === PEM_FILE) {
      if (!looksPem) throw badParameter("The certificate value is not PEM text.");
      parsed = parsePemBundle(body.value);
    } else if (contentType === PKCS12) {
      if (body.pwd !== undefined && body.pwd !== "") {
        throw badParameter(
          "Password-protected PFX files are not supported by the local vault: export it with an empty password.",
        );
      }
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body.value.replace(/\s+/g, ""))) {
        throw badParameter("The certificate value is not a base64-encoded PFX.");
      }
      parsed = parsePfxBundle(Buffer.from(body.value, "base64"));
    } else {
      throw badParameter(
        `Invalid policy: secret_props.contentType '${contentType.slice(0, 64)}'; use ${PKCS12} or ${PEM_FILE}.`,
      );
    }
    if ("refused" in parsed)
      throw badParameter(`Invalid certificate to import: ${parsed.refused}.`);
    const { privateKey, chain } = parsed;
    let keyProps: Pick<StoredPolicy["key_props"], "kty" | "key_size" | "crv">;
    try {
      const jwk = publicJwkOf(privateKey);
      const size = privateKey.asymmetricKeyDetails?.modulusLength;
      keyProps =
        "crv" in jwk ? { kty: "EC", crv: jwk.crv } : { kty: "RSA", key_size: size ?? 2048 };
      if (privateKey.asymmetricKeyType !== "rsa" && privateKey.asymmetricKeyType !== "ec") {
        throw new Error("unsupported");
      }
    } catch {
      throw badParameter("Invalid certificate to import: its key must be RSA or EC.");
    }
    checkNameFree(name);
    const leaf = chain[0] as Buffer;
    const facts = factsOf(leaf);
    const current = certificates.getPolicy(name);
    const base: StoredPolicy = current?.policy ?? {
      ...defaultPolicy("Unknown"),
      x509_props: {
        subject: facts.subject,
        ...(facts.dnsNames.length > 0 ? { sans: { dns_names: facts.dnsNames } } : {}),
        ekus: facts.ekus,
        key_usage: facts.keyUsage,
        validity_months: facts.validityMonths,
      },
    };
    const merged = mergePolicy(base, body.policy);
    const policy: StoredPolicy = {
      ...merged,
      key_props: {
        exportable: merged.key_props.exportable,
        reuse_key: merged.key_props.reuse_key,
        ...keyProps,
      },
      secret_props: { contentType },
    };
    const created = addVersion(request, name, {
      policy,
      privateKey,
      chain,
      tags: body.tags,
      enabled: body.attributes?.enabled,
    });
    return certificateBundle(originOf(request), created, recovery, certificates.getPolicy(name));
  });

  route("GET", "/certificates/:name/versions", "GetCertificateVersions", (request) => {
    const name = checkedName(request);
    const query = request.query as Query;
    const size = pageSize(query);
    const page = certificates.listCertificateVersions(name, cursor(query, /^\d{1,15}$/), size);
    const origin = originOf(request);
    return {
      value: page.items.map((v) => certificateItem(origin, v, recovery, true)),
      nextLink: nextLink(
        `${origin}/certificates/${name}/versions`,
        apiVersionOf(request),
        page.next,
        size,
      ),
    };
  });

  route("GET", "/certificates/:name/policy", "GetCertificatePolicy", (request) => {
    const name = checkedName(request);
    const policy = certificates.getPolicy(name);
    if (!policy) throw certificateNotFound(name);
    return policyJson(originOf(request), policy);
  });

  route("PATCH", "/certificates/:name/policy", "UpdateCertificatePolicy", (request) => {
    const name = checkedName(request);
    const body = parseBody(updatePolicyBody, request.body);
    const current = certificates.getPolicy(name);
    if (!current) throw certificateNotFound(name);
    const updated = certificates.setPolicy(name, mergePolicy(current.policy, body));
    if (!updated) throw certificateNotFound(name);
    return policyJson(originOf(request), updated);
  });

  const getCertificate = (request: FastifyRequest) => {
    const name = checkedName(request);
    const version = versionParam(request);
    const found = certificates.getCertificate(name, version);
    if (!found) throw certificateNotFound(version ? `${name}/${version}` : name);
    if (!found.enabled) throw certificateDisabled();
    // The policy comes with the latest version only, as in Key Vault.
    const policy = version === undefined ? certificates.getPolicy(name) : undefined;
    return certificateBundle(originOf(request), found, recovery, policy);
  };
  route("GET", "/certificates/:name", "GetCertificate", getCertificate);
  route("GET", "/certificates/:name/:version", "GetCertificate", getCertificate);

  const updateCertificate = (request: FastifyRequest) => {
    const name = checkedName(request);
    const body = parseBody(updateCertificateBody, request.body);
    const version = versionParam(request);
    if (body.policy) {
      const current = certificates.getPolicy(name);
      if (current) certificates.setPolicy(name, mergePolicy(current.policy, body.policy));
    }
    const updated = certificates.updateCertificate(name, version, {
      tags: body.tags,
      enabled: body.attributes?.enabled,
    });
    if (!updated) throw certificateNotFound(version ? `${name}/${version}` : name);
    return certificateBundle(originOf(request), updated, recovery, certificates.getPolicy(name));
  };
  route("PATCH", "/certificates/:name", "UpdateCertificate", updateCertificate);
  route("PATCH", "/certificates/:name/:version", "UpdateCertificate", updateCertificate);

  route("GET", "/certificates", "GetCertificates", (request) => {
    const query = request.query as Query;
    const size = pageSize(query);
    const page = certificates.listCertificates(cursor(query), size);
    const origin = originOf(request);
    return {
      value: page.items.map((v) => certificateItem(origin, v, recovery, false)),
      nextLink: nextLink(`${origin}/certificates`, apiVersionOf(request), page.next, size),
    };
  });

  route("DELETE", "/certificates/:name", "DeleteCertificate", (request) => {
    const name = checkedName(request);
    const deleted = certificates.deleteCertificate(name);
    if (!deleted) throw certificateNotFound(name);
    return deletedCertificateBundle(originOf(request), deleted, recovery);
  });

  route("GET", "/deletedcertificates", "GetDeletedCertificates", (request) => {
    const query = request.query as Query;
    const size = pageSize(query);
    const page = certificates.listDeletedCertificates(cursor(query), size);
    const origin = originOf(request);
    return {
      value: page.items.map((d) => deletedCertificateItem(origin, d, recovery)),
      nextLink: nextLink(`${origin}/deletedcertificates`, apiVersionOf(request), page.next, size),
    };
  });

  route("GET", "/deletedcertificates/:name", "GetDeletedCertificate", (request) => {
    const name = checkedName(request);
    const deleted = certificates.getDeletedCertificate(name);
    if (!deleted) throw deletedCertificateNotFound(name);
    return deletedCertificateBundle(originOf(request), deleted, recovery);
  });

  route("DELETE", "/deletedcertificates/:name", "PurgeDeletedCertificate", (request, reply) => {
    const name = checkedName(request);
    if (recovery.purgeProtection) throw purgeProtected();
    if (!certificates.purgeDeletedCertificate(name)) throw deletedCertificateNotFound(name);
    return reply.code(204).send();
  });

  route("POST", "/deletedcertificates/:name/recover", "RecoverDeletedCertificate", (request) => {
    const name = checkedName(request);
    const recovered = certificates.recoverDeletedCertificate(name);
    if (!recovered) throw deletedCertificateNotFound(name);
    return certificateBundle(originOf(request), recovered, recovery, certificates.getPolicy(name));
  });
}
