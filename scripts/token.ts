/**
 * `npm run token -- --sub alice [--operator] [--group NAME]... [--expires-in SECONDS]`
 * prints a bearer token that the local runtime's JWT authorizer accepts.
 */
import { z } from "zod";
import { jwtSettingsFromEnv, signLocalToken } from "../infra/local/jwt.js";
import { parseCommandLine } from "./cli.js";

const USAGE = "usage: npm run token -- --sub ID [--operator] [--group NAME]... [--expires-in SECONDS]";

const args = parseCommandLine({
  usage: USAGE,
  options: {
    sub: { type: "string" },
    operator: { type: "boolean" },
    group: { type: "string", multiple: true },
    "expires-in": { type: "string" },
  },
  schema: z.object({
    sub: z.string({ error: "is required" }).regex(/^[A-Za-z0-9_-]{1,64}$/, "sub must be 1–64 of A-Z a-z 0-9 _ -"),
    operator: z.boolean().default(false),
    group: z.array(z.string().min(1)).default([]),
    "expires-in": z.coerce.number().int().positive().default(3600),
  }),
});

const token = await signLocalToken({
  sub: args.sub,
  operator: args.operator,
  groups: args.group,
  expiresInSeconds: args["expires-in"],
  settings: jwtSettingsFromEnv(),
});
console.log(token);
