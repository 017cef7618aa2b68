/**
 * Partner use cases: registration (the signing secret is answered this once), secret rotation
 * with a grace period, and the credentials the signature middleware checks requests against.
 * Secrets appear only in the answers of the two operator routes; never in logs or the audit trail.
 */
import type * as z from "../zod.js";
import type { PartnerRegistration, SecretRotation, partnerCreatedSchema, partnerListSchema, partnerSecretSchema } from "../api/registry-schemas.js";
import { ConcurrentUpdateError, NotFoundError, ValidationError } from "../errors.js";
import { type StoredSecret, liveSecrets, newSigningSecret, rotateSecrets } from "../domain/partner.js";
import type { PayoutUrlRules } from "../domain/payout-url.js";
import { type PartnerRecord, insertPartner, partnerPageKeySchema, readPartner, replaceSecrets, scanPartners } from "../store/partners.js";
import { decodeToken, encodeToken } from "../store/page-token.js";
import type { Dependencies } from "./dependencies.js";

export type PartnerCreated = z.infer<typeof partnerCreatedSchema>;
export type PartnerSecret = z.infer<typeof partnerSecretSchema>;
export type PartnerList = z.infer<typeof partnerListSchema>;

export interface PartnerSettings extends PayoutUrlRules {
  /** Payout URL of a partner registered without one. */
  defaultPayoutUrl?: string | undefined;
}

/**
 * GET /admin/partners: a page of partners with when each secret that verifies now was made and
 * when it retires; the secrets themselves never leave the table's item.
 */
export async function listPartners(
  input: Pick<Dependencies<"partners">, "db" | "tables" | "now"> & { query: { limit: number; nextToken?: string | undefined } },
): Promise<PartnerList> {
  const startKey = input.query.nextToken === undefined ? undefined : decodeToken(input.query.nextToken, partnerPageKeySchema);
  const page = await scanPartners(input.db, input.tables.partners, { limit: input.query.limit, startKey });
  const now = input.now();
  const items = page.partners.map((partner) => {
    const live = new Set(liveSecrets(partner.secrets, now));
    return {
      id: partner.id,
      name: partner.name,
      payoutUrl: partner.payoutUrl,
      createdAt: partner.createdAt,
      updatedAt: partner.updatedAt,
      createdBy: partner.createdBy,
      secrets: partner.secrets
        .filter((stored) => live.has(stored.secret))
        .map((stored) => ({ createdAt: stored.createdAt, ...(stored.retiresAt === undefined ? {} : { retiresAt: stored.retiresAt }) })),
    };
  });
  return { items, ...(page.lastKey ? { nextToken: encodeToken(page.lastKey) } : {}) };
}

/** Times a rotation that lost a race to another re-reads and tries again. */
const CONFLICT_ATTEMPTS = 3;

/** POST /admin/partners, its body parsed with `partnerRegistrationSchema(settings)`. */
export async function registerPartner(
  input: Dependencies<"partners" | "audit"> & { registration: PartnerRegistration; operator: string; settings: PartnerSettings; newSecret?: () => string },
): Promise<PartnerCreated> {
  const body = input.registration;
  const payoutUrl = body.payoutUrl ?? input.settings.defaultPayoutUrl;
  if (payoutUrl === undefined) {
    throw new ValidationError("The body is invalid", { details: [{ path: "payoutUrl", message: "is required: this deployment has no default payout URL" }] });
  }
  const at = input.now().toISOString();
  const signingSecret = (input.newSecret ?? newSigningSecret)();
  const partner: PartnerRecord = {
    id: body.id,
    name: body.name,
    payoutUrl,
    secrets: [{ secret: signingSecret, createdAt: at }],
    version: 0,
    createdAt: at,
    updatedAt: at,
    createdBy: input.operator,
  };
  await insertPartner(input.db, input.tables, partner, { action: "partner.register", who: input.operator, at });
  return { id: partner.id, name: partner.name, payoutUrl, signingSecret };
}

/**
 * POST /admin/partners/{id}/rotate-secret `{graceSeconds?}` (absent body: `{}`): a new current
 * secret; earlier ones stay valid for the grace period (24 h by default; 0 revokes them), and
 * secrets whose grace period is over are dropped. The audit item records the grace period.
 */
export async function rotatePartnerSecret(
  input: Dependencies<"partners" | "audit"> & { partnerId: string; operator: string; rotation: SecretRotation; newSecret?: () => string },
): Promise<PartnerSecret> {
  const { graceSeconds } = input.rotation;
  const signingSecret = (input.newSecret ?? newSigningSecret)();
  for (let attempt = 0; attempt < CONFLICT_ATTEMPTS; attempt++) {
    const current = await readPartner(input.db, input.tables.partners, input.partnerId, { consistent: true });
    if (!current) throw new NotFoundError(`Partner ${input.partnerId} not found`);
    const now = input.now();
    const secrets = rotateSecrets(current.secrets, signingSecret, now, graceSeconds);
    const audit = { action: "partner.rotate-secret", who: input.operator, at: now.toISOString() };
    if (await replaceSecrets(input.db, input.tables, current, secrets, audit, { graceSeconds })) return { id: current.id, signingSecret, graceSeconds };
  }
  throw new ConcurrentUpdateError(`Partner ${input.partnerId} kept changing while its secret was being rotated; try again`);
}

/** What a partner's signed request is checked against: who it is, and its secrets with their retirement times. */
export interface PartnerCredentials {
  partner: { id: string; name: string };
  secrets: readonly StoredSecret[];
}

/**
 * The partner's credentials, or undefined for an unknown partner. Read strongly consistent: the
 * partner route caches them for at most 30 s, and that bound on a revoked secret's life holds
 * only if no read after the revocation can still return the secrets from before it.
 */
export async function loadPartnerCredentials(input: Pick<Dependencies<"partners">, "db" | "tables">, partnerId: string): Promise<PartnerCredentials | undefined> {
  const partner = await readPartner(input.db, input.tables.partners, partnerId, { consistent: true });
  return partner ? { partner: { id: partner.id, name: partner.name }, secrets: partner.secrets } : undefined;
}
