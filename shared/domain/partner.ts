/**
 * A partner's signing secrets and their rotation. A partner has one current secret; rotating
 * adds a new one and gives every earlier secret a retirement time a grace period ahead (24 h by
 * default), so requests signed with the old secret keep verifying while the partner switches
 * over. A grace period of 0 revokes them: a secret that leaked is cut off. Retired secrets are
 * dropped. Pure, apart from drawing random bytes.
 */
import { randomBytes } from "node:crypto";

/** The grace period of a rotation that names none, in seconds (24 h). */
export const DEFAULT_GRACE_SECONDS = 86_400;
/** The longest grace period a rotation may give, in seconds. */
export const MAX_GRACE_SECONDS = 86_400;

/** How long a replaced secret stays valid after a rotation by default. */
export const SECRET_GRACE_MS = DEFAULT_GRACE_SECONDS * 1000;

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
 * The secrets after a rotation at `now` to `fresh` with a grace period of `graceSeconds`
 * (integer, 0 … {@link MAX_GRACE_SECONDS}): every earlier secret retires when the grace period
 * ends, or earlier if it was already due to (a shorter grace period shortens those of earlier
 * rotations; a longer one never extends them). Secrets retired by `now` are dropped, so with 0
 * only `fresh` is kept. Throws a RangeError for any other grace period (the API refuses it first).
 */
export function rotateSecrets(secrets: readonly StoredSecret[], fresh: string, now: Date, graceSeconds: number = DEFAULT_GRACE_SECONDS): StoredSecret[] {
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
    throw new RangeError(`graceSeconds must be an integer from 0 to ${MAX_GRACE_SECONDS}, got ${graceSeconds}`);
  }
  const at = now.getTime();
  const graceEnds = at + graceSeconds * 1000;
  const kept = secrets
    .map((secret) => ({ secret, retiresAt: Math.min(secret.retiresAt === undefined ? graceEnds : Date.parse(secret.retiresAt), graceEnds) }))
    // Retired by now: dropped, so a revoked secret is not even kept at rest.
    .filter(({ retiresAt }) => retiresAt > at)
    .map(({ secret, retiresAt }) => ({ ...secret, retiresAt: new Date(retiresAt).toISOString() }));
  return [...kept, { secret: fresh, createdAt: now.toISOString() }];
}
