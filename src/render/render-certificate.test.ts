import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey, generateKeyPairSync } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { before, describe, test } from "node:test";
import forge from "node-forge";
import {
  CertificateChainError,
  InvalidCertificateError,
  KeyMaterialError,
  MissingPrivateKeyError,
  NotPemOrPfxError,
  ObjectEncodingError,
  PEM_CONTENT_TYPE,
  PKCS12_CONTENT_TYPE,
  PfxParseError,
  UnknownContentTypeError,
  UnsupportedKeyError,
  buildPemBundle,
  buildPfx,
  decodePfx,
  orderCertificateChain,
  parseCertificateSecret,
  renderCertificate,
  renderCertificateSecret,
} from "./index.js";
import { encodePfx } from "./pkcs12.js";
import { buildChain, certificateWithIds } from "./test-support/chain.js";
import type { TestChain } from "./test-support/chain.js";

// ---------------------------------------------------------------------------------------
// Helpers

interface RenderedPem {
  keys: KeyObject[];
  certificates: X509Certificate[];
}

/** Splits rendered PEM into its blocks, checking the provider's layout on the way. */
function parseRendered(output: Buffer): RenderedPem {
  const text = output.toString("utf8");
  assert.ok(!text.includes("\r"), "LF line endings only");
  assert.ok(text.endsWith("-----\n"), "ends with a newline after the last block");
  const blocks = [
    ...text.matchAll(/-----BEGIN ([A-Z ]+)-----\n([A-Za-z0-9+/=\n]*?)-----END \1-----\n/g),
  ];
  assert.equal(blocks.map((b) => b[0]).join(""), text, "nothing but PEM blocks, back to back");
  const rendered: RenderedPem = { keys: [], certificates: [] };
  for (const [block, type, body] of blocks) {
    const lines = (body ?? "").split("\n").slice(0, -1);
    assert.ok(
      lines.slice(0, -1).every((line) => line.length === 64),
      "64-character lines",
    );
    if (type === "CERTIFICATE") {
      rendered.certificates.push(new X509Certificate(block));
    } else {
      assert.equal(type, "PRIVATE KEY", "keys are re-encoded as PKCS#8");
      assert.equal(rendered.certificates.length, 0, "private keys come before certificates");
      rendered.keys.push(createPrivateKey(block));
    }
  }
  return rendered;
}

/** Each certificate is issued by the next one: names chain and signatures verify. */
function assertOrderedChain(certificates: readonly X509Certificate[]): void {
  for (let i = 0; i + 1 < certificates.length; i++) {
    const [cert, next] = [certificates[i], certificates[i + 1]];
    assert.ok(cert !== undefined && next !== undefined);
    assert.equal(cert.issuer, next.subject, `certificate ${i} is issued by certificate ${i + 1}`);
    assert.ok(cert.verify(next.publicKey), `certificate ${i} verifies with certificate ${i + 1}`);
  }
}

function pkcs8Pem(key: KeyObject): string {
  return key.export({ type: "pkcs8", format: "pem" }).toString();
}

function fingerprints(certificates: readonly X509Certificate[]): string[] {
  return certificates.map((cert) => cert.fingerprint256);
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [
      item,
      ...rest,
    ]),
  );
}

/** Asserts a KeyMaterialError subclass whose message quotes none of `secrets`. */
function assertSafeError(
  fn: () => unknown,
  type: new (...args: never[]) => KeyMaterialError,
  secrets: readonly string[],
  message?: RegExp,
): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    assert.ok(error instanceof KeyMaterialError);
    assert.equal(error.name, type.name);
    if (message !== undefined) assert.match(error.message, message);
    assert.doesNotMatch(error.message, /-----BEGIN|-----END/);
    assert.doesNotMatch(error.message, /[A-Za-z0-9+/_-]{24,}/, "no base64 runs in the message");
    for (const secret of secrets) {
      for (let i = 0; i + 16 <= secret.length; i += 16) {
        assert.ok(!error.message.includes(secret.slice(i, i + 16)), "message quotes the value");
      }
    }
    return true;
  });
}

/** forge leaves bag.key / bag.cert null (typed as undefined) for what it cannot model (EC). */
function forgeValue<T>(value: T | null | undefined): T | undefined {
  return value ?? undefined;
}

