/**
 * The bureau's report, pure: its figures from a campaign, its drops and its stats (drops held and
 * vouchers issued as of a moment, rolled-over units once, participating merchants), and its CSV:
 * BOM first, CRLF line ends, RFC 4180 quoting, bilingual headers, fen with yuan next to it.
 */
import { describe, expect, it } from "vitest";
import { campaignReportSchema } from "../../shared/api/report-schemas.js";
import {
  BOM,
  REPORT_HEADERS,
  type ReportDrop,
  type ReportStats,
  buildCampaignReport,
  campaignReportCsv,
  csvField,
  parseCsv,
  vouchersIssued,
} from "../../shared/domain/report.js";

const NOW = new Date("2023-05-01T04:00:00Z"); // 12:00 in Shanghai

const campaign = {
  id: "tongjiang-2023",
  name: '爱尚三江, "春季"\n2023',
  timezone: "Asia/Shanghai",
  startsAt: "2023-04-10T00:00:00+08:00",
  endsAt: "2023-12-31T23:59:59+08:00",
  status: "PUBLISHED",
  budget: 93_000_000,
  instantDiscounts: [
    // Tiers written highest first: the report lists them lowest first.
    { id: "swipe", tiers: [{ threshold: 30_000, discount: 6_000 }, { threshold: 10_000, discount: 2_000 }] },
    { id: "quiet", tiers: [{ threshold: 5_000, discount: 500 }] },
  ],
};

const drops: ReportDrop[] = [
  { id: "d1", opensAt: "2023-04-10T10:00:00+08:00", stock: { "100-30": 5_000, "200-60": 1_000 }, rolledIn: {} },
  // 400 unclaimed 100-30 units of d1 rolled into d2: counted once, in d1.
  { id: "d2", opensAt: "2023-04-20T10:00:00+08:00", stock: { "100-30": 3_400 }, rolledIn: { d1: { "100-30": 400 } } },
  // Not open yet at NOW: not held, its units not issued.
  { id: "d3", opensAt: "2023-05-10T10:00:00+08:00", stock: { "100-30": 9_999 }, rolledIn: {} },
];

const stats: ReportStats = {
  budget: 93_000_000,
  claimed: 8_600,
  redeemed: 5_000,
  reversed: 12,
  expired: 300,
  subsidy: 16_500_050,
  grossSales: 99_000_301,
  redemptionRate: 0.5814,
  leverage: 6,
  remainingBudget: 60_000_000,
  instantDiscounts: { applied: 400, subsidy: 1_000_000, grossSales: 5_000_050 },
  byInstantDiscount: { swipe: { applied: 400, reversed: 3, subsidy: 1_000_000, grossSales: 5_000_050 } },
  bySector: {
    restaurant: { redeemed: 3_000, reversed: 10, subsidy: 9_000_000, grossSales: 45_000_000, leverage: 5 },
    supermarket: { redeemed: 2_000, reversed: 2, subsidy: 7_500_050, grossSales: 54_000_301, leverage: 7.2 },
  },
  byDay: {
    "2023-04-21": { claimed: 3_000, redeemed: 1_000, reversed: 2, expired: 0, subsidy: 3_000_000, grossSales: 20_000_000 },
    "2023-04-10": { claimed: 5_600, redeemed: 4_000, reversed: 10, expired: 300, subsidy: 13_500_050, grossSales: 79_000_301 },
  },
  byMerchant: {
    m1: { redeemed: 4_999, reversed: 0, subsidy: 16_497_050, grossSales: 99_000_000, leverage: 6 },
    m2: { redeemed: 1, reversed: 1, subsidy: 3_000, grossSales: 301, leverage: 0.1 },
    // Every redemption reversed: not a participant.
    m3: { redeemed: 0, reversed: 11, subsidy: 0, grossSales: 0, leverage: 0 },
  },
};

