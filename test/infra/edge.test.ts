/**
 * The edge stack: one CloudFront distribution serving the console from a private bucket through
 * origin access control, with deep links answered by the console's routing function, and every
 * other path sent to the HTTP API uncached with the viewer's headers (Authorization included).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { App, Stack } from "aws-cdk-lib";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import { Template } from "aws-cdk-lib/assertions";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp, CONSOLE_CLIENT_ID_CONTEXT, CONSOLE_DIST_CONTEXT, type BuiltApp } from "../../infra/build-app.js";
import { EdgeStack, REGIONS_WITHOUT_CLOUDFRONT_LOGS } from "../../infra/stacks/edge-stack.js";
import { platform } from "../../shared/wiring/platform.js";
import { CONSOLE_DIST_FIXTURE, JWT_AUDIENCE, JWT_ISSUER, logicalId, testApp } from "./support.js";

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };
type Statement = { Effect: string; Principal?: unknown; Action: string | string[]; Resource: unknown; Condition?: Record<string, any> };

interface ViewerRequest {
  uri: string;
  querystring?: Record<string, { value: string; multiValue?: { value: string }[] }>;
}

/** Runs the function's code as CloudFront would, on a viewer request. */
function runRouting(code: string, request: ViewerRequest): any {
  // In a context of its own, with no Node globals: the code defines a top-level `handler`, as the cloudfront-js runtime expects.
  const handler = runInNewContext(`${code}\nhandler;`, {}) as (event: unknown) => unknown;
  return handler({ request: { method: "GET", headers: {}, cookies: {}, querystring: {}, ...request } });
}

/** Evaluates a CloudFormation condition built of Fn::Not, Fn::Or and Fn::Equals on AWS::Region. */
function evaluateCondition(expression: unknown, region: string): boolean | string {
  const node = expression as Record<string, any>;
  if (typeof expression === "string") return expression;
  if (node.Ref === "AWS::Region") return region;
  if (node["Fn::Not"]) return !evaluateCondition(node["Fn::Not"][0], region);
  if (node["Fn::Or"]) return (node["Fn::Or"] as unknown[]).some((part) => evaluateCondition(part, region) === true);
  if (node["Fn::Equals"]) return evaluateCondition(node["Fn::Equals"][0], region) === evaluateCondition(node["Fn::Equals"][1], region);
  throw new Error(`unexpected condition ${JSON.stringify(expression)}`);
}

