/**
 * `npm run token -- --sub alice [--operator] [--group NAME]... [--expires-in SECONDS]`
 * prints a bearer token that the local runtime's JWT authorizer accepts.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { jwtSettingsFromEnv, signLocalToken } from "../infra/local/jwt.js";

const USAGE = "usage: npm run token -- --sub ID [--operator] [--group NAME]... [--expires-in SECONDS]";

const argsSchema = z.object({
  sub: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "sub must be 1–64 of A-Z a-z 0-9 _ -"),
  operator: z.boolean().default(false),
  group: z.array(z.string().min(1)).default([]),
  "expires-in": z.coerce.number().int().positive().default(3600),
});

try {
  const { values } = parseArgs({
    options: {
      sub: { type: "string" },
      operator: { type: "boolean" },
      group: { type: "string", multiple: true },
      "expires-in": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const args = argsSchema.safeParse(values);
  if (!args.success) {
    console.error(`${args.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("\n")}\n${USAGE}`);
    process.exit(2);
  }
  const token = await signLocalToken({
    sub: args.data.sub,
    operator: args.data.operator,
    groups: args.data.group,
    expiresInSeconds: args.data["expires-in"],
    settings: jwtSettingsFromEnv(),
  });
  console.log(token);
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
