/**
 * Linked identities' token claims and keyed hashes (shared/domain/identity.ts): a phone number
 * counts only when verified, claims arrive as API Gateway's strings or as real values, and what
 * is stored is an HMAC under the platform key, never the value.
 */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashIdentities, identitiesFromClaims, keyedHash } from "../../shared/domain/identity.js";
import { callerFromClaims, callerIdentityHashes } from "../../shared/http/caller.js";
import { LOCAL_IDENTITY_HASH_KEY, identityHashKey } from "../../shared/config.js";
import { ConfigurationError } from "../../shared/errors.js";

describe("identitiesFromClaims", () => {
  it.each([
    ["API Gateway's string true", "true"],
    ["a real boolean", true],
  ])("takes a phone number verified as %s", (_label, verified) => {
    expect(identitiesFromClaims({ sub: "a", phone_number: "+8613800000000", phone_number_verified: verified })).toEqual({ phoneNumber: "+8613800000000" });
  });

  it.each([
    ["false", "false"],
    ["a real false", false],
    ["absent", undefined],
    ["anything else", "yes"],
  ])("ignores a phone number whose verification is %s", (_label, verified) => {
    const claims = { sub: "a", phone_number: "+8613800000000", ...(verified === undefined ? {} : { phone_number_verified: verified }) };
    expect(identitiesFromClaims(claims)).toEqual({});
  });

  it("takes the id hash whenever present, with or without a phone", () => {
    expect(identitiesFromClaims({ sub: "a", "custom:id_hash": "h1" })).toEqual({ idHash: "h1" });
    expect(identitiesFromClaims({ sub: "a", "custom:id_hash": "h1", phone_number: "+86138", phone_number_verified: "true" })).toEqual({ idHash: "h1", phoneNumber: "+86138" });
  });

  it("treats empty or malformed claims as absent, never as an error", () => {
    expect(identitiesFromClaims({ sub: "a", phone_number: "", phone_number_verified: "true", "custom:id_hash": "  " })).toEqual({});
    expect(identitiesFromClaims({ sub: "a", phone_number: 42, phone_number_verified: "true", "custom:id_hash": ["x"] })).toEqual({});
    expect(identitiesFromClaims(undefined)).toEqual({});
  });

  it("hands the identities on with the caller, and nothing when the token has none", () => {
    expect(callerFromClaims({ sub: "a", "custom:id_hash": "h1" })).toEqual({ sub: "a", groups: [], identities: { idHash: "h1" } });
    expect(callerFromClaims({ sub: "a", phone_number: "+86138", phone_number_verified: "false" })).toEqual({ sub: "a", groups: [] });
  });
});

describe("keyed hashes", () => {
  it("is HMAC-SHA256 under the key of the kind and the value, in lowercase hex", () => {
    const expected = createHmac("sha256", "k").update("phone:+8613800000000").digest("hex");
    expect(hashIdentities({ phoneNumber: "+8613800000000" }, "k")).toEqual({ phone: expected });
    expect(keyedHash("k", "id:h1")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("never gives a phone and an id hash of the same text the same hash, nor the same value under two keys", () => {
    const both = hashIdentities({ phoneNumber: "same", idHash: "same" }, "k");
    expect(both.phone).not.toBe(both.id);
    expect(hashIdentities({ idHash: "h1" }, "k1").id).not.toBe(hashIdentities({ idHash: "h1" }, "k2").id);
  });

  it("keeps no trace of the value", () => {
    const hashed = JSON.stringify(hashIdentities({ phoneNumber: "+8613800000000", idHash: "idvalue" }, "k"));
    expect(hashed).not.toContain("13800000000");
    expect(hashed).not.toContain("idvalue");
  });

  it("hashes a caller's identities only when it has some, asking for the key only then", () => {
    let asked = 0;
    const key = () => {
      asked += 1;
      return "k";
    };
    expect(callerIdentityHashes({ sub: "a", groups: [] }, key)).toBeUndefined();
    expect(asked).toBe(0);
    expect(callerIdentityHashes({ sub: "a", groups: [], identities: { idHash: "h1" } }, key)).toEqual({ id: keyedHash("k", "id:h1") });
    expect(asked).toBe(1);
  });
});

describe("the identity hash key", () => {
  it("comes from VOUCHERS_IDENTITY_HASH_KEY", () => {
    expect(identityHashKey({ VOUCHERS_IDENTITY_HASH_KEY: "a-key-of-sixteen-chars" })).toBe("a-key-of-sixteen-chars");
  });

  it("falls back to the local key only against an emulator, and is required on AWS", () => {
    expect(identityHashKey({ VOUCHERS_DYNAMODB_ENDPOINT: "http://127.0.0.1:8000" })).toBe(LOCAL_IDENTITY_HASH_KEY);
    expect(() => identityHashKey({})).toThrow(ConfigurationError);
  });
});
