/**
 * Issue 16's identity and edge, in the synthesised templates: the stock Cognito user pool when no
 * issuer is configured, the us-east-1 web ACL and its wiring into the distribution, the origin
 * secret CloudFront adds and the handlers check, per-route throttles on the stage, and stages.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp, CONSOLE_CLIENT_ID_CONTEXT, JWT_AUDIENCE_CONTEXT, JWT_ISSUER_CONTEXT, type BuiltApp } from "../../infra/build-app.js";
import { routeClass } from "../../infra/constructs/route-throttles.js";
import {
  ADMIN_RATE_CONTEXT,
  CLAIMS_BURST_CONTEXT,
  CLAIMS_RATE_CONTEXT,
  DEFAULT_ROUTE_THROTTLES,
  DEFAULT_WAF_PER_IP,
  PARTNER_IP_RANGES_CONTEXT,
  STAGE_CONTEXT,
  WAF_CLAIMS_PER_IP_CONTEXT,
  parseEdgeContext,
} from "../../infra/edge-context.js";
import { BODY_SIZE_LABEL, webAclArnParameterName } from "../../infra/stacks/waf-stack.js";
import { ORIGIN_SECRET_ENV, ORIGIN_SECRET_HEADER } from "../../shared/http/origin.js";
import { awsQueueName, deadLetterQueueName, routeKey } from "../../shared/wiring/define.js";
import { platform } from "../../shared/wiring/platform.js";
import { logicalId, testApp } from "./support.js";

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string; DependsOn?: string[] };

const resources = (template: Template) => template.toJSON().Resources as Record<string, Resource>;
const ofType = (template: Template, type: string) => Object.entries(resources(template)).filter(([, r]) => r.Type === type);
/** Without an external issuer: the stock user pool. */
const STOCK = { [JWT_ISSUER_CONTEXT]: undefined, [JWT_AUDIENCE_CONTEXT]: undefined };

