import assert from "node:assert/strict";
import { test } from "node:test";
import type { HttpsAnswer, HttpsCall } from "../support/vault-https.js";
import { checkCase, scenario } from "./fuzz-vault-api.js";

test("fuzz-vault-api (short): the local vault's REST API holds its claims", async () => {
  const result = await scenario.run("short");
  assert.ok(
    result.held,
    [result.claim, JSON.stringify(result.figures), ...(result.notes ?? [])].join("\n"),
  );
});

// The checks must be able to fail: a stand-in vault answers what a broken one would.

const request = {
  method: "PUT",
  url: "/secrets/x?api-version=7.5",
  headers: {},
  body: '{"value":"kvfz0123456789abcdef0123-rest"}',
  sensitive: ["kvfz0123456789abcdef0123"],
  shape: "SetSecret body",
};

async function kindsFor(answer: Partial<HttpsAnswer> | Error): Promise<string[]> {
  const api = {
    call: (_call: HttpsCall): Promise<HttpsAnswer> =>
      answer instanceof Error
        ? Promise.reject(answer)
        : Promise.resolve({
            status: 400,
            headers: { "content-type": "application/json; charset=utf-8" },
            text: "",
            ms: 1,
            ...answer,
          }),
  };
  return (await checkCase(api, request, [], undefined)).map((v) => v.kind);
}

const keyVaultError = (message: string) =>
  JSON.stringify({ error: { code: "BadParameter", message } });

test("a refusal in Key Vault's shape passes", async () => {
  assert.deepEqual(await kindsFor({ text: keyVaultError("The value is too long.") }), []);
});

test("a 5xx, a bare refusal, a leaked value and a dropped connection are violations", async () => {
  assert.deepEqual(await kindsFor({ status: 500, text: keyVaultError("failed") }), ["5xx"]);
  assert.deepEqual(
    await kindsFor({ headers: { "content-type": "text/plain" }, text: "Bad Request" }),
    ["4xx not JSON"],
  );
  assert.deepEqual(await kindsFor({ text: JSON.stringify({ message: "no" }) }), [
    "4xx not in Key Vault's error shape",
  ]);
  assert.deepEqual(
    await kindsFor({ text: keyVaultError("Unexpected token in kvfz0123456789abcdef0123-rest") }),
    ["a value in an error"],
  );
  assert.deepEqual(await kindsFor(new Error("socket hang up")), ["no answer"]);
});
