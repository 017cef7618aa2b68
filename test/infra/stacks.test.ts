/**
 * The AWS back end builds everything a wiring declares, and nothing more: every expectation here
 * is derived from the wiring, so it covers whatever the platform (or the fixture) declares.
 */
import { Match, Template } from "aws-cdk-lib/assertions";
import type * as iam from "aws-cdk-lib/aws-iam";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp, type BuiltApp } from "../../infra/build-app.js";
import {
  awsQueueName,
  consumedQueueName,
  deadLetterQueueName,
  deadLetterQueueUrlEnvVar,
  functionEnvironment,
  functionMemoryMb,
  functionTimeoutSeconds,
  queueUrlEnvVar,
  routeKey,
  tableEnvVar,
} from "../../shared/wiring/define.js";
import type { KeyAttribute, Wiring } from "../../shared/wiring/types.js";
import { fixtureDocs, fixtureWiring } from "../fixtures/wiring.js";
import { pascal, queueConstructIds } from "../../infra/stacks/stateful-stack.js";
import { ALARM_EMAIL_CONTEXT } from "../../infra/build-app.js";
import { JWT_AUDIENCE, JWT_ISSUER, WIRINGS, logicalId, testApp } from "./support.js";

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Statement = { Action: string | string[]; Effect: string; Resource: unknown };

const SCHEDULED_TIME = "<aws.scheduler.scheduled-time>";

function keySchema(partitionKey: KeyAttribute, sortKey?: KeyAttribute) {
  return [
    { AttributeName: partitionKey.name, KeyType: "HASH" },
    ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: "RANGE" }] : []),
  ];
}

function asList<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

