import { randomUUID } from "node:crypto";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import type { Logger } from "pino";
import { checkBearer, type ChallengeOptions } from "./auth/index.js";
import { registerTokenRoutes } from "./auth/token-routes.js";
import { badParameter, KeyVaultError, throttled } from "./key-vault-error.js";
import type { VaultMetrics } from "./metrics.js";
import { RouteTable } from "./routes/route-table.js";
import { registerKeyRoutes } from "./routes/key-routes.js";
import { registerSecretRoutes } from "./routes/secret-routes.js";
import type { RecoveryPolicy } from "./routes/secret-wire.js";
import type { CertificateStore, KeyStore, SecretStore } from "./store/index.js";
import { registerCertificateRoutes } from "./routes/certificate-routes.js";
import type { SlidingWindowLimiter } from "./throttle.js";
import type { EventGridPublisher } from "../eventgrid/publisher/index.js";
import { registerEventSubscriptionRoutes } from "./routes/event-subscription-routes.js";

/**
 * The local vault as a Fastify app: Key Vault's secrets and keys APIs, its bearer challenge,
 * throttling, metrics and one log line per request. `inject()` drives it in tests without a
 * socket; the server module adds TLS and a port.
 */

export interface VaultAppOptions {
  store: SecretStore;
  keys: KeyStore;
  /** Without it the certificates routes are absent. */
  certificates?: CertificateStore | undefined;
  backupKey: Buffer;
  auth: Omit<ChallengeOptions, "issuer"> & { issuer: ChallengeOptions["issuer"] };
  recovery: RecoveryPolicy;
  metrics: VaultMetrics;
  logger: Logger;
  throttle?: { limiter: SlidingWindowLimiter; retryAfter: "auto" | "none" | number } | undefined;
  https?: { key: string; cert: string } | undefined;
  /** The vault's Event Grid topic; without it the eventSubscriptions routes are absent. */
  eventGrid?: EventGridPublisher | undefined;
  /** Milliseconds; for the throttle window. */
  nowMs?: () => number;
}

/** Bodies are small JSON documents: Key Vault values are at most 25 KB. */
const BODY_LIMIT = 256 * 1024;
const API_VERSION = /^(\d+\.\d+|\d{4}-\d{2}-\d{2})(-preview(\.\d+)?)?$/;

