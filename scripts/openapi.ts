/** `npm run openapi` writes docs/openapi.json from the routes declared in the wiring, each with its documentation (shared/wiring/routes.ts). */
import { readFileSync, writeFileSync } from "node:fs";
import { buildOpenApi } from "../shared/api/openapi.js";
import { platform } from "../shared/wiring/platform.js";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
const target = new URL("../docs/openapi.json", import.meta.url);
writeFileSync(target, `${JSON.stringify(buildOpenApi(platform, version), null, 2)}\n`);
console.log(`wrote ${target.pathname} (${platform.routes.length} routes)`);
