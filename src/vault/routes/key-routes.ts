import type { FastifyRequest } from "fastify";
import {
  badParameter,
  deletedButRecoverable,
  deletedKeyNotFound,
  hardwareKeyNotAllowed,
  keyDisabled,
  keyNotFound,
  managedByKeyVault,
  purgeProtected,
} from "../key-vault-error.js";
import {
  CURVE_NAMES,
  DEFAULT_CURVE,
  DEFAULT_RSA_KEY_SIZE,
  generateKey,
  importPrivateJwk,
  isCurveName,
  RSA_KEY_SIZES,
  type KeySpec,
  type KeyType,
} from "../key-material.js";
import type { KeyStore } from "../store/index.js";
import {
  createKeyBody,
  DEFAULT_KEY_OPS,
  deletedKeyBundle,
  deletedKeyItem,
  importKeyBody,
  keyBundle,
  keyItem,
  updateKeyBody,
} from "./key-wire.js";
import type { RecoveryPolicy } from "./object-wire.js";
import { cursor, nextLink, pageSize } from "./paging.js";
import type { RouteRegistrar } from "./route-table.js";
import { apiVersionOf, checkedName, originOf, parseBody, versionParam } from "./secret-routes.js";

/**
 * Key Vault's keys API, as `@azure/keyvault-keys` calls it: create, import, get, update, list,
 * and soft delete with recover and purge. The local vault is a Standard vault: software RSA and EC
 * keys only, so HSM key types get the Forbidden a Standard vault answers, and symmetric (`oct`)
 * keys, a Managed HSM's, are a bad parameter. No cryptographic operations (sign, wrap…) yet.
 */

export interface KeyRoutesOptions {
  keys: KeyStore;
  recovery: RecoveryPolicy;
}

const HSM_TYPES = new Set(["RSA-HSM", "EC-HSM", "oct-HSM"]);

/** RSA or EC from a request's `kty` (and import's `Hsm`), or Key Vault's refusal. */
function softwareKeyType(kty: string, hsm: boolean | undefined): KeyType {
  if (HSM_TYPES.has(kty) || hsm === true) throw hardwareKeyNotAllowed();
  if (kty === "RSA" || kty === "EC") return kty;
  if (kty === "oct") {
    throw badParameter("Symmetric (oct) keys are only supported by a Managed HSM; use RSA or EC.");
  }
  throw badParameter(`Invalid kty '${kty.slice(0, 32)}': use RSA or EC.`);
}

function createSpec(kty: KeyType, keySize: number | undefined, crv: string | undefined): KeySpec {
  if (kty === "RSA") {
    const size = keySize ?? DEFAULT_RSA_KEY_SIZE;
    if (!(RSA_KEY_SIZES as readonly number[]).includes(size)) {
      throw badParameter(
        `Invalid key_size ${size} for an RSA key: use ${RSA_KEY_SIZES.join(", ")}.`,
      );
    }
    return { kty, size };
  }
  const curve = crv ?? DEFAULT_CURVE;
  if (!isCurveName(curve)) {
    throw badParameter(
      `Invalid crv '${curve.slice(0, 32)}' for an EC key: use ${CURVE_NAMES.join(", ")}.`,
    );
  }
  return { kty, curve };
}

/** Exportable keys need Secure Key Release, a Premium and Managed HSM feature. */
function refuseExportable(exportable: boolean | undefined, releasePolicy: unknown): void {
  if (exportable === true || (releasePolicy !== undefined && releasePolicy !== null)) {
    throw badParameter(
      "Exportable keys and key release policies need a Premium vault or a Managed HSM; the local vault is a Standard vault.",
    );
  }
}

