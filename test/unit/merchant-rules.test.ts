import { describe, expect, it } from "vitest";
import { MERCHANT_ACTIONS, MERCHANT_STATUSES, nextMerchantStatus } from "../../shared/domain/merchant.js";
import { SECRET_GRACE_MS, liveSecrets, newSigningSecret, rotateSecrets } from "../../shared/domain/partner.js";
import { InvalidStateError } from "../../shared/errors.js";

describe("merchant status moves", () => {
  const allowed: Record<string, string> = {
    "PENDING approve": "APPROVED",
    "APPROVED suspend": "SUSPENDED",
    "SUSPENDED reinstate": "APPROVED",
  };
  const cases = MERCHANT_STATUSES.flatMap((status) => MERCHANT_ACTIONS.map((action) => [status, action] as const));

  it.each(cases)("%s, %s", (status, action) => {
    const expected = allowed[`${status} ${action}`];
    if (expected) {
      expect(nextMerchantStatus("m1", status, action)).toBe(expected);
    } else {
      const attempt = () => nextMerchantStatus("m1", status, action);
      expect(attempt).toThrow(InvalidStateError);
      expect(attempt).toThrow(new RegExp(`m1 is ${status}`));
    }
  });

  it("refuses with 409 INVALID_STATE and the current status", () => {
    try {
      nextMerchantStatus("m1", "SUSPENDED", "approve");
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: "INVALID_STATE", status: 409, details: { status: "SUSPENDED" } });
    }
  });
});

describe("signing secrets", () => {
  const t0 = new Date("2030-01-01T00:00:00.000Z");
  const later = (ms: number) => new Date(t0.getTime() + ms);

  it("are 32 random bytes in base64url", () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, "base64url")).toHaveLength(32);
    expect(newSigningSecret()).not.toBe(secret);
  });

  it("rotation keeps the old secret live for the grace period only", () => {
    const first = [{ secret: "a", createdAt: t0.toISOString() }];
    const rotated = rotateSecrets(first, "b", later(1000));
    expect(rotated).toEqual([
      { secret: "a", createdAt: t0.toISOString(), retiresAt: later(1000 + SECRET_GRACE_MS).toISOString() },
      { secret: "b", createdAt: later(1000).toISOString() },
    ]);
    expect(liveSecrets(rotated, later(1000 + SECRET_GRACE_MS - 1))).toEqual(["a", "b"]);
    expect(liveSecrets(rotated, later(1000 + SECRET_GRACE_MS))).toEqual(["b"]);
  });

  it("a second rotation within the grace period keeps earlier grace periods; after it, drops expired secrets", () => {
    const once = rotateSecrets([{ secret: "a", createdAt: t0.toISOString() }], "b", t0);
    const twice = rotateSecrets(once, "c", later(60_000));
    expect(twice.map((s) => [s.secret, s.retiresAt])).toEqual([
      ["a", later(SECRET_GRACE_MS).toISOString()],
      ["b", later(60_000 + SECRET_GRACE_MS).toISOString()],
      ["c", undefined],
    ]);
    const thrice = rotateSecrets(twice, "d", later(SECRET_GRACE_MS + 60_000));
    expect(thrice.map((s) => s.secret)).toEqual(["c", "d"]);
  });
});
