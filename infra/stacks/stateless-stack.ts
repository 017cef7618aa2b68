/**
 * Everything that holds no data and can be rebuilt at will: one Lambda function per declared
 * function (with exactly the grants its declaration lists), the HTTP API and its routes, the
 * EventBridge Scheduler schedules and the queue / stream event source mappings.
 */
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from "aws-cdk-lib";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import { HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type * as sns from "aws-cdk-lib/aws-sns";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq, SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as logs from "aws-cdk-lib/aws-logs";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import type { Construct } from "constructs";
import { functionEnvironment, routeKey, SCHEDULE_RETRY_ATTEMPTS } from "../../shared/wiring/define.js";
import type { AuthKind, BucketAccess, QueueAccess, TableAccess, Wiring } from "../../shared/wiring/types.js";
import type { DropPlan } from "../../shared/domain/capacity.js";
import { ClaimProvisioning } from "../constructs/drop-plan.js";
import { Observability } from "../constructs/observability.js";
import { VoucherFunction } from "../constructs/voucher-function.js";
import { OriginSecret } from "../constructs/origin-secret.js";
import { type RouteClass, throttleRoutes } from "../constructs/route-throttles.js";
import type { RouteThrottle } from "../edge-context.js";
import { pascal, type QueuePair } from "./stateful-stack.js";

export interface StatelessStackProps extends StackProps {
  readonly wiring: Wiring;
  /** The stateful stack's tables and queues, by logical name. */
  readonly tables: Readonly<Record<string, dynamodb.ITableV2>>;
  readonly queues: Readonly<Record<string, QueuePair>>;
  /** The KMS key of each table declared `customer-managed`, by logical name of the table. */
  readonly tableKeys?: Readonly<Record<string, kms.IKey>>;
  /** The platform key of identity hashes, handed to functions declared `identityHashKey`. */
  readonly identityHashKey?: secretsmanager.ISecret;
  /** The KMS key of buyers' encrypted fields, granted to functions declared `buyerDataKey`. */
  readonly buyerDataKey?: kms.IKey;
  /** The stateful stack's buckets and their keys, by logical name. */
  readonly buckets?: Readonly<Record<string, s3.IBucket>>;
  /** Issuer of resident and operator tokens, e.g. a Cognito user pool URL. */
  readonly jwtIssuer: string;
  /** Accepted `aud` (or, for Cognito access tokens, `client_id`) values. */
  readonly jwtAudience: string[];
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Default-stage throttling of the HTTP API. @default 500 requests/s, bursts of 1,000 */
  readonly throttle?: apigwv2.ThrottleSettings;
  /** The topic the alarms notify (the stateful stack's). */
  readonly alarmTopic?: sns.ITopic;
  /** Limits of claims, partner and admin routes on the stage (infra/constructs/route-throttles.ts); absent: the default for all. */
  readonly routeThrottles?: Readonly<Record<RouteClass, RouteThrottle>>;
  /** A drop plan (`vouchers:dropPlan`): the claim function is provisioned and invoked through an alias. */
  readonly dropPlan?: DropPlan;
  /** Functions of other stacks that the alarms watch too: the stock user pool's token trigger, whose failure stops every sign-in. */
  readonly watchedFunctions?: Readonly<Record<string, lambda.IFunction>>;
}

/** Routes checked by API Gateway's JWT authorizer; the others are checked in handler middleware. */
const JWT_AUTH: ReadonlySet<AuthKind> = new Set<AuthKind>(["resident", "operator", "merchant"]);

/** What Scheduler does when it cannot deliver a firing (throttled, function unavailable). */
const SCHEDULE_RETRY = { maximumRetryAttempts: SCHEDULE_RETRY_ATTEMPTS, maximumEventAgeInSeconds: 15 * 60 };

export class StatelessStack extends Stack {
  readonly functions: Record<string, VoucherFunction> = {};
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly observability: Observability;
  /** The header CloudFront adds and the route handlers check (the execute-api bypass, closed). */
  readonly originSecret: OriginSecret;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { wiring } = props;

    // ---- functions, with the environment and grants their declarations imply -------------
    const physical = {
      tables: Object.fromEntries(Object.entries(props.tables).map(([name, table]) => [name, table.tableName])),
      queueUrls: Object.fromEntries(Object.entries(props.queues).map(([name, pair]) => [name, pair.queue.queueUrl])),
      deadLetterQueueUrls: Object.fromEntries(Object.entries(props.queues).map(([name, pair]) => [name, pair.deadLetterQueue.queueUrl])),
      buckets: Object.fromEntries(Object.entries(props.buckets ?? {}).map(([name, bucket]) => [name, bucket.bucketName])),
    };
    for (const [name, declaration] of Object.entries(wiring.functions)) {
      const fn = new VoucherFunction(this, pascal(name), {
        name,
        declaration,
        environment: {
          ...functionEnvironment(wiring, name, physical),
          // A CloudFormation dynamic reference, resolved at deploy: the key is in neither the
          // template nor the assets, only in the function's environment (encrypted at rest).
          ...(declaration.identityHashKey && props.identityHashKey ? { VOUCHERS_IDENTITY_HASH_KEY: props.identityHashKey.secretValue.unsafeUnwrap() } : {}),
          ...(declaration.buyerDataKey && props.buyerDataKey ? { VOUCHERS_BUYER_DATA_KEY_ARN: props.buyerDataKey.keyArn } : {}),
        },
        ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
      });
      for (const [table, access] of Object.entries(declaration.tables ?? {}) as [string, TableAccess][]) {
        grantTable(fn, lookup(props.tables, table, "table"), access, props.tableKeys?.[table]);
      }
      for (const [queue, access] of Object.entries(declaration.queues ?? {}) as [string, QueueAccess][]) {
        grantQueue(fn, lookup(props.queues, queue, "queue").queue, access);
      }
      // Dead-letter queues: only their attributes (the health check's depths), never their messages.
      for (const queue of Object.keys(declaration.deadLetterQueues ?? {})) {
        grantQueue(fn, lookup(props.queues, queue, "queue").deadLetterQueue, "describe");
      }
      for (const [bucket, access] of Object.entries(declaration.buckets ?? {})) {
        grantBucket(fn, lookup(props.buckets ?? {}, bucket, "bucket"), access);
      }
      if (declaration.buyerDataKey && props.buyerDataKey) {
        // The Encryption SDK's two KMS calls: a data key per field written, its unwrapping per field read.
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [props.buyerDataKey.keyArn] }));
      }
      this.functions[name] = fn;
    }

    const provisioning = props.dropPlan ? new ClaimProvisioning(this, "DropPlan", { plan: props.dropPlan, functions: this.functions }) : undefined;

    // ---- HTTP API -------------------------------------------------------------------------
    // API Gateway's JWT authorizer checks issuer, audience, expiry and signature against the
    // issuer's JWKS; it only accepts RSA-signed tokens (RS256…), so the issuer must sign with RSA.
    // Operator-group checks and partner signatures need the body or claims logic and live in the
    // handlers' middleware, which runs identically on both back ends.
    const jwtAuthorizer = new HttpJwtAuthorizer("JwtAuthorizer", props.jwtIssuer, {
      jwtAudience: props.jwtAudience,
      identitySource: ["$request.header.Authorization"],
    });
    this.httpApi = new apigwv2.HttpApi(this, "HttpApi", {
      apiName: `${wiring.app}-api`,
      description: `HTTP API of ${wiring.app}`,
      // Created below, so that it can carry access logging and throttling.
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, "HttpApiAccessLogs", {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigwv2.HttpStage(this, "DefaultStage", {
      httpApi: this.httpApi,
      stageName: "$default",
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 500, burstLimit: 1000 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            requestTime: "$context.requestTime",
            ip: "$context.identity.sourceIp",
            userAgent: "$context.identity.userAgent",
            routeKey: "$context.routeKey",
            status: "$context.status",
            protocol: "$context.protocol",
            responseLength: "$context.responseLength",
            responseLatency: "$context.responseLatency",
            integrationLatency: "$context.integrationLatency",
            integrationError: "$context.integrationErrorMessage",
            authorizerError: "$context.authorizer.error",
          }),
        ),
      },
    });
    const integrations = new Map<string, HttpLambdaIntegration>();
    for (const route of wiring.routes) {
      const fn = lookup(this.functions, route.function, "function");
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${pascal(route.function)}Integration`, provisioning?.target(route.function, fn) ?? fn);
        integrations.set(route.function, integration);
      }
      const [httpRoute] = this.httpApi.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration,
        ...(JWT_AUTH.has(route.auth) ? { authorizer: jwtAuthorizer } : {}),
      });
      if (!JWT_AUTH.has(route.auth) && httpRoute) {
        Validations.of(httpRoute).acknowledge({
          id: "AwsSolutions-APIG4",
          reason:
            route.auth === "partner-signed"
              ? `${routeKey(route)} is called by partners and authorised by the partner's request signature, which the handler middleware verifies over the body.`
              : `${routeKey(route)} is deliberately public.`,
        });
      }
    }

    if (props.routeThrottles) throttleRoutes(this.stage, this.httpApi, wiring.routes, props.routeThrottles);
    this.originSecret = new OriginSecret(this, "OriginSecret", { wiring, functions: this.functions });

    // ---- schedules ------------------------------------------------------------------------
    // Only EventBridge Scheduler, acting for a schedule of this account's default group, may
    // assume the schedule roles (no confused deputy).
    const scheduleGroupArn = this.formatArn({
      service: "scheduler",
      resource: "schedule-group",
      resourceName: "default",
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    for (const schedule of wiring.schedules) {
      const fn = lookup(this.functions, schedule.function, "function");
      const id = `${pascal(schedule.name)}Schedule`;
      const role = new iam.Role(this, `${id}Role`, {
        description: `Lets schedule ${schedule.name} invoke ${schedule.function}, and nothing else.`,
        assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
          conditions: {
            StringEquals: { "aws:SourceAccount": this.account, "aws:SourceArn": scheduleGroupArn },
          },
        }),
        inlinePolicies: {
          invoke: new iam.PolicyDocument({
            statements: [new iam.PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [fn.functionArn] })],
          }),
        },
      });
      new scheduler.CfnSchedule(this, id, {
        description: schedule.description,
        scheduleExpression: schedule.expression,
        scheduleExpressionTimezone: schedule.timezone,
        flexibleTimeWindow: { mode: "OFF" },
        state: "ENABLED",
        target: {
          arn: fn.functionArn,
          roleArn: role.roleArn,
          input: JSON.stringify({ schedule: schedule.name, scheduledTime: scheduler.ContextAttribute.scheduledTime }),
          retryPolicy: SCHEDULE_RETRY,
        },
      });
    }

    // ---- event source mappings ------------------------------------------------------------
    for (const trigger of wiring.queueTriggers) {
      const fn = lookup(this.functions, trigger.function, "function");
      const pair = lookup(props.queues, trigger.queue, "queue");
      // The event source grants the function consumption of exactly the queue it reads.
      fn.addEventSource(
        new SqsEventSource(trigger.deadLetter === true ? pair.deadLetterQueue : pair.queue, {
          batchSize: trigger.batchSize,
          ...(trigger.maxBatchingWindowSeconds !== undefined
            ? { maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds) }
            : {}),
          reportBatchItemFailures: true,
        }),
      );
    }
    for (const trigger of wiring.streamTriggers) {
      const fn = lookup(this.functions, trigger.function, "function");
      fn.addEventSource(
        new DynamoEventSource(lookup(props.tables, trigger.table, "table"), {
          batchSize: trigger.batchSize,
          startingPosition: lambda.StartingPosition[trigger.startingPosition],
          retryAttempts: trigger.retryAttempts,
          bisectBatchOnError: true,
          reportBatchItemFailures: true,
          ...(trigger.onFailure !== undefined
            ? { onFailure: new SqsDlq(lookup(props.queues, trigger.onFailure, "queue").queue) }
            : {}),
        }),
      );
    }

    // ---- cdk-nag: the few findings that are deliberate, each with its reason --------------
    for (const [name, fn] of Object.entries(this.functions)) {
      acknowledgeFunctionFindings(wiring, props.tables, props.buckets ?? {}, name, fn);
    }

    new CfnOutput(this, "ApiUrl", { value: this.stage.url, description: "Base URL of the HTTP API" });

    // ---- alarms and the drop-day dashboard ---------------------------------------------------
    this.observability = new Observability(this, "Observability", { wiring, functions: { ...this.functions, ...props.watchedFunctions }, httpApi: this.httpApi, tables: props.tables, ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}), ...(props.dropPlan ? { dropPlan: props.dropPlan } : {}), ...(provisioning ? { claimAlias: provisioning.alias } : {}) });
  }
}

