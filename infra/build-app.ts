/**
 * Builds the CDK app from a wiring: `<app>-stateful` (tables, queues) and `<app>-stateless`
 * (functions, HTTP API, schedules, event source mappings), checked by cdk-nag's AWS Solutions
 * rules (cdk-nag). `infra/app.ts` runs it for the platform; tests call it with any wiring.
 */
import { App, Tags, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { z } from "zod";
import type { Wiring } from "../shared/wiring/types.js";
import { StatefulStack } from "./stacks/stateful-stack.js";
import { StatelessStack } from "./stacks/stateless-stack.js";

export const JWT_ISSUER_CONTEXT = "vouchers:jwtIssuer";
export const JWT_AUDIENCE_CONTEXT = "vouchers:jwtAudience";
export const ALARM_EMAIL_CONTEXT = "vouchers:alarmEmail";

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
}

export function buildApp({ wiring, context = {}, app = new App({ context: { ...context } }) }: BuildAppOptions): BuiltApp {
  const deploy = parseDeployContext((key) => app.node.tryGetContext(key) ?? context[key]);

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
    description: `${wiring.app}: functions, HTTP API, schedules and event source mappings`,
  });
  // The references above make the stateless stack depend on the stateful one.

  for (const stack of [stateful, stateless]) {
    Tags.of(stack).add("app", wiring.app);
    Tags.of(stack).add("managed-by", "cdk");
  }
  Tags.of(stateful).add("layer", "stateful");
  Tags.of(stateless).add("layer", "stateless");

  // cdk-nag 3 is a policy-validation plugin: any unacknowledged finding fails the synthesis.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stateful, stateless };
}
