/**
 * Loads the declared handlers into this process and invokes them as Lambda would: with a
 * context object, within the declared timeout, and with one structured log line per invocation.
 * At the timeout the invocation's AbortSignal fires, so the handler's later AWS calls are never
 * sent (abort.ts), as if Lambda had stopped it.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import { functionMemoryMb, functionTimeoutSeconds } from "../../shared/wiring/define.js";
import type { Wiring } from "../../shared/wiring/types.js";
import { runWithInvocationSignal } from "./abort.js";
import type { LogLine } from "./log.js";

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface Invocation {
  /** What triggered it, for the log line: `http`, `sqs`, `stream` or `schedule`. */
  kind: string;
  /** The route key, queue, table or schedule. */
  trigger: string;
  /** Extra fields for the log line, computed from the result. */
  summarise?: (result: unknown) => Record<string, unknown>;
}

export class HandlerTimeoutError extends Error {
  override readonly name = "HandlerTimeoutError";
}

export class Invoker {
  private readonly handlers = new Map<string, Promise<Handler>>();

  constructor(
    private readonly wiring: Wiring,
    private readonly root: string,
    private readonly log: (line: LogLine) => void,
  ) {}

  /** Imports every declared handler now, so a broken module fails start-up, not a request. */
  async loadAll(): Promise<void> {
    await Promise.all(Object.keys(this.wiring.functions).map((name) => this.handler(name)));
  }

  /**
   * Invokes a function and returns its result. Throws what the handler threw, or a
   * HandlerTimeoutError when it ran past its declared timeout; the handler's AWS requests after
   * that are refused (Lambda would have stopped it).
   */
  async invoke(functionName: string, event: unknown, invocation: Invocation): Promise<unknown> {
    const fn = this.wiring.functions[functionName];
    if (!fn) throw new Error(`unknown function ${functionName}`);
    const handler = await this.handler(functionName);
    const timeoutMs = functionTimeoutSeconds(fn) * 1000;
    const started = performance.now();
    const deadline = Date.now() + timeoutMs;
    const requestId = randomUUID();
    const context = lambdaContext(functionName, functionMemoryMb(fn), requestId, deadline);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        runWithInvocationSignal(controller.signal, () => handler(event, context)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const timedOut = new HandlerTimeoutError(`${functionName} timed out after ${timeoutMs} ms`);
            controller.abort(timedOut);
            reject(timedOut);
          }, timeoutMs);
        }),
      ]);
      this.log({
        level: "info",
        msg: "invocation",
        kind: invocation.kind,
        trigger: invocation.trigger,
        function: functionName,
        requestId,
        durationMs: round(performance.now() - started),
        ...invocation.summarise?.(result),
      });
      return result;
    } catch (error) {
      this.log({
        level: "error",
        msg: "invocation failed",
        kind: invocation.kind,
        trigger: invocation.trigger,
        function: functionName,
        requestId,
        durationMs: round(performance.now() - started),
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private handler(name: string): Promise<Handler> {
    let loading = this.handlers.get(name);
    if (!loading) {
      const fn = this.wiring.functions[name]!;
      loading = import(pathToFileURL(path.resolve(this.root, fn.entry)).href).then((module: Record<string, unknown>) => {
        if (typeof module.handler !== "function") throw new Error(`${fn.entry} does not export a handler function`);
        return module.handler as Handler;
      });
      this.handlers.set(name, loading);
    }
    return loading;
  }
}

function lambdaContext(functionName: string, memoryMb: number, requestId: string, deadline: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
