/**
 * The partner kit behind `npm run partner` (docs/partners.md, "The partner kit"): what a bank's
 * developer needs to talk to the platform before writing a line of their own.
 *
 * - `sign` prints the `X-Voucher-Signature` value for a body;
 * - `send payment|refund|merchant` builds a valid body for that route, signs it and POSTs it;
 * - `verify` checks a payout request's signature as the bank's endpoint would.
 *
 * Signing and checking are the platform's own functions (shared/domain/signature.ts), so the kit
 * can never disagree with the platform. Everything that touches the outside world (output, files,
 * stdin, fetch, the clock) comes in through {@link PartnerKitIo}, so the tests run it in-process.
 * Exit codes: 0 done, 1 refused (a non-2xx answer, a signature that does not verify, an unreachable
 * platform), 2 bad arguments.
 */
import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import { parseArgs } from "node:util";
import { z } from "zod";
import { idSchema } from "../shared/domain/campaign.js";
import { sectorSchema } from "../shared/domain/sectors.js";
import {
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_SECONDS,
  parseSignatureHeader,
  signPayloadWithSecrets,
  verifySignature,
} from "../shared/domain/signature.js";

/** Where `send` posts when neither `--url` nor a running `npm start` says otherwise. */
export const DEFAULT_PLATFORM_URL = "http://127.0.0.1:3000";

/** Read when `--secret` is not given, so the secret need not appear in the shell's history. */
export const SECRET_ENV = "PARTNER_SECRET";

/** The partner routes `send` can call, by the word on the command line. */
export const PARTNER_ROUTES = { payment: "payments", refund: "refunds", merchant: "merchants" } as const;
export type PartnerRouteName = keyof typeof PARTNER_ROUTES;

/** The outside world, as the kit sees it. */
export interface PartnerKitIo {
  out(text: string): void;
  err(text: string): void;
  readFile(path: string): Promise<Uint8Array>;
  /** The whole of stdin; undefined when stdin is a terminal (nothing piped in). */
  readStdin(): Promise<Uint8Array | undefined>;
  fetch: typeof fetch;
  now(): Date;
  env: Readonly<Record<string, string | undefined>>;
  /** The base URL of the platform `npm start` runs, if one is running. */
  localPlatformUrl(): Promise<string | undefined>;
}

export const USAGE = [
  "usage: npm run partner -- <command> [options]   (each command takes --help)",
  "  sign    --secret S [--body FILE|-] [--time T]",
  "          prints the X-Voucher-Signature header value for a body",
  "  send    payment|refund|merchant --partner ID --secret S [--url BASE] [--body FILE|-] [field flags]",
  "          builds a valid body for the route, signs it, POSTs it to /partners/{ID}/…, prints the answer",
  "  verify  --secret S --signature HEADER [--body FILE|-] [--tolerance SECONDS]",
  "          checks a payout request's signature as the bank's endpoint must",
  `  --secret may be repeated (one v1 per secret, as during a rotation) or left out when ${SECRET_ENV} is set.`,
  "  Exit 0 done, 1 refused or unreachable, 2 bad arguments.",
].join("\n");

const SIGN_USAGE = [
  "usage: npm run partner -- sign --secret S [--secret S2] [--body FILE|-] [--time T]",
  "  prints t=<time>,v1=<hex HMAC-SHA256(secret, time + \".\" + body)>: the X-Voucher-Signature value",
  "  --secret S    the partner's signing secret (repeatable; default: $" + SECRET_ENV + ")",
  "  --body FILE   the exact bytes to sign; - or nothing: stdin",
  "  --time T      the signing time in unix seconds (default: now); more than 300 s off the platform's clock is refused",
].join("\n");

