/**
 * The approval primitive of merchant programmes (store/programmes.ts approvePayable) on DynamoDB
 * Local, under real concurrency (Promise.all): many reviewers approving at the same moment never
 * commit more than a programme's budget, never award a merchant twice in an exclusive group, and
 * approve one payable once.
 */
import { randomUUID } from "node:crypto";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import type { PayableKind } from "../../shared/domain/programme.js";
import { ExclusiveAwardError, NotSubmittedError, ProgrammeBudgetExceededError } from "../../shared/errors.js";
import { payableKey } from "../../shared/store/keys.js";
import { approvePayable, insertProgramme, readProgramme } from "../../shared/store/programmes.js";
import { platform } from "../../shared/wiring/platform.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";

const { db } = testClients();
let tables: { programmes: string; audit: string };
const AT = "2026-05-01T02:00:00.000Z";
const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  tables = tableNamesOf(await provisionTestResources(platform, "programme-approval"), ["programmes", "audit"]);
}, 60_000);

async function programme(budget: number, exclusiveGroup?: string): Promise<string> {
  const id = unique("p");
  await insertProgramme(
    db,
    tables,
    {
      id,
      name: id,
      kind: "event_subsidy",
      maxAward: budget,
      budget,
      period: { from: "2026-01-01", to: "2026-12-31" },
      timezone: "Asia/Shanghai",
      ...(exclusiveGroup === undefined ? {} : { exclusiveGroup }),
      committed: 0,
      paid: 0,
      version: 0,
      createdAt: AT,
      createdBy: "op",
    },
    AT,
  );
  return id;
}

/** A SUBMITTED payable, as an application or a trade-in record stores one. */
async function payable(kind: PayableKind, programmeId: string, merchantId: string): Promise<string> {
  const id = unique(kind === "application" ? "a" : "t");
  await db.send(new PutCommand({ TableName: tables.programmes, Item: { ...payableKey(kind, id), kind, id, programmeId, merchantId, status: "SUBMITTED", version: 0 } }));
  return id;
}

const approve = (kind: PayableKind, id: string, p: { programmeId: string; merchantId: string; budget: number; amount: number; exclusiveGroup?: string }, who = "reviewer") =>
  approvePayable(db, tables, { payable: { kind, id }, programmeId: p.programmeId, merchantId: p.merchantId, amount: p.amount, budget: p.budget, exclusiveGroup: p.exclusiveGroup, version: 0, who, at: AT });

describe("approvePayable", () => {
  it("commits nothing for a payable that names another merchant", async () => {
    const programmeId = await programme(1_000);
    const ids = await Promise.all(Array.from({ length: 4 }, (_, i) => payable(i % 2 === 0 ? "application" : "trade-in", programmeId, unique("m"))));
    const outcomes = await Promise.allSettled(
      ids.map((id, i) => approve(i % 2 === 0 ? "application" : "trade-in", id, { programmeId, merchantId: "someone-else", budget: 1_000, amount: 300 }, `reviewer-${i}`)),
    );
    // The payable's programme and merchant are checked in the same write: refused as NOT_SUBMITTED.
    expect(outcomes.every((outcome) => outcome.status === "rejected" && outcome.reason instanceof NotSubmittedError)).toBe(true);
    expect((await readProgramme(db, tables.programmes, programmeId))?.committed).toBe(0);
  });

  it("approves exactly ⌊budget ÷ amount⌋ of many payables approved at the same moment", async () => {
    const programmeId = await programme(1_000);
    const merchants = Array.from({ length: 20 }, () => unique("m"));
    const ids = await Promise.all(merchants.map((merchantId, i) => payable(i % 2 === 0 ? "application" : "trade-in", programmeId, merchantId)));
    const outcomes = await Promise.allSettled(
      ids.map((id, i) => approve(i % 2 === 0 ? "application" : "trade-in", id, { programmeId, merchantId: merchants[i]!, budget: 1_000, amount: 300 }, `reviewer-${i}`)),
    );
    const approved = outcomes.filter((outcome) => outcome.status === "fulfilled");
    const refused = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
    expect(approved).toHaveLength(3);
    // Conflicts between the concurrent transactions are tried again; what is refused is refused for the budget.
    expect(refused).toHaveLength(17);
    expect(refused.every((outcome) => outcome.reason instanceof ProgrammeBudgetExceededError)).toBe(true);
    expect((await readProgramme(db, tables.programmes, programmeId))?.committed).toBe(900);
  });

  it("approves one payable once when ten reviewers approve it together", async () => {
    const programmeId = await programme(10_000);
    const merchantId = unique("m");
    const id = await payable("application", programmeId, merchantId);
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => approve("application", id, { programmeId, merchantId, budget: 10_000, amount: 500 }, `reviewer-${i}`)));
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    expect((await readProgramme(db, tables.programmes, programmeId))?.committed).toBe(500);
  });

  it("awards a merchant by one programme of an exclusive group only, however the approvals race", async () => {
    const group = unique("g");
    const [first, second] = [await programme(100_000, group), await programme(100_000, group)];
    const merchantId = unique("m");
    const a = await payable("application", first, merchantId);
    const b = await payable("application", second, merchantId);
    const outcomes = await Promise.allSettled([
      approve("application", a, { programmeId: first, merchantId, budget: 100_000, amount: 1_000, exclusiveGroup: group }),
      approve("application", b, { programmeId: second, merchantId, budget: 100_000, amount: 1_000, exclusiveGroup: group }),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    const committed = [(await readProgramme(db, tables.programmes, first))!.committed, (await readProgramme(db, tables.programmes, second))!.committed];
    expect([...committed].sort()).toEqual([0, 1_000]);
    // Once the race is over, the loser's approval is refused as EXCLUSIVE_AWARD, while the winner's programme may award again.
    const loser = committed[0] === 0 ? first : second;
    const loserPayable = loser === first ? a : b;
    await expect(approve("application", loserPayable, { programmeId: loser, merchantId, budget: 100_000, amount: 1_000, exclusiveGroup: group })).rejects.toBeInstanceOf(ExclusiveAwardError);
    const winner = loser === first ? second : first;
    const again = await payable("application", winner, merchantId);
    await expect(approve("application", again, { programmeId: winner, merchantId, budget: 100_000, amount: 1_000, exclusiveGroup: group })).resolves.toBeUndefined();
  });

  it("refuses an amount beyond what is left with PROGRAMME_BUDGET_EXCEEDED and the figures", async () => {
    const programmeId = await programme(1_000);
    const merchantId = unique("m");
    await approve("trade-in", await payable("trade-in", programmeId, merchantId), { programmeId, merchantId, budget: 1_000, amount: 800 });
    const refusal = await approve("trade-in", await payable("trade-in", programmeId, merchantId), { programmeId, merchantId, budget: 1_000, amount: 201 }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ProgrammeBudgetExceededError);
    expect((refusal as ProgrammeBudgetExceededError).details).toEqual({ budget: 1_000, committed: 800, amount: 201 });
  });
});
