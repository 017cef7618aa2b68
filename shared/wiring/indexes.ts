/**
 * Global index names as the store writes them into a query, taken from the table declarations
 * (`tables.ts`) instead of restated as strings: `indexName("merchants", "byStatus")`. The
 * arguments are checked by the compiler against the declaration, so a renamed or removed index
 * cannot go unnoticed.
 */
import { type TableName, platformTables } from "./tables.js";
import type { TableDeclaration } from "./types.js";

/** The name of a global index that table `T` declares. */
export type IndexName<T extends TableName> = (typeof platformTables)[T] extends { readonly globalIndexes: infer I } ? keyof I & string : never;

/** The declared name of global index `index` of table `table`, for a query's `IndexName`. */
export function indexName<T extends TableName, I extends IndexName<T>>(table: T, index: I): I {
  const declaration: TableDeclaration = platformTables[table];
  // Unreachable when the caller type-checks; a guard for callers that cast.
  if (!Object.hasOwn(declaration.globalIndexes ?? {}, index)) throw new Error(`the wiring declares no global index "${String(index)}" on table "${table}"`);
  return index;
}
