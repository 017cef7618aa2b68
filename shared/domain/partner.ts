/**
 * A partner's signing secrets and their rotation. A partner has one current secret; rotating
 * adds a new one and gives every current secret a retirement time {@link SECRET_GRACE_MS} ahead,
 * so requests signed with the old secret keep verifying while the partner switches over. Secrets
 * retired by then are dropped at the next rotation. Pure, apart from drawing random bytes.
 */
import { randomBytes } from "node:crypto";

/** How long a replaced secret stays valid after a rotation. */
export const SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

/** Random bytes in a signing secret. */
export const SECRET_BYTES = 32;

export interface StoredSecret {
  readonly secret: string;
  readonly createdAt: string;
  /** When a replaced secret stops verifying; absent on the current one. */
  readonly retiresAt?: string;
}

/** A new secret: {@link SECRET_BYTES} random bytes, base64url (43 characters). */
export function newSigningSecret(): string {
  return randomBytes(SECRET_BYTES).toString("base64url");
}

/** The secrets that verify a request at `now`: the current one and those still in their grace period. */
export function liveSecrets(secrets: readonly StoredSecret[], now: Date): string[] {
  return secrets.filter((secret) => secret.retiresAt === undefined || Date.parse(secret.retiresAt) > now.getTime()).map((s) => s.secret);
}

/**
 * The secrets after a rotation at `now` to `fresh`: those already retired are dropped, current
 * ones retire after the grace period, earlier grace periods are kept as they were, and `fresh`
 * becomes the current secret.
 */
export function rotateSecrets(secrets: readonly StoredSecret[], fresh: string, now: Date): StoredSecret[] {
  const at = now.toISOString();
  const retiresAt = new Date(now.getTime() + SECRET_GRACE_MS).toISOString();
  const kept = secrets
    .filter((secret) => secret.retiresAt === undefined || Date.parse(secret.retiresAt) > now.getTime())
    .map((secret) => (secret.retiresAt === undefined ? { ...secret, retiresAt } : secret));
  return [...kept, { secret: fresh, createdAt: at }];
}
