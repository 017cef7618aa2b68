/**
 * cdk-nag findings on the one function CDK runs every AwsCustomResource of a stack with (the edge
 * stack's web ACL lookup and the console's sign-in settings): its logging policy is CDK's, and it
 * runs only during deployments.
 */
import { Stack, Validations } from "aws-cdk-lib";
import * as cr from "aws-cdk-lib/custom-resources";
import type { Construct, IConstruct } from "constructs";

const acknowledged = new WeakSet<IConstruct>();

/** Acknowledges, once per stack, the findings on the AwsCustomResource provider of `scope`'s stack. */
export function acknowledgeAwsCallProvider(scope: Construct): void {
  const provider = Stack.of(scope).node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, "")}`);
  if (!provider || acknowledged.has(provider)) return;
  acknowledged.add(provider);
  const role = provider.node.tryFindChild("ServiceRole");
  if (role) {
    Validations.of(role).acknowledge({
      id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      reason: "CDK's AwsCustomResource provider writes its logs through the AWS managed basic execution policy; it runs only during deployments, and its calls are granted one by one.",
    });
  }
}
