/**
 * The claim handler's wiring entry (part of `platformFunctions`, shared/wiring/functions.ts), in a
 * module of its own: the handler builds its dependencies from it (`dependenciesFor`), so its
 * bundle holds its own grants and not every function's declaration (about 16 KB; the claim
 * handler's bundle budget, issue 16).
 */
import type { platformTables } from "./tables.js";
import type { FunctionDeclaration } from "./types.js";

export const claimVoucherFunction = {
  description: "POST /campaigns/{id}/drops/{dropId}/claims: the flash-drop hot path.",
  entry: "functions/claims/claim.ts",
  memoryMb: 1024,
  timeoutSeconds: 10,
  tables: { campaigns: "readWrite", inventory: "readWrite", vouchers: "readWrite", idempotency: "readWrite" },
  identityHashKey: true,
} as const satisfies FunctionDeclaration<keyof typeof platformTables, string>;