describe.each(WIRINGS)("stacks built from the %s wiring", (_label, wiring: Wiring) => {
  let built: BuiltApp;
  let stateful: Template;
  let stateless: Template;
  const resource = (template: Template, id: string): Resource => {
    const found = (template.toJSON().Resources as Record<string, Resource>)[id];
    if (!found) throw new Error(`no resource ${id}`);
    return found;
  };

  beforeAll(() => {
    built = buildApp({ wiring, app: testApp() });
    stateful = Template.fromStack(built.stateful);
    stateless = Template.fromStack(built.stateless);
  });

  it("names the two stacks after the app", () => {
    expect(built.stateful.stackName).toBe(`${wiring.app}-stateful`);
    expect(built.stateless.stackName).toBe(`${wiring.app}-stateless`);
  });

  // ---- stateful: tables ---------------------------------------------------------------------

  it("creates one table per declared table", () => {
    stateful.resourceCountIs("AWS::DynamoDB::GlobalTable", Object.keys(wiring.tables).length);
    stateless.resourceCountIs("AWS::DynamoDB::GlobalTable", 0);
  });

  it.each(Object.entries(wiring.tables))("table %s: keys, indexes, stream, TTL, PITR, encryption, retained", (name, table) => {
    const r = resource(stateful, logicalId(built.stateful.tables[name]!));
    expect(r.Type).toBe("AWS::DynamoDB::GlobalTable");
    expect(r.DeletionPolicy).toBe("Retain");
    expect(r.UpdateReplacePolicy).toBe("Retain");
    const p = r.Properties;
    expect(p.BillingMode).toBe("PAY_PER_REQUEST");
    expect(p.KeySchema).toEqual(keySchema(table.partitionKey, table.sortKey));

    const keys = [table.partitionKey, table.sortKey, ...Object.values(table.globalIndexes ?? {}).flatMap((i) => [i.partitionKey, i.sortKey])];
    for (const key of keys.filter((k): k is KeyAttribute => k !== undefined)) {
      expect(p.AttributeDefinitions).toContainEqual({ AttributeName: key.name, AttributeType: key.type });
    }
    expect(p.GlobalSecondaryIndexes ?? []).toEqual(
      Object.entries(table.globalIndexes ?? {}).map(([indexName, index]) => ({
        IndexName: indexName,
        KeySchema: keySchema(index.partitionKey, index.sortKey),
        Projection: { ProjectionType: "ALL" },
      })),
    );
    expect(p.StreamSpecification).toEqual(table.stream ? { StreamViewType: table.stream } : undefined);
    expect(p.TimeToLiveSpecification).toEqual(table.ttlAttribute ? { AttributeName: table.ttlAttribute, Enabled: true } : undefined);
    expect(p.SSESpecification).toEqual({ SSEEnabled: true, SSEType: "KMS" });
    expect(p.Replicas).toEqual([
      expect.objectContaining({
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    ]);
  });

  const customerManaged = Object.entries(wiring.tables).filter(([, table]) => table.encryption === "customer-managed");

  it("gives each table declared customer-managed a rotated, retained KMS key of its own, and no other key but the alarm topic's, the buyer data's and each bucket's", () => {
    const buckets = Object.keys(wiring.buckets ?? {});
    stateful.resourceCountIs("AWS::KMS::Key", customerManaged.length + 2 + buckets.length);
    for (const key of [built.stateful.buyerDataKey, ...buckets.map((name) => built.stateful.bucketKeys[name]!)]) {
      const declared = resource(stateful, logicalId(key));
      expect(declared.Properties.EnableKeyRotation, key.node.path).toBe(true);
      expect(declared.DeletionPolicy, key.node.path).toBe("Retain");
    }
    stateless.resourceCountIs("AWS::KMS::Key", 0);
    for (const [name] of customerManaged) {
      const key = resource(stateful, logicalId(built.stateful.tableKeys[name]!));
      expect(key.Properties.EnableKeyRotation, name).toBe(true);
      expect(key.DeletionPolicy, name).toBe("Retain");
      expect(key.UpdateReplacePolicy, name).toBe("Retain");
      const table = resource(stateful, logicalId(built.stateful.tables[name]!)).Properties;
      expect(table.SSESpecification).toEqual({ SSEEnabled: true, SSEType: "KMS" });
      expect(table.Replicas).toHaveLength(1);
      expect(table.Replicas[0].SSESpecification).toEqual({ KMSMasterKeyId: { "Fn::GetAtt": [logicalId(built.stateful.tableKeys[name]!), "Arn"] } });
    }
    for (const [name, table] of Object.entries(wiring.tables)) {
      if (table.encryption === undefined) expect(resource(stateful, logicalId(built.stateful.tables[name]!)).Properties.Replicas[0].SSESpecification, name).toBeUndefined();
    }
  });

  it.each(Object.keys(wiring.functions))("function %s may use a table's own key exactly when it may use the table's data", (name) => {
    const declaration = wiring.functions[name]!;
    for (const [tableName] of customerManaged) {
      const keyId = logicalId(built.stateful.tableKeys[tableName]!);
      const access = declaration.tables?.[tableName];
      const onKey = actionsOn(name, keyId);
      const label = `${name} on the key of ${tableName} (${access ?? "no access"})`;
      if (access === undefined || access === "describe") expect([...onKey], label).toEqual([]);
      else {
        expect(onKey.has("kms:Decrypt"), label).toBe(true);
        expect(onKey.has("kms:Encrypt"), label).toBe(access !== "read");
        for (const action of onKey) expect(action, label).not.toContain("*");
      }
    }
  });

  // ---- stateful: queues ---------------------------------------------------------------------

  const onFailureQueues = [...new Set(wiring.streamTriggers.flatMap((t) => (t.onFailure === undefined ? [] : [t.onFailure])))];

  it("creates each declared queue and its dead-letter queue, with an alarm on each dead-letter queue and stream onFailure queue", () => {
    const count = Object.keys(wiring.queues).length;
    stateful.resourceCountIs("AWS::SQS::Queue", 2 * count);
    stateful.resourceCountIs("AWS::CloudWatch::Alarm", count + onFailureQueues.length);
    stateless.resourceCountIs("AWS::SQS::Queue", 0);
    stateless.resourceCountIs("AWS::CloudWatch::Alarm", 0);
  });

  /** The alarm's metric, threshold and action, for a queue that is consumed or not. */
  const expectArrivalAlarm = (alarmId: string, queueId: string, consumed: boolean) => {
    expect(resource(stateful, alarmId).Properties).toEqual(
      expect.objectContaining({
        Namespace: "AWS/SQS",
        MetricName: consumed ? "NumberOfMessagesReceived" : "ApproximateNumberOfMessagesVisible",
        Statistic: consumed ? "Sum" : "Maximum",
        Period: 60,
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queueId, "QueueName"] } }],
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
        AlarmActions: [{ Ref: logicalId(built.stateful.alarmTopic) }],
      }),
    );
  };

  it.each(Object.entries(wiring.queues))("queue %s: fixed names, visibility, redrive, encryption, TLS only, DLQ alarm, URL outputs", (name, queue) => {
    const pair = built.stateful.queues[name]!;
    const queueId = logicalId(pair.queue);
    const dlqId = logicalId(pair.deadLetterQueue);
    // Ids apart from the tables', since a table and a queue may share a logical name.
    expect(pair.queue.node.id).toBe(queueConstructIds(name).queue);
    expect(pair.deadLetterQueue.node.id).toBe(queueConstructIds(name).deadLetterQueue);

    expect(resource(stateful, queueId).Properties).toMatchObject({
      QueueName: awsQueueName(wiring.app, name),
      VisibilityTimeout: queue.visibilityTimeoutSeconds,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": [dlqId, "Arn"] }, maxReceiveCount: queue.maxReceiveCount },
    });
    expect(resource(stateful, dlqId).Properties).toMatchObject({
      QueueName: awsQueueName(wiring.app, deadLetterQueueName(name)),
      // The queue's own, so that a consumer of the dead-letter queue obeys the rule the wiring checks.
      VisibilityTimeout: queue.visibilityTimeoutSeconds,
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
    expect(resource(stateful, dlqId).Properties.RedrivePolicy).toBeUndefined();
    stateful.hasOutput(`${pascal(name)}QueueUrl`, { Value: { Ref: queueId } });
    stateful.hasOutput(`${pascal(name)}DeadLetterQueueUrl`, { Value: { Ref: dlqId } });

    for (const id of [queueId, dlqId]) {
      stateful.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: "Deny", Action: "sqs:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          ]),
        },
      });
    }
    // A consumed dead-letter queue is emptied at once: its alarm counts receives, not depth.
    const consumed = wiring.queueTriggers.some((t) => t.queue === name && t.deadLetter === true);
    expectArrivalAlarm(logicalId(built.stateful.deadLetterAlarms[name]!), dlqId, consumed);
  });

  it.each(onFailureQueues.map((name) => [name] as const))("stream onFailure queue %s has an alarm on what arrives in it", (name) => {
    const consumed = wiring.queueTriggers.some((t) => t.queue === name && t.deadLetter !== true);
    expectArrivalAlarm(logicalId(built.stateful.onFailureAlarms[name]!), logicalId(built.stateful.queues[name]!.queue), consumed);
  });

  it("has no alarm on a queue no stream trigger hands failures to, other than its dead-letter queue's", () => {
    expect(Object.keys(built.stateful.onFailureAlarms).sort()).toEqual([...onFailureQueues].sort());
  });

  // ---- stateful: the alarm topic ------------------------------------------------------------

  it("has one alarm topic, TLS only, encrypted with a rotated key CloudWatch may use, its ARN an output", () => {
    stateful.resourceCountIs("AWS::SNS::Topic", 1);
    stateless.resourceCountIs("AWS::SNS::Topic", 0);
    const topicId = logicalId(built.stateful.alarmTopic);
    const keyId = logicalId(built.stateful.alarmTopicKey);
    expect(built.stateful.alarmTopic.node.id).toBe("Alarms");
    expect(resource(stateful, topicId).Properties.KmsMasterKeyId).toEqual({ "Fn::GetAtt": [keyId, "Arn"] });
    const key = resource(stateful, keyId).Properties;
    expect(key.EnableKeyRotation).toBe(true);
    expect(key.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      }),
    );
    stateful.hasResourceProperties("AWS::SNS::TopicPolicy", {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } }, ArnLike: { "aws:SourceArn": Match.anyValue() } },
          }),
        ]),
      },
    });
    stateful.hasOutput("AlarmTopicArn", { Value: { Ref: topicId } });
    // Without vouchers:alarmEmail nobody is subscribed.
    stateful.resourceCountIs("AWS::SNS::Subscription", 0);
  });

  it("makes every alarm notify the alarm topic", () => {
    const alarms = Object.values(stateful.findResources("AWS::CloudWatch::Alarm"));
    expect(alarms.length).toBe(Object.keys(wiring.queues).length + onFailureQueues.length);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: logicalId(built.stateful.alarmTopic) }]);
  });

  // ---- stateless: functions -----------------------------------------------------------------

  it("creates one Lambda function per declared function, and no other", () => {
    stateless.resourceCountIs("AWS::Lambda::Function", Object.keys(wiring.functions).length);
    stateful.resourceCountIs("AWS::Lambda::Function", 0);
  });

  it.each(Object.entries(wiring.functions))("function %s: node22 on arm64, traced, own log group, env for exactly its grants", (name, declaration) => {
    const fn = built.stateless.functions[name]!;
    const p = resource(stateless, logicalId(fn)).Properties;
    expect(p).toMatchObject({
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      MemorySize: functionMemoryMb(declaration),
      Timeout: functionTimeoutSeconds(declaration),
      TracingConfig: { Mode: "Active" },
      LoggingConfig: { LogGroup: { Ref: logicalId(fn.logGroup) } },
    });
    expect(resource(stateless, logicalId(fn.logGroup)).Properties.RetentionInDays).toBe(30);

    const variables = p.Environment.Variables as Record<string, unknown>;
    const granted = functionEnvironment(wiring, name, {
      tables: Object.fromEntries(Object.keys(wiring.tables).map((t) => [t, t])),
      queueUrls: Object.fromEntries(Object.keys(wiring.queues).map((q) => [q, q])),
      deadLetterQueueUrls: Object.fromEntries(Object.keys(wiring.queues).map((q) => [q, q])),
      buckets: Object.fromEntries(Object.keys(wiring.buckets ?? {}).map((b) => [b, b])),
    });
    const identityKey = declaration.identityHashKey ? ["VOUCHERS_IDENTITY_HASH_KEY"] : [];
    const buyerDataKey = declaration.buyerDataKey ? ["VOUCHERS_BUYER_DATA_KEY_ARN"] : [];
    // Functions behind a route check the origin secret CloudFront adds (shared/http/origin.ts).
    const originSecret = wiring.routes.some((route) => route.function === name) ? ["VOUCHERS_ORIGIN_SECRET"] : [];
    expect(Object.keys(variables).sort()).toEqual(["NODE_OPTIONS", "POWERTOOLS_SERVICE_NAME", ...identityKey, ...buyerDataKey, ...originSecret, ...Object.keys(granted)].sort());
    // The buyer-data key is named by its ARN (a reference to the stateful stack's key), never a secret value.
    if (declaration.buyerDataKey) expect(JSON.stringify(variables.VOUCHERS_BUYER_DATA_KEY_ARN)).toContain(logicalId(built.stateful.buyerDataKey));
    // The identity hash key comes from Secrets Manager by a dynamic reference, never as a value in the template.
    if (declaration.identityHashKey) expect(JSON.stringify(variables.VOUCHERS_IDENTITY_HASH_KEY)).toContain("resolve:secretsmanager:");
    expect(variables.NODE_OPTIONS).toBe("--enable-source-maps");
    expect(variables.POWERTOOLS_SERVICE_NAME).toBe(name);
    // Each variable carries the physical name (Ref) of the very resource it names.
    for (const table of Object.keys(declaration.tables ?? {})) {
      expect(JSON.stringify(variables[tableEnvVar(table)])).toContain(`Ref${logicalId(built.stateful.tables[table]!)}`);
    }
    for (const queue of Object.keys(declaration.queues ?? {})) {
      expect(JSON.stringify(variables[queueUrlEnvVar(queue)])).toContain(`Ref${logicalId(built.stateful.queues[queue]!.queue)}`);
    }
    for (const queue of Object.keys(declaration.deadLetterQueues ?? {})) {
      expect(JSON.stringify(variables[deadLetterQueueUrlEnvVar(queue)])).toContain(`Ref${logicalId(built.stateful.queues[queue]!.deadLetterQueue)}`);
    }
  });

  /** Actions the function's role may take on resources whose reference contains `marker`. */
  const actionsOn = (functionName: string, marker: string): Set<string> => {
    const role = built.stateless.functions[functionName]!.role as iam.Role;
    const policy = role.node.tryFindChild("DefaultPolicy");
    const roleResource = resource(stateless, logicalId(role));
    expect(roleResource.Properties.ManagedPolicyArns).toBeUndefined();
    expect(roleResource.Properties.Policies).toBeUndefined();
    if (!policy) return new Set();
    const statements = resource(stateless, logicalId(policy)).Properties.PolicyDocument.Statement as Statement[];
    const actions = new Set<string>();
    for (const statement of statements) {
      expect(statement.Effect).toBe("Allow");
      if (asList(statement.Resource).some((r) => JSON.stringify(r).includes(marker))) asList(statement.Action).forEach((a) => actions.add(a));
    }
    return actions;
  };

  it.each(Object.keys(wiring.functions))("function %s may touch only what it declares or is triggered by", (name) => {
    const declaration = wiring.functions[name]!;
    for (const tableName of Object.keys(wiring.tables)) {
      const id = logicalId(built.stateful.tables[tableName]!);
      const access = declaration.tables?.[tableName];
      const onTable = new Set([...actionsOn(name, `${id}Arn`), ...actionsOn(name, `Ref${id}`)]);
      const onStream = actionsOn(name, `${id}StreamArn`);
      const label = `${name} on table ${tableName} (${access ?? "no access"})`;
      const read = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem"];
      const write = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"];
      switch (access) {
        case undefined:
          expect([...onTable], label).toEqual([]);
          break;
        case "describe":
          expect([...onTable], label).toEqual(["dynamodb:DescribeTable"]);
          break;
        case "read":
          expect([...onTable], label).toEqual(expect.arrayContaining(read));
          for (const a of write) expect(onTable.has(a), `${label}: ${a}`).toBe(false);
          break;
        case "write":
          expect([...onTable], label).toEqual(expect.arrayContaining(write));
          for (const a of read) expect(onTable.has(a), `${label}: ${a}`).toBe(false);
          break;
        case "readWrite":
          expect([...onTable], label).toEqual(expect.arrayContaining([...read, ...write]));
          break;
      }
      const streamed = wiring.streamTriggers.some((t) => t.function === name && t.table === tableName);
      if (streamed) expect([...onStream], label).toEqual(expect.arrayContaining(["dynamodb:GetRecords", "dynamodb:GetShardIterator"]));
      else expect([...onStream], `${label}: stream`).toEqual([]);
    }

    for (const queueName of Object.keys(wiring.queues)) {
      const id = logicalId(built.stateful.queues[queueName]!.queue);
      const dlqId = logicalId(built.stateful.queues[queueName]!.deadLetterQueue);
      const access = declaration.queues?.[queueName];
      const triggered = (deadLetter: boolean) =>
        wiring.queueTriggers.some((t) => t.function === name && t.queue === queueName && (t.deadLetter === true) === deadLetter);
      const consumes = access === "consume" || triggered(false);
      const sends = access === "send" || wiring.streamTriggers.some((t) => t.function === name && t.onFailure === queueName);
      const actions = new Set([...actionsOn(name, `${id}Arn`), ...actionsOn(name, `Ref${id}`)]);
      const label = `${name} on queue ${queueName} (${access ?? "no access"})`;
      // Only a consumer of the dead-letter queue may touch it, and only to consume; a function
      // granted `deadLetterQueues` (the health check) may only read its attributes.
      const onDeadLetter = actionsOn(name, dlqId);
      if (triggered(true)) {
        expect([...onDeadLetter], `${label}: dead-letter queue`).toEqual(
          expect.arrayContaining(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]),
        );
        expect(onDeadLetter.has("sqs:SendMessage"), `${label}: send to the dead-letter queue`).toBe(false);
      } else if (declaration.deadLetterQueues?.[queueName] === "describe") {
        expect([...onDeadLetter], `${label}: dead-letter queue`).toEqual(["sqs:GetQueueAttributes"]);
      } else {
        expect([...onDeadLetter], `${label}: dead-letter queue`).toEqual([]);
      }
      if (!access && !consumes && !sends) expect([...actions], label).toEqual([]);
      if (access === "describe" && !consumes && !sends) expect([...actions], label).toEqual(["sqs:GetQueueAttributes"]);
      expect(actions.has("sqs:SendMessage"), `${label}: send`).toBe(sends);
      expect(actions.has("sqs:ReceiveMessage"), `${label}: receive`).toBe(consumes);
      expect(actions.has("sqs:DeleteMessage"), `${label}: delete`).toBe(consumes);
    }
  });

  it.each(Object.keys(wiring.functions))("function %s touches a bucket's objects, its key and the buyer-data key only as declared", (name) => {
    const declaration = wiring.functions[name]!;
    for (const bucketName of Object.keys(wiring.buckets ?? {})) {
      const access = declaration.buckets?.[bucketName];
      const onObjects = [...actionsOn(name, `${logicalId(built.stateful.buckets[bucketName]!)}Arn`)].sort();
      const onKey = [...actionsOn(name, `${logicalId(built.stateful.bucketKeys[bucketName]!)}Arn`)].sort();
      const reads = access === "read" || access === "readWrite";
      const writes = access === "write" || access === "readWrite";
      const label = `${name} on bucket ${bucketName} (${access ?? "no access"})`;
      expect(onObjects, label).toEqual([...(reads ? ["s3:GetObject"] : []), ...(writes ? ["s3:PutObject"] : [])]);
      expect(onKey, `${label}: its key`).toEqual([...(reads ? ["kms:Decrypt"] : []), ...(writes ? ["kms:GenerateDataKey"] : [])]);
    }
    const onBuyerKey = [...actionsOn(name, `${logicalId(built.stateful.buyerDataKey)}Arn`)].sort();
    expect(onBuyerKey, `${name} on the buyer-data key`).toEqual(declaration.buyerDataKey ? ["kms:Decrypt", "kms:GenerateDataKey"] : []);
  });

  // ---- stateless: HTTP API ------------------------------------------------------------------

  it("has one route per declared route, a JWT authorizer from the context, and a logged, throttled default stage", () => {
    stateless.resourceCountIs("AWS::ApiGatewayV2::Api", 1);
    stateless.resourceCountIs("AWS::ApiGatewayV2::Route", wiring.routes.length);
    stateless.resourceCountIs("AWS::ApiGatewayV2::Authorizer", 1);
    stateless.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
      JwtConfiguration: { Issuer: JWT_ISSUER, Audience: JWT_AUDIENCE },
    });
    stateless.resourceCountIs("AWS::ApiGatewayV2::Stage", 1);
    stateless.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp("\\$context\\.requestId") },
      DefaultRouteSettings: { ThrottlingBurstLimit: Match.anyValue(), ThrottlingRateLimit: Match.anyValue() },
    });
    stateless.hasOutput("ApiUrl", { Value: Match.anyValue() });
  });

  it.each(wiring.routes.map((route) => [routeKey(route), route] as const))("route %s: right function and authorization", (key, route) => {
    const routes = stateless.findResources("AWS::ApiGatewayV2::Route", { Properties: { RouteKey: key } });
    expect(Object.keys(routes)).toHaveLength(1);
    const props = Object.values(routes)[0]!.Properties;
    const jwt = route.auth === "resident" || route.auth === "operator" || route.auth === "merchant";
    expect(props.AuthorizationType).toBe(jwt ? "JWT" : "NONE");
    expect(props.AuthorizerId === undefined).toBe(!jwt);
    const integrationId = props.Target["Fn::Join"][1][1].Ref as string;
    expect(resource(stateless, integrationId).Properties).toMatchObject({
      IntegrationType: "AWS_PROXY",
      PayloadFormatVersion: "2.0",
      IntegrationUri: { "Fn::GetAtt": [logicalId(built.stateless.functions[route.function]!), "Arn"] },
    });
  });

  // ---- stateless: event source mappings -----------------------------------------------------

  it("has one event source mapping per queue or stream trigger", () => {
    stateless.resourceCountIs("AWS::Lambda::EventSourceMapping", wiring.queueTriggers.length + wiring.streamTriggers.length);
  });

  it.each(wiring.queueTriggers.map((t) => [consumedQueueName(t), t] as const))("queue trigger on %s", (_queue, trigger) => {
    const pair = built.stateful.queues[trigger.queue]!;
    // A deadLetter trigger reads the dead-letter queue, never the queue itself.
    const source = trigger.deadLetter === true ? pair.deadLetterQueue : pair.queue;
    stateless.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: logicalId(built.stateless.functions[trigger.function]!) },
      EventSourceArn: { "Fn::ImportValue": Match.stringLikeRegexp(`FnGetAtt${logicalId(source)}Arn`) },
      BatchSize: trigger.batchSize,
      MaximumBatchingWindowInSeconds: trigger.maxBatchingWindowSeconds ?? Match.absent(),
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
  });

  it.each(wiring.streamTriggers.map((t) => [t.table, t] as const))("stream trigger on %s", (_table, trigger) => {
    stateless.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: logicalId(built.stateless.functions[trigger.function]!) },
      EventSourceArn: { "Fn::ImportValue": Match.stringLikeRegexp(`FnGetAtt${logicalId(built.stateful.tables[trigger.table]!)}StreamArn`) },
      BatchSize: trigger.batchSize,
      StartingPosition: trigger.startingPosition,
      MaximumRetryAttempts: trigger.retryAttempts,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      DestinationConfig:
        trigger.onFailure === undefined
          ? Match.absent()
          : {
              OnFailure: {
                Destination: {
                  "Fn::ImportValue": Match.stringLikeRegexp(`FnGetAtt${logicalId(built.stateful.queues[trigger.onFailure]!.queue)}Arn`),
                },
              },
            },
    });
  });

  // ---- stateless: schedules -----------------------------------------------------------------

  it("has one schedule per declared schedule", () => {
    stateless.resourceCountIs("AWS::Scheduler::Schedule", wiring.schedules.length);
  });

  it.each(wiring.schedules.map((s) => [s.name, s] as const))("schedule %s: expression, zone, input, and a role that may only invoke its function", (_name, schedule) => {
    const input = JSON.stringify({ schedule: schedule.name, scheduledTime: SCHEDULED_TIME });
    const fnId = logicalId(built.stateless.functions[schedule.function]!);
    const found = stateless.findResources("AWS::Scheduler::Schedule", { Properties: { Target: { Input: input } } });
    expect(Object.keys(found)).toHaveLength(1);
    const props = Object.values(found)[0]!.Properties;
    expect(props).toMatchObject({
      ScheduleExpression: schedule.expression,
      ScheduleExpressionTimezone: schedule.timezone,
      FlexibleTimeWindow: { Mode: "OFF" },
      State: "ENABLED",
      Target: {
        Arn: { "Fn::GetAtt": [fnId, "Arn"] },
        RetryPolicy: { MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) },
      },
    });
    const roleId = props.Target.RoleArn["Fn::GetAtt"][0] as string;
    const role = resource(stateless, roleId).Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: "scheduler.amazonaws.com" }, Action: "sts:AssumeRole" }),
    ]);
    expect(role.Policies).toEqual([
      {
        PolicyName: "invoke",
        PolicyDocument: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: { "Fn::GetAtt": [fnId, "Arn"] } }],
        },
      },
    ]);
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(stateless.findResources("AWS::IAM::Policy", { Properties: { Roles: [{ Ref: roleId }] } })).toEqual({});
  });
});

