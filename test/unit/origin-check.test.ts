/**
 * The execute-api bypass is closed in the handlers: on AWS every HTTP route answers 403 unless the
 * request carries the origin secret CloudFront adds; the local runtime (no secret, not on Lambda)
 * checks nothing.
 */
import type { Context } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ORIGIN_SECRET_ENV, ORIGIN_SECRET_HEADER, checkOrigin } from "../../shared/http/origin.js";
import { partnerRoute } from "../../shared/http/partner-route.js";
import { httpRoute } from "../../shared/http/route.js";
import { httpEvent } from "../support/http-event.js";

const SECRET = "s3cr3t-from-secrets-manager-0123456789";
const ON_AWS = { [ORIGIN_SECRET_ENV]: SECRET, AWS_LAMBDA_FUNCTION_NAME: "vouchers-claim" };
const context = { awsRequestId: "req-1", functionName: "probe", getRemainingTimeInMillis: () => 1000 } as unknown as Context;

describe("checkOrigin", () => {
  it("passes a request that carries the secret, whatever the case of the header's name", () => {
    expect(() => checkOrigin({ [ORIGIN_SECRET_HEADER]: SECRET }, ON_AWS)).not.toThrow();
    expect(() => checkOrigin({ "X-Vouchers-Origin-Secret": SECRET }, ON_AWS)).not.toThrow();
  });

  it.each([
    ["no header", {}],
    ["no headers at all", undefined],
    ["another value", { [ORIGIN_SECRET_HEADER]: "guess" }],
    ["the secret with one character more", { [ORIGIN_SECRET_HEADER]: `${SECRET}x` }],
    ["an empty value", { [ORIGIN_SECRET_HEADER]: "" }],
    // API Gateway joins a header sent twice with commas; CloudFront replaces a viewer's copy of its origin header.
    ["the header sent twice, joined", { [ORIGIN_SECRET_HEADER]: `${SECRET},${SECRET}` }],
    ["a guess, sent twice with the secret", { [ORIGIN_SECRET_HEADER]: `guess,${SECRET}` }],
    ["the secret in another case", { [ORIGIN_SECRET_HEADER]: SECRET.toUpperCase() }],
  ])("refuses %s with 403 FORBIDDEN on AWS", (_case, headers) => {
    expect(() => checkOrigin(headers, ON_AWS)).toThrow(expect.objectContaining({ status: 403, code: "FORBIDDEN" }));
  });

  it("refuses everything on Lambda when the secret is not configured: a broken deployment stays closed", () => {
    expect(() => checkOrigin({ [ORIGIN_SECRET_HEADER]: SECRET }, { AWS_LAMBDA_FUNCTION_NAME: "vouchers-claim" })).toThrow(
      expect.objectContaining({ status: 403 }),
    );
  });

  it("refuses everything on Lambda when the secret is configured empty", () => {
    for (const headers of [{ [ORIGIN_SECRET_HEADER]: "" }, {}]) {
      expect(() => checkOrigin(headers, { [ORIGIN_SECRET_ENV]: "", AWS_LAMBDA_FUNCTION_NAME: "vouchers-claim" })).toThrow(expect.objectContaining({ status: 403 }));
    }
  });

  it("checks nothing in the local runtime (no secret, not on Lambda)", () => {
    expect(() => checkOrigin({}, {})).not.toThrow();
  });
});

describe("the HTTP adapters on AWS", () => {
  afterEach(() => vi.unstubAllEnvs());
  const stubAws = () => {
    vi.stubEnv(ORIGIN_SECRET_ENV, SECRET);
    vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "probe");
  };

  it("httpRoute answers 403 without the header and never runs the use case; with it, the route answers", async () => {
    stubAws();
    const run = vi.fn(() => ({ status: 200, body: { ok: true } }));
    const route = httpRoute("public", run);
    const bypass = await route.run(httpEvent({ method: "GET", route: "/health" }), context);
    expect(bypass.statusCode).toBe(403);
    expect((JSON.parse(bypass.body ?? "{}") as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    expect(run).not.toHaveBeenCalled();
    const viaCloudFront = await route.run(httpEvent({ method: "GET", route: "/health", headers: { [ORIGIN_SECRET_HEADER]: SECRET } }), context);
    expect(viaCloudFront.statusCode).toBe(200);
    expect(run).toHaveBeenCalledOnce();
  });

  it("partnerRoute answers 403 without the header before it looks up the partner", async () => {
    stubAws();
    const load = vi.fn(() => Promise.resolve(undefined));
    const route = partnerRoute(() => ({ status: 200 }), { load });
    const result = await route.run(
      httpEvent({ route: "/partners/{partnerId}/payments", pathParameters: { partnerId: "unionpay" }, body: {} }),
      context,
    );
    expect(result.statusCode).toBe(403);
    expect(load).not.toHaveBeenCalled();
    // With the header the request goes on to the signature check (401: this one is unsigned).
    const signedless = await route.run(
      httpEvent({ route: "/partners/{partnerId}/payments", pathParameters: { partnerId: "unionpay" }, body: {}, headers: { [ORIGIN_SECRET_HEADER]: SECRET } }),
      context,
    );
    expect(signedless.statusCode).toBe(401);
  });
});
