import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  sign,
  verify,
  type KeyObject,
} from "node:crypto";
import { promisify } from "node:util";

/**
 * The cryptography behind Key Vault keys, on node:crypto: generating RSA and EC key pairs,
 * reading an imported private JWK, and the public JWK that Key Vault returns. Names are Key
 * Vault's (`P-256K`); node:crypto and JOSE call that curve `secp256k1`, so it is mapped both ways.
 * A private key only ever travels as a KeyObject, whose inspection and JSON show no key material.
 */

export type KeyType = "RSA" | "EC";

/** What Key Vault accepts as `key_size` for RSA keys. */
export const RSA_KEY_SIZES = [2048, 3072, 4096] as const;
export const DEFAULT_RSA_KEY_SIZE = 2048;
/** Key Vault's software RSA keys always use F4, whatever `public_exponent` asks for. */
export const RSA_PUBLIC_EXPONENT = 65537;

export const CURVE_NAMES = ["P-256", "P-384", "P-521", "P-256K"] as const;
export type CurveName = (typeof CURVE_NAMES)[number];
export const DEFAULT_CURVE: CurveName = "P-256";

/** OpenSSL's names, for generateKeyPair and asymmetricKeyDetails.namedCurve. */
const OPENSSL_CURVE: Record<CurveName, string> = {
  "P-256": "prime256v1",
  "P-384": "secp384r1",
  "P-521": "secp521r1",
  "P-256K": "secp256k1",
};
/** JOSE's names, for JWK import and export. */
const JOSE_CURVE: Record<CurveName, string> = {
  "P-256": "P-256",
  "P-384": "P-384",
  "P-521": "P-521",
  "P-256K": "secp256k1",
};

export type KeySpec = { kty: "RSA"; size: number } | { kty: "EC"; curve: CurveName };

/** The public half in Key Vault's JsonWebKey fields, base64url without padding. */
export type PublicJwk = { n: string; e: string } | { crv: CurveName; x: string; y: string };

/** The JsonWebKey fields an import may carry (base64url strings). */
export interface PrivateJwkInput {
  kty: KeyType;
  n?: string | undefined;
  e?: string | undefined;
  d?: string | undefined;
  p?: string | undefined;
  q?: string | undefined;
  dp?: string | undefined;
  dq?: string | undefined;
  qi?: string | undefined;
  crv?: string | undefined;
  x?: string | undefined;
  y?: string | undefined;
}

const generate = promisify(generateKeyPair);

export const isCurveName = (crv: string): crv is CurveName =>
  (CURVE_NAMES as readonly string[]).includes(crv);

/** A new private key; off the event loop (an RSA-4096 key takes about a second). */
export async function generateKey(spec: KeySpec): Promise<KeyObject> {
  if (spec.kty === "RSA") {
    const pair = await generate("rsa", {
      modulusLength: spec.size,
      publicExponent: RSA_PUBLIC_EXPONENT,
    });
    return pair.privateKey;
  }
  const pair = await generate("ec", { namedCurve: OPENSSL_CURVE[spec.curve] });
  return pair.privateKey;
}

/** Why a private key is not one Key Vault would hold, or undefined if it is. */
function unsupported(key: KeyObject): string | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa") {
    const size = details.modulusLength ?? 0;
    return (RSA_KEY_SIZES as readonly number[]).includes(size)
      ? undefined
      : `an RSA key of ${size} bits is not supported: use ${RSA_KEY_SIZES.join(", ")}`;
  }
  if (key.asymmetricKeyType === "ec") {
    return curveOf(key) === undefined
      ? `the curve ${details.namedCurve ?? "?"} is not supported: use ${CURVE_NAMES.join(", ")}`
      : undefined;
  }
  return `a ${key.asymmetricKeyType ?? "symmetric"} key is not supported`;
}

function curveOf(key: KeyObject): CurveName | undefined {
  const named = key.asymmetricKeyDetails?.namedCurve;
  return CURVE_NAMES.find((c) => OPENSSL_CURVE[c] === named);
}

/**
 * Reads an imported key's private parts. Returns the key, or the reason it was refused: a reason
 * names fields, never their values.
 */
