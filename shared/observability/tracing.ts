/**
 * X-Ray tracing with Powertools Tracer: a subsegment per invocation (annotated with the cold start
 * and the service) and one per AWS SDK call. Lambda's active tracing (CDK: `Tracing.ACTIVE` on every
 * function) makes the segments.
 *
 * Loaded on Lambda only (AWS_EXECUTION_ENV): the X-Ray SDK switches on async hooks for its whole
 * process as it loads (cls-hooked), which taxes every promise. On Lambda each function has its own
 * process, and the traced ones pay that for their traces; the local runtime (npm start, the tests,
 * bench:claims) runs every function in one process, where it slowed the claim path too.
 *
 * Not in the claim handler: the tracer and the X-Ray SDK would take about 127 KB of its 300 KB
 * bundle budget, so it relies on active tracing alone (shared/http/route.ts, "httpRoute"). Nothing
 * that the claim handler imports may import this module.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import type { Tracer } from "@aws-lambda-powertools/tracer";
import middy, { type MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";
import { instrumentAwsClients } from "../clients.js";
import { logger } from "../logger.js";
import { publishMetrics } from "./metrics.js";

/** Whether this process is a Lambda execution environment, where traces are made. */
export const tracingOn = process.env.AWS_EXECUTION_ENV?.startsWith("AWS_Lambda") === true;

const powertools = tracingOn
  ? await Promise.all([import("@aws-lambda-powertools/tracer"), import("@aws-lambda-powertools/tracer/middleware")])
  : undefined;

/** The process's tracer; undefined off Lambda. */
export const tracer: Tracer | undefined = powertools ? new powertools[0].Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "vouchers" }) : undefined;

/**
 * The tracer's middy middleware, for a handler being built: the invocation becomes a subsegment,
 * and every AWS client built from now on records its calls. Responses are not recorded: they
 * carry vouchers and personal data, which do not belong in traces. Off Lambda it does nothing.
 */
export function traceInvocations(): MiddlewareObj<unknown, unknown, Error, Context> {
  // Middy wants a hook: off Lambda, one that does nothing.
  if (!powertools || !tracer) return { before: () => undefined };
  instrumentAwsClients((client) => tracer.captureAWSv3Client(client));
  return powertools[1].captureLambdaHandler(tracer, { captureResponse: false });
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
