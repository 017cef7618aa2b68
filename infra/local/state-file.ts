/**
 * The state file of a running `npm start`: where its gateway and emulators listen and which
 * prefix names its resources, so other commands (`npm run redrive`) can find it. `npm start`
 * writes it once the runtime is up and removes it when it stops; a file left by a killed runtime
 * is recognised by its pid being gone.
 */
import { randomUUID } from "node:crypto";
import { readFile, rename, rm, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** `.cache/local-platform.json` in the repository; `VOUCHERS_LOCAL_STATE_FILE` moves it (tests). */
export const DEFAULT_STATE_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../.cache/local-platform.json");

const stateSchema = z.object({
  /** Base URL of the gateway. */
  url: z.string(),
  /** Start of every physical name (`physicalName(prefix, logical)`). */
  prefix: z.string(),
  dynamodbEndpoint: z.string(),
  sqsEndpoint: z.string(),
  /** The `npm start` process. */
  pid: z.number().int().positive(),
  /** ISO 8601. */
  startedAt: z.string(),
});

export type LocalPlatformState = z.infer<typeof stateSchema>;

export function stateFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.VOUCHERS_LOCAL_STATE_FILE || DEFAULT_STATE_FILE;
}

/** Written to a temporary file and renamed, so a reader never sees half a file. */
export async function writeStateFile(state: LocalPlatformState, file = stateFilePath()): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(stateSchema.parse(state), null, 2)}\n`);
  await rename(temporary, file);
}

/** The recorded state, or undefined when there is no file. A file that is not a state file is an error. */
export async function readStateFile(file = stateFilePath()): Promise<LocalPlatformState | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}); delete it and restart npm start`, {
      cause: error,
    });
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ");
    throw new Error(`${file} is not a state file of npm start (${problems}); delete it and restart npm start`);
  }
  return parsed.data;
}

/** The state of a platform whose process is still alive; undefined when none is recorded or it died. */
export async function runningPlatform(file = stateFilePath()): Promise<LocalPlatformState | undefined> {
  const state = await readStateFile(file);
  return state && isProcessAlive(state.pid) ? state : undefined;
}

/**
 * Removes the file if it still describes the process `pid`: a second `npm start` may have
 * replaced it, and its record must outlive this one. Returns whether it removed the file.
 */
export async function removeStateFile(file = stateFilePath(), pid = process.pid): Promise<boolean> {
  let state: LocalPlatformState | undefined;
  try {
    state = await readStateFile(file);
  } catch {
    return false; // not ours to judge: leave a file we cannot read
  }
  if (state?.pid !== pid) return false;
  await rm(file, { force: true });
  return true;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
