/**
 * The `partners` table: one item per partner, with its signing secrets (the table has a KMS key
 * of its own). Writes go in one transaction with their audit item; snapshots for the trail and
 * every answer leave the secrets out.
 */
import { GetCommand, ScanCommand, TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod.js";
import { AlreadyExistsError } from "../errors.js";
import type { StoredSecret } from "../domain/partner.js";
import { type AuditEntry, auditPut } from "./audit.js";
import { cancellationReasons } from "./dynamo.js";
import { partnerKey } from "./keys.js";

const storedSecretSchema = z.object({ secret: z.string().min(1), createdAt: z.string(), retiresAt: z.string().optional() });

export const partnerRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  payoutUrl: z.string(),
  secrets: z.array(storedSecretSchema),
  version: z.int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string(),
});
export type PartnerRecord = z.infer<typeof partnerRecordSchema>;

/** What the audit trail may show of a partner: everything but its secrets. */
export function partnerSnapshot(partner: PartnerRecord): Record<string, unknown> {
  const { secrets, ...rest } = partner;
  return { ...rest, secretCount: secrets.length };
}

type Tables = { partners: string; audit: string };
type Audit = Pick<AuditEntry, "action" | "who" | "at">;

/** Puts a new partner with its audit item; ALREADY_EXISTS when the id is taken. */
export async function insertPartner(db: DynamoDBDocumentClient, tables: Tables, partner: PartnerRecord, audit: Audit): Promise<void> {
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tables.partners, Item: { ...partnerKey(partner.id), ...partner }, ConditionExpression: "attribute_not_exists(pk)" } },
          auditPut(tables.audit, { ...audit, entityType: "PARTNER", entityId: partner.id, version: partner.version, after: partnerSnapshot(partner) }),
        ],
      }),
    );
  } catch (error) {
    if (cancellationReasons(error)[0] === "ConditionalCheckFailed") {
      throw new AlreadyExistsError(`Partner ${partner.id} already exists`, { cause: error });
    }
    throw error;
  }
}

/** The partner as stored, or undefined. */
export async function readPartner(
  db: DynamoDBDocumentClient,
  table: string,
  partnerId: string,
  options: { consistent?: boolean } = {},
): Promise<PartnerRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: partnerKey(partnerId), ConsistentRead: options.consistent ?? false }));
  return Item ? partnerRecordSchema.parse(Item) : undefined;
}

/** Whether a partner is registered (its secrets are not read). */
export async function partnerExists(db: DynamoDBDocumentClient, table: string, partnerId: string): Promise<boolean> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: partnerKey(partnerId), ProjectionExpression: "pk", ConsistentRead: true }));
  return Item !== undefined;
}

/**
 * Replaces a partner's secrets, with its audit item, on condition that it is still the version
 * that was read. `rotation` (e.g. the grace period) goes into the audit item's `after`, beside the
 * snapshot; never a secret. Returns false when it changed meanwhile (the caller reads again).
 */
export async function replaceSecrets(
  db: DynamoDBDocumentClient,
  tables: Tables,
  current: PartnerRecord,
  secrets: StoredSecret[],
  audit: Audit,
  rotation: Record<string, string | number> = {},
): Promise<boolean> {
  const next: PartnerRecord = { ...current, secrets, version: current.version + 1, updatedAt: audit.at };
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tables.partners,
              Key: partnerKey(current.id),
              UpdateExpression: "SET secrets = :secrets, version = :next, updatedAt = :at",
              ConditionExpression: "version = :version",
              ExpressionAttributeValues: { ":secrets": secrets, ":next": next.version, ":at": audit.at, ":version": current.version },
            },
          },
          auditPut(tables.audit, { ...audit, entityType: "PARTNER", entityId: current.id, version: next.version, before: partnerSnapshot(current), after: { ...partnerSnapshot(next), ...rotation } }),
        ],
      }),
    );
    return true;
  } catch (error) {
    if (cancellationReasons(error)[0] === "ConditionalCheckFailed") return false;
    throw error;
  }
}

/** The key a page of partners ends at. */
export const partnerPageKeySchema = z.strictObject({ pk: z.string().regex(/^PARTNER#/) });

/**
 * One page of partners, in the table's own (hash) order: a Scan, since the table holds one item
 * per partner and nothing else, so it reads exactly the partners it answers (a bureau has tens).
 */
export async function scanPartners(
  db: DynamoDBDocumentClient,
  table: string,
  page: { limit: number; startKey?: z.infer<typeof partnerPageKeySchema> | undefined },
): Promise<{ partners: PartnerRecord[]; lastKey?: z.infer<typeof partnerPageKeySchema> }> {
  const result = await db.send(new ScanCommand({ TableName: table, Limit: page.limit, ExclusiveStartKey: page.startKey }));
  return {
    partners: (result.Items ?? []).map((item) => partnerRecordSchema.parse(item)),
    ...(result.LastEvaluatedKey ? { lastKey: partnerPageKeySchema.parse(result.LastEvaluatedKey) } : {}),
  };
}
