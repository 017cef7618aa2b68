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
