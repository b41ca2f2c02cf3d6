import assert from "node:assert/strict";
import { test } from "node:test";
import { createHttpHeaders, createPipelineRequest, RestError } from "@azure/core-rest-pipeline";
import type { KeyVaultSecret, SecretClient } from "@azure/keyvault-secrets";
import { SdkObjectSource, type VaultClients } from "./index.js";

/** A RestError as the SDK throws it, with a response carrying `headers`. */
function restError(status: number | undefined, headers: Record<string, string> = {}): RestError {
  const request = createPipelineRequest({ url: "https://demo.vault.azure.net/secrets/s" });
  return new RestError(`HTTP ${status ?? "none"}`, {
    ...(status === undefined ? { code: "ECONNREFUSED" } : { statusCode: status }),
    ...(status === undefined
      ? {}
      : { response: { request, status, headers: createHttpHeaders(headers) } }),
  });
}

const secret: KeyVaultSecret = {
  name: "s",
  value: "the-value",
  properties: { name: "s", vaultUrl: "https://demo", version: "v1", enabled: true },
};

/** Clients whose secret reads fail with `failures` first; keys and certificates are not used. */
function fakeClient(failures: Error[]): { client: VaultClients; calls: () => number } {
  let calls = 0;
  const secrets = {
    getSecret: () => {
      calls++;
      const failure = failures.shift();
      return failure === undefined ? Promise.resolve(secret) : Promise.reject(failure);
    },
  } as unknown as SecretClient;
  const unused = () => Promise.reject(new Error("not used"));
  return { client: { secrets, keys: unused, certificates: unused }, calls: () => calls };
}

test("429 and 5xx are retried, honouring Retry-After, and every attempt is counted", async () => {
  const { client, calls } = fakeClient([
    restError(429, { "retry-after": "3" }),
    restError(503),
    restError(undefined),
  ]);
  const waits: number[] = [];
  const attempts: string[] = [];
  const source = new SdkObjectSource({
    clientFor: () => client,
    policy: { baseMs: 10, maxMs: 100, maxAttempts: 5 },
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    onAttempt: (operation, status) => attempts.push(`${operation} ${status}`),
  });
  const got = await source.get("demo", "secret", "s", undefined, new AbortController().signal);
  assert.equal(got.value.reveal(), "the-value");
  assert.equal(String(got.value), "[redacted]");
  assert.equal(calls(), 4);
  assert.ok((waits[0] ?? 0) >= 3000, "Retry-After honoured");
  assert.deepEqual(attempts, [
    "getSecret 429",
    "getSecret 503",
    "getSecret network",
    "getSecret 200",
  ]);
});

test("4xx other than 408/429 fail at once", async () => {
  const { client, calls } = fakeClient([restError(404)]);
  const source = new SdkObjectSource({ clientFor: () => client });
  await assert.rejects(
    source.get("demo", "secret", "s", "v9", new AbortController().signal),
    (error: unknown) => error instanceof RestError && error.statusCode === 404,
  );
  assert.equal(calls(), 1);
});