const SEND_USAGE = [
  "usage: npm run partner -- send payment|refund|merchant --partner ID --secret S [--url BASE] [--body FILE|-] [fields]",
  "  signs a body and POSTs it to BASE/partners/ID/payments|refunds|merchants; prints the status and the answer;",
  "  exit 0 on a 2xx answer, 1 otherwise",
  "  --partner ID        your partner id",
  "  --secret S          your signing secret (repeatable; default: $" + SECRET_ENV + ")",
  `  --url BASE          the platform (default: the one npm start runs, else ${DEFAULT_PLATFORM_URL})`,
  "  --body FILE|-       send these exact bytes instead of building a body from the fields below",
  "  --time T            sign at this unix time instead of now (to see a stale signature refused)",
  "  payment fields:     --merchant ID --payer ID --amount FEN [--voucher ID] [--transaction ID] [--event ID] [--occurred-at ISO]",
  "  refund fields:      --transaction ID [--amount FEN] [--event ID] [--occurred-at ISO]   (no --amount: the rest of the payment)",
  "  merchant fields:    --merchant ID --name NAME --sector SECTOR",
  "  Omitted, --event is a new UUID, --transaction (payment) a new txn-<UUID>, --occurred-at now.",
  "  Money is integer fen: --amount 12000 is ¥120.",
].join("\n");

const VERIFY_USAGE = [
  "usage: npm run partner -- verify --secret S --signature HEADER [--body FILE|-] [--tolerance SECONDS]",
  "  checks a payout's X-Voucher-Signature against the raw body as received; exit 0 genuine, 1 not",
  "  --secret S          a secret of yours (repeatable; default: $" + SECRET_ENV + "); one matching v1 is enough",
  "  --signature HEADER  the X-Voucher-Signature value received",
  "  --body FILE|-       the raw body bytes as received (- or nothing: stdin)",
  `  --tolerance S       how far t may be from now, in seconds (default ${SIGNATURE_TOLERANCE_SECONDS})`,
].join("\n");

/** A body's source: a file, or stdin (`-`). */
export type BodySource = { file: string } | { stdin: true };

export interface SignCommand {
  command: "sign";
  secrets: string[];
  body: BodySource;
  /** Unix seconds; undefined: now. */
  time: number | undefined;
}

export interface SendCommand {
  command: "send";
  route: PartnerRouteName;
  partnerId: string;
  secrets: string[];
  /** undefined: the running local platform, else {@link DEFAULT_PLATFORM_URL}. */
  url: string | undefined;
  time: number | undefined;
  /** The exact bytes to send, or the fields to build the route's body from. */
  body: BodySource | { fields: BodyFields };
}

export interface VerifyCommand {
  command: "verify";
  secrets: string[];
  signature: string;
  body: BodySource;
  toleranceSeconds: number;
}

/** The field flags of `send`, by body field name, as given (defaults are filled in by {@link buildBody}). */
export interface BodyFields {
  merchantId?: string;
  payerId?: string;
  amount?: number;
  voucherId?: string;
  transactionId?: string;
  eventId?: string;
  occurredAt?: string;
  name?: string;
  sector?: string;
}

/** What a command line asks for: a command, its usage (`--help`), or why it cannot be run. */
export type PartnerCommand = SignCommand | SendCommand | VerifyCommand | { command: "help"; usage: string } | { command: "invalid"; message: string };

const required = (what: string) => ({ error: (issue: { input: unknown }) => (issue.input === undefined ? `is required (${what})` : undefined) });
const idFlag = (what: string) => z.string(required(what)).pipe(idSchema);
const unixSeconds = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, "must be unix seconds: a positive integer of at most 10 digits")
  .transform(Number);
const wholeFen = z
  .string()
  .regex(/^-?[0-9]{1,16}$/, "must be a whole number of fen (1 CNY = 100 fen; ¥120 is 12000)")
  .transform(Number)
  .refine(Number.isSafeInteger, "is too large");
const bodyFlag = z.string().min(1, "must name a file, or - for stdin");
const secretsFlag = z.array(z.string().min(1, "must not be empty")).min(1, `is required (your signing secret), or set ${SECRET_ENV}`);

/** Route field flags and the body field each one fills. */
const FIELD_FLAGS = {
  merchant: "merchantId",
  payer: "payerId",
  amount: "amount",
  voucher: "voucherId",
  transaction: "transactionId",
  event: "eventId",
  "occurred-at": "occurredAt",
  name: "name",
  sector: "sector",
} as const satisfies Record<string, keyof BodyFields>;
type FieldFlag = keyof typeof FIELD_FLAGS;

const occurredAtFlag = z.iso.datetime({ offset: true, error: "must be ISO-8601 with an offset, e.g. 2026-11-05T12:00:00+08:00" });

