/**
 * Global setup of the `integration` and `browser` projects: DynamoDB Local and fauxqs, started
 * once per run on free loopback ports and shared by both projects. Tests reach them with
 * `inject("dynamodbEndpoint")` etc. and provision their own resources under a unique prefix, so
 * test files never share tables or queues.
 */
import type { TestProject } from "vitest/node";
import { ensureDynamoDbLocal } from "../infra/local/dynamodb-local-dist.js";
import { emulatorsEnvironment, startEmulators } from "../infra/local/emulators.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of DynamoDB Local. */
    dynamodbEndpoint: string;
    /** `http://127.0.0.1:<port>` of fauxqs. */
    sqsEndpoint: string;
    /** JSON, the `VOUCHERS_EMULATORS` variable: names, versions, endpoints and the java pid. */
    emulators: string;
  }
}

type Emulators = Awaited<ReturnType<typeof startEmulators>>;

/**
 * Vitest runs each project's global setup in its main process, possibly from separate module
 * instances; the one set of emulators and the count of projects using it live on `globalThis`,
 * and the last project's teardown stops them.
 */
const shared = globalThis as { vouchersTestEmulators?: { emulators: Promise<Emulators>; users: number } };

async function start(): Promise<Emulators> {
  await ensureDynamoDbLocal((line) => console.log(line));
  const started = Date.now();
  const emulators = await startEmulators();
  console.log(
    `[global-setup] DynamoDB Local ${emulators.dynamodb.version} on ${emulators.dynamodb.endpoint} (pid ${emulators.dynamodb.pid}), ` +
      `fauxqs ${emulators.sqs.version} on ${emulators.sqs.endpoint}, started in ${Date.now() - started} ms`,
  );
  return emulators;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const run = (shared.vouchersTestEmulators ??= { emulators: start(), users: 0 });
  run.users += 1;
  const emulators = await run.emulators;
  const environment = emulatorsEnvironment(emulators);
  project.provide("dynamodbEndpoint", emulators.dynamodb.endpoint);
  project.provide("sqsEndpoint", emulators.sqs.endpoint);
  project.provide("emulators", environment.VOUCHERS_EMULATORS ?? "{}");
  return async () => {
    run.users -= 1;
    if (run.users > 0) return;
    shared.vouchersTestEmulators = undefined;
    await emulators.stop();
  };
}
