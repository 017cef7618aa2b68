/**
 * The local runtime's fault mode, a small local AWS Fault Injection Service: DynamoDB Local never
 * throttles, conflicts or loses an answer, and fauxqs never fails a send, so drills ask for those
 * faults here. `VOUCHERS_FAULTS="dynamodb.throttle=0.05,sqs.send-fail=0.02,…"` gives each fault's
 * probability per call, `VOUCHERS_FAULTS_SEED` seeds the rolls (one PRNG stream per fault, so the
 * same seed and the same calls give the same faults).
 *
 * The faults are SDK middleware that the local runtime installs on the shared clients
 * (shared/clients.ts); nothing under functions/ or shared/ imports this file, so no Lambda bundle
 * contains it (test/infra/bundles.test.ts checks for FAULT_MIDDLEWARE_NAME in every bundle).
 */
import {
  type DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import { type SQSClient, SQSServiceException } from "@aws-sdk/client-sqs";
import { z } from "zod";

/** The faults the local runtime can inject. */
export const FAULT_NAMES = ["dynamodb.throttle", "dynamodb.conflict", "dynamodb.lost-answer", "sqs.send-fail", "payout.fail"] as const;
export type FaultName = (typeof FAULT_NAMES)[number];
/** Probability per call of each fault asked for; a fault not named is never injected. */
export type FaultSpec = Partial<Record<FaultName, number>>;
export interface FaultSettings {
  spec: FaultSpec;
  seed: number;
}

/** Name of the middleware in the clients' stacks; also the marker the bundle test looks for. */
export const FAULT_MIDDLEWARE_NAME = "vouchers-local-fault-injection";

const probabilitySchema = z.coerce
  .number({ error: "must be a number" })
  .refine((value) => Number.isFinite(value), "must be a number")
  .refine((value) => value >= 0 && value <= 1, "must be a probability between 0 and 1");

/** `name=probability,…` split into pairs; a part without `=` or a name given twice is an issue. */
const pairsSchema = z.string().transform((text, ctx) => {
  const pairs: Record<string, string> = {};
  for (const part of text.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const at = part.indexOf("=");
    if (at <= 0) {
      ctx.addIssue({ code: "custom", message: `"${part}" is not name=probability` });
      return z.NEVER;
    }
    const name = part.slice(0, at).trim();
    if (name in pairs) {
      ctx.addIssue({ code: "custom", message: `${name} is named twice` });
      return z.NEVER;
    }
    pairs[name] = part.slice(at + 1).trim();
  }
  return pairs;
});

const specSchema = z.strictObject(
  Object.fromEntries(FAULT_NAMES.map((name) => [name, probabilitySchema.optional()])) as Record<FaultName, z.ZodOptional<typeof probabilitySchema>>,
  {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? `unknown fault ${issue.keys.map((key) => `"${key}"`).join(", ")}; known faults: ${FAULT_NAMES.join(", ")}` : undefined,
  },
);

function problems(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue.message}`).join("; ");
}

/** Parses `name=probability,…`; throws an Error naming every problem (unknown fault, bad probability). */
export function parseFaultSpec(text: string): FaultSpec {
  const pairs = pairsSchema.safeParse(text);
  const parsed = pairs.success ? specSchema.safeParse(pairs.data) : pairs;
  if (!parsed.success) throw new Error(`bad fault spec "${text}": ${problems(parsed.error)}`);
  const spec: FaultSpec = {};
  for (const name of FAULT_NAMES) if (parsed.data[name] !== undefined) spec[name] = parsed.data[name];
  return spec;
}

const envSchema = z.object({
  VOUCHERS_FAULTS: z.string().default(""),
  VOUCHERS_FAULTS_SEED: z.coerce.number().int().min(0).max(2 ** 32 - 1).optional(),
  /** The older drill setting of the partner simulator: read as payout.fail when VOUCHERS_FAULTS does not name it. */
  VOUCHERS_PARTNER_FAIL_SHARE: probabilitySchema.optional(),
});

/**
 * The fault settings from the environment. Without VOUCHERS_FAULTS_SEED a seed is drawn (and
 * printed by npm start), so any run can be replayed.
 */
export function faultSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): FaultSettings {
  const parsed = envSchema.safeParse({ ...env, VOUCHERS_PARTNER_FAIL_SHARE: env.VOUCHERS_PARTNER_FAIL_SHARE || undefined, VOUCHERS_FAULTS_SEED: env.VOUCHERS_FAULTS_SEED || undefined });
  if (!parsed.success) throw new Error(`bad fault settings: ${problems(parsed.error)}`);
  let spec: FaultSpec;
  try {
    spec = parseFaultSpec(parsed.data.VOUCHERS_FAULTS);
  } catch (error) {
    throw new Error(`VOUCHERS_FAULTS: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const legacy = parsed.data.VOUCHERS_PARTNER_FAIL_SHARE;
  if (spec["payout.fail"] === undefined && legacy !== undefined && legacy > 0) spec["payout.fail"] = legacy;
  return { spec, seed: parsed.data.VOUCHERS_FAULTS_SEED ?? Math.floor(Math.random() * 2 ** 31) };
}

