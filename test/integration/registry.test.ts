/**
 * Partners, merchants and the audit trail against DynamoDB Local: every change and its audit item
 * commit together, races between status changes leave one consistent history, and a rotated
 * secret stays valid for its grace period only.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION } from "../../infra/local/emulators.js";
import { type PhysicalResources, teardownResources } from "../../infra/local/provision.js";
import { type MerchantAction, MERCHANT_TRANSITIONS } from "../../shared/domain/merchant.js";
import type { Context } from "aws-lambda";
import { SECRET_GRACE_MS, liveSecrets } from "../../shared/domain/partner.js";
import { SIGNATURE_HEADER, signPayload } from "../../shared/domain/signature.js";
import { PARTNER_CACHE_MS, partnerRoute } from "../../shared/http/partner-route.js";
import type { HttpEvent } from "../../shared/http/route.js";
import { type DomainError } from "../../shared/errors.js";
import { listAudit } from "../../shared/use-cases/audit.js";
import { listMerchants, registerMerchant, setMerchantStatus } from "../../shared/use-cases/merchants.js";
import { type PartnerCreated, type PartnerSecret, type PartnerSettings, loadPartnerCredentials } from "../../shared/use-cases/partners.js";
import type { Dependencies } from "../../shared/use-cases/dependencies.js";
import { answerRegistration } from "../../functions/partners/register.js";
import { answerRotation } from "../../functions/partners/rotate-secret.js";
import { httpEvent } from "../support/http-event.js";
import { rejection } from "../support/rejection.js";
import { platform } from "../../shared/wiring/platform.js";
import { provisionTestResources, tableNamesOf, testEndpoints } from "./runtime-helpers.js";

const T0 = new Date("2030-03-01T08:00:00.000Z");
const db = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS, endpoint: inject("dynamodbEndpoint") }),
  { marshallOptions: { removeUndefinedValues: true } },
);

let resources: PhysicalResources;
let now = T0;
let deps: Dependencies<"partners" | "merchants" | "audit">;
const settings: PartnerSettings = { allowHttp: false, defaultPayoutUrl: undefined };
const operator = (sub: string) => ({ sub, groups: ["operators"] });

/** POST /admin/partners through its handler (the body parsed there), as `sub`. */
async function registerPartner(body: unknown, sub: string, with_: PartnerSettings = settings): Promise<PartnerCreated> {
  const reply = await answerRegistration({ event: httpEvent({ route: "/admin/partners", body }), caller: operator(sub) }, deps, with_);
  return reply.body as PartnerCreated;
}

/** POST /admin/partners/{id}/rotate-secret through its handler; no `body`: none sent. */
async function rotatePartnerSecret(partnerId: string, sub: string, body?: unknown): Promise<PartnerSecret> {
  const event = httpEvent({ route: "/admin/partners/{id}/rotate-secret", pathParameters: { id: partnerId }, body });
  return (await answerRotation({ event, caller: operator(sub) }, deps)).body as PartnerSecret;
}

beforeAll(async () => {
  resources = await provisionTestResources(platform, "registry");
  deps = {
    db,
    tables: tableNamesOf(resources, ["partners", "merchants", "audit"]),
    now: () => now,
  };
});

afterAll(async () => {
  if (resources) await teardownResources(resources, testEndpoints());
  db.destroy();
});


