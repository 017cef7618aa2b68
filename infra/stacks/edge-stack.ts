/**
 * The platform's one public origin: a CloudFront distribution that serves the operator console
 * from a private S3 bucket (origin access control) under `/console/` and sends every other path to
 * the HTTP API, uncached, so the console calls the API on its own origin without CORS. The console's
 * build is uploaded on every deploy with its OIDC settings beside it (`/console/config.json`), and
 * the distribution's copy of the console is invalidated.
 *
 * Kept apart from the stateless stack: it has a bucket and the deployment's helper function, and
 * edge protection (a web ACL from a us-east-1 stack, a secret origin header) attaches to this one
 * distribution through `webAclId` and `apiOriginHeaders`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Aws, CfnCondition, CfnOutput, Duration, Fn, RemovalPolicy, Stack, Validations, type ICfnConditionExpression, type StackProps } from "aws-cdk-lib";
import type * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as origins from "aws-cdk-lib/aws-cloudfront-origins";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3deploy from "aws-cdk-lib/aws-s3-deployment";
import type { Construct } from "constructs";
import { CONSOLE_ROUTING_CODE } from "../constructs/console-routing.js";
import { WebAclLookup, type WebAclLookupProps } from "../constructs/web-acl-lookup.js";

/** Where the console lives on the distribution and in its bucket. */
export const CONSOLE_PATH = "/console";
/** The console's settings on AWS, fetched by the app at `/console/config.json` (docs/deploy.md). */
export const CONSOLE_CONFIG_FILE = "config.json";

/**
 * Regions whose S3 buckets CloudFront does not deliver standard logs to (the opt-in regions; AWS's
 * CloudFront guide, "Choosing an Amazon S3 bucket for standard logs"): the distribution would be
 * refused there, so in these regions it is deployed without standard logs (docs/deploy.md).
 */
export const REGIONS_WITHOUT_CLOUDFRONT_LOGS = [
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-south-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-7",
  "ca-west-1",
  "eu-central-2",
  "eu-south-1",
  "eu-south-2",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "mx-central-1",
] as const;

/** What `/console/config.json` holds: how the console signs operators in on AWS. */
export interface ConsoleConfig {
  readonly oidc: {
    /** The identity provider's issuer, the same one the API's JWT authorizer trusts. */
    readonly authority: string;
    /** The console's app client at that provider; one of the API's accepted audiences. */
    readonly clientId: string;
    readonly scope: string;
  };
}

export interface EdgeStackProps extends StackProps {
  /** The API every path outside `/console` goes to. */
  readonly httpApi: apigwv2.IHttpApi;
  /** The built console (console/dist); must hold index.html. */
  readonly consoleDist: string;
  readonly consoleConfig: ConsoleConfig;
  /** Headers CloudFront adds to every request it sends to the API (e.g. a secret the API checks). */
  readonly apiOriginHeaders?: Readonly<Record<string, string>>;
  /** ARN of a CloudFront-scoped WAF web ACL (it lives in us-east-1). */
  readonly webAclId?: string;
  /** Where to read that ARN at deploy instead (the SSM parameter the WAF stack writes in us-east-1). */
  readonly webAclArnParameter?: WebAclLookupProps;
  /** @default 365 days */
  readonly accessLogRetention?: Duration;
}

export class EdgeStack extends Stack {
  readonly distribution: cloudfront.Distribution;
  readonly consoleBucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;
  /** The viewer-request function of the console's behaviors (deep links → index.html). */
  readonly consoleRouting: cloudfront.Function;
  /** `https://<distribution>/console/`. */
  readonly consoleUrl: string;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    if (!existsSync(join(props.consoleDist, "index.html"))) {
      throw new Error(
        `the console is not built: ${join(props.consoleDist, "index.html")} is missing. Run \`npm run console:build\` ` +
          "(`cdk synth` / `cdk deploy` through infra/app.ts build it when its sources changed), or point -c vouchers:consoleDist=<dir> at a build.",
      );
    }

