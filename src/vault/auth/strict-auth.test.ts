import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import type { TokenCredential } from "@azure/core-auth";
import { rawRequest } from "../test-support/raw-request.js";
import { assertRestError, assertValue, TestValues } from "../test-support/secret-assertions.js";
import {
  anyTokenCredential,
  startVaultFixture,
  type VaultFixture,
} from "../test-support/vault-fixture.js";

/**
 * `auth: "strict"`: only tokens from the vault's own managed-identity endpoint are accepted,
 * and `@azure/identity`'s ManagedIdentityCredential gets them unchanged once
 * AZURE_POD_IDENTITY_AUTHORITY_HOST points at the vault. That check runs in a child process,
 * since NODE_EXTRA_CA_CERTS (for MSAL's own HTTPS call) is read only at startup.
 */

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const IDENTITY_CLIENT = fileURLToPath(
  new URL("../test-support/identity-client.ts", import.meta.url),
);
const RESOURCE = "https://vault.azure.net";

let fixture: VaultFixture;
let offset = 0;
const values = new TestValues();

before(async () => {
  fixture = await startVaultFixture({
    auth: "strict",
    now: () => Math.floor(Date.now() / 1000) + offset,
  });
});

after(async () => {
  await fixture.close();
});

async function issuedToken(resource = RESOURCE): Promise<string> {
  const response = await rawRequest(fixture, {
    path: `/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent(resource)}`,
    headers: { metadata: "true" },
    bearer: false,
  });
  assert.equal(response.status, 200);
  const body = JSON.parse(response.text) as Record<string, string>;
  assert.equal(body["token_type"], "Bearer");
  assert.equal(body["resource"], resource);
  assert.match(body["expires_on"] ?? "", /^\d+$/);
  return body["access_token"] ?? "";
}

const fixed = (token: string): TokenCredential => ({
  getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
});

test("any other bearer token is refused with 401", async () => {
  const client = fixture.client({ credential: anyTokenCredential });
  await assertRestError(
    client.setSecret("strict-any", values.next("any")),
    401,
    "Unauthorized",
    "set",
  );
  await assertRestError(client.getSecret("strict-any"), 401, "Unauthorized", "get");
});

test("a token from the vault's endpoint works; another audience or an expired one does not", async () => {
  const client = fixture.client({ credential: fixed(await issuedToken()) });
  const value = values.next("strict");
  await client.setSecret("strict-own", value);
  assertValue((await client.getSecret("strict-own")).value, value, "with the vault's token");

  const otherAudience = fixture.client({
    credential: fixed(await issuedToken("https://storage.azure.com")),
  });
  await assertRestError(
    otherAudience.getSecret("strict-own"),
    401,
    "Unauthorized",
    "other audience",
  );

  const aging = fixture.client({ credential: fixed(await issuedToken()) });
  offset += 2 * 86_400;
  try {
    await assertRestError(aging.getSecret("strict-own"), 401, "Unauthorized", "expired token");
  } finally {
    offset -= 2 * 86_400;
  }
});

test("the token endpoint answers like IMDS", async () => {
  const noMetadata = await rawRequest(fixture, {
    path: `/metadata/identity/oauth2/token?resource=${RESOURCE}`,
    bearer: false,
  });
  assert.equal(noMetadata.status, 400);
  assert.equal((JSON.parse(noMetadata.text) as { error: string }).error, "invalid_request");
  const noResource = await rawRequest(fixture, {
    path: "/metadata/identity/oauth2/token",
    headers: { metadata: "true" },
    bearer: false,
  });
  assert.equal(noResource.status, 400);
  const twice = await rawRequest(fixture, {
    path: `/metadata/identity/oauth2/token?resource=${RESOURCE}&client_id=a&client_id=b`,
    headers: { metadata: "true" },
    bearer: false,
  });
  assert.equal(twice.status, 400, "a repeated query variable is refused, not a 500");
  assert.match(
    (JSON.parse(twice.text) as { error_description: string }).error_description,
    /'client_id' is given more than once/,
  );
});

/** Runs the identity client in a child process that trusts the vault's CA. */
async function runIdentityClient(
  kind: "managed" | "default",
  name: string,
): Promise<{ version?: string; same?: boolean; error?: string }> {
  // A clean Azure environment, so that only the pod-identity (IMDS) route is configured.
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(AZURE_|IDENTITY_|MSI_|IMDS_)/.test(key)) continue;
    env[key] = value;
  }
  env["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = fixture.vault.url;
  env["NODE_EXTRA_CA_CERTS"] = fixture.vault.caPath;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", IDENTITY_CLIENT, fixture.vault.url, kind, name],
    { cwd: REPO_ROOT, env, timeout: 60_000 },
  ).catch((error: unknown) => {
    // A failing child still printed its one line; the error is in it.
    const { stdout: out, stderr: err } = error as { stdout?: string; stderr?: string };
    return { stdout: out ?? "", stderr: err ?? "" };
  });
  const line = stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(line === "" ? '{"error":"no output"}' : line) as {
    version?: string;
    same?: boolean;
    error?: string;
  };
}

async function assertWrittenThrough(kind: "managed" | "default", name: string): Promise<void> {
  const result = await runIdentityClient(kind, name);
  assert.equal(result.error, undefined, `${kind} credential: ${result.error ?? ""}`);
  assert.equal(result.same, true, "the child read back what it wrote");
  const check = fixture.client({ credential: fixed(await issuedToken()) });
  const got = await check.getSecret(name);
  assert.equal(got.properties.version, result.version);
}

test("ManagedIdentityCredential works unchanged with AZURE_POD_IDENTITY_AUTHORITY_HOST", async () => {
  await assertWrittenThrough("managed", "strict-managed-identity");
});

test("DefaultAzureCredential works the same way", async () => {
  await assertWrittenThrough("default", "strict-default-credential");
});
