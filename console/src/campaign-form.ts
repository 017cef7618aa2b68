/**
 * The campaign editor's pure half: the form's values (money in yuan, times as the wall clock of
 * the campaign's zone) to and from the campaign document the API takes (fen, ISO instants with
 * offset), the live budget arithmetic, and which form field an API issue's path names. The budget
 * arithmetic is the API's own `committedSubsidy` (shared/domain/campaign.ts). Unit-tested in
 * test/unit/console-campaign-form.test.ts.
 */
import { committedSubsidy } from "../../shared/domain/campaign.js";
import { zonedTimestamp } from "../../shared/domain/settlement.js";
import type { components } from "./api/openapi.js";

/** A voucher type as the form holds it. */
export interface VoucherTypeFields {
  id?: string;
  threshold?: number;
  discount?: number;
  validDays?: number;
  validUntil?: string;
}

/** A drop as the form holds it: stock by voucher type id, times as local wall clock. */
export interface DropFields {
  id?: string;
  opensAt?: string;
  closesAt?: string;
  stock?: Record<string, number | null | undefined>;
  shards?: number;
  expectedAttemptsPerSecond?: number;
  repeat?: { every?: "P1D" | "P1W"; times?: number };
  audience?: "everyone" | "registered";
  lottery?: boolean;
  registration?: { opensAt?: string; closesAt?: string };
  drawAt?: string;
}

/** An instant discount as the form holds it (tiers in yuan). */
export interface InstantDiscountFields {
  id?: string;
  tiers?: { threshold?: number; discount?: number }[];
  quota?: { total?: number; daily?: number };
  perPayer?: { total?: number; daily?: number };
  window?: { daysOfWeek?: number[]; from?: string; to?: string };
  partners?: string[];
}

/** The editor's values: the campaign document's shape, money in yuan and times local. */
export interface CampaignFields {
  id?: string;
  name?: string;
  timezone?: string;
  budget?: number;
  startsAt?: string;
  endsAt?: string;
  perPersonLimit?: number;
  sectors?: string[];
  refundPolicy?: "void" | "restore";
  rollover?: boolean;
  voucherTypes?: VoucherTypeFields[];
  drops?: DropFields[];
  instantDiscounts?: InstantDiscountFields[];
}

/**
 * Yuan as typed (at most two decimals) to integer fen, exactly: 1.15 → 115, never 114. Anything
 * else (empty, more decimals) is passed on as it is, for the API to refuse at its field.
 */
export function yuanToFen(yuan: number | null | undefined): number | undefined {
  if (yuan === null || yuan === undefined || !Number.isFinite(yuan)) return undefined;
  // The number's shortest decimal text, read as digits: no binary fraction gets multiplied.
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(yuan));
  if (!match) return yuan * 100;
  const fen = Number(match[2]) * 100 + Number((match[3] ?? "").padEnd(2, "0"));
  return match[1] === "-" ? -fen : fen;
}

/** Fen to yuan for a form field (a number input shows two decimals). */
export function fenToYuanField(fen: number): number {
  return fen / 100;
}

const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})$/;

/**
 * A wall-clock time "YYYY-MM-DD HH:mm" in `timeZone` as an ISO instant with that zone's offset
 * ("2026-12-05T10:00:00+08:00"). Text that is not such a time is returned as it is, so the API
 * names the field. A time a daylight-saving change skips resolves with the offset then in force.
 */
export function localToInstant(text: string | undefined, timeZone: string): string | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const match = LOCAL_TIME.exec(text.trim());
  if (!match) return text;
  const wallAsUtc = Date.parse(`${match[1]}T${match[2]}:${match[3]}:00Z`);
  if (Number.isNaN(wallAsUtc)) return text;
  let guess = wallAsUtc;
  try {
    // The zone's offset at the guess, read again at the result (near a change it differs).
    for (let i = 0; i < 3; i++) {
      const next = wallAsUtc - offsetMs(new Date(guess), timeZone);
      if (next === guess) break;
      guess = next;
    }
    return zonedTimestamp(new Date(guess), timeZone).iso;
  } catch {
    // Not a time zone: the API names the timezone field.
    return text;
  }
}