describe("the stock user pool (no vouchers:jwtIssuer)", () => {
  let built: BuiltApp;
  let identity: Template;

  beforeAll(() => {
    built = buildApp({ wiring: platform, app: testApp(STOCK) });
    identity = Template.fromStack(built.identity!);
  });

  it("is a stack of its own, retained and deletion-protected like the data", () => {
    expect(built.identity?.stackName).toBe("vouchers-identity");
    const [[, pool]] = ofType(identity, "AWS::Cognito::UserPool") as [[string, Resource]];
    expect(pool.DeletionPolicy).toBe("Retain");
    expect(pool.Properties).toMatchObject({ DeletionProtection: "ACTIVE", UserPoolTier: "ESSENTIALS" });
    // merchant_id is a custom attribute; phone numbers a standard one.
    expect(pool.Properties.Schema).toEqual(
      expect.arrayContaining([expect.objectContaining({ Name: "merchant_id", AttributeDataType: "String", Mutable: true })]),
    );
  });

  it("alarms on the token trigger's errors and throttles, since nobody signs in while it fails", () => {
    const observability = Template.fromStack(built.stateless.observability);
    for (const id of ["PreTokenGenerationErrorsAlarm", "PreTokenGenerationThrottlesAlarm"]) {
      const alarm = built.stateless.observability.alarms[id];
      expect(alarm, id).toBeDefined();
      const { Properties } = resources(observability)[logicalId(alarm!)]!;
      expect(JSON.stringify(Properties.Dimensions)).toContain("FunctionName");
      expect(Properties.AlarmActions).toHaveLength(1);
    }
  });

  it("has the groups the API checks", () => {
    const groups = ofType(identity, "AWS::Cognito::UserPoolGroup").map(([, r]) => r.Properties.GroupName);
    expect(groups.sort()).toEqual(["merchants", "operators"]);
  });

  it("runs the pre-token-generation trigger, event version 2, from functions/auth", () => {
    const [[, pool]] = ofType(identity, "AWS::Cognito::UserPool") as [[string, Resource]];
    expect(pool.Properties.LambdaConfig.PreTokenGenerationConfig).toEqual({
      LambdaArn: { "Fn::GetAtt": [logicalId(built.identity!.preTokenGeneration), "Arn"] },
      LambdaVersion: "V2_0",
    });
    identity.hasResourceProperties("AWS::Lambda::Permission", { Principal: "cognito-idp.amazonaws.com", Action: "lambda:InvokeFunction" });
  });

  it("has a hosted sign-in domain and public clients that cannot write custom:merchant_id or a verification flag", () => {
    identity.resourceCountIs("AWS::Cognito::UserPoolDomain", 1);
    const clients = ofType(identity, "AWS::Cognito::UserPoolClient").map(([, r]) => r.Properties);
    expect(clients.map((c) => c.ClientName).sort()).toEqual(["console", "residents"]);
    for (const client of clients) {
      expect(client.GenerateSecret).toBe(false);
      expect(client.WriteAttributes).not.toContain("custom:merchant_id");
      expect(client.WriteAttributes).toEqual(expect.arrayContaining(["email", "phone_number"]));
      // A user who writes a number of their own gets it unverified: the flags are Cognito's to set.
      expect(client.WriteAttributes).not.toContain("phone_number_verified");
      expect(client.WriteAttributes).not.toContain("email_verified");
    }
  });

  it("is the issuer the API's JWT authorizer trusts, with both clients as audiences", () => {
    const [[, authorizer]] = ofType(Template.fromStack(built.stateless), "AWS::ApiGatewayV2::Authorizer") as [[string, Resource]];
    const config = JSON.stringify(authorizer.Properties.JwtConfiguration);
    expect(config).toContain("vouchers-identity:ExportsOutput");
    expect(config).toContain("ProviderURL");
    expect(authorizer.Properties.JwtConfiguration.Audience).toHaveLength(2);
  });

  it("sets the console client's code flow and its callback, the console's CloudFront URL, from the edge stack", () => {
    const [[, update]] = ofType(Template.fromStack(built.edge), "Custom::AWS").filter(([, r]) => JSON.stringify(r.Properties).includes("updateUserPoolClient")) as [
      [string, Resource],
    ];
    const create = JSON.stringify(update.Properties.Create);
    expect(create).toContain('\\"AllowedOAuthFlows\\":[\\"code\\"]');
    expect(create).toContain(logicalId(built.edge.distribution));
    expect(create).toContain("/console/");
  });

  it("is where the console signs in: config.json names the pool's issuer and its console client", () => {
    const deployments = ofType(Template.fromStack(built.edge), "Custom::CDKBucketDeployment").filter(([id]) => id.startsWith("ConsolePages"));
    expect(deployments).toHaveLength(1);
    // The values are deploy-time references, filled into config.json by the deployment (source markers).
    const markers = JSON.stringify(deployments[0]![1].Properties.SourceMarkers);
    expect(markers).toMatch(/vouchers-identity:ExportsOutputFnGetAttUsers[A-F0-9]+ProviderURL/);
    expect(markers).toMatch(/vouchers-identity:ExportsOutputRefUsersConsoleClient/);
  });

  it("refuses an audience without an issuer, and a console client id of another issuer", () => {
    expect(() => buildApp({ wiring: platform, app: testApp({ ...STOCK, [JWT_AUDIENCE_CONTEXT]: "app" }) })).toThrow(/vouchers:jwtIssuer: must be set with vouchers:jwtAudience/);
    expect(() => buildApp({ wiring: platform, app: testApp({ ...STOCK, [CONSOLE_CLIENT_ID_CONTEXT]: "x" }) })).toThrow(/vouchers:consoleClientId: names a client of an external issuer/);
  });

  it("is not built when an external issuer is configured", () => {
    const external = buildApp({ wiring: platform, app: testApp() });
    expect(external.identity).toBeUndefined();
    expect(external.app.node.tryFindChild("vouchers-identity")).toBeUndefined();
  });
});

