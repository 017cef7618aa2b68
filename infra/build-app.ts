/**
 * Builds the CDK app from a wiring: `<app>-stateful` (tables, queues), `<app>-stateless`
 * (functions, HTTP API, schedules, event source mappings), `<app>-edge` (the CloudFront
 * distribution that serves the console and fronts the API), `<app>-waf` (its web ACL, in
 * us-east-1) and, without an external token issuer, `<app>-identity` (the stock Cognito user
 * pool), checked by cdk-nag's AWS Solutions rules (cdk-nag). With `vouchers:stage` every `<app>`
 * is `<stage>-<app>` (infra/stage.ts). `infra/app.ts` runs it for the platform; tests call it with
 * any wiring.
 */
import { isAbsolute, resolve } from "node:path";
import { App, Tags, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { z } from "zod";
import type { Wiring } from "../shared/wiring/types.js";
import { CONSOLE_DIST } from "./local/console-build.js";
import { applyWarmThroughput, claimsThrottle, readDropPlan } from "./constructs/drop-plan.js";
import { REPO_ROOT } from "./constructs/voucher-function.js";
import { ConsoleSignIn } from "./constructs/console-sign-in.js";
import { parseEdgeContext } from "./edge-context.js";
import { makeDisposable, stagedWiring } from "./stage.js";
import { EdgeStack } from "./stacks/edge-stack.js";
import { IdentityStack } from "./stacks/identity-stack.js";
import { StatefulStack } from "./stacks/stateful-stack.js";
import { StatelessStack } from "./stacks/stateless-stack.js";
import { WAF_REGION, WafStack, webAclArnParameterName } from "./stacks/waf-stack.js";

export const JWT_ISSUER_CONTEXT = "vouchers:jwtIssuer";
export const JWT_AUDIENCE_CONTEXT = "vouchers:jwtAudience";
export const ALARM_EMAIL_CONTEXT = "vouchers:alarmEmail";
/** The built console to deploy; default console/dist. Relative paths start at the repository root. */
export const CONSOLE_DIST_CONTEXT = "vouchers:consoleDist";
/** The console's OIDC app client id; default the first of `vouchers:jwtAudience`. */
export const CONSOLE_CLIENT_ID_CONTEXT = "vouchers:consoleClientId";

const deployContextSchema = z
  .object({
    // Optional: without an issuer the app builds the stock Cognito user pool (infra/stacks/identity-stack.ts).
    [JWT_ISSUER_CONTEXT]: z
      .url({
        protocol: /^https$/,
        error: "must be the https URL of the token issuer, e.g. https://cognito-idp.<region>.amazonaws.com/<pool id>",
      })
      .optional(),
    [JWT_AUDIENCE_CONTEXT]: z
      .union([z.string(), z.array(z.string())], { error: "must be a string, a comma-separated list or a list of strings" })
      .transform((value) =>
        (Array.isArray(value) ? value : value.split(","))
          .map((audience) => audience.trim())
          .filter((audience) => audience.length > 0),
      )
      .pipe(z.array(z.string()).min(1, { error: "must name at least one audience (e.g. the app client id)" }))
      .optional(),
    // Optional: without it the alarm topic has no subscription until someone adds one.
    [ALARM_EMAIL_CONTEXT]: z.email({ error: "must be an email address, subscribed to the alarm topic" }).optional(),
  })
  .superRefine((context, issues) => {
    const issuer = context[JWT_ISSUER_CONTEXT];
    const audience = context[JWT_AUDIENCE_CONTEXT];
    if (issuer !== undefined && audience === undefined) {
      issues.addIssue({ code: "custom", path: [JWT_AUDIENCE_CONTEXT], message: "must name at least one audience (e.g. the app client id) of the external issuer" });
    }
    if (issuer === undefined && audience !== undefined) {
      issues.addIssue({
        code: "custom",
        path: [JWT_ISSUER_CONTEXT],
        message: `must be set with ${JWT_AUDIENCE_CONTEXT}: an audience belongs to an external issuer (set neither for the stock user pool)`,
      });
    }
  });

export interface DeployContext {
  /** An external issuer and its audiences; absent: the stock Cognito user pool. */
  readonly jwtIssuer?: string;
  readonly jwtAudience?: string[];
  /** Subscribed to the alarm topic by email when set. */
  readonly alarmEmail?: string;
}

/** Reads and checks the deploy-time context; throws one readable error naming every bad key. */
export function parseDeployContext(read: (key: string) => unknown): DeployContext {
  const result = deployContextSchema.safeParse({
    [JWT_ISSUER_CONTEXT]: read(JWT_ISSUER_CONTEXT),
    [JWT_AUDIENCE_CONTEXT]: read(JWT_AUDIENCE_CONTEXT),
    [ALARM_EMAIL_CONTEXT]: read(ALARM_EMAIL_CONTEXT),
  });
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `- ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(
      `invalid CDK context:\n${problems.join("\n")}\n` +
        `Set neither key for the stock user pool, or both: -c ${JWT_ISSUER_CONTEXT}=https://... -c ${JWT_AUDIENCE_CONTEXT}=<client id>[,<client id>]` +
          ` [-c ${ALARM_EMAIL_CONTEXT}=<address>]`,
    );
  }
  const alarmEmail = result.data[ALARM_EMAIL_CONTEXT];
  const issuer = result.data[JWT_ISSUER_CONTEXT];
  const audience = result.data[JWT_AUDIENCE_CONTEXT];
  return {
    ...(issuer !== undefined && audience !== undefined ? { jwtIssuer: issuer, jwtAudience: audience } : {}),
    ...(alarmEmail !== undefined ? { alarmEmail } : {}),
  };
}

