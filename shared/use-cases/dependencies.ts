/**
 * The one shape of a use case's dependencies. A use case names the tables it touches,
 * `Dependencies<"campaigns" | "inventory">`, and gets the document client, their physical names
 * and the clock; anything else it needs (caches, a random source, a queue sender) is added beside
 * it. Handlers build it with `dependenciesOf` (shared/dependencies.ts) from their wiring entry, so
 * a handler whose function is not granted a table the use case needs does not compile; tests build
 * the same value by hand against the emulators.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { TableName } from "../wiring/tables.js";

export type { TableName };

/** What a use case touching the tables `T` is given. */
export interface Dependencies<T extends TableName> {
  db: DynamoDBDocumentClient;
  /** Physical table names, by logical name. */
  tables: Readonly<Record<T, string>>;
  /** The clock; tests pass a fixed one. */
  now: () => Date;
}
