import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import type { JsonWebKey } from "node:crypto";
import { test } from "node:test";
import { InvalidKeyError, KeyMaterialError, UnsupportedKeyError, renderKey } from "./index.js";
import type { KeyVaultJsonWebKey } from "./index.js";

const KID = "https://myvault.vault.azure.net/keys/k1/0123456789abcdef0123456789abcdef";

/** A Key Vault KeyBundle.key for a fresh key pair: public parts only, plus kid and key_ops. */
function keyVaultJwk(jwk: JsonWebKey, kty: string): KeyVaultJsonWebKey & { key_ops: string[] } {
  return {
    kid: KID,
    kty,
    key_ops: ["sign", "verify"],
    ...(jwk.kty === "RSA" ? { n: jwk.n, e: jwk.e } : { crv: jwk.crv, x: jwk.x, y: jwk.y }),
  };
}

function rsaJwk(): JsonWebKey {
  return generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "jwk" });
}

function ecJwk(namedCurve: string): JsonWebKey {
  return generateKeyPairSync("ec", { namedCurve }).publicKey.export({ format: "jwk" });
}

/** The rendered PEM must be exactly what Go's pem.EncodeToMemory writes for the SPKI DER. */
function assertPublicKeyPem(pem: Buffer, expected: JsonWebKey): void {
  const text = pem.toString("utf8");
  assert.match(text, /^-----BEGIN PUBLIC KEY-----\n/);
  assert.match(text, /\n-----END PUBLIC KEY-----\n$/);
  assert.ok(!text.includes("\r"), "LF line endings");
  const bodyLines = text.split("\n").slice(1, -2);
  assert.ok(bodyLines.every((line) => line.length > 0 && line.length <= 64));
  assert.ok(
    bodyLines.slice(0, -1).every((line) => line.length === 64),
    "full 64-char lines",
  );

  const key = createPublicKey(text);
  assert.deepEqual(key.export({ format: "jwk" }), expected);
  // Byte-exact: the canonical SPKI PEM (OpenSSL writes the same layout as Go).
  assert.equal(
    text,
    createPublicKey({ key: expected, format: "jwk" }).export({ type: "spki", format: "pem" }),
  );
}

test("RSA and RSA-HSM keys render as the PKIX PUBLIC KEY of n and e", () => {
  for (const kty of ["RSA", "RSA-HSM"]) {
    const jwk = rsaJwk();
    assertPublicKeyPem(renderKey(keyVaultJwk(jwk, kty)), jwk);
  }
});

test("EC and EC-HSM keys on P-256, P-384 and P-521 render as PKIX PUBLIC KEY", () => {
  for (const [crv, namedCurve] of [
    ["P-256", "prime256v1"],
    ["P-384", "secp384r1"],
    ["P-521", "secp521r1"],
  ] as const) {
    for (const kty of ["EC", "EC-HSM"]) {
      const jwk = ecJwk(namedCurve);
      assert.equal(jwk.crv, crv);
      const pem = renderKey(keyVaultJwk(jwk, kty));
      assertPublicKeyPem(pem, jwk);
      assert.equal(createPublicKey(pem).asymmetricKeyDetails?.namedCurve, namedCurve);
    }
  }
});

test("leading zero bytes and padding in the base64url fields do not change the output", () => {
  const rsa = rsaJwk();
  const plain = renderKey(keyVaultJwk(rsa, "RSA"));
  const n = Buffer.concat([Buffer.from([0]), Buffer.from(String(rsa.n), "base64url")]);
  assert.deepEqual(renderKey({ kty: "RSA", n: n.toString("base64url"), e: rsa.e }), plain);
  assert.deepEqual(renderKey({ kty: "RSA", n: rsa.n, e: `${String(rsa.e)}=` }), plain);

  // A coordinate with its leading zero stripped (Go's SetBytes reads both the same way).
  for (;;) {
    const ec = ecJwk("prime256v1");
    const x = Buffer.from(String(ec.x), "base64url");
    if (x[0] !== 0) continue;
    const stripped = { ...keyVaultJwk(ec, "EC"), x: x.subarray(1).toString("base64url") };
    assert.deepEqual(renderKey(stripped), renderKey(keyVaultJwk(ec, "EC")));
    break;
  }
});

test("unsupported key types and curves fail like the provider", () => {
  const ec = ecJwk("prime256v1");
  const cases: [KeyVaultJsonWebKey, RegExp][] = [
    [{ kty: "oct", k: "c2VjcmV0" } as KeyVaultJsonWebKey, /key type "oct" is not supported/],
    [{ kty: "oct-HSM" }, /key type "oct-HSM" is not supported/],
    [{ kty: "rsa", n: "AQAB", e: "AQAB" }, /key type "rsa" is not supported/],
    [{}, /key type \(none\) is not supported/],
    [{ ...keyVaultJwk(ec, "EC"), crv: "P-256K" }, /curve "P-256K" is not supported/],
    [{ ...keyVaultJwk(ec, "EC"), crv: "SECP256K1" }, /curve "SECP256K1" is not supported/],
    [{ ...keyVaultJwk(ec, "EC"), crv: undefined }, /curve \(none\) is not supported/],
  ];
  for (const [jwk, message] of cases) {
    assert.throws(
      () => renderKey(jwk),
      (error: unknown) => {
        assert.ok(error instanceof UnsupportedKeyError);
        assert.ok(error instanceof KeyMaterialError);
        assert.equal(error.name, "UnsupportedKeyError");
        assert.match(error.message, message);
        return true;
      },
    );
  }
});

test("missing or malformed key fields are InvalidKeyError without the key material", () => {
  const rsa = rsaJwk();
  const ec = ecJwk("secp384r1");
  const x = Buffer.from(String(ec.x), "base64url");
  const cases: KeyVaultJsonWebKey[] = [
    { kty: "RSA", e: rsa.e },
    { kty: "RSA", n: `${String(rsa.n)}+/`, e: rsa.e },
    { kty: "RSA", n: "AAAA", e: rsa.e },
    { ...keyVaultJwk(ec, "EC"), y: undefined },
    { ...keyVaultJwk(ec, "EC"), x: Buffer.concat([Buffer.from([1]), x]).toString("base64url") },
    // A point that is not on the curve.
    { ...keyVaultJwk(ec, "EC"), y: Buffer.alloc(48, 7).toString("base64url") },
  ];
  for (const jwk of cases) {
    assert.throws(
      () => renderKey(jwk),
      (error: unknown) => {
        assert.ok(error instanceof InvalidKeyError, String(error));
        for (const material of [rsa.n, ec.x, ec.y, jwk.n, jwk.x, jwk.y]) {
          if (material !== undefined && material.length > 8) {
            assert.ok(!error.message.includes(material), "message quotes key material");
          }
        }
        assert.doesNotMatch(error.message, /[A-Za-z0-9_-]{24,}/);
        return true;
      },
    );
  }
});