async function trail(entity: string) {
  const items = [];
  let nextToken: string | undefined;
  do {
    const page = await listAudit({ ...deps, query: { entity, limit: 7, nextToken } });
    items.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return items;
}

describe("partners", () => {
  it("are registered once, with an audit item that holds no secret", async () => {
    const created = await registerPartner({ id: "bank-a", name: "Bank A", payoutUrl: "https://pay.bank-a.example/" }, "op-1");
    expect(created).toMatchObject({ id: "bank-a", name: "Bank A", payoutUrl: "https://pay.bank-a.example/" });
    expect(created.signingSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const again = await rejection(registerPartner({ id: "bank-a", name: "Other" }, "op-2", { ...settings, defaultPayoutUrl: "https://x.example/" }));
    expect(again.code).toBe("ALREADY_EXISTS");

    const entries = await trail("PARTNER#bank-a");
    expect(entries).toEqual([expect.objectContaining({ entity: "PARTNER#bank-a", who: "op-1", action: "partner.register", at: T0.toISOString() })]);
    expect(JSON.stringify(entries)).not.toContain(created.signingSecret);
  });

  it("need a payout URL unless the deployment has a default, and never a private one", async () => {
    const missing = await rejection(registerPartner({ id: "bank-b", name: "Bank B" }, "op-1"));
    expect(missing).toMatchObject({ code: "VALIDATION_FAILED", details: [expect.objectContaining({ path: "payoutUrl" })] });
    const metadata = await rejection(registerPartner({ id: "bank-b", name: "B", payoutUrl: "https://169.254.169.254/" }, "op-1"));
    expect(metadata.code).toBe("VALIDATION_FAILED");
    const defaulted = await registerPartner({ id: "bank-b", name: "Bank B" }, "op-1", { ...settings, defaultPayoutUrl: "https://sim.example/" });
    expect(defaulted.payoutUrl).toBe("https://sim.example/");
    expect(await trail("PARTNER#bank-b")).toHaveLength(1);
  });

  it("keep the old secret valid for 24 h after a rotation, and drop it at the next rotation after that", async () => {
    now = T0;
    const { signingSecret: first } = await registerPartner({ id: "bank-r", name: "R", payoutUrl: "https://r.example/" }, "op-1");
    now = new Date(T0.getTime() + 60_000);
    const { signingSecret: second } = await rotatePartnerSecret("bank-r", "op-2");
    const live = async (at: Date) => liveSecrets((await loadPartnerCredentials(deps, "bank-r"))!.secrets, at);
    expect(await live(now)).toEqual([first, second]);
    expect(await live(new Date(now.getTime() + SECRET_GRACE_MS - 1))).toEqual([first, second]);
    expect(await live(new Date(now.getTime() + SECRET_GRACE_MS))).toEqual([second]);

    now = new Date(now.getTime() + SECRET_GRACE_MS + 1);
    const { signingSecret: third } = await rotatePartnerSecret("bank-r", "op-2");
    const stored = (await loadPartnerCredentials(deps, "bank-r"))!.secrets.map((s) => s.secret);
    expect(stored).toEqual([second, third]);

    const entries = await trail("PARTNER#bank-r");
    expect(entries.map((e) => [e.action, e.who])).toEqual([["partner.register", "op-1"], ["partner.rotate-secret", "op-2"], ["partner.rotate-secret", "op-2"]]);
    expect(entries[1]?.after).toMatchObject({ graceSeconds: 86_400 });
    for (const secret of [first, second, third]) expect(JSON.stringify(entries)).not.toContain(secret);
    expect((await rejection(rotatePartnerSecret("nobody", "op-2"))).code).toBe("NOT_FOUND");
  });

  it("rotated with graceSeconds 0, refuse every earlier secret within the partner-secret cache's lifetime, and audit the grace period", async () => {
    now = T0;
    const { signingSecret: first } = await registerPartner({ id: "bank-z", name: "Z", payoutUrl: "https://z.example/" }, "op-1");
    const { signingSecret: second } = await rotatePartnerSecret("bank-z", "op-2", {});
    // A partner-signed route reading this table, on an injected clock.
    let clock = new Date(T0.getTime() + 60_000);
    const route = partnerRoute(() => ({ status: 201 }), { load: (id) => loadPartnerCredentials(deps, id), now: () => clock });
    const body = JSON.stringify({ id: "m-z", name: "Z shop", sector: "hotel" });
    const context = { awsRequestId: "req-z", getRemainingTimeInMillis: () => 1_000 } as unknown as Context;
    const call = async (secret: string) => {
      const event = {
        headers: { [SIGNATURE_HEADER]: signPayload(secret, Math.floor(clock.getTime() / 1000), body) },
        pathParameters: { partnerId: "bank-z" },
        isBase64Encoded: false,
        body,
        requestContext: { requestId: "req-z" },
      } as unknown as HttpEvent;
      return (await route.run(event, context)).statusCode;
    };
    expect(await call(first)).toBe(201); // in its 24 h grace period, now cached by the route
    expect(await call(second)).toBe(201);

    now = clock;
    const { signingSecret: third, graceSeconds } = await rotatePartnerSecret("bank-z", "op-3", { graceSeconds: 0 });
    expect(graceSeconds).toBe(0);
    expect((await loadPartnerCredentials(deps, "bank-z"))!.secrets.map((s) => s.secret)).toEqual([third]);
    // The bound: secrets read before the revocation are served from the cache for less than 30 s.
    clock = new Date(now.getTime() + PARTNER_CACHE_MS - 1);
    expect(await call(first)).toBe(201);
    clock = new Date(now.getTime() + PARTNER_CACHE_MS);
    expect(await call(first)).toBe(401);
    expect(await call(second)).toBe(401);
    expect(await call(third)).toBe(201);

    const rotations = (await trail("PARTNER#bank-z")).filter((e) => e.action === "partner.rotate-secret");
    expect(rotations.map((e) => [e.who, e.after?.graceSeconds, e.after?.secretCount])).toEqual([
      ["op-2", 86_400, 2],
      ["op-3", 0, 1],
    ]);
    for (const secret of [first, second, third]) expect(JSON.stringify(rotations)).not.toContain(secret);
  });

  it("refuse a grace period that is not an integer from 0 to 86400, or another field, and change nothing", async () => {
    now = T0;
    await registerPartner({ id: "bank-g", name: "G", payoutUrl: "https://g.example/" }, "op-1");
    for (const body of [{ graceSeconds: -1 }, { graceSeconds: 86_401 }, { graceSeconds: 0.5 }, { graceSeconds: "0" }, { grace: 0 }, null]) {
      const refused = await rejection(rotatePartnerSecret("bank-g", "op-2", body));
      expect(refused).toMatchObject({ code: "VALIDATION_FAILED", status: 400 });
    }
    expect((await loadPartnerCredentials(deps, "bank-g"))!.secrets).toHaveLength(1);
    expect(await trail("PARTNER#bank-g")).toHaveLength(1);
  });

  it("rotated concurrently, each rotation lands once and every returned secret verifies", async () => {
    now = T0;
    await registerPartner({ id: "bank-c", name: "C", payoutUrl: "https://c.example/" }, "op-1");
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => rotatePartnerSecret("bank-c", "op-2")));
    const rotated = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.signingSecret] : []));
    expect(rotated.length).toBeGreaterThan(0);
    const live = liveSecrets((await loadPartnerCredentials(deps, "bank-c"))!.secrets, now);
    for (const secret of rotated) expect(live).toContain(secret);
    expect((await trail("PARTNER#bank-c")).filter((e) => e.action === "partner.rotate-secret")).toHaveLength(rotated.length);
  });
});

