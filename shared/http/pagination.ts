/**
 * Pages of a list already in memory, with the API's `limit` and opaque `nextToken` (an offset,
 * base64url-encoded so clients do not build it themselves).
 */
import { ValidationError } from "../errors.js";

export function pageOf<T>(items: readonly T[], query: { limit: number; nextToken?: string | undefined }): { items: T[]; nextToken?: string } {
  const offset = query.nextToken === undefined ? 0 : decodeOffset(query.nextToken);
  const page = items.slice(offset, offset + query.limit);
  const next = offset + page.length;
  return { items: page, ...(next < items.length ? { nextToken: Buffer.from(`o:${next}`).toString("base64url") } : {}) };
}

function decodeOffset(token: string): number {
  const match = /^o:(\d{1,9})$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (!match) throw new ValidationError("nextToken is not one this API issued");
  return Number(match[1]);
}
