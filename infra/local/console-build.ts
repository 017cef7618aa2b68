/**
 * Builds the operator console (console/) into console/dist with Vite, the one build configuration
 * there is: `npm start` calls {@link ensureConsoleBuilt} so the console is rebuilt only when its
 * sources changed, and `npm run console:build` builds it on demand.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { InlineConfig } from "vite";

// Not imported from runtime.ts: the build's own process should not load the AWS SDK and emulators.
const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** What the build writes and the local runtime serves at /console/ (runtime.ts has the same path). */
export const CONSOLE_DIST = path.join(REPOSITORY_ROOT, "console", "dist");
const CONSOLE_ROOT = path.join(REPOSITORY_ROOT, "console");
/** Inside dist, so removing dist also forgets the hash; dotfiles are never served. */
const SOURCES_HASH_FILE = path.join(CONSOLE_DIST, ".sources-sha256");

/**
 * The files a build depends on: the app, the platform's shared code it imports (money and time
 * formatting, later the API's zod schemas for forms), the locked dependencies, and this configuration.
 */
function sourceFiles(): string[] {
  const walk = (folder: string): string[] =>
    readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(folder, entry.name);
      return entry.isDirectory() ? walk(full) : [full];
    });
  return [
    path.join(CONSOLE_ROOT, "index.html"),
    ...walk(path.join(CONSOLE_ROOT, "src")),
    ...walk(path.join(REPOSITORY_ROOT, "shared")),
    path.join(REPOSITORY_ROOT, "package-lock.json"),
    path.join(REPOSITORY_ROOT, "infra", "local", "console-build.ts"),
  ].sort();
}

/** SHA-256 over every source file's path and content. */
export function consoleSourcesHash(): string {
  const hash = createHash("sha256");
  for (const file of sourceFiles()) {
    hash.update(path.relative(REPOSITORY_ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}

/** The Vite configuration of the console: served under /console/ (API.md, "Console"). */
export async function consoleViteConfig(outDir: string = CONSOLE_DIST): Promise<InlineConfig> {
  // Loaded only when building: npm start with an up-to-date console never loads Vite.
  const { default: react } = await import("@vitejs/plugin-react");
  return {
    configFile: false,
    root: CONSOLE_ROOT,
    mode: "production",
    base: "/console/",
    // Vite's dependency cache, which would otherwise be console/node_modules/.vite.
    cacheDir: path.join(REPOSITORY_ROOT, ".cache", "vite-console"),
    plugins: [react()],
    logLevel: "warn",
    build: {
      outDir,
      emptyOutDir: true,
      // Ant Design and ECharts make one large vendor chunk; it is fetched once and cached by its hash.
      chunkSizeWarningLimit: 3000,
    },
  };
}

/**
 * Builds console/dist in this process and records the sources' hash (`npm run console:build`). The
 * build goes to a folder of its own and then replaces dist, so a runtime never serves half a build
 * and two builds at once (two `npm start`s, parallel tests) do not mix their files.
 */
export async function buildConsoleHere(log: (line: string) => void): Promise<void> {
  // Vite and the React plugin take development or production from NODE_ENV, which test runners set to "test".
  if (process.env.NODE_ENV !== "production") throw new Error(`the console is built with NODE_ENV=production, not ${process.env.NODE_ENV ?? "unset"}`);
  const hash = consoleSourcesHash();
  const started = Date.now();
  const staging = `${CONSOLE_DIST}.building-${process.pid}-${started}`;
  log("Building the console (console/ → console/dist)…");
  try {
    const { build } = await import("vite");
    await build(await consoleViteConfig(staging));
    await writeFile(path.join(staging, path.basename(SOURCES_HASH_FILE)), `${hash}\n`);
    if ((await builtHash()) === hash) {
      // Another build of the same sources landed meanwhile: keep the files a runtime may be serving.
      log("  the same build is already in console/dist");
      return;
    }
    await rm(CONSOLE_DIST, { recursive: true, force: true });
    await rename(staging, CONSOLE_DIST).catch(async (error: unknown) => {
      // Another build of the same sources replaced dist first: its files are as good as ours.
      if ((await builtHash()) !== hash) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  log(`  console built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Builds console/dist in a child process with NODE_ENV=production, whatever the caller's NODE_ENV; its lines go to `log`. */
export function buildConsole(log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(REPOSITORY_ROOT, "scripts", "console-build.ts")], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let pending = "";
    let errors = "";
    child.stdout.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) log(line);
    });
    child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (pending) log(pending);
      if (code === 0) resolve();
      else reject(new Error(`the console build failed (exit ${code}):\n${errors}`));
    });
  });
}

/** The hash of the sources console/dist was built from, or undefined when there is no build. */
async function builtHash(): Promise<string | undefined> {
  return readFile(SOURCES_HASH_FILE, "utf8").then(
    (text) => text.trim(),
    () => undefined,
  );
}

/** Builds the console unless console/dist was built from the current sources. */
export async function ensureConsoleBuilt(log: (line: string) => void): Promise<"built" | "up to date"> {
  const built = await builtHash();
  if (built === consoleSourcesHash()) {
    log("Console up to date (console/dist matches its sources)");
    return "up to date";
  }
  log(built === undefined ? "Console not built yet" : "Console sources changed since the last build");
  await buildConsole(log);
  return "built";
}
