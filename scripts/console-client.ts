/**
 * `npm run console:client` writes console/src/api/openapi.d.ts, the console's types of every route,
 * from docs/openapi.json (run `npm run openapi` first when routes changed). A unit test
 * (test/unit/console-client.test.ts) fails when the committed file is not what this writes.
 */
import { writeFileSync } from "node:fs";
import { consoleClientTypes, CONSOLE_CLIENT_TYPES_FILE } from "../infra/local/console-client.js";

writeFileSync(CONSOLE_CLIENT_TYPES_FILE, await consoleClientTypes());
console.log(`wrote ${CONSOLE_CLIENT_TYPES_FILE.pathname}`);
