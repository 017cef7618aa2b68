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

/**
 * What the middleware finds of the invocation it runs in: its signal, and how to abandon each of
 * its requests in flight. One abort listener per invocation, not one per request: EventTarget
 * listeners cost every SDK call of every claim a few microseconds (bench:claims).
 */
interface Invocation {
  readonly signal: AbortSignal;
  readonly inFlight: Set<(error: InvocationAbortedError) => void>;
}

const currentInvocation = new AsyncLocalStorage<Invocation>();

/** What an SDK call of a handler throws once its invocation was aborted (timed out). */
export class InvocationAbortedError extends Error {
  override readonly name = "InvocationAbortedError";
}

/** Runs `run` (a handler call) so that every SDK request it makes sees `signal`. */
export function runWithInvocationSignal<T>(signal: AbortSignal, run: () => T): T {
  const invocation: Invocation = { signal, inFlight: new Set() };
  if (!signal.aborted) {
    signal.addEventListener(
      "abort",
      () => {
        const error = abortedError(signal, "abandoned in flight");
        for (const abandon of invocation.inFlight) abandon(error);
        invocation.inFlight.clear();
      },
      { once: true },
    );
  }
  return currentInvocation.run(invocation, run);
}

/** Name of the middleware on the clients; adding it again replaces it. */
export const INVOCATION_ABORT_MIDDLEWARE = "localInvocationAbort";

// Low priority in the finalizeRequest step: after the retry middleware, so it runs for every
// attempt, right before the request goes to the HTTP handler.
function abortMiddleware<I extends object, O extends object>(): FinalizeRequestMiddleware<I, O> {
  return (next) => (args) => {
    const invocation = currentInvocation.getStore();
    if (!invocation) return next(args);
    if (invocation.signal.aborted) return Promise.reject(abortedError(invocation.signal, "not sent"));
    // What is already on the wire may still land, as on Lambda; the handler no longer waits.
    return new Promise((resolve, reject) => {
      invocation.inFlight.add(reject);
      next(args).then(
        (output) => {
          invocation.inFlight.delete(reject);
          resolve(output);
        },
        (error: Error) => {
          invocation.inFlight.delete(reject);
          reject(error);
        },
      );
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
