import { unauthorized, type KeyVaultError } from "../key-vault-error.js";
import type { TokenIssuer } from "./token-issuer.js";

/**
 * Key Vault's bearer challenge. Clients (the SDK's keyvault-common policy) first send a request
 * with no token and no body, read `authorization` (the tenant) and `resource` (the token scope)
 * from the 401, then retry with a token. The check runs before the body is parsed, as in Key
 * Vault, so that first bodiless request is answered with the challenge, not a parse error.
 */

export type AuthMode = "any" | "strict";

export interface ChallengeOptions {
  mode: AuthMode;
  tenantId: string;
  /** Advertised as the challenge `resource`; clients ask for a token with `<resource>/.default`. */
  resource: string;
  issuer: TokenIssuer;
}

/** Any RFC 6750 token68 value: what "a well-formed bearer token" means in the default mode. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

export function challengeHeader({ tenantId, resource }: ChallengeOptions): string {
  return `Bearer authorization="https://login.windows.net/${tenantId}", resource="${resource}"`;
}

/** The error to answer with, or undefined when the request may proceed. */
export async function checkBearer(
  authorization: string | undefined,
  options: ChallengeOptions,
): Promise<KeyVaultError | undefined> {
  const challenge = challengeHeader(options);
  if (authorization === undefined || authorization === "") {
    return unauthorized("AKV10000: Request is missing a Bearer or PoP token.", challenge);
  }
  const [scheme, token, ...rest] = authorization.trim().split(/\s+/);
  if (scheme?.toLowerCase() !== "bearer" || !token || rest.length > 0 || !TOKEN68.test(token)) {
    return unauthorized(
      "AKV10022: Invalid audience or malformed token: expected 'Authorization: Bearer <token>'.",
      challenge,
    );
  }
  if (options.mode === "strict" && !(await options.issuer.verify(token, options.resource))) {
    return unauthorized(
      "AKV10032: Invalid issuer or signature. This vault runs with --auth strict and accepts only tokens from its own endpoint /metadata/identity/oauth2/token.",
      challenge,
    );
  }
  return undefined;
}
