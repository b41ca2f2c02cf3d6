import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from "fastify";

/**
 * Registers routes and remembers their paths, so that a request with a known path but another
 * method gets 405 with an Allow header instead of a bare 404.
 */

declare module "fastify" {
  interface FastifyContextConfig {
    /** Key Vault operation name, as the SDK names it: a metric label and the log line's `op`. */
    operation?: string;
    /** Served without a bearer token, throttling or api-version (metrics, the token endpoint). */
    public?: boolean;
  }
}

export type Handler = (request: FastifyRequest, reply: FastifyReply) => unknown;

export type RouteRegistrar = (
  method: HTTPMethods,
  url: string,
  operation: string,
  handler: Handler,
  extra?: { bodyLimit?: number; public?: boolean },
) => void;

export class RouteTable {
  readonly #patterns: { method: string; pattern: RegExp }[] = [];

  registrar(app: FastifyInstance): RouteRegistrar {
    return (method, url, operation, handler, extra = {}) => {
      this.#patterns.push({ method, pattern: toPattern(url) });
      app.route({
        method,
        url,
        handler: async (request, reply) => handler(request, reply),
        config: { operation, public: extra.public === true },
        ...(extra.bodyLimit === undefined ? {} : { bodyLimit: extra.bodyLimit }),
      });
    };
  }

  /** Methods served at this path (without query), for 405 answers. */
  allowedMethods(path: string): string[] {
    const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
    const methods = this.#patterns.filter((p) => p.pattern.test(trimmed)).map((p) => p.method);
    return [...new Set(methods)];
  }
}

function toPattern(url: string): RegExp {
  const source = url
    .split("/")
    .map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${source}$`);
}
