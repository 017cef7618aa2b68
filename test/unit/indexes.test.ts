import { describe, expect, it } from "vitest";
import { indexName } from "../../shared/wiring/indexes.js";
import { type TableName, platform } from "../../shared/wiring/platform.js";

/** An index name the compiler is told nothing about, to reach the check at load time. */
const unchecked = (name: string): never => name as never;

describe("indexName", () => {
  it("hands back every index the wiring declares, by table", () => {
    for (const table of Object.keys(platform.tables) as TableName[]) {
      for (const index of Object.keys(platform.tables[table].globalIndexes ?? {})) expect(indexName(table, unchecked(index))).toBe(index);
    }
    expect(indexName("merchants", "byStatus")).toBe("byStatus");
    expect(indexName("campaigns", "dueDrops")).toBe("dueDrops");
    // @ts-expect-error: the campaigns table declares no such index, and the compiler knows it
    expect(() => indexName("campaigns", "byStatus")).toThrow();
  });

  it("refuses an index the table does not declare, naming both", () => {
    expect(() => indexName("campaigns", unchecked("byStatus"))).toThrow(/no global index "byStatus" on table "campaigns"/);
    expect(() => indexName("vouchers", unchecked("listing"))).toThrow(/no global index "listing" on table "vouchers"/);
  });
});
