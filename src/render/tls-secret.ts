/**
 * The two keys of a `kubernetes.io/tls` Secret, from the file a class writes, as the CSI
 * driver's secret sync builds them (secrets-store-csi-driver `pkg/util/secretutil`):
 * - `tls.crt`: every `CERTIFICATE` block of the file, in file order, re-encoded;
 * - `tls.key`: the last block that is not a certificate, re-encoded as `RSA PRIVATE KEY`
 *   (PKCS#1) or `EC PRIVATE KEY` (SEC 1), which is what ingress controllers expect.
 * A file with no PEM block is read as a binary PFX with the empty password (a class that asks
 * for `objectFormat: pfx` with `objectEncoding: base64`). Where the driver would write an empty
 * key or certificate, kvsync refuses with a clear error instead: an empty `tls.key` only fails
 * later, in the ingress controller, without saying why.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { InvalidKeyError, MissingPrivateKeyError, UnsupportedKeyError } from "./errors.js";
import { decodePemBlocks, encodePem } from "./pem.js";
import { decodePfx } from "./pkcs12.js";

export type TlsSecretKey = "tls.crt" | "tls.key";

/** The content of `tls.crt` or `tls.key` for a file. Throws a KeyMaterialError. */
export function tlsSecretPart(file: Buffer, key: TlsSecretKey): Buffer {
  const parts = splitFile(file);
  if (key === "tls.crt") {
    if (parts.certificates.length === 0) {
      throw new InvalidKeyError("the file holds no certificate for tls.crt");
    }
    return Buffer.from(parts.certificates.map((der) => encodePem("CERTIFICATE", der)).join(""));
  }
  if (parts.privateKey === undefined) {
    throw new MissingPrivateKeyError("the file holds no private key for tls.key");
  }
  return Buffer.from(traditionalPem(parts.privateKey.der, parts.privateKey.format));
}

type KeyFormat = "pkcs8" | "pkcs1" | "sec1";

interface FileParts {
  certificates: Buffer[];
  privateKey: { der: Buffer; format: KeyFormat | undefined } | undefined;
}

function splitFile(file: Buffer): FileParts {
  const blocks = decodePemBlocks(file.toString("latin1")) ?? [];
  if (blocks.length === 0) {
    const pfx = decodePfx(file);
    const der = pfx.privateKeys.at(-1);
    return {
      certificates: pfx.certificates,
      privateKey: der === undefined ? undefined : { der, format: "pkcs8" },
    };
  }
  const keyBlock = blocks.filter((b) => b.type !== "CERTIFICATE").at(-1);
  return {
    certificates: blocks.filter((b) => b.type === "CERTIFICATE").map((b) => b.der),
    privateKey:
      keyBlock === undefined ? undefined : { der: keyBlock.der, format: FORMATS[keyBlock.type] },
  };
}

const FORMATS: Readonly<Record<string, KeyFormat>> = {
  "PRIVATE KEY": "pkcs8",
  "RSA PRIVATE KEY": "pkcs1",
  "EC PRIVATE KEY": "sec1",
};

/** The key as PKCS#1 (RSA) or SEC 1 (EC) PEM; Go's parsers try each DER form, so do we. */
function traditionalPem(der: Buffer, hinted: KeyFormat | undefined): string {
  const key = parseDer(der, hinted);
  if (key.asymmetricKeyType === "rsa") {
    return key.export({ type: "pkcs1", format: "pem" }).toString();
  }
  if (key.asymmetricKeyType === "ec") {
    return key.export({ type: "sec1", format: "pem" }).toString();
  }
  throw new UnsupportedKeyError(
    "tls.key takes an RSA or EC private key (the CSI driver supports no other)",
  );
}

function parseDer(der: Buffer, hinted: KeyFormat | undefined): KeyObject {
  const formats: KeyFormat[] = ["pkcs8", "pkcs1", "sec1"];
  for (const type of hinted === undefined ? formats : [hinted, ...formats]) {
    try {
      return createPrivateKey({ key: der, format: "der", type });
    } catch {
      // Try the next form; none matching is reported below without the decoder's message.
    }
  }
  throw new InvalidKeyError("the file's private key is not PKCS#8, PKCS#1 or SEC 1 DER");
}
