/**
 * Local runtime only: a handler past its timeout sends no more AWS requests, as on Lambda, which
 * stops the whole execution environment. JavaScript cannot kill a running handler in-process, so
 * the invoker runs each handler with its invocation's AbortSignal in an AsyncLocalStorage, and an
 * SDK middleware on the handlers' clients refuses every request attempt (retries included) once
 * that signal is aborted and abandons one in flight. Nothing under functions/ or shared/ imports
 * this file, so it is not in the Lambda bundles.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { FinalizeRequestMiddleware, MiddlewareStack } from "@smithy/types";

const invocationSignal = new AsyncLocalStorage<AbortSignal>();

/** What an SDK call of a handler throws once its invocation was aborted (timed out). */
export class InvocationAbortedError extends Error {
  override readonly name = "InvocationAbortedError";
}

/** Runs `run` (a handler call) so that every SDK request it makes sees `signal`. */
export function runWithInvocationSignal<T>(signal: AbortSignal, run: () => T): T {
  return invocationSignal.run(signal, run);
}

/** Name of the middleware on the clients; adding it again replaces it. */
export const INVOCATION_ABORT_MIDDLEWARE = "localInvocationAbort";

// Low priority in the finalizeRequest step: after the retry middleware, so it runs for every
// attempt, right before the request goes to the HTTP handler.
function abortMiddleware<I extends object, O extends object>(): FinalizeRequestMiddleware<I, O> {
  return (next) => async (args) => {
    const signal = invocationSignal.getStore();
    if (!signal) return next(args);
    if (signal.aborted) throw abortedError(signal, "not sent");
    return new Promise((resolve, reject) => {
      // What is already on the wire may still land, as on Lambda; the handler no longer waits.
      const onAbort = () => reject(abortedError(signal, "abandoned in flight"));
      signal.addEventListener("abort", onAbort, { once: true });
      next(args)
        .then(resolve, reject)
        .finally(() => signal.removeEventListener("abort", onAbort));
    });
  };
}

/**
 * Installs the abort middleware on an SDK client (the handlers' singletons of `shared/clients.ts`;
 * the document client shares its DynamoDB client's stack). Idempotent.
 */
export function installInvocationAbort<I extends object, O extends object>(client: { middlewareStack: MiddlewareStack<I, O> }): void {
  client.middlewareStack.add(abortMiddleware<I, O>(), {
    step: "finalizeRequest",
    priority: "low",
    name: INVOCATION_ABORT_MIDDLEWARE,
    override: true,
  });
}

function abortedError(signal: AbortSignal, what: string): InvocationAbortedError {
  const reason: unknown = signal.reason;
  return new InvocationAbortedError(`request ${what}: the invocation ended (${reason instanceof Error ? reason.message : "aborted"})`);
}
