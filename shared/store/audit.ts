/**
 * The audit trail: one item per operator or partner write, put in the same TransactWriteItems as
 * the change it describes, so a change without its audit item (or the reverse) cannot exist.
 * Items of one entity share a partition and sort by time, then by the entity's version after the
 * change (so changes within one millisecond keep their order), then a random suffix, so no two
 * items ever collide: `<ISO time>#<version, 10 digits>#<random>`. Snapshots never hold secrets; callers pass them already cleaned.
 */
import { randomUUID } from "node:crypto";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod-mini.js";
import { queryPage } from "./dynamo.js";
import { auditPartition } from "./keys.js";

export type AuditEntityType = "PARTNER" | "MERCHANT" | "CAMPAIGN" | "STATEMENT" | "FRAUD_FLAG" | "PROGRAMME" | "FILING" | "APPLICATION" | "TRADE_IN" | "CARD_LINK";

/** Where an operator's write is recorded, and whose it is: passed to every audited store write. */
export interface AuditTrail {
  table: string;
  who: string;
}

export interface AuditEntry {
  entityType: AuditEntityType;
  entityId: string;
  /** e.g. `merchant.approve`. */
  action: string;
  /** The operator's sub, or `partner:<id>`. */
  who: string;
  at: string;
  /** The entity's version after the change. */
  version: number;
  reason?: string | undefined;
  before?: Record<string, unknown> | undefined;
  after?: Record<string, unknown> | undefined;
}

/** Who a partner's signed request is attributed to. */
export const partnerActor = (partnerId: string) => `partner:${partnerId}`;

/** The Put of one audit item, to go into the transaction of the change it records. */
export function auditPut(table: string, entry: AuditEntry): { Put: { TableName: string; Item: Record<string, unknown> } } {
  const entity = auditPartition(entry.entityType, entry.entityId);
  return {
    Put: {
      TableName: table,
      Item: {
        pk: entity,
        sk: `${entry.at}#${String(entry.version).padStart(10, "0")}#${randomUUID()}`,
        entity,
        action: entry.action,
        who: entry.who,
        at: entry.at,
        ...(entry.reason === undefined ? {} : { reason: entry.reason }),
        ...(entry.before === undefined ? {} : { before: entry.before }),
        ...(entry.after === undefined ? {} : { after: entry.after }),
      },
    },
  };
}

const auditItemSchema = z.object({
  pk: z.string(),
  sk: z.string(),
  entity: z.string(),
  action: z.string(),
  who: z.string(),
  at: z.string(),
  reason: z.optional(z.string()),
  before: z.optional(z.record(z.string(), z.unknown())),
  after: z.optional(z.record(z.string(), z.unknown())),
});
export type AuditItem = z.infer<typeof auditItemSchema>;

export const auditKeySchema = z.strictObject({ pk: z.string().check(z.minLength(1)), sk: z.string().check(z.minLength(1)) });
export type AuditKey = z.infer<typeof auditKeySchema>;

/** One page of an entity's trail, oldest first, read strongly consistent. */
export async function queryAudit(
  db: DynamoDBDocumentClient,
  table: string,
  page: { entity: string; limit: number; startKey?: AuditKey | undefined },
): Promise<{ items: AuditItem[]; lastKey?: AuditKey }> {
  const result = await queryPage(db, {
    TableName: table,
    KeyConditionExpression: "pk = :entity",
    ExpressionAttributeValues: { ":entity": page.entity },
    ScanIndexForward: true,
    ConsistentRead: true,
    Limit: page.limit,
    ExclusiveStartKey: page.startKey,
  });
  return {
    items: result.items.map((item) => auditItemSchema.parse(item)),
    ...(result.lastKey ? { lastKey: auditKeySchema.parse(result.lastKey) } : {}),
  };
}
