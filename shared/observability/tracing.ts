/**
 * X-Ray tracing with Powertools Tracer: a subsegment per invocation (annotated with the cold start
 * and the service) and one per AWS SDK call. Lambda's active tracing (CDK: `Tracing.ACTIVE` on every
 * function) makes the segments; off Lambda the tracer is off by itself (no AWS_EXECUTION_ENV).
 *
 * Not in the claim handler: the tracer and the X-Ray SDK would take about 127 KB of its 300 KB
 * bundle budget, so it relies on active tracing alone (shared/http/route.ts, "httpRoute"). Nothing
 * that the claim handler imports may import this module.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy, { type MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";
import { instrumentAwsClients } from "../clients.js";
import { logger } from "../logger.js";
import { publishMetrics } from "./metrics.js";

export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "vouchers" });

/**
 * The tracer's middy middleware, for a handler being built: the invocation becomes a subsegment,
 * and every AWS client built from now on records its calls. Responses are not recorded: they
 * carry vouchers and personal data, which do not belong in traces.
 */
export function traceInvocations(): MiddlewareObj<unknown, unknown, Error, Context> {
  instrumentAwsClients((client) => tracer.captureAWSv3Client(client));
  return captureLambdaHandler(tracer, { captureResponse: false });
}

/**
 * Builds a traced Lambda handler of a queue, stream or schedule with the chain every function
 * has: the logger's Lambda context, the invocation's metrics and the tracer.
 */
export function tracedHandler<E, R>(handle: (event: E, context: Context) => Promise<R>) {
  return middy(handle)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .use(traceInvocations());
}
