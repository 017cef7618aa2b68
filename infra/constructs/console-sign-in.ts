/**
 * Turns on the console's sign-in at the stock user pool (infra/stacks/identity-stack.ts): the
 * authorization code flow (with PKCE: a public client) and, as its only callback, the console's
 * CloudFront URL. The client exists before the distribution (the API's authorizer needs its id,
 * and the distribution needs the API), so the edge stack sets these at deploy with Cognito's
 * UpdateUserPoolClient, which replaces every setting of the client: all of them are given here.
 */
import { Stack } from "aws-cdk-lib";
import type * as cognito from "aws-cdk-lib/aws-cognito";
import * as iam from "aws-cdk-lib/aws-iam";
import * as cr from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";
import { acknowledgeAwsCallProvider } from "./aws-call-provider.js";

export interface ConsoleSignInProps {
  readonly userPool: cognito.IUserPool;
  readonly client: cognito.IUserPoolClient;
  /** `https://<distribution>/console/`: where Cognito sends operators back with the code. */
  readonly consoleUrl: string;
}

/** The console client's settings: the identity stack's, plus OAuth. */
export function consoleClientSettings(consoleUrl: string): Record<string, unknown> {
  return {
    ClientName: "console",
    ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    PreventUserExistenceErrors: "ENABLED",
    EnableTokenRevocation: true,
    WriteAttributes: ["email", "name", "phone_number", "preferred_username"],
    SupportedIdentityProviders: ["COGNITO"],
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthFlows: ["code"],
    AllowedOAuthScopes: ["openid", "email", "phone", "profile"],
    CallbackURLs: [consoleUrl],
    LogoutURLs: [consoleUrl],
  };
}

export class ConsoleSignIn extends Construct {
  constructor(scope: Construct, id: string, props: ConsoleSignInProps) {
    super(scope, id);
    const update: cr.AwsSdkCall = {
      service: "CognitoIdentityServiceProvider",
      action: "updateUserPoolClient",
      parameters: { UserPoolId: props.userPool.userPoolId, ClientId: props.client.userPoolClientId, ...consoleClientSettings(props.consoleUrl) },
      physicalResourceId: cr.PhysicalResourceId.of(`console-sign-in-${Stack.of(this).stackName}`),
    };
    new cr.AwsCustomResource(this, "Client", {
      onCreate: update,
      onUpdate: update,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ["cognito-idp:UpdateUserPoolClient"], resources: [props.userPool.userPoolArn] }),
      ]),
      installLatestAwsSdk: false,
    });
    acknowledgeAwsCallProvider(this);
  }
}
