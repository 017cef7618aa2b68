/**
 * Opaque page tokens for lists read from DynamoDB: the page's last key (and any cursor state),
 * JSON in base64url, checked with a schema when it comes back, so a forged token is a 400 and
 * never reaches a query as something it is not.
 */
import * as z from "../zod-mini.js";
import { ValidationError } from "../errors.js";

export function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

/** The value `token` encodes, checked with `schema` (classic or mini); a token that is not one is a ValidationError. */
export function decodeToken<S extends z.core.$ZodType>(token: string, schema: S): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch (cause) {
    throw new ValidationError("nextToken is not one this API issued", { cause });
  }
  const parsed = z.safeParse(schema, raw);
  if (!parsed.success) throw new ValidationError("nextToken is not one this API issued", { cause: parsed.error });
  return parsed.data;
}
