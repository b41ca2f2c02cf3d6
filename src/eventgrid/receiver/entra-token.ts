import type { JWTPayload, JWTVerifyGetKey } from "jose";

/**
 * Verifies the Entra ID bearer token Event Grid attaches to deliveries to a secured webhook.
 * There is no single official list of checks; this is the assembled set: signature against the
 * tenant's signing keys (RS256), exp/nbf with a small tolerance, a v1 or v2 issuer of the tenant,
 * the webhook app as audience, `tid`, the caller (`appid` in v1 tokens, `azp` in v2) being Event
 * Grid's app, and the `AzureEventGridSecureWebhookSubscriber` app role.
 *
 * A token that fails is "denied" (401, which Event Grid never retries); signing keys that cannot
 * be fetched make it "unavailable" instead, so that an Entra or network outage gets a retryable
 * answer rather than dropping every event delivered meanwhile.
 */

/** Event Grid's first-party app in public Azure (US Gov: 54316b56-3481-47f9-8f30-0300f5542a7b). */
export const EVENT_GRID_APP_ID = "4962773b-9cdb-44cf-a8bf-237846a00ab7";
export const SECURE_WEBHOOK_ROLE = "AzureEventGridSecureWebhookSubscriber";
/** Clocks drift; Entra itself tolerates five minutes. */
export const CLOCK_TOLERANCE_SECONDS = 300;

export interface EntraAuthOptions {
  kind: "entra";
  tenantId: string;
  /** The webhook app's client id and/or App ID URI. */
  audiences: readonly string[];
  /** Default: https://login.microsoftonline.com/{tenantId}/discovery/v2.0/keys */
  jwksUrl?: string;
  /** Default: the tenant's v1 (sts.windows.net) and v2 (login.microsoftonline.com) issuers. */
  issuers?: readonly string[];
  /** Default: Event Grid's app id. */
  allowedAppIds?: readonly string[];
  /** A key resolver instead of the JWKS URL (tests: jose's createLocalJWKSet). */
  getKey?: JWTVerifyGetKey;
}

export type TokenVerdict = "valid" | "denied" | "unavailable";
export type EntraTokenCheck = (authorization: string | undefined) => Promise<TokenVerdict>;

export function createEntraTokenCheck(options: EntraAuthOptions, now: () => Date): EntraTokenCheck {
  const { tenantId } = options;
  if (tenantId === "") throw new Error("auth.tenantId must be set");
  if (options.audiences.length === 0) throw new Error("auth.audiences must name the webhook app");
  // jose loads only when Entra auth is configured: the agent keeps its footprint small without it.
  const keys = import("jose").then((jose) => ({
    jose,
    getKey: keySetErrorsApart(
      jose.errors,
      options.getKey ??
        jose.createRemoteJWKSet(
          new URL(
            options.jwksUrl ?? `https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys`,
          ),
        ),
    ),
  }));
  const issuers = [
    ...(options.issuers ?? [
      `https://sts.windows.net/${tenantId}/`,
      `https://login.microsoftonline.com/${tenantId}/v2.0`,
    ]),
  ];
  const audiences = [...options.audiences];
  const appIds = new Set((options.allowedAppIds ?? [EVENT_GRID_APP_ID]).map(lower));

  return async (authorization) => {
    const token = bearerToken(authorization);
    if (token === undefined) return "denied";
    const { jose, getKey } = await keys;
    let payload: JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, getKey, {
        issuer: issuers,
        audience: audiences,
        algorithms: ["RS256"],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: now(),
        requiredClaims: ["exp", "tid"],
      }));
    } catch (error) {
      return error instanceof KeySetUnavailable ? "unavailable" : "denied";
    }
    return hasEventGridClaims(payload, tenantId, appIds) ? "valid" : "denied";
  };
}

class KeySetUnavailable extends Error {}

/**
 * jose checks the token's algorithm before asking for its key, so a key resolver fails either
 * because the token names no known key (the token's fault) or because the key set could not be
 * fetched or read (ours, or Entra's).
 */
function keySetErrorsApart(
  errors: typeof import("jose").errors,
  getKey: JWTVerifyGetKey,
): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await getKey(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) throw error;
      if (error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new KeySetUnavailable("signing keys unavailable", { cause: error });
    }
  };
}

/** The claims jose does not check itself. */
export function hasEventGridClaims(
  payload: JWTPayload,
  tenantId: string,
  appIds: ReadonlySet<string>,
): boolean {
  const caller = typeof payload.appid === "string" ? payload.appid : payload.azp;
  return (
    typeof payload.tid === "string" &&
    lower(payload.tid) === lower(tenantId) &&
    typeof caller === "string" &&
    appIds.has(lower(caller)) &&
    Array.isArray(payload.roles) &&
    payload.roles.includes(SECURE_WEBHOOK_ROLE)
  );
}

function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-_.]+)\s*$/i.exec(authorization ?? "");
  return match?.[1];
}

const lower = (text: string): string => text.toLowerCase();
