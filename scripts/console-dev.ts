/**
 * `npm run console:dev [-- --port 5173]`: the console from its sources with hot reload, in front of
 * the platform `npm start` runs (or VOUCHERS_URL). Open the address it prints, /console/.
 */
import { z } from "zod";
import { startConsoleDevServer } from "../infra/local/console-dev.js";
import { runningPlatform } from "../infra/local/state-file.js";
import { parseCommandLine } from "./cli.js";

const args = parseCommandLine({
  usage: "usage: npm run console:dev [-- --port N]",
  options: { port: { type: "string" } },
  schema: z.object({ port: z.coerce.number().int().min(1).max(65_535).default(5173) }),
});

const apiUrl = process.env.VOUCHERS_URL ?? (await runningPlatform())?.url;
if (!apiUrl) {
  console.error("No platform is running: start it with npm start in another terminal (or set VOUCHERS_URL).");
  process.exit(1);
}
const server = await startConsoleDevServer({ apiUrl, port: args.port });
console.log(`Console (hot reload) at http://127.0.0.1:${args.port}/console/, the API proxied to ${apiUrl}`);
const stop = () => void server.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
