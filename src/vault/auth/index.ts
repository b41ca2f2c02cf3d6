export { TokenIssuer, newSigningKey } from "./token-issuer.js";
export type { IssuedToken, TokenIssuerOptions } from "./token-issuer.js";
export { checkBearer, challengeHeader } from "./challenge.js";
export type { AuthMode, ChallengeOptions } from "./challenge.js";
