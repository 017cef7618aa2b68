/**
 * The person key (docs/architecture.md "Linked identities"): whom per-person limits count. An
 * account never linked counts as itself (its `sub`), so counters written before linked
 * identities existed need no migration. Accounts whose tokens carry the same verified phone
 * number or the same id hash count as one person from the moment the platform first sees it.
 *
 * Resolution is a read: the account's link item (`ACCOUNT#<sub>`) records the identity hashes it
 * was resolved with and the person key they gave. Only a token carrying a hash the account item
 * does not record does the linking work, once:
 *  1. the identity links of the token's hashes are read;
 *  2. each hash not linked yet is linked with a conditional put (first writer wins) to the
 *     candidate: the person of the token's id hash, else of its phone, else the account's own
 *     person, else its `sub`; a put that loses a race takes the winner's person instead. The
 *     phone is put before the id hash, and the id hash joins the phone's outcome, so that
 *     accounts racing with one phone converge on one person even when each brings a new id hash;
 *  3. the account's person is the id hash's person, else the phone's (an id card names one human,
 *     a phone number may be shared or passed on), and the account item records it.
 *
 * Rules that follow, on purpose:
 *  - Links are permanent. An identity's first link wins and never moves, and an account keeps its
 *    person when its token stops carrying the claim (an unverified or removed phone number does
 *    not free an account from its person: that would hand it a fresh limit).
 *  - A new identity joins the person of the identities it arrives with. A phone number that later
 *    arrives with another id hash (a new account of the same human, or a number the carrier passed
 *    on to someone else) brings the new id hash into the phone's person. The consequence: a
 *    recycled number merges its new holder with its old one, who then share one limit. Limits may
 *    be too strict for such people, never too loose for anyone.
 *  - An account whose phone belongs to person A and whose id hash belongs to person B counts as
 *    B (the id hash wins); the phone stays A's.
 *  - Nothing is counted twice or moved: claims an account made before it joined a person stay
 *    counted where they were made (links apply from the moment the platform sees them).
 */
import type { IdentityHashes } from "../domain/identity.js";
import { type AccountLink, linkIdentity, readAccountLink, readIdentityLink, readPayerLinks, writeAccountLink } from "../store/identity-links.js";
import { type RetryOptions, withRetries } from "../store/retry.js";
import type { Dependencies } from "./dependencies.js";

/** What resolving a person key needs. */
export type PersonKeyDependencies = Dependencies<"vouchers"> & { retry?: RetryOptions };

/**
 * The person key of an account, from its link item (already read, `undefined` when it has none)
 * and the identity hashes its token carries. No call when the token carries no hash the link
 * item lacks; otherwise the linking work above, once per new hash.
 */
export async function resolvePersonKey(
  input: { sub: string; identities?: IdentityHashes | undefined; account: AccountLink | undefined },
  deps: PersonKeyDependencies,
): Promise<string> {
  const { sub, account } = input;
  const presented = { id: input.identities?.id, phone: input.identities?.phone };
  const hashes = [presented.id, presented.phone].filter((hash): hash is string => hash !== undefined);
  if (hashes.every((hash) => account?.identities.has(hash))) return account?.personKey ?? sub;

  const { db, tables } = deps;
  const retry = <T>(operation: () => Promise<T>) => withRetries(operation, deps.retry);
  const at = deps.now().toISOString();
  const linked = async (hash: string | undefined) => (hash === undefined ? undefined : retry(() => readIdentityLink(db, tables.vouchers, hash)));
  const [idPerson, phonePerson] = await Promise.all([linked(presented.id), linked(presented.phone)]);
  let candidate = idPerson ?? phonePerson ?? account?.personKey ?? sub;
  const link = (identityHash: string) => retry(() => linkIdentity(db, tables.vouchers, { identityHash, personKey: candidate, at }));
  // The phone first, and its outcome is the candidate for the id hash: two accounts racing with
  // one phone and id hashes of their own then both join the phone's winner. Linking the id hash
  // first would give each its own person before the phone put told them apart.
  const phone = presented.phone === undefined ? undefined : (phonePerson ?? (await link(presented.phone)));
  if (phone !== undefined && idPerson === undefined) candidate = phone;
  const id = presented.id === undefined ? undefined : (idPerson ?? (await link(presented.id)));
  const personKey = id ?? phone ?? candidate;
  const identities = new Set([...(account?.identities ?? []), ...hashes]);
  await retry(() => writeAccountLink(db, tables.vouchers, sub, { personKey, identities, at }));
  return personKey;
}

/** Whom a partner's payment acts for: the resident whose vouchers it may use, and the person whose limits it counts. */
export interface Payer {
  /** The resident: the card token's linked resident, else the payerId itself. */
  residentId: string;
  /** The resident's person key (the resident itself when never linked). */
  personKey: string;
}

/**
 * Whom a partner's payerId acts for: a card token linked by that partner acts for its resident
 * (POST /partners/{partnerId}/cards), anything else for itself; either way limits count per
 * person. One strongly consistent read, and a second only for a linked card whose resident has
 * a link item of its own.
 */
export async function resolvePayer(partnerId: string, payerId: string, deps: PersonKeyDependencies): Promise<Payer> {
  const { card, account } = await withRetries(() => readPayerLinks(deps.db, deps.tables.vouchers, partnerId, payerId), deps.retry);
  if (card === undefined) return { residentId: payerId, personKey: account?.personKey ?? payerId };
  const resident = await withRetries(() => readAccountLink(deps.db, deps.tables.vouchers, card.residentId), deps.retry);
  return { residentId: card.residentId, personKey: resident?.personKey ?? card.residentId };
}
