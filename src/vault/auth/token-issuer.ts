import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK } from "jose";
import { randomUUID } from "node:crypto";

type KeyLike = Awaited<ReturnType<typeof importJWK>>;

/**
 * Access tokens the local vault issues from its managed-identity endpoint and, with
 * `--auth strict`, the only ones it accepts. Signed ES256 with a key kept in the vault's data,
 * so tokens stay valid across restarts; claims follow Entra ID v1 tokens.
 */

export interface TokenIssuerOptions {
  tenantId: string;
  /** The private signing key as a JWK (stored by the caller). */
  signingKey: JWK;
  /** Epoch seconds. */
  now: () => number;
  lifetimeSeconds?: number;
}

export interface IssuedToken {
  accessToken: string;
  expiresOn: number;
  expiresIn: number;
  notBefore: number;
}

export async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return exportJWK(privateKey);
}

export class TokenIssuer {
  readonly #options: TokenIssuerOptions;
  readonly #keys: Promise<{ privateKey: KeyLike; publicKey: KeyLike }>;

  constructor(options: TokenIssuerOptions) {
    this.#options = options;
    const { d: _private, ...publicJwk } = options.signingKey;
    this.#keys = Promise.all([
      importJWK(options.signingKey, "ES256"),
      importJWK(publicJwk, "ES256"),
    ]).then(([privateKey, publicKey]) => ({ privateKey, publicKey }));
  }

  get issuer(): string {
    return `https://sts.windows.net/${this.#options.tenantId}/`;
  }

  async issue(resource: string, clientId: string): Promise<IssuedToken> {
    const now = this.#options.now();
    const expiresIn = this.#options.lifetimeSeconds ?? 86_400;
    const accessToken = await new SignJWT({
      tid: this.#options.tenantId,
      appid: clientId,
      oid: clientId,
      idtyp: "app",
    })
      .setProtectedHeader({ alg: "ES256", typ: "JWT" })
      .setIssuer(this.issuer)
      .setAudience(resource)
      .setSubject(clientId)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + expiresIn)
      .setJti(randomUUID())
      .sign((await this.#keys).privateKey);
    return { accessToken, expiresOn: now + expiresIn, expiresIn, notBefore: now };
  }

  /** True when the token is one of ours, unexpired, for this resource. */
  async verify(token: string, resource: string): Promise<boolean> {
    try {
      await jwtVerify(token, (await this.#keys).publicKey, {
        issuer: this.issuer,
        audience: [resource, `${resource}/`],
        currentDate: new Date(this.#options.now() * 1000),
        algorithms: ["ES256"],
      });
      return true;
    } catch {
      return false;
    }
  }
}
