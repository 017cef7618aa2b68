/**
 * Helpers for tests that run a local runtime on the emulators started by the global setup.
 * Each test file gets its own physical-name prefix, so files never see each other's data.
 */
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { inject } from "vitest";
import type { Wiring } from "../../shared/wiring/types.js";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION } from "../../infra/local/emulators.js";
import { consoleLog, silentLog } from "../../infra/local/log.js";
import { type PhysicalResources, type ProvisionOptions, provisionResources } from "../../infra/local/provision.js";
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from "../../infra/local/runtime.js";

export const TEST_JWT = { secret: "integration-test-secret" };

/** A unique, valid prefix for one test file's tables and queues. */
export function uniquePrefix(label: string): string {
  return `t${randomUUID().slice(0, 8)}-${label}`.toLowerCase();
}

/** Where the emulators of the global setup listen, as provisioning and teardown take it. */
export function testEndpoints(): Omit<ProvisionOptions, "prefix"> {
  return { dynamodbEndpoint: inject("dynamodbEndpoint"), sqsEndpoint: inject("sqsEndpoint"), region: EMULATORS_REGION };
}

/**
 * Creates every table and queue of `wiring` on the emulators under a fresh prefix made from
 * `label` (see {@link uniquePrefix}), so the calling test file starts from empty resources of its own.
 */
export function provisionTestResources(wiring: Wiring, label: string): Promise<PhysicalResources> {
  return provisionResources(wiring, { ...testEndpoints(), prefix: uniquePrefix(label) });
}

/**
 * The physical names of the tables `logical` of `resources`, keyed by logical name:
 * `tableNamesOf(resources, ["campaigns", "inventory"])` gives `{ campaigns: "…", inventory: "…" }`.
 * Throws if one of them was not provisioned.
 */
export function tableNamesOf<const Logical extends string>(resources: PhysicalResources, logical: readonly Logical[]): Record<Logical, string> {
  return Object.fromEntries(
    logical.map((name) => {
      const table = resources.tables[name];
      if (!table) throw new Error(`no table "${name}" was provisioned`);
      return [name, table.name];
    }),
  ) as Record<Logical, string>;
}

export async function startTestRuntime(
  wiring: Wiring,
  label: string,
  options: Partial<Omit<LocalRuntimeOptions, "wiring" | "emulators" | "prefix">> = {},
): Promise<LocalRuntime> {
  return startLocalRuntime({
    wiring,
    emulators: {
      dynamodbEndpoint: inject("dynamodbEndpoint"),
      sqsEndpoint: inject("sqsEndpoint"),
      description: inject("emulators"),
    },
    prefix: uniquePrefix(label),
    jwt: TEST_JWT,
    autoSchedules: false,
    log: process.env.TEST_RUNTIME_LOG ? consoleLog : silentLog,
    ...options,
  });
}

export function testClients(): { db: DynamoDBDocumentClient; sqs: SQSClient } {
  const config = { region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS };
  return {
    db: DynamoDBDocumentClient.from(new DynamoDBClient({ ...config, endpoint: inject("dynamodbEndpoint") })),
    sqs: new SQSClient({ ...config, endpoint: inject("sqsEndpoint") }),
  };
}

/** What the probe handlers recorded under one kind, oldest first. */
export async function observations<T>(db: DynamoDBDocumentClient, table: string, kind: string): Promise<T[]> {
  const items: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :kind",
        ExpressionAttributeValues: { ":kind": kind },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) items.push(JSON.parse(String(item.payload)) as T);
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
