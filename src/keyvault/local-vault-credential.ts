import { request } from "node:https";
import type { AccessToken, TokenCredential } from "@azure/core-auth";

/**
 * A credential for the local vault: it asks the vault's own managed-identity endpoint for a
 * token, exactly as ManagedIdentityCredential would with AZURE_POD_IDENTITY_AUTHORITY_HOST set,
 * but trusting the vault's CA directly. Works in both auth modes, strict included.
 */
export class LocalVaultCredential implements TokenCredential {
  readonly #vaultUrl: string;
  readonly #ca: string;

  constructor(vaultUrl: string, ca: string) {
    this.#vaultUrl = vaultUrl;
    this.#ca = ca;
  }

  async getToken(scopes: string | string[]): Promise<AccessToken> {
    const scope = Array.isArray(scopes) ? (scopes[0] ?? "") : scopes;
    const url = new URL("/metadata/identity/oauth2/token", this.#vaultUrl);
    url.searchParams.set("api-version", "2018-02-01");
    url.searchParams.set("resource", scope.replace(/\/\.default$/, ""));
    const body = await getJson(url, this.#ca);
    if (typeof body["access_token"] !== "string" || typeof body["expires_on"] !== "string") {
      throw new Error(`the local vault at ${this.#vaultUrl} returned no token`);
    }
    return { token: body["access_token"], expiresOnTimestamp: Number(body["expires_on"]) * 1000 };
  }
}

function getJson(url: URL, ca: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { metadata: "true" }, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) {
          reject(new Error(`token request to ${url.origin} failed: HTTP ${res.statusCode ?? 0}`));
          return;
        }
        try {
          resolve(JSON.parse(text) as Record<string, unknown>);
        } catch {
          reject(new Error(`token response from ${url.origin} is not JSON`));
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`token request to ${url.origin} timed out`)));
    req.on("error", reject);
    req.end();
  });
}
