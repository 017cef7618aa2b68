/**
 * Linked identities on DynamoDB Local (API.md "Fair allocation and linked identities"): accounts
 * whose tokens carry the same verified phone number or id hash are one person for the claim
 * limit (under real concurrency), registration and instant per-payer limits; an unverified phone
 * links nobody; an account never linked claims exactly as before (same items, same calls); a
 * card token a partner linked acts for its resident at payments.
 */
import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import type { PaymentAnswer } from "../../shared/api/payment-schemas.js";
import { type IdentityHashes, hashIdentities } from "../../shared/domain/identity.js";
import { CardLinkedElsewhereError, LimitReachedError, NotRegisteredError } from "../../shared/errors.js";
import { callerFromClaims, callerIdentityHashes } from "../../shared/http/caller.js";
import { accountLinkKey, claimCounterKey, merchantKey } from "../../shared/store/keys.js";
import { listVouchers } from "../../shared/store/vouchers.js";
import { linkCardToResident } from "../../shared/use-cases/card-links.js";
import { listAudit } from "../../shared/use-cases/audit.js";
import { auditEntitySchema } from "../../shared/api/registry-schemas.js";
import { ClaimCaches, type ClaimDependencies, claimVoucher } from "../../shared/use-cases/claim.js";
import { InstantCaches } from "../../shared/use-cases/instant-discounts.js";
import { type PaymentDependencies, recordPayment, recordRefund } from "../../shared/use-cases/payments.js";
import { resolvePersonKey } from "../../shared/use-cases/person-key.js";
import { registerForCampaign } from "../../shared/use-cases/registration.js";
import { platform } from "../../shared/wiring/platform.js";
import { seedCampaign } from "../support/seed.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";

const { db } = testClients();
const KEY = "test-identity-hash-key";
let tables: PaymentDependencies["tables"] & { audit: string };

