import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideDropClose, rollInsByTarget, rollOverTarget, totalReleased, type DropForClose } from "../../shared/domain/drop-close.js";
import { DropCloseInvariantError } from "../../shared/errors.js";

const campaign = (rollover: boolean) => ({
  rollover,
  voucherTypes: [
    { id: "v30", discount: 3000 },
    { id: "v60", discount: 6000 },
  ],
});

const drop = (id: string, opensAt: string, closesAt: string, stock: Record<string, number>, closedAt?: string): DropForClose => ({
  id,
  opensAt,
  closesAt,
  stock,
  // Provisioned, so every drop here may be a roll-over target.
  shardCounts: Object.fromEntries(Object.keys(stock).map((type) => [type, 2])),
  ...(closedAt ? { closedAt } : {}),
});

const d1 = drop("d1", "2026-11-01T02:00:00Z", "2026-11-01T04:00:00Z", { v30: 100, v60: 50 });

describe("rollOverTarget", () => {
  it("skips a drop whose inventory of the type is not provisioned yet", () => {
    const unprovisioned = { ...drop("d2", "2026-11-02T02:00:00Z", "2026-11-02T04:00:00Z", { v30: 10 }), shardCounts: {} };
    expect(rollOverTarget(d1, [unprovisioned], "v30")).toBeUndefined();
  });

  it("picks the earliest later drop that stocks the type and is not closed", () => {
    const others = [
      drop("d4", "2026-11-04T02:00:00Z", "2026-11-04T04:00:00Z", { v30: 1 }),
      drop("d2", "2026-11-02T02:00:00Z", "2026-11-02T04:00:00Z", { v60: 1 }),
      drop("d3", "2026-11-03T02:00:00Z", "2026-11-03T04:00:00Z", { v30: 1 }),
    ];
    expect(rollOverTarget(d1, others, "v30")?.id).toBe("d3");
    expect(rollOverTarget(d1, others, "v60")?.id).toBe("d2");
  });

  it("compares instants, not strings, across UTC offsets", () => {
    // 10:00+08:00 is 02:00Z, before d1 closes; 13:00+08:00 is 05:00Z, after.
    const early = drop("early", "2026-11-01T10:00:00+08:00", "2026-11-01T11:00:00+08:00", { v30: 1 });
    const late = drop("late", "2026-11-01T13:00:00+08:00", "2026-11-01T14:00:00+08:00", { v30: 1 });
    expect(rollOverTarget(d1, [early, late], "v30")?.id).toBe("late");
  });

  it("accepts a drop opening exactly when this one closes, and skips earlier, closed and own drops", () => {
    const adjacent = drop("adj", "2026-11-01T04:00:00.000Z", "2026-11-01T05:00:00Z", { v30: 1 });
    const before = drop("before", "2026-10-31T02:00:00Z", "2026-10-31T04:00:00Z", { v30: 1 });
    const closed = drop("closed", "2026-11-01T04:00:00Z", "2026-11-01T04:30:00Z", { v30: 1 }, "2026-11-01T04:31:00Z");
    expect(rollOverTarget(d1, [before, closed, d1, adjacent], "v30")?.id).toBe("adj");
    expect(rollOverTarget(d1, [before, closed, d1], "v30")).toBeUndefined();
  });

  it("breaks a tie in opening time by id", () => {
    const b = drop("b", "2026-11-02T02:00:00Z", "2026-11-02T04:00:00Z", { v30: 1 });
    const a = drop("a", "2026-11-02T02:00:00Z", "2026-11-02T03:00:00Z", { v30: 1 });
    expect(rollOverTarget(d1, [b, a], "v30")?.id).toBe("a");
  });
});

describe("decideDropClose", () => {
  const d2 = drop("d2", "2026-11-02T02:00:00Z", "2026-11-02T04:00:00Z", { v30: 10 });

  it("moves unclaimed units of a type with a later drop and releases the others when rolling over", () => {
    const decisions = decideDropClose({ campaign: campaign(true), drop: d1, otherDrops: [d2], issued: { v30: 60, v60: 45 } });
    expect(decisions).toEqual({
      v30: { issued: 60, unclaimed: 40, movedTo: "d2" },
      v60: { issued: 45, unclaimed: 5, released: 5 * 6000 },
    });
    expect(totalReleased(decisions)).toBe(30_000);
    expect(rollInsByTarget(decisions)).toEqual(new Map([["d2", { v30: 40 }]]));
  });

  it("releases everything unclaimed without roll-over", () => {
    const decisions = decideDropClose({ campaign: campaign(false), drop: d1, otherDrops: [d2], issued: { v30: 60 } });
    expect(decisions).toEqual({
      v30: { issued: 60, unclaimed: 40, released: 120_000 },
      v60: { issued: 0, unclaimed: 50, released: 300_000 },
    });
    expect(rollInsByTarget(decisions).size).toBe(0);
  });

  it("neither moves nor releases a sold-out type", () => {
    const decisions = decideDropClose({ campaign: campaign(true), drop: d1, otherDrops: [d2], issued: { v30: 100, v60: 50 } });
    expect(decisions).toEqual({ v30: { issued: 100, unclaimed: 0 }, v60: { issued: 50, unclaimed: 0 } });
    expect(totalReleased(decisions)).toBe(0);
  });

  it("throws when more vouchers were issued than stock, also for a type the drop does not stock", () => {
    expect(() => decideDropClose({ campaign: campaign(true), drop: d1, otherDrops: [], issued: { v30: 101 } })).toThrow(
      DropCloseInvariantError,
    );
    expect(() => decideDropClose({ campaign: campaign(true), drop: d1, otherDrops: [], issued: { v90: 1 } })).toThrow(
      /issued 1 vouchers of v90 but had a stock of 0/,
    );
  });

  it("throws on a voucher type the campaign does not define, or a malformed count", () => {
    const odd = drop("odd", "2026-11-01T02:00:00Z", "2026-11-01T04:00:00Z", { v99: 3 });
    expect(() => decideDropClose({ campaign: campaign(false), drop: odd, otherDrops: [], issued: {} })).toThrow(/does not define/);
    expect(() => decideDropClose({ campaign: campaign(false), drop: d1, otherDrops: [], issued: { v30: 1.5 } })).toThrow(
      DropCloseInvariantError,
    );
  });
});

