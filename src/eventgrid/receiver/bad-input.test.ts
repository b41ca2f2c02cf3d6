import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CLOUD_EVENT_HEADERS,
  EVENT_GRID_SECRET_NEW_VERSION,
  cloudEvent,
  eventGridEvent,
} from "./test-support/payloads.js";
import { assertErrorReply, receiverFixture } from "./test-support/receiver-fixture.js";

/** Requests the receiver cannot use: a one-line 4xx, never a 5xx, nothing handed on. */

const JSON_TYPE = { "content-type": "application/json" };

describe("bad input", () => {
  const cases: [string, string, Record<string, string>, RegExp][] = [
    ["not JSON", "{not json", JSON_TYPE, /JSON/],
    ["empty body", "", JSON_TYPE, /empty/],
    ["whitespace only", " \n ", JSON_TYPE, /empty/],
    ["a number", "42", JSON_TYPE, /array or object/],
    ["a string", '"x"', JSON_TYPE, /array or object/],
    ["null", "null", JSON_TYPE, /array or object/],
    ["an Event Grid event outside an array", JSON.stringify(eventGridEvent()), JSON_TYPE, /array/],
    ["an element that is not an object", "[1]", JSON_TYPE, /event\[0\] is not a JSON object/],
    ["a null element", `[${JSON.stringify(eventGridEvent())}, null]`, JSON_TYPE, /event\[1\]/],
    [
      "an Event Grid event under a CloudEvents type",
      EVENT_GRID_SECRET_NEW_VERSION,
      CLOUD_EVENT_HEADERS,
      /specversion/,
    ],
    [
      "specversion 0.3",
      JSON.stringify(cloudEvent({ specversion: "0.3" })),
      CLOUD_EVENT_HEADERS,
      /specversion/,
    ],
    [
      "a non-string CloudEvent subject",
      JSON.stringify(cloudEvent({ subject: 5 })),
      CLOUD_EVENT_HEADERS,
      /subject/,
    ],
  ];
  for (const field of ["id", "eventType", "subject", "data", "dataVersion", "eventTime"]) {
    // JSON leaves out what is undefined
    const event = eventGridEvent({ [field]: undefined });
    cases.push([
      `an Event Grid event without ${field}`,
      JSON.stringify([event]),
      JSON_TYPE,
      new RegExp(`"${field}"`),
    ]);
  }
  cases.push([
    "an empty Event Grid id",
    JSON.stringify([eventGridEvent({ id: "" })]),
    JSON_TYPE,
    /"id"/,
  ]);
  cases.push([
    "a numeric eventType",
    JSON.stringify([eventGridEvent({ eventType: 7 })]),
    JSON_TYPE,
    /"eventType"/,
  ]);
  for (const field of ["id", "source", "type", "specversion"]) {
    const event = cloudEvent({ [field]: undefined });
    cases.push([
      `a CloudEvent without ${field}`,
      JSON.stringify(event),
      CLOUD_EVENT_HEADERS,
      new RegExp(`"${field}"`),
    ]);
  }
  for (const [name, body, headers, reason] of cases) {
    test(`400 for ${name}`, async () => {
      const fx = await receiverFixture();
      const response = await fx.post(body, headers);
      assert.match(assertErrorReply(response, 400), reason);
      assert.equal(fx.events.length, 0);
    });
  }

  test("400 for a body that is not UTF-8", async () => {
    const fx = await receiverFixture();
    const response = await fx.app.inject({
      method: "POST",
      url: "/api/events",
      headers: JSON_TYPE,
      payload: Buffer.from([0x5b, 0xff, 0xfe, 0x5d]),
    });
    assert.match(assertErrorReply(response, 400), /UTF-8/);
  });

  for (const contentType of [
    "text/plain",
    "application/xml",
    "application/json; charset=iso-8859-1",
    "application/jsonx",
    "multipart/form-data; boundary=x",
  ]) {
    test(`415 for Content-Type ${contentType}`, async () => {
      const fx = await receiverFixture();
      const response = await fx.post(EVENT_GRID_SECRET_NEW_VERSION, {
        "content-type": contentType,
      });
      assert.match(assertErrorReply(response, 415), /application\/json/);
    });
  }

  test("415 without a Content-Type", async () => {
    const fx = await receiverFixture();
    const response = await fx.app.inject({
      method: "POST",
      url: "/api/events",
      payload: Buffer.from(EVENT_GRID_SECRET_NEW_VERSION),
    });
    assertErrorReply(response, 415);
  });

  test("413 beyond 1 MB, and a batch of exactly 1 MB is read", async () => {
    const fx = await receiverFixture();
    const event = JSON.stringify(eventGridEvent({ id: "big" }));
    const exact = `[${event}${" ".repeat(1024 * 1024 - event.length - 2)}]`;
    assert.equal(Buffer.byteLength(exact), 1024 * 1024);
    assert.equal((await fx.post(exact, JSON_TYPE)).statusCode, 200);
    const over = `${exact} `;
    assert.match(assertErrorReply(await fx.post(over, JSON_TYPE), 413), /1 MB/);
  });
});