describe("the edge stack", () => {
  let built: BuiltApp;
  let template: Template;
  let resources: Record<string, Resource>;
  let distribution: Record<string, any>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  beforeAll(() => {
    built = buildApp({ wiring: platform, app: testApp() });
    template = Template.fromStack(built.edge);
    resources = template.toJSON().Resources as Record<string, Resource>;
    distribution = resources[logicalId(built.edge.distribution)]!.Properties.DistributionConfig;
  });

  it("is a third stack, named after the app", () => {
    expect(built.edge.stackName).toBe(`${platform.app}-edge`);
    template.resourceCountIs("AWS::CloudFront::Distribution", 1);
  });

  it("keeps the console bucket private: public access blocked, encrypted, TLS only, access logged", () => {
    const bucket = resources[logicalId(built.edge.consoleBucket)]!.Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe("AES256");
    expect(bucket.WebsiteConfiguration).toBeUndefined();
    expect(bucket.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: logicalId(built.edge.accessLogBucket) });
    const logs = resources[logicalId(built.edge.accessLogBucket)]!.Properties;
    expect(logs.PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
  });

  it.each([
    ["ap-southeast-1", true],
    ["us-east-1", true],
    ["eu-west-1", true],
    ["ap-east-1", false],
    ["me-south-1", false],
    ["mx-central-1", false],
  ])("in %s, writes the distribution's standard logs to the log bucket: %s", (region, delivered) => {
    const [, whenDelivered, otherwise] = distribution.Logging["Fn::If"];
    expect(whenDelivered).toEqual({ Bucket: { "Fn::GetAtt": [logicalId(built.edge.accessLogBucket), "RegionalDomainName"] }, Prefix: "distribution/" });
    expect(otherwise).toEqual({ Ref: "AWS::NoValue" });
    const conditions = template.toJSON().Conditions as Record<string, unknown>;
    expect(evaluateCondition(conditions[distribution.Logging["Fn::If"][0]], region)).toBe(delivered);
  });

  it("knows every region without CloudFront log delivery", () => {
    const conditions = template.toJSON().Conditions as Record<string, unknown>;
    for (const region of REGIONS_WITHOUT_CLOUDFRONT_LOGS) {
      expect(evaluateCondition(conditions[distribution.Logging["Fn::If"][0]], region), region).toBe(false);
    }
  });

  it("has no public bucket policy: only this distribution (through OAC) may read the console's files", () => {
    for (const [id, policy] of ofType("AWS::S3::BucketPolicy")) {
      const statements = policy.Properties.PolicyDocument.Statement as Statement[];
      for (const statement of statements) {
        const principal = JSON.stringify(statement.Principal);
        if (statement.Effect === "Deny") {
          // The TLS-only statement is the one that names everyone.
          expect(statement.Condition, id).toEqual({ Bool: { "aws:SecureTransport": "false" } });
          continue;
        }
        expect(principal, id).not.toBe('"*"');
        expect(principal, id).not.toBe('{"AWS":"*"}');
      }
    }
    const consolePolicy = ofType("AWS::S3::BucketPolicy").find(([, p]) => p.Properties.Bucket.Ref === logicalId(built.edge.consoleBucket))!;
    const reads = (consolePolicy[1].Properties.PolicyDocument.Statement as Statement[]).filter((s) => s.Effect === "Allow" && JSON.stringify(s.Principal).includes("cloudfront"));
    expect(reads).toHaveLength(1);
    expect(reads[0]!.Principal).toEqual({ Service: "cloudfront.amazonaws.com" });
    expect(reads[0]!.Action).toBe("s3:GetObject");
    expect(JSON.stringify(reads[0]!.Condition!.StringEquals["AWS:SourceArn"])).toContain(logicalId(built.edge.distribution));
  });

  it("reads the bucket through origin access control, never an identity", () => {
    template.resourceCountIs("AWS::CloudFront::CloudFrontOriginAccessIdentity", 0);
    const [oacId, oac] = ofType("AWS::CloudFront::OriginAccessControl")[0]!;
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({ OriginAccessControlOriginType: "s3", SigningBehavior: "always", SigningProtocol: "sigv4" });
    const s3Origins = (distribution.Origins as any[]).filter((o) => o.S3OriginConfig !== undefined);
    expect(s3Origins).toHaveLength(1);
    expect(s3Origins[0].DomainName).toEqual({ "Fn::GetAtt": [logicalId(built.edge.consoleBucket), "RegionalDomainName"] });
    expect(s3Origins[0].OriginAccessControlId).toEqual({ "Fn::GetAtt": [oacId, "Id"] });
    expect(s3Origins[0].S3OriginConfig.OriginAccessIdentity).toBe("");
  });

  it("sends every path but the console's to the API: uncached, all methods, all viewer headers but Host, HTTPS only", () => {
    const api = distribution.DefaultCacheBehavior;
    expect(api.CachePolicyId).toBe(cloudfront.CachePolicy.CACHING_DISABLED.cachePolicyId);
    // With caching disabled, this managed policy forwards Authorization as well.
    expect(api.OriginRequestPolicyId).toBe(cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId);
    expect([...api.AllowedMethods].sort()).toEqual(["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]);
    expect(api.ViewerProtocolPolicy).toBe("https-only");
    expect(api.FunctionAssociations).toBeUndefined();
    const origin = (distribution.Origins as any[]).find((o) => o.Id === api.TargetOriginId);
    expect(origin.CustomOriginConfig).toEqual({ OriginProtocolPolicy: "https-only", OriginSSLProtocols: ["TLSv1.2"] });
    // The stateless stack's HTTP API endpoint, without its scheme.
    expect(JSON.stringify(origin.DomainName)).toMatch(/"Fn::Select":\[2,\{"Fn::Split":\["\/",\{"Fn::ImportValue":"vouchers-stateless:ExportsOutputFnGetAttHttpApi[A-F0-9]+ApiEndpoint/);
  });

  it("routes /console and /console/* to the bucket through the console's function, and turns no error into a page", () => {
    const behaviors = distribution.CacheBehaviors as any[];
    expect(behaviors.map((b) => b.PathPattern).sort()).toEqual(["/console", "/console/*"]);
    const routingArn = { "Fn::GetAtt": [logicalId(built.edge.consoleRouting), "FunctionARN"] };
    for (const behavior of behaviors) {
      expect(behavior.FunctionAssociations).toEqual([{ EventType: "viewer-request", FunctionARN: routingArn }]);
      expect(behavior.AllowedMethods).toEqual(["GET", "HEAD"]);
      expect(behavior.ViewerProtocolPolicy).toBe("redirect-to-https");
      expect((distribution.Origins as any[]).find((o) => o.Id === behavior.TargetOriginId).S3OriginConfig).toBeDefined();
    }
    // A distribution-wide error response would answer the API's 403s and 404s with the console.
    expect(distribution.CustomErrorResponses).toBeUndefined();
    expect(distribution.DefaultRootObject).toBeUndefined();
  });

  describe("the console's routing function, run on viewer requests", () => {
    let code: string;
    beforeAll(() => {
      const fn = resources[logicalId(built.edge.consoleRouting)]!.Properties;
      expect(fn.FunctionConfig.Runtime).toBe("cloudfront-js-2.0");
      code = fn.FunctionCode as string;
    });

    it.each(["/console/", "/console/campaigns", "/console/campaigns/c-1/drops", "/console/settlement/"])("answers the deep link %s with index.html", (uri) => {
      expect(runRouting(code, { uri }).uri).toBe("/console/index.html");
    });

    it.each(["/console/assets/index-faaA2lZc.js", "/console/config.json", "/console/index.html"])("leaves the file %s as it is", (uri) => {
      expect(runRouting(code, { uri }).uri).toBe(uri);
    });

    it("redirects /console to /console/, keeping the query", () => {
      expect(runRouting(code, { uri: "/console" })).toEqual({
        statusCode: 301,
        statusDescription: "Moved Permanently",
        headers: { location: { value: "/console/" } },
      });
      const answer = runRouting(code, {
        uri: "/console",
        querystring: { lang: { value: "en" }, tag: { value: "a", multiValue: [{ value: "a" }, { value: "b" }] } },
      });
      expect(answer.headers.location.value).toBe("/console/?lang=en&tag=a&tag=b");
    });
  });

  it("uploads the build under console/: hashed assets cached for good and kept, the rest revalidated, pruned and invalidated", () => {
    const deployments = Object.fromEntries(ofType("Custom::CDKBucketDeployment"));
    const assets = deployments[Object.keys(deployments).find((id) => id.startsWith("ConsoleAssets"))!]!;
    const pages = deployments[Object.keys(deployments).find((id) => id.startsWith("ConsolePages"))!]!;
    for (const deployment of [assets, pages]) {
      expect(deployment.Properties.DestinationBucketName).toEqual({ Ref: logicalId(built.edge.consoleBucket) });
      expect(deployment.Properties.DestinationBucketKeyPrefix).toBe("console/");
    }
    expect(assets.Properties).toMatchObject({ Include: ["assets/*"], Exclude: ["*"], Prune: false });
    expect(assets.Properties.SystemMetadata["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(pages.Properties).toMatchObject({ Exclude: ["assets/*"], Prune: true, DistributionPaths: ["/console", "/console/*"] });
    expect(pages.Properties.DistributionId).toEqual({ Ref: logicalId(built.edge.distribution) });
    expect(pages.Properties.SystemMetadata["cache-control"]).toBe("no-cache");
    // index.html goes up only after the assets it references.
    const assetsId = Object.keys(deployments).find((id) => id.startsWith("ConsoleAssets"))!;
    expect(pages.DependsOn).toContain(assetsId);
  });

  it("stages the console build without its dotfiles, and writes config.json with the API's issuer and the console's client id", () => {
    const assembly = built.app.synth();
    const staged = readdirSync(assembly.directory).filter((name) => name.startsWith("asset."));
    const consoleBuild = staged.map((name) => join(assembly.directory, name)).filter((dir) => existsSync(join(dir, "index.html")));
    expect(consoleBuild).toHaveLength(1);
    expect(readFileSync(join(consoleBuild[0]!, "index.html"), "utf8")).toBe(readFileSync(join(CONSOLE_DIST_FIXTURE, "index.html"), "utf8"));
    expect(readdirSync(join(consoleBuild[0]!, "assets"))).toEqual(["index-fixture.css"]);
    expect(readdirSync(consoleBuild[0]!).filter((name) => name.startsWith("."))).toEqual([]);

    const configs = staged.map((name) => join(assembly.directory, name, "config.json")).filter((file) => existsSync(file));
    expect(configs).toHaveLength(1);
    expect(JSON.parse(readFileSync(configs[0]!, "utf8"))).toEqual({
      oidc: { authority: JWT_ISSUER, clientId: JWT_AUDIENCE[0], scope: "openid" },
    });
  });

  it("outputs the console URL", () => {
    template.hasOutput("ConsoleUrl", {
      Value: { "Fn::Join": ["", ["https://", { "Fn::GetAtt": [logicalId(built.edge.distribution), "DomainName"] }, "/console/"]] },
    });
  });
});

describe("the console's deploy context", () => {
  it("signs the console in with vouchers:consoleClientId when it is one of the API's audiences", () => {
    const built = buildApp({ wiring: platform, app: testApp({ [CONSOLE_CLIENT_ID_CONTEXT]: JWT_AUDIENCE[1] }) });
    const assembly = built.app.synth();
    const config = readdirSync(assembly.directory)
      .map((name) => join(assembly.directory, name, "config.json"))
      .find((file) => existsSync(file))!;
    expect(JSON.parse(readFileSync(config, "utf8")).oidc.clientId).toBe(JWT_AUDIENCE[1]);
  });

  it("refuses a console client id the API would not accept", () => {
    expect(() => buildApp({ wiring: platform, app: testApp({ [CONSOLE_CLIENT_ID_CONTEXT]: "someone-else" }) })).toThrow(
      /vouchers:consoleClientId: someone-else is not among vouchers:jwtAudience/,
    );
  });

  it("refuses to build without a console build, saying how to make one", () => {
    const empty = mkdtempSync(join(tmpdir(), "console-dist-"));
    expect(() => buildApp({ wiring: platform, app: testApp({ [CONSOLE_DIST_CONTEXT]: empty }) })).toThrow(/the console is not built[\s\S]*npm run console:build/);
  });
});

describe("edge protection hooks", () => {
  it("adds the API origin's headers and the web ACL when given, and then needs no WAF acknowledgment", () => {
    const app = new App();
    const apiStack = new Stack(app, "api");
    const httpApi = new apigwv2.HttpApi(apiStack, "HttpApi");
    const webAclId = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/vouchers/11111111-2222-3333-4444-555555555555";
    const edge = new EdgeStack(app, "edge", {
      httpApi,
      consoleDist: CONSOLE_DIST_FIXTURE,
      consoleConfig: { oidc: { authority: JWT_ISSUER, clientId: "console", scope: "openid" } },
      apiOriginHeaders: { "x-origin-verify": "from-cloudfront" },
      webAclId,
    });
    const config = Template.fromStack(edge).toJSON().Resources[logicalId(edge.distribution)].Properties.DistributionConfig;
    expect(config.WebACLId).toBe(webAclId);
    const apiOrigin = (config.Origins as any[]).find((o) => o.Id === config.DefaultCacheBehavior.TargetOriginId);
    expect(apiOrigin.OriginCustomHeaders).toEqual([{ HeaderName: "x-origin-verify", HeaderValue: "from-cloudfront" }]);
    const acknowledged = edge.distribution.node.metadata.flatMap((entry) => Object.keys((entry.data ?? {}) as object));
    expect(acknowledged.some((id) => id.includes("CFR2"))).toBe(false);
    expect(acknowledged.some((id) => id.includes("CFR4"))).toBe(true);
  });
});
