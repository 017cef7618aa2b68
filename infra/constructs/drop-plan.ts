/**
 * A drop plan applied to the stacks (`-c vouchers:dropPlan=plan.json`, written by
 * `npm run capacity -- --out plan.json`): warm throughput on the tables the claim path touches,
 * provisioned concurrency on the claim function through an alias that API Gateway invokes, the
 * claim function's campaign cache time (`CLAIM_CAMPAIGN_CACHE_MS`) and read copies
 * (`CLAIM_CAMPAIGN_COPIES`), and the claims route's
 * throttle at the plan's rate.
 * Without the context key nothing here runs and the templates are what they were.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import { DROP_PLAN_TABLES, type DropPlan, dropPlanSchema } from "../../shared/domain/capacity.js";
import type { RouteThrottle } from "../edge-context.js";
import { REPO_ROOT } from "./voucher-function.js";

/** Context key naming the plan file, relative to the repository root or absolute. */
export const DROP_PLAN_CONTEXT = "vouchers:dropPlan";

/** The function whose environments the plan provisions: the flash-drop claim. */
export const CLAIM_FUNCTION = "claimVoucher";

/**
 * The claim function's environment variable for its campaign cache time, ms (the handler parses
 * it; without it, 1,000 ms).
 */
export const CAMPAIGN_CACHE_ENV = "CLAIM_CAMPAIGN_CACHE_MS";

/**
 * The claim function's environment variable for how many of the campaign's read copies it reads
 * (the handler parses it; without it, the campaign's own partition).
 */
export const CAMPAIGN_COPIES_ENV = "CLAIM_CAMPAIGN_COPIES";
/** The replicator's variable: how many read copies of each campaign it keeps. */
export const COPIES_KEPT_ENV = "CAMPAIGN_COPIES";
/** The function that keeps the campaigns' read copies (the campaigns table's stream). */
export const COPY_FUNCTION = "copyCampaign";

/** Name of the claim function's alias that carries the provisioned concurrency. */
export const DROP_ALIAS_NAME = "drop";

/**
 * The plan named by `vouchers:dropPlan`, read and checked with `dropPlanSchema`; undefined when
 * the key is unset.
 *
 * @throws Error naming the key, the file and what is wrong with it (unreadable, not JSON, not a
 *   version-1 plan).
 */
export function readDropPlan(read: (key: string) => unknown): DropPlan | undefined {
  const value = read(DROP_PLAN_CONTEXT);
  if (value === undefined) return undefined;
  const problem = (message: string, cause?: unknown) =>
    new Error(`invalid CDK context:\n- ${DROP_PLAN_CONTEXT}: ${message}\nWrite a plan with: npm run capacity -- --attempts-per-second N --stock S --out plan.json`, { cause });
  if (typeof value !== "string" || value.trim() === "") throw problem("must be the path of a plan file");
  const path = isAbsolute(value) ? value : resolve(REPO_ROOT, value);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw problem(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw problem(`${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  const parsed = dropPlanSchema.safeParse(json);
  if (!parsed.success) {
    throw problem(`${path} is not a drop plan of version 1: ${parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ")}`);
  }
  return parsed.data;
}

/**
 * Sets the plan's warm throughput on the inventory, vouchers and idempotency tables, so they
 * serve the drop's first second without scaling up first.
 *
 * @throws Error when one of those tables was not built as a TableV2.
 */
export function applyWarmThroughput(tables: Readonly<Record<string, dynamodb.ITableV2>>, plan: DropPlan): void {
  for (const name of DROP_PLAN_TABLES) {
    const table = tables[name];
    if (!(table instanceof dynamodb.TableV2)) throw new Error(`the drop plan warms table ${name}, which was not built`);
    (table.node.defaultChild as dynamodb.CfnGlobalTable).warmThroughput = plan.warmThroughput[name];
  }
}

/** The claims route's throttle under a plan: the plan's API Gateway rate and burst, unless the context already allows more. */
export function claimsThrottle(configured: RouteThrottle, plan: DropPlan): RouteThrottle {
  return {
    rateLimit: Math.max(configured.rateLimit, plan.quotas.apiGatewayRequestsPerSecond),
    burstLimit: Math.max(configured.burstLimit, plan.quotas.apiGatewayBurst),
  };
}

export interface ClaimProvisioningProps {
  readonly plan: DropPlan;
  /** The stack's functions by logical name; the claim function must be among them. */
  readonly functions: Readonly<Record<string, lambda.Function>>;
}

/**
 * The claim function's alias with the plan's provisioned concurrency, and the plan's campaign
 * cache time and read copies on the function (so that its environments' reads of the campaign stay
 * under each partition's limit).
 */
export class ClaimProvisioning extends Construct {
  readonly alias: lambda.Alias;

  constructor(scope: Construct, id: string, props: ClaimProvisioningProps) {
    super(scope, id);
    const fn = props.functions[CLAIM_FUNCTION];
    if (!fn) throw new Error(`the drop plan provisions function ${CLAIM_FUNCTION}, which was not built`);
    const { provisionedConcurrency: environments, campaignCacheMs, campaignCopies } = props.plan.claimFunction;
    // Set before the alias so that the version it points to carries them.
    if (campaignCacheMs !== undefined) fn.addEnvironment(CAMPAIGN_CACHE_ENV, String(campaignCacheMs));
    if (campaignCopies !== undefined) {
      fn.addEnvironment(CAMPAIGN_COPIES_ENV, String(campaignCopies));
      // The replicator keeps as many copies as the claims read.
      const replicator = props.functions[COPY_FUNCTION];
      if (!replicator) throw new Error(`the drop plan's campaign copies are written by function ${COPY_FUNCTION}, which was not built`);
      replicator.addEnvironment(COPIES_KEPT_ENV, String(campaignCopies));
    }
    this.alias = new lambda.Alias(this, "Alias", {
      aliasName: DROP_ALIAS_NAME,
      version: fn.currentVersion,
      ...(environments > 0 ? { provisionedConcurrentExecutions: environments } : {}),
    });
  }

  /** What API Gateway should invoke for function `name`: the alias for the claim, else the function itself. */
  target(name: string, fn: lambda.IFunction): lambda.IFunction {
    return name === CLAIM_FUNCTION ? this.alias : fn;
  }
}
