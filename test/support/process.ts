/**
 * A program run in its own process from the repository root, as an operator's or a bank's shell
 * runs it: its exit code and everything it printed. For tests of `npm run` scripts and of the
 * guides' examples.
 */
import { spawn } from "node:child_process";
import { REPOSITORY_ROOT } from "../../infra/local/runtime.js";

export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command args…` with `env` over this process's environment, stdin closed. */
export function runProcess(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPOSITORY_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** An `npm run` script (a TypeScript file under scripts/) in its own process, without the npm wrapper. */
export function runScript(script: string, args: readonly string[], env: Record<string, string> = {}): Promise<ProcessRun> {
  return runProcess(process.execPath, ["--import", "tsx", script, ...args], env);
}

/** Whether a process with this pid is still running (signal 0 tests without touching it). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
