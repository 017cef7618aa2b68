/**
 * The stock user pool's pre-token-generation trigger puts the claims the API reads into both
 * tokens, and the API's own claim parsing then sees the caller the way it would with an external
 * issuer's ID token.
 */
import { describe, expect, it } from "vitest";
import { handler } from "../../functions/auth/pre-token-generation.js";
import { apiTokenClaims } from "../../shared/domain/token-claims.js";
import { callerFromClaims } from "../../shared/http/caller.js";

function tokenEvent(userAttributes: Record<string, string>, triggerSource = "TokenGeneration_HostedAuth") {
  return {
    version: "2",
    triggerSource,
    region: "ap-east-1",
    userPoolId: "ap-east-1_TEST",
    userName: "alice",
    callerContext: { awsSdkVersion: "aws-sdk-unknown-unknown", clientId: "console" },
    request: { userAttributes, groupConfiguration: { groupsToOverride: ["merchants"], iamRolesToOverride: [] }, scopes: ["openid"] },
    response: { claimsAndScopeOverrideDetails: null },
  };
}

type Answer = { userName: string; response: { claimsAndScopeOverrideDetails: Record<string, { claimsToAddOrOverride: Record<string, string> }> } };

describe("apiTokenClaims", () => {
  it("takes the merchant id and a verified phone number", () => {
    expect(apiTokenClaims({ sub: "u1", email: "a@example.com", "custom:merchant_id": "m-42", phone_number: "+8613800000000", phone_number_verified: "true" })).toEqual({
      "custom:merchant_id": "m-42",
      phone_number: "+8613800000000",
      phone_number_verified: "true",
    });
  });

  it("marks an unverified number unverified, and says nothing of verification without a number", () => {
    expect(apiTokenClaims({ phone_number: "+8613800000000" })).toEqual({ phone_number: "+8613800000000", phone_number_verified: "false" });
    expect(apiTokenClaims({ phone_number: "+8613800000000", phone_number_verified: "yes" }).phone_number_verified).toBe("false");
    expect(apiTokenClaims({ phone_number_verified: "true" })).toEqual({});
  });

  it("adds nothing for a user without those attributes, or with empty ones", () => {
    expect(apiTokenClaims({ sub: "u1", email: "op@example.com" })).toEqual({});
    expect(apiTokenClaims({ "custom:merchant_id": " ", phone_number: "" })).toEqual({});
  });
});

describe("the pre-token-generation trigger", () => {
  it("adds the claims to the ID and the access token and hands the event back", async () => {
    const answer = (await handler(tokenEvent({ sub: "u1", "custom:merchant_id": "m-42", phone_number: "+8613800000000", phone_number_verified: "true" }))) as Answer;
    expect(answer.userName).toBe("alice");
    const expected = { "custom:merchant_id": "m-42", phone_number: "+8613800000000", phone_number_verified: "true" };
    expect(answer.response.claimsAndScopeOverrideDetails.idTokenGeneration!.claimsToAddOrOverride).toEqual(expected);
    expect(answer.response.claimsAndScopeOverrideDetails.accessTokenGeneration!.claimsToAddOrOverride).toEqual(expected);
  });

  it("gives the API a merchant caller with a verified phone identity from the access token's claims", async () => {
    const answer = (await handler(tokenEvent({ "custom:merchant_id": "m-42", phone_number: "+8613800000000", phone_number_verified: "true" }, "TokenGeneration_RefreshTokens"))) as Answer;
    const accessClaims = { sub: "u1", "cognito:groups": "[merchants]", ...answer.response.claimsAndScopeOverrideDetails.accessTokenGeneration!.claimsToAddOrOverride };
    const caller = callerFromClaims(accessClaims);
    expect(caller?.merchantId).toBe("m-42");
    expect(caller?.groups).toEqual(["merchants"]);
    expect(caller?.identities).toMatchObject({ phoneNumber: "+8613800000000" });
  });

  it.each([
    ["a version 1 event", { ...tokenEvent({}), version: "1" }],
    ["another trigger's event", tokenEvent({}, "PreSignUp_SignUp")],
    ["an event without user attributes", { ...tokenEvent({}), request: {} }],
  ])("refuses %s", async (_case, event) => {
    await expect(handler(event)).rejects.toThrow();
  });
});
