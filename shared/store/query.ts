/**
 * Every item a query matches, page after page (DynamoDB answers at most 1 MB per page). Written
 * here rather than with lib-dynamodb's `paginateQuery`, which refuses anything but a real client
 * instance: the fault-injection tests hand the store a wrapped `send`.
 */
import { QueryCommand, type QueryCommandInput, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export async function queryAll(db: DynamoDBDocumentClient, input: Omit<QueryCommandInput, "ExclusiveStartKey">): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
