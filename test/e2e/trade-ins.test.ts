/**
 * Trade-in subsidy records over the local runtime's HTTP: a dealer uploads the invoice's copy
 * through the runtime's own origin (passed to fauxqs S3), records trade-ins whose subsidy follows
 * the programme's rule, cannot record one invoice twice even in a race, sees its buyers masked; an
 * operator sees them masked in the programme's list and whole on the single-record route (audited),
 * rejects one and approves the rest in a batch until the budget refuses; what was approved is paid
 * through the dealer's acquiring partner.
 *
 * Buyer data never reaches a log: everything the process writes to stdout and stderr (the handlers'
 * Powertools lines, at DEBUG for this file) and every line of the runtime's own log is captured from
 * the start, and neither the test buyers' phone numbers nor their names appear anywhere in it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLocalToken } from "../../infra/local/jwt.js";
import type { LogLine } from "../../infra/local/log.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { attachmentUploadSchema } from "../../shared/api/attachment-schemas.js";
import { applicationDetailSchema, programmeListSchema } from "../../shared/api/programme-schemas.js";
import { auditListSchema } from "../../shared/api/registry-schemas.js";
import { tradeInBatchResultSchema, tradeInCreatedSchema, tradeInDetailSchema, tradeInListSchema } from "../../shared/api/trade-in-schemas.js";
import { logger } from "../../shared/logger.js";
import { platform } from "../../shared/wiring/platform.js";
import { type Answer, apiCall, documented, refusal } from "../support/http.js";
import { seedMerchant, seedPartner } from "../support/settlement.js";
import { TEST_JWT, eventually, startTestRuntime, testClients } from "../integration/runtime-helpers.js";

const BUYERS = [
  { name: "欧阳娜娜", phone: "13912345678" },
  { name: "张三丰", phone: "+86 138-0013-8000" },
  { name: "Li Na", phone: "15098765432" },
] as const;
const PDF = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(4000, 0x41), Buffer.from("\n%%EOF\n")]);

const captured: string[] = [];
const restores: (() => void)[] = [];
let runtime: LocalRuntime;
let operatorToken: string;
let dealerToken: string;
let otherDealerToken: string;

/** Keeps a copy of everything written to a stream, still writing it through. */
function capture(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    captured.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
    return write(chunk, ...rest);
  });
  restores.push(() => {
    stream.write = write;
  });
}

beforeAll(async () => {
  capture(process.stdout);
  capture(process.stderr);
  // Every line a handler could write, not just warnings.
  logger.setLogLevel("DEBUG");
  logger.debug("log capture probe");
  runtime = await startTestRuntime(platform, "trade-ins-e2e", { log: (line: LogLine) => captured.push(JSON.stringify(line)) });
  const { db } = testClients();
  await seedPartner(db, runtime.resources.tables.partners!.name, { id: "ti-bank", payoutUrl: runtime.partnerSimulator.payoutUrl });
  for (const id of ["dealer-1", "dealer-2"]) await seedMerchant(db, runtime.resources.tables.merchants!.name, { id, partnerId: "ti-bank", sector: "appliance" });
  operatorToken = await signLocalToken({ sub: "op-review", operator: true, settings: TEST_JWT });
  dealerToken = await signLocalToken({ sub: "dealer-1-staff", groups: ["merchants"], claims: { "custom:merchant_id": "dealer-1" }, settings: TEST_JWT });
  otherDealerToken = await signLocalToken({ sub: "dealer-2-staff", groups: ["merchants"], claims: { "custom:merchant_id": "dealer-2" }, settings: TEST_JWT });
});

afterAll(async () => {
  await runtime?.stop();
  logger.setLogLevel("WARN");
  for (const restore of restores) restore();
});

const call = (method: string, path: string, token: string, body?: unknown): Promise<Answer> => apiCall(runtime.url, method, path, { token, body });