    // ---- buckets ------------------------------------------------------------------------------
    // CloudFront's standard logs are delivered with object ACLs, so this one bucket keeps ACLs
    // enabled (BucketOwnerPreferred); it is private all the same.
    this.accessLogBucket = new s3.Bucket(this, "AccessLogs", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: props.accessLogRetention ?? Duration.days(365) }],
      // Logs are records: they outlive the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: "AwsSolutions-S1",
      reason: "This is the access-log bucket itself: logging its own access would log each log delivery, without end.",
    });

    this.consoleBucket = new s3.Bucket(this, "Console", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: "console-bucket/",
      // Only a build of console/, uploaded again on every deploy: nothing to keep.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });

    // ---- distribution -------------------------------------------------------------------------
    const webAclId = props.webAclId ?? (props.webAclArnParameter ? new WebAclLookup(this, "WebAcl", props.webAclArnParameter).webAclArn : undefined);
    this.consoleRouting = new cloudfront.Function(this, "ConsoleRouting", {
      comment: "Console deep links to /console/index.html; /console to /console/",
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(CONSOLE_ROUTING_CODE),
    });
    const consoleBehavior: cloudfront.BehaviorOptions = {
      // Reads the bucket through origin access control: the bucket policy admits this distribution only.
      origin: origins.S3BucketOrigin.withOriginAccessControl(this.consoleBucket),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      compress: true,
      functionAssociations: [{ function: this.consoleRouting, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
    };
    // The API: nothing cached, every method, and every viewer header but Host (API Gateway routes on
    // its own host name). With caching disabled, AllViewerExceptHostHeader forwards Authorization.
    const apiDomain = Fn.select(2, Fn.split("/", props.httpApi.apiEndpoint));
    const apiBehavior: cloudfront.BehaviorOptions = {
      origin: new origins.HttpOrigin(apiDomain, {
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        ...(props.apiOriginHeaders ? { customHeaders: { ...props.apiOriginHeaders } } : {}),
      }),
      // A redirect would turn a POST into a GET: plain HTTP is refused instead.
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      compress: true,
    };
    this.distribution = new cloudfront.Distribution(this, "Distribution", {
      comment: `${id}: operator console and API`,
      // Every API path, whatever routes the wiring adds, without listing them here.
      defaultBehavior: apiBehavior,
      additionalBehaviors: { [CONSOLE_PATH]: consoleBehavior, [`${CONSOLE_PATH}/*`]: consoleBehavior },
      // No errorResponses: they would apply to the API's 403s and 404s too.
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: this.accessLogBucket,
      logFilePrefix: "distribution/",
      ...(webAclId !== undefined ? { webAclId } : {}),
    });
    // The stack is region-agnostic, so the region is a deploy-time fact: a condition drops the
    // distribution's standard logs where CloudFront cannot deliver them to this stack's bucket.
    const logsDeliverable = new CfnCondition(this, "CloudFrontLogsDeliverable", {
      expression: Fn.conditionNot(regionIsOneOf(REGIONS_WITHOUT_CLOUDFRONT_LOGS)),
    });
    (this.distribution.node.defaultChild as cloudfront.CfnDistribution).addPropertyOverride(
      "DistributionConfig.Logging",
      Fn.conditionIf(logsDeliverable.logicalId, { Bucket: this.accessLogBucket.bucketRegionalDomainName, Prefix: "distribution/" }, Aws.NO_VALUE),
    );
    Validations.of(this.distribution).acknowledge({
      id: "AwsSolutions-CFR1",
      reason: "No geo restriction: the console's operators and the API's residents and partners may be anywhere, and CloudFront's country lookup is not an access control.",
    });
    if (webAclId === undefined) {
      Validations.of(this.distribution).acknowledge({
        id: "AwsSolutions-CFR2",
        reason: "No web ACL given: buildApp always attaches the us-east-1 WAF stack's (infra/stacks/waf-stack.ts); only an edge stack built on its own, without webAclId or webAclArnParameter, goes without.",
      });
    }
    Validations.of(this.distribution).acknowledge({
      id: "AwsSolutions-CFR4",
      reason: "Served on the default *.cloudfront.net certificate, whose viewer TLS policy CloudFront sets; a custom domain with its own certificate (TLSv1.2_2021) is a deployment choice (docs/deploy.md).",
    });

    // ---- the console's files ------------------------------------------------------------------
    const build = s3deploy.Source.asset(props.consoleDist, { exclude: [".*"] });
    // Vite names assets by content hash, so they are cached for good and never pruned: a browser
    // still running the previous index.html can load what it references.
    const assets = new s3deploy.BucketDeployment(this, "ConsoleAssets", {
      sources: [build],
      destinationBucket: this.consoleBucket,
      destinationKeyPrefix: `${CONSOLE_PATH.slice(1)}/`,
      exclude: ["*"],
      include: ["assets/*"],
      prune: false,
      cacheControl: [s3deploy.CacheControl.setPublic(), s3deploy.CacheControl.maxAge(Duration.days(365)), s3deploy.CacheControl.immutable()],
    });
    // index.html and config.json change under their names: browsers revalidate them, and the
    // distribution's copies are invalidated once they are uploaded.
    const pages = new s3deploy.BucketDeployment(this, "ConsolePages", {
      sources: [build, s3deploy.Source.jsonData(CONSOLE_CONFIG_FILE, props.consoleConfig)],
      destinationBucket: this.consoleBucket,
      destinationKeyPrefix: `${CONSOLE_PATH.slice(1)}/`,
      exclude: ["assets/*"],
      prune: true,
      cacheControl: [s3deploy.CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: [CONSOLE_PATH, `${CONSOLE_PATH}/*`],
    });
    pages.node.addDependency(assets);
    // Both deployments run the one helper function CDK creates per stack.
    acknowledgeDeploymentFindings(pages, this.consoleBucket);

    this.consoleUrl = `https://${this.distribution.distributionDomainName}${CONSOLE_PATH}/`;
    new CfnOutput(this, "ConsoleUrl", { value: this.consoleUrl, description: "The operator console" });
    new CfnOutput(this, "EdgeUrl", {
      value: `https://${this.distribution.distributionDomainName}`,
      description: "Base URL of the API through CloudFront (the console's origin)",
    });
    new CfnOutput(this, "DistributionId", { value: this.distribution.distributionId, description: "For invalidations" });
  }
}

/** True in any of `regions`; `Fn::Or` takes at most 10 conditions, so longer lists are nested. */
function regionIsOneOf(regions: readonly string[]): ICfnConditionExpression {
  const equals = regions.map((region) => Fn.conditionEquals(Aws.REGION, region));
  const chunks: ICfnConditionExpression[] = [];
  for (let start = 0; start < equals.length; start += 10) {
    const chunk = equals.slice(start, start + 10);
    chunks.push(chunk.length === 1 ? chunk[0]! : Fn.conditionOr(...chunk));
  }
  return chunks.length === 1 ? chunks[0]! : Fn.conditionOr(...chunks);
}

/**
 * cdk-nag findings on the helper function CDK's BucketDeployment runs (one per stack, shared by
 * every deployment): its runtime and its role are CDK's, and its grants are the ones CDK derives
 * from the deployment's source and destination.
 */
function acknowledgeDeploymentFindings(deployment: s3deploy.BucketDeployment, destination: s3.Bucket): void {
  const role = deployment.handlerRole;
  const handler = role.node.scope;
  if (!handler) throw new Error("BucketDeployment's role has no function around it");
  Validations.of(handler).acknowledge({
    id: "AwsSolutions-L1",
    reason: "CDK's BucketDeployment helper runs the Python runtime that aws-cdk-lib pins for it; it moves with the aws-cdk-lib version, and runs only during deployments.",
  });
  Validations.of(role).acknowledge({
    id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    reason: "CDK's BucketDeployment helper writes its logs through the AWS managed basic execution policy; it runs only during deployments.",
  });
  const wildcards: [string, string][] = [
    ["Action::s3:GetBucket*", "reads the CDK asset bucket (the console build as uploaded by cdk deploy): CDK's read grant"],
    ["Action::s3:GetObject*", "reads the console build from the CDK asset bucket: CDK's read grant"],
    ["Action::s3:List*", "lists the CDK asset bucket and the console bucket to sync them: CDK's read grant"],
    ["Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*", "the objects of the CDK bootstrap asset bucket, where the console build is staged"],
    ["Action::s3:Abort*", "aborts its own multipart uploads to the console bucket: CDK's write grant"],
    ["Action::s3:DeleteObject*", "prunes files of an older build from the console bucket: CDK's write grant"],
    [`Resource::<${Stack.of(deployment).getLogicalId(destination.node.defaultChild as s3.CfnBucket)}.Arn>/*`, "the objects of the console bucket, which it syncs"],
    ["Resource::*", "cloudfront:CreateInvalidation and GetInvalidation, which CDK grants on * to invalidate the console after an upload"],
  ];
  for (const [finding, reason] of wildcards) {
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: `BucketDeployment helper: ${reason}.` });
  }
}
