/**
 * The platform's CloudWatch metrics, in the embedded metric format (EMF): one Powertools Metrics
 * instance per process, namespace {@link METRICS_NAMESPACE}, with the dimension `service` set to
 * the function's logical name (POWERTOOLS_SERVICE_NAME, which CDK sets per function). Adapters
 * count business metrics from use-case results (business-metrics.ts); the handler chain writes
 * them once per invocation ({@link publishMetrics}).
 *
 * Published on Lambda only. Off it (npm start, tests, benches) EMF lines would flood the console,
 * as log lines would without POWERTOOLS_LOG_LEVEL; POWERTOOLS_METRICS_DISABLED decides when set:
 * `false` publishes anywhere (the unit tests that read the EMF), `true` nowhere.
 */
import { MetricUnit, Metrics } from "@aws-lambda-powertools/metrics";
import type { MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";

export const METRICS_NAMESPACE = "Vouchers";

/** The `service` dimension of this process's metrics. */
export const METRICS_SERVICE = process.env.POWERTOOLS_SERVICE_NAME ?? "vouchers";

export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });

/** Whether this process publishes metrics (see the module's comment). */
export function metricsPublished(env: NodeJS.ProcessEnv = process.env): boolean {
  const flag = env.POWERTOOLS_METRICS_DISABLED?.trim().toLowerCase();
  if (flag === undefined || flag === "") return env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
  return !["1", "true", "yes", "on"].includes(flag);
}

const PUBLISHED = metricsPublished();

/**
 * Adds `value` to the count `name` of this invocation, written when the invocation ends. With `dimensions`, the value is written at once as a metric of
 * its own with those dimensions besides `service` (a statement's status, say). Nothing is kept
 * when metrics are not published, so nothing piles up in a process that never writes them.
 */
export function addCount(name: string, value = 1, dimensions?: Readonly<Record<string, string>>): void {
  if (!PUBLISHED) return;
  if (dimensions === undefined) {
    metrics.addMetric(name, MetricUnit.Count, value);
    return;
  }
  const single = metrics.singleMetric();
  for (const [dimension, dimensionValue] of Object.entries(dimensions)) single.addDimension(dimension, dimensionValue);
  single.addMetric(name, MetricUnit.Count, value);
}

/**
 * The middy middleware of every function: counts a cold start (Powertools' `ColdStart`, with the
 * dimension `function_name`) and writes the invocation's metrics when it ends, returned or thrown.
 * Unlike Powertools' `logMetrics`, an invocation that counted nothing writes nothing, and no
 * "no metrics" warning per invocation.
 */
export function publishMetrics(): MiddlewareObj<unknown, unknown, Error, Context> {
  const flush = (): void => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return {
    before: (request) => {
      if (PUBLISHED) metrics.captureColdStartMetric(request.context.functionName);
    },
    after: flush,
    onError: flush,
  };
}