/** A PFX built by node-forge's own writer: RC2-40 certificates, 3DES key, SHA-1 MAC. */
function forgePfx(
  chain: TestChain,
  certificates: readonly X509Certificate[],
  password: string | null,
): string {
  const key = forge.pki.privateKeyFromPem(pkcs8Pem(chain.leafKey));
  const certs = certificates.map((cert) => forge.pki.certificateFromPem(cert.toString()));
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, certs, password, { algorithm: "3des" });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary").toString("base64");
}

// ---------------------------------------------------------------------------------------

describe("certificate rendering", () => {
  const chains: Record<"rsa" | "ec", TestChain> = {} as Record<"rsa" | "ec", TestChain>;
  let rsaOnly: TestChain;

  before(async () => {
    chains.rsa = await buildChain("rsa");
    chains.ec = await buildChain("ec");
    rsaOnly = await buildChain("rsa", "rsa", "legacy");
  });

  test("objectType cert: the cer as one CERTIFICATE PEM block, leaf only", () => {
    for (const chain of Object.values(chains)) {
      const output = renderCertificate(chain.leaf.raw.toString("base64"));
      assert.equal(output.toString("utf8"), chain.leaf.toString());
      const { keys, certificates } = parseRendered(output);
      assert.equal(keys.length, 0);
      assert.deepEqual(fingerprints(certificates), fingerprints([chain.leaf]));
    }
  });

  test("objectType cert: a cer that is not standard base64 is InvalidCertificateError", () => {
    const cer = chains.ec.leaf.raw.toString("base64");
    for (const bad of [
      "",
      "not base64!",
      cer.slice(0, -1),
      chains.ec.leaf.raw.toString("base64url"),
    ]) {
      assertSafeError(() => renderCertificate(bad), InvalidCertificateError, [cer]);
    }
  });

  for (const kind of ["rsa", "ec"] as const) {
    test(`PFX secret, objectFormat pem (${kind} leaf): key first, then leaf → intermediate → root`, () => {
      const chain = chains[kind];
      const pfx = buildPfx(chain.leafKey, [chain.leaf, chain.intermediate, chain.root]);
      const output = renderCertificateSecret(pfx.toString("base64"), PKCS12_CONTENT_TYPE, "pem");

      const { keys, certificates } = parseRendered(output);
      assert.equal(keys.length, 1);
      const [key] = keys;
      assert.ok(key !== undefined);
      assert.deepEqual(key.export({ format: "jwk" }), chain.leafKey.export({ format: "jwk" }));
      assert.deepEqual(
        fingerprints(certificates),
        fingerprints([chain.leaf, chain.intermediate, chain.root]),
      );
      assertOrderedChain(certificates);
      assert.ok(certificates[0]?.checkPrivateKey(key), "the key matches the leaf");
      // Byte for byte what the provider writes.
      assert.equal(
        output.toString("utf8"),
        pkcs8Pem(chain.leafKey) +
          chain.leaf.toString() +
          chain.intermediate.toString() +
          chain.root.toString(),
      );
    });
  }

  test("PFX secret, objectFormat pem: any stored order comes out leaf → intermediate → root", () => {
    const chain = chains.ec;
    const expected = fingerprints([chain.leaf, chain.intermediate, chain.root]);
    for (const order of permutations([chain.leaf, chain.intermediate, chain.root])) {
      const pfx = buildPfx(chain.leafKey, order).toString("base64");
      const { certificates } = parseRendered(
        renderCertificateSecret(pfx, PKCS12_CONTENT_TYPE, "pem"),
      );
      assert.deepEqual(fingerprints(certificates), expected);
      assertOrderedChain(certificates);
    }
  });

  test("PFX secret, objectFormat pem: a chain without its root is still ordered", () => {
    const chain = chains.rsa;
    const pfx = buildPfx(chain.leafKey, [chain.intermediate, chain.leaf]).toString("base64");
    const { certificates } = parseRendered(
      renderCertificateSecret(pfx, PKCS12_CONTENT_TYPE, "pem"),
    );
    assert.deepEqual(fingerprints(certificates), fingerprints([chain.leaf, chain.intermediate]));
  });

  test("PFX secret, objectFormat pem: certificates that do not chain keep the stored order", async () => {
    const chain = chains.rsa;
    const unrelated = (await buildChain("ec", "ec", "other")).root;
    const stored = [chain.intermediate, unrelated, chain.leaf];
    const pfx = buildPfx(chain.leafKey, stored).toString("base64");
    const { certificates } = parseRendered(
      renderCertificateSecret(pfx, PKCS12_CONTENT_TYPE, "pem"),
    );
    assert.deepEqual(fingerprints(certificates), fingerprints(stored));
  });

  test("PFX secret, --construct-pem-chain=false: certificates in PFX order", () => {
    const chain = chains.ec;
    const stored = [chain.root, chain.leaf, chain.intermediate];
    const pfx = buildPfx(chain.leafKey, stored).toString("base64");
    const output = renderCertificateSecret(pfx, PKCS12_CONTENT_TYPE, "pem", {
      constructPemChain: false,
    });
    assert.deepEqual(fingerprints(parseRendered(output).certificates), fingerprints(stored));
  });

  test("PFX secret from another writer (RC2-40 certificates, 3DES key) renders the same way", () => {
    const chain = rsaOnly;
    const stored = [chain.root, chain.leaf, chain.intermediate];
    for (const password of ["", null]) {
      const pfx = forgePfx(chain, stored, password);
      const output = renderCertificateSecret(pfx, PKCS12_CONTENT_TYPE, "pem");
      const { keys, certificates } = parseRendered(output);
      assert.equal(keys.length, 1);
      assert.ok(chain.leaf.checkPrivateKey(keys[0] as KeyObject));
      assert.deepEqual(
        fingerprints(certificates),
        fingerprints([chain.leaf, chain.intermediate, chain.root]),
      );
    }
  });

  test("PFX secret, objectFormat pfx: the base64 value as is, or the binary PFX with objectEncoding base64", () => {
    const chain = chains.rsa;
    const pfx = buildPfx(chain.leafKey, [chain.leaf, chain.intermediate, chain.root]);
    const value = pfx.toString("base64");
    assert.equal(
      renderCertificateSecret(value, PKCS12_CONTENT_TYPE, "pfx").toString("utf8"),
      value,
    );
    const binary = renderCertificateSecret(value, PKCS12_CONTENT_TYPE, "pfx", {
      encoding: "base64",
    });
    assert.deepEqual(binary, pfx);
    const reopened = decodePfx(binary);
    assert.equal(reopened.privateKeys.length, 1);
    assert.deepEqual(reopened.certificates, [
      chain.leaf.raw,
      chain.intermediate.raw,
      chain.root.raw,
    ]);
    assertSafeError(
      () => renderCertificateSecret(value, PKCS12_CONTENT_TYPE, "pfx", { encoding: "hex" }),
      ObjectEncodingError,
      [value],
    );
  });

  test("PEM secret: written exactly as stored, whatever objectFormat says", () => {
    const chain = chains.ec;
    const stored = buildPemBundle(chain.leafKey, [chain.leaf, chain.intermediate]);
    const crlf = `${stored.replace(/\n/g, "\r\n")}\r\n`;
    for (const value of [stored, crlf]) {
      for (const format of ["pem", "pfx"] as const) {
        assert.deepEqual(
          renderCertificateSecret(value, PEM_CONTENT_TYPE, format),
          Buffer.from(value),
        );
      }
      // objectEncoding base64/hex cannot decode PEM text: the provider fails too.
      for (const encoding of ["base64", "hex"] as const) {
        assertSafeError(
          () => renderCertificateSecret(value, PEM_CONTENT_TYPE, "pem", { encoding }),
          ObjectEncodingError,
          [value],
        );
      }
    }
  });

  test("certificate secrets with a missing or unknown contentType are errors", () => {
    const value = buildPemBundle(chains.ec.leafKey, [chains.ec.leaf]);
    for (const contentType of [undefined, "text/plain", "application/X-PEM-FILE"]) {
      assertSafeError(
        () => renderCertificateSecret(value, contentType, "pem"),
        UnknownContentTypeError,
        [value],
      );
    }
  });

  test("a PKCS#12 value that is not a PFX is PfxParseError without the value in the message", () => {
    const chain = chains.rsa;
    const pem = buildPemBundle(chain.leafKey, [chain.leaf]);
    const notPfx = Buffer.from(chain.leaf.raw).toString("base64"); // DER, but a certificate
    const truncated = buildPfx(chain.leafKey, [chain.leaf]).subarray(0, 300).toString("base64");
    const garbage = Buffer.from("just some text that is not a PFX at all").toString("base64");
    for (const value of [pem, notPfx, truncated, garbage, "!!!"]) {
      assertSafeError(
        () => renderCertificateSecret(value, PKCS12_CONTENT_TYPE, "pem"),
        PfxParseError,
        [value],
      );
    }
  });

  test("a PFX with a P-256K key: the provider cannot convert it to PEM, pfx passes through", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "secp256k1" });
    const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
    const value = encodePfx(pkcs8, [chains.ec.leaf.raw], 0).toString("base64");
    assertSafeError(
      () => renderCertificateSecret(value, PKCS12_CONTENT_TYPE, "pem"),
      UnsupportedKeyError,
      [value],
      /"secp256k1"/,
    );
    assert.equal(renderCertificateSecret(value, PKCS12_CONTENT_TYPE, "pfx").toString(), value);
  });

  test("a PFX with another password is PfxParseError", () => {
    const pfx = forgePfx(rsaOnly, [rsaOnly.leaf], "s3cret");
    assertSafeError(
      () => renderCertificateSecret(pfx, PKCS12_CONTENT_TYPE, "pem"),
      PfxParseError,
      [pfx],
      /empty password/,
    );
  });
});

