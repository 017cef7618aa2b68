/**
 * What every benchmark shares: the whole platform on the emulators, in this process, and the
 * guards that bound a run (a deadline, Ctrl-C, SIGTERM) and stop everything it started. Import it
 * dynamically after setting the logging environment, like the project modules it loads.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes, randomUUID } from "node:crypto";
import diagnostics from "node:diagnostics_channel";
import { setMaxListeners } from "node:events";
import http from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ensureDynamoDbLocal } from "../infra/local/dynamodb-local-dist.js";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION, type Emulators, startEmulators } from "../infra/local/emulators.js";
import { type JwtSettings, signLocalToken } from "../infra/local/jwt.js";
import { silentLog } from "../infra/local/log.js";
import { type LocalRuntime, startLocalRuntime } from "../infra/local/runtime.js";
import { dynamoDb } from "../shared/clients.js";
import { SIGNATURE_HEADER, signPayload } from "../shared/domain/signature.js";
import { platform } from "../shared/wiring/platform.js";
import { type HttpAnswer, poster } from "./http-client.js";

export { type HttpAnswer, poster };

export interface BenchRun {
  readonly signal: AbortSignal;
  /** Registers work for the end of the run (clients, agents), run before the platform stops. */
  onStop(stop: () => void | Promise<void>): void;
  /** Stops everything now (idempotent), e.g. before measuring the bundle with the machine quiet. */
  stop(): Promise<void>;
  /** Starts DynamoDB Local, fauxqs and the runtime (silent, no schedules, a random JWT secret). */
  startPlatform(): Promise<{ emulators: Emulators; runtime: LocalRuntime; jwt: JwtSettings; prefix: string }>;
}

/**
 * Runs `body` with a deadline and stop guards; whatever happens, everything the run started is
 * stopped before this resolves (or, on a signal, before the process exits with 130).
 */
export async function guardedRun<T>(input: { deadlineMs: number; note: (line: string) => void }, body: (run: BenchRun) => Promise<T>): Promise<T> {
  const { note } = input;
  const controller = new AbortController();
  const stops: (() => void | Promise<void>)[] = [];
  let emulators: Emulators | undefined;
  let runtime: LocalRuntime | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () => {
    cleaning ??= (async () => {
      controller.abort(new Error("stopping"));
      for (const stop of stops) await Promise.resolve(stop()).catch((error: unknown) => note(`stop failed: ${String(error)}`));
      await runtime?.stop().catch((error: unknown) => note(`runtime stop failed: ${String(error)}`));
      await emulators?.stop().catch((error: unknown) => note(`emulator stop failed: ${String(error)}`));
    })();
    return cleaning;
  };
  const onSignal = (name: string) => {
    note(`\n${name}: stopping everything the benchmark started…`);
    void cleanup().then(() => process.exit(130));
  };
  process.once("SIGINT", () => onSignal("SIGINT"));
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  const deadline = setTimeout(
    () => controller.abort(new Error(`the run passed its ${input.deadlineMs / 60_000} min bound`)),
    input.deadlineMs,
  );

  const run: BenchRun = {
    signal: controller.signal,
    onStop: (stop) => void stops.push(stop),
    stop: cleanup,
    async startPlatform() {
      await ensureDynamoDbLocal(note);
      note("starting DynamoDB Local and fauxqs…");
      emulators = await startEmulators();
      controller.signal.throwIfAborted();
      const jwt = { secret: randomBytes(24).toString("hex") };
      const prefix = `bench-${randomUUID().slice(0, 8)}`;
      note(`starting the local runtime (prefix ${prefix})…`);
      runtime = await startLocalRuntime({
        wiring: platform,
        emulators: { dynamodbEndpoint: emulators.dynamodb.endpoint, sqsEndpoint: emulators.sqs.endpoint },
        prefix,
        host: "127.0.0.1",
        port: 0,
        jwt,
        autoSchedules: false,
        log: silentLog,
      });
      return { emulators, runtime, jwt, prefix };
    },
  };
  try {
    return await body(run);
  } finally {
    clearTimeout(deadline);
    await cleanup();
  }
}

/** A document client of the benchmark's own on DynamoDB Local (seeding, reading back), destroyed when the run stops. */
export function benchDocuments(run: BenchRun, emulators: Emulators): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS, endpoint: emulators.dynamodb.endpoint, maxAttempts: 3 });
  run.onStop(() => client.destroy());
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** The physical names of the runtime's tables `logical`. */
export function tableNames<const Logical extends string>(runtime: LocalRuntime, logical: readonly Logical[]): Record<Logical, string> {
  const names = {} as Record<Logical, string>;
  for (const name of logical) names[name] = runtime.resources.tables[name]?.name ?? fail(`no table "${name}" in the runtime`);
  return names;
}

const fail = (message: string): never => {
  throw new Error(message);
};

/** A partner registered over HTTP, with one merchant it submitted and an operator approved. */
export interface BenchPartner {
  partnerId: string;
  merchantId: string;
  /** POSTs `raw` to `path` on the runtime, signed with the partner's secret at send time over the exact bytes sent. */
  signed: (path: string, raw: string, headers?: Record<string, string>) => Promise<HttpAnswer>;
}

/**
 * Registers a partner as an operator (keeping its signing secret), has it submit a supermarket
 * with a real signature and an operator approve it. Requests go through node:http with a
 * keep-alive agent of `concurrency` sockets (the load generator shares this process with the
 * runtime; undici's fetch costs it about twice the CPU per request), closed when the run stops.
 */