describe("decideDropClose conserves units (property)", () => {
  const types = ["a", "b", "c"] as const;
  const HOUR = 3_600_000;
  const base = Date.parse("2026-11-01T00:00:00Z");

  const scenario = fc
    .record({
      rollover: fc.boolean(),
      discounts: fc.tuple(...types.map(() => fc.integer({ min: 1, max: 100_000 }))),
      stock: fc.tuple(...types.map(() => fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }))),
      issuedShare: fc.tuple(...types.map(() => fc.double({ min: 0, max: 1, noNaN: true }))),
      others: fc.array(
        fc.record({
          startHour: fc.integer({ min: -5, max: 10 }),
          types: fc.subarray([...types], { minLength: 1 }),
          closed: fc.boolean(),
        }),
        { maxLength: 6 },
      ),
    })
    .map(({ rollover, discounts, stock, issuedShare, others }) => {
      const stockOf: Record<string, number> = {};
      const issued: Record<string, number> = {};
      types.forEach((type, i) => {
        const units = stock[i];
        if (units === undefined) return;
        stockOf[type] = units;
        issued[type] = Math.floor(units * (issuedShare[i] ?? 0));
      });
      const closing = drop("src", new Date(base).toISOString(), new Date(base + HOUR).toISOString(), stockOf);
      const otherDrops = others.map((other, i) =>
        drop(
          `o${i}`,
          new Date(base + other.startHour * HOUR).toISOString(),
          new Date(base + (other.startHour + 1) * HOUR).toISOString(),
          Object.fromEntries(other.types.map((type) => [type, 1])),
          other.closed ? new Date(base).toISOString() : undefined,
        ),
      );
      const voucherTypes = types.map((id, i) => ({ id, discount: discounts[i] ?? 1 }));
      return { campaign: { rollover, voucherTypes }, drop: closing, otherDrops, issued };
    });

  it("issued + unclaimed = stock, and every unclaimed unit is moved or released, never both", () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const decisions = decideDropClose(input);
        expect(Object.keys(decisions).sort()).toEqual(Object.keys(input.drop.stock).sort());
        const discounts = new Map<string, number>(input.campaign.voucherTypes.map((type) => [type.id, type.discount]));
        let moved = 0;
        let releasedUnits = 0;
        for (const [type, decision] of Object.entries(decisions)) {
          expect(decision.issued + decision.unclaimed).toBe(input.drop.stock[type]);
          expect(decision.unclaimed).toBeGreaterThanOrEqual(0);
          expect(decision.movedTo !== undefined && decision.released !== undefined).toBe(false);
          if (decision.unclaimed === 0) {
            expect(decision.movedTo ?? decision.released).toBeUndefined();
            continue;
          }
          if (decision.movedTo !== undefined) {
            moved += decision.unclaimed;
            expect(input.campaign.rollover).toBe(true);
            const target = input.otherDrops.find((other) => other.id === decision.movedTo);
            expect(target?.closedAt).toBeUndefined();
            expect(target?.stock[type]).toBeDefined();
            expect(Date.parse(target?.opensAt ?? "")).toBeGreaterThanOrEqual(Date.parse(input.drop.closesAt));
          } else {
            releasedUnits += decision.unclaimed;
            expect(decision.released).toBe(decision.unclaimed * (discounts.get(type) ?? Number.NaN));
            // Released only when there was nowhere to roll into.
            if (input.campaign.rollover) expect(rollOverTarget(input.drop, input.otherDrops, type)).toBeUndefined();
          }
        }
        const stock = Object.values(input.drop.stock).reduce((sum, units) => sum + units, 0);
        const issued = Object.values(decisions).reduce((sum, decision) => sum + decision.issued, 0);
        expect(issued + moved + releasedUnits).toBe(stock);
        const rolled = [...rollInsByTarget(decisions).values()].flatMap((units) => Object.values(units));
        expect(rolled.reduce((sum, units) => sum + units, 0)).toBe(moved);
      }),
      { numRuns: 500 },
    );
  });

  it("always throws when any type issued more than its stock", () => {
    fc.assert(
      fc.property(scenario, fc.constantFrom(...types), fc.integer({ min: 1, max: 10 }), (input, type, excess) => {
        const issued = { ...input.issued, [type]: (input.drop.stock[type] ?? 0) + excess };
        expect(() => decideDropClose({ ...input, issued })).toThrow(DropCloseInvariantError);
      }),
    );
  });
});
