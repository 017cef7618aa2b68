/**
 * The health report: can this deployment reach every table and queue it was handed, and
 * (locally) are the emulators up? Probes are injected so the rule is tested without AWS.
 */
import type { EmulatorDescription } from "../config.js";

export type ProbeResult = { reachable: true; detail?: Record<string, unknown> } | { reachable: false; error: string };

export interface HealthProbes {
  table(name: string): Promise<Record<string, unknown>>;
  queue(url: string): Promise<Record<string, unknown>>;
  emulator(kind: string, emulator: EmulatorDescription): Promise<Record<string, unknown>>;
}

export interface HealthReport {
  status: "ok" | "degraded";
  checkedAt: string;
  tables: Record<string, ProbeResult & { name: string }>;
  queues: Record<string, ProbeResult & { url: string }>;
  emulators?: Record<string, ProbeResult & EmulatorDescription>;
}

/**
 * Probes everything at once, each bounded by `timeoutMs`, and reports `degraded` if any probe
 * fails. A failing probe never throws: the report says what failed and why.
 */
export async function checkHealth(input: {
  tables: Record<string, string>;
  queues: Record<string, string>;
  emulators?: Record<string, EmulatorDescription> | undefined;
  probes: HealthProbes;
  now: () => Date;
  timeoutMs?: number;
}): Promise<HealthReport> {
  const timeoutMs = input.timeoutMs ?? 2_000;
  const [tables, queues, emulators] = await Promise.all([
    probeAll(input.tables, (name) => input.probes.table(name), timeoutMs, (name) => ({ name })),
    probeAll(input.queues, (url) => input.probes.queue(url), timeoutMs, (url) => ({ url })),
    input.emulators
      ? probeAll(
          Object.fromEntries(Object.keys(input.emulators).map((kind) => [kind, kind])),
          (kind) => input.probes.emulator(kind, input.emulators![kind]!),
          timeoutMs,
          (kind) => input.emulators![kind]!,
        )
      : Promise.resolve(undefined),
  ]);
  const all = [...Object.values(tables), ...Object.values(queues), ...Object.values(emulators ?? {})];
  return {
    status: all.every((probe) => probe.reachable) ? "ok" : "degraded",
    checkedAt: input.now().toISOString(),
    tables,
    queues,
    ...(emulators ? { emulators } : {}),
  };
}

async function probeAll<T extends object>(
  targets: Record<string, string>,
  probe: (target: string) => Promise<Record<string, unknown>>,
  timeoutMs: number,
  describe: (target: string) => T,
): Promise<Record<string, ProbeResult & T>> {
  const entries = await Promise.all(
    Object.entries(targets).map(async ([key, target]): Promise<[string, ProbeResult & T]> => {
      const result = await withTimeout(probe(target), timeoutMs).then(
        (detail): ProbeResult => ({ reachable: true, detail }),
        (error: unknown): ProbeResult => ({ reachable: false, error: error instanceof Error ? error.message : String(error) }),
      );
      return [key, { ...describe(target), ...result }];
    }),
  );
  return Object.fromEntries(entries);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
