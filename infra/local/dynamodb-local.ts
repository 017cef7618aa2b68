/**
 * DynamoDB Local as a child process of the local runtime (docs/architecture.md): in memory, one shared
 * database, telemetry off, on a free port.
 *
 * Java runs under a small bash watchdog, so it never outlives this process: the watchdog polls
 * its own parent (this process) every half second and stops java as soon as it is gone, even when
 * this process was killed with SIGKILL and had no chance to clean up. SIGTERM to the watchdog
 * stops java too, which is what `stop()` sends.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { DYNAMODB_LOCAL_VERSION, dynamoDbLocalDir } from "./dynamodb-local-dist.js";

export interface DynamoDbLocalOptions {
  /** Port to listen on; a free loopback port when omitted. */
  readonly port?: number;
  /** Receives each line DynamoDB Local prints. Silent when omitted. */
  readonly log?: (line: string) => void;
  /** How long to wait for the first answer. */
  readonly startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** The java process (the watchdog's when java's could not be read). */
  readonly pid: number;
  readonly version: string;
  /** Stops java (SIGTERM, SIGKILL after 5 s) and waits until it has exited. Idempotent. */
  stop(): Promise<void>;
}

const JAVA_MISSING = "Java 17 is required: apt-get install openjdk-17-jre-headless";
const STOP_GRACE_MS = 5_000;

/**
 * The watchdog, run as `bash -c WATCHDOG dynamodb-local-watchdog <parent pid> java args…`.
 * It writes java's pid on fd 3 (closed for java itself), then waits for java to end or for its
 * own parent to change (reparenting means the parent died), and stops java in both of those cases
 * and on SIGTERM/SIGINT/SIGHUP. Only shell builtins run in the loop besides `sleep`.
 */
const WATCHDOG = `
parent="$1"; shift
"$@" 3>&- &
j=$!
echo "$j" >&3
exec 3>&-
stop_java() {
  trap '' TERM INT HUP
  kill -TERM "$j" 2>/dev/null
  i=0
  while kill -0 "$j" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  kill -KILL "$j" 2>/dev/null
  wait "$j" 2>/dev/null
  exit 0
}
trap stop_java TERM INT HUP
parent_alive() {
  if [ -r "/proc/$$/stat" ]; then
    read -r _ _ _ ppid _ < "/proc/$$/stat"
    [ "$ppid" = "$parent" ]
  else
    kill -0 "$parent" 2>/dev/null
  fi
}
while parent_alive && kill -0 "$j" 2>/dev/null; do
  sleep 0.5 & wait $!
done
if kill -0 "$j" 2>/dev/null; then stop_java; fi
wait "$j"
`;

export async function startDynamoDbLocal(opts: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  assertJava();
  const dir = dynamoDbLocalDir();
  if (!existsSync(join(dir, "DynamoDBLocal.jar"))) {
    throw new Error(`DynamoDB Local is not installed in ${dir}: run \`node scripts/fetch-dynamodb-local.mjs\``);
  }
  // A port picked here can be taken before java binds it: then pick another, a few times.
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freeLoopbackPort());
    try {
      return await startOnce(dir, port, opts);
    } catch (error) {
      if (opts.port !== undefined || !(error instanceof PortTakenError) || attempt >= 3) throw error;
    }
  }
}

class PortTakenError extends Error {}

/** Lines by which DynamoDB Local reports that it cannot serve; its JVM keeps running after them. */
const FATAL_OUTPUT = /Exception in thread "main"|Failed to bind|BindException/;