/** For each route, the field flags it takes; any other field flag is refused. */
const ROUTE_FIELDS = {
  payment: z.strictObject({
    merchant: idFlag("the merchant's id"),
    payer: z.string(required("the payer's platform id, the resident's sub")).min(1).max(256),
    amount: z.string(required("the payment in fen, before any discount")).pipe(wholeFen),
    voucher: idFlag("a voucher id").optional(),
    transaction: idFlag("your transaction id").optional(),
    event: idFlag("an event id").optional(),
    "occurred-at": occurredAtFlag.optional(),
  }),
  refund: z.strictObject({
    transaction: idFlag("the transaction id of the payment refunded"),
    amount: wholeFen.optional(),
    event: idFlag("an event id").optional(),
    "occurred-at": occurredAtFlag.optional(),
  }),
  merchant: z.strictObject({
    merchant: idFlag("the merchant's id"),
    name: z.string(required("the merchant's name")).trim().min(1).max(200),
    sector: z.string(required(`one of ${sectorSchema.options.join(", ")}`)).pipe(sectorSchema),
  }),
} satisfies Record<PartnerRouteName, z.ZodType>;

const OPTIONS = {
  secret: { type: "string", multiple: true },
  body: { type: "string" },
  time: { type: "string" },
  partner: { type: "string" },
  url: { type: "string" },
  signature: { type: "string" },
  tolerance: { type: "string" },
  merchant: { type: "string" },
  payer: { type: "string" },
  amount: { type: "string" },
  voucher: { type: "string" },
  transaction: { type: "string" },
  event: { type: "string" },
  "occurred-at": { type: "string" },
  name: { type: "string" },
  sector: { type: "string" },
} as const satisfies Record<OptionName, { type: "string" | "boolean"; multiple?: boolean }>;
type OptionName = "secret" | "body" | "time" | "partner" | "url" | "signature" | "tolerance" | FieldFlag;

/** The options each command accepts. */
const ACCEPTS: Record<"sign" | "send" | "verify", readonly OptionName[]> = {
  sign: ["secret", "body", "time"],
  send: ["secret", "body", "time", "partner", "url", ...(Object.keys(FIELD_FLAGS) as FieldFlag[])],
  verify: ["secret", "body", "signature", "tolerance"],
};

/**
 * Reads a command line (what follows `npm run partner --`) into a command. Never throws and never
 * exits: a bad line is `{command: "invalid", message}` with the usage to print, `--help` is
 * `{command: "help"}`. `env` supplies {@link SECRET_ENV} when no `--secret` is given.
 */
