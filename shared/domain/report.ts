/**
 * The bureau's campaign report (GET /admin/reports/campaigns/{id}, `npm run report`): the figures
 * it sends upward, built from the campaign, its drops and the projected stats. Pure: no I/O, no
 * clock (the caller passes `now`). Money is integer fen, the authoritative figure, with the same
 * amount as yuan text next to it (formatYuan: "¥90.00").
 *
 * Definitions:
 * - **Activities** (活动/场次): the campaign is the activity; its drops are its sessions. `dropsHeld`
 *   counts the drops that have opened by `now`, `dropsScheduled` every drop.
 * - **Vouchers issued** (发放): units put up in the drops held, per voucher type their `stock` less
 *   the units rolled in from earlier drops (`rolledIn`), so a unit rolled over counts once, in the
 *   drop that first offered it. Not a count of vouchers claimed.
 * - **Claimed, redeemed, reversed, expired, subsidy, sales driven (grossSales), leverage,
 *   remaining budget**: the stats route's figures, unchanged (API.md, Stats).
 * - **Participating merchants** (参与商户): merchants with at least one redemption not reversed.
 *
 * CSV layout (RFC 4180; UTF-8 with a BOM so spreadsheet programs read the Chinese; CRLF line ends;
 * a field with a comma, quote, CR or LF is quoted, quotes doubled). Four sections, in this order,
 * separated by one empty line; each is a title row (one cell), a header row, then data rows:
 *
 * 1. `汇总 Summary`: header `指标 Figure,数值 Value,金额(元) Amount (yuan)`; one row per figure
 *    (campaign id, name, time zone, start, end, status, report date, drops held and scheduled,
 *    participating merchants, vouchers issued/claimed/redeemed, reversals, expiries, redemption
 *    rate, budget, subsidy, sales driven, leverage, remaining budget). Money rows give fen in the
 *    value column and yuan in the third; other rows leave the third empty.
 * 2. `按行业 By sector`: one row per sector with redemptions (contract order of sectors): sector
 *    code, its Chinese name, redeemed, reversed, subsidy fen and yuan, sales fen and yuan, leverage.
 * 3. `按日 By day`: one row per calendar day in the campaign's zone, oldest first: claimed,
 *    redeemed, reversed, expired, subsidy fen and yuan, sales fen and yuan.
 * 4. `按立减 By instant discount`: one row per card-swipe instant discount of the campaign, in
 *    definition order (then any other with figures, by id): its id, its tiers (`满¥100.00减¥20.00;
 *    …`), applied (not reversed), reversed (refunds and fraud clawbacks), subsidy fen and yuan,
 *    sales fen and yuan. Its figures are also counted in the sections above, which cover both
 *    kinds of benefit; an instant discount needs no claim, so it is in no claimed count.
 *
 * Every header is Chinese, then English (`参与商户数 Participating merchants`).
 */
import { formatYuan, sumFen } from "./money.js";
import { SECTORS } from "./sectors.js";
import { localDate, zonedTimestamp } from "./settlement.js";
import type { CampaignStats } from "./stats.js";
import type { InstantTier } from "./instant-discount.js";
import type { ProgrammeKind } from "./programme.js";

/** The campaign fields a report shows. */
export interface ReportCampaign {
  id: string;
  name: string;
  timezone: string;
  startsAt: string;
  endsAt: string;
  status: string;
  budget: number;
  /** The campaign's card-swipe instant discounts, in definition order (absent: none). */
  instantDiscounts?: readonly { id: string; tiers: readonly InstantTier[] }[] | undefined;
}

/** The drop fields a report counts. */
export interface ReportDrop {
  id: string;
  opensAt: string;
  /** Units per voucher type, including units rolled in from earlier drops. */
  stock: Record<string, number>;
  /** Units rolled in, per source drop and voucher type. */
  rolledIn: Record<string, Record<string, number>>;
}

/** One instant discount's figures: `applied` stands (redemptions less reversals and clawbacks). */
export interface InstantDiscountFigures {
  applied: number;
  reversed: number;
  subsidy: number;
  grossSales: number;
}

/**
 * The stats figures a report is built from: what GET /admin/campaigns/{id}/stats answers, and
 * per instant discount id its own figures (from its stats bucket).
 */
export type ReportStats = Omit<CampaignStats, "campaignId"> & { byInstantDiscount: Record<string, InstantDiscountFigures> };

