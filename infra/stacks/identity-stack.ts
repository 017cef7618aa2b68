/**
 * The stock sign-in, built when no external issuer is configured (`vouchers:jwtIssuer` unset):
 * `<app>-identity` holds a Cognito user pool whose tokens the API's JWT authorizer trusts.
 * - groups `operators` and `merchants`, the groups the API checks (shared/http/caller.ts);
 * - a custom attribute `merchant_id` that only administrators write (docs/deploy.md);
 * - a pre-token-generation trigger (event version 2) that adds `custom:merchant_id`,
 *   `phone_number` and `phone_number_verified` to ID and access tokens (API.md "Tokens");
 * - a hosted sign-in domain, and public app clients (no secret) for the console and residents'
 *   apps. The console's client signs in with the authorization code flow and PKCE; its callback is
 *   the console's CloudFront URL, which only exists after the API (and so this pool) does, so the
 *   edge stack sets it (infra/constructs/console-sign-in.ts).
 *
 * A stack of its own, before the stateless one: the pool holds the users, so it is retained and
 * deletion-protected like the tables (except in a disposable stage), and the stateless stack can be
 * rebuilt without it.
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import type { Construct } from "constructs";
import { MERCHANTS_GROUP, OPERATORS_GROUP } from "../../shared/http/caller.js";
import { VoucherFunction } from "../constructs/voucher-function.js";

export interface IdentityStackProps extends StackProps {
  /** Names the pool and, by default, the hosted domain: `<app>` or `<stage>-<app>`. */
  readonly prefix: string;
  /** The hosted sign-in domain's prefix (`<prefix>.auth.<region>.amazoncognito.com`). @default `<prefix>-<account id>` */
  readonly domainPrefix?: string;
  /** A disposable stage: no deletion protection, destroyed with the stack. */
  readonly disposable?: boolean;
}

/** What users may write on their own profiles: never `custom:merchant_id`, which names the merchant they act for. */
const SELF_WRITABLE = new cognito.ClientAttributes().withStandardAttributes({ email: true, phoneNumber: true, fullname: true, preferredUsername: true });

export class IdentityStack extends Stack {
  readonly userPool: cognito.UserPool;
  readonly domain: cognito.UserPoolDomain;
  /** The console's client; its OAuth settings and callback are the edge stack's to set. */
  readonly consoleClient: cognito.UserPoolClient;
  /** Residents' apps sign in with SRP through this client. */
  readonly residentsClient: cognito.UserPoolClient;
  readonly preTokenGeneration: VoucherFunction;
  readonly groups: Record<"operators" | "merchants", cognito.UserPoolGroup>;
  /** The issuer of the pool's tokens, as the API's JWT authorizer and the console expect it. */
  readonly issuer: string;

  constructor(scope: Construct, id: string, props: IdentityStackProps) {
    super(scope, id, props);
    this.userPool = new cognito.UserPool(this, "Users", {
      userPoolName: `${props.prefix}-users`,
      // Residents sign themselves up; rights come from groups, which only administrators assign.
      selfSignUpEnabled: true,
      signInAliases: { email: true, phone: true },
      autoVerify: { email: true, phone: true },
      standardAttributes: { email: { required: false, mutable: true }, phoneNumber: { required: false, mutable: true } },
      customAttributes: { merchant_id: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: true }) },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_AND_PHONE_WITHOUT_MFA,
      // Version 2 of the pre-token-generation event (access-token claims) needs Essentials or Plus.
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: props.disposable !== true,
      removalPolicy: props.disposable === true ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.issuer = this.userPool.userPoolProviderUrl;

    this.groups = {
      operators: this.userPool.addGroup("Operators", { groupName: OPERATORS_GROUP, description: "Bureau operators: every /admin route and the console" }),
      merchants: this.userPool.addGroup("Merchants", { groupName: MERCHANTS_GROUP, description: "Merchants' staff: /merchant routes, for the merchant named by custom:merchant_id" }),
    };

    this.preTokenGeneration = new VoucherFunction(this, "PreTokenGeneration", {
      name: "preTokenGeneration",
      declaration: {
        description: "Cognito pre-token-generation trigger: adds the claims the API reads to ID and access tokens",
        entry: "functions/auth/pre-token-generation.ts",
        memoryMb: 256,
        timeoutSeconds: 5,
      },
    });
    this.userPool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, this.preTokenGeneration, cognito.LambdaVersion.V2_0);

    this.domain = this.userPool.addDomain("HostedSignIn", {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? `${props.prefix}-${Aws.ACCOUNT_ID}` },
    });

    const publicClient = (clientId: string, name: string) =>
      this.userPool.addClient(clientId, {
        userPoolClientName: name,
        // Public clients: a browser or a phone cannot keep a secret; PKCE protects the code flow.
        generateSecret: false,
        authFlows: { userSrp: true },
        // The console's OAuth settings and callback URL are set by the edge stack; residents' apps use SRP.
        disableOAuth: true,
        preventUserExistenceErrors: true,
        enableTokenRevocation: true,
        writeAttributes: SELF_WRITABLE,
        supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      });
    this.consoleClient = publicClient("ConsoleClient", "console");
    this.residentsClient = publicClient("ResidentsClient", "residents");

    new CfnOutput(this, "UserPoolId", { value: this.userPool.userPoolId, description: "The user pool (aws cognito-idp admin-* commands, docs/deploy.md)" });
    new CfnOutput(this, "Issuer", { value: this.issuer, description: "Issuer of the pool's tokens, trusted by the API" });
    new CfnOutput(this, "ConsoleClientId", { value: this.consoleClient.userPoolClientId, description: "The console's app client" });
    new CfnOutput(this, "ResidentsClientId", { value: this.residentsClient.userPoolClientId, description: "The app client of residents' apps (SRP sign-in)" });
    new CfnOutput(this, "HostedSignInDomain", { value: this.domain.baseUrl(), description: "The hosted sign-in pages" });
    acknowledgeFindings(this);
  }
}

function acknowledgeFindings(stack: IdentityStack): void {
  Validations.of(stack.userPool).acknowledge({
    id: "AwsSolutions-COG2",
    reason: "MFA is optional (TOTP): residents sign up themselves with a phone number and cannot all be made to enrol; operators enrol, as docs/deploy.md describes.",
  });
  Validations.of(stack.userPool).acknowledge({
    id: "AwsSolutions-COG8",
    reason: "Essentials, not Plus: threat protection is priced per monthly active user, and a city with a million residents opts in deliberately (docs/deploy.md); Essentials is what the version 2 token trigger needs.",
  });
  // CDK's role for Cognito's SMS (phone verification): SNS publishes to phone numbers, which are no ARNs.
  const smsRole = stack.userPool.node.tryFindChild("smsRole");
  if (smsRole) {
    Validations.of(smsRole).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason: "Cognito sends verification codes by SMS through sns:Publish to phone numbers, which have no ARN; the role is assumable by Cognito for this pool only (external id).",
    });
  }
  Validations.of(stack.preTokenGeneration).acknowledge({
    id: "AwsSolutions-L1",
    reason: "Pinned to nodejs22.x on purpose, like every function of the platform: the bundle targets node22, the runtime the handlers are tested on.",
  });
  const role = stack.preTokenGeneration.role;
  if (role) {
    Validations.of(role).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason: "preTokenGeneration: active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which take no resource narrower than *.",
    });
  }
}