export function importPrivateJwk(jwk: PrivateJwkInput): KeyObject | { refused: string } {
  const strip = (v: string | undefined) => v?.replace(/=+$/, "");
  let joseJwk: Record<string, string | undefined>;
  if (jwk.kty === "RSA") {
    const missing = (["n", "e", "d", "p", "q", "dp", "dq", "qi"] as const).filter(
      (f) => jwk[f] === undefined || jwk[f] === "",
    );
    if (missing.length > 0) {
      return {
        refused: `an RSA key to import needs its private parts; missing: ${missing.join(", ")}`,
      };
    }
    joseJwk = {
      kty: "RSA",
      n: strip(jwk.n),
      e: strip(jwk.e),
      d: strip(jwk.d),
      p: strip(jwk.p),
      q: strip(jwk.q),
      dp: strip(jwk.dp),
      dq: strip(jwk.dq),
      qi: strip(jwk.qi),
    };
  } else {
    if (jwk.crv === undefined || !isCurveName(jwk.crv)) {
      return { refused: `crv must be one of ${CURVE_NAMES.join(", ")}` };
    }
    const missing = (["x", "y", "d"] as const).filter((f) => jwk[f] === undefined || jwk[f] === "");
    if (missing.length > 0) {
      return {
        refused: `an EC key to import needs x, y and its private d; missing: ${missing.join(", ")}`,
      };
    }
    joseJwk = {
      kty: "EC",
      crv: JOSE_CURVE[jwk.crv],
      x: strip(jwk.x),
      y: strip(jwk.y),
      d: strip(jwk.d),
    };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: joseJwk, format: "jwk" });
  } catch {
    // OpenSSL's message may quote the input: keep it out of the answer.
    return { refused: `the ${jwk.kty} key's parameters do not form a valid private key` };
  }
  const reason = unsupported(key);
  if (reason !== undefined) return { refused: reason };
  if (jwk.kty === "RSA" && !rsaPartsAgree(joseJwk)) {
    return { refused: "the RSA key's primes and exponents do not belong together" };
  }
  // node:crypto does not check that the public half (n, e or x, y) belongs to the private one; a
  // key that does not would sign what it cannot verify. Try it once.
  const probe = Buffer.from("kvsync key import check");
  let consistent = false;
  try {
    consistent = verify("sha256", probe, createPublicKey(key), sign("sha256", probe, key));
  } catch {
    // OpenSSL refuses some inconsistent keys outright: the same answer.
  }
  if (!consistent) {
    return { refused: `the ${jwk.kty} key's public parts do not match its private parts` };
  }
  return key;
}

/**
 * OpenSSL signs correctly even with wrong CRT parts (it checks the result and falls back to d),
 * so a sign-and-verify probe cannot catch them: check the arithmetic, as a key importer should.
 */
function rsaPartsAgree(jwk: Record<string, string | undefined>): boolean {
  const int = (field: string) =>
    BigInt(`0x${Buffer.from(jwk[field] ?? "", "base64url").toString("hex") || "0"}`);
  const [n, d, p, q, dp, dq, qi] = ["n", "d", "p", "q", "dp", "dq", "qi"].map(int) as [
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
  ];
  if (p <= 1n || q <= 1n || p === q) return false;
  return p * q === n && d % (p - 1n) === dp && d % (q - 1n) === dq && (qi * q) % p === 1n;
}

export function keyTypeOf(key: KeyObject): KeyType {
  return key.asymmetricKeyType === "ec" ? "EC" : "RSA";
}

/** The public parts Key Vault returns for a key, in its field order (n, e or crv, x, y). */
export function publicJwkOf(privateKey: KeyObject): PublicJwk {
  const jwk = createPublicKey(privateKey).export({ format: "jwk" });
  if (privateKey.asymmetricKeyType === "rsa") return { n: jwk.n ?? "", e: jwk.e ?? "" };
  const crv = curveOf(privateKey);
  if (crv === undefined) throw new Error("not a key of a supported curve");
  return { crv, x: jwk.x ?? "", y: jwk.y ?? "" };
}

/** PKCS#8 DER, the stored form. */
export const privateKeyDer = (key: KeyObject): Buffer =>
  key.export({ type: "pkcs8", format: "der" });

export const privateKeyFromDer = (der: Buffer): KeyObject =>
  createPrivateKey({ key: der, format: "der", type: "pkcs8" });
