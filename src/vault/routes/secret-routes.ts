import type { FastifyInstance, FastifyRequest } from "fastify";
import type { z } from "zod";
import {
  badParameter,
  deletedButRecoverable,
  deletedSecretNotFound,
  invalidName,
  managedByKeyVault,
  purgeProtected,
  secretAlreadyExists,
  secretDisabled,
  secretNotFound,
} from "../key-vault-error.js";
import { openBackup, sealBackup, type SecretStore } from "../store/index.js";
import { cursor, nextLink, pageSize } from "./paging.js";
import {
  deletedSecretBundle,
  deletedSecretItem,
  restoreSecretBody,
  secretBundle,
  secretItem,
  setSecretBody,
  updateSecretBody,
  type RecoveryPolicy,
} from "./secret-wire.js";
import type { RouteRegistrar } from "./route-table.js";

/**
 * Key Vault's secrets API, as `@azure/keyvault-secrets` calls it. Each handler checks the name,
 * asks the store, and maps "not there" and "deleted" to Key Vault's own errors.
 */

export interface SecretRoutesOptions {
  store: SecretStore;
  recovery: RecoveryPolicy;
  backupKey: Buffer;
}

const NAME = /^[0-9a-zA-Z-]{1,127}$/;

type Params = { name: string; version?: string };
type Query = Record<string, string | undefined>;

export function checkedName(request: FastifyRequest): string {
  const { name } = request.params as Params;
  if (!NAME.test(name)) throw invalidName(name);
  return name;
}

export function versionParam(request: FastifyRequest): string | undefined {
  const { version } = request.params as Params;
  return version === undefined || version === "" ? undefined : version;
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.join(".");
    return path === "" ? issue.message : `${path}: ${issue.message}`;
  });
  throw badParameter(`Invalid request body: ${problems.join("; ")}.`);
}

export const originOf = (request: FastifyRequest): string =>
  `${request.protocol}://${request.host}`;

export const apiVersionOf = (request: FastifyRequest): string =>
  (request.query as Query)["api-version"] ?? "";