/** An ISO instant as the wall clock "YYYY-MM-DD HH:mm" of `timeZone`. */
export function instantToLocal(instant: string, timeZone: string): string {
  return zonedTimestamp(new Date(instant), timeZone).text.slice(0, 16);
}

function offsetMs(instant: Date, timeZone: string): number {
  const iso = zonedTimestamp(instant, timeZone).iso;
  const match = /([+-])(\d{2}):(\d{2})$/.exec(iso);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return (match[1] === "-" ? -1 : 1) * minutes * 60_000;
}

function defined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null && v !== "")) as Partial<T>;
}

/** A drop's fields as the API's drop document (POST …/drops, or an entry of `drops`). */
export function toDropDocument(drop: DropFields, timeZone: string): Record<string, unknown> {
  const stock = Object.fromEntries(Object.entries(drop.stock ?? {}).filter((entry): entry is [string, number] => typeof entry[1] === "number"));
  const repeat = drop.repeat?.every ? defined({ every: drop.repeat.every, times: drop.repeat.times }) : undefined;
  const lottery = drop.lottery === true;
  return defined({
    id: drop.id,
    opensAt: localToInstant(drop.opensAt, timeZone),
    closesAt: localToInstant(drop.closesAt, timeZone),
    stock,
    shards: drop.shards,
    expectedAttemptsPerSecond: drop.expectedAttemptsPerSecond,
    repeat,
    audience: drop.audience === "registered" ? "registered" : undefined,
    allocation: lottery ? "lottery" : undefined,
    registration: lottery
      ? defined({ opensAt: localToInstant(drop.registration?.opensAt, timeZone), closesAt: localToInstant(drop.registration?.closesAt, timeZone) })
      : undefined,
    drawAt: lottery ? localToInstant(drop.drawAt, timeZone) : undefined,
  });
}

/** The form's values as the campaign document of POST /admin/campaigns and PUT /admin/campaigns/{id}. */
export function toCampaignDocument(fields: CampaignFields): Record<string, unknown> {
  const timeZone = fields.timezone || "Asia/Shanghai";
  const instantDiscounts = (fields.instantDiscounts ?? []).map((discount) =>
    defined({
      id: discount.id,
      tiers: (discount.tiers ?? []).map((tier) => defined({ threshold: yuanToFen(tier.threshold), discount: yuanToFen(tier.discount) })),
      quota: defined({ total: discount.quota?.total, daily: discount.quota?.daily }),
      perPayer: discount.perPayer?.total || discount.perPayer?.daily ? defined({ total: discount.perPayer.total, daily: discount.perPayer.daily }) : undefined,
      window:
        discount.window?.daysOfWeek?.length || discount.window?.from || discount.window?.to
          ? defined({ daysOfWeek: discount.window.daysOfWeek?.length ? [...discount.window.daysOfWeek].sort() : undefined, from: discount.window.from, to: discount.window.to })
          : undefined,
      partners: discount.partners?.length ? discount.partners : undefined,
    }),
  );
  return defined({
    id: fields.id,
    name: fields.name,
    timezone: timeZone,
    budget: yuanToFen(fields.budget),
    startsAt: localToInstant(fields.startsAt, timeZone),
    endsAt: localToInstant(fields.endsAt, timeZone),
    perPersonLimit: fields.perPersonLimit,
    sectors: fields.sectors ?? [],
    refundPolicy: fields.refundPolicy,
    rollover: fields.rollover ?? false,
    voucherTypes: (fields.voucherTypes ?? []).map((type) =>
      defined({
        id: type.id,
        threshold: yuanToFen(type.threshold),
        discount: yuanToFen(type.discount),
        validDays: type.validDays,
        validUntil: localToInstant(type.validUntil, timeZone),
      }),
    ),
    drops: (fields.drops ?? []).map((drop) => toDropDocument(drop, timeZone)),
    instantDiscounts: instantDiscounts.length > 0 ? instantDiscounts : undefined,
  });
}

