import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  EVENT_GRID_HEADERS,
  EVENT_GRID_SECRET_NEW_VERSION,
  SUBSCRIPTION_VALIDATION,
  VALIDATION_CODE,
  VALIDATION_HEADERS,
} from "./test-support/payloads.js";
import { receiverFixture } from "./test-support/receiver-fixture.js";

const JSON_TYPE = { "content-type": "application/json" };

describe("query-secret auth", () => {
  const auth = { kind: "query-secret", secrets: ["old-secret", "new-secret"] } as const;
  const cases = [
    ["the current secret", "?code=new-secret", 200],
    ["the previous secret, during rotation", "?code=old-secret", 200],
    ["a wrong secret", "?code=nope", 401],
    ["a prefix of a secret", "?code=new", 401],
    ["no secret", "", 401],
    ["an empty secret", "?code=", 401],
    ["the secret under another name", "?key=new-secret", 401],
    ["the secret twice", "?code=new-secret&code=new-secret", 401],
  ] as const;
  for (const [name, query, status] of cases) {
    test(`${status} for ${name}`, async () => {
      const fx = await receiverFixture({ auth });
      const response = await fx.post(
        EVENT_GRID_SECRET_NEW_VERSION,
        EVENT_GRID_HEADERS,
        `/api/events${query}`,
      );
      if (status === 401) {
        assert.equal(response.statusCode, 401);
        assert.deepEqual(response.json(), { error: "unauthorized" });
        assert.equal(response.headers["www-authenticate"], undefined);
      } else {
        assert.equal(response.statusCode, 200);
        assert.equal((await fx.waitForEvents(1)).length, 1);
      }
    });
  }

  test("requires the secret on both handshakes, since it is part of the URL", async () => {
    const fx = await receiverFixture({ auth });
    assert.equal((await fx.post(SUBSCRIPTION_VALIDATION, VALIDATION_HEADERS)).statusCode, 401);
    const validated = await fx.post(
      SUBSCRIPTION_VALIDATION,
      VALIDATION_HEADERS,
      "/api/events?code=new-secret",
    );
    assert.deepEqual(validated.json(), { validationResponse: VALIDATION_CODE });
    const headers = { "webhook-request-origin": "eventgrid.azure.net" };
    const refused = await fx.app.inject({ method: "OPTIONS", url: "/api/events", headers });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.headers["webhook-allowed-origin"], undefined);
    const granted = await fx.app.inject({
      method: "OPTIONS",
      url: "/api/events?code=old-secret",
      headers,
    });
    assert.equal(granted.headers["webhook-allowed-origin"], "eventgrid.azure.net");
  });

  test("answers 401, not a parse error, to a malformed body without the secret", async () => {
    const fx = await receiverFixture({ auth });
    const response = await fx.post("{nope", JSON_TYPE);
    assert.deepEqual(response.json(), { error: "unauthorized" });
  });

  test("refuses an empty list of secrets at registration", async () => {
    await assert.rejects(
      receiverFixture({ auth: { kind: "query-secret", secrets: [] } }),
      /secret/,
    );
  });
});
