/** dependenciesOf: a function's use-case dependencies, typed and filled from its wiring entry. */
import { describe, expect, it } from "vitest";
import { dependenciesFor, dependenciesOf } from "../../shared/dependencies.js";
import { ConfigurationError } from "../../shared/errors.js";
import { listResidentVouchers } from "../../shared/use-cases/wallet.js";
import { claimVoucherFunction } from "../../shared/wiring/claim-function.js";
import { platform } from "../../shared/wiring/platform.js";

const env = { VOUCHERS_TABLE_PARTNERS: "p", VOUCHERS_TABLE_CAMPAIGNS: "c", VOUCHERS_TABLE_VOUCHERS: "v", VOUCHERS_TABLE_REDEMPTIONS: "r", VOUCHERS_TABLE_INVENTORY: "i" };

describe("dependenciesOf", () => {
  it("hands a function exactly the tables its wiring entry grants, by their physical names", () => {
    const deps = dependenciesOf("recordRefund", env);
    expect(Object.keys(deps.tables).sort()).toEqual(Object.keys(platform.functions.recordRefund.tables).sort());
    expect({ ...deps.tables }).toEqual({ partners: "p", campaigns: "c", vouchers: "v", redemptions: "r", inventory: "i" });
    expect(deps.now()).toBeInstanceOf(Date);
  });

  it("builds the same from a wiring entry itself, as the claim handler does without every function's declaration", () => {
    expect(platform.functions.claimVoucher).toBe(claimVoucherFunction);
    const withIdempotency = { ...env, VOUCHERS_TABLE_IDEMPOTENCY: "k" };
    const deps = dependenciesFor(claimVoucherFunction, withIdempotency);
    expect({ ...deps.tables }).toEqual({ ...dependenciesOf("claimVoucher", withIdempotency).tables });
    expect({ ...deps.tables }).toEqual({ campaigns: "c", inventory: "i", vouchers: "v", idempotency: "k" });
    // @ts-expect-error the claim is not granted the partners table.
    const named: unknown = deps.tables.partners;
    expect(named).toBeUndefined();
  });

  it("reads a table's name when first used, so a missing grant fails there, naming the variable", () => {
    const deps = dependenciesOf("recordPayment", env);
    expect(deps.tables.vouchers).toBe("v");
    expect(() => deps.tables.merchants).toThrow(ConfigurationError);
    expect(() => deps.tables.merchants).toThrow(/VOUCHERS_TABLE_MERCHANTS/);
  });

  it("does not compile for a use case needing a table the function is not granted", () => {
    const audit = dependenciesOf("listAudit", env);
    // @ts-expect-error listAudit is not granted the vouchers table the wallet reads.
    const call = () => listResidentVouchers({ ...audit, residentId: "alice" });
    expect(call).toBeTypeOf("function");
    // @ts-expect-error nor may it name one.
    const named: unknown = audit.tables.vouchers;
    expect(named).toBeUndefined();
  });
});