/** What the editor reads of a campaign the API answers (GET /admin/campaigns/{id}, or one just parsed). */
type CampaignAnswer = Pick<
  components["schemas"]["Campaign"],
  "id" | "name" | "timezone" | "budget" | "startsAt" | "endsAt" | "perPersonLimit" | "sectors" | "refundPolicy" | "rollover" | "voucherTypes" | "drops" | "instantDiscounts"
>;

/** A campaign as the API answers it, as the editor's values. */
export function toCampaignFields(campaign: CampaignAnswer): CampaignFields {
  const zone = campaign.timezone;
  const local = (instant: string | undefined) => (instant === undefined ? undefined : instantToLocal(instant, zone));
  return {
    id: campaign.id,
    name: campaign.name,
    timezone: zone,
    budget: fenToYuanField(campaign.budget),
    startsAt: local(campaign.startsAt),
    endsAt: local(campaign.endsAt),
    perPersonLimit: campaign.perPersonLimit,
    sectors: campaign.sectors,
    refundPolicy: campaign.refundPolicy,
    rollover: campaign.rollover,
    voucherTypes: campaign.voucherTypes.map((type) =>
      defined({ id: type.id, threshold: fenToYuanField(type.threshold), discount: fenToYuanField(type.discount), validDays: type.validDays, validUntil: local(type.validUntil) }),
    ),
    drops: campaign.drops.map((drop) =>
      defined({
        id: drop.id,
        opensAt: local(drop.opensAt),
        closesAt: local(drop.closesAt),
        stock: drop.stock,
        shards: drop.shards,
        expectedAttemptsPerSecond: drop.expectedAttemptsPerSecond,
        audience: drop.audience,
        lottery: drop.allocation === "lottery" ? true : undefined,
        registration: drop.registration ? { opensAt: local(drop.registration.opensAt), closesAt: local(drop.registration.closesAt) } : undefined,
        drawAt: local(drop.drawAt),
      }),
    ),
    instantDiscounts: (campaign.instantDiscounts ?? []).map((discount) => ({
      id: discount.id,
      tiers: (discount.tiers ?? []).map((tier) => ({
        threshold: tier.threshold === undefined ? undefined : fenToYuanField(tier.threshold),
        discount: tier.discount === undefined ? undefined : fenToYuanField(tier.discount),
      })),
      quota: { total: discount.quota?.total, daily: discount.quota?.daily },
      ...(discount.perPayer ? { perPayer: discount.perPayer } : {}),
      ...(discount.window ? { window: discount.window } : {}),
      ...(discount.partners ? { partners: discount.partners } : {}),
    })),
  };
}

/** The budget and what the document commits against it, in fen. */
export interface BudgetArithmetic {
  budget: number;
  committed: number;
  /** budget − committed; negative when over. */
  left: number;
}

const positiveSafe = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n > 0;

/**
 * Σ stock × discount (every occurrence of a repeating drop) + Σ instant quota.total × largest
 * tier, against the budget: the API's committedSubsidy over the document the form would send.
 * Undefined while a figure it needs is missing or not whole fen (the API would name that field).
 */
