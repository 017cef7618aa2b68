/**
 * The merchant as a payment needs it (its status and sector), read from the `merchants` table.
 * Kept apart from store/merchants.ts (the merchant registry) so the payment path reads only this.
 */
import { GetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { MerchantFacts } from "../domain/redemption.js";
import { sectorSchema } from "../domain/sectors.js";
import * as z from "../zod.js";
import { merchantKey } from "./keys.js";

const merchantFactsSchema = z.object({ status: z.enum(["PENDING", "APPROVED", "SUSPENDED"]), sector: sectorSchema });

/** The merchant's status and sector, read strongly consistently (a suspension applies at once), or undefined. */
export async function readMerchantFacts(db: DynamoDBDocumentClient, table: string, merchantId: string): Promise<MerchantFacts | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: merchantKey(merchantId), ConsistentRead: true }));
  return Item ? merchantFactsSchema.parse(Item) : undefined;
}
