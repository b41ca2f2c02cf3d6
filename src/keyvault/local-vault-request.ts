import { readFile } from "node:fs/promises";
import { request } from "node:https";
import { LocalVaultCredential } from "./local-vault-credential.js";
import type { LocalVaultEndpoint } from "./vault-client.js";

/**
 * An authenticated JSON request to the local vault, for its management routes (event
 * subscriptions) that no Azure SDK data-plane client covers.
 */
export async function localVaultRequest(
  endpoint: LocalVaultEndpoint,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const ca = await readFile(endpoint.caPath, "utf8");
  const token = await new LocalVaultCredential(endpoint.url, ca).getToken(
    "https://vault.azure.net/.default",
  );
  const url = new URL(path, endpoint.url);
  url.searchParams.set("api-version", "2025-02-15");
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca,
        headers: {
          authorization: `Bearer ${token.token}`,
          ...(payload === undefined ? {} : { "content-type": "application/json" }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text;
          try {
            parsed = text === "" ? undefined : JSON.parse(text);
          } catch {
            // plain-text answers stay text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
