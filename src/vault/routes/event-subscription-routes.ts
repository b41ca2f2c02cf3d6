import {
  isValidSubscriptionName,
  semanticProblems,
  subscriptionBody,
  toArm,
  type EventGridPublisher,
} from "../../eventgrid/publisher/index.js";
import { KeyVaultError, badParameter } from "../key-vault-error.js";
import type { RouteRegistrar } from "./route-table.js";
import { parseBody } from "./secret-routes.js";

/**
 * Event subscriptions on the vault's own port, with ARM's bodies and error shape:
 * `PUT | GET | DELETE /eventSubscriptions/{name}`, `GET /eventSubscriptions`, and the public
 * `GET /eventSubscriptions/{name}/validate?code=…` that a manual validation calls.
 */

const notFound = (name: string): KeyVaultError =>
  new KeyVaultError(
    404,
    "ResourceNotFound",
    `The event subscription '${name}' could not be found.`,
  );

function checkedName(params: unknown): string {
  const { name } = params as { name: string };
  if (!isValidSubscriptionName(name)) {
    throw badParameter(
      `Invalid event subscription name '${name}': use 3-64 characters of A-Z, a-z, 0-9 and -.`,
    );
  }
  return name;
}

export function registerEventSubscriptionRoutes(
  route: RouteRegistrar,
  publisher: EventGridPublisher,
): void {
  route(
    "PUT",
    "/eventSubscriptions/:name",
    "CreateOrUpdateEventSubscription",
    async (request, reply) => {
      const name = checkedName(request.params);
      const body = parseBody(subscriptionBody, request.body);
      const problems = semanticProblems(body);
      if (problems.length > 0) throw badParameter(`Invalid request body: ${problems.join("; ")}.`);
      const outcome = await publisher.putSubscription(name, body);
      if (!outcome.ok) throw new KeyVaultError(400, "Url validation", outcome.reason);
      return reply
        .code(outcome.created ? 201 : 200)
        .send(toArm(outcome.subscription, publisher.topic));
    },
  );

  route("GET", "/eventSubscriptions/:name", "GetEventSubscription", (request) => {
    const name = checkedName(request.params);
    const sub = publisher.getSubscription(name);
    if (!sub) throw notFound(name);
    return toArm(sub, publisher.topic);
  });

  route("GET", "/eventSubscriptions", "ListEventSubscriptions", () => ({
    value: publisher.listSubscriptions().map((sub) => toArm(sub, publisher.topic)),
    nextLink: null,
  }));

  route("DELETE", "/eventSubscriptions/:name", "DeleteEventSubscription", (request, reply) => {
    const name = checkedName(request.params);
    return reply.code(publisher.deleteSubscription(name) ? 200 : 204).send();
  });

  route(
    "GET",
    "/eventSubscriptions/:name/validate",
    "ValidateEventSubscription",
    (request, reply) => {
      const name = checkedName(request.params);
      const code = (request.query as Record<string, string | undefined>)["code"] ?? "";
      if (!publisher.validateManually(name, code)) {
        return reply
          .code(400)
          .type("text/plain")
          .send(
            "The validation code is wrong or expired, or the subscription awaits no validation.\n",
          );
      }
      return reply
        .type("text/plain")
        .send("Webhook successfully validated as a subscription endpoint.\n");
    },
    // The code in the URL is the credential, as on Event Grid's own validation links.
    { public: true },
  );
}
