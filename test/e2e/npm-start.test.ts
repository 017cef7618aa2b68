/**
 * `npm start` as a user runs it: its own emulators, HTTP on the port it prints, and a clean stop
 * on SIGTERM and SIGINT that leaves no DynamoDB Local behind.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { alive } from "../support/process.js";
import { jwtSettingsFromEnv, signLocalToken } from "../../infra/local/jwt.js";
import { REPOSITORY_ROOT } from "../../infra/local/runtime.js";
import { readStateFile } from "../../infra/local/state-file.js";
import { healthReportSchema, publicHealthSchema } from "../../shared/api/schemas.js";

function start(stateFile: string): { child: ChildProcess; output: () => string; url: Promise<string> } {
  // One process (no tsx CLI wrapper), so the signal reaches the runtime itself.
  const child = spawn(process.execPath, ["--import", "tsx", "infra/local/main.ts"], {
    cwd: REPOSITORY_ROOT,
    // Its own state file, so a platform the developer runs keeps its .cache/local-platform.json.
    env: { ...process.env, PORT: "0", VOUCHERS_LOCAL_PREFIX: `start-${randomUUID().slice(0, 8)}`, VOUCHERS_LOCAL_STATE_FILE: stateFile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output}`)), 45_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /Voucher platform listening on (http:\/\/\S+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
  return { child, output: () => output, url };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
}


describe.each(["SIGTERM", "SIGINT"] as const)("npm start, stopped with %s", (signal) => {
  it("serves /health, /admin/health with both emulators up and the console, refuses /me without a token, keeps a state file while up, and leaves no java behind", async () => {
    const stateFile = path.join(tmpdir(), `local-platform-${randomUUID()}.json`);
    const { child, url: listening, output } = start(stateFile);
    try {
      const url = await listening;
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(publicHealthSchema.parse(await health.json()).status).toBe("ok");
      // The child reads the same environment, so a token signed with these settings is accepted.
      const operator = await signLocalToken({ sub: "ops", operator: true, settings: jwtSettingsFromEnv(process.env) });
      const adminHealth = await fetch(`${url}/admin/health`, { headers: { authorization: `Bearer ${operator}` } });
      expect(adminHealth.status).toBe(200);
      const report = healthReportSchema.parse(await adminHealth.json());
      expect(report.emulators?.dynamodb?.reachable).toBe(true);
      expect(report.emulators?.sqs?.reachable).toBe(true);
      const javaPid = report.emulators!.dynamodb!.pid!;
      expect(alive(javaPid)).toBe(true);
      expect((await fetch(`${url}/me`)).status).toBe(401);
      // It built the operator console when its sources changed (or found it up to date) and serves it beside the API.
      expect(output()).toMatch(/Console up to date|console built in \d/);
      expect(output()).toContain(`console: open ${url}/console/`);
      const consolePage = await fetch(`${url}/console/`);
      expect(consolePage.status).toBe(200);
      expect(consolePage.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await readStateFile(stateFile)).toMatchObject({ url, pid: child.pid, sqsEndpoint: report.emulators?.sqs?.endpoint });

      child.kill(signal);
      expect(await exited(child), output()).toBe(0);
      expect(output()).toContain("no emulator left running");
      expect(alive(javaPid)).toBe(false);
      expect(existsSync(stateFile)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});

describe("npm start on a non-loopback HOST", () => {
  it("refuses to start with the default JWT secret: a clear error, exit code 2, no emulator started", async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOST: "0.0.0.0",
      PORT: "0",
      VOUCHERS_LOCAL_PREFIX: `start-${randomUUID().slice(0, 8)}`,
      VOUCHERS_LOCAL_STATE_FILE: path.join(tmpdir(), `local-platform-${randomUUID()}.json`),
    };
    delete env.VOUCHERS_LOCAL_JWT_SECRET;
    const child = spawn(process.execPath, ["--import", "tsx", "infra/local/main.ts"], { cwd: REPOSITORY_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    // A platform that starts anyway is stopped cleanly (SIGTERM) rather than left running.
    const guard = setTimeout(() => child.kill("SIGTERM"), 20_000);
    try {
      expect(await exited(child), output).toBe(2);
      expect(output).toMatch(/HOST=0\.0\.0\.0/);
      expect(output).toMatch(/default JWT secret/);
      expect(output).toMatch(/VOUCHERS_LOCAL_JWT_SECRET/);
      expect(output).not.toContain("Starting DynamoDB Local");
    } finally {
      clearTimeout(guard);
      if (child.exitCode === null) child.kill("SIGTERM");
    }
  });
});