// ---------------------------------------------------------------------------------------

describe("provider chain ordering (fetchCertChains)", () => {
  test("no certificates: no leaf, as in the provider", () => {
    assert.throws(() => orderCertificateChain([]), CertificateChainError);
  });

  test("certificates that all sign one another: no leaf", async () => {
    const a = await certificateWithIds("a", "aa", "bb");
    const b = await certificateWithIds("b", "bb", "aa");
    assert.throws(() => orderCertificateChain([a.raw, b.raw]), /no leaf certificate/);
  });

  test("a leaf whose issuers loop: cycle", async () => {
    const a = await certificateWithIds("a", "aa", "bb");
    const b = await certificateWithIds("b", "bb", "aa");
    const leaf = await certificateWithIds("leaf", "cc", "aa");
    assert.throws(
      () => orderCertificateChain([leaf.raw, a.raw, b.raw]),
      (error: unknown) => {
        assert.ok(error instanceof CertificateChainError);
        assert.match(error.message, /cycle/);
        return true;
      },
    );
  });

  test("certificates without key identifiers keep their order", async () => {
    const x = await certificateWithIds("x", undefined, undefined);
    const y = await certificateWithIds("y", undefined, undefined);
    assert.deepEqual(orderCertificateChain([x.raw, y.raw]), [x.raw, y.raw]);
    assert.deepEqual(orderCertificateChain([y.raw, x.raw]), [y.raw, x.raw]);
  });

  test("links by AuthorityKeyIdentifier → SubjectKeyIdentifier only, not by names", async () => {
    const root = await certificateWithIds("root", "01", undefined);
    const middle = await certificateWithIds("middle", "02", "01");
    const leaf = await certificateWithIds("leaf", undefined, "02");
    assert.deepEqual(orderCertificateChain([root.raw, leaf.raw, middle.raw]), [
      leaf.raw,
      middle.raw,
      root.raw,
    ]);
  });

  test("a value that is not a certificate is InvalidCertificateError", () => {
    assert.throws(() => orderCertificateChain([Buffer.from("nope")]), InvalidCertificateError);
  });
});

