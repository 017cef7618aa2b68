/**
 * Claims over HTTP sent from a worker thread. The local runtime serves every request on the main
 * thread; a load generator on that thread as well charges its own work (building requests,
 * parsing answers, about 70 µs a claim) to the claim path it measures. bench:claims sends the
 * claims of its ratio phases from here, so that the main thread does what a deployment's claim
 * function and gateway would do and nothing else, as in the raw baseline. The worker's entry is
 * claim-load-worker.mjs, which loads this module under tsx.
 */
import http from "node:http";
import { Worker, isMainThread, parentPort } from "node:worker_threads";
import { pool } from "./figures.js";
import { openConnections, poster } from "./http-client.js";

/** One claim's answer as the benchmark counts it. */
export interface ClaimAnswer {
  status: number;
  /** CLAIMED for a 201, else the error code of the body (or the status when there is none). */
  code: string;
  ms: number;
}

/** The answer of one claim over HTTP, its code read from the body. */
export function claimAnswer(status: number, text: string, ms: number): ClaimAnswer {
  if (status === 201) return { status, code: "CLAIMED", ms };
  let code = String(status);
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? code;
  } catch {
    // Not JSON: the status stands for the code.
  }
  return { status, code, ms };
}

/** Claims to send, or (without `tokens`) connections to open to the origin of `url`. */
interface Job {
  id: number;
  url: string;
  tokens?: string[];
  body?: string;
  concurrency: number;
}

type JobResult = { id: number; answers: ClaimAnswer[] } | { id: number; error: string };

/** The main thread's side: sends a batch of claims through the worker and waits for its answers. */
export class ClaimLoad {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (answers: ClaimAnswer[]) => void; reject: (error: Error) => void }>();

  private constructor(private readonly worker: Worker) {
    worker.on("message", (result: JobResult) => {
      const job = this.waiting.get(result.id);
      if (!job) return;
      this.waiting.delete(result.id);
      if ("error" in result) job.reject(new Error(`claim load worker: ${result.error}`));
      else job.resolve(result.answers);
    });
    worker.on("error", (error) => this.failAll(error));
    worker.on("exit", (code) => this.failAll(new Error(`claim load worker exited with code ${code}`)));
  }

  /** Starts the worker; resolves once it is ready to send. */
  static async start(): Promise<ClaimLoad> {
    const worker = new Worker(new URL("./claim-load-worker.mjs", import.meta.url));
    await new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", reject);
    });
    return new ClaimLoad(worker);
  }

  /** POSTs `body` to `url` once per token, `concurrency` in flight, and answers in completion order. */
  run(url: string, tokens: string[], body: string, concurrency: number): Promise<ClaimAnswer[]> {
    return this.send({ url, tokens, body, concurrency });
  }

  /**
   * Makes the worker's `concurrency` connections to the origin of `url` open (openConnections in
   * http-client.ts), so that a measured phase's claims do not wait for the runtime to accept them.
   */
  async open(url: string, concurrency: number): Promise<void> {
    await this.send({ url, concurrency });
  }

  private send(job: Omit<Job, "id">): Promise<ClaimAnswer[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...job } satisfies Job);
    });
  }

  /** Stops the worker; claims still waiting fail. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private failAll(error: Error): void {
    for (const job of this.waiting.values()) job.reject(error);
    this.waiting.clear();
  }
}

// The worker's side: one keep-alive agent per job's concurrency, kept between jobs.
if (!isMainThread && parentPort) {
  const port = parentPort;
  const agents = new Map<number, http.Agent>();
  const never = new AbortController().signal;
  port.on("message", (job: Job) => {
    let agent = agents.get(job.concurrency);
    if (!agent) {
      agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
      agents.set(job.concurrency, agent);
    }
    const post = poster(agent);
    const headers = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });
    const answers: ClaimAnswer[] = [];
    const { tokens, body = "" } = job;
    const work =
      tokens === undefined
        ? openConnections(post, new URL(job.url).origin, job.concurrency)
        : pool(tokens.length, job.concurrency, never, async (i) => {
            const started = performance.now();
            const response = await post(job.url, headers(tokens[i]!), body);
            answers.push(claimAnswer(response.status, response.text, performance.now() - started));
          });
    work.then(
      () => port.postMessage({ id: job.id, answers } satisfies JobResult),
      (error: unknown) => port.postMessage({ id: job.id, error: String(error) } satisfies JobResult),
    );
  });
  port.postMessage("ready");
}