describe("the web ACL", () => {
  let built: BuiltApp;
  let waf: Template;
  let rules: any[];
  const rule = (name: string) => rules.find((r) => r.Name === name);

  beforeAll(() => {
    built = buildApp({ wiring: platform, app: testApp() });
    waf = Template.fromStack(built.waf);
    rules = ofType(waf, "AWS::WAFv2::WebACL")[0]![1].Properties.Rules as any[];
  });

  it("lives in a us-east-1 stack of its own, CloudFront-scoped, its ARN in an SSM parameter there", () => {
    expect(built.waf.stackName).toBe("vouchers-waf");
    expect(built.waf.region).toBe("us-east-1");
    waf.resourceCountIs("AWS::WAFv2::WebACL", 1);
    waf.hasResourceProperties("AWS::WAFv2::WebACL", { Scope: "CLOUDFRONT", DefaultAction: { Allow: {} } });
    waf.hasResourceProperties("AWS::SSM::Parameter", { Name: webAclArnParameterName("vouchers"), Value: { "Fn::GetAtt": [logicalId(built.waf.webAcl), "Arn"] } });
  });

  it("runs the common rule set with its 8 KB body rule counted, and blocks what it labels outside admin routes", () => {
    const common = rule("CommonRuleSet");
    expect(common.Statement.ManagedRuleGroupStatement).toMatchObject({
      VendorName: "AWS",
      Name: "AWSManagedRulesCommonRuleSet",
      RuleActionOverrides: [{ Name: "SizeRestrictions_BODY", ActionToUse: { Count: {} } }],
    });
    const body = rule("BodySizeOutsideAdmin");
    expect(body.Action).toEqual({ Block: {} });
    expect(body.Priority).toBeGreaterThan(common.Priority);
    const [label, notAdmin] = body.Statement.AndStatement.Statements;
    expect(label).toEqual({ LabelMatchStatement: { Scope: "LABEL", Key: BODY_SIZE_LABEL } });
    expect(notAdmin.NotStatement.Statement.ByteMatchStatement).toMatchObject({ SearchString: "/admin/", PositionalConstraint: "STARTS_WITH", FieldToMatch: { UriPath: {} } });
  });

  it("limits claims and partner routes per client IP, each with its own limit", () => {
    const claims = rule("ClaimsPerIp").Statement.RateBasedStatement;
    expect(claims).toMatchObject({ AggregateKeyType: "IP", Limit: DEFAULT_WAF_PER_IP.claims, EvaluationWindowSec: 60 });
    expect(JSON.stringify(claims.ScopeDownStatement)).toContain('"SearchString":"/claims"');
    const partner = rule("PartnerPerIp").Statement.RateBasedStatement;
    expect(partner).toMatchObject({ AggregateKeyType: "IP", Limit: DEFAULT_WAF_PER_IP.partner });
    expect(partner.ScopeDownStatement.ByteMatchStatement).toMatchObject({ SearchString: "/partners/", PositionalConstraint: "STARTS_WITH" });
    // Without partner ranges, partner routes are open to any address.
    expect(rule("PartnerRoutesFromPartnerRanges")).toBeUndefined();
    waf.resourceCountIs("AWS::WAFv2::IPSet", 0);
  });

  it("restricts partner routes to the configured ranges, IPv4 and IPv6, and takes limits from context", () => {
    const app = testApp({ [PARTNER_IP_RANGES_CONTEXT]: "203.0.113.0/24, 2001:db8::/32", [WAF_CLAIMS_PER_IP_CONTEXT]: "50" });
    const custom = Template.fromStack(buildApp({ wiring: platform, app }).waf);
    const customRules = ofType(custom, "AWS::WAFv2::WebACL")[0]![1].Properties.Rules as any[];
    const sets = ofType(custom, "AWS::WAFv2::IPSet").map(([id, r]) => [id, r.Properties] as const);
    expect(sets.map(([, p]) => [p.IPAddressVersion, p.Addresses, p.Scope])).toEqual([
      ["IPV4", ["203.0.113.0/24"], "CLOUDFRONT"],
      ["IPV6", ["2001:db8::/32"], "CLOUDFRONT"],
    ]);
    const ranges = customRules.find((r) => r.Name === "PartnerRoutesFromPartnerRanges");
    expect(ranges.Priority).toBe(0);
    expect(ranges.Action).toEqual({ Block: {} });
    const [paths, outside] = ranges.Statement.AndStatement.Statements;
    expect(paths.ByteMatchStatement.SearchString).toBe("/partners/");
    expect(outside.NotStatement.Statement.OrStatement.Statements.map((s: any) => s.IPSetReferenceStatement.Arn["Fn::GetAtt"][0]).sort()).toEqual(sets.map(([id]) => id).sort());
    expect(customRules.find((r) => r.Name === "ClaimsPerIp").Statement.RateBasedStatement.Limit).toBe(50);
  });

  it("is the distribution's web ACL, read from the parameter at deploy, the WAF stack deployed first", () => {
    const edge = Template.fromStack(built.edge);
    const distribution = resources(edge)[logicalId(built.edge.distribution)]!.Properties.DistributionConfig;
    const [lookupId] = distribution.WebACLId["Fn::GetAtt"] as [string, string];
    const lookup = resources(edge)[lookupId]!;
    expect(lookup.Type).toBe("Custom::AWS");
    const call = JSON.stringify(lookup.Properties.Create);
    expect(call).toContain(`\\"Name\\":\\"${webAclArnParameterName("vouchers")}\\"`);
    expect(call).toContain('\\"region\\":\\"us-east-1\\"');
    expect(built.edge.dependencies).toContain(built.waf);
  });
});

