/**
 * The HTTP route adapter handlers are built with: route.ts's, plus Powertools Tracer (a
 * subsegment per invocation and per AWS SDK call). Everything else of route.ts is re-exported,
 * so a handler imports from here alone. Only the claim handler uses route.ts's untraced
 * `httpRoute`, for its bundle budget (shared/observability/tracing.ts).
 */
import { traceInvocations } from "../observability/tracing.js";
import { type CallerAuth, type HttpReply, type HttpRequest, httpRoute as untracedHttpRoute } from "./route.js";

export * from "./route.js";

/** route.ts's `httpRoute` with the tracer: the same caller checks, results and errors, and `.run` for tests. */
export function httpRoute<A extends CallerAuth>(auth: A, run: (request: HttpRequest<A>) => HttpReply | Promise<HttpReply>) {
  const route = untracedHttpRoute(auth, run);
  route.use(traceInvocations());
  return route;
}