/** Whether any fault has a probability above 0. */
export function faultsActive(settings: FaultSettings): boolean {
  return Object.values(settings.spec).some((probability) => probability > 0);
}

/** One line for npm start: `faults on (seed 7): dynamodb.throttle 5 %, …` or `faults off`. */
export function describeFaults(settings: FaultSettings): string {
  const on = FAULT_NAMES.filter((name) => (settings.spec[name] ?? 0) > 0);
  if (on.length === 0) return "faults off";
  const percent = (p: number) => `${Number((p * 100).toFixed(3))} %`;
  return `faults on (seed ${settings.seed}): ${on.map((name) => `${name} ${percent(settings.spec[name]!)}`).join(", ")}`;
}

/** mulberry32: a small, fast PRNG whose whole state is one 32-bit number. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a of a fault's name, so each fault draws from its own stream of the seed. */
function streamSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5 ^ seed;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return hash >>> 0;
}

export interface FaultSnapshot {
  spec: FaultSpec;
  seed: number;
  /** Faults injected so far, by name. */
  injected: Record<FaultName, number>;
  /** Calls that were rolled for each fault (injected or not). */
  rolled: Record<FaultName, number>;
}

/** Decides, call by call, whether a fault strikes, and counts what it injects. */
export class FaultInjector {
  readonly settings: FaultSettings;
  private readonly streams = new Map<FaultName, () => number>();
  private readonly injected = Object.fromEntries(FAULT_NAMES.map((name) => [name, 0])) as Record<FaultName, number>;
  private readonly rolled = Object.fromEntries(FAULT_NAMES.map((name) => [name, 0])) as Record<FaultName, number>;

  constructor(settings: FaultSettings) {
    this.settings = settings;
    for (const name of FAULT_NAMES) this.streams.set(name, seededRandom(streamSeed(settings.seed, name)));
  }

  /** The fault's own random stream, e.g. for the partner simulator. */
  random(name: FaultName): () => number {
    return this.streams.get(name)!;
  }

  /** Whether `name` strikes this call; counted when it does. */
  roll(name: FaultName): boolean {
    const probability = this.settings.spec[name] ?? 0;
    if (probability <= 0) return false;
    this.rolled[name] += 1;
    const strikes = this.streams.get(name)!() < probability;
    if (strikes) this.record(name);
    return strikes;
  }

  /** Counts a fault injected elsewhere (the partner simulator's failed payouts). */
  record(name: FaultName): void {
    this.injected[name] += 1;
  }

  snapshot(): FaultSnapshot {
    return { spec: { ...this.settings.spec }, seed: this.settings.seed, injected: { ...this.injected }, rolled: { ...this.rolled } };
  }
}

interface CommandArgs {
  input: unknown;
}
interface CommandContext {
  commandName?: string;
}
type Next = (args: CommandArgs) => Promise<unknown>;

