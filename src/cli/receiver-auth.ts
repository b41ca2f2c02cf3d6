import type { Logger } from "pino";
import { ConfigError, type OptionValues, type receiverAuthOptions } from "../config/index.js";
import type { EventReceiverAuth } from "../eventgrid/receiver/index.js";

/** The receiver's auth from its flags; every missing piece is reported at once. */
export function receiverAuthFrom(
  o: OptionValues<typeof receiverAuthOptions>,
  logger: Logger,
): EventReceiverAuth {
  const mode = o.webhookAuth ?? (o.webhookSecret ? "query-secret" : "none");
  switch (mode) {
    case "query-secret":
      if (!o.webhookSecret?.length)
        throw new ConfigError(["--webhook-secret: required with --webhook-auth query-secret"]);
      return { kind: "query-secret", secrets: o.webhookSecret };
    case "entra": {
      const problems: string[] = [];
      if (o.entraTenantId === undefined)
        problems.push("--entra-tenant-id: required with --webhook-auth entra");
      if (!o.entraAudience?.length)
        problems.push("--entra-audience: required with --webhook-auth entra");
      if (problems.length > 0 || o.entraTenantId === undefined || o.entraAudience === undefined)
        throw new ConfigError(problems);
      return {
        kind: "entra",
        tenantId: o.entraTenantId,
        audiences: o.entraAudience,
        ...(o.entraJwksUrl === undefined ? {} : { jwksUrl: o.entraJwksUrl }),
        ...(o.entraIssuer === undefined ? {} : { issuers: o.entraIssuer }),
      };
    }
    case "none":
      logger.warn(
        "the Event Grid webhook accepts unauthenticated deliveries: use --webhook-secret or --webhook-auth entra outside a laptop",
      );
      return { kind: "none" };
  }
}
