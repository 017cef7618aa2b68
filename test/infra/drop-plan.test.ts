/**
 * `-c vouchers:dropPlan=plan.json` applies a drop plan: warm throughput on the tables the claim
 * path touches, provisioned concurrency on the claim function through an alias that API Gateway
 * invokes, its campaign cache time and read copies, the claims route's throttle at the plan's rate.
 * Without the key nothing of it is there; the campaign replicator is there either way.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type BuiltApp } from "../../infra/build-app.js";
import { CAMPAIGN_CACHE_ENV, CAMPAIGN_COPIES_ENV, CLAIM_FUNCTION, COPIES_KEPT_ENV, COPY_FUNCTION, DROP_ALIAS_NAME, DROP_PLAN_CONTEXT, readDropPlan } from "../../infra/constructs/drop-plan.js";
import { REPO_ROOT } from "../../infra/constructs/voucher-function.js";
import { DROP_PLAN_TABLES, planDrop } from "../../shared/domain/capacity.js";
import { DEFAULT_ROUTE_THROTTLES } from "../../infra/edge-context.js";
import { platform } from "../../shared/wiring/platform.js";
import { logicalId, testApp } from "./support.js";

type Resource = { Type: string; Properties: Record<string, any> };

const plan = planDrop({ attemptsPerSecond: 100_000, stock: 100_000 });
const dir = mkdtempSync(join(tmpdir(), "drop-plan-"));
const planFile = join(dir, "plan.json");
writeFileSync(planFile, JSON.stringify(plan));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLAIM_ROUTE = "POST /campaigns/{id}/drops/{dropId}/claims";

const resources = (template: Template, type: string): [string, Resource][] =>
  Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(([, resource]) => resource.Type === type);

describe("a deployment with a drop plan", () => {
  let built: BuiltApp;
  let stateful: Template;
  let stateless: Template;

  beforeAll(() => {
    built = buildApp({ wiring: platform, app: testApp({ [DROP_PLAN_CONTEXT]: planFile }) });
    stateful = Template.fromStack(built.stateful);
    stateless = Template.fromStack(built.stateless);
  });

  it("sets the plan's warm throughput on the inventory, vouchers, idempotency and campaigns tables, and on no other", () => {
    const warmed = resources(stateful, "AWS::DynamoDB::GlobalTable").filter(([, table]) => table.Properties.WarmThroughput !== undefined);
    expect(warmed.map(([id]) => id).sort()).toEqual(DROP_PLAN_TABLES.map((name) => logicalId(built.stateful.tables[name]!)).sort());
    for (const name of DROP_PLAN_TABLES) {
      const id = logicalId(built.stateful.tables[name]!);
      expect((stateful.toJSON().Resources as Record<string, Resource>)[id]!.Properties.WarmThroughput).toEqual({
        ReadUnitsPerSecond: plan.warmThroughput[name].readUnitsPerSecond,
        WriteUnitsPerSecond: plan.warmThroughput[name].writeUnitsPerSecond,
      });
    }
  });

  it("provisions the claim function through an alias, which the claim route invokes", () => {
    const aliases = resources(stateless, "AWS::Lambda::Alias");
    expect(aliases).toHaveLength(1);
    const [aliasId, alias] = aliases[0]!;
    expect(alias.Properties.Name).toBe(DROP_ALIAS_NAME);
    expect(alias.Properties.FunctionName).toEqual({ Ref: logicalId(built.stateless.functions[CLAIM_FUNCTION]!) });
    expect(alias.Properties.ProvisionedConcurrencyConfig).toEqual({ ProvisionedConcurrentExecutions: plan.claimFunction.provisionedConcurrency });

    const integrations = resources(stateless, "AWS::ApiGatewayV2::Integration");
    const toAlias = integrations.filter(([, integration]) => JSON.stringify(integration.Properties.IntegrationUri).includes(aliasId));
    expect(toAlias).toHaveLength(1);
    // Every other integration invokes its function directly.
    expect(integrations.length).toBeGreaterThan(1);
    const permissions = resources(stateless, "AWS::Lambda::Permission").filter(([, permission]) => JSON.stringify(permission.Properties.FunctionName).includes(aliasId));
    expect(permissions.length).toBeGreaterThan(0);
  });

  // 8,000 environments: a 2.7 s cache; the herd as the drop opens, 100,000 attempts/s × 0.5 RCU, 17 copies' worth at 3,000 each, rounded up to 32.
  it.each([
    ["campaign cache time", CAMPAIGN_CACHE_ENV, "2700"],
    ["number of campaign copies", CAMPAIGN_COPIES_ENV, "32"],
  ])("sets the plan's %s on the claim function, and on no other", (_what, variable, value) => {
    expect(plan.claimFunction).toMatchObject({ provisionedConcurrency: 8_000, campaignCacheMs: 2_700, campaignCopies: 32 });
    const functions = resources(stateless, "AWS::Lambda::Function");
    const claimId = logicalId(built.stateless.functions[CLAIM_FUNCTION]!);
    expect(functions.filter(([, fn]) => fn.Properties.Environment?.Variables?.[variable] !== undefined).map(([id]) => id)).toEqual([claimId]);
    expect(functions.find(([id]) => id === claimId)![1].Properties.Environment.Variables[variable]).toBe(value);
    // The replicator that writes the copies, on the campaigns table's stream.
    expect(built.stateless.functions.copyCampaign).toBeDefined();
  });

  it("makes the replicator keep as many copies as the claims read", () => {
    const functions = resources(stateless, "AWS::Lambda::Function");
    const replicatorId = logicalId(built.stateless.functions[COPY_FUNCTION]!);
    expect(functions.filter(([, fn]) => fn.Properties.Environment?.Variables?.[COPIES_KEPT_ENV] !== undefined).map(([id]) => id)).toEqual([replicatorId]);
    expect(functions.find(([id]) => id === replicatorId)![1].Properties.Environment.Variables[COPIES_KEPT_ENV]).toBe(String(plan.claimFunction.campaignCopies));
  });

  it("keeps cdk-nag clean (its checks run at synthesis)", () => {
    expect(() => built.app.synth()).not.toThrow();
  });

  it("lets the claims route take the plan's rate, and only the claims route", () => {
    const stages = resources(stateless, "AWS::ApiGatewayV2::Stage");
    expect(stages).toHaveLength(1);
    const { RouteSettings: routes, DefaultRouteSettings: defaults } = stages[0]![1].Properties;
    expect(routes[CLAIM_ROUTE]).toEqual({ ThrottlingRateLimit: plan.quotas.apiGatewayRequestsPerSecond, ThrottlingBurstLimit: plan.quotas.apiGatewayBurst });
    const partner = DEFAULT_ROUTE_THROTTLES.partner;
    expect(routes["POST /partners/{partnerId}/payments"]).toEqual({ ThrottlingRateLimit: partner.rateLimit, ThrottlingBurstLimit: partner.burstLimit });
    expect(defaults).toMatchObject({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 });
  });
});

describe("a deployment without a drop plan", () => {
  it("changes nothing: no warm throughput, no alias, the claims route at its configured throttle", () => {
    const built = buildApp({ wiring: platform, app: testApp() });
    const stateful = Template.fromStack(built.stateful);
    const stateless = Template.fromStack(built.stateless);
    expect(resources(stateful, "AWS::DynamoDB::GlobalTable").filter(([, table]) => table.Properties.WarmThroughput !== undefined)).toEqual([]);
    expect(resources(stateless, "AWS::Lambda::Alias")).toEqual([]);
    expect(resources(stateless, "AWS::Lambda::Function").filter(([, fn]) => fn.Properties.Environment?.Variables?.[CAMPAIGN_CACHE_ENV] !== undefined)).toEqual([]);
    expect(resources(stateless, "AWS::Lambda::Function").filter(([, fn]) => fn.Properties.Environment?.Variables?.[CAMPAIGN_COPIES_ENV] !== undefined)).toEqual([]);
    // The copies are kept up to date in every deployment, so a plan deployed later finds them.
    expect(built.stateless.functions.copyCampaign).toBeDefined();
    const stage = resources(stateless, "AWS::ApiGatewayV2::Stage")[0]![1].Properties;
    expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 });
    expect(stage.RouteSettings[CLAIM_ROUTE]).toEqual({ ThrottlingRateLimit: DEFAULT_ROUTE_THROTTLES.claims.rateLimit, ThrottlingBurstLimit: DEFAULT_ROUTE_THROTTLES.claims.burstLimit });
  });
});

describe("the drop plan context", () => {
  const read = (value: unknown) => readDropPlan((key) => (key === DROP_PLAN_CONTEXT ? value : undefined));

  it("is optional", () => {
    expect(read(undefined)).toBeUndefined();
  });

  it("reads a path relative to the repository root, or absolute", () => {
    expect(read(planFile)).toEqual(plan);
    expect(read(relative(REPO_ROOT, planFile))).toEqual(plan);
  });

  it("reads a plan written before the campaign cache time and copies, which then sets neither", () => {
    const { campaignCacheMs: _cache, campaignCopies: _copies, ...claimFunction } = plan.claimFunction;
    const older = join(dir, "older.json");
    writeFileSync(older, JSON.stringify({ ...plan, claimFunction }));
    expect(read(older)?.claimFunction).toEqual({ provisionedConcurrency: plan.claimFunction.provisionedConcurrency });
  });

  it.each([
    ["an empty path", "", /must be the path of a plan file/],
    ["a missing file", join(dir, "missing.json"), /cannot read .*missing\.json/],
    ["a file that is not JSON", "not-json", /is not JSON/],
    ["a plan of another version", "version-2", /is not a drop plan of version 1: version/],
    ["a plan with a negative provisioned concurrency", "negative", /claimFunction\.provisionedConcurrency/],
  ])("refuses %s with a clear error", (_label, name, message) => {
    const files: Record<string, string> = {
      "not-json": "plan: yes",
      "version-2": JSON.stringify({ ...plan, version: 2 }),
      negative: JSON.stringify({ ...plan, claimFunction: { provisionedConcurrency: -1 } }),
    };
    let value = name;
    if (files[name] !== undefined) {
      value = join(dir, `${name}.json`);
      writeFileSync(value, files[name]);
    }
    expect(() => read(value)).toThrow(new RegExp(`invalid CDK context:[\\s\\S]*${DROP_PLAN_CONTEXT}[\\s\\S]*${message.source}`));
  });

  it("is checked by buildApp before any stack exists", () => {
    const app = testApp({ [DROP_PLAN_CONTEXT]: join(dir, "missing.json") });
    expect(() => buildApp({ wiring: platform, app })).toThrow(/vouchers:dropPlan/);
    expect(app.node.children).toHaveLength(0);
  });
});