describe("the origin secret (the execute-api bypass, closed)", () => {
  let built: BuiltApp;
  beforeAll(() => {
    built = buildApp({ wiring: platform, app: testApp() });
  });

  it("is added by CloudFront to every request for the API, from Secrets Manager at deploy", () => {
    const edge = Template.fromStack(built.edge);
    const config = resources(edge)[logicalId(built.edge.distribution)]!.Properties.DistributionConfig;
    const apiOrigin = (config.Origins as any[]).find((o) => o.Id === config.DefaultCacheBehavior.TargetOriginId);
    expect(apiOrigin.OriginCustomHeaders).toHaveLength(1);
    expect(apiOrigin.OriginCustomHeaders[0].HeaderName).toBe(ORIGIN_SECRET_HEADER);
    const value = JSON.stringify(apiOrigin.OriginCustomHeaders[0].HeaderValue);
    expect(value).toContain("{{resolve:secretsmanager:");
    expect(value).toContain("vouchers-stateless:ExportsOutputRefOriginSecret");
  });

  it("is handed to every function behind a route, and to no other", () => {
    const stateless = Template.fromStack(built.stateless);
    const secretId = logicalId(built.stateless.originSecret.secret);
    const served = new Set<string>(platform.routes.map((route) => route.function));
    for (const [name, fn] of Object.entries(built.stateless.functions)) {
      const variables = resources(stateless)[logicalId(fn)]!.Properties.Environment.Variables as Record<string, unknown>;
      if (served.has(name)) {
        expect(JSON.stringify(variables[ORIGIN_SECRET_ENV]), name).toContain(secretId);
        expect(JSON.stringify(variables[ORIGIN_SECRET_ENV]), name).toContain("{{resolve:secretsmanager:");
      } else {
        expect(variables[ORIGIN_SECRET_ENV], name).toBeUndefined();
      }
    }
    expect(served.size).toBeLessThan(Object.keys(platform.functions).length);
  });
});