const consoleContextSchema = z.object({
  [CONSOLE_DIST_CONTEXT]: z.string({ error: "must be the path of a built console (console/dist)" }).min(1).optional(),
  [CONSOLE_CLIENT_ID_CONTEXT]: z.string({ error: "must be the console's app client id" }).min(1).optional(),
});

export interface ConsoleContext {
  /** Absolute path of the built console. */
  readonly dist: string;
  /** The console's client at the external issuer; absent with the stock user pool, whose console client is used. */
  readonly clientId?: string;
}

/**
 * Reads where the built console is and which client id it signs in with. With an external issuer
 * (`jwtAudience` given) the client id must be one of the audiences the API accepts, or the
 * console's tokens would be refused by the API; with the stock user pool (`jwtAudience` undefined)
 * the pool's console client is the one, and naming another is an error.
 */
export function parseConsoleContext(read: (key: string) => unknown, jwtAudience: readonly string[] | undefined): ConsoleContext {
  const result = consoleContextSchema.safeParse({
    [CONSOLE_DIST_CONTEXT]: read(CONSOLE_DIST_CONTEXT),
    [CONSOLE_CLIENT_ID_CONTEXT]: read(CONSOLE_CLIENT_ID_CONTEXT),
  });
  const problems = result.success ? [] : result.error.issues.map((issue) => `- ${issue.path.join(".")}: ${issue.message}`);
  const named = result.data?.[CONSOLE_CLIENT_ID_CONTEXT];
  const clientId = jwtAudience === undefined ? undefined : (named ?? jwtAudience[0]);
  if (result.success && jwtAudience === undefined && named !== undefined) {
    problems.push(`- ${CONSOLE_CLIENT_ID_CONTEXT}: names a client of an external issuer; without ${JWT_ISSUER_CONTEXT} the stock user pool's console client is used`);
  }
  if (result.success && jwtAudience !== undefined && (clientId === undefined || !jwtAudience.includes(clientId))) {
    problems.push(`- ${CONSOLE_CLIENT_ID_CONTEXT}: ${clientId ?? "(none)"} is not among ${JWT_AUDIENCE_CONTEXT} (${jwtAudience.join(", ")}), so the API would refuse the console's tokens`);
  }
  if (problems.length > 0) throw new Error(`invalid CDK context:\n${problems.join("\n")}`);
  const dist = result.data?.[CONSOLE_DIST_CONTEXT] ?? CONSOLE_DIST;
  return { dist: isAbsolute(dist) ? dist : resolve(REPO_ROOT, dist), ...(clientId !== undefined ? { clientId } : {}) };
}

export interface BuildAppOptions {
  readonly wiring: Wiring;
  /** Context for a new App; ignored for keys the given `app` already has. */
  readonly context?: Readonly<Record<string, unknown>>;
  /** An App to build into; by default a new one with `context`. */
  readonly app?: App;
}

export interface BuiltApp {
  readonly app: App;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
  readonly edge: EdgeStack;
  /** The stock user pool's stack; absent with an external issuer. */
  readonly identity?: IdentityStack;
  /** The web ACL's stack, in us-east-1. */
  readonly waf: WafStack;
  /** The stage the app was built for; absent: production names and policies. */
  readonly stage?: string;
}