export function registerKeyRoutes(route: RouteRegistrar, options: KeyRoutesOptions): void {
  const { keys, recovery } = options;

  route("POST", "/keys/:name/create", "CreateKey", async (request) => {
    const name = checkedName(request);
    const body = parseBody(createKeyBody, request.body);
    const kty = softwareKeyType(body.kty, undefined);
    const spec = createSpec(kty, body.key_size, body.crv);
    refuseExportable(body.attributes?.exportable, body.release_policy);
    if (keys.state(name) === "deleted") throw deletedButRecoverable(name, "Key");
    if (keys.getKey(name)?.managed === true) throw managedByKeyVault("create", "Key");
    const privateKey = await generateKey(spec);
    const created = keys.addVersion(name, {
      privateKey,
      keyOps: body.key_ops ?? DEFAULT_KEY_OPS[kty],
      tags: body.tags,
      attributes: body.attributes,
    });
    // Deleted while the key was being generated.
    if (!created) throw deletedButRecoverable(name, "Key");
    return keyBundle(originOf(request), created, recovery);
  });

  route("PUT", "/keys/:name", "ImportKey", (request) => {
    const name = checkedName(request);
    const body = parseBody(importKeyBody, request.body);
    const kty = softwareKeyType(body.key.kty, body.Hsm);
    refuseExportable(body.attributes?.exportable, body.release_policy);
    const privateKey = importPrivateJwk({ ...body.key, kty });
    if ("refused" in privateKey)
      throw badParameter(`Invalid key to import: ${privateKey.refused}.`);
    if (keys.state(name) === "deleted") throw deletedButRecoverable(name, "Key");
    if (keys.getKey(name)?.managed === true) throw managedByKeyVault("import", "Key");
    const created = keys.addVersion(name, {
      privateKey,
      keyOps: body.key.key_ops ?? DEFAULT_KEY_OPS[kty],
      tags: body.tags,
      attributes: body.attributes,
    });
    if (!created) throw deletedButRecoverable(name, "Key");
    return keyBundle(originOf(request), created, recovery);
  });

  route("GET", "/keys/:name/versions", "GetKeyVersions", (request) => {
    const name = checkedName(request);
    const query = request.query as Record<string, string | undefined>;
    const size = pageSize(query);
    // Version cursors are sequence numbers; anything else would silently list nothing.
    const page = keys.listKeyVersions(name, cursor(query, /^\d{1,15}$/), size);
    const origin = originOf(request);
    return {
      value: page.items.map((v) => keyItem(origin, v, recovery, true)),
      nextLink: nextLink(`${origin}/keys/${name}/versions`, apiVersionOf(request), page.next, size),
    };
  });

  const getKey = (request: FastifyRequest) => {
    const name = checkedName(request);
    const version = versionParam(request);
    const found = keys.getKey(name, version);
    if (!found) throw keyNotFound(version ? `${name}/${version}` : name);
    if (!found.enabled) throw keyDisabled();
    return keyBundle(originOf(request), found, recovery);
  };
  route("GET", "/keys/:name", "GetKey", getKey);
  route("GET", "/keys/:name/:version", "GetKey", getKey);

  const updateKey = (request: FastifyRequest) => {
    const name = checkedName(request);
    const body = parseBody(updateKeyBody, request.body);
    // No key here is exportable, and `exportable` cannot be turned on after creation.
    refuseExportable(body.attributes?.exportable, body.release_policy);
    const version = versionParam(request);
    const updated = keys.updateKey(name, version, {
      keyOps: body.key_ops,
      tags: body.tags,
      attributes: body.attributes,
    });
    if (!updated) throw keyNotFound(version ? `${name}/${version}` : name);
    return keyBundle(originOf(request), updated, recovery);
  };
  route("PATCH", "/keys/:name", "UpdateKey", updateKey);
  route("PATCH", "/keys/:name/:version", "UpdateKey", updateKey);

  route("GET", "/keys", "GetKeys", (request) => {
    const query = request.query as Record<string, string | undefined>;
    const size = pageSize(query);
    const page = keys.listKeys(cursor(query), size);
    const origin = originOf(request);
    return {
      value: page.items.map((v) => keyItem(origin, v, recovery, false)),
      nextLink: nextLink(`${origin}/keys`, apiVersionOf(request), page.next, size),
    };
  });

  route("DELETE", "/keys/:name", "DeleteKey", (request) => {
    const name = checkedName(request);
    if (keys.getKey(name)?.managed === true) throw managedByKeyVault("delete", "Key");
    const deleted = keys.deleteKey(name);
    if (!deleted) throw keyNotFound(name);
    return deletedKeyBundle(originOf(request), deleted, recovery);
  });

  route("GET", "/deletedkeys", "GetDeletedKeys", (request) => {
    const query = request.query as Record<string, string | undefined>;
    const size = pageSize(query);
    const page = keys.listDeletedKeys(cursor(query), size);
    const origin = originOf(request);
    return {
      value: page.items.map((d) => deletedKeyItem(origin, d, recovery)),
      nextLink: nextLink(`${origin}/deletedkeys`, apiVersionOf(request), page.next, size),
    };
  });

  route("GET", "/deletedkeys/:name", "GetDeletedKey", (request) => {
    const name = checkedName(request);
    const deleted = keys.getDeletedKey(name);
    if (!deleted) throw deletedKeyNotFound(name);
    return deletedKeyBundle(originOf(request), deleted, recovery);
  });

  route("DELETE", "/deletedkeys/:name", "PurgeDeletedKey", (request, reply) => {
    const name = checkedName(request);
    if (recovery.purgeProtection) throw purgeProtected();
    if (keys.getDeletedKey(name)?.latest.managed === true) throw managedByKeyVault("purge", "Key");
    if (!keys.purgeDeletedKey(name)) throw deletedKeyNotFound(name);
    return reply.code(204).send();
  });

  route("POST", "/deletedkeys/:name/recover", "RecoverDeletedKey", (request) => {
    const name = checkedName(request);
    if (keys.getDeletedKey(name)?.latest.managed === true) {
      throw managedByKeyVault("recover", "Key");
    }
    const recovered = keys.recoverDeletedKey(name);
    if (!recovered) throw deletedKeyNotFound(name);
    return keyBundle(originOf(request), recovered, recovery);
  });
}
