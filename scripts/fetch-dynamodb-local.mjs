#!/usr/bin/env node
// Fetches DynamoDB Local for the local runtime and the integration tests (docs/architecture.md).
//
// DynamoDB Local 1.25.1 (DynamoDBLocal.jar + DynamoDBLocal_lib/ with the native sqlite4java
// libraries) ships inside the npm tarball of amplify-dynamodb-simulator@2.9.30, under
// package/emulator. That package is not a dependency (350 MB installed, broken launcher): this
// script packs only its tarball with npm, checks it against a pinned integrity, and extracts the
// emulator directory into .cache/dynamodb-local/ (git-ignored) with the system tar.
//
// Runs as the npm `postinstall` script; infra/local/dynamodb-local-dist.ts runs it too when the
// jar is missing (after `npm ci --ignore-scripts`). Plain Node, no dependencies.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const DYNAMODB_LOCAL_VERSION = "1.25.1";
const PACKAGE_SPEC = "amplify-dynamodb-simulator@2.9.30";
const PACKAGE_INTEGRITY =
  "sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==";
const MARKER = ".installed.json";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const cacheDir = join(repoRoot, ".cache");
const targetDir = join(cacheDir, "dynamodb-local");

const log = (line) => console.log(`[dynamodb-local] ${line}`);

function installedVersion(dir) {
  try {
    const marker = JSON.parse(readFileSync(join(dir, MARKER), "utf8"));
    if (!existsSync(join(dir, "DynamoDBLocal.jar")) || !existsSync(join(dir, "DynamoDBLocal_lib"))) return undefined;
    return typeof marker.version === "string" ? marker.version : undefined;
  } catch {
    return undefined;
  }
}

/** The npm that runs this install (npm_execpath), or `npm` from PATH when run by hand. */
function npmCommand() {
  const execPath = process.env.npm_execpath;
  if (execPath && /npm(-cli)?(\.c?js)?$/.test(basename(execPath))) {
    return /\.c?js$/.test(execPath) ? { command: process.execPath, prefix: [execPath] } : { command: execPath, prefix: [] };
  }
  return { command: process.platform === "win32" ? "npm.cmd" : "npm", prefix: [] };
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw new Error(`${command} ${args.join(" ")} could not run: ${result.error.message}`);
  if (result.status !== 0) {
    const stderr = (result.stderr ?? "").trim().split("\n").slice(-20).join("\n");
    throw new Error(`${command} ${args.join(" ")} exited with ${result.status ?? result.signal}:\n${stderr}`);
  }
  return result.stdout;
}

function integrityOf(file) {
  return `sha512-${createHash("sha512").update(readFileSync(file)).digest("base64")}`;
}

function main() {
  if (installedVersion(targetDir) === DYNAMODB_LOCAL_VERSION) {
    log(`${DYNAMODB_LOCAL_VERSION} already present in ${targetDir}`);
    return;
  }

  const started = Date.now();
  const downloadDir = mkdtempSync(join(tmpdir(), "dynamodb-local-"));
  mkdirSync(cacheDir, { recursive: true });
  // Staged next to the target so the final rename stays on one file system (atomic).
  const stagingDir = mkdtempSync(join(cacheDir, "dynamodb-local.tmp-"));
  try {
    log(`downloading ${PACKAGE_SPEC} (DynamoDB Local ${DYNAMODB_LOCAL_VERSION})…`);
    const npm = npmCommand();
    const stdout = run(npm.command, [...npm.prefix, "pack", PACKAGE_SPEC, "--pack-destination", downloadDir, "--json"], {
      cwd: downloadDir,
      // Keep the lifecycle of the surrounding install (e.g. --json, --dry-run) out of this call.
      env: { ...process.env, npm_config_json: "true", npm_config_dry_run: "false", npm_config_ignore_scripts: "true" },
    });
    let filename;
    try {
      filename = JSON.parse(stdout.slice(stdout.indexOf("[")))[0]?.filename;
    } catch {
      // Fall through to the error below.
    }
    if (typeof filename !== "string") throw new Error(`npm pack printed no tarball name:\n${stdout.slice(0, 2000)}`);
    const tarball = join(downloadDir, filename);
    if (!existsSync(tarball)) throw new Error(`npm pack reported ${filename}, which is not in ${downloadDir}`);

    const actual = integrityOf(tarball);
    if (actual !== PACKAGE_INTEGRITY) {
      throw new Error(`integrity mismatch for ${PACKAGE_SPEC}:\n  expected ${PACKAGE_INTEGRITY}\n  actual   ${actual}`);
    }
    log(`verified ${filename} (sha512)`);

    run("tar", ["-xzf", tarball, "-C", stagingDir, "package/emulator"]);
    const emulatorDir = join(stagingDir, "package", "emulator");
    if (!existsSync(join(emulatorDir, "DynamoDBLocal.jar"))) throw new Error(`${filename} has no package/emulator/DynamoDBLocal.jar`);
    writeFileSync(
      join(emulatorDir, MARKER),
      `${JSON.stringify({ version: DYNAMODB_LOCAL_VERSION, from: PACKAGE_SPEC, integrity: PACKAGE_INTEGRITY }, null, 2)}\n`,
    );

    // Replace a partial or outdated copy. If another install finished first, keep its copy.
    if (existsSync(targetDir)) {
      if (installedVersion(targetDir) === DYNAMODB_LOCAL_VERSION) {
        log(`${DYNAMODB_LOCAL_VERSION} was installed concurrently in ${targetDir}`);
        return;
      }
      rmSync(targetDir, { recursive: true, force: true });
    }
    try {
      renameSync(emulatorDir, targetDir);
    } catch (error) {
      if (installedVersion(targetDir) !== DYNAMODB_LOCAL_VERSION) throw error;
    }
    log(`extracted to ${targetDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    rmSync(stagingDir, { recursive: true, force: true });
    rmSync(downloadDir, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  console.error(`[dynamodb-local] failed to fetch DynamoDB Local ${DYNAMODB_LOCAL_VERSION}: ${error instanceof Error ? error.message : String(error)}`);
  console.error("[dynamodb-local] fix the cause above, then run `node scripts/fetch-dynamodb-local.mjs` (npm must reach the registry).");
  process.exit(1);
}
