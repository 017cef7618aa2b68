/**
 * The local back end: builds the system a wiring declares on the emulators (docs/architecture.md).
 * Tables and queues are created from the declaration, the gateway serves its routes, pollers
 * play its queue and stream triggers, and the scheduler fires its schedules. Handlers run in
 * this process and reach the emulators through configuration only.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { dynamoDb, sqs as handlersSqs } from "../../shared/clients.js";
import { resetConfig } from "../../shared/config.js";
import { consumedQueueName, functionEnvironment } from "../../shared/wiring/define.js";
import type { AuthKind, Wiring } from "../../shared/wiring/types.js";
import { installInvocationAbort } from "./abort.js";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION } from "./emulators.js";
import { OBJECT_STORE_PATH, startGateway } from "./gateway.js";
import { type PartnerSimulator, type PartnerSimulatorOptions, partnerSecretsFromTables, startPartnerSimulator } from "./partner-simulator.js";
import { Invoker } from "./invoker.js";
import { DEFAULT_LOCAL_JWT_SECRET, defaultSecretExposure, type JwtSettings } from "./jwt.js";
import { consoleLog, type Log } from "./log.js";
import { type PhysicalResources, provisionResources } from "./provision.js";
import { type Poller, startQueuePoller } from "./queue-poller.js";
import { startScheduler } from "./scheduler.js";
import { startStreamPoller } from "./stream-poller.js";

export const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** What `npm run console:build` writes and the runtime serves at /console/ (console-build.ts names it too; a test checks they agree). */
export const CONSOLE_DIST = path.join(REPOSITORY_ROOT, "console", "dist");

export interface LocalRuntimeOptions {
  wiring: Wiring;
  /** Where the emulators listen; `description` is the VOUCHERS_EMULATORS JSON health reports. */
  emulators: { dynamodbEndpoint: string; sqsEndpoint: string; description?: string };
  /** Start of every physical name, so several runtimes can share one pair of emulators. */
  prefix: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  jwt?: JwtSettings;
  /** False: schedules fire only through `fireSchedule` (tests). */
  autoSchedules?: boolean;
  /** Drill settings of the partner simulator (shares of payout calls failed or left hanging, their dice, a tally). */
  partnerSimulator?: Omit<PartnerSimulatorOptions, "host" | "port">;
  /** Where the built operator console is (default console/dist); false serves none. */
  consoleDist?: string | false;
  /** Parallel pollers per queue. */
  queueConcurrency?: number;
  log?: Log;
}

/** What the runtime built, in the terms of the declaration; compared with the CDK template in tests. */
export interface LocalSystem {
  tables: string[];
  queues: string[];
  routes: { key: string; auth: AuthKind; function: string }[];
  /** `deadLetter`: the trigger consumes the queue's dead-letter queue `<queue>-dlq`. */
  queueTriggers: { queue: string; deadLetter: boolean; function: string; batchSize: number }[];
  streamTriggers: { table: string; function: string; batchSize: number }[];
  schedules: { name: string; expression: string; timezone: string; function: string }[];
}