export function createVaultApp(options: VaultAppOptions): FastifyInstance {
  const app = Fastify({
    ...(options.https ? { https: { key: options.https.key, cert: options.https.cert } } : {}),
    logger: false,
    bodyLimit: BODY_LIMIT,
    // Names run to 127 characters; Fastify's default of 100 would answer valid ones with 414.
    routerOptions: {
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      maxParamLength: 1024,
    },
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    // The router refuses bad percent-encoding and over-long segments before any hook runs:
    // answer those in Key Vault's shape too, and log and count them like every other request.
    frameworkErrors: (error, genericRequest, genericReply) => {
      const request = genericRequest as unknown as FastifyRequest;
      const reply = genericReply as unknown as FastifyReply;
      reply.raw.once("finish", () => {
        answered(request, reply);
      });
      const kvError = badParameter(`The request URI is not valid: ${error.message}`);
      void reply.code(kvError.statusCode).headers(keyVaultHeaders(request)).send(kvError.toBody());
    },
  }) as unknown as FastifyInstance;

  acceptBodilessJson(app);
  const routes = new RouteTable();
  const route = routes.registrar(app);
  const nowMs = options.nowMs ?? Date.now;

  app.addHook("onRequest", async (request, reply) => {
    void reply.headers(keyVaultHeaders(request));
    if (request.routeOptions.config.public === true) return;
    // Key Vault's order: throttling, then the bearer check, and only then the request itself.
    if (options.throttle) {
      const decision = options.throttle.limiter.tryAcquire(nowMs());
      if (!decision.allowed)
        throw throttled(retryAfterSeconds(options.throttle.retryAfter, decision.retryAfterMs));
    }
    const denied = await checkBearer(request.headers.authorization, options.auth);
    if (denied) throw denied;
    const apiVersion = (request.query as Record<string, string | undefined>)["api-version"];
    if (apiVersion === undefined || !API_VERSION.test(apiVersion)) {
      throw badParameter(
        apiVersion === undefined
          ? "The api-version query parameter is missing; Key Vault has no default (e.g. ?api-version=7.5)."
          : `The api-version '${apiVersion}' is not valid: use 7.x or YYYY-MM-DD.`,
      );
    }
  });

  function answered(request: FastifyRequest, reply: FastifyReply): void {
    const operation = request.routeOptions.config.operation ?? "Unknown";
    options.metrics.record(operation, reply.statusCode, reply.elapsedTime / 1000);
    // Allow-listed fields only: the path names a secret at most, never a value.
    options.logger.info({
      method: request.method,
      path: pathOf(request),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
      op: operation,
    });
  }
  app.addHook("onResponse", async (request, reply) => {
    answered(request, reply);
  });

  app.setErrorHandler(async (error: FastifyError | KeyVaultError, request, reply) => {
    const kvError = toKeyVaultError(error);
    if (kvError.statusCode >= 500) {
      options.logger.error(
        { path: pathOf(request), err: { name: error.name, message: error.message } },
        "request failed",
      );
    }
    return reply.code(kvError.statusCode).headers(kvError.headers).send(kvError.toBody());
  });

  app.setNotFoundHandler(async (request, reply) => {
    const allowed = routes.allowedMethods(pathOf(request));
    if (allowed.length > 0) {
      const error = new KeyVaultError(
        405,
        "MethodNotAllowed",
        `The HTTP method ${request.method} is not allowed on ${pathOf(request)}; use ${allowed.join(", ")}.`,
        undefined,
        { allow: allowed.join(", ") },
      );
      return reply.code(405).headers(error.headers).send(error.toBody());
    }
    const error = new KeyVaultError(
      404,
      "NotFound",
      `No Key Vault operation at ${request.method} ${pathOf(request)}.`,
    );
    return reply.code(404).send(error.toBody());
  });

  registerSecretRoutes(route, options);
  registerKeyRoutes(route, options);
  if (options.certificates) {
    registerCertificateRoutes(route, { ...options, certificates: options.certificates });
  }
  registerTokenRoutes(route, options.auth.issuer);
  if (options.eventGrid) registerEventSubscriptionRoutes(route, options.eventGrid);
  route(
    "GET",
    "/metrics",
    "Metrics",
    async (_request, reply) =>
      reply
        .type(options.metrics.registry.contentType)
        .send(await options.metrics.registry.metrics()),
    { public: true },
  );
  return app;
}

const pathOf = (request: FastifyRequest): string => request.url.split("?")[0] ?? request.url;

function keyVaultHeaders(request: FastifyRequest): Record<string, string> {
  const clientRequestId = request.headers["x-ms-client-request-id"];
  return {
    "cache-control": "no-cache",
    "x-ms-request-id": request.id,
    "x-ms-keyvault-region": "local",
    "x-ms-keyvault-service-version": "kvsync-local",
    ...(typeof clientRequestId === "string" ? { "x-ms-client-request-id": clientRequestId } : {}),
  };
}

function retryAfterSeconds(setting: "auto" | "none" | number, waitMs: number): number | undefined {
  if (setting === "none") return undefined;
  if (setting === "auto") return Math.max(1, Math.ceil(waitMs / 1000));
  return setting;
}

/** Anything thrown while serving becomes Key Vault's error shape; nothing escapes as HTML. */
function toKeyVaultError(error: FastifyError | KeyVaultError): KeyVaultError {
  if (error instanceof KeyVaultError) return error;
  const status = error.statusCode ?? 500;
  if (status === 413) {
    return new KeyVaultError(
      413,
      "RequestBodyTooLarge",
      "The request body is larger than this operation accepts.",
    );
  }
  if (status === 415) {
    return new KeyVaultError(
      415,
      "UnsupportedMediaType",
      "Send the request body as JSON (Content-Type: application/json).",
    );
  }
  if (status >= 400 && status < 500) {
    return badParameter(`The request is malformed: ${error.message}`);
  }
  return new KeyVaultError(
    500,
    "InternalServerError",
    "The local vault failed to serve this request; see its log.",
  );
}

/**
 * The SDK sends `Content-Type: application/json` with no body on GET, DELETE, backup and the
 * challenge round trip; Fastify's JSON parser would reject those as "empty JSON body". JSON is
 * the only body type: Fastify's built-in text/plain parser goes too, so such bodies get 415.
 */
function acceptBodilessJson(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text === "") {
      done(null, undefined);
      return;
    }
    void parseJson(request, text, done);
  });
}
