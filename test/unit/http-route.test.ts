import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ThrottledError, UnavailableError, ValidationError } from "../../shared/errors.js";
import { callerFromClaims } from "../../shared/http/caller.js";
import { type HttpEvent, httpRoute, parseBody } from "../../shared/http/route.js";
import { httpEvent } from "../support/http-event.js";

const context = { awsRequestId: "req-1", functionName: "probe", getRemainingTimeInMillis: () => 1000 } as unknown as Context;

function event(claims?: Record<string, unknown>, body?: string): HttpEvent {
  return httpEvent({ route: "/probe", body, ...(claims ? { claims: claims as Record<string, string> } : {}) });
}

const body = (result: { body?: string }) => JSON.parse(result.body ?? "null") as { error?: { code: string; message: string; details?: unknown } };

describe("callerFromClaims", () => {
  it.each([
    ["API Gateway's bracketed string", "[operators]", ["operators"]],
    ["several groups in one string", "[auditors operators]", ["auditors", "operators"]],
    ["a real array", ["operators", "x"], ["operators", "x"]],
    ["a bare string", "operators", ["operators"]],
    ["no groups claim", undefined, []],
    ["an empty bracket", "[]", []],
  ])("reads %s", (_, groups, expected) => {
    expect(callerFromClaims({ sub: "alice", ...(groups === undefined ? {} : { groups }) })).toEqual({ sub: "alice", groups: expected });
  });

  // A stock Cognito user pool puts a user's groups in `cognito:groups`, not `groups`.
  it.each([
    ["Cognito's claim as API Gateway's bracketed string", "[operators]", ["operators"]],
    ["Cognito's claim with several groups, space-separated as API Gateway renders them", "[merchants operators]", ["merchants", "operators"]],
    ["Cognito's claim as a real array", ["operators", "merchants"], ["operators", "merchants"]],
  ])("reads %s", (_, groups, expected) => {
    expect(callerFromClaims({ sub: "alice", "cognito:groups": groups })).toEqual({ sub: "alice", groups: expected });
  });

  it("reads both group claims together, each group once", () => {
    expect(callerFromClaims({ sub: "alice", groups: "[auditors operators]", "cognito:groups": "[operators merchants]" })).toEqual({
      sub: "alice",
      groups: ["auditors", "operators", "merchants"],
    });
  });

  it("finds no caller without a subject", () => {
    expect(callerFromClaims({ groups: "[operators]" })).toBeUndefined();
    expect(callerFromClaims(undefined)).toBeUndefined();
    expect(callerFromClaims({ sub: "" })).toBeUndefined();
  });
});

describe("httpRoute", () => {
  const operatorRoute = httpRoute("operator", ({ caller }) => ({ status: 200, body: { sub: caller.sub } }));
  const residentRoute = httpRoute("resident", ({ caller }) => ({ status: 200, body: { sub: caller.sub } }));

  it("answers 403 to a valid token without the operators group on an operator route", async () => {
    const result = await operatorRoute(event({ sub: "alice", groups: "[auditors]" }), context);
    expect(result.statusCode).toBe(403);
    expect(body(result).error?.code).toBe("FORBIDDEN");
  });

  it.each([
    ["a bracketed string", "[operators]"],
    ["a space-separated bracketed string", "[merchants operators]"],
    ["an array", ["operators"]],
  ])("lets an operator of a stock Cognito pool through, with cognito:groups as %s", async (_, groups) => {
    const result = await operatorRoute(event({ sub: "carol", "cognito:groups": groups }), context);
    expect(result.statusCode).toBe(200);
    expect(body(result)).toEqual({ sub: "carol" });
  });

  it("answers 403 when cognito:groups names no operators group", async () => {
    const result = await operatorRoute(event({ sub: "carol", "cognito:groups": "[merchants]" }), context);
    expect(result.statusCode).toBe(403);
  });

  it("lets an operator through", async () => {
    const result = await operatorRoute(event({ sub: "bob", groups: "[operators]" }), context);
    expect(result.statusCode).toBe(200);
    expect(body(result)).toEqual({ sub: "bob" });
  });

  it("lets a merchant of the merchants group with its merchant id through a merchant route, and no one else", async () => {
    const merchantRoute = httpRoute("merchant", ({ caller }) => ({ status: 200, body: { merchantId: caller.merchantId } }));
    const through = await merchantRoute.run(event({ sub: "shop", groups: "[merchants]", "custom:merchant_id": "m1" }), context);
    expect(through.statusCode).toBe(200);
    expect(body(through)).toEqual({ merchantId: "m1" });
    for (const claims of [
      { sub: "shop", groups: "[merchants]" },
      { sub: "shop", groups: "[merchants]", "custom:merchant_id": "m 1" },
      { sub: "op", groups: "[operators]", "custom:merchant_id": "m1" },
      { sub: "resident", "custom:merchant_id": "m1" },
    ]) {
      const refused = await merchantRoute.run(event(claims), context);
      expect(refused.statusCode).toBe(403);
      expect(body(refused).error?.code).toBe("FORBIDDEN");
    }
  });

  it("answers 401 when claims are missing on a resident route", async () => {
    const result = await residentRoute(event(), context);
    expect(result.statusCode).toBe(401);
    expect(body(result).error?.code).toBe("UNAUTHORIZED");
  });

  it("maps a domain error to its status and code, with details", async () => {
    const route = httpRoute("public", ({ event: e }) => ({ status: 200, body: parseBody(e, z.object({ n: z.number().int().positive() })) }));
    const result = await route(event(undefined, '{"n": -1}'), context);
    expect(result.statusCode).toBe(400);
    expect(body(result).error).toMatchObject({ code: "VALIDATION_FAILED", details: [{ path: "n" }] });
    const notJson = await route(event(undefined, "{nope"), context);
    expect(body(notJson).error?.code).toBe("VALIDATION_FAILED");
  });

  it("adds Retry-After to a throttled answer", async () => {
    const route = httpRoute("public", () => {
      throw new ThrottledError("busy", 2);
    });
    const result = await route(event(), context);
    expect(result.statusCode).toBe(429);
    expect(result.headers?.["retry-after"]).toBe("2");
  });

  it("turns an unknown error into a generic 500 that leaks nothing", async () => {
    const route = httpRoute("public", () => {
      throw new Error("connection string postgres://secret@db");
    });
    const result = await route(event(), context);
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain("secret");
    expect(body(result).error).toEqual({ code: "INTERNAL", message: "Internal error", details: { requestId: "req-1" } });
  });

  it("keeps the unwrapped function callable for tests", async () => {
    const result = await residentRoute.run(event({ sub: "carol" }), context);
    expect(body(result)).toEqual({ sub: "carol" });
  });

  it("uses the error classes' stable codes", () => {
    expect(new ValidationError("x").status).toBe(400);
    expect(new UnavailableError("x").code).toBe("UNAVAILABLE");
  });
});