export function parsePartnerCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): PartnerCommand {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") return { command: "help", usage: USAGE };
  if (name !== "sign" && name !== "send" && name !== "verify") return { command: "invalid", message: `unknown command ${JSON.stringify(name)}\n${USAGE}` };
  const usage = name === "sign" ? SIGN_USAGE : name === "send" ? SEND_USAGE : VERIFY_USAGE;
  const invalid = (message: string): PartnerCommand => ({ command: "invalid", message: `${message}\n${usage}` });

  let values: Partial<Record<OptionName | "help", string | string[] | boolean>>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...rest],
      options: { ...OPTIONS, help: { type: "boolean", short: "h" } },
      allowPositionals: name === "send",
      strict: true,
    }));
  } catch (error) {
    return invalid(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return { command: "help", usage };
  const { help: _help, ...given } = values;
  const foreign = Object.keys(given).filter((option) => !ACCEPTS[name].includes(option as OptionName));
  if (foreign.length > 0) return invalid(`${foreign.map((option) => `--${option}`).join(", ")} ${foreign.length === 1 ? "does" : "do"} not apply to ${name}`);

  const secrets = (given.secret as string[] | undefined) ?? (env[SECRET_ENV] ? [env[SECRET_ENV]] : []);
  const common = z
    .object({
      secret: secretsFlag,
      body: bodyFlag.optional(),
      time: unixSeconds.optional(),
      tolerance: z.string().regex(/^[0-9]{1,9}$/, "must be a whole number of seconds").transform(Number).optional(),
      signature: z.string(required("the X-Voucher-Signature value received")).optional(),
    })
    .safeParse({ secret: secrets, body: given.body, time: given.time, tolerance: given.tolerance, signature: given.signature });
  if (!common.success) return invalid(describeIssues(common.error));
  const { body, time, tolerance, signature } = common.data;
  const source = (file: string | undefined): BodySource => (file === undefined || file === "-" ? { stdin: true } : { file });

  if (name === "sign") return { command: "sign", secrets, body: source(body), time };
  if (name === "verify") {
    if (signature === undefined) return invalid("--signature: is required (the X-Voucher-Signature value received)");
    return { command: "verify", secrets, signature, body: source(body), toleranceSeconds: tolerance ?? SIGNATURE_TOLERANCE_SECONDS };
  }

  const [route, ...extra] = positionals;
  if (route === undefined || !(route in PARTNER_ROUTES)) return invalid(`send what? ${route === undefined ? "name" : `${JSON.stringify(route)} is not`} one of payment, refund, merchant`);
  if (extra.length > 0) return invalid(`unexpected argument ${JSON.stringify(extra[0])}`);
  const routeName = route as PartnerRouteName;
  const target = z
    .object({
      partner: idFlag("your partner id"),
      url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    })
    .safeParse({ partner: given.partner, url: given.url });
  if (!target.success) return invalid(describeIssues(target.error));
  const fieldFlags = Object.fromEntries(Object.entries(given).filter(([option]) => option in FIELD_FLAGS));
  const base = { command: "send", route: routeName, partnerId: target.data.partner, secrets, url: target.data.url?.replace(/\/+$/, ""), time } as const;
  if (body !== undefined) {
    if (Object.keys(fieldFlags).length > 0) return invalid(`--body and field flags (${Object.keys(fieldFlags).map((f) => `--${f}`).join(", ")}) cannot be combined: the body is sent as it is`);
    return { ...base, body: source(body) };
  }
  const fields = ROUTE_FIELDS[routeName].safeParse(fieldFlags);
  if (!fields.success) return invalid(describeIssues(fields.error, `send ${routeName}`));
  const byField: BodyFields = {};
  for (const [flag, value] of Object.entries(fields.data)) {
    if (value !== undefined) Object.assign(byField, { [FIELD_FLAGS[flag as FieldFlag]]: value });
  }
  return { ...base, body: { fields: byField } };
}

/** Zod issues as flag messages: `--amount: must be a whole number of fen`. */
function describeIssues(error: z.ZodError, command?: string): string {
  return error.issues
    .map((issue) => {
      if (issue.code === "unrecognized_keys") return `${issue.keys.map((key) => `--${key}`).join(", ")} ${issue.keys.length === 1 ? "does" : "do"} not apply to ${command ?? "this command"}`;
      // The flag's name: `--secret`, not `--secret.0` for one of several secrets.
      return `--${String(issue.path[0] ?? "")}: ${issue.message}`;
    })
    .join("\n");
}

/**
 * The body of a partner route from the given fields, with the fields a bank would fill in itself
 * filled sensibly when omitted: a new `eventId` (a UUID), a new `transactionId` for a payment, and
 * `occurredAt` now in whole seconds (partners send whole seconds). Keys in the order the route
 * documents them; the platform's strict bodies refuse any other.
 */
export function buildBody(route: PartnerRouteName, fields: BodyFields, now: Date = new Date(), newId: () => string = randomUUID): Record<string, unknown> {
  const occurredAt = fields.occurredAt ?? new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace(".000Z", "Z");
  const eventId = fields.eventId ?? newId();
  const defined = (body: Record<string, unknown>) => Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
  switch (route) {
    case "payment":
      return defined({
        eventId,
        transactionId: fields.transactionId ?? `txn-${newId()}`,
        merchantId: fields.merchantId,
        payerId: fields.payerId,
        amount: fields.amount,
        occurredAt,
        voucherId: fields.voucherId,
      });
    case "refund":
      return defined({ eventId, transactionId: fields.transactionId, occurredAt, amount: fields.amount });
    case "merchant":
      return { id: fields.merchantId, name: fields.name, sector: fields.sector };
  }
}

/** The clear sentence for each way a payout signature can fail. */
export function verificationMessage(input: { signature: string; rawBody: Uint8Array; secrets: readonly string[]; now: Date; toleranceSeconds: number }): { genuine: boolean; message: string } {
  const { signature, rawBody, secrets, now, toleranceSeconds } = input;
  const result = verifySignature({ header: signature, rawBody, secrets, now, toleranceSeconds });
  if (result.ok) {
    const age = Math.round(now.getTime() / 1000 - result.timestamp);
    const when = age >= 0 ? `${age} s ago` : `${-age} s ahead of this clock`;
    return { genuine: true, message: `genuine: signed with one of your secrets at t=${result.timestamp} (${new Date(result.timestamp * 1000).toISOString()}, ${when})` };
  }
  switch (result.reason) {
    case "missing":
      return { genuine: false, message: "refused: the signature is empty (no X-Voucher-Signature header): answer 401" };
    case "malformed": {
      const parsed = parseSignatureHeader(signature);
      return { genuine: false, message: `refused: the signature is malformed (${"error" in parsed ? parsed.error : "unreadable"}): answer 401` };
    }
    case "mismatch":
      return {
        genuine: false,
        message:
          `refused: no v1 signature matches ${secrets.length === 1 ? "your secret" : `any of your ${secrets.length} secrets`}: ` +
          "check the secret, and verify the raw body bytes exactly as received (not re-serialised JSON): answer 401",
      };
    case "stale": {
      const parsed = parseSignatureHeader(signature);
      const skew = "error" in parsed ? NaN : Math.round(now.getTime() / 1000 - parsed.timestamp);
      return {
        genuine: false,
        message: `refused: the signature is genuine but stale: t is ${Math.abs(skew)} s ${skew >= 0 ? "in the past" : "in the future"}, beyond the ${toleranceSeconds} s tolerance (a replay, or a clock off): answer 401`,
      };
    }
  }
}

/** Runs one command line; resolves to the exit code (0 done, 1 refused or unreachable, 2 bad arguments). */
export async function runPartnerKit(argv: readonly string[], io: PartnerKitIo): Promise<number> {
  const command = parsePartnerCommand(argv, io.env);
  switch (command.command) {
    case "help":
      io.out(command.usage);
      return 0;
    case "invalid":
      io.err(command.message);
      return 2;
  }
  let rawBody: Uint8Array | undefined;
  if (command.body !== undefined && !("fields" in command.body)) {
    try {
      rawBody = "file" in command.body ? await io.readFile(command.body.file) : await io.readStdin();
    } catch (error) {
      io.err(`cannot read the body: ${error instanceof Error ? error.message : String(error)}`);
      return 2;
    }
    if (rawBody === undefined) {
      io.err("no body: pass --body FILE, or pipe the body in");
      return 2;
    }
  }
  const seconds = (command.command !== "verify" ? command.time : undefined) ?? Math.floor(io.now().getTime() / 1000);

  switch (command.command) {
    case "sign":
      io.out(signPayloadWithSecrets(command.secrets, seconds, rawBody ?? new Uint8Array()));
      return 0;
    case "verify": {
      const { genuine, message } = verificationMessage({ ...command, rawBody: rawBody ?? new Uint8Array(), now: io.now() });
      if (genuine) io.out(message);
      else io.err(message);
      return genuine ? 0 : 1;
    }
    case "send":
      return send(command, rawBody, seconds, io);
  }
}

async function send(command: SendCommand, rawBody: Uint8Array | undefined, seconds: number, io: PartnerKitIo): Promise<number> {
  const bytes = rawBody ?? Buffer.from(JSON.stringify(buildBody(command.route, "fields" in command.body ? command.body.fields : {}, io.now())), "utf8");
  const base = command.url ?? (await io.localPlatformUrl()) ?? DEFAULT_PLATFORM_URL;
  const url = `${base}/partners/${encodeURIComponent(command.partnerId)}/${PARTNER_ROUTES[command.route]}`;
  io.err(`POST ${url}\n${Buffer.from(bytes).toString("utf8")}`);
  let response: Response;
  try {
    response = await io.fetch(url, {
      method: "POST",
      // The bytes signed are the bytes sent: nothing re-serialises the body in between.
      headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signPayloadWithSecrets(command.secrets, seconds, bytes) },
      body: bytes,
      redirect: "manual",
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    io.err(`could not reach ${base}: ${cause}${command.url === undefined ? " (is npm start running? or pass --url)" : ""}`);
    return 1;
  }
  const text = await response.text();
  let answer = text;
  try {
    answer = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // Not JSON (a gateway's own page, say): shown as it came.
  }
  io.out(`${response.status} ${STATUS_CODES[response.status] ?? ""}`.trim());
  if (answer !== "") io.out(answer);
  if (response.status === 401) io.err("401: check --partner, the secret, and that this machine's clock is within 300 s of the platform's");
  return response.ok ? 0 : 1;
}