export interface LocalRuntime {
  readonly url: string;
  readonly resources: PhysicalResources;
  /** The partner simulator: every local partner's default payout endpoint. */
  readonly partnerSimulator: PartnerSimulator;
  readonly system: LocalSystem;
  fireSchedule(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const { wiring } = options;
  // npm start checks this first, with a clear exit; this guards every other caller too.
  const exposure = defaultSecretExposure(options.host ?? "127.0.0.1", options.jwt ?? { secret: DEFAULT_LOCAL_JWT_SECRET });
  if (exposure) throw new Error(exposure);
  const log = options.log ?? consoleLog;
  const region = EMULATORS_REGION;
  const resources = await provisionResources(wiring, {
    prefix: options.prefix,
    dynamodbEndpoint: options.emulators.dynamodbEndpoint,
    sqsEndpoint: options.emulators.sqsEndpoint,
    region,
  });

  // Handlers share this process, so each gets the union of the environments AWS would give
  // them one by one; names still come only from these variables.
  const physical = {
    tables: Object.fromEntries(Object.entries(resources.tables).map(([name, table]) => [name, table.name])),
    queueUrls: Object.fromEntries(Object.entries(resources.queues).map(([name, queue]) => [name, queue.url])),
    deadLetterQueueUrls: Object.fromEntries(Object.entries(resources.queues).map(([name, queue]) => [name, queue.deadLetterQueue.url])),
    buckets: resources.buckets,
  };
  // The simulator verifies payout signatures as a bank would, with the partners' secrets in these tables.
  const simulatorDb = DynamoDBDocumentClient.from(new DynamoDBClient({ region, credentials: EMULATORS_CREDENTIALS, endpoint: options.emulators.dynamodbEndpoint }));
  const secretsFor = physical.tables.merchants && physical.tables.partners ? partnerSecretsFromTables(simulatorDb, { merchants: physical.tables.merchants, partners: physical.tables.partners }) : undefined;
  const simulator = await startPartnerSimulator({ host: options.host ?? "127.0.0.1", ...options.partnerSimulator, ...(secretsFor ? { secretsFor } : {}) });
  const stopSimulator = () => simulator.stop().finally(() => simulatorDb.destroy());
  Object.assign(process.env, {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? EMULATORS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? EMULATORS_CREDENTIALS.secretAccessKey,
    VOUCHERS_DYNAMODB_ENDPOINT: options.emulators.dynamodbEndpoint,
    VOUCHERS_SQS_ENDPOINT: options.emulators.sqsEndpoint,
    // fauxqs serves S3 on the same endpoint as SQS.
    VOUCHERS_S3_ENDPOINT: options.emulators.sqsEndpoint,
    // Local partners (the simulator, tests) listen on plain http on this machine.
    VOUCHERS_ALLOW_HTTP_PAYOUT_URLS: "true",
    // Partners registered without a payoutUrl are paid through the simulator.
    VOUCHERS_DEFAULT_PAYOUT_URL: simulator.payoutUrl,
    ...(options.emulators.description ? { VOUCHERS_EMULATORS: options.emulators.description } : {}),
  });
  for (const name of Object.keys(wiring.functions)) {
    Object.assign(process.env, functionEnvironment(wiring, name, physical));
  }
  // The handlers' clients refuse requests of an invocation past its timeout (abort.ts).
  installInvocationAbort(dynamoDb());
  installInvocationAbort(handlersSqs());

  const invoker = new Invoker(wiring, REPOSITORY_ROOT, log);
  try {
    await invoker.loadAll();
  } catch (error) {
    await stopSimulator();
    throw error;
  }

  const clientConfig = { region, credentials: EMULATORS_CREDENTIALS };
  const sqs = new SQSClient({ ...clientConfig, endpoint: options.emulators.sqsEndpoint });
  const streams = new DynamoDBStreamsClient({ ...clientConfig, endpoint: options.emulators.dynamodbEndpoint });

  const system: LocalSystem = {
    tables: Object.keys(resources.tables).sort(),
    queues: Object.keys(resources.queues).sort(),
    routes: [],
    queueTriggers: [],
    streamTriggers: [],
    schedules: [],
  };
  const pollers: Poller[] = [];
  const stoppers: (() => Promise<void>)[] = [];
  try {
    for (const trigger of wiring.queueTriggers) {
      const deadLetter = trigger.deadLetter === true;
      const pair = resources.queues[trigger.queue]!;
      const queue = deadLetter ? pair.deadLetterQueue : pair;
      pollers.push(
        startQueuePoller({
          sqs,
          invoker,
          log,
          functionName: trigger.function,
          queueName: consumedQueueName(trigger),
          queueUrl: queue.url,
          queueArn: queue.arn,
          region,
          batchSize: trigger.batchSize,
          concurrency: options.queueConcurrency ?? 2,
        }),
      );
      system.queueTriggers.push({ queue: trigger.queue, deadLetter, function: trigger.function, batchSize: trigger.batchSize });
    }
    for (const trigger of wiring.streamTriggers) {
      const table = resources.tables[trigger.table]!;
      if (!table.streamArn) throw new Error(`table ${trigger.table} has no stream on the emulator`);
      pollers.push(
        startStreamPoller({
          streams,
          sqs,
          invoker,
          log,
          functionName: trigger.function,
          tableName: trigger.table,
          streamArn: table.streamArn,
          region,
          batchSize: trigger.batchSize,
          startingPosition: trigger.startingPosition,
          retryAttempts: trigger.retryAttempts,
          onFailureQueueUrl: trigger.onFailure ? resources.queues[trigger.onFailure]?.url : undefined,
        }),
      );
      system.streamTriggers.push({ table: trigger.table, function: trigger.function, batchSize: trigger.batchSize });
    }
    stoppers.push(() => Promise.all(pollers.map((poller) => poller.stop())).then(() => undefined));
    stoppers.push(stopSimulator);

    const jwt = options.jwt ?? { secret: DEFAULT_LOCAL_JWT_SECRET };
    const host = options.host ?? "127.0.0.1";
    const consoleDist = options.consoleDist ?? CONSOLE_DIST;
    const gateway = await startGateway({
      wiring,
      invoker,
      jwt,
      host,
      port: options.port ?? 0,
      log,
      objectStoreEndpoint: options.emulators.sqsEndpoint,
      ...(consoleDist === false ? {} : { console: { dist: path.resolve(consoleDist), host, jwt } }),
    });
    stoppers.unshift(() => gateway.close());
    // Presigned URLs point at this origin, which passes them to the emulator (gateway.ts), so a
    // browser on the console uploads to the origin it came from. Known only now that the gateway
    // listens; no handler has run yet, so the configuration is read afresh with it.
    process.env.VOUCHERS_S3_PUBLIC_ENDPOINT = `${gateway.url}${OBJECT_STORE_PATH}`;
    resetConfig();
    system.routes = [...gateway.routes];

    const scheduler = startScheduler({
      schedules: wiring.schedules,
      invoker,
      log,
      autoStart: options.autoSchedules ?? true,
    });
    stoppers.unshift(() => scheduler.stop());
    system.schedules = [...scheduler.schedules];

    let stopping: Promise<void> | undefined;
    return {
      url: gateway.url,
      resources,
      partnerSimulator: simulator,
      system,
      fireSchedule: (name) => scheduler.fire(name),
      stop() {
        // Intake first (schedules, HTTP), then the pollers, then the clients.
        stopping ??= (async () => {
          for (const stop of stoppers) await stop();
          sqs.destroy();
          streams.destroy();
        })();
        return stopping;
      },
    };
  } catch (error) {
    for (const stop of stoppers) await stop().catch(() => undefined);
    sqs.destroy();
    streams.destroy();
    throw error;
  }
}
