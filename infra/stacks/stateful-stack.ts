/**
 * Everything that holds data: one DynamoDB table per declared table and one SQS queue (with its
 * dead-letter queue and an alarm on it) per declared queue. Kept apart from the functions so the
 * stateless stack can be destroyed and rebuilt freely; tables here are retained on delete.
 */
import { Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as kms from "aws-cdk-lib/aws-kms";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { deadLetterQueueName } from "../../shared/wiring/define.js";
import type { KeyAttribute, TableDeclaration, Wiring } from "../../shared/wiring/types.js";

export interface StatefulStackProps extends StackProps {
  readonly wiring: Wiring;
}

export interface QueuePair {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
}

export class StatefulStack extends Stack {
  /** Tables by logical name from the wiring. */
  readonly tables: Record<string, dynamodb.ITableV2> = {};
  /** The KMS key of each table declared with `encryption: "customer-managed"`, by logical name. */
  readonly tableKeys: Record<string, kms.Key> = {};
  /** Queues and their dead-letter queues by logical name from the wiring. */
  readonly queues: Record<string, QueuePair> = {};
  /** The alarm on each dead-letter queue, by logical name of the queue it serves. */
  readonly deadLetterAlarms: Record<string, cloudwatch.Alarm> = {};

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { wiring } = props;

    for (const [name, declaration] of Object.entries(wiring.tables)) {
      this.tables[name] = this.table(name, declaration);
    }
    for (const [name, declaration] of Object.entries(wiring.queues)) {
      const deadLetterQueue = new sqs.Queue(this, pascal(deadLetterQueueName(name)), {
        enforceSSL: true,
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        retentionPeriod: Duration.days(14),
      });
      const queue = new sqs.Queue(this, pascal(name), {
        enforceSSL: true,
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        visibilityTimeout: Duration.seconds(declaration.visibilityTimeoutSeconds),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: declaration.maxReceiveCount },
      });
      this.queues[name] = { queue, deadLetterQueue };

      // Anything in a dead-letter queue means a message was given up on: alarm on the first one.
      // No data (an idle queue publishes nothing for a while) is not a problem.
      this.deadLetterAlarms[name] = new cloudwatch.Alarm(this, `${pascal(deadLetterQueueName(name))}Alarm`, {
        alarmDescription: `Messages of ${wiring.app} queue ${name} were given up on and wait in ${deadLetterQueueName(name)}.`,
        metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
  }

  private table(name: string, declaration: TableDeclaration): dynamodb.TableV2 {
    const table = new dynamodb.TableV2(this, pascal(name), {
      partitionKey: attribute(declaration.partitionKey),
      ...(declaration.sortKey ? { sortKey: attribute(declaration.sortKey) } : {}),
      billing: dynamodb.Billing.onDemand(),
      globalSecondaryIndexes: Object.entries(declaration.globalIndexes ?? {}).map(([indexName, index]) => ({
        indexName,
        partitionKey: attribute(index.partitionKey),
        ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
        projectionType: dynamodb.ProjectionType.ALL,
      })),
      ...(declaration.stream ? { dynamoStream: dynamodb.StreamViewType[declaration.stream] } : {}),
      ...(declaration.ttlAttribute ? { timeToLiveAttribute: declaration.ttlAttribute } : {}),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Encrypted at rest with the AWS managed key (aws/dynamodb): auditable in CloudTrail without
      // a key to administer. Tables declared `customer-managed` get a key of their own, below.
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      deletionProtection: true,
      // Data outlives the stack: deleting the stack leaves the table (and its data) in place.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (declaration.encryption === "customer-managed") {
      // A key of its own, so the data (e.g. partners' signing secrets) can only be read by roles
      // that are granted this key as well (the stateless stack grants it with the table).
      // Retained like the table: without the key its data could never be read again.
      const key = new kms.Key(this, `${pascal(name)}Key`, {
        description: `Encrypts table ${name} of ${this.stackName} at rest.`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.tableKeys[name] = key;
      // TableEncryptionV2.customerManagedKey needs a region-specific stack to render the replica's
      // key; these stacks are region-agnostic and have exactly one replica, the deployment region,
      // so the same SSE specification is written directly. SSESpecification stays {KMS, enabled}.
      const cfn = table.node.defaultChild as dynamodb.CfnGlobalTable;
      cfn.addPropertyOverride("Replicas.0.SSESpecification", { KMSMasterKeyId: key.keyArn });
    }
    return table;
  }
}

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return { name: key.name, type: key.type === "S" ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER };
}

/** Construct id from a logical name: `streamFailures-dlq` → `StreamFailuresDlq`. */
export function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
}
