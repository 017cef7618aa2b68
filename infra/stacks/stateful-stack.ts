/**
 * Everything that holds data: one DynamoDB table per declared table and one SQS queue (with its
 * dead-letter queue) per declared queue, plus the alarms on what was given up on and the SNS
 * topic they notify. Kept apart from the functions so the stateless stack can be destroyed and
 * rebuilt freely; tables here are retained on delete.
 */
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cloudwatchActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { awsQueueName, deadLetterQueueName } from "../../shared/wiring/define.js";
import type { KeyAttribute, TableDeclaration, Wiring } from "../../shared/wiring/types.js";
import { RUNBOOK_SECTIONS, runbookLink } from "../constructs/runbook.js";

export interface StatefulStackProps extends StackProps {
  readonly wiring: Wiring;
  /** Address subscribed to the alarm topic by email (context key `vouchers:alarmEmail`); none: no subscription. */
  readonly alarmEmail?: string;
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
  /** The alarm on each queue that receives the batches a stream trigger gave up on, by logical name. */
  readonly onFailureAlarms: Record<string, cloudwatch.Alarm> = {};
  /** The topic every alarm notifies. */
  readonly alarmTopic: sns.Topic;
  /** The key the alarm topic is encrypted with. */
  readonly alarmTopicKey: kms.Key;
  /** The platform key of linked identities' keyed hashes (docs/data-model.md). */
  readonly identityHashKey: secretsmanager.Secret;
  /** The KMS key that wraps the data keys of buyers' encrypted fields (docs/data-model.md, "Buyer data"). */
  readonly buyerDataKey: kms.Key;
  /** Buckets by logical name from the wiring. */
  readonly buckets: Record<string, s3.Bucket> = {};
  /** Where S3 writes the buckets' server access logs; absent when the wiring declares no bucket. */
  readonly bucketAccessLogs?: s3.Bucket;
  /** The key each bucket's objects are encrypted with, by logical name of the bucket. */
  readonly bucketKeys: Record<string, kms.Key> = {};

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { wiring } = props;

    for (const [name, declaration] of Object.entries(wiring.tables)) {
      this.tables[name] = this.table(name, declaration);
    }

    // Every stored identity link is an HMAC under this key: a new key would orphan them all, so
    // it is generated once, retained with the data, and never rotated.
    this.identityHashKey = new secretsmanager.Secret(this, "IdentityHashKey", {
      description: `The HMAC key of linked identities' hashes in ${this.stackName} (phone numbers and id hashes are stored only as HMACs under it).`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.identityHashKey).acknowledge({
      id: "AwsSolutions-SMG4",
      reason: "Rotating the identity hash key would change every stored hash and unlink every person; it is a migration, not a rotation.",
    });

    // Only functions declared `buyerDataKey` are granted it (the stateless stack). Rotated yearly
    // by KMS: old key material stays, so fields encrypted before a rotation still open. Retained:
    // without it no stored buyer field could ever be read again.
    this.buyerDataKey = new kms.Key(this, "BuyerDataKey", {
      description: `Wraps the data keys of trade-in buyers' encrypted fields (names, phone numbers) in ${this.stackName}.`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    if (Object.keys(wiring.buckets ?? {}).length > 0) {
      // Where S3 writes the buckets' server access logs: what was read or uploaded, and by whom.
      const accessLogs = (this.bucketAccessLogs = new s3.Bucket(this, "BucketAccessLogs", {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        // Server access logging can deliver only to a bucket encrypted with S3-managed keys.
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        // Object ownership is left to CDK: log delivery writes through the bucket's ACL.
        lifecycleRules: [{ expiration: Duration.days(365) }],
        removalPolicy: RemovalPolicy.RETAIN,
      }));
      Validations.of(accessLogs).acknowledge({ id: "AwsSolutions-S1", reason: "It is the access-log bucket itself; logging it into itself would loop." });
      for (const [name, declaration] of Object.entries(wiring.buckets ?? {})) {
        const key = new kms.Key(this, `${pascal(name)}BucketKey`, {
          description: `Encrypts bucket ${name} of ${this.stackName} at rest.`,
          enableKeyRotation: true,
          removalPolicy: RemovalPolicy.RETAIN,
        });
        this.bucketKeys[name] = key;
        this.buckets[name] = new s3.Bucket(this, `${pascal(name)}Bucket`, {
          blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
          encryption: s3.BucketEncryption.KMS,
          encryptionKey: key,
          bucketKeyEnabled: true,
          enforceSSL: true,
          versioned: true,
          objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
          serverAccessLogsBucket: accessLogs,
          serverAccessLogsPrefix: `${name}/`,
          ...(declaration.expireAfterDays !== undefined ? { lifecycleRules: [{ expiration: Duration.days(declaration.expireAfterDays) }] } : {}),
          // Evidence outlives the stack, like the tables.
          removalPolicy: RemovalPolicy.RETAIN,
        });
      }
    }

    // CloudWatch cannot publish to a topic encrypted with the AWS managed key (aws/sns): its key
    // policy cannot grant cloudwatch.amazonaws.com, so every notification would be dropped. The
    // topic therefore gets a key of its own that CloudWatch may use.
    this.alarmTopicKey = new kms.Key(this, "AlarmsKey", {
      description: `Encrypts the alarm topic of ${this.stackName}.`,
      enableKeyRotation: true,
      // It protects only notifications in flight, nothing kept.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.alarmTopicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "CloudWatchAlarmsEncryptNotifications",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        // As AWS documents for alarms on encrypted topics; the key serves this topic alone.
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
      }),
    );
    this.alarmTopic = new sns.Topic(this, "Alarms", {
      displayName: `${wiring.app} alarms`,
      masterKey: this.alarmTopicKey,
      enforceSSL: true,
    });
    // The topic policy (created for enforceSSL) must let CloudWatch publish, for this account's alarms only.
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "CloudWatchAlarmsPublish",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          ArnLike: {
            "aws:SourceArn": this.formatArn({ service: "cloudwatch", resource: "alarm", resourceName: "*", arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          },
          StringEquals: { "aws:SourceAccount": this.account },
        },
      }),
    );
    if (props.alarmEmail !== undefined) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    new CfnOutput(this, "AlarmTopicArn", { value: this.alarmTopic.topicArn, description: "SNS topic every alarm notifies" });

