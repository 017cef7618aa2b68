/**
 * The economic sectors a campaign may subsidise and a merchant belongs to. The list is fixed by
 * the HTTP contract (docs/openapi.json); adding one is a contract change.
 */
import * as z from "../zod.js";

export const SECTORS = [
  "supermarket",
  "department_store",
  "appliance",
  "restaurant",
  "fuel",
  "tourism",
  "hotel",
  "entertainment",
  "auto",
  "other",
] as const;

export const sectorSchema = z.enum(SECTORS);

export type Sector = z.infer<typeof sectorSchema>;
