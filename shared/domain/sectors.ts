/**
 * The economic sectors a campaign may subsidise and a merchant belongs to. The list is fixed by
 * the HTTP contract (docs/openapi.json); adding one is a contract change.
 */
import * as z from "../zod.js";
import { SECTORS } from "./stored-campaign.js";

// The list lives with the zod mini schemas of a stored campaign, which the claim path reads.
export { SECTORS };

export const sectorSchema = z.enum(SECTORS);

export type Sector = z.infer<typeof sectorSchema>;
