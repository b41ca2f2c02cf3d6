/**
 * @peculiar/x509, ready to use. It resolves its crypto through tsyringe, which needs the
 * Reflect metadata API loaded before it; and it must be told to use Node's WebCrypto.
 * Import x509 from here, never from the package directly.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(globalThis.crypto);

export { x509 };
