/**
 * Global index names as the store writes them into a query, taken from the wiring declaration
 * (`platform.tables[t].globalIndexes`) instead of restated as strings: `indexName("merchants",
 * "byStatus")`. The arguments are typed by the declaration, and an index the declaration does not
 * hold also fails the first time the module that names it is loaded (store modules name theirs in
 * module-level constants or on first use), so a renamed or removed index cannot go unnoticed.
 */
import { type PlatformWiring, type TableName, platform } from "./platform.js";

/** The global indexes a table declares. */
type DeclaredIndexes<T extends TableName> = NonNullable<PlatformWiring["tables"][T]["globalIndexes"]>;

/** The named keys of `R`, without its index signature (`Record<string, …>` of the declaration's type). */
type NamedKeys<R> = keyof { [K in keyof R as string extends K ? never : K]: R[K] } & string;

/**
 * The name of a global index of table `T`, as declared. While `defineWiring` hands back the
 * declaration's type (`Record<string, GlobalIndexDeclaration>`) rather than its literal, there are
 * no named keys to check against, and any string passes the compiler (the load-time check still
 * holds); a `defineWiring` that keeps the literal type of `tables` makes this exact.
 */
export type IndexName<T extends TableName> = [NamedKeys<DeclaredIndexes<T>>] extends [never] ? string : NamedKeys<DeclaredIndexes<T>>;

/** The declared name of global index `index` of table `table`, for a query's `IndexName`. */
export function indexName<T extends TableName, I extends IndexName<T>>(table: T, index: I): I {
  const declared: Readonly<Record<string, unknown>> = platform.tables[table].globalIndexes ?? {};
  if (!Object.hasOwn(declared, index)) throw new Error(`the wiring declares no global index "${index}" on table "${table}"`);
  return index;
}