export interface ReportSummary {
  dropsHeld: number;
  dropsScheduled: number;
  participatingMerchants: number;
  vouchersIssued: number;
  claimed: number;
  redeemed: number;
  reversed: number;
  expired: number;
  redemptionRate: number;
  budget: number;
  budgetYuan: string;
  subsidy: number;
  subsidyYuan: string;
  grossSales: number;
  grossSalesYuan: string;
  leverage: number;
  remainingBudget: number;
  remainingBudgetYuan: string;
}

export interface ReportSectorRow {
  sector: string;
  sectorName: string;
  redeemed: number;
  reversed: number;
  subsidy: number;
  subsidyYuan: string;
  grossSales: number;
  grossSalesYuan: string;
  leverage: number;
}

export interface ReportDayRow {
  date: string;
  claimed: number;
  redeemed: number;
  reversed: number;
  expired: number;
  subsidy: number;
  subsidyYuan: string;
  grossSales: number;
  grossSalesYuan: string;
}

export interface ReportInstantDiscountRow {
  instantDiscountId: string;
  /** Its tiers as the bureau reads them: `满¥100.00减¥20.00; 满¥300.00减¥60.00` (empty for an id no longer defined). */
  tiers: string;
  applied: number;
  reversed: number;
  subsidy: number;
  subsidyYuan: string;
  grossSales: number;
  grossSalesYuan: string;
}

/** The report, as the JSON format answers it and the CSV renders it. */
/** One approved programme payable, as the report counts it. */
export interface ProgrammeAward {
  kind: ProgrammeKind;
  /** A growth reward's tier reached (its minGrowthPercent). */
  tier?: number | undefined;
  sector?: string | undefined;
  /** Fen approved. */
  amount: number;
  paid: boolean;
}

/** Awards counted in one group: how many, what they commit, what is paid and what is pending (approved, not paid yet), fen. */
export interface ProgrammeFiguresRow {
  awards: number;
  amount: number;
  paid: number;
  pending: number;
}

/** The programmes section: every award approved under the merchant programmes, in all, by kind, by growth tier and by sector. */
export interface ProgrammeFigures {
  total: ProgrammeFiguresRow;
  byKind: Record<string, ProgrammeFiguresRow>;
  /** Growth rewards only, by the tier reached (its minGrowthPercent, as text). */
  byTier: Record<string, ProgrammeFiguresRow>;
  bySector: Record<string, ProgrammeFiguresRow>;
}

/** Adds up approved programme awards (pure): paid and pending, in all and per kind, growth tier and sector. */
export function programmeFigures(awards: readonly ProgrammeAward[]): ProgrammeFigures {
  const empty = (): ProgrammeFiguresRow => ({ awards: 0, amount: 0, paid: 0, pending: 0 });
  const figures: ProgrammeFigures = { total: empty(), byKind: {}, byTier: {}, bySector: {} };
  const add = (row: ProgrammeFiguresRow, award: ProgrammeAward) => {
    row.awards += 1;
    row.amount = sumFen([row.amount, award.amount]);
    if (award.paid) row.paid = sumFen([row.paid, award.amount]);
    else row.pending = sumFen([row.pending, award.amount]);
  };
  for (const award of awards) {
    add(figures.total, award);
    add((figures.byKind[award.kind] ??= empty()), award);
    if (award.kind === "growth_reward" && award.tier !== undefined) add((figures.byTier[String(award.tier)] ??= empty()), award);
    add((figures.bySector[award.sector ?? "other"] ??= empty()), award);
  }
  return figures;
}

export interface CampaignReport {
  campaign: ReportCampaign;
  /** The calendar day of `now` in the campaign's zone. */
  reportDate: string;
  summary: ReportSummary;
  bySector: ReportSectorRow[];
  byDay: ReportDayRow[];
  byInstantDiscount: ReportInstantDiscountRow[];
  /** The merchant programmes' awards (paid outside vouchers, from their own budgets): the same figures the stats answer. */
  programmes?: ProgrammeFigures;
}

/** Chinese names of the sectors, as the bureau's forms write them. */
export const SECTOR_NAMES: Record<(typeof SECTORS)[number], string> = {
  supermarket: "超市",
  department_store: "百货",
  appliance: "家电",
  restaurant: "餐饮",
  fuel: "加油",
  tourism: "旅游",
  hotel: "住宿",
  entertainment: "文娱",
  auto: "汽车",
  other: "其他",
};

