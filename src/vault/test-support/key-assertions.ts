import assert from "node:assert/strict";
import {
  createPublicKey,
  randomBytes,
  sign,
  verify,
  type JsonWebKey as NodeJsonWebKey,
  type KeyObject,
} from "node:crypto";
import type { JsonWebKey, KeyOperation } from "@azure/keyvault-keys";
import { definedOnly } from "../../util/defined-only.js";

/**
 * Moving keys between `@azure/keyvault-keys` (JsonWebKey fields as bytes, Key Vault's curve
 * names) and node:crypto (base64url JWK, JOSE's curve names), and the one check that matters for
 * a key pair: what one half signs, the other verifies. Assertions name the key, never its parts.
 */

const toJose = (crv: string | undefined) => (crv === "P-256K" ? "secp256k1" : crv);
const fromJose = (crv: string | undefined) => (crv === "secp256k1" ? "P-256K" : crv);
const text = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString("base64url");
const bytes = (base64url: string | undefined) =>
  base64url === undefined ? undefined : new Uint8Array(Buffer.from(base64url, "base64url"));

/** The public key a KeyVaultKey carries, read by node:crypto as a JWK. */
export function publicKeyOf(key: JsonWebKey | undefined): KeyObject {
  assert.ok(key, "the key has a JsonWebKey");
  const jwk: NodeJsonWebKey =
    key.kty === "RSA"
      ? definedOnly({ kty: "RSA", n: text(key.n), e: text(key.e) })
      : definedOnly({ kty: "EC", crv: toJose(key.crv), x: text(key.x), y: text(key.y) });
  return createPublicKey({ key: jwk, format: "jwk" });
}

/** A node:crypto private key as the JsonWebKey `importKey` takes, private parts included. */
export function toImportJwk(privateKey: KeyObject, keyOps?: KeyOperation[]): JsonWebKey {
  const jwk = privateKey.export({ format: "jwk" });
  const common = definedOnly({ keyOps, d: bytes(jwk.d) });
  if (jwk.kty === "RSA") {
    return {
      kty: "RSA",
      ...common,
      ...definedOnly({
        n: bytes(jwk.n),
        e: bytes(jwk.e),
        p: bytes(jwk.p),
        q: bytes(jwk.q),
        dp: bytes(jwk.dp),
        dq: bytes(jwk.dq),
        qi: bytes(jwk.qi),
      }),
    };
  }
  return {
    kty: "EC",
    ...common,
    ...definedOnly({ crv: fromJose(jwk.crv), x: bytes(jwk.x), y: bytes(jwk.y) }),
  };
}

/** What `privateKey` signs, `publicKey` verifies, and it verifies nothing else. */
export function assertKeyPair(privateKey: KeyObject, publicKey: KeyObject, what: string): void {
  const message = randomBytes(64);
  const signature = sign("sha256", message, privateKey);
  assert.ok(verify("sha256", message, publicKey, signature), `${what}: the public key verifies`);
  assert.ok(
    !verify("sha256", randomBytes(64), publicKey, signature),
    `${what}: another message does not verify`,
  );
}
