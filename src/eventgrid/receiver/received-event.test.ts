import assert from "node:assert/strict";
import { test } from "node:test";
import { KEY_VAULT_EVENT_TYPES, type KeyVaultEventType } from "../wire/index.js";
import type { Envelope } from "./delivery.js";
import {
  isCertificateEvent,
  isExpiredEvent,
  isKeyEvent,
  isNearExpiryEvent,
  isNewVersionEvent,
  isSecretEvent,
  type ReceivedKeyVaultEvent,
} from "./index.js";
import { readKeyVaultEventData } from "./key-vault-event-data.js";
import { classifyEnvelope } from "./received-event.js";

const DATA = {
  Id: "https://kv1.vault.azure.net/secrets/db-pass/4e0c9a1b2c3d4e5f60718293a4b5c6d7",
  VaultName: "kv1",
  ObjectType: "Secret",
  ObjectName: "db-pass",
  Version: "4e0c9a1b2c3d4e5f60718293a4b5c6d7",
  NBF: null,
  EXP: 1767225600,
};
const SECRET_NEW = "Microsoft.KeyVault.SecretNewVersionCreated";

test("reads data: PascalCase first, camelCase as a fallback, epochs as numbers or null", () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown> | string][] = [
    ["the wire form", DATA, DATA],
    [
      "camelCase",
      {
        id: DATA.Id,
        vaultName: "kv1",
        objectType: "Secret",
        objectName: "db-pass",
        version: DATA.Version,
        nbf: 5,
        exp: null,
      },
      { ...DATA, NBF: 5, EXP: null },
    ],
    ["PascalCase wins over camelCase", { ...DATA, vaultName: "other" }, DATA],
    ["a PascalCase null wins over camelCase", { ...DATA, NBF: null, nbf: 7 }, DATA],
    ["missing NBF and EXP", { ...DATA, NBF: undefined, EXP: undefined }, { ...DATA, EXP: null }],
    [
      "numeric strings (the doc sample's typo)",
      { ...DATA, NBF: "1559081980", EXP: "1559082580" },
      { ...DATA, NBF: 1559081980, EXP: 1559082580 },
    ],
    ["extra fields ignored", { ...DATA, Tags: { a: "b" } }, DATA],
    ["no ObjectType: from the event type", { ...DATA, ObjectType: undefined }, DATA],
    ["a missing Id", { ...DATA, Id: undefined }, "data.Id must be a non-empty string"],
    ["an empty VaultName", { ...DATA, VaultName: "" }, "data.VaultName must be a non-empty string"],
    [
      "a numeric ObjectName",
      { ...DATA, ObjectName: 3 },
      "data.ObjectName must be a non-empty string",
    ],
    ["a null Version", { ...DATA, Version: null }, "data.Version must be a non-empty string"],
    [
      "an unknown ObjectType",
      { ...DATA, ObjectType: "Blob" },
      "data.ObjectType must be Secret, Key or Certificate",
    ],
    ["a text NBF", { ...DATA, NBF: "soon" }, "data.NBF must be a number or null"],
    ["a boolean EXP", { ...DATA, EXP: true }, "data.EXP must be a number or null"],
  ];
  for (const [name, data, expected] of cases) {
    const result = readKeyVaultEventData(data, SECRET_NEW);
    if (typeof expected === "string")
      assert.deepEqual(result, { ok: false, reason: expected }, name);
    else assert.deepEqual(result, { ok: true, data: expected }, name);
  }
  for (const data of [null, [], "x", 1]) {
    assert.deepEqual(readKeyVaultEventData(data, SECRET_NEW), {
      ok: false,
      reason: "data is not a JSON object",
    });
  }
});

test("derives a missing ObjectType from each event type", () => {
  const expected = { Secret: 0, Key: 0, Certificate: 0 };
  for (const type of KEY_VAULT_EVENT_TYPES) {
    const result = readKeyVaultEventData({ ...DATA, ObjectType: undefined }, type);
    assert.ok(result.ok);
    assert.ok(type.includes(result.data.ObjectType), type);
    expected[result.data.ObjectType]++;
  }
  assert.deepEqual(expected, { Secret: 3, Key: 3, Certificate: 3 });
});

function envelope(type: string, data: unknown = DATA): Envelope {
  return {
    schema: "EventGrid",
    id: "1",
    type,
    source: "/vaults/kv1",
    subject: "db-pass",
    time: "t",
    data,
  };
}

test("classifies envelopes: Key Vault event, unknown type, unreadable data", () => {
  assert.equal(classifyEnvelope(envelope(SECRET_NEW)).kind, "keyVault");
  assert.deepEqual(classifyEnvelope(envelope("Microsoft.KeyVault.VaultAccessPolicyChanged")), {
    kind: "unknown",
  });
  assert.deepEqual(classifyEnvelope(envelope("microsoft.keyvault.secretnewversioncreated")), {
    kind: "unknown",
  });
  assert.deepEqual(classifyEnvelope(envelope(SECRET_NEW, {})), {
    kind: "invalid",
    type: SECRET_NEW,
    reason: "data.Id must be a non-empty string",
  });
});

test("narrows events by object kind and by what happened", () => {
  const guards = {
    isSecretEvent,
    isKeyEvent,
    isCertificateEvent,
    isNewVersionEvent,
    isNearExpiryEvent,
    isExpiredEvent,
  };
  const matches: Record<string, string[]> = {};
  for (const type of KEY_VAULT_EVENT_TYPES) {
    const classified = classifyEnvelope(envelope(type));
    assert.equal(classified.kind, "keyVault"); // narrows
    const event: ReceivedKeyVaultEvent = classified.event;
    matches[type.slice("Microsoft.KeyVault.".length)] = Object.entries(guards)
      .filter(([, guard]) => guard(event))
      .map(([name]) => name);
  }
  assert.deepEqual(matches, {
    SecretNewVersionCreated: ["isSecretEvent", "isNewVersionEvent"],
    SecretNearExpiry: ["isSecretEvent", "isNearExpiryEvent"],
    SecretExpired: ["isSecretEvent", "isExpiredEvent"],
    KeyNewVersionCreated: ["isKeyEvent", "isNewVersionEvent"],
    KeyNearExpiry: ["isKeyEvent", "isNearExpiryEvent"],
    KeyExpired: ["isKeyEvent", "isExpiredEvent"],
    CertificateNewVersionCreated: ["isCertificateEvent", "isNewVersionEvent"],
    CertificateNearExpiry: ["isCertificateEvent", "isNearExpiryEvent"],
    CertificateExpired: ["isCertificateEvent", "isExpiredEvent"],
  });
});

test("narrowing is checked by the compiler", () => {
  const classified = classifyEnvelope(envelope("Microsoft.KeyVault.KeyNearExpiry"));
  assert.equal(classified.kind, "keyVault"); // narrows
  const event = classified.event;
  if (isKeyEvent(event) && isNearExpiryEvent(event)) {
    const type: "Microsoft.KeyVault.KeyNearExpiry" = event.type;
    assert.equal(type, "Microsoft.KeyVault.KeyNearExpiry");
  } else {
    assert.fail("a KeyNearExpiry event is a key event and a near-expiry event");
  }
  const kinds: KeyVaultEventType[] = [event.type];
  assert.equal(kinds.length, 1);
});
