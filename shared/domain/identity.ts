/**
 * Linked identities (API.md "Fair allocation and linked identities"): what in a resident's token
 * says who the person is, and the keyed hashes the platform stores instead of the values.
 *
 * A token may carry `phone_number` and `custom:id_hash`. A phone number counts only when
 * `phone_number_verified` is true: anyone may type a victim's number into their profile, and
 * an unverified number that linked would let them use up the victim's limits.
 */
import { createHmac } from "node:crypto";
import * as z from "../zod-mini.js";

/** The identity values a token carries, as the token carries them (never stored). */
export interface TokenIdentities {
  /** A verified phone number; absent when the token has none or it is not verified. */
  readonly phoneNumber?: string;
  /** The `custom:id_hash` claim (a hash of an ID card number made by the identity provider). */
  readonly idHash?: string;
}

/**
 * The keyed hashes of a token's identities: what the platform stores and looks up. Each is
 * HMAC-SHA256(platform key, "<kind>:" + value) in lowercase hex, so the two kinds never collide
 * and nobody without the key can test a guessed number against them.
 */
export interface IdentityHashes {
  readonly phone?: string;
  readonly id?: string;
}

/**
 * A token claim read with `schema`, or undefined when it is absent or malformed: a claim the
 * platform cannot read counts as absent, never as an error. (Written without zod's `catch`,
 * which alone adds about 10 KB to the claim handler's bundle.)
 */
export function claimOrAbsent<S extends z.core.$ZodType>(schema: S) {
  return z.optional(
    z.pipe(
      z.unknown(),
      z.transform((value): z.infer<S> | undefined => {
        const parsed = z.safeParse(schema, value);
        return parsed.success ? parsed.data : undefined;
      }),
    ),
  );
}

/** A claim that is text once trimmed. */
const textClaimSchema = claimOrAbsent(z.string().check(z.trim(), z.minLength(1)));

const identityClaimsSchema = z.object({
  phone_number: textClaimSchema,
  // API Gateway hands every claim on as a string; tests and other authorizers may pass a boolean. Anything else is false.
  phone_number_verified: z.optional(
    z.pipe(
      z.unknown(),
      z.transform((value) => value === true || value === "true"),
    ),
  ),
  "custom:id_hash": textClaimSchema,
});

/**
 * The identities authorizer claims carry: the phone number only when verified, the id hash
 * whenever present. Malformed claims count as absent (a claim the platform cannot read links
 * nobody), never as an error.
 */
export function identitiesFromClaims(claims: unknown): TokenIdentities {
  const parsed = identityClaimsSchema.safeParse(claims);
  if (!parsed.success) return {};
  const { phone_number: phone, phone_number_verified: verified, "custom:id_hash": idHash } = parsed.data;
  return { ...(phone !== undefined && verified ? { phoneNumber: phone } : {}), ...(idHash !== undefined ? { idHash } : {}) };
}

/** Whether the identities name anything to link. */
export function hasIdentities(identities: TokenIdentities | IdentityHashes): boolean {
  return Object.values(identities).some((value) => value !== undefined);
}

/** HMAC-SHA256(key, message) in lowercase hex. */
export function keyedHash(key: string, message: string): string {
  return createHmac("sha256", key).update(message, "utf8").digest("hex");
}

/** The keyed hashes of a token's identities (see {@link IdentityHashes}); the values go no further. */
export function hashIdentities(identities: TokenIdentities, key: string): IdentityHashes {
  return {
    ...(identities.phoneNumber !== undefined ? { phone: keyedHash(key, `phone:${identities.phoneNumber}`) } : {}),
    ...(identities.idHash !== undefined ? { id: keyedHash(key, `id:${identities.idHash}`) } : {}),
  };
}