/** A date `days` from today, YYYY-MM-DD (UTC). */
const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** An operator defines a programme running from 30 days ago to 60 days ahead. */
async function defineProgramme(definition: Record<string, unknown>): Promise<void> {
  const created = await call("POST", "/admin/programmes", operatorToken, { ...definition, period: { from: day(-30), to: day(60) } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

/** Uploads a PDF as `token`'s merchant through the presigned URL and returns its id. */
async function uploadInvoice(token: string, body = PDF): Promise<string> {
  const declared = await call("POST", "/merchant/attachments", token, { fileName: "发票.pdf", contentType: "application/pdf", size: PDF.length });
  expect(declared.status, JSON.stringify(declared.body)).toBe(201);
  const { attachmentId, uploadUrl } = documented(attachmentUploadSchema, declared.body);
  // The browser's view: the URL is on the runtime's own origin.
  expect(uploadUrl.startsWith(`${runtime.url}/object-store/`)).toBe(true);
  const put = await fetch(uploadUrl, { method: "PUT", body, headers: { "content-type": "application/pdf" } });
  expect(put.status).toBe(200);
  return attachmentId;
}

const tradeIn = (buyer: { name: string; phone: string }, invoiceNumber: string, price: number, attachments: string[]) => ({
  buyer,
  newProduct: { category: "家电/冰箱", model: "BCD-520", price },
  oldProduct: { category: "家电/冰箱", description: "2009 年购入的双门冰箱" },
  invoiceNumber,
  attachments,
});

describe("trade-in records over HTTP", () => {
  const ids: string[] = [];

  it("are recorded with the programme's subsidy, once per invoice even when sent at the same moment", async () => {
    await defineProgramme({ id: "tradein-2030", name: "家电以旧换新", kind: "trade_in", budget: 250_000, rule: { percent: 15, maxPerItem: 200_000 } });
    const invoice = await uploadInvoice(dealerToken);

    // 15 % of 799,900 fen = 119,985; 15 % of 1,999,900 = 299,985, capped at 200,000.
    const first = await call("POST", "/merchant/programmes/tradein-2030/trade-ins", dealerToken, tradeIn(BUYERS[0], "INV-0001", 799_900, [invoice]));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(documented(tradeInCreatedSchema, first.body)).toMatchObject({ subsidy: 119_985, status: "SUBMITTED" });
    const capped = await call("POST", "/merchant/programmes/tradein-2030/trade-ins", dealerToken, tradeIn(BUYERS[1], "INV-0002", 1_999_900, [invoice]));
    expect(documented(tradeInCreatedSchema, capped.body).subsidy).toBe(200_000);

    const race = await Promise.all(
      Array.from({ length: 8 }, () => call("POST", "/merchant/programmes/tradein-2030/trade-ins", dealerToken, tradeIn(BUYERS[2], "INV-0003", 100_000, [invoice]))),
    );
    expect(race.filter((answer) => answer.status === 201)).toHaveLength(1);
    for (const answer of race.filter((a) => a.status !== 201)) refusal(answer, 409, "DUPLICATE_INVOICE");
    const winner = tradeInCreatedSchema.parse(race.find((answer) => answer.status === 201)!.body);
    refusal(await call("POST", "/merchant/programmes/tradein-2030/trade-ins", dealerToken, tradeIn(BUYERS[0], "INV-0001", 5_000, [invoice])), 409, "DUPLICATE_INVOICE");
    ids.push(tradeInCreatedSchema.parse(first.body).id, tradeInCreatedSchema.parse(capped.body).id, winner.id);
  });

  it("refuse evidence that is another merchant's, never uploaded, or not what was declared", async () => {
    const othersFile = await uploadInvoice(otherDealerToken);
    refusal(await call("POST", "/merchant/programmes/tradein-2030/trade-ins", dealerToken, tradeIn(BUYERS[0], "INV-0100", 100_000, [othersFile])), 400, "ATTACHMENT_INVALID");
    const short = await uploadInvoice(dealerToken, PDF.subarray(0, 100));
    refusal(await call("POST", "/merchant/programmes/tradein-2030/trade-ins", dealerToken, tradeIn(BUYERS[0], "INV-0101", 100_000, [short])), 400, "ATTACHMENT_INVALID");
    const declared = await call("POST", "/merchant/attachments", dealerToken, { fileName: "a.pdf", contentType: "application/pdf", size: 10 });
    const neverUploaded = attachmentUploadSchema.parse(declared.body).attachmentId;
    refusal(await call("POST", "/merchant/programmes/tradein-2030/trade-ins", dealerToken, tradeIn(BUYERS[0], "INV-0102", 100_000, [neverUploaded])), 400, "ATTACHMENT_INVALID");
    refusal(await call("POST", "/merchant/attachments", dealerToken, { fileName: "a.exe", contentType: "application/x-msdownload", size: 10 }), 400, "VALIDATION_FAILED");
    refusal(await call("POST", "/merchant/attachments", dealerToken, { fileName: "big.pdf", contentType: "application/pdf", size: 10 * 1024 * 1024 + 1 }), 400, "VALIDATION_FAILED");
    // A price no trade-in reaches, or not a whole number of fen: refused at the field, before any evidence is read.
    const invoice = await uploadInvoice(dealerToken);
    for (const price of [1_000_000_001, 2 ** 60, 0.5]) {
      const absurd = await call("POST", "/merchant/programmes/tradein-2030/trade-ins", dealerToken, tradeIn(BUYERS[0], "INV-0103", price, [invoice]));
      refusal(absurd, 400, "VALIDATION_FAILED");
      expect((absurd.body as { error: { details: { path: string }[] } }).error.details.map((issue) => issue.path)).toEqual(expect.arrayContaining(["newProduct.price"]));
      expect(new Set((absurd.body as { error: { details: { path: string }[] } }).error.details.map((issue) => issue.path)).size).toBe(1);
    }
  });

  it("are listed with the buyer masked, to the operator and to their own merchant only", async () => {
    const listed = documented(tradeInListSchema, (await call("GET", "/admin/programmes/tradein-2030/trade-ins", operatorToken)).body);
    expect(listed.items.map((item) => item.buyer).sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      [
        { name: "欧***", phone: "139****5678" },
        { name: "张**", phone: "+86 138****8000" },
        { name: "L****", phone: "150****5432" },
      ].sort((a, b) => a.name.localeCompare(b.name)),
    );
    const own = documented(tradeInListSchema, (await call("GET", "/merchant/programmes/tradein-2030/trade-ins", dealerToken)).body);
    expect(own.items.map((item) => item.id).sort()).toEqual([...ids].sort());
    expect(JSON.stringify(own)).not.toContain("13912345678");
    const others = documented(tradeInListSchema, (await call("GET", "/merchant/programmes/tradein-2030/trade-ins", otherDealerToken)).body);
    expect(others.items).toEqual([]);
    refusal(await call("GET", "/admin/programmes/tradein-2030/trade-ins", dealerToken), 403, "FORBIDDEN");
  });

  it("show the buyer whole on the single-record route, with the invoice readable, and audit the read", async () => {
    const whole = documented(tradeInDetailSchema, (await call("GET", `/admin/trade-ins/${ids[0]}`, operatorToken)).body);
    expect(whole.buyer).toEqual(BUYERS[0]);
    expect(whole.attachmentDownloads.map((file) => file.attachmentId)).toEqual(whole.attachments);
    const read = await fetch(whole.attachmentDownloads[0]!.downloadUrl);
    expect(Buffer.from(await read.arrayBuffer())).toEqual(PDF);

    const audit = auditListSchema.parse((await call("GET", `/admin/audit?entity=TRADE_IN%23${ids[0]}`, operatorToken)).body);
    expect(audit.items.map((item) => item.action)).toEqual(["trade-in.record", "trade-in.view"]);
    expect(audit.items[1]).toMatchObject({ who: "op-review" });
    expect(JSON.stringify(audit)).not.toContain(BUYERS[0].phone);
  });

  it("are rejected with a reason, approved in a batch until the budget refuses, reviewed once, and paid", async () => {
    const [first, capped, third] = ids as [string, string, string];
    const rejected = await call("POST", `/admin/trade-ins/${third}/reject`, operatorToken, { reason: "发票抬头与购买人不符" });
    expect(rejected.body).toMatchObject({ status: "REJECTED" });
    refusal(await call("POST", `/admin/trade-ins/${third}/approve`, operatorToken), 409, "NOT_SUBMITTED");

    // 119,985 + 200,000 > 250,000: the first fits, the second is refused by the budget.
    const batch = documented(tradeInBatchResultSchema, (await call("POST", "/admin/trade-ins/approve", operatorToken, { ids: [first, capped, third, "no-such-record"] })).body);
    expect(batch).toEqual({
      approved: [first],
      refused: [
        { id: capped, code: "PROGRAMME_BUDGET_EXCEEDED" },
        { id: third, code: "NOT_SUBMITTED" },
        { id: "no-such-record", code: "NOT_FOUND" },
      ],
    });

    // Paid through the dealer's acquiring partner (the simulator), like an award.
    const paid = await eventually(async () => {
      const listed = documented(tradeInListSchema, (await call("GET", "/admin/programmes/tradein-2030/trade-ins?status=PAID", operatorToken)).body);
      return listed.items.length > 0 ? listed.items : undefined;
    }, 20_000, "the approved trade-in to be PAID");
    expect(paid.map((item) => [item.id, item.payoutAmount])).toEqual([[first, 119_985]]);
    const programmes = programmeListSchema.parse((await call("GET", "/admin/programmes", operatorToken)).body);
    expect(programmes.items.find((p) => p.id === "tradein-2030")).toMatchObject({ committed: 119_985, paid: 119_985 });
    // Paid once, under the record's idempotency key; the bank is told nothing of the buyer.
    const accepted = runtime.partnerSimulator.accepted.get(`trade-in/${first}`);
    expect(accepted?.body).toMatchObject({ kind: "award", payableId: `trade-in/${first}`, payable: "trade-in", merchantId: "dealer-1", amount: 119_985 });
    expect(JSON.stringify([...runtime.partnerSimulator.accepted.values()])).not.toContain(BUYERS[0].phone);
    expect(runtime.partnerSimulator.refused).toBe(0);
    // Only a FAILED payout is sent again (the mechanics are the awards': test/integration/programme-payouts.test.ts).
    refusal(await call("POST", `/admin/trade-ins/${first}/retry-payout`, operatorToken), 409, "INVALID_STATE");
  });

  it("leave applications' evidence checked the same way, and readable by the reviewer", async () => {
    await defineProgramme({ id: "events-2030", name: "促消费活动补贴", kind: "event_subsidy", budget: 10_000_000, maxAward: 2_000_000 });
    expect((await call("POST", "/merchant/programmes/events-2030/filings", dealerToken, { plan: "周末家电节" })).status).toBe(201);
    const othersFile = await uploadInvoice(otherDealerToken);
    refusal(await call("POST", "/merchant/programmes/events-2030/applications", dealerToken, { summary: "活动总结", attachments: [othersFile] }), 400, "ATTACHMENT_INVALID");
    const photo = await uploadInvoice(dealerToken);
    const applied = await call("POST", "/merchant/programmes/events-2030/applications", dealerToken, { summary: "活动总结", attachments: [photo] });
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    const detail = documented(applicationDetailSchema, (await call("GET", `/admin/applications/${(applied.body as { id: string }).id}`, operatorToken)).body);
    expect(detail.attachmentDownloads.map((file) => file.attachmentId)).toEqual([photo]);
    const read = await fetch(detail.attachmentDownloads[0]!.downloadUrl);
    expect(Buffer.from(await read.arrayBuffer())).toEqual(PDF);
  });

  it("never write a buyer's name or phone number to a log", () => {
    const logs = captured.join("\n");
    // The capture works: the runtime logged each request and a handler line or two.
    expect(logs).toContain("POST /merchant/programmes/{id}/trade-ins");
    // And the handlers' Powertools logger writes into it (the probe was logged at the start).
    expect(logs).toContain("log capture probe");
    for (const buyer of BUYERS) {
      for (const secret of [buyer.name, buyer.phone, buyer.phone.replace(/\D/g, "").slice(-11)]) expect(logs).not.toContain(secret);
    }
  });
});