const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: `fault-${Math.random().toString(36).slice(2, 10)}`, attempts: 1, totalRetryDelay: 0 });

/** What DynamoDB answers when a partition is over its throughput, as the SDK parses it. */
function throttled(): ProvisionedThroughputExceededException {
  return new ProvisionedThroughputExceededException({
    message: "The level of configured provisioned throughput for the table was exceeded (injected by VOUCHERS_FAULTS)",
    $metadata: metadata(400),
  });
}

/** A transaction cancelled by a concurrent one on the same item: one reason per item, the conflicting one named. */
function conflict(input: unknown, random: () => number): TransactionCanceledException {
  const items = (input as { TransactItems?: unknown[] } | undefined)?.TransactItems?.length ?? 1;
  const conflicting = Math.floor(random() * items);
  const CancellationReasons = Array.from({ length: items }, (_, index) =>
    index === conflicting ? { Code: "TransactionConflict", Message: "Transaction is ongoing for the item" } : { Code: "None" },
  );
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${CancellationReasons.map((r) => r.Code).join(", ")}] (injected by VOUCHERS_FAULTS)`,
    $metadata: metadata(400),
    CancellationReasons,
  });
}

/** What a socket reset after the request was sent looks like to the SDK: a transient network error. */
function lostAnswer(): Error {
  return Object.assign(new Error("socket hang up: the request reached DynamoDB, its answer was lost (injected by VOUCHERS_FAULTS)"), {
    name: "TimeoutError",
    code: "ECONNRESET",
    $metadata: {},
  });
}

function sendFailed(): SQSServiceException {
  return new SQSServiceException({
    name: "InternalError",
    $fault: "server",
    message: "We encountered an internal error. Please try again. (injected by VOUCHERS_FAULTS)",
    $metadata: metadata(500),
  });
}

/**
 * DynamoDB faults, inside the SDK's retry loop (the deserialize step comes after the retry
 * middleware of finalizeRequest), so the SDK retries them as it would the real ones: throttling
 * with its throttling back-off, a lost answer as a transient error (re-sending a write that
 * already committed), a cancelled transaction not at all.
 */
function dynamoDbMiddleware(injector: FaultInjector) {
  const conflictRandom = seededRandom(streamSeed(injector.settings.seed, "dynamodb.conflict.item"));
  return (next: Next, context: CommandContext) => async (args: CommandArgs) => {
    if (injector.roll("dynamodb.throttle")) throw throttled();
    if (context.commandName === "TransactWriteItemsCommand" && injector.roll("dynamodb.conflict")) throw conflict(args.input, conflictRandom);
    const result = await next(args);
    if (injector.roll("dynamodb.lost-answer")) throw lostAnswer();
    return result;
  };
}

/**
 * SQS send faults, before the SDK's retries (initialize step): the call fails as a whole, as if
 * every retry had failed, so the caller's own handling of a lost send is what gets drilled.
 */
function sqsMiddleware(injector: FaultInjector) {
  return (next: Next, context: CommandContext) => async (args: CommandArgs) => {
    const sends = context.commandName === "SendMessageCommand" || context.commandName === "SendMessageBatchCommand";
    if (sends && injector.roll("sqs.send-fail")) throw sendFailed();
    return next(args);
  };
}

/**
 * Installs the fault middleware on the given clients (the document client shares the low-level
 * client's stack, so DynamoDB needs one install). Installing twice replaces, never doubles.
 */
export function installFaults(injector: FaultInjector, clients: { dynamoDb?: DynamoDBClient; sqs?: SQSClient }): void {
  // The stacks' types are per client; the middleware only reads commandName and input.
  clients.dynamoDb?.middlewareStack.add(dynamoDbMiddleware(injector) as never, { step: "deserialize", priority: "high", name: FAULT_MIDDLEWARE_NAME, override: true });
  clients.sqs?.middlewareStack.add(sqsMiddleware(injector) as never, { step: "initialize", priority: "high", name: FAULT_MIDDLEWARE_NAME, override: true });
}
