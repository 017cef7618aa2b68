/**
 * Reads the web ACL's ARN, at deploy, from the SSM parameter the us-east-1 WAF stack writes
 * (infra/stacks/waf-stack.ts), for the CloudFront distribution of the region-agnostic edge stack.
 * It reads again whenever the parameter's name changes; the ACL keeps its ARN across updates (it
 * is replaced only when renamed, which renames the parameter too).
 */
import { Aws } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as cr from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";
import { acknowledgeAwsCallProvider } from "./aws-call-provider.js";

export interface WebAclLookupProps {
  /** The parameter's name in `region`. */
  readonly parameterName: string;
  readonly region: string;
}

export class WebAclLookup extends Construct {
  /** The web ACL's ARN, for the distribution's `webAclId`. */
  readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: WebAclLookupProps) {
    super(scope, id);
    const parameterArn = `arn:${Aws.PARTITION}:ssm:${props.region}:${Aws.ACCOUNT_ID}:parameter${props.parameterName}`;
    const read: cr.AwsSdkCall = {
      service: "SSM",
      action: "getParameter",
      parameters: { Name: props.parameterName },
      region: props.region,
      physicalResourceId: cr.PhysicalResourceId.of(props.parameterName),
    };
    const lookup = new cr.AwsCustomResource(this, "Parameter", {
      onCreate: read,
      onUpdate: read,
      policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({ actions: ["ssm:GetParameter"], resources: [parameterArn] })]),
      installLatestAwsSdk: false,
    });
    this.webAclArn = lookup.getResponseField("Parameter.Value");
    acknowledgeAwsCallProvider(this);
  }
}