/**
 * KMS actions on a table's customer managed key that go with its data grants, spelled out (no
 * `kms:ReEncrypt*`-style wildcards): DynamoDB decrypts with the caller's rights on every read, and
 * also encrypts on writes.
 */
export const TABLE_KEY_ACTIONS: Record<Exclude<TableAccess, "describe">, string[]> = {
  read: ["kms:Decrypt", "kms:DescribeKey"],
  write: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
  readWrite: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
};

function grantTable(fn: lambda.IFunction, table: dynamodb.ITableV2, access: TableAccess, key?: kms.IKey): void {
  if (key && access !== "describe") {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: TABLE_KEY_ACTIONS[access], resources: [key.keyArn] }));
  }
  switch (access) {
    case "describe":
      // Reachability only (the health check): the table itself, no data, no indexes.
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ["dynamodb:DescribeTable"], resources: [table.tableArn] }));
      return;
    // The data grants below include the table's indexes, which are part of what it declares.
    case "read":
      table.grantReadData(fn);
      return;
    case "write":
      table.grantWriteData(fn);
      return;
    case "readWrite":
      table.grantReadWriteData(fn);
      return;
  }
}

function grantQueue(fn: lambda.IFunction, queue: QueuePair["queue"], access: QueueAccess): void {
  switch (access) {
    case "describe":
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ["sqs:GetQueueAttributes"], resources: [queue.queueArn] }));
      return;
    case "send":
      queue.grantSendMessages(fn);
      return;
    case "consume":
      queue.grantConsumeMessages(fn);
      return;
  }
}