export function budgetArithmetic(document: Record<string, unknown>): BudgetArithmetic | undefined {
  const budget = document.budget;
  if (typeof budget !== "number" || !Number.isSafeInteger(budget) || budget < 0) return undefined;
  const voucherTypes = (document.voucherTypes ?? []) as { id?: unknown; discount?: unknown }[];
  const drops = (document.drops ?? []) as { stock?: Record<string, unknown>; repeat?: { times?: unknown } }[];
  const instantDiscounts = (document.instantDiscounts ?? []) as { quota?: { total?: unknown }; tiers?: { discount?: unknown }[] }[];
  if (!voucherTypes.every((type) => typeof type.id === "string" && positiveSafe(type.discount))) return undefined;
  if (!drops.every((drop) => Object.values(drop.stock ?? {}).every(positiveSafe) && (drop.repeat === undefined || positiveSafe(drop.repeat.times)))) return undefined;
  if (!instantDiscounts.every((discount) => positiveSafe(discount.quota?.total) && (discount.tiers ?? []).length > 0 && (discount.tiers ?? []).every((tier) => positiveSafe(tier.discount)))) {
    return undefined;
  }
  try {
    const committed = committedSubsidy(document as unknown as Parameters<typeof committedSubsidy>[0]);
    return { budget, committed, left: budget - committed };
  } catch {
    // Past the safe integers: the API refuses that at `drops`.
    return undefined;
  }
}

/** Field names the editor shows, as patterns over an API issue's dotted path (n = an index, * = any key). */
const FIELD_PATTERNS = [
  "id", "name", "timezone", "budget", "startsAt", "endsAt", "perPersonLimit", "sectors", "refundPolicy", "rollover",
  "voucherTypes.n.id", "voucherTypes.n.threshold", "voucherTypes.n.discount", "voucherTypes.n.validDays", "voucherTypes.n.validUntil",
  "drops.n.id", "drops.n.opensAt", "drops.n.closesAt", "drops.n.stock.*", "drops.n.shards", "drops.n.expectedAttemptsPerSecond",
  "drops.n.repeat.every", "drops.n.repeat.times", "drops.n.audience", "drops.n.registration.opensAt", "drops.n.registration.closesAt", "drops.n.drawAt",
  "instantDiscounts.n.id", "instantDiscounts.n.tiers.n.threshold", "instantDiscounts.n.tiers.n.discount", "instantDiscounts.n.quota.total",
  "instantDiscounts.n.quota.daily", "instantDiscounts.n.perPayer.total", "instantDiscounts.n.perPayer.daily", "instantDiscounts.n.window.daysOfWeek",
  "instantDiscounts.n.window.from", "instantDiscounts.n.window.to", "instantDiscounts.n.partners",
].map((pattern) => pattern.split("."));

function matches(pattern: string[], path: string[]): boolean {
  return pattern.length === path.length && pattern.every((part, i) => part === "*" || (part === "n" ? /^\d+$/.test(path[i]!) : part === path[i]));
}

/**
 * The form field an API issue concerns: its dotted `path` ("drops.0.closesAt") as a field name
 * (["drops", 0, "closesAt"]), or the nearest field above it ("voucherTypes.0" has none: undefined;
 * "sectors.1" → ["sectors"]). `prefix` is prepended, for paths relative to a drop.
 */
export function fieldOfIssue(path: string, prefix: string[] = []): (string | number)[] | undefined {
  const parts = [...prefix, ...path.split(".").filter((part) => part !== "")];
  for (let length = parts.length; length > 0; length--) {
    const candidate = parts.slice(0, length);
    if (FIELD_PATTERNS.some((pattern) => matches(pattern, candidate))) {
      return candidate.slice(prefix.length).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    }
  }
  return undefined;
}

/**
 * The field names an edit touched, from a form's `changedValues` (nested objects, sparse arrays for
 * list entries): `{drops: [, {closesAt: "…"}]}` → [["drops", 1, "closesAt"]]. A list of plain values
 * (sectors, weekdays) is one field.
 */
export function changedFieldNames(changed: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const isEntry = (value: unknown) => typeof value === "object" && value !== null;
  if (Array.isArray(changed) && changed.some(isEntry)) {
    return changed.flatMap((entry, index) => (entry === undefined ? [] : changedFieldNames(entry, [...prefix, index])));
  }
  if (isEntry(changed) && !Array.isArray(changed)) {
    return Object.entries(changed as Record<string, unknown>).flatMap(([key, value]) => changedFieldNames(value, [...prefix, key]));
  }
  return prefix.length > 0 ? [prefix] : [];
}
