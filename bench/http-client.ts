/**
 * The benchmarks' HTTP client: node:http with a keep-alive agent, which costs a load generator
 * about half the CPU of undici's fetch per request. No project imports, so the claim load
 * worker (claim-load.ts) can load it alone.
 */
import http from "node:http";

/** An HTTP answer: its status and its body as sent. */
export interface HttpAnswer {
  status: number;
  text: string;
}

/**
 * POSTs over `agent` (aborted with `signal` when given) and reads the whole answer. A kept-alive
 * socket that the server closed while it sat idle (the runtime's keep-alive timeout is 5 s, and a
 * benchmark's phases without HTTP can last longer) is reset before any answer: the request never
 * reached a handler, so it is sent again once on a fresh socket, as Node's documentation of
 * `request.reusedSocket` recommends.
 */
export function poster(agent: http.Agent, signal?: AbortSignal): (url: string, headers: Record<string, string>, payload: string) => Promise<HttpAnswer> {
  const once = (url: string, headers: Record<string, string>, payload: string, retryOnStaleSocket: boolean): Promise<HttpAnswer> =>
    new Promise<HttpAnswer>((resolve, reject) => {
      let answered = false;
      const request = http.request(url, { method: "POST", agent, ...(signal ? { signal } : {}), headers: { ...headers, "content-length": Buffer.byteLength(payload) } }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      request.on("error", (error: NodeJS.ErrnoException) => {
        if (retryOnStaleSocket && !answered && request.reusedSocket && error.code === "ECONNRESET") resolve(once(url, headers, payload, false));
        else reject(error);
      });
      request.end(payload);
    });
  return (url, headers, payload) => once(url, headers, payload, true);
}

/**
 * Path the local runtime serves no route under: a request there is answered 404 by the gateway
 * itself, with no handler and no DynamoDB call.
 */
export const NO_ROUTE_PATH = "/bench/open-connection";

/**
 * Makes `count` kept-alive connections of `agent` to `origin` open before a measured phase, by
 * POSTing that many empty requests at once to {@link NO_ROUTE_PATH} (the agent reuses the
 * connections it holds and opens the rest). Why it matters: Node accepts one new connection per
 * turn of its event loop (libuv 1.45, "unix: don't accept() connections in a loop"), so a runtime
 * that is busy serving claims takes seconds to accept 200 connections opened at once, and the
 * claims sent on them wait unanswered while those on open connections are served. The runtime
 * closes a connection idle for 5 s, which a benchmark's phases without HTTP outlast.
 *
 * @throws Error when an answer is not the gateway's 404 (the path reached a route).
 */
export async function openConnections(post: ReturnType<typeof poster>, origin: string, count: number): Promise<void> {
  const answers = await Promise.all(Array.from({ length: count }, () => post(`${origin}${NO_ROUTE_PATH}`, {}, "")));
  const unexpected = answers.find((answer) => answer.status !== 404);
  if (unexpected) throw new Error(`opening connections: ${NO_ROUTE_PATH} answered ${unexpected.status}, not 404`);
}
