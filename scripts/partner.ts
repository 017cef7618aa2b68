/**
 * `npm run partner -- sign|send|verify …`: the partner kit (scripts/partner-kit.ts,
 * docs/partners.md "The partner kit"). Signs a body, sends a signed payment, refund or merchant
 * submission to the local platform or a URL, and verifies a payout request's signature.
 * Exit 0 done, 1 refused or unreachable, 2 bad arguments.
 */
import { readFile } from "node:fs/promises";
import { runningPlatform } from "../infra/local/state-file.js";
import { runPartnerKit } from "./partner-kit.js";

async function readStdin(): Promise<Uint8Array | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

process.exitCode = await runPartnerKit(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  readFile: (path) => readFile(path),
  readStdin,
  fetch,
  now: () => new Date(),
  env: process.env,
  localPlatformUrl: async () => (await runningPlatform())?.url,
});