export async function registerBenchPartner(
  run: BenchRun,
  platformRun: { runtime: LocalRuntime; jwt: JwtSettings },
  options: { concurrency: number; note: (line: string) => void },
): Promise<BenchPartner> {
  const { runtime, jwt } = platformRun;
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  run.onStop(() => agent.destroy());
  // Every request in flight listens on the run's signal.
  setMaxListeners(options.concurrency + 16, run.signal);
  const send = poster(agent, run.signal);
  const post = (path: string, headers: Record<string, string>, payload: string) => send(`${runtime.url}${path}`, { ...headers, "content-type": "application/json" }, payload);
  const expectStatus = (what: string, response: HttpAnswer, status: number) => {
    if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status} ${response.text.slice(0, 300)}`);
    return JSON.parse(response.text) as Record<string, unknown>;
  };

  const partnerId = `bench-bank-${randomBytes(3).toString("hex")}`;
  const merchantId = `bench-shop-${randomBytes(3).toString("hex")}`;
  const operatorToken = await signLocalToken({ sub: "bench-operator", operator: true, settings: jwt });
  const asOperator = (path: string, body: unknown = {}) => post(path, { authorization: `Bearer ${operatorToken}` }, JSON.stringify(body));
  let secret = "";
  const signed = (path: string, raw: string, headers: Record<string, string> = {}) =>
    post(path, { ...headers, [SIGNATURE_HEADER]: signPayload(secret, Math.floor(Date.now() / 1000), raw) }, raw);
  options.note(`registering partner ${partnerId} and merchant ${merchantId}…`);
  const partner = expectStatus(
    "POST /admin/partners",
    await asOperator("/admin/partners", { id: partnerId, name: "Bench Bank", payoutUrl: "https://payouts.bench.example/v1" }),
    201,
  );
  secret = String(partner.signingSecret);
  expectStatus(
    "POST /partners/{id}/merchants",
    await signed(`/partners/${partnerId}/merchants`, JSON.stringify({ id: merchantId, name: "Bench Supermarket", sector: "supermarket" })),
    201,
  );
  expectStatus("POST /admin/merchants/{id}/approve", await asOperator(`/admin/merchants/${merchantId}/approve`), 200);
  return { partnerId, merchantId, signed };
}

/** The request header that names a delivery whose DynamoDB calls {@link countCallsPerRequest} counts. */
export const DELIVERY_HEADER = "x-bench-delivery";

/**
 * DynamoDB calls by command, with the kind of item for a call on one key (`GetItem`,
 * `UpdateItem QUOTA`, …: the partition key up to its first `#`), each attempt sent once.
 */
export type CallTally = Record<string, number>;

/** The kind of item a call on one key addresses: its partition key up to the first `#`, when it has one. */
function itemKind(input: unknown): string | undefined {
  const pk = (input as { Key?: { pk?: unknown } } | undefined)?.Key?.pk;
  const value = typeof pk === "string" ? pk : (pk as { S?: unknown } | undefined)?.S;
  return typeof value === "string" && value.includes("#") ? value.slice(0, value.indexOf("#")) : undefined;
}

/** The total of a tally. */
export const callsIn = (tally: CallTally) => Object.values(tally).reduce((sum, n) => sum + n, 0);

/**
 * Counts the DynamoDB calls the handlers (their shared client) make for each HTTP request that
 * carries {@link DELIVERY_HEADER}, however many are in flight. When the runtime's HTTP server
 * starts such a request (diagnostics channel `http.server.request.start`), its tally is entered
 * into an AsyncLocalStorage, which follows the gateway, the invoker and the handler through every
 * await; SDK middleware at the deserialize step (inside the retry loop) adds each call to the
 * tally of the request it serves. A load that one request starts and others await (a cache fill)
 * is billed to the one that started it. Calls outside such requests (stream and queue consumers)
 * go to `outside`. Stopped with the run.
 */
export function countCallsPerRequest(run: BenchRun): { of(delivery: string): CallTally | undefined; outside: CallTally } {
  const tallies = new Map<string, CallTally>();
  const outside: CallTally = {};
  const current = new AsyncLocalStorage<CallTally>();
  const onStart = (message: unknown) => {
    const delivery = (message as { request: http.IncomingMessage }).request.headers[DELIVERY_HEADER];
    if (typeof delivery !== "string") return;
    const tally: CallTally = {};
    tallies.set(delivery, tally);
    current.enterWith(tally);
  };
  diagnostics.subscribe("http.server.request.start", onStart);
  const client = dynamoDb();
  const middleware = "benchCallsPerRequest";
  client.middlewareStack.add(
    (next, context) => (args) => {
      const tally = current.getStore() ?? outside;
      const command = (context.commandName ?? "Unknown").replace(/Command$/, "");
      const label = itemKind(args.input) === undefined ? command : `${command} ${itemKind(args.input)}`;
      tally[label] = (tally[label] ?? 0) + 1;
      return next(args);
    },
    { step: "deserialize", name: middleware, priority: "high" },
  );
  run.onStop(() => {
    diagnostics.unsubscribe("http.server.request.start", onStart);
    client.middlewareStack.remove(middleware);
  });
  return { of: (delivery) => tallies.get(delivery), outside };
}