describe("a table and a queue of the same name", () => {
  it("both build, each under its own id", () => {
    const wiring: Wiring = {
      ...fixtureWiring,
      queues: { ...fixtureWiring.queues, events: { description: "Shares its name with a table.", visibilityTimeoutSeconds: 30, maxReceiveCount: 3 } },
    };
    const built = buildApp({ wiring, app: testApp() });
    expect(built.stateful.tables.events).toBeDefined();
    expect(built.stateful.queues.events!.queue.node.id).toBe("EventsQueue");
    Template.fromStack(built.stateful).hasResourceProperties("AWS::SQS::Queue", { QueueName: "fixture-events" });
  });
});

describe("the alarm email", () => {
  it("subscribes vouchers:alarmEmail to the alarm topic by email", () => {
    const built = buildApp({ wiring: fixtureWiring, app: testApp({ [ALARM_EMAIL_CONTEXT]: "oncall@example.com" }) });
    const template = Template.fromStack(built.stateful);
    template.resourceCountIs("AWS::SNS::Subscription", 1);
    template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "oncall@example.com",
      TopicArn: { Ref: logicalId(built.stateful.alarmTopic) },
    });
  });
});

describe("least privilege in the fixture", () => {
  let built: BuiltApp;
  let template: Template;
  beforeAll(() => {
    built = buildApp({ wiring: fixtureWiring, app: testApp() });
    template = Template.fromStack(built.stateless);
  });

  const statementsOf = (name: string): Statement[] => {
    const policy = built.stateless.functions[name]!.role!.node.tryFindChild("DefaultPolicy")!;
    return template.toJSON().Resources[logicalId(policy)].Properties.PolicyDocument.Statement as Statement[];
  };

  it("echo has no statement on the events table", () => {
    const events = logicalId(built.stateful.tables.events!);
    expect(JSON.stringify(statementsOf("echo"))).not.toContain(events);
  });

  it("health may only describe its tables and read its queue's and dead-letter queue's attributes", () => {
    const dataStatements = statementsOf("health").filter((s) => !asList(s.Action).some((a) => /^(xray|logs):/.test(a)));
    const actions = new Set(dataStatements.flatMap((s) => asList(s.Action)));
    expect([...actions].sort()).toEqual(["dynamodb:DescribeTable", "sqs:GetQueueAttributes"]);
    const tableStatements = dataStatements.filter((s) => JSON.stringify(s.Resource).match(/Observations|Events/));
    expect(tableStatements.flatMap((s) => asList(s.Action))).toEqual(expect.arrayContaining(["dynamodb:DescribeTable"]));
    expect(new Set(tableStatements.flatMap((s) => asList(s.Action)))).toEqual(new Set(["dynamodb:DescribeTable"]));
    const dlq = logicalId(built.stateful.queues.work!.deadLetterQueue);
    const dlqStatements = dataStatements.filter((s) => JSON.stringify(s.Resource).includes(dlq));
    expect(dlqStatements.flatMap((s) => asList(s.Action))).toEqual(["sqs:GetQueueAttributes"]);
  });

  it("a function's role starts with nothing but writing to its own log group and X-Ray", () => {
    const me = statementsOf("echo").filter((s) => asList(s.Action).some((a) => a.startsWith("logs:")));
    expect(me).toEqual([
      {
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: { "Fn::GetAtt": [logicalId(built.stateless.functions.echo!.logGroup), "Arn"] },
      },
    ]);
  });
});

describe("handler files", () => {
  const missing: Wiring = {
    ...fixtureWiring,
    functions: { ghost: { description: "Not written yet.", entry: "test/fixtures/functions/not-written-yet.ts" } },
    routes: [{ method: "GET", path: "/ghost", auth: "public", function: "ghost", docs: fixtureDocs("getGhost") }],
    queueTriggers: [],
    streamTriggers: [],
    schedules: [],
  };

  it("must exist, bundled or not", () => {
    expect(() => buildApp({ wiring: missing, app: testApp() })).toThrow(/Cannot find entry file/);
    expect(() => buildApp({ wiring: missing, app: testApp({ "aws:cdk:bundling-stacks": ["**"] }) })).toThrow(/Cannot find entry file/);
  });
});
