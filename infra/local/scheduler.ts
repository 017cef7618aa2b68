/**
 * Plays EventBridge Scheduler: fires each declared schedule at the instants its expression
 * names, in its time zone, with the same input the AWS target gets. A rate schedule also fires
 * once at start, so a fresh runtime shows its ticker working at once. A failed firing is retried
 * as often as the AWS retry policy allows (SCHEDULE_RETRY_ATTEMPTS).
 */
import { SCHEDULE_RETRY_ATTEMPTS as RETRIES } from "../../shared/wiring/define.js";
import type { ScheduleDeclaration, ScheduledEvent } from "../../shared/wiring/types.js";
import type { Invoker } from "./invoker.js";
import type { Log } from "./log.js";
import { nextFireTime, parseScheduleExpression, type ScheduleExpression } from "./schedule-expression.js";


export interface Scheduler {
  /** The schedules it fires. */
  readonly schedules: readonly { name: string; expression: string; timezone: string; function: string }[];
  /** Fires a schedule now, as if its time had come; resolves when the handler has run. */
  fire(name: string): Promise<void>;
  stop(): Promise<void>;
}

export function startScheduler(input: {
  schedules: readonly ScheduleDeclaration<string>[];
  invoker: Invoker;
  log: Log;
  /** False: nothing fires by itself; tests call `fire`. */
  autoStart: boolean;
}): Scheduler {
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let stopped = false;
  const parsed = new Map<string, { declaration: ScheduleDeclaration<string>; expression: ScheduleExpression }>();
  for (const declaration of input.schedules) {
    parsed.set(declaration.name, {
      declaration,
      expression: parseScheduleExpression(declaration.expression, declaration.timezone),
    });
  }

  async function fireAt(name: string, scheduledTime: Date): Promise<void> {
    const entry = parsed.get(name);
    if (!entry) throw new Error(`unknown schedule ${name}`);
    const event: ScheduledEvent = { schedule: name, scheduledTime: scheduledTime.toISOString() };
    for (let attempt = 0; attempt <= RETRIES; attempt += 1) {
      try {
        await input.invoker.invoke(entry.declaration.function, event, { kind: "schedule", trigger: name });
        return;
      } catch {
        if (attempt === RETRIES || stopped) {
          input.log({ level: "error", msg: "schedule firing failed", schedule: name, scheduledTime: event.scheduledTime });
          return;
        }
      }
    }
  }

  function track(promise: Promise<void>): void {
    running.add(promise);
    void promise.finally(() => running.delete(promise));
  }

  function arm(name: string, after: Date, anchor: Date): void {
    if (stopped) return;
    const { expression } = parsed.get(name)!;
    const next = nextFireTime(expression, after, anchor);
    const timer = setTimeout(() => {
      timers.delete(timer);
      track(fireAt(name, next));
      arm(name, next, anchor);
    }, Math.max(0, next.getTime() - Date.now()));
    timer.unref();
    timers.add(timer);
  }

  if (input.autoStart) {
    const start = new Date();
    for (const [name, { expression }] of parsed) {
      if (expression.kind === "rate") track(fireAt(name, start));
      arm(name, start, start);
    }
  }

  return {
    schedules: [...parsed.values()].map(({ declaration }) => ({
      name: declaration.name,
      expression: declaration.expression,
      timezone: declaration.timezone,
      function: declaration.function,
    })),
    async fire(name) {
      await fireAt(name, new Date());
    },
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}
