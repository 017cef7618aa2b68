/**
 * The console's API types, generated from the published OpenAPI document with openapi-typescript,
 * so a route or schema change breaks the console's type check rather than the operator.
 */
import { readFileSync } from "node:fs";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";

export const OPENAPI_DOCUMENT_FILE = new URL("../../docs/openapi.json", import.meta.url);
export const CONSOLE_CLIENT_TYPES_FILE = new URL("../../console/src/api/openapi.d.ts", import.meta.url);

/** The text of console/src/api/openapi.d.ts for the committed docs/openapi.json. */
export async function consoleClientTypes(): Promise<string> {
  const document = readFileSync(OPENAPI_DOCUMENT_FILE, "utf8");
  // The document is validated by its own tests (redocly lint); here it only has to be read.
  const ast = await openapiTS(document, { silent: true });
  return `${COMMENT_HEADER}// Source: docs/openapi.json. Regenerate with \`npm run console:client\`.\n\n${astToString(ast)}`;
}