/**
 * Object-level rights on a bucket, named one by one (no `s3:*Object*` wildcards), with the use of
 * its key they imply. Presigned URLs act with the signing function's rights, so a function that
 * signs uploads needs PutObject; HEAD and presigned GETs need GetObject.
 */
function grantBucket(fn: VoucherFunction, bucket: s3.IBucket, access: BucketAccess): void {
  const objects = bucket.arnForObjects("*");
  const reads = access !== "write";
  const writes = access !== "read";
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...(reads ? ["s3:GetObject"] : []), ...(writes ? ["s3:PutObject"] : [])], resources: [objects] }));
  if (bucket.encryptionKey) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: [...(reads ? ["kms:Decrypt"] : []), ...(writes ? ["kms:GenerateDataKey"] : [])], resources: [bucket.encryptionKey.keyArn] }),
    );
  }
}

/**
 * cdk-nag findings on a function and its role that follow from its declaration. Only the
 * wildcards the declaration makes unavoidable are acknowledged, each on that function alone.
 */
function acknowledgeFunctionFindings(
  wiring: Wiring,
  tables: Readonly<Record<string, dynamodb.ITableV2>>,
  buckets: Readonly<Record<string, s3.IBucket>>,
  name: string,
  fn: VoucherFunction,
): void {
  Validations.of(fn).acknowledge({
    id: "AwsSolutions-L1",
    reason:
      "Pinned to nodejs22.x on purpose: the bundle targets node22, the runtime the handlers are tested on; moving to a newer runtime is a reviewed change, not an automatic one.",
  });

  const streamed = wiring.streamTriggers.some((trigger) => trigger.function === name);
  const wildcardReasons = [
    "active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which take no resource narrower than *",
    ...(streamed ? ["its DynamoDB stream trigger needs dynamodb:ListStreams, which takes no resource narrower than *"] : []),
  ];
  const role = fn.role;
  if (!role) return;
  Validations.of(role).acknowledge({
    id: "AwsSolutions-IAM5[Resource::*]",
    reason: `${name}: ${wildcardReasons.join("; ")}.`,
  });

  // CDK's data grants on a table with global secondary indexes also cover `<table arn>/index/*`.
  // That wildcard is acknowledged for exactly those tables, on this function's role only.
  for (const [tableName, access] of Object.entries(wiring.functions[name]?.tables ?? {})) {
    if (access === "describe" || Object.keys(wiring.tables[tableName]?.globalIndexes ?? {}).length === 0) continue;
    const table = lookup(tables, tableName, "table");
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagTableArn(Stack.of(fn), table)}/index/*]`,
      reason: `${name}: its declared ${access} access to table ${tableName} covers the table's global secondary indexes (${Object.keys(wiring.tables[tableName]?.globalIndexes ?? {}).join(", ")}); the wildcard is limited to that table's indexes.`,
    });
  }

  // A bucket's objects are named by uploads (fresh ids): object rights take `<bucket arn>/*`.
  for (const [bucketName, access] of Object.entries(wiring.functions[name]?.buckets ?? {})) {
    const bucket = lookup(buckets, bucketName, "bucket");
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn(Stack.of(fn), Stack.of(bucket), bucket.bucketArn)}/*]`,
      reason: `${name}: its declared ${access} access to bucket ${bucketName} is to objects whose keys are made per upload; the wildcard is limited to that bucket's objects and to ${access === "read" ? "GetObject" : access === "write" ? "PutObject" : "GetObject and PutObject"}.`,
    });
  }
}

/**
 * How cdk-nag spells a table's ARN in a finding id: `<LogicalId.Arn>` in the same stack, else the
 * name of the export it is imported from. `exportValue` returns (creating it if need be) the very
 * export that the automatic cross-stack reference uses, so the name is known at construction.
 */
function nagTableArn(consumer: Stack, table: dynamodb.ITableV2): string {
  return nagArn(consumer, Stack.of(table), table.tableArn);
}

/** How cdk-nag spells an ARN of a resource of `producer` in a finding id of `consumer` (see nagTableArn). */
function nagArn(consumer: Stack, producer: Stack, arn: string): string {
  const resolved = consumer.resolve(producer === consumer ? arn : producer.exportValue(arn)) as Record<
    string,
    unknown
  >;
  const imported = resolved["Fn::ImportValue"];
  if (typeof imported === "string") return imported;
  const getAtt = resolved["Fn::GetAtt"];
  if (Array.isArray(getAtt)) return `<${String(getAtt[0])}.${String(getAtt[1])}>`;
  throw new Error(`cannot spell ${JSON.stringify(resolved)} as cdk-nag does`);
}

function lookup<V>(record: Readonly<Record<string, V>>, key: string, kind: string): V {
  const value = record[key];
  if (value === undefined) throw new Error(`the wiring names ${kind} ${key}, which was not built`);
  return value;
}
