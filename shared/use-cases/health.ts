/**
 * The health report: can this deployment reach every table and queue it was handed, how deep are
 * the dead-letter queues, and (locally) are the emulators up? Probes are injected so the rule is
 * tested without AWS. The public answer is only the status; the detail is for operators.
 */
import type { EmulatorDescription } from "../config.js";
import { PlatformFault } from "../errors.js";

/**
 * Why a probe failed, classified: never the error's own text, which can carry account ids, ARNs
 * and role names. `timeout`: no answer in time; `not-found`: the service says the table or queue
 * does not exist; `service-error`: the service answered with another error (access denied,
 * throttled…); `unreachable`: no answer from the service at all (network, DNS, refused).
 */
export type ProbeFailureReason = "timeout" | "not-found" | "service-error" | "unreachable";

export type ProbeResult = { reachable: true; detail?: Record<string, unknown> } | { reachable: false; reason: ProbeFailureReason };

export interface HealthProbes {
  table(name: string): Promise<Record<string, unknown>>;
  /** A queue's attributes; `messages` is ApproximateNumberOfMessages. */
  queue(url: string): Promise<Record<string, unknown>>;
  emulator(kind: string, emulator: EmulatorDescription): Promise<Record<string, unknown>>;
  /** The class of a probe's failure (a timeout is classified before this is asked). */
  classify(error: unknown): ProbeFailureReason;
}

/** What operators see on `GET /admin/health`. */
export interface HealthReport {
  status: "ok" | "degraded";
  checkedAt: string;
  tables: Record<string, ProbeResult & { name: string }>;
  queues: Record<string, ProbeResult & { url: string }>;
  /** By the logical name of the queue whose dead-letter queue it is; `detail.messages` is its depth. */
  deadLetterQueues: Record<string, ProbeResult & { url: string }>;
  emulators?: Record<string, ProbeResult & EmulatorDescription>;
}

/** What anyone sees on `GET /health`: whether the platform answers, and when that was checked. */
export interface PublicHealth {
  status: HealthReport["status"];
  checkedAt: string;
}

/** A probe that did not answer within its time: the dependency counts as unreachable. */
class ProbeTimeoutError extends PlatformFault {}

/**
 * Probes everything at once, each bounded by `timeoutMs`, and reports `degraded` if any probe
 * fails. A failing probe never throws: the report says what failed and, classified, why.
 * Messages waiting in a dead-letter queue do not degrade the status (the DLQ alarms say that);
 * an unreachable dead-letter queue does.
 */
export async function checkHealth(input: {
  tables: Record<string, string>;
  queues: Record<string, string>;
  deadLetterQueues: Record<string, string>;
  emulators?: Record<string, EmulatorDescription> | undefined;
  probes: HealthProbes;
  now: () => Date;
  timeoutMs?: number;
}): Promise<HealthReport> {
  const checkedAt = input.now().toISOString();
  const timeoutMs = input.timeoutMs ?? 2_000;
  const probeAll = <T extends object>(
    targets: Record<string, string>,
    probe: (target: string) => Promise<Record<string, unknown>>,
    describe: (target: string) => T,
  ) => probeEach(targets, probe, describe, timeoutMs, (error) => input.probes.classify(error));
  const emulators = input.emulators;
  const [tables, queues, deadLetterQueues, emulatorResults] = await Promise.all([
    probeAll(input.tables, (name) => input.probes.table(name), (name) => ({ name })),
    probeAll(input.queues, (url) => input.probes.queue(url), (url) => ({ url })),
    probeAll(input.deadLetterQueues, (url) => input.probes.queue(url), (url) => ({ url })),
    emulators
      ? probeAll(
          Object.fromEntries(Object.keys(emulators).map((kind) => [kind, kind])),
          (kind) => input.probes.emulator(kind, emulators[kind]!),
          (kind) => emulators[kind]!,
        )
      : Promise.resolve(undefined),
  ]);
  const groups: Record<string, ProbeResult>[] = [tables, queues, deadLetterQueues, emulatorResults ?? {}];
  const all = groups.flatMap((group) => Object.values(group));
  return {
    status: all.every((probe) => probe.reachable) ? "ok" : "degraded",
    checkedAt,
    tables,
    queues,
    deadLetterQueues,
    ...(emulatorResults ? { emulators: emulatorResults } : {}),
  };
}

/** The public view of a report: nothing about what was probed or why it failed. */
export function publicHealth(report: HealthReport): PublicHealth {
  return { status: report.status, checkedAt: report.checkedAt };
}

/**
 * Wraps a health check so that, in this instance, hits within `ttlMs` of a check share its report
 * (and concurrent hits share one check in flight): a flood on the public route costs one round of
 * probes per window, not one per hit. A check that throws is not kept.
 */
export function cachedHealthCheck(
  check: () => Promise<HealthReport>,
  options: { ttlMs: number; now?: () => number },
): () => Promise<HealthReport> {
  const now = options.now ?? Date.now;
  let cached: { startedAt: number; report: Promise<HealthReport> } | undefined;
  return () => {
    const at = now();
    if (cached && at - cached.startedAt < options.ttlMs) return cached.report;
    const entry = { startedAt: at, report: check() };
    cached = entry;
    entry.report.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return entry.report;
  };
}

async function probeEach<T extends object>(
  targets: Record<string, string>,
  probe: (target: string) => Promise<Record<string, unknown>>,
  describe: (target: string) => T,
  timeoutMs: number,
  classify: (error: unknown) => ProbeFailureReason,
): Promise<Record<string, ProbeResult & T>> {
  const entries = await Promise.all(
    Object.entries(targets).map(async ([key, target]): Promise<[string, ProbeResult & T]> => {
      const result = await withTimeout(probe(target), timeoutMs).then(
        (detail): ProbeResult => ({ reachable: true, detail }),
        (error: unknown): ProbeResult => ({
          reachable: false,
          reason: error instanceof ProbeTimeoutError ? "timeout" : safeClassify(classify, error),
        }),
      );
      return [key, { ...describe(target), ...result }];
    }),
  );
  return Object.fromEntries(entries);
}

function safeClassify(classify: (error: unknown) => ProbeFailureReason, error: unknown): ProbeFailureReason {
  try {
    return classify(error);
  } catch {
    return "unreachable";
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeTimeoutError(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