export function registerSecretRoutes(route: RouteRegistrar, options: SecretRoutesOptions): void {
  const { store, recovery, backupKey } = options;

  const readable = (name: string, version: string | undefined) => {
    const found = store.getSecret(name, version);
    if (!found) throw secretNotFound(version ? `${name}/${version}` : name);
    return found;
  };

  route("PUT", "/secrets/:name", "SetSecret", (request) => {
    const name = checkedName(request);
    const body = parseBody(setSecretBody, request.body);
    if (store.state(name) === "deleted") throw deletedButRecoverable(name);
    if (store.getSecret(name)?.managed === true) throw managedByKeyVault("set", "Secret");
    const created = store.setSecret(name, body);
    return secretBundle(originOf(request), created, recovery, true);
  });

  route("GET", "/secrets/:name/versions", "GetSecretVersions", (request) => {
    const name = checkedName(request);
    const query = request.query as Query;
    const size = pageSize(query);
    // Version cursors are sequence numbers; anything else would silently list nothing.
    const page = store.listSecretVersions(name, cursor(query, /^\d{1,15}$/), size);
    const origin = originOf(request);
    return {
      value: page.items.map((v) => secretItem(origin, v, recovery, true)),
      nextLink: nextLink(
        `${origin}/secrets/${name}/versions`,
        apiVersionOf(request),
        page.next,
        size,
      ),
    };
  });

  const getSecret = (request: FastifyRequest) => {
    const name = checkedName(request);
    const found = readable(name, versionParam(request));
    if (!found.enabled) throw secretDisabled();
    return secretBundle(originOf(request), found, recovery, true);
  };
  route("GET", "/secrets/:name", "GetSecret", getSecret);
  route("GET", "/secrets/:name/:version", "GetSecret", getSecret);

  const updateSecret = (request: FastifyRequest) => {
    const name = checkedName(request);
    const body = parseBody(updateSecretBody, request.body);
    const version = versionParam(request);
    const updated = store.updateSecret(name, version, body);
    if (!updated) throw secretNotFound(version ? `${name}/${version}` : name);
    return secretBundle(originOf(request), updated, recovery, false);
  };
  route("PATCH", "/secrets/:name", "UpdateSecret", updateSecret);
  route("PATCH", "/secrets/:name/:version", "UpdateSecret", updateSecret);

  route("GET", "/secrets", "GetSecrets", (request) => {
    const query = request.query as Query;
    const size = pageSize(query);
    const page = store.listSecrets(cursor(query), size);
    const origin = originOf(request);
    return {
      value: page.items.map((v) => secretItem(origin, v, recovery, false)),
      nextLink: nextLink(`${origin}/secrets`, apiVersionOf(request), page.next, size),
    };
  });

  route("DELETE", "/secrets/:name", "DeleteSecret", (request) => {
    const name = checkedName(request);
    if (store.getSecret(name)?.managed === true) throw managedByKeyVault("delete", "Secret");
    const deleted = store.deleteSecret(name);
    if (!deleted) throw secretNotFound(name);
    return deletedSecretBundle(originOf(request), deleted, recovery);
  });

  route("GET", "/deletedsecrets", "GetDeletedSecrets", (request) => {
    const query = request.query as Query;
    const size = pageSize(query);
    const page = store.listDeletedSecrets(cursor(query), size);
    const origin = originOf(request);
    return {
      value: page.items.map((d) => deletedSecretItem(origin, d, recovery)),
      nextLink: nextLink(`${origin}/deletedsecrets`, apiVersionOf(request), page.next, size),
    };
  });

  route("GET", "/deletedsecrets/:name", "GetDeletedSecret", (request) => {
    const name = checkedName(request);
    const deleted = store.getDeletedSecret(name);
    if (!deleted) throw deletedSecretNotFound(name);
    return deletedSecretBundle(originOf(request), deleted, recovery);
  });

  route("DELETE", "/deletedsecrets/:name", "PurgeDeletedSecret", (request, reply) => {
    const name = checkedName(request);
    if (recovery.purgeProtection) throw purgeProtected();
    if (store.getDeletedSecret(name)?.latest.managed === true) {
      throw managedByKeyVault("purge", "Secret");
    }
    if (!store.purgeDeletedSecret(name)) throw deletedSecretNotFound(name);
    return reply.code(204).send();
  });

  route("POST", "/deletedsecrets/:name/recover", "RecoverDeletedSecret", (request) => {
    const name = checkedName(request);
    if (store.getDeletedSecret(name)?.latest.managed === true) {
      throw managedByKeyVault("recover", "Secret");
    }
    const recovered = store.recoverDeletedSecret(name);
    if (!recovered) throw deletedSecretNotFound(name);
    return secretBundle(originOf(request), recovered, recovery, false);
  });

  route("POST", "/secrets/:name/backup", "BackupSecret", (request) => {
    const name = checkedName(request);
    const versions = store.exportSecret(name);
    if (versions.length === 0) throw secretNotFound(name);
    return { value: sealBackup(backupKey, versions) };
  });

  route(
    "POST",
    "/secrets/restore",
    "RestoreSecret",
    (request) => {
      const { value } = parseBody(restoreSecretBody, request.body);
      const versions = openBackup(backupKey, value);
      const first = versions?.[0];
      if (!versions || !first) {
        throw badParameter(
          "The backup blob is malformed or was made by another vault; restore it into the vault that backed it up.",
        );
      }
      const state = store.state(first.name);
      if (state === "deleted") throw deletedButRecoverable(first.name);
      if (state === "active") throw secretAlreadyExists(first.name);
      const restored = store.importSecret(versions);
      if (!restored) throw secretNotFound(first.name);
      return secretBundle(originOf(request), restored, recovery, false);
    },
    // A backup holds up to 500 versions of up to 25 KB each, base64url-encoded.
    { bodyLimit: 32 * 1024 * 1024 },
  );
}

export type { FastifyInstance };