/** Units put up in the drops opened by `now`, rolled-in units counted once (in their first drop). */
export function vouchersIssued(drops: readonly ReportDrop[], now: Date): number {
  const units: number[] = [];
  for (const drop of drops) {
    if (Date.parse(drop.opensAt) > now.getTime()) continue;
    for (const [type, stock] of Object.entries(drop.stock)) {
      const rolledIn = sumFen(Object.values(drop.rolledIn).map((bySource) => bySource[type] ?? 0));
      units.push(stock - rolledIn);
    }
  }
  return sumFen(units);
}

/** Tiers as one line of text, lowest threshold first: `满¥100.00减¥20.00; 满¥300.00减¥60.00`. */
export function tiersText(tiers: readonly InstantTier[]): string {
  return [...tiers]
    .sort((a, b) => a.threshold - b.threshold)
    .map((tier) => `满${formatYuan(tier.threshold)}减${formatYuan(tier.discount)}`)
    .join("; ");
}

/** One row per instant discount: the defined ones in order, then any other with figures (by id), zeros when none. */
function instantDiscountRows(campaign: ReportCampaign, stats: ReportStats): ReportInstantDiscountRow[] {
  const defined = campaign.instantDiscounts ?? [];
  const others = Object.keys(stats.byInstantDiscount)
    .filter((id) => !defined.some((discount) => discount.id === id))
    .sort()
    .map((id) => ({ id, tiers: [] }));
  return [...defined, ...others].map((discount) => {
    const figures = stats.byInstantDiscount[discount.id] ?? { applied: 0, reversed: 0, subsidy: 0, grossSales: 0 };
    return {
      instantDiscountId: discount.id,
      tiers: tiersText(discount.tiers),
      applied: figures.applied,
      reversed: figures.reversed,
      subsidy: figures.subsidy,
      subsidyYuan: formatYuan(figures.subsidy),
      grossSales: figures.grossSales,
      grossSalesYuan: formatYuan(figures.grossSales),
    };
  });
}

/** Builds the report of a campaign from its drops and its stats figures, as of `now`. */
export function buildCampaignReport(input: {
  campaign: ReportCampaign;
  drops: readonly ReportDrop[];
  stats: ReportStats;
  now: Date;
}): CampaignReport {
  const { campaign, drops, stats, now } = input;
  const sectorOrder = (sector: string) => {
    const index = (SECTORS as readonly string[]).indexOf(sector);
    return index === -1 ? SECTORS.length : index;
  };
  const sectors = Object.keys(stats.bySector).sort((a, b) => sectorOrder(a) - sectorOrder(b) || a.localeCompare(b));
  return {
    campaign: {
      id: campaign.id,
      name: campaign.name,
      timezone: campaign.timezone,
      // Times as the bureau reads them: in the campaign's zone, with its offset.
      startsAt: zonedTimestamp(new Date(campaign.startsAt), campaign.timezone).iso,
      endsAt: zonedTimestamp(new Date(campaign.endsAt), campaign.timezone).iso,
      status: campaign.status,
      budget: campaign.budget,
    },
    reportDate: localDate(now, campaign.timezone),
    summary: {
      dropsHeld: drops.filter((drop) => Date.parse(drop.opensAt) <= now.getTime()).length,
      dropsScheduled: drops.length,
      participatingMerchants: Object.values(stats.byMerchant).filter((merchant) => merchant.redeemed >= 1).length,
      vouchersIssued: vouchersIssued(drops, now),
      claimed: stats.claimed,
      redeemed: stats.redeemed,
      reversed: stats.reversed,
      expired: stats.expired,
      redemptionRate: stats.redemptionRate,
      budget: stats.budget,
      budgetYuan: formatYuan(stats.budget),
      subsidy: stats.subsidy,
      subsidyYuan: formatYuan(stats.subsidy),
      grossSales: stats.grossSales,
      grossSalesYuan: formatYuan(stats.grossSales),
      leverage: stats.leverage,
      remainingBudget: stats.remainingBudget,
      remainingBudgetYuan: formatYuan(stats.remainingBudget),
    },
    bySector: sectors.map((sector) => {
      const figures = stats.bySector[sector]!;
      return {
        sector,
        sectorName: SECTOR_NAMES[sector as keyof typeof SECTOR_NAMES] ?? sector,
        redeemed: figures.redeemed,
        reversed: figures.reversed,
        subsidy: figures.subsidy,
        subsidyYuan: formatYuan(figures.subsidy),
        grossSales: figures.grossSales,
        grossSalesYuan: formatYuan(figures.grossSales),
        leverage: figures.leverage,
      };
    }),
    byDay: Object.keys(stats.byDay)
      .sort()
      .map((date) => {
        const figures = stats.byDay[date]!;
        return {
          date,
          claimed: figures.claimed,
          redeemed: figures.redeemed,
          reversed: figures.reversed,
          expired: figures.expired,
          subsidy: figures.subsidy,
          subsidyYuan: formatYuan(figures.subsidy),
          grossSales: figures.grossSales,
          grossSalesYuan: formatYuan(figures.grossSales),
        };
      }),
    byInstantDiscount: instantDiscountRows(campaign, stats),
  };
}

