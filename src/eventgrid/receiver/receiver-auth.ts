import { createEntraTokenCheck, type EntraAuthOptions, type TokenVerdict } from "./entra-token.js";
import { createQuerySecretCheck } from "./query-secret.js";

/**
 * How a receiver authenticates Event Grid, as two checks at two moments:
 *
 * 1. `url`, before the body is read, on every request including both handshakes: a query secret
 *    is part of the endpoint URL, so Event Grid sends it on validation and OPTIONS requests too.
 * 2. `delivery`, for event deliveries only. Whether Event Grid attaches its Entra token to the
 *    validation POST or the OPTIONS request is undocumented, so handshakes do not need it; they
 *    only echo a code or grant consent, and reveal nothing.
 */

export interface QuerySecretAuthOptions {
  kind: "query-secret";
  /** Accepted values of `?code=`; list the old and the new one while rotating. */
  secrets: readonly string[];
}

export type EventReceiverAuth = EntraAuthOptions | QuerySecretAuthOptions | { kind: "none" };

export interface ReceiverAuth {
  url(query: unknown): boolean;
  delivery(authorization: string | undefined): Promise<TokenVerdict>;
  /** Sent with 401s. */
  challenge?: string;
}

export function createReceiverAuth(auth: EventReceiverAuth, now: () => Date): ReceiverAuth {
  switch (auth.kind) {
    case "none":
      return { url: () => true, delivery: valid };
    case "query-secret": {
      const check = createQuerySecretCheck(auth.secrets);
      return { url: (query) => check(codeOf(query)), delivery: valid };
    }
    case "entra":
      return { url: () => true, delivery: createEntraTokenCheck(auth, now), challenge: "Bearer" };
  }
}

const valid = (): Promise<TokenVerdict> => Promise.resolve("valid");

/** `?code=` given exactly once; a repeated parameter arrives as an array and is refused. */
function codeOf(query: unknown): unknown {
  return typeof query === "object" && query !== null
    ? (query as Record<string, unknown>).code
    : undefined;
}
