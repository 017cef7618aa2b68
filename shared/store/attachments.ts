/** Evidence files' declarations (table `attachments`, pk id): what each merchant said it would upload. */
import { PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod.js";
import { ATTACHMENT_CONTENT_TYPES, type Attachment } from "../domain/attachment.js";
import { batchGetAll } from "./dynamo.js";

const attachmentItemSchema = z.object({
  id: z.string(),
  merchantId: z.string(),
  fileName: z.string(),
  contentType: z.enum(ATTACHMENT_CONTENT_TYPES),
  size: z.number().int(),
  objectKey: z.string(),
  createdAt: z.string(),
});

/** Records a declared upload; ids are fresh, so a second record of one id is a fault, refused by the condition. */
export async function putAttachment(db: DynamoDBDocumentClient, table: string, attachment: Attachment): Promise<void> {
  await db.send(new PutCommand({ TableName: table, Item: { ...attachment }, ConditionExpression: "attribute_not_exists(id)" }));
}

/** The declarations of `ids` that exist, by id. Strongly consistent: a file declared a moment ago is found. */
export async function getAttachments(db: DynamoDBDocumentClient, table: string, ids: readonly string[]): Promise<Map<string, Attachment>> {
  const unique = [...new Set(ids)];
  const items = await batchGetAll(db, table, unique.map((id) => ({ id })), { consistentRead: true });
  return new Map(items.map((item) => attachmentItemSchema.parse(item)).map((attachment) => [attachment.id, attachment]));
}