/** Section titles and column headers of the CSV, Chinese then English. */
export const REPORT_HEADERS = {
  summaryTitle: "汇总 Summary",
  sectorTitle: "按行业 By sector",
  dayTitle: "按日 By day",
  instantTitle: "按立减 By instant discount",
  programmesTitle: "专项奖补 Programmes",
  dimension: "维度 Dimension",
  group: "分组 Group",
  awards: "笔数 Awards",
  awardAmount: "金额(分) Amount (fen)",
  paid: "已付(分) Paid (fen)",
  pending: "待付(分) Pending (fen)",
  instantDiscountId: "立减编号 Instant discount ID",
  tiers: "满减档位 Tiers",
  applied: "立减笔数 Discounts applied",
  instantReversed: "撤销立减数 Discounts reversed",
  figure: "指标 Figure",
  value: "数值 Value",
  amountYuan: "金额(元) Amount (yuan)",
  campaignId: "活动编号 Campaign ID",
  campaignName: "活动名称 Campaign name",
  timezone: "时区 Time zone",
  startsAt: "开始时间 Starts at",
  endsAt: "结束时间 Ends at",
  status: "活动状态 Status",
  reportDate: "报告日期 Report date",
  dropsHeld: "已举办场次 Drops held",
  dropsScheduled: "计划场次 Drops scheduled",
  participatingMerchants: "参与商户数 Participating merchants",
  vouchersIssued: "发放券数 Vouchers issued",
  claimed: "领取券数 Vouchers claimed",
  redeemed: "核销券数 Vouchers redeemed",
  reversed: "撤销核销数 Redemptions reversed",
  expired: "过期券数 Vouchers expired",
  redemptionRate: "核销率 Redemption rate",
  budget: "预算(分) Budget (fen)",
  subsidy: "补贴金额(分) Subsidy (fen)",
  subsidyYuan: "补贴金额(元) Subsidy (yuan)",
  grossSales: "带动消费(分) Sales driven (fen)",
  grossSalesYuan: "带动消费(元) Sales driven (yuan)",
  leverage: "杠杆率 Leverage",
  remainingBudget: "剩余预算(分) Remaining budget (fen)",
  sector: "行业 Sector",
  sectorName: "行业名称 Sector name",
  date: "日期 Date",
} as const;

/** The byte-order mark the CSV starts with. */
export const BOM = "\uFEFF";

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF; quotes doubled. Text
 * a spreadsheet would run as a formula (starting with =, +, @, a tab or CR, or - unless it is a
 * plain amount) gets a leading apostrophe, so an operator-typed name can never become one.
 */
export function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === "string" && (/^[=+@\t\r]/.test(text) || (text.startsWith("-") && !/^-¥?\d+(\.\d+)?$/.test(text)))) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** CSV text of rows: fields joined by commas, every line (the last too) ended by CRLF. */
export function csvLines(rows: readonly (readonly (string | number)[])[]): string {
  return rows.map((row) => `${row.map(csvField).join(",")}\r\n`).join("");
}

