/**
 * AWS clients, one per process, built from the parsed configuration on first use (so tests can
 * set the environment first). Local endpoints come from configuration; handlers never know
 * whether they talk to AWS or to an emulator.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { S3Client } from "@aws-sdk/client-s3";
import { config } from "./config.js";

let dynamoDbClient: DynamoDBClient | undefined;
let documentClient: DynamoDBDocumentClient | undefined;
let sqsClient: SQSClient | undefined;
let s3Client: S3Client | undefined;
let presigningS3Client: { endpoint: string | undefined; client: S3Client } | undefined;

/** What every AWS client goes through when it is built; by default nothing. */
let instrument = <C>(client: C): C => client;

/**
 * Has every AWS client built from now on pass through `wrap` (the tracer's SDK capture, set when
 * a traced handler is built: shared/observability/tracing.ts), so that its calls are recorded.
 * Clients are built on first use, after the handler is. Not the presigning client: signing calls nothing.
 */
export function instrumentAwsClients(wrap: <C>(client: C) => C): void {
  instrument = wrap;
}

/**
 * Tries of one DynamoDB call in all, the first included. The SDK's standard retry strategy spends
 * them on throttling (full-jitter exponential back-off, longer for throttling than for other
 * faults, drawn from the client's retry quota) and on transient faults (a network error, a
 * timeout, a 5xx), resending the same request. This is the only layer that retries those: what
 * is still throttled after the last try answers 429 THROTTLED (shared/store/retry.ts). Three
 * tries keep a call throttled to the end within about 3 s of back-off (up to 1 s, then up to
 * 2 s), well inside a claim's 10 s timeout.
 */
export const DYNAMODB_MAX_ATTEMPTS = 3;

/**
 * How every DynamoDB client of the platform is built: region and endpoint from the configuration,
 * and the one retry policy (the SDK's standard strategy with {@link DYNAMODB_MAX_ATTEMPTS} tries).
 */
export function dynamoDbClientConfig(): DynamoDBClientConfig {
  const { AWS_REGION, VOUCHERS_DYNAMODB_ENDPOINT } = config();
  return {
    region: AWS_REGION,
    ...(VOUCHERS_DYNAMODB_ENDPOINT ? { endpoint: VOUCHERS_DYNAMODB_ENDPOINT } : {}),
    maxAttempts: DYNAMODB_MAX_ATTEMPTS,
    // Set here rather than read from AWS_RETRY_MODE: the tries above are counted for standard mode.
    retryMode: "standard",
  };
}

/** The low-level DynamoDB client (DescribeTable, raw attribute values). */
export function dynamoDb(): DynamoDBClient {
  dynamoDbClient ??= instrument(new DynamoDBClient(dynamoDbClientConfig()));
  return dynamoDbClient;
}

/** The document client used by the store layer: plain JS values, undefined attributes dropped. */
export function documents(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(dynamoDb(), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

export function sqs(): SQSClient {
  if (!sqsClient) {
    const { AWS_REGION, VOUCHERS_SQS_ENDPOINT } = config();
    sqsClient = instrument(
      new SQSClient({
        region: AWS_REGION,
        ...(VOUCHERS_SQS_ENDPOINT ? { endpoint: VOUCHERS_SQS_ENDPOINT } : {}),
      }),
    );
  }
  return sqsClient;
}

/** The S3 client handlers use for the object store's objects (HEAD, GET, PUT). */
export function s3(): S3Client {
  s3Client ??= instrument(buildS3Client(config().VOUCHERS_S3_ENDPOINT));
  return s3Client;
}

/**
 * The S3 client that signs the URLs callers use: on AWS the same as {@link s3}; locally it signs
 * for the runtime's own origin (VOUCHERS_S3_PUBLIC_ENDPOINT), which passes requests to the emulator.
 */
export function presigningS3(): S3Client {
  const { VOUCHERS_S3_PUBLIC_ENDPOINT, VOUCHERS_S3_ENDPOINT } = config();
  const endpoint = VOUCHERS_S3_PUBLIC_ENDPOINT ?? VOUCHERS_S3_ENDPOINT;
  // Rebuilt when the origin changes: a test process may start one local runtime after another.
  if (presigningS3Client?.endpoint !== endpoint) presigningS3Client = { endpoint, client: buildS3Client(endpoint) };
  return presigningS3Client!.client;
}

function buildS3Client(endpoint: string | undefined): S3Client {
  return new S3Client({
    region: config().AWS_REGION,
    // An emulator answers on one host: buckets go in the path, not in a subdomain.
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
}
