/**
 * The web ACL of the CloudFront distribution. A CloudFront-scoped web ACL must live in us-east-1,
 * whatever region the platform runs in, so it has a small stack of its own there, `<app>-waf`.
 * Its ARN goes to an SSM parameter in us-east-1, which the edge stack reads at deploy
 * (infra/constructs/web-acl-lookup.ts): the platform's stacks are region-agnostic, and CDK's own
 * cross-region references need stacks with a region fixed at synthesis.
 *
 * Rules, in order (docs/architecture.md, "Edge"):
 * 1. partner routes from outside the partners' IP ranges are blocked (when ranges are configured);
 * 2. a rate limit per client IP on claims, and another, separately tuned, on partner routes;
 * 3. AWS's managed common rule set, its 8 KB body-size rule only counting (labelling) requests;
 * 4. requests that rule labelled are blocked, except on admin routes: campaign documents are large.
 */
import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import * as ssm from "aws-cdk-lib/aws-ssm";
import * as wafv2 from "aws-cdk-lib/aws-wafv2";
import type { Construct } from "constructs";

/** The region of every CloudFront-scoped WAF resource. */
export const WAF_REGION = "us-east-1";
/** The managed rule of the common rule set that blocks bodies over 8 KB, and the label it adds. */
export const BODY_SIZE_RULE = "SizeRestrictions_BODY";
export const BODY_SIZE_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body";
/** WAF's shortest window for rate-based rules, in seconds: limits are per client IP per minute. */
export const RATE_WINDOW_SECONDS = 60;

export interface WafStackProps extends StackProps {
  /** Names the ACL, its metrics and the SSM parameter: `<app>` or `<stage>-<app>`. */
  readonly prefix: string;
  /** Requests per client IP per minute. */
  readonly claimsPerIp: number;
  readonly partnerPerIp: number;
  /** CIDR ranges partner routes are restricted to; empty: no restriction. */
  readonly partnerIpRanges: readonly string[];
}

/** SSM parameter (in us-east-1) that holds the web ACL's ARN. */
export function webAclArnParameterName(prefix: string): string {
  return `/${prefix}/edge/web-acl-arn`;
}

type Statement = wafv2.CfnWebACL.StatementProperty;

const uriPath = (positionalConstraint: "STARTS_WITH" | "ENDS_WITH", searchString: string): Statement => ({
  byteMatchStatement: {
    fieldToMatch: { uriPath: {} },
    positionalConstraint,
    searchString,
    textTransformations: [{ priority: 0, type: "NONE" }],
  },
});
/** `/campaigns/{id}/drops/{dropId}/claims` (routeClass "claims"). */
const CLAIM_PATHS: Statement = { andStatement: { statements: [uriPath("STARTS_WITH", "/campaigns/"), uriPath("ENDS_WITH", "/claims")] } };
/** `/partners/{partnerId}/…`: every partner-signed route. */
const PARTNER_PATHS = uriPath("STARTS_WITH", "/partners/");
const ADMIN_PATHS = uriPath("STARTS_WITH", "/admin/");

export class WafStack extends Stack {
  readonly webAcl: wafv2.CfnWebACL;
  readonly webAclArnParameter: ssm.StringParameter;
  /** The partners' ranges by IP version; absent without ranges. */
  readonly partnerIpSets: wafv2.CfnIPSet[] = [];

  constructor(scope: Construct, id: string, props: WafStackProps) {
    super(scope, id, { ...props, env: { ...props.env, region: WAF_REGION } });
    const visibility = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${props.prefix}-${name}`,
    });

    const rules: wafv2.CfnWebACL.RuleProperty[] = [];
    const v4 = props.partnerIpRanges.filter((range) => !range.includes(":"));
    const v6 = props.partnerIpRanges.filter((range) => range.includes(":"));
    for (const [version, addresses] of [["IPV4", v4], ["IPV6", v6]] as const) {
      if (addresses.length === 0) continue;
      this.partnerIpSets.push(
        new wafv2.CfnIPSet(this, `PartnerRanges${version === "IPV4" ? "V4" : "V6"}`, {
          scope: "CLOUDFRONT",
          ipAddressVersion: version,
          addresses: [...addresses],
          description: `The ${version} ranges of partners, the only sources partner routes accept`,
        }),
      );
    }
    if (this.partnerIpSets.length > 0) {
      const fromPartner = this.partnerIpSets.map((set): Statement => ({ ipSetReferenceStatement: { arn: set.attrArn } }));
      rules.push({
        name: "PartnerRoutesFromPartnerRanges",
        priority: rules.length,
        action: { block: {} },
        statement: {
          andStatement: {
            statements: [PARTNER_PATHS, { notStatement: { statement: fromPartner.length === 1 ? fromPartner[0]! : { orStatement: { statements: fromPartner } } } }],
          },
        },
        visibilityConfig: visibility("partner-ranges"),
      });
    }
    for (const [name, paths, limit] of [
      ["ClaimsPerIp", CLAIM_PATHS, props.claimsPerIp],
      ["PartnerPerIp", PARTNER_PATHS, props.partnerPerIp],
    ] as const) {
      rules.push({
        name,
        priority: rules.length,
        action: { block: {} },
        statement: { rateBasedStatement: { aggregateKeyType: "IP", limit, evaluationWindowSec: RATE_WINDOW_SECONDS, scopeDownStatement: paths } },
        visibilityConfig: visibility(name),
      });
    }
    rules.push({
      name: "CommonRuleSet",
      priority: rules.length,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: "AWS",
          name: "AWSManagedRulesCommonRuleSet",
          // Counted only, so the rule below can decide by route; the rule still labels the request.
          ruleActionOverrides: [{ name: BODY_SIZE_RULE, actionToUse: { count: {} } }],
        },
      },
      visibilityConfig: visibility("common"),
    });
    rules.push({
      name: "BodySizeOutsideAdmin",
      priority: rules.length,
      action: { block: {} },
      statement: {
        andStatement: { statements: [{ labelMatchStatement: { scope: "LABEL", key: BODY_SIZE_LABEL } }, { notStatement: { statement: ADMIN_PATHS } }] },
      },
      visibilityConfig: visibility("body-size"),
    });

    this.webAcl = new wafv2.CfnWebACL(this, "WebAcl", {
      name: `${props.prefix}-edge`,
      description: `Edge protection of the ${props.prefix} CloudFront distribution`,
      scope: "CLOUDFRONT",
      defaultAction: { allow: {} },
      rules,
      visibilityConfig: visibility("web-acl"),
    });
    this.webAclArnParameter = new ssm.StringParameter(this, "WebAclArn", {
      parameterName: webAclArnParameterName(props.prefix),
      stringValue: this.webAcl.attrArn,
      description: `ARN of the ${props.prefix} CloudFront web ACL, read by the edge stack at deploy`,
    });
    new CfnOutput(this, "WebAclArnOutput", { value: this.webAcl.attrArn, description: "The CloudFront distribution's web ACL" });
  }
}