describe("per-route throttling on the stage", () => {
  const stage = (context: Record<string, unknown> = {}) => {
    const built = buildApp({ wiring: platform, app: testApp(context) });
    const [[id, found]] = ofType(Template.fromStack(built.stateless), "AWS::ApiGatewayV2::Stage") as [[string, Resource]];
    return { id, stage: found, template: Template.fromStack(built.stateless) };
  };

  it("limits claims, partner and admin routes apart, from defaults, and leaves the others to the stage's default", () => {
    const { stage: found } = stage();
    const settings = found.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    const claims = platform.routes.filter((route) => routeClass(route) === "claims");
    expect(claims.map(routeKey)).toEqual(["POST /campaigns/{id}/drops/{dropId}/claims"]);
    for (const route of platform.routes) {
      const kind = routeClass(route);
      if (kind === undefined) expect(settings[routeKey(route)], routeKey(route)).toBeUndefined();
      else
        expect(settings[routeKey(route)], routeKey(route)).toEqual({
          ThrottlingRateLimit: DEFAULT_ROUTE_THROTTLES[kind].rateLimit,
          ThrottlingBurstLimit: DEFAULT_ROUTE_THROTTLES[kind].burstLimit,
        });
    }
    expect(settings["POST /partners/{partnerId}/payments"]).toEqual({ ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 });
    expect(settings["POST /admin/campaigns"]).toEqual({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
    // The stage's own default stays as it was.
    expect(found.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 });
  });

  it("waits for the routes it names (API Gateway refuses settings of a route that does not exist yet)", () => {
    const { stage: found, template } = stage();
    const routeIds = new Map(ofType(template, "AWS::ApiGatewayV2::Route").map(([id, r]) => [r.Properties.RouteKey as string, id]));
    for (const key of Object.keys(found.Properties.RouteSettings)) expect(found.DependsOn, key).toContain(routeIds.get(key));
  });

  it("takes its limits from context", () => {
    const { stage: found } = stage({ [CLAIMS_RATE_CONTEXT]: "20000", [CLAIMS_BURST_CONTEXT]: 30000, [ADMIN_RATE_CONTEXT]: "5" });
    expect(found.Properties.RouteSettings["POST /campaigns/{id}/drops/{dropId}/claims"]).toEqual({ ThrottlingRateLimit: 20000, ThrottlingBurstLimit: 30000 });
    expect(found.Properties.RouteSettings["POST /admin/campaigns"].ThrottlingRateLimit).toBe(5);
  });
});

describe("the edge context", () => {
  const parse = (context: Record<string, unknown>) => parseEdgeContext((key) => context[key]);

  it("has defaults for everything, and no stage", () => {
    expect(parse({})).toEqual({ routeThrottles: DEFAULT_ROUTE_THROTTLES, wafPerIp: DEFAULT_WAF_PER_IP, partnerIpRanges: [] });
  });

  it.each([
    ["a stage with capitals", { [STAGE_CONTEXT]: "Dev" }, STAGE_CONTEXT],
    ["a stage too long for queue names", { [STAGE_CONTEXT]: "averylongstage" }, STAGE_CONTEXT],
    ["a rate that is no number", { [CLAIMS_RATE_CONTEXT]: "fast" }, CLAIMS_RATE_CONTEXT],
    // cdk.json holds JSON: true, an empty string or a list must not read as a rate of 1, 0 or 5.
    ["a rate of true", { [CLAIMS_RATE_CONTEXT]: true }, CLAIMS_RATE_CONTEXT],
    ["a rate that is a list", { [ADMIN_RATE_CONTEXT]: [5] }, ADMIN_RATE_CONTEXT],
    ["an empty burst", { [CLAIMS_BURST_CONTEXT]: " " }, CLAIMS_BURST_CONTEXT],
    ["a WAF limit under 10", { [WAF_CLAIMS_PER_IP_CONTEXT]: 5 }, WAF_CLAIMS_PER_IP_CONTEXT],
    ["a range that is no CIDR", { [PARTNER_IP_RANGES_CONTEXT]: "203.0.113.7" }, PARTNER_IP_RANGES_CONTEXT],
    ["an IPv4 range with an octet over 255", { [PARTNER_IP_RANGES_CONTEXT]: "203.0.300.0/24" }, PARTNER_IP_RANGES_CONTEXT],
    // Neither would reach WAF's IP sets whole: the first has no colon and would land in the IPv4 set.
    ["a range of hex digits only", { [PARTNER_IP_RANGES_CONTEXT]: "10/8" }, PARTNER_IP_RANGES_CONTEXT],
    ["an IPv6 range that is no address", { [PARTNER_IP_RANGES_CONTEXT]: "::::/64" }, PARTNER_IP_RANGES_CONTEXT],
  ])("rejects %s, naming the key", (_case, context, key) => {
    expect(() => parse(context)).toThrow(new RegExp(`invalid CDK context:[\\s\\S]*${key}`));
  });
});

/** Names and removal policies of everything that holds data, by stack and logical id. */
function dataResources(built: BuiltApp): Record<string, Record<string, unknown>> {
  const kept = new Set(["AWS::DynamoDB::GlobalTable", "AWS::SQS::Queue", "AWS::KMS::Key", "AWS::SecretsManager::Secret", "AWS::S3::Bucket", "AWS::Cognito::UserPool"]);
  const out: Record<string, Record<string, unknown>> = {};
  for (const stack of [built.stateful, built.stateless, built.edge, built.identity].filter((s) => s !== undefined)) {
    for (const [id, r] of Object.entries(resources(Template.fromStack(stack)))) {
      if (!kept.has(r.Type)) continue;
      out[`${stack.stackName}/${id}`] = {
        type: r.Type,
        deletionPolicy: r.DeletionPolicy,
        updateReplacePolicy: r.UpdateReplacePolicy,
        ...(r.Properties.QueueName !== undefined ? { queueName: r.Properties.QueueName } : {}),
        ...(r.Type === "AWS::DynamoDB::GlobalTable" ? { deletionProtection: r.Properties.Replicas[0].DeletionProtectionEnabled } : {}),
        ...(r.Type === "AWS::Cognito::UserPool" ? { deletionProtection: r.Properties.DeletionProtection } : {}),
      };
    }
  }
  return out;
}

describe("stages", () => {
  it("without a stage, keeps today's stack and queue names and the production policies (test/infra/prod-data-resources.json)", () => {
    const built = buildApp({ wiring: platform, app: testApp(STOCK) });
    expect([built.stateful, built.stateless, built.edge, built.waf, built.identity!].map((s) => s.stackName)).toEqual([
      "vouchers-stateful",
      "vouchers-stateless",
      "vouchers-edge",
      "vouchers-waf",
      "vouchers-identity",
    ]);
    const today = JSON.parse(readFileSync(join(import.meta.dirname, "prod-data-resources.json"), "utf8")) as Record<string, Record<string, unknown>>;
    const now = dataResources(built);
    // Everything that held data before issue 16 is named and kept exactly as then.
    for (const [key, expected] of Object.entries(today)) expect(now[key], key).toEqual(expected);
    for (const [key, found] of Object.entries(now)) {
      if (found.type === "AWS::DynamoDB::GlobalTable") expect(found, key).toMatchObject({ deletionPolicy: "Retain", deletionProtection: true });
    }
    Template.fromStack(built.stateless).hasResourceProperties("AWS::ApiGatewayV2::Api", { Name: "vouchers-api" });
  });

  it("prefixes every stack, queue and API name with the stage, and makes everything destroyable", () => {
    const built = buildApp({ wiring: platform, app: testApp({ ...STOCK, [STAGE_CONTEXT]: "dev" }) });
    expect(built.stage).toBe("dev");
    expect([built.stateful, built.stateless, built.edge, built.waf, built.identity!].map((s) => s.stackName)).toEqual([
      "dev-vouchers-stateful",
      "dev-vouchers-stateless",
      "dev-vouchers-edge",
      "dev-vouchers-waf",
      "dev-vouchers-identity",
    ]);
    const queueNames = ofType(Template.fromStack(built.stateful), "AWS::SQS::Queue").map(([, r]) => r.Properties.QueueName as string);
    expect(queueNames.sort()).toEqual(Object.keys(platform.queues).flatMap((q) => [awsQueueName("dev-vouchers", q), awsQueueName("dev-vouchers", deadLetterQueueName(q))]).sort());
    Template.fromStack(built.stateless).hasResourceProperties("AWS::ApiGatewayV2::Api", { Name: "dev-vouchers-api" });
    Template.fromStack(built.waf).hasResourceProperties("AWS::WAFv2::WebACL", { Name: "dev-vouchers-edge" });
    Template.fromStack(built.identity!).hasResourceProperties("AWS::Cognito::UserPool", { UserPoolName: "dev-vouchers-users", DeletionProtection: "INACTIVE" });
    for (const [key, found] of Object.entries(dataResources(built))) {
      expect(found.deletionPolicy, key).toBe("Delete");
      if (found.type === "AWS::DynamoDB::GlobalTable") expect(found.deletionProtection, key).toBe(false);
    }
  });

  it("lets two stages live side by side: no name of one is a name of the other", () => {
    const names = (stage: string) => {
      const built = buildApp({ wiring: platform, app: testApp({ [STAGE_CONTEXT]: stage }) });
      return [
        ...[built.stateful, built.stateless, built.edge, built.waf].map((s) => s.stackName),
        ...ofType(Template.fromStack(built.stateful), "AWS::SQS::Queue").map(([, r]) => r.Properties.QueueName as string),
      ];
    };
    const dev = names("dev");
    expect(names("alice").filter((name) => dev.includes(name))).toEqual([]);
  });
});