async function startOnce(dir: string, port: number, opts: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const endpoint = `http://127.0.0.1:${port}`;
  const log = opts.log ?? (() => {});

  const javaArgs = [
    `-Djava.library.path=${join(dir, "DynamoDBLocal_lib")}`,
    // One client, small heap: the serial collector starts fewer threads and uses less memory.
    "-XX:+UseSerialGC",
    "-jar",
    "DynamoDBLocal.jar",
    "-inMemory",
    "-sharedDb",
    "-disableTelemetry",
    "-port",
    String(port),
  ];
  const watchdog = spawn("bash", ["-c", WATCHDOG, "dynamodb-local-watchdog", String(process.pid), "java", ...javaArgs], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });

  const output: string[] = [];
  let reportFatal: (line: string) => void = () => {};
  const fatal = new Promise<never>((_, reject) => {
    reportFatal = (line) => reject(/BindException|Failed to bind/.test(line) ? new PortTakenError(`DynamoDB Local cannot listen on port ${port}: ${line}`) : new Error(line));
  });
  fatal.catch(() => {});
  const collect = (stream: Readable | null) => {
    let rest = "";
    stream?.on("data", (chunk: Buffer) => {
      const lines = (rest + chunk.toString("utf8")).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        output.push(line);
        if (output.length > 200) output.shift();
        if (FATAL_OUTPUT.test(line)) reportFatal(line.trim());
        log(line);
      }
    });
  };
  collect(watchdog.stdout);
  collect(watchdog.stderr);

  const exited = new Promise<void>((resolve) => {
    if (watchdog.exitCode !== null || watchdog.signalCode !== null) resolve();
    else watchdog.once("exit", () => resolve());
  });
  const spawnFailure = new Promise<never>((_, reject) => watchdog.once("error", reject));
  spawnFailure.catch(() => {});
  const javaPid = readJavaPid(watchdog);

  let javaPidNow: number | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (watchdog.exitCode === null && watchdog.signalCode === null) {
        watchdog.kill("SIGTERM");
        // The watchdog itself escalates to SIGKILL after 5 s; this is the backstop for the watchdog.
        const timer = setTimeout(() => {
          const pid = javaPidNow;
          if (pid !== undefined) tryKill(pid, "SIGKILL");
          watchdog.kill("SIGKILL");
        }, STOP_GRACE_MS + 1_000);
        await exited;
        clearTimeout(timer);
      }
      // Java is the watchdog's child: the watchdog waits for it, but make sure in every case.
      if (javaPidNow !== undefined) await waitForExit(javaPidNow, STOP_GRACE_MS);
    })();
    return stopping;
  };

  const giveUp = new AbortController();
  try {
    javaPidNow = await Promise.race([javaPid, spawnFailure, exited.then(() => undefined)]);
    await Promise.race([
      waitUntilAnswering(endpoint, opts.startTimeoutMs ?? 30_000, giveUp.signal),
      spawnFailure,
      fatal,
      exited.then(() => {
        throw new Error(`DynamoDB Local exited during start-up (exit ${watchdog.exitCode ?? watchdog.signalCode})`);
      }),
    ]);
  } catch (error) {
    giveUp.abort();
    await stop();
    if (error instanceof PortTakenError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`DynamoDB Local did not start on ${endpoint}: ${reason}\n${output.slice(-40).join("\n")}`, { cause: error });
  }

  return {
    endpoint,
    port,
    pid: javaPidNow ?? watchdog.pid ?? -1,
    version: DYNAMODB_LOCAL_VERSION,
    stop,
  };
}

function assertJava(): void {
  const result = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (result.error || result.status !== 0) throw new Error(JAVA_MISSING);
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? Number(match[1] === "1" ? match[2] : match[1]) : NaN;
  if (!(major >= 17)) throw new Error(`${JAVA_MISSING} (found: ${(result.stderr || result.stdout).split("\n")[0]})`);
}

/** A port that was free on 127.0.0.1 a moment ago. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : undefined;
      server.close(() => (port ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

function readJavaPid(watchdog: ChildProcess): Promise<number | undefined> {
  return new Promise((resolve) => {
    const channel = watchdog.stdio[3] as Readable | null | undefined;
    if (!channel) return resolve(undefined);
    let text = "";
    channel.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    channel.on("close", () => {
      const pid = Number.parseInt(text.trim(), 10);
      resolve(Number.isInteger(pid) && pid > 0 ? pid : undefined);
    });
    channel.on("error", () => resolve(undefined));
  });
}

async function waitUntilAnswering(endpoint: string, timeoutMs: number, cancelled: AbortSignal): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  try {
    while (Date.now() < deadline && !cancelled.aborted) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.any([cancelled, AbortSignal.timeout(2_000)]) });
        return;
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.destroy();
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(`no answer to ListTables within ${timeoutMs / 1000} s (last error: ${reason})`);
}

function tryKill(pid: number, signal: NodeJS.Signals | 0): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Alive and not a zombie (a zombie is gone for every purpose but its parent's bookkeeping). */
function isRunning(pid: number): boolean {
  if (!tryKill(pid, 0)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) {
      tryKill(pid, "SIGKILL");
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
