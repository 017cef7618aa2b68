/**
 * AWS clients, one per process, built from the parsed configuration on first use (so tests can
 * set the environment first). Local endpoints come from configuration; handlers never know
 * whether they talk to AWS or to an emulator.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { config } from "./config.js";

let dynamoDbClient: DynamoDBClient | undefined;
let documentClient: DynamoDBDocumentClient | undefined;
let sqsClient: SQSClient | undefined;

/** The low-level DynamoDB client (DescribeTable, raw attribute values). */
export function dynamoDb(): DynamoDBClient {
  if (!dynamoDbClient) {
    const { AWS_REGION, VOUCHERS_DYNAMODB_ENDPOINT } = config();
    dynamoDbClient = new DynamoDBClient({
      region: AWS_REGION,
      ...(VOUCHERS_DYNAMODB_ENDPOINT ? { endpoint: VOUCHERS_DYNAMODB_ENDPOINT } : {}),
      // The SDK's own retries cover transient faults; domain code adds jitter where it must.
      maxAttempts: 3,
    });
  }
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
    sqsClient = new SQSClient({
      region: AWS_REGION,
      ...(VOUCHERS_SQS_ENDPOINT ? { endpoint: VOUCHERS_SQS_ENDPOINT } : {}),
    });
  }
  return sqsClient;
}
