/**
 * Both emulators of the local runtime, started together, and the environment that points
 * handlers and SDK clients at them (docs/architecture.md).
 */
import { startDynamoDbLocal, type DynamoDbLocal } from "./dynamodb-local.js";
import { startSqsEmulator, type SqsEmulator } from "./sqs-emulator.js";

export interface EmulatorsOptions {
  readonly dynamodbPort?: number;
  readonly sqsPort?: number;
  readonly log?: (line: string) => void;
}

export interface Emulators {
  readonly dynamodb: DynamoDbLocal;
  readonly sqs: SqsEmulator;
  /** Stops both; idempotent. */
  stop(): Promise<void>;
}

export const EMULATORS_REGION = "us-east-1";
export const EMULATORS_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

/** What `GET /admin/health` reports about the emulators (the `VOUCHERS_EMULATORS` variable). */
export interface EmulatorsDescription {
  readonly dynamodb: { name: "DynamoDB Local"; version: string; endpoint: string; pid: number };
  readonly sqs: { name: "fauxqs"; version: string; endpoint: string };
}

export async function startEmulators(opts: EmulatorsOptions = {}): Promise<Emulators> {
  const prefixed = (name: string) => (opts.log ? (line: string) => opts.log?.(`[${name}] ${line}`) : undefined);
  const [dynamodb, sqs] = await Promise.allSettled([
    startDynamoDbLocal({ port: opts.dynamodbPort, log: prefixed("dynamodb-local") }),
    startSqsEmulator({ port: opts.sqsPort, log: prefixed("fauxqs") }),
  ]);
  if (dynamodb.status === "rejected" || sqs.status === "rejected") {
    await Promise.allSettled([
      dynamodb.status === "fulfilled" ? dynamodb.value.stop() : undefined,
      sqs.status === "fulfilled" ? sqs.value.stop() : undefined,
    ]);
    const failures = [dynamodb, sqs].flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
    if (failures.length === 1) throw failures[0];
    throw new AggregateError(failures, "both emulators failed to start");
  }
  let stopping: Promise<void> | undefined;
  return {
    dynamodb: dynamodb.value,
    sqs: sqs.value,
    stop() {
      stopping ??= Promise.allSettled([dynamodb.value.stop(), sqs.value.stop()]).then((results) => {
        const failures = results.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
        if (failures.length > 0) throw new AggregateError(failures, "stopping the emulators failed");
      });
      return stopping;
    },
  };
}

export function describeEmulators(e: Pick<Emulators, "dynamodb" | "sqs">): EmulatorsDescription {
  return {
    dynamodb: { name: "DynamoDB Local", version: e.dynamodb.version, endpoint: e.dynamodb.endpoint, pid: e.dynamodb.pid },
    sqs: { name: "fauxqs", version: e.sqs.version, endpoint: e.sqs.endpoint },
  };
}

/** The environment handlers need to reach the emulators instead of AWS. */
export function emulatorsEnvironment(e: Pick<Emulators, "dynamodb" | "sqs">): Record<string, string> {
  return {
    VOUCHERS_DYNAMODB_ENDPOINT: e.dynamodb.endpoint,
    VOUCHERS_SQS_ENDPOINT: e.sqs.endpoint,
    // fauxqs serves S3 on the same endpoint.
    VOUCHERS_S3_ENDPOINT: e.sqs.endpoint,
    VOUCHERS_EMULATORS: JSON.stringify(describeEmulators(e)),
    AWS_REGION: EMULATORS_REGION,
    AWS_ACCESS_KEY_ID: EMULATORS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATORS_CREDENTIALS.secretAccessKey,
  };
}