describe("the report's figures", () => {
  const report = buildCampaignReport({ campaign, drops, stats, now: NOW });

  it("counts drops held and vouchers issued as of now, a rolled-over unit once", () => {
    expect(report.summary.dropsHeld).toBe(2);
    expect(report.summary.dropsScheduled).toBe(3);
    expect(report.summary.vouchersIssued).toBe(5_000 + 1_000 + 3_000);
    expect(vouchersIssued(drops, new Date("2023-04-15T00:00:00Z"))).toBe(6_000);
    expect(vouchersIssued(drops, new Date("2023-04-01T00:00:00Z"))).toBe(0);
    expect(vouchersIssued(drops, new Date("2023-06-01T00:00:00Z"))).toBe(6_000 + 3_000 + 9_999);
  });

  it("counts merchants with a redemption not reversed as participating", () => {
    expect(report.summary.participatingMerchants).toBe(2);
  });

  it("carries the stats figures unchanged, fen with yuan next to it", () => {
    expect(report.summary).toMatchObject({
      claimed: 8_600,
      redeemed: 5_000,
      reversed: 12,
      expired: 300,
      redemptionRate: 0.5814,
      budget: 93_000_000,
      budgetYuan: "¥930000.00",
      subsidy: 16_500_050,
      subsidyYuan: "¥165000.50",
      grossSales: 99_000_301,
      grossSalesYuan: "¥990003.01",
      leverage: 6,
      remainingBudget: 60_000_000,
      remainingBudgetYuan: "¥600000.00",
    });
    expect(report.reportDate).toBe("2023-05-01");
    // The campaign's own fields; its instant discounts show in their section.
    const { instantDiscounts: _shownInTheirSection, ...fields } = campaign;
    expect(report.campaign).toEqual(fields);
  });

  it("lists sectors in contract order with Chinese names, and days oldest first", () => {
    expect(report.bySector.map((row) => [row.sector, row.sectorName])).toEqual([
      ["supermarket", "超市"],
      ["restaurant", "餐饮"],
    ]);
    expect(report.bySector[0]).toEqual({
      sector: "supermarket",
      sectorName: "超市",
      redeemed: 2_000,
      reversed: 2,
      subsidy: 7_500_050,
      subsidyYuan: "¥75000.50",
      grossSales: 54_000_301,
      grossSalesYuan: "¥540003.01",
      leverage: 7.2,
    });
    expect(report.byDay.map((row) => row.date)).toEqual(["2023-04-10", "2023-04-21"]);
    expect(report.byDay[1]).toEqual({
      date: "2023-04-21",
      claimed: 3_000,
      redeemed: 1_000,
      reversed: 2,
      expired: 0,
      subsidy: 3_000_000,
      subsidyYuan: "¥30000.00",
      grossSales: 20_000_000,
      grossSalesYuan: "¥200000.00",
    });
  });

  it("is what the documented schema describes, every field kept", () => {
    expect(campaignReportSchema.parse(report)).toEqual(report);
  });

  it("reports an empty campaign with zeros and empty sections", () => {
    const empty = buildCampaignReport({
      drops: [],
      campaign: { ...campaign, instantDiscounts: undefined },
      stats: {
        ...{ ...stats, claimed: 0, redeemed: 0, reversed: 0, expired: 0, subsidy: 0, grossSales: 0, redemptionRate: 0, leverage: 0, remainingBudget: 93_000_000 },
        ...{ instantDiscounts: { applied: 0, subsidy: 0, grossSales: 0 }, byInstantDiscount: {}, bySector: {}, byDay: {}, byMerchant: {} },
      },
      now: NOW,
    });
    expect(empty.summary).toMatchObject({ dropsHeld: 0, participatingMerchants: 0, vouchersIssued: 0, subsidyYuan: "¥0.00" });
    expect(empty.bySector).toEqual([]);
    expect(empty.byInstantDiscount).toEqual([]);
    const rows = parseCsv(campaignReportCsv(empty));
    // The day section is empty, then the (empty) instant-discount section closes the file.
    expect(rows.slice(-5)).toEqual([[REPORT_HEADERS.dayTitle], expect.any(Array), [], [REPORT_HEADERS.instantTitle], expect.any(Array)]);
  });

  it("gives each instant discount its row, in definition order, tiers lowest first, zeros for one never applied", () => {
    expect(report.byInstantDiscount).toEqual([
      {
        instantDiscountId: "swipe",
        tiers: "满¥100.00减¥20.00; 满¥300.00减¥60.00",
        applied: 400,
        reversed: 3,
        subsidy: 1_000_000,
        subsidyYuan: "¥10000.00",
        grossSales: 5_000_050,
        grossSalesYuan: "¥50000.50",
      },
      { instantDiscountId: "quiet", tiers: "满¥50.00减¥5.00", applied: 0, reversed: 0, subsidy: 0, subsidyYuan: "¥0.00", grossSales: 0, grossSalesYuan: "¥0.00" },
    ]);
    // Figures for an id the definition no longer holds still get a row, after the defined ones.
    const orphan = buildCampaignReport({ campaign, drops, stats: { ...stats, byInstantDiscount: { ...stats.byInstantDiscount, gone: { applied: 1, reversed: 0, subsidy: 500, grossSales: 6_000 } } }, now: NOW });
    expect(orphan.byInstantDiscount.map((row) => [row.instantDiscountId, row.tiers])).toEqual([["swipe", expect.any(String)], ["quiet", expect.any(String)], ["gone", ""]]);
  });
});

