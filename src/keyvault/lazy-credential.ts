import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";

type IdentityModule = typeof import("@azure/identity");

/**
 * A credential from @azure/identity, built on its first token request. That package is the
 * largest the agent could load (about 24 MB resident), and a local vault never needs it; the
 * choice of credential is still made up front, so a bad identity setting fails at start.
 */
export function lazyCredential(
  build: (identity: IdentityModule) => TokenCredential,
): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(
      scopes: string | string[],
      options?: GetTokenOptions,
    ): Promise<AccessToken | null> {
      credential ??= import("@azure/identity").then(build);
      return (await credential).getToken(scopes, options);
    },
  };
}