    for (const [name, declaration] of Object.entries(wiring.queues)) {
      const deadLetterName = deadLetterQueueName(name);
      const ids = queueConstructIds(name);
      const deadLetterQueue = new sqs.Queue(this, ids.deadLetterQueue, {
        queueName: awsQueueName(wiring.app, deadLetterName),
        enforceSSL: true,
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        retentionPeriod: Duration.days(14),
        // The queue's own, so a consumer of the dead-letter queue obeys the rule the wiring checks.
        visibilityTimeout: Duration.seconds(declaration.visibilityTimeoutSeconds),
      });
      const queue = new sqs.Queue(this, ids.queue, {
        queueName: awsQueueName(wiring.app, name),
        enforceSSL: true,
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        visibilityTimeout: Duration.seconds(declaration.visibilityTimeoutSeconds),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: declaration.maxReceiveCount },
      });
      this.queues[name] = { queue, deadLetterQueue };
      new CfnOutput(this, `${ids.queue}Url`, { value: queue.queueUrl, description: `URL of queue ${name}` });
      new CfnOutput(this, `${ids.deadLetterQueue}Url`, { value: deadLetterQueue.queueUrl, description: `URL of ${deadLetterName}` });

      // Anything in a dead-letter queue means a message was given up on: alarm on the first one.
      const consumer = wiring.queueTriggers.find((trigger) => trigger.queue === name && trigger.deadLetter === true);
      this.deadLetterAlarms[name] = this.arrivalAlarm(
        `${ids.deadLetterQueue}Alarm`,
        deadLetterQueue,
        consumer !== undefined,
        `Messages of ${wiring.app} queue ${name} were given up on and moved to ${deadLetterName}` +
          (consumer ? `, whose consumer ${consumer.function} received them.` : `, where they wait.`),
      );
    }

    // A queue a stream trigger hands failures to holds nothing but batches given up on.
    for (const [name, tables] of onFailureTargets(wiring)) {
      const pair = this.queues[name];
      if (!pair) continue; // an unknown queue is reported by the wiring check
      const consumed = wiring.queueTriggers.some((trigger) => trigger.queue === name && trigger.deadLetter !== true);
      this.onFailureAlarms[name] = this.arrivalAlarm(
        `${queueConstructIds(name).queue}Alarm`,
        pair.queue,
        consumed,
        `Stream batches of ${wiring.app} ${tables.length === 1 ? "table" : "tables"} ${tables.join(", ")} were given up on and described in queue ${name}.`,
      );
    }
  }

  /**
   * An alarm on the first message that arrives in a queue of failures, notifying the alarm topic.
   * Unconsumed, the queue's depth shows it. Consumed, the consumer takes each message at once
   * and depth stays at 0, but every message that arrives is received: count receives instead.
   * No data (an idle queue publishes nothing for a while) is not a problem.
   */
  private arrivalAlarm(id: string, queue: sqs.IQueue, consumed: boolean, description: string): cloudwatch.Alarm {
    const period = Duration.minutes(1);
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmDescription: `${description} ${runbookLink(RUNBOOK_SECTIONS.deadLetterQueues)}`,
      metric: consumed
        ? queue.metricNumberOfMessagesReceived({ period, statistic: cloudwatch.Stats.SUM })
        : queue.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.alarmTopic));
    return alarm;
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

/** Queues named as a stream trigger's `onFailure`, each with the tables whose batches it receives. */
function onFailureTargets(wiring: Wiring): Map<string, string[]> {
  const targets = new Map<string, string[]>();
  for (const trigger of wiring.streamTriggers) {
    if (trigger.onFailure === undefined) continue;
    const tables = targets.get(trigger.onFailure) ?? [];
    if (!tables.includes(trigger.table)) tables.push(trigger.table);
    targets.set(trigger.onFailure, tables);
  }
  return targets;
}

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return { name: key.name, type: key.type === "S" ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER };
}

/**
 * Construct ids of a queue and its dead-letter queue: `SettlementsQueue`, `SettlementsDeadLetterQueue`.
 * Suffixed, because a table of the same logical name already has `Settlements`. (Queues are
 * named on AWS by `awsQueueName`, not by these ids.)
 */
export function queueConstructIds(name: string): { queue: string; deadLetterQueue: string } {
  return { queue: `${pascal(name)}Queue`, deadLetterQueue: `${pascal(name)}DeadLetterQueue` };
}

/** Construct id from a logical name: `streamFailures-dlq` → `StreamFailuresDlq`. */
export function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
}
