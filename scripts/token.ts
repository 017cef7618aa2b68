/**
 * `npm run token -- --sub alice [--operator] [--merchant ID] [--group NAME]... [--phone +86… [--phone-unverified]] [--id-hash H] [--expires-in SECONDS]`
 * prints a bearer token (`--merchant m1`: a merchant's, in the merchants group with `custom:merchant_id`) that the local runtime's JWT authorizer accepts; `--phone` and `--id-hash`
 * put linked identities' claims in it (docs/architecture.md "Linked identities").
 */
import { z } from "zod";
import { jwtSettingsFromEnv, signLocalToken } from "../infra/local/jwt.js";
import { parseCommandLine } from "./cli.js";
import { MERCHANTS_GROUP, MERCHANT_ID_CLAIM } from "../shared/http/caller.js";

const USAGE = "usage: npm run token -- --sub ID [--operator] [--merchant ID] [--group NAME]... [--phone NUMBER [--phone-unverified]] [--id-hash HASH] [--expires-in SECONDS]";

const args = parseCommandLine({
  usage: USAGE,
  options: {
    sub: { type: "string" },
    operator: { type: "boolean" },
    merchant: { type: "string" },
    group: { type: "string", multiple: true },
    phone: { type: "string" },
    "phone-unverified": { type: "boolean" },
    "id-hash": { type: "string" },
    "expires-in": { type: "string" },
  },
  schema: z.object({
    sub: z.string({ error: "is required" }).regex(/^[A-Za-z0-9_-]{1,64}$/, "sub must be 1–64 of A-Z a-z 0-9 _ -"),
    operator: z.boolean().default(false),
    merchant: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "merchant must be 1–64 of A-Z a-z 0-9 _ -").optional(),
    group: z.array(z.string().min(1)).default([]),
    phone: z.string().min(1).optional(),
    "phone-unverified": z.boolean().default(false),
    "id-hash": z.string().min(1).optional(),
    "expires-in": z.coerce.number().int().positive().default(3600),
  }),
});

const token = await signLocalToken({
  sub: args.sub,
  operator: args.operator,
  // A merchant's token: the merchants group and the merchant it acts for, as a Cognito user of that group carries them.
  groups: [...args.group, ...(args.merchant === undefined ? [] : [MERCHANTS_GROUP])],
  ...(args.merchant === undefined ? {} : { claims: { [MERCHANT_ID_CLAIM]: args.merchant } }),
  identity: {
    ...(args.phone === undefined ? {} : { phoneNumber: args.phone, phoneNumberVerified: !args["phone-unverified"] }),
    ...(args["id-hash"] === undefined ? {} : { idHash: args["id-hash"] }),
  },
  expiresInSeconds: args["expires-in"],
  settings: jwtSettingsFromEnv(),
});
console.log(token);
