/**
 * The check that closes the execute-api bypass. An HTTP API takes no WAF and no resource policy,
 * so its default endpoint would answer anyone who found it, past CloudFront's WAF rules. CloudFront
 * adds a secret header to every request it sends to the API (the edge stack), and every HTTP
 * handler refuses, with 403, a request that lacks it (docs/architecture.md, "Edge").
 *
 * On AWS the stateless stack hands each route's function the secret as {@link ORIGIN_SECRET_ENV};
 * a function running on Lambda without it refuses everything rather than open the bypass. The
 * local runtime sets neither, so nothing is checked there.
 *
 * The value must equal the secret exactly (case included). A header sent twice reaches the handler
 * as API Gateway joins it, `a,b`, which equals no secret; a viewer cannot smuggle its own copy
 * through CloudFront, which replaces a viewer's header of the origin header's name. An empty
 * secret counts as none.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { ForbiddenError } from "../errors.js";

/** The header CloudFront adds to requests for the API; API Gateway hands headers on lower-cased. */
export const ORIGIN_SECRET_HEADER = "x-vouchers-origin-secret";
/** Environment variable that holds the secret on AWS. */
export const ORIGIN_SECRET_ENV = "VOUCHERS_ORIGIN_SECRET";

type Headers = Readonly<Record<string, string | undefined>> | undefined;
type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Throws a ForbiddenError unless the request came through CloudFront: its origin header equals the
 * configured secret. Without a secret it passes outside Lambda (the local runtime) and refuses on
 * Lambda (`AWS_LAMBDA_FUNCTION_NAME` set), where a missing secret is a broken deployment.
 */
export function checkOrigin(headers: Headers, env: Environment = process.env): void {
  const secret = env[ORIGIN_SECRET_ENV];
  if (secret === undefined || secret === "") {
    if (env.AWS_LAMBDA_FUNCTION_NAME !== undefined) throw refused();
    return;
  }
  const sent = originHeader(headers);
  if (sent === undefined || !sameSecret(sent, secret)) throw refused();
}

const refused = () => new ForbiddenError("This API is served through its CloudFront distribution only");

/**
 * Compares in constant time, so the answer's timing tells nothing of the secret, not even its
 * length: both sides are hashed to the same 32 bytes first.
 */
function sameSecret(sent: string, secret: string): boolean {
  return timingSafeEqual(digest(sent), digest(secret));
}

const digest = (value: string) => createHash("sha256").update(value).digest();

function originHeader(headers: Headers): string | undefined {
  if (!headers) return undefined;
  const direct = headers[ORIGIN_SECRET_HEADER];
  if (direct !== undefined) return direct;
  const name = Object.keys(headers).find((key) => key.toLowerCase() === ORIGIN_SECRET_HEADER);
  return name === undefined ? undefined : headers[name];
}
