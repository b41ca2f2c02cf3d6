/**
 * `objectType: key` → the file the CSI Azure provider writes: the key's **public** key as a
 * PKIX `PUBLIC KEY` PEM (SubjectPublicKeyInfo DER, Go `x509.MarshalPKIXPublicKey` +
 * `pem.EncodeToMemory`: 64-character lines, LF, trailing newline). Private parts are never
 * written. Provider `getKey` (pkg/provider/provider.go):
 * - kty `RSA` / `RSA-HSM`: n and e (big-endian, leading zero bytes ignored);
 * - kty `EC` / `EC-HSM`: crv `P-256`, `P-384` or `P-521` with x and y; any other curve,
 *   `P-256K` included, fails ("curve … is not supported");
 * - any other kty (`oct`, `oct-HSM`, …) fails ("key type … currently not supported").
 */
import { createPublicKey } from "node:crypto";
import type { JsonWebKey as NodeJsonWebKey } from "node:crypto";
import { InvalidKeyError, UnsupportedKeyError, quoteName } from "./errors.js";
import { decodeBase64Url, encodePem } from "./pem.js";

/** The public part of a Key Vault JsonWebKey (KeyBundle.key); extra fields are ignored. */
export interface KeyVaultJsonWebKey {
  kid?: string | undefined;
  kty?: string | undefined;
  crv?: string | undefined;
  n?: string | undefined;
  e?: string | undefined;
  x?: string | undefined;
  y?: string | undefined;
}

/** Key Vault curve name → field size in bytes. */
const CURVE_BYTES: Readonly<Record<string, number>> = { "P-256": 32, "P-384": 48, "P-521": 66 };

/** Renders a Key Vault key as the CSI provider's `PUBLIC KEY` PEM file. */
export function renderKey(jwk: KeyVaultJsonWebKey): Buffer {
  const spki = publicKeyObject(jwk).export({ type: "spki", format: "der" });
  return Buffer.from(encodePem("PUBLIC KEY", spki), "utf8");
}

function publicKeyObject(jwk: KeyVaultJsonWebKey): ReturnType<typeof createPublicKey> {
  switch (jwk.kty) {
    case "RSA":
    case "RSA-HSM": {
      const n = unsignedInteger(field(jwk.n, "n"));
      const e = unsignedInteger(field(jwk.e, "e"));
      if (n.length === 0 || e.length === 0) throw new InvalidKeyError("RSA key has a zero n or e");
      return importJwk({ kty: "RSA", n: n.toString("base64url"), e: e.toString("base64url") });
    }
    case "EC":
    case "EC-HSM": {
      const crv = jwk.crv;
      const size = crv === undefined ? undefined : CURVE_BYTES[crv];
      if (crv === undefined || size === undefined) {
        throw new UnsupportedKeyError(
          `curve ${crv === undefined ? "(none)" : quoteName(crv)} is not supported; ` +
            "expected P-256, P-384 or P-521",
        );
      }
      const x = coordinate(field(jwk.x, "x"), size);
      const y = coordinate(field(jwk.y, "y"), size);
      return importJwk({ kty: "EC", crv, x, y });
    }
    case undefined:
    default:
      throw new UnsupportedKeyError(
        `key type ${jwk.kty === undefined ? "(none)" : quoteName(jwk.kty)} is not supported; ` +
          "expected RSA, RSA-HSM, EC or EC-HSM",
      );
  }
}

function field(value: string | undefined, name: string): Buffer {
  if (value === undefined || value === "") throw new InvalidKeyError(`key has no "${name}"`);
  const bytes = decodeBase64Url(value);
  if (bytes === undefined) throw new InvalidKeyError(`key field "${name}" is not base64url`);
  return bytes;
}

/** Big-endian bytes without leading zeros, as Go's big.Int.SetBytes reads them. */
function unsignedInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

/** A coordinate as SetBytes reads it, left-padded to the curve size (elliptic.Marshal). */
function coordinate(bytes: Buffer, size: number): string {
  const value = unsignedInteger(bytes);
  if (value.length > size) throw new InvalidKeyError("EC key coordinate is too long for its curve");
  return Buffer.concat([Buffer.alloc(size - value.length), value]).toString("base64url");
}

function importJwk(jwk: NodeJsonWebKey): ReturnType<typeof createPublicKey> {
  try {
    return createPublicKey({ key: jwk, format: "jwk" });
  } catch {
    // Node's message may describe the input; keep ours generic.
    throw new InvalidKeyError(`${String(jwk.kty)} key is not a valid public key`);
  }
}