describe("the report's CSV", () => {
  const report = buildCampaignReport({ campaign, drops, stats, now: NOW });
  const csv = campaignReportCsv(report);

  it("starts with a BOM, which is EF BB BF in UTF-8", () => {
    expect(csv.startsWith(BOM)).toBe(true);
    expect([...Buffer.from(csv, "utf8").subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it("ends every line with CRLF and has no bare LF outside a quoted field", () => {
    expect(csv.endsWith("\r\n")).toBe(true);
    // The campaign name holds the only LF; remove its quoted field, and every LF follows a CR.
    const withoutName = csv.replace(csvField(campaign.name), "");
    expect(withoutName).not.toMatch(/[^\r]\n/);
  });

  it("quotes fields with commas, quotes and newlines, doubling quotes", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\r")).toBe('"cr\r"');
    expect(csvField(12)).toBe("12");
    expect(csv).toContain(`${REPORT_HEADERS.campaignName},"爱尚三江, ""春季""\n2023",\r\n`);
  });

  it("keeps text a spreadsheet would run as a formula from being one, leaving amounts alone", () => {
    for (const formula of ["=HYPERLINK(\"http://x\")", "+1+1", "@SUM(A1)", "-2+3", "\tcmd"]) {
      expect(csvField(formula).replace(/^"/, "")).toMatch(/^'/);
    }
    expect(csvField("-¥30.00")).toBe("-¥30.00");
    expect(csvField("-3000")).toBe("-3000");
    expect(csvField(-3000)).toBe("-3000");
    expect(csvField("2026-11-21")).toBe("2026-11-21");
  });

  it("has four sections, each a title, a bilingual header and rows, separated by one empty line, instant discounts last", () => {
    const rows = parseCsv(csv);
    const blanks = rows.flatMap((row, index) => (row.length === 0 ? [index] : []));
    expect(blanks).toHaveLength(3);
    const [summary, sectors, days, instant] = [rows.slice(0, blanks[0]), rows.slice(blanks[0]! + 1, blanks[1]), rows.slice(blanks[1]! + 1, blanks[2]), rows.slice(blanks[2]! + 1)];
    expect(summary[0]).toEqual(["汇总 Summary"]);
    expect(summary[1]).toEqual(["指标 Figure", "数值 Value", "金额(元) Amount (yuan)"]);
    expect(sectors[0]).toEqual(["按行业 By sector"]);
    expect(days[0]).toEqual(["按日 By day"]);
    expect(instant[0]).toEqual(["按立减 By instant discount"]);
    expect(instant[1]).toEqual([
      "立减编号 Instant discount ID",
      "满减档位 Tiers",
      "立减笔数 Discounts applied",
      "撤销立减数 Discounts reversed",
      "补贴金额(分) Subsidy (fen)",
      "补贴金额(元) Subsidy (yuan)",
      "带动消费(分) Sales driven (fen)",
      "带动消费(元) Sales driven (yuan)",
    ]);
    expect(instant.slice(2)).toEqual([
      ["swipe", "满¥100.00减¥20.00; 满¥300.00减¥60.00", "400", "3", "1000000", "¥10000.00", "5000050", "¥50000.50"],
      ["quiet", "满¥50.00减¥5.00", "0", "0", "0", "¥0.00", "0", "¥0.00"],
    ]);
    // Every header: Chinese, a space, then English.
    for (const header of [...summary[1]!, ...sectors[1]!, ...days[1]!, ...instant[1]!, ...summary.slice(2).map((row) => row[0]!)]) {
      expect(header).toMatch(/^[\u4e00-\u9fff()（）元分]+[^ ]* [A-Za-z(]/);
    }
    const figure = (label: string) => summary.find((row) => row[0] === label)!;
    expect(figure("参与商户数 Participating merchants")).toEqual(["参与商户数 Participating merchants", "2", ""]);
    expect(figure(REPORT_HEADERS.campaignName)[1]).toBe(campaign.name);
    expect(figure(REPORT_HEADERS.dropsHeld)[1]).toBe("2");
    expect(figure(REPORT_HEADERS.vouchersIssued)[1]).toBe("9000");
    expect(figure(REPORT_HEADERS.subsidy)).toEqual([REPORT_HEADERS.subsidy, "16500050", "¥165000.50"]);
    expect(figure(REPORT_HEADERS.grossSales)).toEqual([REPORT_HEADERS.grossSales, "99000301", "¥990003.01"]);
    expect(figure(REPORT_HEADERS.leverage)[1]).toBe("6");
    expect(figure(REPORT_HEADERS.redemptionRate)[1]).toBe("0.5814");
    expect(sectors[1]).toEqual([
      "行业 Sector",
      "行业名称 Sector name",
      "核销券数 Vouchers redeemed",
      "撤销核销数 Redemptions reversed",
      "补贴金额(分) Subsidy (fen)",
      "补贴金额(元) Subsidy (yuan)",
      "带动消费(分) Sales driven (fen)",
      "带动消费(元) Sales driven (yuan)",
      "杠杆率 Leverage",
    ]);
    expect(sectors.slice(2)).toEqual([
      ["supermarket", "超市", "2000", "2", "7500050", "¥75000.50", "54000301", "¥540003.01", "7.2"],
      ["restaurant", "餐饮", "3000", "10", "9000000", "¥90000.00", "45000000", "¥450000.00", "5"],
    ]);
    expect(days.slice(2)).toEqual([
      ["2023-04-10", "5600", "4000", "10", "300", "13500050", "¥135000.50", "79000301", "¥790003.01"],
      ["2023-04-21", "3000", "1000", "2", "0", "3000000", "¥30000.00", "20000000", "¥200000.00"],
    ]);
  });

  it("formats negative amounts as yuan with a leading minus", () => {
    const negative = buildCampaignReport({ campaign, drops, stats: { ...stats, remainingBudget: -150 }, now: NOW });
    expect(negative.summary.remainingBudgetYuan).toBe("-¥1.50");
  });
});

describe("times in the report", () => {
  it("are read in the campaign's zone with its offset, whatever zone the definition was written in", () => {
    const utcWritten = { ...campaign, startsAt: "2023-04-09T16:00:00.000Z", endsAt: "2023-12-31T15:59:59Z" };
    const report = buildCampaignReport({ campaign: utcWritten, drops, stats, now: NOW });
    expect(report.campaign).toMatchObject({ startsAt: "2023-04-10T00:00:00+08:00", endsAt: "2023-12-31T23:59:59+08:00" });
    const rows = parseCsv(campaignReportCsv(report));
    expect(rows.find((row) => row[0] === REPORT_HEADERS.startsAt)?.[1]).toBe("2023-04-10 00:00:00 +08:00");
    expect(rows.find((row) => row[0] === REPORT_HEADERS.endsAt)?.[1]).toBe("2023-12-31 23:59:59 +08:00");
  });

  it("follow a zone's daylight saving and a negative offset", () => {
    const berlin = buildCampaignReport({ campaign: { ...campaign, timezone: "Europe/Berlin", startsAt: "2026-03-28T09:00:00Z", endsAt: "2026-07-01T08:00:00Z" }, drops, stats, now: NOW });
    expect(berlin.campaign).toMatchObject({ startsAt: "2026-03-28T10:00:00+01:00", endsAt: "2026-07-01T10:00:00+02:00" });
    const newYork = buildCampaignReport({ campaign: { ...campaign, timezone: "America/New_York", startsAt: "2026-01-15T05:30:00Z" }, drops, stats, now: NOW });
    expect(newYork.campaign.startsAt).toBe("2026-01-15T00:30:00-05:00");
  });
});