/** The report as CSV text, BOM first (see the layout above); encode it as UTF-8. */
export function campaignReportCsv(report: CampaignReport): string {
  const h = REPORT_HEADERS;
  const { campaign, summary } = report;
  const summaryRows: (string | number)[][] = [
    [h.summaryTitle],
    [h.figure, h.value, h.amountYuan],
    [h.campaignId, campaign.id, ""],
    [h.campaignName, campaign.name, ""],
    [h.timezone, campaign.timezone, ""],
    [h.startsAt, zonedTimestamp(new Date(campaign.startsAt), campaign.timezone).text, ""],
    [h.endsAt, zonedTimestamp(new Date(campaign.endsAt), campaign.timezone).text, ""],
    [h.status, campaign.status, ""],
    [h.reportDate, report.reportDate, ""],
    [h.dropsHeld, summary.dropsHeld, ""],
    [h.dropsScheduled, summary.dropsScheduled, ""],
    [h.participatingMerchants, summary.participatingMerchants, ""],
    [h.vouchersIssued, summary.vouchersIssued, ""],
    [h.claimed, summary.claimed, ""],
    [h.redeemed, summary.redeemed, ""],
    [h.reversed, summary.reversed, ""],
    [h.expired, summary.expired, ""],
    [h.redemptionRate, summary.redemptionRate, ""],
    [h.budget, summary.budget, summary.budgetYuan],
    [h.subsidy, summary.subsidy, summary.subsidyYuan],
    [h.grossSales, summary.grossSales, summary.grossSalesYuan],
    [h.leverage, summary.leverage, ""],
    [h.remainingBudget, summary.remainingBudget, summary.remainingBudgetYuan],
  ];
  const sectorRows: (string | number)[][] = [
    [h.sectorTitle],
    [h.sector, h.sectorName, h.redeemed, h.reversed, h.subsidy, h.subsidyYuan, h.grossSales, h.grossSalesYuan, h.leverage],
    ...report.bySector.map((row) => [row.sector, row.sectorName, row.redeemed, row.reversed, row.subsidy, row.subsidyYuan, row.grossSales, row.grossSalesYuan, row.leverage]),
  ];
  const dayRows: (string | number)[][] = [
    [h.dayTitle],
    [h.date, h.claimed, h.redeemed, h.reversed, h.expired, h.subsidy, h.subsidyYuan, h.grossSales, h.grossSalesYuan],
    ...report.byDay.map((row) => [row.date, row.claimed, row.redeemed, row.reversed, row.expired, row.subsidy, row.subsidyYuan, row.grossSales, row.grossSalesYuan]),
  ];
  const instantRows: (string | number)[][] = [
    [h.instantTitle],
    [h.instantDiscountId, h.tiers, h.applied, h.instantReversed, h.subsidy, h.subsidyYuan, h.grossSales, h.grossSalesYuan],
    ...report.byInstantDiscount.map((row) => [row.instantDiscountId, row.tiers, row.applied, row.reversed, row.subsidy, row.subsidyYuan, row.grossSales, row.grossSalesYuan]),
  ];
  const programmeRows = report.programmes === undefined ? undefined : programmeCsvRows(report.programmes);
  return `${BOM}${csvLines(summaryRows)}\r\n${csvLines(sectorRows)}\r\n${csvLines(dayRows)}\r\n${csvLines(instantRows)}${programmeRows ? `\r\n${csvLines(programmeRows)}` : ""}`;
}

/** The programmes section of the CSV: the total, then a row per kind, growth tier and sector. */
function programmeCsvRows(figures: ProgrammeFigures): (string | number)[][] {
  const h = REPORT_HEADERS;
  const row = (dimension: string, group: string, figure: ProgrammeFiguresRow) => [dimension, group, figure.awards, figure.amount, figure.paid, figure.pending];
  return [
    [h.programmesTitle],
    [h.dimension, h.group, h.awards, h.awardAmount, h.paid, h.pending],
    row("total", "", figures.total),
    ...Object.entries(figures.byKind).map(([kind, figure]) => row("kind", kind, figure)),
    ...Object.entries(figures.byTier).map(([tier, figure]) => row("tier", `${tier}%`, figure)),
    ...Object.entries(figures.bySector).map(([sector, figure]) => row("sector", sector, figure)),
  ];
}

/**
 * Parses RFC 4180 CSV text (a leading BOM is skipped) into rows of fields; an empty line is an
 * empty row. The inverse of csvLines, for tests and for readers of the report.
 */
export function parseCsv(text: string): string[][] {
  const source = text.startsWith(BOM) ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  while (i < source.length) {
    const char = source[i]!;
    if (quoted) {
      if (char === '"' && source[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (char === '"') quoted = false;
      else field += char;
      i++;
      continue;
    }
    if (char === '"') quoted = true;
    else if (char === ",") {
      row.push(field);
      field = "";
    } else if (char === "\r" && source[i + 1] === "\n") {
      row.push(field);
      rows.push(row.length === 1 && row[0] === "" ? [] : row);
      row = [];
      field = "";
      i += 2;
      continue;
    } else field += char;
    i++;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
