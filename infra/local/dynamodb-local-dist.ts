/**
 * Where DynamoDB Local lives on this machine, and how to get it there. The download itself is
 * `scripts/fetch-dynamodb-local.mjs` (the npm `postinstall` script); this module runs it again
 * when the jar is missing, e.g. after `npm ci --ignore-scripts`, so `npm start` and the tests
 * still work.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const DYNAMODB_LOCAL_VERSION = "1.25.1";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const fetchScript = join(repoRoot, "scripts", "fetch-dynamodb-local.mjs");

/** Absolute path of the directory holding DynamoDBLocal.jar and DynamoDBLocal_lib/. */
export function dynamoDbLocalDir(): string {
  return join(repoRoot, ".cache", "dynamodb-local");
}

/** True when the pinned version is fully extracted (the fetch script writes the marker last). */
export function isDynamoDbLocalInstalled(): boolean {
  const dir = dynamoDbLocalDir();
  if (!existsSync(join(dir, "DynamoDBLocal.jar")) || !existsSync(join(dir, "DynamoDBLocal_lib"))) return false;
  try {
    const marker = JSON.parse(readFileSync(join(dir, ".installed.json"), "utf8")) as { version?: unknown };
    return marker.version === DYNAMODB_LOCAL_VERSION;
  } catch {
    return false;
  }
}

let pending: Promise<string> | undefined;

/**
 * Makes sure DynamoDB Local is installed, running the fetch script when it is not, and returns
 * its directory. The script's progress lines go to `log` (stderr by default).
 */
export function ensureDynamoDbLocal(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<string> {
  if (isDynamoDbLocalInstalled()) return Promise.resolve(dynamoDbLocalDir());
  pending ??= runFetchScript(log).finally(() => {
    pending = undefined;
  });
  return pending;
}

function runFetchScript(log: (line: string) => void): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [fetchScript], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    const output: string[] = [];
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() === "") continue;
        output.push(line);
        log(line);
      }
    };
    child.stdout.on("data", forward);
    child.stderr.on("data", forward);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0 && isDynamoDbLocalInstalled()) resolvePromise(dynamoDbLocalDir());
      else {
        reject(
          new Error(
            `could not install DynamoDB Local ${DYNAMODB_LOCAL_VERSION} (${fetchScript} exited with ${code ?? signal}):\n` +
              output.slice(-20).join("\n"),
          ),
        );
      }
    });
  });
}
