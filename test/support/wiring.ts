/**
 * Test wirings derived from the platform's: the same tables, functions and triggers with queue
 * timings short enough for a test to see a message redelivered and dead-lettered.
 */
import { defineWiring, functionTimeoutSeconds } from "../../shared/wiring/define.js";
import type { FunctionDeclaration, QueueDeclaration, Wiring } from "../../shared/wiring/types.js";

export interface QueueTimings {
  /** Every queue's (and so its dead-letter queue's) visibility timeout; at least 2 s. */
  visibilityTimeoutSeconds: number;
  /** Every queue's receives before its dead-letter queue. */
  maxReceiveCount: number;
}

/**
 * A copy of `wiring` whose queues all have `timings`, and whose queue consumers (of a queue or of
 * its dead-letter queue) time out at most 1 s before the visibility timeout, as defineWiring
 * requires. The copy goes through defineWiring, so it is checked like the original.
 */
export function withQuickQueues<T extends string, Q extends string, F extends string>(wiring: Wiring<T, Q, F>, timings: QueueTimings): Wiring<T, Q, F> {
  if (!Number.isInteger(timings.visibilityTimeoutSeconds) || timings.visibilityTimeoutSeconds < 2) {
    throw new RangeError("visibilityTimeoutSeconds must be an integer ≥ 2, so a consumer still gets at least 1 s");
  }
  const queues = Object.fromEntries(
    (Object.entries(wiring.queues) as [Q, QueueDeclaration][]).map(([name, queue]) => [name, { ...queue, ...timings }]),
  ) as Record<Q, QueueDeclaration>;
  const consumers = new Set<string>(wiring.queueTriggers.map((trigger) => trigger.function));
  const ceiling = timings.visibilityTimeoutSeconds - 1;
  const functions = Object.fromEntries(
    (Object.entries(wiring.functions) as [F, FunctionDeclaration<T, Q>][]).map(([name, fn]) => [
      name,
      consumers.has(name) ? { ...fn, timeoutSeconds: Math.min(functionTimeoutSeconds(fn), ceiling) } : fn,
    ]),
  ) as Record<F, FunctionDeclaration<T, Q>>;
  return defineWiring<T, Q, F>({ ...wiring, queues, functions });
}
