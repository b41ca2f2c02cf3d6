import type { RouteRegistrar } from "../routes/route-table.js";
import type { TokenIssuer } from "./token-issuer.js";

/**
 * The Azure Instance Metadata Service token endpoint, as `@azure/identity`'s
 * ManagedIdentityCredential (and so DefaultAzureCredential) calls it when
 * `AZURE_POD_IDENTITY_AUTHORITY_HOST` points at this vault:
 * `GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=…` with `Metadata: true`.
 * Replies use IMDS's field names and its habit of numbers as strings.
 */

const LOCAL_IDENTITY = "00000000-0000-0000-0000-00000000c0de";

const TOKEN_QUERY = ["resource", "client_id", "object_id", "api-version"] as const;

export function registerTokenRoutes(route: RouteRegistrar, issuer: TokenIssuer): void {
  route(
    "GET",
    "/metadata/identity/oauth2/token",
    "GetToken",
    async (request, reply) => {
      const invalid = (description: string) =>
        reply.code(400).send({ error: "invalid_request", error_description: description });
      if (request.headers["metadata"] !== "true") {
        return invalid("Required metadata header not specified");
      }
      // A repeated query variable arrives as an array: IMDS takes each of these once.
      const query = request.query as Record<string, string | string[] | undefined>;
      const repeated = TOKEN_QUERY.find((name) => Array.isArray(query[name]));
      if (repeated !== undefined) {
        return invalid(`Query variable '${repeated}' is given more than once`);
      }
      const one = (name: (typeof TOKEN_QUERY)[number]) => query[name] as string | undefined;
      const resource = one("resource");
      if (!resource) return invalid("Required query variable 'resource' is missing");
      const clientId = one("client_id") ?? one("object_id") ?? LOCAL_IDENTITY;
      const token = await issuer.issue(resource, clientId);
      return {
        access_token: token.accessToken,
        client_id: clientId,
        expires_in: String(token.expiresIn),
        expires_on: String(token.expiresOn),
        ext_expires_in: String(token.expiresIn),
        not_before: String(token.notBefore),
        resource,
        token_type: "Bearer",
      };
    },
    { public: true },
  );
}
