/**
 * The CSI Azure provider's `fetchCertChains` (pkg/provider/provider.go, on by default via
 * `--construct-pem-chain=true`), reproduced exactly: it orders the certificates of a PFX as
 * leaf → intermediate(s) → root using only the key identifier extensions, not names or
 * signatures.
 *
 * 1. For each certificate i (input order), the first other certificate j (input order)
 *    whose SubjectKeyIdentifier equals i's AuthorityKeyIdentifier keyIdentifier becomes
 *    i's parent and is marked "is a parent". Pairs where i has no AKI and j has no SKI are
 *    skipped; an absent identifier otherwise compares as empty (Go's `string(nil)`).
 * 2. The leaf is the first certificate (input order) that is nobody's parent; with none
 *    (empty input, or every certificate signs another) the provider fails "no leaf found".
 * 3. The chain is the leaf followed by parent links; a walk longer than the input fails
 *    ("constructing chain resulted in cycle").
 * 4. If the chain does not hold every certificate (missing intermediate, unrelated or
 *    disjoint certificates, identifiers absent) the provider keeps the input order
 *    unchanged (since Azure/secrets-store-csi-driver-provider-azure#1701; before it, the
 *    certificates off the chain were dropped).
 */
import { x509 } from "../util/x509.js";
import { CertificateChainError, InvalidCertificateError } from "./errors.js";

interface ChainNode {
  der: Buffer;
  subjectKeyId: string | undefined;
  authorityKeyId: string | undefined;
  parent: ChainNode | undefined;
  isParent: boolean;
}

/** Orders DER certificates as the provider does; returns the same Buffers, reordered. */
export function orderCertificateChain(certificates: readonly Buffer[]): Buffer[] {
  const nodes: ChainNode[] = certificates.map((der) => ({
    der,
    ...keyIdentifiers(der),
    parent: undefined,
    isParent: false,
  }));

  for (const child of nodes) {
    for (const candidate of nodes) {
      if (candidate === child) continue;
      // "a leaf cert SubjectKeyId is optional per RFC3280"
      if (child.authorityKeyId === undefined && candidate.subjectKeyId === undefined) continue;
      if ((child.authorityKeyId ?? "") === (candidate.subjectKeyId ?? "")) {
        candidate.isParent = true;
        child.parent = candidate;
        break;
      }
    }
  }

  let node = nodes.find((candidate) => !candidate.isParent);
  if (node === undefined) {
    throw new CertificateChainError("cannot order the certificate chain: no leaf certificate");
  }
  const chain: Buffer[] = [];
  while (node !== undefined) {
    if (chain.length === nodes.length) {
      throw new CertificateChainError("cannot order the certificate chain: it has a cycle");
    }
    chain.push(node.der);
    node = node.parent;
  }
  return chain.length === nodes.length ? chain : [...certificates];
}

function keyIdentifiers(der: Buffer): Pick<ChainNode, "subjectKeyId" | "authorityKeyId"> {
  let cert: InstanceType<typeof x509.X509Certificate>;
  try {
    cert = new x509.X509Certificate(der);
  } catch {
    throw new InvalidCertificateError("a certificate in the chain is not a valid X.509 DER");
  }
  return {
    subjectKeyId: cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId.toLowerCase(),
    authorityKeyId: cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId?.toLowerCase(),
  };
}
