/**
 * The routes the console's operations screens need, against DynamoDB Local: GET /admin/partners
 * (never a secret) and GET /admin/settlements?status= across periods (the `byStatus` index, which
 * follows each statement as it changes status), beside the period form that stays as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PhysicalResources, teardownResources } from "../../infra/local/provision.js";
import { partnerListSchema } from "../../shared/api/registry-schemas.js";
import { settlementListQuerySchema } from "../../shared/api/settlement-schemas.js";
import type { StatementStatus } from "../../shared/domain/settlement.js";
import { createStatement, moveStatement } from "../../shared/store/statements.js";
import { listPartners, registerPartner, rotatePartnerSecret } from "../../shared/use-cases/partners.js";
import { listStatements } from "../../shared/use-cases/settlement-views.js";
import { platform } from "../../shared/wiring/platform.js";
import { rejection } from "../support/rejection.js";
import { provisionTestResources, tableNamesOf, testClients, testEndpoints } from "./runtime-helpers.js";

const T0 = new Date("2030-03-05T08:00:00.000Z");
const { db } = testClients();
let resources: PhysicalResources;
let tables: Record<"partners" | "audit" | "settlements", string>;
const now = () => T0;

beforeAll(async () => {
  resources = await provisionTestResources(platform, "console-ops-routes");
  tables = tableNamesOf(resources, ["partners", "audit", "settlements"]);
});

afterAll(async () => {
  if (resources) await teardownResources(resources, testEndpoints());
});

describe("GET /admin/partners", () => {
  it("pages every partner with its live secrets' dates, and never a secret", async () => {
    const settings = { allowHttp: false, defaultPayoutUrl: "https://payouts.example.com/" };
    const secrets: string[] = [];
    for (const id of ["bank-a", "bank-b", "bank-c"]) {
      const created = await registerPartner({ db, tables, now, registration: { id, name: `Bank ${id}` }, operator: "ops-1", settings });
      secrets.push(created.signingSecret);
    }
    const rotated = await rotatePartnerSecret({ db, tables, now, partnerId: "bank-b", operator: "ops-1", rotation: { graceSeconds: 3600 } });
    secrets.push(rotated.signingSecret);

    const items = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = partnerListSchema.parse(await listPartners({ db, tables, now, query: { limit: 2, nextToken } }));
      items.push(...page.items);
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(items.map((partner) => partner.id).sort()).toEqual(["bank-a", "bank-b", "bank-c"]);
    const bankB = items.find((partner) => partner.id === "bank-b");
    // The earlier secret verifies for the hour of grace; the new one has no end.
    expect(bankB?.secrets).toEqual([{ createdAt: T0.toISOString(), retiresAt: "2030-03-05T09:00:00.000Z" }, { createdAt: T0.toISOString() }]);
    expect(bankB).toMatchObject({ name: "Bank bank-b", payoutUrl: "https://payouts.example.com/", createdBy: "ops-1" });
    const answered = JSON.stringify(items);
    for (const secret of secrets) expect(answered).not.toContain(secret);

    // Once the grace period is over, the retired secret is no longer listed.
    const later = await listPartners({ db, tables, now: () => new Date("2030-03-05T09:00:01.000Z"), query: { limit: 100 } });
    expect(later.items.find((partner) => partner.id === "bank-b")?.secrets).toEqual([{ createdAt: T0.toISOString() }]);
  });
});

describe("GET /admin/settlements?status=", () => {
  const statement = (campaignId: string, merchantId: string, period: string, status: StatementStatus) => ({
    statementId: `${campaignId}/${merchantId}/${period}`,
    campaignId,
    merchantId,
    period,
    status,
    cutoff: `${period}T16:00:00.000Z`,
    arrivedBefore: T0.toISOString(),
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
  });
  const ids = (page: { items: { statementId: string }[] }) => page.items.map((item) => item.statementId);

  beforeAll(async () => {
    for (const seeded of [
      statement("c1", "m1", "2030-03-01", "PAID"),
      statement("c1", "m1", "2030-03-02", "FAILED"),
      statement("c1", "m2", "2030-03-02", "PAID"),
      statement("c2", "m1", "2030-03-03", "PAID"),
      statement("c2", "m2", "2030-03-03", "HELD"),
    ]) {
      expect((await createStatement(db, tables.settlements, seeded)).created).toBe(true);
    }
  });

  it("lists one status across periods, newest period first, a page at a time", async () => {
    const first = await listStatements({ db, tables, query: { status: "PAID", limit: 2 } });
    expect(first.items.map((item) => item.period)).toEqual(["2030-03-03", "2030-03-02"]);
    expect(first.nextToken).toBeDefined();
    const second = await listStatements({ db, tables, query: { status: "PAID", limit: 2, nextToken: first.nextToken } });
    expect(ids(second)).toEqual(["c1/m1/2030-03-01"]);
    expect(second.nextToken).toBeUndefined();
    expect(ids(await listStatements({ db, tables, query: { status: "HELD", limit: 50 } }))).toEqual(["c2/m2/2030-03-03"]);
  });

  it("narrows to a period with both, and keeps the period form as it was", async () => {
    expect(ids(await listStatements({ db, tables, query: { status: "PAID", period: "2030-03-02", limit: 50 } }))).toEqual(["c1/m2/2030-03-02"]);
    expect(ids(await listStatements({ db, tables, query: { period: "2030-03-02", limit: 50 } }))).toEqual(["c1/m1/2030-03-02", "c1/m2/2030-03-02"]);
  });

  it("follows a statement that changes status: a retried FAILED payout leaves the FAILED list for the PENDING one", async () => {
    expect(ids(await listStatements({ db, tables, query: { status: "FAILED", limit: 50 } }))).toEqual(["c1/m1/2030-03-02"]);
    const key = { campaignId: "c1", merchantId: "m1", period: "2030-03-02", statementId: "c1/m1/2030-03-02" };
    expect(await moveStatement(db, tables, key, { to: "PENDING", from: "FAILED" }, T0.toISOString())).toBe(true);
    expect((await listStatements({ db, tables, query: { status: "FAILED", limit: 50 } })).items).toEqual([]);
    expect(ids(await listStatements({ db, tables, query: { status: "PENDING", limit: 50 } }))).toEqual(["c1/m1/2030-03-02"]);
  });

  it("refuses a query naming neither, and a page token of another status", async () => {
    const parsed = settlementListQuerySchema.safeParse({});
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([["period", "name a period, a status or both"]]);
    expect(settlementListQuerySchema.parse({ status: "PAID" })).toEqual({ status: "PAID", limit: 50 });
    const paid = await listStatements({ db, tables, query: { status: "PAID", limit: 1 } });
    const refused = await rejection(listStatements({ db, tables, query: { status: "HELD", limit: 1, nextToken: paid.nextToken } }));
    expect(refused.code).toBe("VALIDATION_FAILED");
  });
});