// ---------------------------------------------------------------------------------------

describe("building and reading certificate secrets (local vault)", () => {
  let chain: TestChain;
  let ecChain: TestChain;

  before(async () => {
    chain = await buildChain("rsa");
    ecChain = await buildChain("ec");
  });

  test("buildPemBundle: the key first, then the chain in the given order", () => {
    const text = buildPemBundle(chain.leafKey, [chain.leaf, chain.intermediate, chain.root]);
    assert.equal(
      text,
      pkcs8Pem(chain.leafKey) +
        chain.leaf.toString() +
        chain.intermediate.toString() +
        chain.root.toString(),
    );
    const rendered = parseRendered(Buffer.from(text));
    assertOrderedChain(rendered.certificates);
    assert.ok(rendered.certificates[0]?.checkPrivateKey(rendered.keys[0] as KeyObject));
  });

  for (const kind of ["rsa", "ec"] as const) {
    test(`buildPfx (${kind} leaf) opens with node-forge and holds the same key and chain`, () => {
      const source = kind === "rsa" ? chain : ecChain;
      const stored = [source.leaf, source.intermediate, source.root];
      const pfx = buildPfx(source.leafKey, stored);

      const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(pfx.toString("binary")), "");
      const bags = p12.safeContents.flatMap((contents) => contents.safeBags);
      const keyBags = bags.filter((bag) => bag.type === forge.pki.oids.pkcs8ShroudedKeyBag);
      const certBags = bags.filter((bag) => bag.type === forge.pki.oids.certBag);
      assert.equal(keyBags.length, 1);
      const keyBag = keyBags[0];
      assert.ok(keyBag !== undefined);
      const rsaKey = forgeValue(keyBag.key);
      const keyAsn1 =
        rsaKey === undefined
          ? keyBag.asn1
          : forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(rsaKey));
      const key = createPrivateKey({
        key: Buffer.from(forge.asn1.toDer(keyAsn1).getBytes(), "binary"),
        format: "der",
        type: "pkcs8",
      });
      assert.deepEqual(key.export({ format: "jwk" }), source.leafKey.export({ format: "jwk" }));
      assert.equal(certBags.length, 3);
      const certs = certBags.map((bag) => {
        const cert = forgeValue(bag.cert);
        const asn1 = cert === undefined ? bag.asn1 : forge.pki.certificateToAsn1(cert);
        return new X509Certificate(Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary"));
      });
      assert.deepEqual(fingerprints(certs), fingerprints(stored));
      // The key and its certificate share a localKeyId, as OpenSSL and Windows expect.
      const keyId = (keyBag.attributes as Record<string, string[] | undefined>).localKeyId?.[0];
      const leafId = (certBags[0]?.attributes as Record<string, string[] | undefined>)
        .localKeyId?.[0];
      assert.ok(keyId !== undefined && keyId === leafId);

      const parsed = parseCertificateSecret(pfx.toString("base64"), PKCS12_CONTENT_TYPE);
      assert.deepEqual(
        parsed.privateKey.export({ format: "jwk" }),
        source.leafKey.export({ format: "jwk" }),
      );
      assert.deepEqual(fingerprints(parsed.certificates), fingerprints(stored));
    });
  }

  test("buildPfx writes only what Go's x/crypto/pkcs12 reads (the provider's decoder)", () => {
    const pfx = buildPfx(chain.leafKey, [chain.leaf, chain.intermediate]);
    const root = forge.asn1.fromDer(pfx.toString("binary"));
    const [version, authSafe, macData] = root.value as forge.asn1.Asn1[];
    assert.equal(forge.asn1.derToInteger((version as forge.asn1.Asn1).value as string), 3);
    const macOid = (
      ((macData?.value as forge.asn1.Asn1[])[0]?.value as forge.asn1.Asn1[])[0]
        ?.value as forge.asn1.Asn1[]
    )[0];
    assert.equal(forge.asn1.derToOid(macOid?.value as string), forge.pki.oids.sha1, "SHA-1 MAC");
    const authSafeBytes = ((authSafe?.value as forge.asn1.Asn1[])[1]?.value as forge.asn1.Asn1[])[0]
      ?.value as string;
    const contentInfos = forge.asn1.fromDer(authSafeBytes).value as forge.asn1.Asn1[];
    assert.equal(contentInfos.length, 2, "exactly two authenticated-safe items");
    const bagTypes: string[] = [];
    const attributeTypes = new Set<string>();
    for (const contentInfo of contentInfos) {
      const [type, content] = contentInfo.value as forge.asn1.Asn1[];
      assert.equal(forge.asn1.derToOid(type?.value as string), forge.pki.oids.data);
      const safeContents = (content?.value as forge.asn1.Asn1[])[0]?.value as string;
      for (const bag of forge.asn1.fromDer(safeContents).value as forge.asn1.Asn1[]) {
        const [bagId, bagValue, attributes] = bag.value as forge.asn1.Asn1[];
        const bagType = forge.asn1.derToOid(bagId?.value as string);
        bagTypes.push(bagType);
        if (bagType === forge.pki.oids.pkcs8ShroudedKeyBag) {
          const algorithm = (
            ((bagValue?.value as forge.asn1.Asn1[])[0]?.value as forge.asn1.Asn1[])[0]
              ?.value as forge.asn1.Asn1[]
          )[0];
          assert.equal(
            forge.asn1.derToOid(algorithm?.value as string),
            forge.pki.oids["pbeWithSHAAnd3-KeyTripleDES-CBC"],
          );
        }
        for (const attribute of (attributes?.value ?? []) as forge.asn1.Asn1[]) {
          attributeTypes.add(
            forge.asn1.derToOid((attribute.value as forge.asn1.Asn1[])[0]?.value as string),
          );
        }
      }
    }
    assert.deepEqual(
      bagTypes.sort(),
      [forge.pki.oids.certBag, forge.pki.oids.certBag, forge.pki.oids.pkcs8ShroudedKeyBag].sort(),
    );
    assert.deepEqual([...attributeTypes], [forge.pki.oids.localKeyId]);
  });

  test("parseCertificateSecret reads PEM and PFX, with or without a contentType", () => {
    const stored = [chain.leaf, chain.intermediate];
    const pem = buildPemBundle(chain.leafKey, stored);
    const pfx = buildPfx(chain.leafKey, stored).toString("base64");
    for (const [value, contentType] of [
      [pem, PEM_CONTENT_TYPE],
      [pem, undefined],
      [`\n${pem.replace(/\n/g, "\r\n")}`, undefined],
      [pfx, PKCS12_CONTENT_TYPE],
      [pfx, undefined],
    ] as const) {
      const parsed = parseCertificateSecret(value, contentType);
      assert.deepEqual(
        parsed.privateKey.export({ format: "jwk" }),
        chain.leafKey.export({ format: "jwk" }),
      );
      assert.deepEqual(fingerprints(parsed.certificates), fingerprints(stored));
    }
    // PKCS#1 and SEC1 keys are accepted too.
    const pkcs1 = chain.leafKey.export({ type: "pkcs1", format: "pem" }).toString();
    assert.ok(
      parseCertificateSecret(pkcs1 + chain.leaf.toString()).privateKey.equals(chain.leafKey),
    );
    const sec1 = ecChain.leafKey.export({ type: "sec1", format: "pem" }).toString();
    assert.ok(
      parseCertificateSecret(ecChain.leaf.toString() + sec1).privateKey.equals(ecChain.leafKey),
    );
  });

  test("a PEM without a private key is MissingPrivateKeyError", () => {
    const value = chain.leaf.toString() + chain.intermediate.toString();
    assertSafeError(() => parseCertificateSecret(value), MissingPrivateKeyError, [value]);
    assertSafeError(() => parseCertificateSecret(value, PEM_CONTENT_TYPE), MissingPrivateKeyError, [
      value,
    ]);
  });

  test("a value that is neither PEM nor PFX is NotPemOrPfxError", () => {
    for (const value of [
      "hunter2-but-longer-than-usual",
      Buffer.from("hello").toString("base64"),
      "",
      "-----BEGIN nothing",
    ]) {
      assertSafeError(() => parseCertificateSecret(value), NotPemOrPfxError, [value]);
    }
  });

  test("the key must belong to one of the certificates", () => {
    const pem = pkcs8Pem(ecChain.leafKey) + chain.leaf.toString();
    assertSafeError(
      () => parseCertificateSecret(pem),
      InvalidCertificateError,
      [pem],
      /no certificate matches/,
    );
    assertSafeError(() => buildPfx(ecChain.leafKey, [chain.leaf]), InvalidCertificateError, []);
    assertSafeError(() => buildPemBundle(chain.leafKey, []), InvalidCertificateError, []);
    assertSafeError(() => buildPfx(chain.leaf.publicKey, [chain.leaf]), MissingPrivateKeyError, []);
  });
});
