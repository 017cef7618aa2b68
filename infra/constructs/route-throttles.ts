/**
 * Per-route throttling on the HTTP API's stage: claims, partner webhooks and admin routes each
 * get limits of their own (context, docs/deploy.md), so a drop's burst of claims cannot starve
 * partners' payments, nor an operator's script the claims. Other routes keep the stage's default.
 */
import { CfnRoute, type CfnStage, type HttpApi, type HttpStage } from "aws-cdk-lib/aws-apigatewayv2";
import { routeKey } from "../../shared/wiring/define.js";
import type { RouteDeclaration } from "../../shared/wiring/types.js";
import type { RouteThrottle } from "../edge-context.js";

/** The classes of routes the stage throttles and the web ACL rate-limits apart. */
export type RouteClass = "claims" | "partner" | "admin";

/** Which class a route belongs to; undefined: the stage's default limits. */
export function routeClass(route: Pick<RouteDeclaration<string>, "method" | "path" | "auth">): RouteClass | undefined {
  if (route.auth === "partner-signed") return "partner";
  if (route.path.startsWith("/admin/")) return "admin";
  if (route.method === "POST" && route.path.endsWith("/claims")) return "claims";
  return undefined;
}

/**
 * Writes the stage's route settings for every route of a class. Route settings name routes by
 * key, and API Gateway refuses a setting for a route that does not exist yet, so the stage waits
 * for those routes.
 */
export function throttleRoutes(
  stage: HttpStage,
  httpApi: HttpApi,
  routes: readonly Pick<RouteDeclaration<string>, "method" | "path" | "auth">[],
  throttles: Readonly<Record<RouteClass, RouteThrottle>>,
): void {
  const settings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
  for (const route of routes) {
    const kind = routeClass(route);
    if (kind === undefined) continue;
    settings[routeKey(route)] = { ThrottlingRateLimit: throttles[kind].rateLimit, ThrottlingBurstLimit: throttles[kind].burstLimit };
  }
  (stage.node.defaultChild as CfnStage).routeSettings = settings;
  for (const route of httpApi.node.findAll()) {
    if (route instanceof CfnRoute && route.routeKey in settings) stage.node.addDependency(route);
  }
}