export function buildApp({ wiring: declared, context = {}, app = new App({ context: { ...context } }) }: BuildAppOptions): BuiltApp {
  const read = (key: string): unknown => app.node.tryGetContext(key) ?? context[key];
  const deploy = parseDeployContext(read);
  const consoleSite = parseConsoleContext(read, deploy.jwtAudience);
  const dropPlan = readDropPlan(read);
  const edgeContext = parseEdgeContext(read);
  // A stage prefixes the app's name, and so every name derived from it; without one, nothing changes.
  const wiring = stagedWiring(declared, edgeContext.stage);
  const disposable = edgeContext.stage !== undefined;

  // Without an external issuer, the stock user pool: its issuer and clients are the API's and the console's.
  const identity =
    deploy.jwtIssuer === undefined
      ? new IdentityStack(app, `${wiring.app}-identity`, {
          prefix: wiring.app,
          disposable,
          ...(edgeContext.authDomainPrefix !== undefined ? { domainPrefix: edgeContext.authDomainPrefix } : {}),
          description: `${wiring.app}: the Cognito user pool the API and the console sign in with`,
        })
      : undefined;
  const jwtIssuer = identity?.issuer ?? deploy.jwtIssuer;
  const jwtAudience = identity ? [identity.residentsClient.userPoolClientId, identity.consoleClient.userPoolClientId] : deploy.jwtAudience;
  const consoleClientId = identity?.consoleClient.userPoolClientId ?? consoleSite.clientId;
  if (jwtIssuer === undefined || jwtAudience === undefined || consoleClientId === undefined) throw new Error("no token issuer: the deploy context was not checked");

  const stateful = new StatefulStack(app, `${wiring.app}-stateful`, {
    wiring,
    ...(deploy.alarmEmail !== undefined ? { alarmEmail: deploy.alarmEmail } : {}),
    description: `${wiring.app}: tables and queues (retained data), alarms`,
  });
  if (dropPlan) applyWarmThroughput(stateful.tables, dropPlan);
  const stateless = new StatelessStack(app, `${wiring.app}-stateless`, {
    wiring,
    tables: stateful.tables,
    tableKeys: stateful.tableKeys,
    queues: stateful.queues,
    identityHashKey: stateful.identityHashKey,
    buyerDataKey: stateful.buyerDataKey,
    buckets: stateful.buckets,
    jwtIssuer,
    jwtAudience,
    // A drop plan provisions the claim function, and the claims route takes the plan's rate.
    routeThrottles: dropPlan ? { ...edgeContext.routeThrottles, claims: claimsThrottle(edgeContext.routeThrottles.claims, dropPlan) } : edgeContext.routeThrottles,
    ...(dropPlan ? { dropPlan } : {}),
    alarmTopic: stateful.alarmTopic,
    ...(identity ? { watchedFunctions: { preTokenGeneration: identity.preTokenGeneration } } : {}),
    description: `${wiring.app}: functions, HTTP API, schedules and event source mappings`,
  });
  const waf = new WafStack(app, `${wiring.app}-waf`, {
    prefix: wiring.app,
    claimsPerIp: edgeContext.wafPerIp.claims,
    partnerPerIp: edgeContext.wafPerIp.partner,
    partnerIpRanges: edgeContext.partnerIpRanges,
    description: `${wiring.app}: the CloudFront distribution's web ACL (us-east-1)`,
  });
  const edge = new EdgeStack(app, `${wiring.app}-edge`, {
    httpApi: stateless.httpApi,
    consoleDist: consoleSite.dist,
    // The console signs in at the issuer the API's JWT authorizer trusts.
    consoleConfig: { oidc: { authority: jwtIssuer, clientId: consoleClientId, scope: "openid" } },
    // Closes the execute-api bypass: the API's handlers refuse requests without this header.
    apiOriginHeaders: stateless.originSecret.originHeaders,
    webAclArnParameter: { parameterName: webAclArnParameterName(wiring.app), region: WAF_REGION },
    description: `${wiring.app}: CloudFront distribution of the operator console and the API`,
  });
  // The ACL's ARN is read from its SSM parameter at deploy: the WAF stack goes first.
  edge.addStackDependency(waf, "the edge stack reads the web ACL ARN that the WAF stack writes");
  if (identity) new ConsoleSignIn(edge, "ConsoleSignIn", { userPool: identity.userPool, client: identity.consoleClient, consoleUrl: edge.consoleUrl });
  // The references above make the stateless stack depend on the stateful one (and the identity
  // stack), and the edge on the stateless one.

  const stacks = [identity, stateful, stateless, waf, edge].filter((stack) => stack !== undefined);
  for (const stack of stacks) {
    Tags.of(stack).add("app", wiring.app);
    Tags.of(stack).add("managed-by", "cdk");
    if (edgeContext.stage !== undefined) {
      Tags.of(stack).add("stage", edgeContext.stage);
      makeDisposable(stack);
    }
  }
  Tags.of(stateful).add("layer", "stateful");
  Tags.of(stateless).add("layer", "stateless");
  Tags.of(edge).add("layer", "edge");
  Tags.of(waf).add("layer", "edge");
  if (identity) Tags.of(identity).add("layer", "identity");

  // cdk-nag 3 is a policy-validation plugin: any unacknowledged finding fails the synthesis.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stateful, stateless, edge, waf, ...(identity ? { identity } : {}), ...(edgeContext.stage !== undefined ? { stage: edgeContext.stage } : {}) };
}
