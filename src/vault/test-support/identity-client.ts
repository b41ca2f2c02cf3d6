import { randomBytes } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";

/**
 * A client as an application would write it, with a real `@azure/identity` credential and no
 * test hooks: `node --import tsx identity-client.ts <vaultUrl> <managed|default> <secretName>`.
 * The environment points the credential at the vault (AZURE_POD_IDENTITY_AUTHORITY_HOST) and
 * makes Node trust its CA (NODE_EXTRA_CA_CERTS). Sets a secret, reads it back and prints one
 * JSON line, `{"version","same"}` or `{"error"}`: never the value.
 */

const [url, kind, name] = process.argv.slice(2);
if (url === undefined || name === undefined || (kind !== "managed" && kind !== "default")) {
  process.stderr.write("usage: identity-client.ts <vaultUrl> <managed|default> <secretName>\n");
  process.exit(2);
}
const credential: TokenCredential =
  kind === "managed" ? new ManagedIdentityCredential() : new DefaultAzureCredential();
const client = new SecretClient(url, credential, { disableChallengeResourceVerification: true });
const value = randomBytes(16).toString("hex");
try {
  const set = await client.setSecret(name, value);
  const got = await client.getSecret(name);
  const result = {
    version: set.properties.version,
    same: got.value === value && got.properties.version === set.properties.version,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
} catch (error) {
  const { name: errorName, message, statusCode } = error as Error & { statusCode?: number };
  process.stdout.write(
    JSON.stringify({ error: `${errorName} ${String(statusCode)}: ${message}` }) + "\n",
  );
  process.exitCode = 1;
}