beforeAll(async () => {
  const resources = await provisionTestResources(platform, "linked");
  tables = tableNamesOf(resources, ["campaigns", "inventory", "vouchers", "merchants", "redemptions", "audit"]);
});

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
/** A phone number of its own per test, so tests never link each other's accounts. */
const phone = () => `+86138${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
const hashes = (values: { phoneNumber?: string; idHash?: string }): IdentityHashes => hashIdentities(values, KEY);

function claimDeps(client: DynamoDBDocumentClient = db): ClaimDependencies {
  return { db: client, tables, caches: new ClaimCaches(), now: () => new Date(), random: Math.random, retry: { sleep: () => Promise.resolve() } };
}

async function claim(residentId: string, campaignId: string, identities?: IdentityHashes, deps = claimDeps()) {
  return claimVoucher({ residentId, campaignId, dropId: "d1", voucherTypeId: "100-30", ...(identities ? { identities } : {}) }, deps);
}

/** `attempts` claims at once, taking turns over the accounts, each on a function instance of its own: "claimed" or "limit" each. */
async function race(attempts: number, campaignId: string, accounts: readonly { sub: string; identities: IdentityHashes }[]) {
  return Promise.all(
    Array.from({ length: attempts }, (_, i) => {
      const account = accounts[i % accounts.length]!;
      return claim(account.sub, campaignId, account.identities, claimDeps()).then(
        () => "claimed" as const,
        (error: unknown) => {
          if (error instanceof LimitReachedError) return "limit" as const;
          throw error;
        },
      );
    }),
  );
}

async function campaign(options: { perPersonLimit?: number; stock?: number; audience?: "registered" } = {}): Promise<string> {
  const id = unique("c");
  await seedCampaign(db, tables, {
    id,
    perPersonLimit: options.perPersonLimit ?? 1,
    drops: [{ id: "d1", stock: { "100-30": options.stock ?? 20 }, shards: 2, ...(options.audience ? { audience: options.audience } : {}) }],
  });
  return id;
}

async function item(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
  return (await db.send(new GetCommand({ TableName: tables.vouchers, Key: key, ConsistentRead: true }))).Item;
}

/**
 * The calls a claim makes, but the campaign's read: that one is cached per instance for a second,
 * so on a slow run it may come back between two claims; what is counted here is the link's cost.
 */
const withoutCampaignRead = (made: readonly string[]) => made.filter((command) => command !== "QueryCommand");

describe("linked accounts and the per-person limit", { timeout: 60_000 }, () => {
  it("gives two accounts sharing a verified phone, racing 10 attempts with limit 1, exactly one voucher", async () => {
    const campaignId = await campaign();
    const shared = hashes({ phoneNumber: phone() });
    const accounts = [unique("alice"), unique("alice-work")];

    const outcomes = await race(10, campaignId, accounts.map((sub) => ({ sub, identities: shared })));

    expect(outcomes.filter((o) => o === "claimed")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "limit")).toHaveLength(9);
    // The voucher is the claiming account's: in its wallet only.
    const wallets = await Promise.all(accounts.map((account) => listVouchers(db, tables.vouchers, account)));
    expect(wallets.map((wallet) => wallet.length).sort()).toEqual([0, 1]);
    const owner = accounts[wallets.findIndex((wallet) => wallet.length === 1)]!;
    expect(wallets.flat()[0]).toMatchObject({ owner, campaignId });
    // Both accounts name one person.
    const links = await Promise.all(accounts.map((account) => item(accountLinkKey(account))));
    expect(new Set(links.map((link) => link?.personKey)).size).toBe(1);
  });

  it("holds the limit when the two accounts sharing the phone each bring an id hash never seen before", async () => {
    const campaignId = await campaign();
    const number = phone();
    const accounts = [unique("ada"), unique("ada-2")].map((sub) => ({ sub, identities: hashes({ phoneNumber: number, idHash: unique("id") }) }));

    const outcomes = await race(10, campaignId, accounts);

    expect(outcomes.filter((o) => o === "claimed")).toHaveLength(1);
  });

  it("does not link accounts whose tokens carry the same phone number unverified", async () => {
    const campaignId = await campaign();
    const number = phone();
    const accounts = [unique("bob"), unique("bob-2")];
    const identities = accounts.map((sub) => callerIdentityHashes(callerFromClaims({ sub, phone_number: number, phone_number_verified: "false" })!, () => KEY));
    expect(identities).toEqual([undefined, undefined]);

    for (const account of accounts) await claim(account, campaignId, undefined);

    expect((await Promise.all(accounts.map((account) => listVouchers(db, tables.vouchers, account)))).map((wallet) => wallet.length)).toEqual([1, 1]);
  });

  it("links accounts that share an id hash, whatever their phones", async () => {
    const campaignId = await campaign();
    const idHash = unique("idcard");
    await claim(unique("carol"), campaignId, hashes({ idHash, phoneNumber: phone() }));
    await expect(claim(unique("carol-2"), campaignId, hashes({ idHash, phoneNumber: phone() }))).rejects.toBeInstanceOf(LimitReachedError);
  });

  it("claims for an account never linked exactly as before: the account's own counter, no link item, the same DynamoDB calls", async () => {
    const campaignId = await campaign();
    const resident = unique("dave");
    // The campaign read is cached per instance; a first claim by someone else warms it.
    const deps = claimDeps(countingClient(db));
    await claim(unique("warm"), campaignId, undefined, deps);
    calls.length = 0;

    await claim(resident, campaignId, undefined, deps);

    // One read of the counter (batched with the account's link item), one shard take, the
    // counter's slot, the voucher: the 3-WCU claim, no transaction.
    expect(withoutCampaignRead(calls)).toEqual(["BatchGetCommand", "UpdateCommand", "UpdateCommand", "PutCommand"]);
    expect(await item(accountLinkKey(resident))).toBeUndefined();
    expect(await item(claimCounterKey(resident, campaignId))).toMatchObject({ claimed: 1 });
    await expect(claim(resident, campaignId)).rejects.toBeInstanceOf(LimitReachedError);
  });

  it("costs a linked account whose link is known one read more, and a first-seen identity its link writes once", async () => {
    const campaignId = await campaign({ perPersonLimit: 2 });
    const shared = hashes({ phoneNumber: phone() });
    const deps = claimDeps(countingClient(db));
    await claim(unique("warm"), campaignId, undefined, deps);
    const [first, second] = [unique("erin"), unique("erin-2")];
    await claim(first, campaignId, shared, deps);

    calls.length = 0;
    await claim(second, campaignId, shared, deps);
    // First seen: its link item (with its own counter) and the identity's link read, its link item
    // written, the person's counter read; then the shard, the person's slot, the wallet reference on
    // the account's own item, the voucher.
    expect(withoutCampaignRead(calls)).toEqual(["BatchGetCommand", "GetCommand", "PutCommand", "GetCommand", "UpdateCommand", "UpdateCommand", "UpdateCommand", "PutCommand"]);

    calls.length = 0;
    await expect(claim(second, campaignId, shared, deps)).rejects.toBeInstanceOf(LimitReachedError);
    // Known: the batched read, then the person's counter. No write.
    expect(withoutCampaignRead(calls)).toEqual(["BatchGetCommand", "GetCommand"]);
  });
});

describe("the link rules", () => {
  const deps = () => ({ db, tables, now: () => new Date() });

  it("keeps an account in its person when its token stops carrying the phone", async () => {
    const campaignId = await campaign();
    const shared = hashes({ phoneNumber: phone() });
    const [first, second] = [unique("fay"), unique("fay-2")];
    await claim(first, campaignId, shared);
    await expect(claim(second, campaignId, shared)).rejects.toBeInstanceOf(LimitReachedError);
    // The second account's phone is no longer verified: it stays linked, no fresh limit.
    await expect(claim(second, campaignId, undefined)).rejects.toBeInstanceOf(LimitReachedError);
  });

  it("brings a new id hash arriving with a linked phone into the phone's person (first link wins)", async () => {
    const number = phone();
    const owner = unique("gus");
    const person = await resolvePersonKey({ sub: owner, identities: hashes({ phoneNumber: number, idHash: unique("id") }), account: undefined }, deps());
    expect(person).toBe(owner);
    const newcomer = unique("gus-new");
    expect(await resolvePersonKey({ sub: newcomer, identities: hashes({ phoneNumber: number, idHash: unique("id") }), account: undefined }, deps())).toBe(owner);
  });

  it("counts an account whose phone is one person's and id hash another's as the id hash's person", async () => {
    const number = phone();
    const idHash = unique("id");
    const phonePerson = unique("hana");
    const idPerson = unique("ivan");
    await resolvePersonKey({ sub: phonePerson, identities: hashes({ phoneNumber: number }), account: undefined }, deps());
    await resolvePersonKey({ sub: idPerson, identities: hashes({ idHash }), account: undefined }, deps());
    const both = unique("both");
    expect(await resolvePersonKey({ sub: both, identities: hashes({ phoneNumber: number, idHash }), account: undefined }, deps())).toBe(idPerson);
    // The phone stays the first person's.
    expect(await resolvePersonKey({ sub: unique("later"), identities: hashes({ phoneNumber: number }), account: undefined }, deps())).toBe(phonePerson);
  });

  it("stores keyed hashes only, never the phone number or id hash", async () => {
    const number = phone();
    const idHash = unique("idvalue");
    const sub = unique("jay");
    await resolvePersonKey({ sub, identities: hashes({ phoneNumber: number, idHash }), account: undefined }, deps());
    const { Items } = await db.send(new ScanCommand({ TableName: tables.vouchers, ConsistentRead: true }));
    const stored = JSON.stringify(Items, (_key, value: unknown) => (value instanceof Set ? [...(value as Set<unknown>)] : value));
    expect(stored).toContain(sub);
    expect(stored).not.toContain(number);
    expect(stored).not.toContain(number.slice(3));
    expect(stored).not.toContain(idHash);
  });

  it("registers per person: an account of a registered person may claim in a drop for registered residents", async () => {
    const campaignId = await campaign({ audience: "registered" });
    const shared = hashes({ phoneNumber: phone() });
    const [registered, other] = [unique("kim"), unique("kim-2")];
    await expect(claim(other, campaignId, shared)).rejects.toBeInstanceOf(NotRegisteredError);
    await registerForCampaign({ ...deps(), residentId: registered, identities: shared, campaignId });
    await expect(claim(other, campaignId, shared)).resolves.toMatchObject({ campaignId });
  });
});

/** A partner, an approved merchant of its and a campaign with an instant discount (perPayer total 1) for it; payments by that partner. */
async function cardWorld(options: { refundPolicy?: "void" | "restore"; drops?: boolean }) {
  const campaignId = unique("c");
  const partnerId = unique("bank");
  await seedCampaign(db, tables, {
    id: campaignId,
    perPersonLimit: 1,
    refundPolicy: options.refundPolicy ?? "void",
    drops: options.drops ? [{ id: "d1", stock: { "100-30": 5 }, shards: 1 }] : [],
    instantDiscounts: [{ id: "swipe", tiers: [{ threshold: 10_000, discount: 2_000 }], quota: { total: 100 }, perPayer: { total: 1 }, partners: [partnerId] }],
  });
  const merchantId = unique("m");
  const now = new Date().toISOString();
  await db.send(
    new PutCommand({
      TableName: tables.merchants,
      Item: { ...merchantKey(merchantId), id: merchantId, name: "Shop", sector: "supermarket", partnerId, status: "APPROVED", version: 1, createdAt: now, updatedAt: now },
    }),
  );
  const payDeps: PaymentDependencies = { db, tables, now: () => new Date(), instantCaches: new InstantCaches({ campaignIdsTtlMs: 0, soldOutTtlMs: 0 }) };
  const at = () => new Date(Date.now() - 1_000).toISOString();
  const pay = (payerId: string, transactionId = unique("t")): Promise<PaymentAnswer> =>
    recordPayment({ partnerId, body: { eventId: unique("e"), transactionId, merchantId, payerId, amount: 12_000, occurredAt: at() } }, payDeps);
  const refund = (transactionId: string) => recordRefund({ partnerId, body: { eventId: unique("e"), transactionId, occurredAt: at() } }, payDeps);
  return { campaignId, partnerId, pay, refund };
}

describe("a card token a partner linked", { timeout: 60_000 }, () => {
  const linkDeps = () => ({ db, tables, now: () => new Date() });

  it("pays with the resident's voucher, then counts the resident's instant per-payer limit, shared with its linked account", async () => {
    const { campaignId, partnerId, pay } = await cardWorld({ drops: true });
    const shared = hashes({ phoneNumber: phone() });
    const [resident, otherAccount] = [unique("lin"), unique("lin-2")];
    const voucher = await claim(resident, campaignId, shared);
    await resolvePersonKey({ sub: otherAccount, identities: shared, account: undefined }, linkDeps());
    const cardToken = unique("tok");

    const linked = await linkCardToResident({ partnerId, body: { payerId: resident, cardToken } }, linkDeps());
    expect(linked).toMatchObject({ created: true, link: { partnerId, cardToken, payerId: resident } });
    expect(await linkCardToResident({ partnerId, body: { payerId: resident, cardToken } }, linkDeps())).toEqual({ created: false, link: linked.link });
    await expect(linkCardToResident({ partnerId, body: { payerId: unique("thief"), cardToken } }, linkDeps())).rejects.toBeInstanceOf(CardLinkedElsewhereError);
    // Attributable (invariant 8): one audit item by the partner, none for the repeat or the refusal.
    const trail = await listAudit({ db, tables, query: { entity: auditEntitySchema.parse(`CARD_LINK#${partnerId}/${cardToken}`), limit: 10 } });
    expect(trail.items).toEqual([
      expect.objectContaining({ entity: `CARD_LINK#${partnerId}/${cardToken}`, action: "card.link", who: `partner:${partnerId}`, after: { payerId: resident, linkedAt: linked.link.linkedAt } }),
    ]);

    // The card's payment uses the resident's voucher.
    expect(await pay(cardToken)).toMatchObject({ campaignId, voucherId: voucher.voucherId, discount: 3_000 });
    // No voucher left: the instant discount, on the resident's person's per-payer limit.
    expect(await pay(cardToken)).toMatchObject({ instantDiscountId: "swipe", discount: 2_000 });
    // The resident paying by id, and its linked account, are the same person: limit reached.
    expect(await pay(resident)).toMatchObject({ reason: "PAYER_LIMIT_REACHED" });
    expect(await pay(otherAccount)).toMatchObject({ reason: "PAYER_LIMIT_REACHED" });
    // A card nobody linked is a payer of its own, as before.
    expect(await pay(unique("tok-unlinked"))).toMatchObject({ instantDiscountId: "swipe" });
  });

  it("has a restore refund of its instant discount free the slot on the resident's person, not on the card token", async () => {
    const { partnerId, pay, refund } = await cardWorld({ refundPolicy: "restore" });
    const resident = unique("ona");
    const cardToken = unique("tok");
    await linkCardToResident({ partnerId, body: { payerId: resident, cardToken } }, linkDeps());

    const transactionId = unique("t");
    expect(await pay(cardToken, transactionId)).toMatchObject({ instantDiscountId: "swipe" });
    expect(await pay(resident)).toMatchObject({ reason: "PAYER_LIMIT_REACHED" });

    expect((await refund(transactionId)).reversed).toBe(true);
    // The slot went back to the resident's person: the resident may use the discount again.
    expect(await pay(resident)).toMatchObject({ instantDiscountId: "swipe" });
  });
});

/** The commands a client sends, by name, in order (shared by the clients countingClient made). */
const calls: string[] = [];

/** The client, recording each command it sends into {@link calls}. */
function countingClient(client: DynamoDBDocumentClient): DynamoDBDocumentClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== "send") return Reflect.get(target, property, receiver) as unknown;
      return (command: { constructor: { name: string } }, ...rest: unknown[]) => {
        calls.push(command.constructor.name);
        return (target.send as (...args: unknown[]) => Promise<unknown>).call(target, command, ...rest);
      };
    },
  });
}
