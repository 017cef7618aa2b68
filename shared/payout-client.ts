/**
 * The call to a partner's payout endpoint: POST `payoutUrl` with the statement id as
 * `Idempotency-Key`, so however often it is repeated the partner pays once (invariant 5). It
 * never throws: every outcome, a timeout included, comes back as a value the caller decides on.
 */
import * as z from "./zod.js";

export interface PayoutRequest {
  url: string;
  idempotencyKey: string;
  body: { statementId: string; campaignId: string; merchantId: string; period: string; amount: number; currency: "CNY" };
  timeoutMs: number;
}

export type PayoutResponse =
  | { ok: true; payoutId: string | undefined }
  /** retryable: a timeout, a network fault, 429 or 5xx; otherwise the partner refused the request itself. */
  | { ok: false; retryable: boolean; error: string };

export type PostPayout = (request: PayoutRequest) => Promise<PayoutResponse>;

const acceptedSchema = z.object({ payoutId: z.string().optional() });

/** Posts a payout with fetch; a call that outlives `timeoutMs` is abandoned (its outcome unknown, so it is retried with the same key). */
export const postPayout: PostPayout = async (request) => {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": request.idempotencyKey },
      body: JSON.stringify(request.body),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    return { ok: false, retryable: true, error: name === "TimeoutError" ? `no answer within ${request.timeoutMs} ms` : `unreachable: ${String(error)}` };
  }
  const text = await response.text().catch(() => "");
  if (response.ok) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = {};
    }
    const accepted = acceptedSchema.safeParse(parsed);
    return { ok: true, payoutId: accepted.success ? accepted.data.payoutId : undefined };
  }
  return {
    ok: false,
    retryable: response.status === 429 || response.status >= 500,
    error: `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`,
  };
};
