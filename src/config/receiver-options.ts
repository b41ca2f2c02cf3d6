import { z } from "zod";
import type { OptionTable } from "./option-table.js";

/**
 * How a command that receives Event Grid deliveries authenticates them (see README, "Securing
 * the webhook"): Microsoft Entra ID tokens, a shared secret in the URL's ?code=, or nothing (a
 * warning at start). Shared by every command that hosts the receiver.
 */
export const receiverAuthOptions = {
  webhookAuth: {
    flag: "--webhook-auth <mode>",
    description:
      "entra | query-secret | none (default: query-secret when --webhook-secret is given, else none)",
    schema: z.enum(["entra", "query-secret", "none"]).optional(),
    env: "KVSYNC_WEBHOOK_AUTH",
  },
  webhookSecret: {
    flag: "--webhook-secret <secret...>",
    description: "accept deliveries whose URL carries ?code=<secret>; give two while rotating",
    schema: z.array(z.string().min(16, "use at least 16 characters")).optional(),
    env: "KVSYNC_WEBHOOK_SECRET",
  },
  entraTenantId: {
    flag: "--entra-tenant-id <guid>",
    description: "tenant of the webhook's Entra app (with --webhook-auth entra)",
    schema: z.string().optional(),
  },
  entraAudience: {
    flag: "--entra-audience <id...>",
    description: "the webhook app's client id and/or App ID URI (the token's aud)",
    schema: z.array(z.string()).optional(),
  },
  entraJwksUrl: {
    flag: "--entra-jwks-url <url>",
    description: "signing keys (default: the tenant's discovery keys)",
    schema: z.url().optional(),
  },
  entraIssuer: {
    flag: "--entra-issuer <url...>",
    description: "accepted issuers (default: the tenant's v1 and v2 issuers)",
    schema: z.array(z.string()).optional(),
  },
} satisfies OptionTable;
