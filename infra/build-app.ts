/**
 * Builds the CDK app from a wiring: `<app>-stateful` (tables, queues), `<app>-stateless`
 * (functions, HTTP API, schedules, event source mappings) and `<app>-edge` (the CloudFront
 * distribution that serves the console and fronts the API), checked by cdk-nag's AWS Solutions
 * rules (cdk-nag). `infra/app.ts` runs it for the platform; tests call it with any wiring.
 */
import { isAbsolute, resolve } from "node:path";
import { App, Tags, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { z } from "zod";
import type { Wiring } from "../shared/wiring/types.js";
import { CONSOLE_DIST } from "./local/console-build.js";
import { REPO_ROOT } from "./constructs/voucher-function.js";
import { EdgeStack } from "./stacks/edge-stack.js";
import { StatefulStack } from "./stacks/stateful-stack.js";
import { StatelessStack } from "./stacks/stateless-stack.js";

export const JWT_ISSUER_CONTEXT = "vouchers:jwtIssuer";
export const JWT_AUDIENCE_CONTEXT = "vouchers:jwtAudience";
export const ALARM_EMAIL_CONTEXT = "vouchers:alarmEmail";
/** The built console to deploy; default console/dist. Relative paths start at the repository root. */
export const CONSOLE_DIST_CONTEXT = "vouchers:consoleDist";
/** The console's OIDC app client id; default the first of `vouchers:jwtAudience`. */
export const CONSOLE_CLIENT_ID_CONTEXT = "vouchers:consoleClientId";

const deployContextSchema = z.object({
  [JWT_ISSUER_CONTEXT]: z.url({
    protocol: /^https$/,
    error: "must be the https URL of the token issuer, e.g. https://cognito-idp.<region>.amazonaws.com/<pool id>",
  }),
  [JWT_AUDIENCE_CONTEXT]: z
    .union([z.string(), z.array(z.string())], { error: "must be a string, a comma-separated list or a list of strings" })
    .transform((value) =>
      (Array.isArray(value) ? value : value.split(","))
        .map((audience) => audience.trim())
        .filter((audience) => audience.length > 0),
    )
    .pipe(z.array(z.string()).min(1, { error: "must name at least one audience (e.g. the app client id)" })),
  // Optional: without it the alarm topic has no subscription until someone adds one.
  [ALARM_EMAIL_CONTEXT]: z.email({ error: "must be an email address, subscribed to the alarm topic" }).optional(),
});

export interface DeployContext {
  readonly jwtIssuer: string;
  readonly jwtAudience: string[];
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
        `Set it in cdk.json or with: -c ${JWT_ISSUER_CONTEXT}=https://... -c ${JWT_AUDIENCE_CONTEXT}=<client id>[,<client id>]` +
          ` [-c ${ALARM_EMAIL_CONTEXT}=<address>]`,
    );
  }
  const alarmEmail = result.data[ALARM_EMAIL_CONTEXT];
  return {
    jwtIssuer: result.data[JWT_ISSUER_CONTEXT],
    jwtAudience: result.data[JWT_AUDIENCE_CONTEXT],
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
  readonly clientId: string;
}

/**
 * Reads where the built console is and which client id it signs in with. The client id must be one
 * of the audiences the API accepts, or the console's tokens would be refused by the API.
 */
export function parseConsoleContext(read: (key: string) => unknown, jwtAudience: readonly string[]): ConsoleContext {
  const result = consoleContextSchema.safeParse({
    [CONSOLE_DIST_CONTEXT]: read(CONSOLE_DIST_CONTEXT),
    [CONSOLE_CLIENT_ID_CONTEXT]: read(CONSOLE_CLIENT_ID_CONTEXT),
  });
  const problems = result.success ? [] : result.error.issues.map((issue) => `- ${issue.path.join(".")}: ${issue.message}`);
  const clientId = result.data?.[CONSOLE_CLIENT_ID_CONTEXT] ?? jwtAudience[0];
  if (result.success && (clientId === undefined || !jwtAudience.includes(clientId))) {
    problems.push(`- ${CONSOLE_CLIENT_ID_CONTEXT}: ${clientId ?? "(none)"} is not among ${JWT_AUDIENCE_CONTEXT} (${jwtAudience.join(", ")}), so the API would refuse the console's tokens`);
  }
  if (problems.length > 0 || clientId === undefined) throw new Error(`invalid CDK context:\n${problems.join("\n")}`);
  const dist = result.data?.[CONSOLE_DIST_CONTEXT] ?? CONSOLE_DIST;
  return { dist: isAbsolute(dist) ? dist : resolve(REPO_ROOT, dist), clientId };
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
}

export function buildApp({ wiring, context = {}, app = new App({ context: { ...context } }) }: BuildAppOptions): BuiltApp {
  const read = (key: string): unknown => app.node.tryGetContext(key) ?? context[key];
  const deploy = parseDeployContext(read);
  const consoleSite = parseConsoleContext(read, deploy.jwtAudience);

  const stateful = new StatefulStack(app, `${wiring.app}-stateful`, {
    wiring,
    ...(deploy.alarmEmail !== undefined ? { alarmEmail: deploy.alarmEmail } : {}),
    description: `${wiring.app}: tables and queues (retained data), alarms`,
  });
  const stateless = new StatelessStack(app, `${wiring.app}-stateless`, {
    wiring,
    tables: stateful.tables,
    tableKeys: stateful.tableKeys,
    queues: stateful.queues,
    identityHashKey: stateful.identityHashKey,
    buyerDataKey: stateful.buyerDataKey,
    buckets: stateful.buckets,
    jwtIssuer: deploy.jwtIssuer,
    jwtAudience: deploy.jwtAudience,
    alarmTopic: stateful.alarmTopic,
    description: `${wiring.app}: functions, HTTP API, schedules and event source mappings`,
  });
  const edge = new EdgeStack(app, `${wiring.app}-edge`, {
    httpApi: stateless.httpApi,
    consoleDist: consoleSite.dist,
    // The console signs in at the issuer the API's JWT authorizer trusts.
    consoleConfig: { oidc: { authority: deploy.jwtIssuer, clientId: consoleSite.clientId, scope: "openid" } },
    description: `${wiring.app}: CloudFront distribution of the operator console and the API`,
  });
  // The references above make the stateless stack depend on the stateful one, and the edge on the stateless one.

  for (const stack of [stateful, stateless, edge]) {
    Tags.of(stack).add("app", wiring.app);
    Tags.of(stack).add("managed-by", "cdk");
  }
  Tags.of(stateful).add("layer", "stateful");
  Tags.of(stateless).add("layer", "stateless");
  Tags.of(edge).add("layer", "edge");

  // cdk-nag 3 is a policy-validation plugin: any unacknowledged finding fails the synthesis.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stateful, stateless, edge };
}
