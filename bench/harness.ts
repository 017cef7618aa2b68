/**
 * What every benchmark shares: the whole platform on the emulators, in this process, and the
 * guards that bound a run (a deadline, Ctrl-C, SIGTERM) and stop everything it started. Import it
 * dynamically after setting the logging environment, like the project modules it loads.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { ensureDynamoDbLocal } from "../infra/local/dynamodb-local-dist.js";
import { type Emulators, startEmulators } from "../infra/local/emulators.js";
import type { JwtSettings } from "../infra/local/jwt.js";
import { silentLog } from "../infra/local/log.js";
import { type LocalRuntime, startLocalRuntime } from "../infra/local/runtime.js";
import { platform } from "../shared/wiring/platform.js";

export interface BenchRun {
  readonly signal: AbortSignal;
  /** Registers work for the end of the run (clients, agents), run before the platform stops. */
  onStop(stop: () => void | Promise<void>): void;
  /** Stops everything now (idempotent), e.g. before measuring the bundle with the machine quiet. */
  stop(): Promise<void>;
  /** Starts DynamoDB Local, fauxqs and the runtime (silent, no schedules, a random JWT secret). */
  startPlatform(): Promise<{ emulators: Emulators; runtime: LocalRuntime; jwt: JwtSettings; prefix: string }>;
}

/**
 * Runs `body` with a deadline and stop guards; whatever happens, everything the run started is
 * stopped before this resolves (or, on a signal, before the process exits with 130).
 */
export async function guardedRun<T>(input: { deadlineMs: number; note: (line: string) => void }, body: (run: BenchRun) => Promise<T>): Promise<T> {
  const { note } = input;
  const controller = new AbortController();
  const stops: (() => void | Promise<void>)[] = [];
  let emulators: Emulators | undefined;
  let runtime: LocalRuntime | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () => {
    cleaning ??= (async () => {
      controller.abort(new Error("stopping"));
      for (const stop of stops) await Promise.resolve(stop()).catch((error: unknown) => note(`stop failed: ${String(error)}`));
      await runtime?.stop().catch((error: unknown) => note(`runtime stop failed: ${String(error)}`));
      await emulators?.stop().catch((error: unknown) => note(`emulator stop failed: ${String(error)}`));
    })();
    return cleaning;
  };
  const onSignal = (name: string) => {
    note(`\n${name}: stopping everything the benchmark started…`);
    void cleanup().then(() => process.exit(130));
  };
  process.once("SIGINT", () => onSignal("SIGINT"));
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  const deadline = setTimeout(
    () => controller.abort(new Error(`the run passed its ${input.deadlineMs / 60_000} min bound`)),
    input.deadlineMs,
  );

  const run: BenchRun = {
    signal: controller.signal,
    onStop: (stop) => void stops.push(stop),
    stop: cleanup,
    async startPlatform() {
      await ensureDynamoDbLocal(note);
      note("starting DynamoDB Local and fauxqs…");
      emulators = await startEmulators();
      controller.signal.throwIfAborted();
      const jwt = { secret: randomBytes(24).toString("hex") };
      const prefix = `bench-${randomUUID().slice(0, 8)}`;
      note(`starting the local runtime (prefix ${prefix})…`);
      runtime = await startLocalRuntime({
        wiring: platform,
        emulators: { dynamodbEndpoint: emulators.dynamodb.endpoint, sqsEndpoint: emulators.sqs.endpoint },
        prefix,
        host: "127.0.0.1",
        port: 0,
        jwt,
        autoSchedules: false,
        log: silentLog,
      });
      return { emulators, runtime, jwt, prefix };
    },
  };
  try {
    return await body(run);
  } finally {
    clearTimeout(deadline);
    await cleanup();
  }
}
