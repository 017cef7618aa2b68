/**
 * GET /health (public) and GET /admin/health (operators): one probe of every table, queue and
 * dead-letter queue this function was handed (and, locally, the emulators), cached a few seconds
 * per instance. The public route says only ok or degraded; the detail is for operators.
 */
import type { Context } from "aws-lambda";
import { config, grantedDeadLetterQueues, grantedQueues, grantedTables } from "../shared/config.js";
import { type HttpEvent, httpRoute } from "../shared/http/traced-route.js";
import { probes } from "../shared/health-probes.js";
import { cachedHealthCheck, checkHealth, type HealthReport, publicHealth } from "../shared/use-cases/health.js";

/** How long one probe answers every hit of this instance. */
const HEALTH_CACHE_MS = 5_000;
const ADMIN_ROUTE_KEY = "GET /admin/health";

const report = cachedHealthCheck(
  () =>
    checkHealth({
      tables: grantedTables(),
      queues: grantedQueues(),
      deadLetterQueues: grantedDeadLetterQueues(),
      emulators: config().VOUCHERS_EMULATORS,
      probes,
      now: () => new Date(),
    }),
  { ttlMs: HEALTH_CACHE_MS },
);

const statusOf = (health: HealthReport) => (health.status === "ok" ? 200 : 503);
const NO_STORE = { "cache-control": "no-store" };

const publicRoute = httpRoute("public", async () => {
  const health = await report();
  return { status: statusOf(health), body: publicHealth(health), headers: NO_STORE };
});

const adminRoute = httpRoute("operator", async () => {
  const health = await report();
  return { status: statusOf(health), body: health, headers: NO_STORE };
});

/** One function, two routes told apart by the route key; each route has its own caller check. */
export const handler = (event: HttpEvent, context: Context) =>
  event.routeKey === ADMIN_ROUTE_KEY ? adminRoute(event, context) : publicRoute(event, context);
