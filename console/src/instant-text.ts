/**
 * How an instant discount's definition reads on screen: its tiers and its weekly window, in the
 * console's language (`t` is what useMessages returns). Pure, so the unit tests run without a browser.
 */
import { formatYuan } from "./format.js";
import type { MessageKey, Messages } from "./messages.js";

/** The weekly window as the API carries it. */
export interface InstantWindow {
  daysOfWeek?: number[];
  from?: string;
  to?: string;
}

/** "满¥100.00减¥20.00; 满¥300.00减¥60.00", lowest threshold first (the report writes tiers the same way). */
export function tiersText(tiers: readonly { threshold: number; discount: number }[], t: Messages): string {
  return [...tiers]
    .sort((a, b) => a.threshold - b.threshold)
    .map((tier) => t("tier", { threshold: formatYuan(tier.threshold), discount: formatYuan(tier.discount) }))
    .join("; ");
}

/** The weekly window as the operator wrote it: ISO weekdays and the local hours, or "every day, all day". */
export function windowText(window: InstantWindow | undefined, t: Messages): string {
  const listed = new Set(window?.daysOfWeek ?? []);
  // No days listed, or all seven: every day.
  const days = listed.size > 0 && listed.size < 7 ? [...listed].sort().map((day) => t(`weekday${day}` as MessageKey)).join(" ") : t("everyDay");
  const hours = window?.from || window?.to ? `${window.from ?? "00:00"}–${window.to ?? "24:00"}` : t("allDay");
  return `${days} ${hours}`;
}

