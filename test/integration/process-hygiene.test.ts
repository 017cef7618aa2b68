/**
 * DynamoDB Local runs as a java child process: it must never outlive the runtime that started it,
 * whether that runtime stops it cleanly or is killed outright (SIGKILL, no clean-up at all).
 */
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startDynamoDbLocal } from "../../infra/local/dynamodb-local.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const childScript = fileURLToPath(new URL("../fixtures/dynamodb-local-child.ts", import.meta.url));

interface Proc {
  readonly pid: number;
  readonly comm: string;
  readonly args: string;
}

/** Processes serving DynamoDB Local on `port`: the java process and its bash watchdog. */
function processesForPort(port: number): Proc[] {
  const ps = spawnSync("ps", ["-eo", "pid=,comm=,args="], { encoding: "utf8" });
  if (ps.status !== 0) throw new Error(`ps failed: ${ps.stderr}`);
  const portArg = new RegExp(`-port ${port}(\\s|$)`);
  return ps.stdout
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .flatMap((m) => (m ? [{ pid: Number(m[1]), comm: m[2] ?? "", args: m[3] ?? "" }] : []))
    .filter((p) => p.args.includes("DynamoDBLocal.jar") && portArg.test(p.args));
}

async function waitForNoProcesses(port: number, timeoutMs: number): Promise<{ elapsedMs: number; left: Proc[] }> {
  const started = Date.now();
  for (;;) {
    const left = processesForPort(port);
    if (left.length === 0 || Date.now() - started > timeoutMs) return { elapsedMs: Date.now() - started, left };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function killQuietly(pid: number): void {
  if (!(pid > 1)) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

describe("DynamoDB Local process hygiene", () => {
  it("stop() leaves no java process behind", async () => {
    const dynamodb = await startDynamoDbLocal();
    try {
      const running = processesForPort(dynamodb.port);
      const java = running.filter((p) => p.comm === "java");
      expect(java.map((p) => p.pid)).toEqual([dynamodb.pid]);
      expect(running.some((p) => p.comm === "bash")).toBe(true);
    } finally {
      await dynamodb.stop();
    }
    // stop() resolves once java has exited: nothing is left at that moment, and a second stop is a no-op.
    expect(processesForPort(dynamodb.port)).toEqual([]);
    await dynamodb.stop();
  });

  it("java dies with its parent even when the parent is SIGKILLed", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", childScript], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stderr: string[] = [];
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk.toString("utf8")));
    let started: { port: number; pid: number } | undefined;
    try {
      started = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout });
        lines.on("line", (line) => {
          if (line.startsWith("{")) resolve(JSON.parse(line) as { port: number; pid: number });
        });
        child.once("exit", (code, signal) => reject(new Error(`child exited (${code ?? signal}) before starting:\n${stderr.join("")}`)));
        setTimeout(() => reject(new Error(`child did not report a port within 40 s:\n${stderr.join("")}`)), 40_000);
      });
      const java = processesForPort(started.port).filter((p) => p.comm === "java");
      expect(java.map((p) => p.pid)).toEqual([started.pid]);

      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;

      const { elapsedMs, left } = await waitForNoProcesses(started.port, 5_000);
      expect(left).toEqual([]);
      expect(elapsedMs).toBeLessThan(5_000);
    } finally {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) killQuietly(child.pid);
      // Never leave a stray JVM behind, even when the assertions above failed.
      if (started) for (const p of processesForPort(started.port)) killQuietly(p.pid);
    }
  });
});
