/**
 * Linked identities in the vouchers table (docs/data-model.md): which person an identity hash
 * belongs to (`IDENT#<hash>`, first link wins), which person an account counts as
 * (`ACCOUNT#<sub>`), and which resident a partner's card token acts for (`CARD#<partner>#<token>`).
 * Only keyed hashes of phone numbers and id hashes are stored, never the values.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod-mini.js";
import { auditPut, partnerActor } from "./audit.js";
import { batchGetAll, putOnce, transactPutOnce } from "./dynamo.js";
import { accountLinkKey, cardLinkKey, identityLinkKey } from "./keys.js";

const identityLinkSchema = z.object({ personKey: z.string().check(z.minLength(1)) });

/** An account's link: its person key and the identity hashes it was resolved with. */
export const accountLinkSchema = z.object({
  personKey: z.string().check(z.minLength(1)),
  identities: z._default(z.set(z.string()), () => new Set<string>()),
});
export type AccountLink = z.infer<typeof accountLinkSchema>;

const cardLinkSchema = z.object({ partnerId: z.string(), cardToken: z.string(), residentId: z.string(), linkedAt: z.string() });
export type CardLink = z.infer<typeof cardLinkSchema>;

/** Parses an `ACCOUNT#<sub>` item read some other way (e.g. batched with a claim counter). */
export function accountLinkOf(item: Record<string, unknown> | undefined): AccountLink | undefined {
  return item === undefined ? undefined : accountLinkSchema.parse(item);
}

/** The account's link, read strongly consistently; undefined for an account never linked. */
export async function readAccountLink(db: DynamoDBDocumentClient, table: string, sub: string): Promise<AccountLink | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: accountLinkKey(sub), ConsistentRead: true }));
  return accountLinkOf(Item);
}

/** The person an identity hash belongs to, read strongly consistently; undefined when not linked yet. */
export async function readIdentityLink(db: DynamoDBDocumentClient, table: string, identityHash: string): Promise<string | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: identityLinkKey(identityHash), ConsistentRead: true }));
  return Item === undefined ? undefined : identityLinkSchema.parse(Item).personKey;
}

/**
 * Links an identity hash to `personKey` unless it is linked already, and answers the person it
 * belongs to: `personKey` when this call linked it, else the first link's (`attribute_not_exists`,
 * the existing item coming back with the failed condition). Two accounts linking one identity at
 * the same instant therefore both get the one person the first write named.
 */
export async function linkIdentity(db: DynamoDBDocumentClient, table: string, link: { identityHash: string; personKey: string; at: string }): Promise<string> {
  const outcome = await putOnce(
    db,
    { TableName: table, Item: { ...identityLinkKey(link.identityHash), personKey: link.personKey, linkedAt: link.at }, partitionKey: "pk" },
    async () => {
      const { Item } = await db.send(new GetCommand({ TableName: table, Key: identityLinkKey(link.identityHash), ConsistentRead: true }));
      return Item;
    },
  );
  return outcome.created ? link.personKey : identityLinkSchema.parse(outcome.existing).personKey;
}

/**
 * Records the account's person key and the identity hashes it was resolved with. A plain put:
 * every writer computes the person from identity links that never change once written, so
 * concurrent writers of one account with one token write the same thing.
 */
export async function writeAccountLink(db: DynamoDBDocumentClient, table: string, sub: string, link: AccountLink & { at: string }): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: table,
      Item: { ...accountLinkKey(sub), personKey: link.personKey, identities: link.identities, updatedAt: link.at },
    }),
  );
}

/** The audited entity of a card link: the partner's token, `CARD_LINK#<partnerId>/<cardToken>` in GET /admin/audit. */
export const cardLinkEntityId = (partnerId: string, cardToken: string) => `${partnerId}/${cardToken}`;

/**
 * Links a partner's card token to a resident, once, with its audit item in the same transaction
 * (DESIGN.md §6, invariant 8: the partner's write is attributable): answers the link as it
 * stands (this one when created, or the one already there, which may name another resident,
 * and then nothing is written or audited).
 */
export async function linkCard(db: DynamoDBDocumentClient, tables: { vouchers: string; audit: string }, link: CardLink): Promise<{ created: boolean; link: CardLink }> {
  const outcome = await transactPutOnce(
    db,
    { TableName: tables.vouchers, Item: { ...cardLinkKey(link.partnerId, link.cardToken), ...link } },
    [
      auditPut(tables.audit, {
        entityType: "CARD_LINK",
        entityId: cardLinkEntityId(link.partnerId, link.cardToken),
        action: "card.link",
        who: partnerActor(link.partnerId),
        at: link.linkedAt,
        version: 1,
        after: { payerId: link.residentId, linkedAt: link.linkedAt },
      }),
    ],
    () => readCardItem(db, tables.vouchers, link.partnerId, link.cardToken),
  );
  return outcome.created ? { created: true, link } : { created: false, link: cardLinkSchema.parse(outcome.existing) };
}

/** The resident a partner's card token acts for, read strongly consistently; undefined when not linked. */
export async function readCardLink(db: DynamoDBDocumentClient, table: string, partnerId: string, cardToken: string): Promise<CardLink | undefined> {
  const item = await readCardItem(db, table, partnerId, cardToken);
  return item === undefined ? undefined : cardLinkSchema.parse(item);
}

async function readCardItem(db: DynamoDBDocumentClient, table: string, partnerId: string, cardToken: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: cardLinkKey(partnerId, cardToken), ConsistentRead: true }));
  return Item;
}

/**
 * What a partner's payerId is linked to, in one strongly consistent BatchGetItem: the card link of
 * that token at that partner, and the link item of an account of that id (either or both may be
 * absent).
 */
export async function readPayerLinks(
  db: DynamoDBDocumentClient,
  table: string,
  partnerId: string,
  payerId: string,
): Promise<{ card: CardLink | undefined; account: AccountLink | undefined }> {
  const cardKey = cardLinkKey(partnerId, payerId);
  const items = await batchGetAll(db, table, [cardKey, accountLinkKey(payerId)], { consistentRead: true });
  const card = items.find((item) => item.pk === cardKey.pk);
  const account = items.find((item) => item.pk !== cardKey.pk);
  return { card: card === undefined ? undefined : cardLinkSchema.parse(card), account: accountLinkOf(account) };
}