describe("merchants", () => {
  it("have global ids, start PENDING, and need a registered partner when an operator adds them", async () => {
    now = T0;
    const m = await registerMerchant({ ...deps, merchant: { id: "shop-1", name: "Shop", sector: "supermarket", partnerId: "bank-a" }, who: "partner:bank-a", checkPartner: false });
    expect(m).toEqual({ id: "shop-1", name: "Shop", sector: "supermarket", partnerId: "bank-a", status: "PENDING", createdAt: T0.toISOString(), updatedAt: T0.toISOString() });
    const taken = await rejection(registerMerchant({ ...deps, merchant: { id: "shop-1", name: "Other", sector: "fuel", partnerId: "bank-b" }, who: "op-1", checkPartner: true }));
    expect(taken.code).toBe("ALREADY_EXISTS");
    const orphan = await rejection(registerMerchant({ ...deps, merchant: { id: "shop-x", name: "X", sector: "fuel", partnerId: "nobody" }, who: "op-1", checkPartner: true }));
    expect(orphan).toMatchObject({ code: "VALIDATION_FAILED", details: [expect.objectContaining({ path: "partnerId" })] });
    expect(await trail("MERCHANT#shop-1")).toEqual([expect.objectContaining({ who: "partner:bank-a", action: "merchant.create" })]);
    expect(await trail("MERCHANT#shop-x")).toEqual([]);
  });

  it("move only as the rules allow, with the reason on a suspension", async () => {
    await registerMerchant({ ...deps, merchant: { id: "shop-2", name: "Two", sector: "restaurant", partnerId: "bank-a" }, who: "op-1", checkPartner: true });
    expect((await rejection(setMerchantStatus({ ...deps, merchantId: "shop-2", action: "suspend", reason: "x", operator: "op-1" }))).code).toBe("INVALID_STATE");
    await setMerchantStatus({ ...deps, merchantId: "shop-2", action: "approve", operator: "op-1" });
    const suspended = await setMerchantStatus({ ...deps, merchantId: "shop-2", action: "suspend", reason: "fraud review", operator: "op-2" });
    expect(suspended).toMatchObject({ status: "SUSPENDED", statusReason: "fraud review" });
    const back = await setMerchantStatus({ ...deps, merchantId: "shop-2", action: "reinstate", operator: "op-1" });
    expect(back.status).toBe("APPROVED");
    expect(back.statusReason).toBeUndefined();
    expect((await rejection(setMerchantStatus({ ...deps, merchantId: "nobody", action: "approve", operator: "op-1" }))).code).toBe("NOT_FOUND");
    const entries = await trail("MERCHANT#shop-2");
    expect(entries.map((e) => [e.action, e.who, e.reason, e.before?.status, e.after?.status])).toEqual([
      ["merchant.create", "op-1", undefined, undefined, "PENDING"],
      ["merchant.approve", "op-1", undefined, "PENDING", "APPROVED"],
      ["merchant.suspend", "op-2", "fraud review", "APPROVED", "SUSPENDED"],
      ["merchant.reinstate", "op-1", undefined, "SUSPENDED", "APPROVED"],
    ]);
  });

  it("raced by concurrent approve, suspend and reinstate, end in one consistent state with one audit item per applied change", async () => {
    await registerMerchant({ ...deps, merchant: { id: "shop-race", name: "Race", sector: "hotel", partnerId: "bank-a" }, who: "op-1", checkPartner: true });
    const actions: MerchantAction[] = Array.from({ length: 30 }, (_, i) => (["approve", "suspend", "reinstate"] as const)[i % 3]!);
    const results = await Promise.allSettled(
      actions.map((action, i) => setMerchantStatus({ ...deps, merchantId: "shop-race", action, reason: action === "suspend" ? `r${i}` : undefined, operator: `op-${i}` })),
    );
    for (const result of results) {
      if (result.status === "rejected") expect((result.reason as DomainError).code).toMatch(/^(INVALID_STATE|CONCURRENT_UPDATE)$/);
    }
    const applied = results.filter((r) => r.status === "fulfilled").length;
    expect(applied).toBeGreaterThanOrEqual(1);

    const entries = await trail("MERCHANT#shop-race");
    expect(entries).toHaveLength(1 + applied);
    // The trail is one unbroken chain: each change starts from the state the one before left.
    let state = entries[0]!.after!;
    for (const entry of entries.slice(1)) {
      const action = entry.action.replace("merchant.", "") as MerchantAction;
      expect(entry.before).toEqual(state);
      expect(entry.before?.status).toBe(MERCHANT_TRANSITIONS[action].from);
      expect(entry.after?.status).toBe(MERCHANT_TRANSITIONS[action].to);
      expect(entry.after?.version).toBe((state.version as number) + 1);
      state = entry.after!;
    }
    const listed = await listMerchants({ ...deps, query: { limit: 100 } });
    expect(listed.items.find((m) => m.id === "shop-race")?.status).toBe(state.status);
  });

  it("are listed by status a page at a time", async () => {
    for (const id of ["list-1", "list-2", "list-3"]) {
      await registerMerchant({ ...deps, merchant: { id, name: id, sector: "auto", partnerId: "bank-a" }, who: "op-1", checkPartner: true });
      await setMerchantStatus({ ...deps, merchantId: id, action: "approve", operator: "op-1" });
    }
    const approved = [];
    let nextToken: string | undefined;
    do {
      const page = await listMerchants({ ...deps, statuses: ["APPROVED"], query: { limit: 2, nextToken } });
      expect(page.items.length).toBeLessThanOrEqual(2);
      approved.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(approved.every((m) => m.status === "APPROVED")).toBe(true);
    expect(approved.map((m) => m.id)).toEqual(expect.arrayContaining(["list-1", "list-2", "list-3", "shop-2"]));
    const all = [];
    nextToken = undefined;
    do {
      const page = await listMerchants({ ...deps, query: { limit: 3, nextToken } });
      all.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(new Set(all.map((m) => m.id)).size).toBe(all.length);
    expect(all.map((m) => m.id)).toEqual(expect.arrayContaining(["shop-1", "list-1", "shop-race"]));
    expect(all.findIndex((m) => m.status === "PENDING")).toBe(0);
  });
});
