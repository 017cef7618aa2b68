/**
 * Requests to a running platform as its callers make them, for the e2e tests: a bearer-token
 * call, a partner's signed POST, and the checks every answer gets (the documented schema keeps
 * every field; a refusal has the one error shape).
 */
import { expect } from "vitest";
import { signLocalToken } from "../../infra/local/jwt.js";
import { TEST_JWT } from "../integration/runtime-helpers.js";
import { errorBodySchema } from "../../shared/api/schemas.js";
import { signPayload } from "../../shared/domain/signature.js";
import type * as z from "../../shared/zod.js";

/** An answer: its status and its JSON body (undefined when empty). */
export interface Answer {
  status: number;
  body: unknown;
}

/** `method path` on `baseUrl` with a bearer token (none when null or undefined) and a JSON body. */
export async function apiCall(baseUrl: string, method: string, path: string, options: { body?: unknown; token?: string | null } = {}): Promise<Answer> {
  const { body, token } = options;
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
}

/** `method path` as a test operator (a token signed with the test runtime's JWT secret); the body as a JSON object. */
export async function asOperator(baseUrl: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const token = await signLocalToken({ sub: "op-e2e", operator: true, settings: TEST_JWT });
  const answer = await apiCall(baseUrl, method, path, { token, body });
  return { status: answer.status, body: (answer.body ?? {}) as Record<string, unknown> };
}

/** A partner's POST: the exact bytes sent are the bytes signed, at `at` (unix seconds, default now). */
export async function signedPost(baseUrl: string, path: string, body: unknown, secret: string, at = Math.floor(Date.now() / 1000)) {
  const raw = JSON.stringify(body);
  const response = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-voucher-signature": signPayload(secret, at, raw) },
    body: raw,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The body parsed with the documented schema, which must keep every field (zod drops keys a schema does not name). */
export function documented<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.parse(body);
  expect(parsed).toEqual(body);
  return parsed;
}

/** Checks a refusal: its status and code, in the one error shape; returns the error. */
export function refusal(answer: Answer, status: number, code: string) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  const { error } = errorBodySchema.parse(answer.body);
  expect(error.code).toBe(code);
  return error;
}
