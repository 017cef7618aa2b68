/**
 * Builds a function's use-case dependencies from its wiring entry: the document client, the
 * physical name of every table the function is granted (from the environment its grants hand it)
 * and the clock. The tables are typed by the declaration in shared/wiring/functions.ts, so a use
 * case asking for a table its function may not touch is a compile error, not a runtime one.
 */
import { documents } from "./clients.js";
import { tableName } from "./config.js";
import type { Dependencies, TableName } from "./use-cases/dependencies.js";
import { platformFunctions } from "./wiring/functions.js";
import type { FunctionDeclaration } from "./wiring/types.js";

type Functions = typeof platformFunctions;

/** Logical name of a function of the platform's wiring. */
export type FunctionName = keyof Functions;

/** The tables a wiring entry grants. */
export type GrantedTableOf<D> = D extends { readonly tables: infer Granted } ? Extract<keyof Granted, TableName> : never;

/** The tables a function is granted, by its wiring entry. */
export type GrantedTable<F extends FunctionName> = GrantedTableOf<Functions[F]>;

/**
 * The dependencies of the function `functionName`, e.g. `dependenciesOf("recordPayment")`. Each
 * table's physical name is read when first used (and kept by these dependencies), so an
 * environment missing a grant fails at the first call that needs it, naming the variable.
 */
export function dependenciesOf<F extends FunctionName>(functionName: F, env: NodeJS.ProcessEnv = process.env): Dependencies<GrantedTable<F>> {
  return dependenciesFor<Functions[F]>(platformFunctions[functionName], env);
}

/**
 * {@link dependenciesOf} from the wiring entry itself, for a handler whose bundle must not hold
 * every function's declaration (the claim's: shared/wiring/claim-function.ts).
 */
export function dependenciesFor<D extends FunctionDeclaration<TableName, string>>(declaration: D, env: NodeJS.ProcessEnv = process.env): Dependencies<GrantedTableOf<D>> {
  const granted = declaration.tables ?? {};
  const tables: Partial<Record<GrantedTableOf<D>, string>> = {};
  for (const table of Object.keys(granted)) {
    // Read from the environment at first use, then kept: a claim names its tables a dozen times.
    let name: string | undefined;
    Object.defineProperty(tables, table, { get: () => (name ??= tableName(table, env)), enumerable: true });
  }
  return { db: documents(), tables: tables as Record<GrantedTableOf<D>, string>, now: () => new Date() };
}
