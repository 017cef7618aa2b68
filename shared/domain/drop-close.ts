/**
 * What happens to a drop's unclaimed stock when the drop closes. Pure: no I/O, no clock.
 *
 * Unclaimed stock is `stock − vouchers issued`, per voucher type, counted from the vouchers
 * themselves and never from the shard counters: a claim that crashed between taking a unit from
 * a shard and writing the voucher leaves the shard one lower with no voucher to show for it, and
 * that stranded unit is unclaimed. Every unclaimed unit goes to exactly one place: it rolls into
 * the next drop of the same voucher type when the campaign rolls over and such a drop exists,
 * otherwise its discount is released back to the campaign's budget figures.
 */
import { multiplyFen, sumFen } from "./money.js";
import { DropCloseInvariantError } from "../errors.js";

/** What drop close does with one voucher type's unclaimed stock. */
export interface DropCloseDecision {
  issued: number;
  unclaimed: number;
  /** The drop the unclaimed units roll into. */
  movedTo?: string;
  /** Subsidy given back to the budget, in fen (unclaimed × discount). */
  released?: number;
}

/** The parts of a drop that the decision reads. */
export interface DropForClose {
  id: string;
  opensAt: string;
  closesAt: string;
  /** Units per voucher type, including stock rolled in from earlier drops. */
  stock: Readonly<Record<string, number>>;
  /** Shard items per voucher type; a drop still being set up has none yet. */
  shardCounts?: Readonly<Record<string, number>> | undefined;
  closedAt?: string | undefined;
}

export interface CampaignForClose {
  rollover: boolean;
  voucherTypes: readonly { id: string; discount: number }[];
}

/**
 * The drop that unclaimed units of `voucherTypeId` roll into: among the campaign's other drops
 * that stock that type with provisioned shards (a drop still being added is never a target, so its
 * own set-up cannot be confused with a roll-in), are not closed, and open at or after `drop` closes, the one that opens
 * first (ties broken by id, so the choice is deterministic). Undefined when there is none.
 */
export function rollOverTarget<D extends DropForClose>(drop: DropForClose, otherDrops: readonly D[], voucherTypeId: string): D | undefined {
  const closes = instant(drop.closesAt, `closesAt of drop ${drop.id}`);
  const candidates = otherDrops.filter(
    (other) =>
      other.id !== drop.id &&
      other.closedAt === undefined &&
      Object.hasOwn(other.stock, voucherTypeId) &&
      (other.shardCounts?.[voucherTypeId] ?? 0) > 0 &&
      instant(other.opensAt, `opensAt of drop ${other.id}`) >= closes,
  );
  candidates.sort(
    (a, b) => instant(a.opensAt, "opensAt") - instant(b.opensAt, "opensAt") || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return candidates[0];
}

/**
 * Decides, per voucher type of the closing drop, how many units are unclaimed and where they go.
 * A type with nothing unclaimed has neither `movedTo` nor `released`: there is nothing to move.
 * For every type, `issued + unclaimed = stock`, and the unclaimed units are either all moved or
 * all released.
 *
 * @param issued vouchers issued per voucher type of this drop; a type missing counts as 0.
 * @throws DropCloseInvariantError when more vouchers were issued than the drop had stock, or the
 *   drop names a voucher type the campaign does not define.
 */
export function decideDropClose(input: {
  campaign: CampaignForClose;
  drop: DropForClose;
  otherDrops: readonly DropForClose[];
  issued: Readonly<Record<string, number>>;
}): Record<string, DropCloseDecision> {
  const { campaign, drop, otherDrops, issued } = input;
  const discounts = new Map(campaign.voucherTypes.map((type) => [type.id, type.discount]));
  const types = new Set([...Object.keys(drop.stock), ...Object.keys(issued).filter((type) => (issued[type] ?? 0) > 0)]);
  const decisions: Record<string, DropCloseDecision> = {};
  for (const type of [...types].sort()) {
    const stock = drop.stock[type] ?? 0;
    const issuedCount = issued[type] ?? 0;
    for (const [what, value] of [["stock", stock], ["issued", issuedCount]] as const) {
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new DropCloseInvariantError(`${what} of ${type} in drop ${drop.id} is not a whole number ≥ 0: ${value}`, { dropId: drop.id, voucherTypeId: type });
      }
    }
    if (issuedCount > stock) {
      throw new DropCloseInvariantError(`drop ${drop.id} issued ${issuedCount} vouchers of ${type} but had a stock of ${stock}`, {
        dropId: drop.id,
        voucherTypeId: type,
        stock,
        issued: issuedCount,
      });
    }
    const discount = discounts.get(type);
    if (discount === undefined) {
      throw new DropCloseInvariantError(`drop ${drop.id} stocks voucher type ${type}, which the campaign does not define`, {
        dropId: drop.id,
        voucherTypeId: type,
      });
    }
    const unclaimed = stock - issuedCount;
    const decision: DropCloseDecision = { issued: issuedCount, unclaimed };
    if (unclaimed > 0) {
      const target = campaign.rollover ? rollOverTarget(drop, otherDrops, type) : undefined;
      if (target) decision.movedTo = target.id;
      else decision.released = multiplyFen(discount, unclaimed);
    }
    decisions[type] = decision;
  }
  return decisions;
}

/** Σ released over the decisions, in fen. */
export function totalReleased(decisions: Readonly<Record<string, DropCloseDecision>>): number {
  return sumFen(Object.values(decisions).map((decision) => decision.released ?? 0));
}

/**
 * The units each target drop receives, per voucher type: `{targetDropId: {voucherTypeId: units}}`.
 * A source drop rolls into each target once, with all its types for that target together.
 */
export function rollInsByTarget(decisions: Readonly<Record<string, DropCloseDecision>>): Map<string, Record<string, number>> {
  const byTarget = new Map<string, Record<string, number>>();
  for (const [type, decision] of Object.entries(decisions)) {
    if (decision.movedTo === undefined || decision.unclaimed === 0) continue;
    const units = byTarget.get(decision.movedTo) ?? {};
    units[type] = decision.unclaimed;
    byTarget.set(decision.movedTo, units);
  }
  return byTarget;
}

function instant(value: string, what: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new DropCloseInvariantError(`${what} is not an instant: ${value}`, { value });
  return ms;
}
