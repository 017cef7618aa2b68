/** The state file `npm start` leaves for other commands (infra/local/state-file.ts), in a temporary directory. */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_STATE_FILE,
  isProcessAlive,
  type LocalPlatformState,
  readStateFile,
  removeStateFile,
  runningPlatform,
  stateFilePath,
  writeStateFile,
} from "../../infra/local/state-file.js";

/** Above Linux's largest pid (2^22), so never a live process. */
const DEAD_PID = 2 ** 22 + 1;

let directory: string;
let file: string;
const state = (pid = process.pid): LocalPlatformState => ({
  url: "http://127.0.0.1:3000",
  prefix: "vouchers-local",
  dynamodbEndpoint: "http://127.0.0.1:40001",
  sqsEndpoint: "http://127.0.0.1:40002",
  pid,
  startedAt: "2026-11-22T13:49:48.919Z",
});

beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "state-file-"));
  file = path.join(directory, "nested", "local-platform.json");
});
afterEach(() => rm(directory, { recursive: true, force: true }));

describe("state file", () => {
  it("lives in .cache/local-platform.json unless VOUCHERS_LOCAL_STATE_FILE moves it", () => {
    expect(DEFAULT_STATE_FILE.endsWith(path.join(".cache", "local-platform.json"))).toBe(true);
    expect(stateFilePath({})).toBe(DEFAULT_STATE_FILE);
    expect(stateFilePath({ VOUCHERS_LOCAL_STATE_FILE: "/tmp/x.json" })).toBe("/tmp/x.json");
  });

  it("round-trips, creating its directory and leaving no temporary file", async () => {
    await writeStateFile(state(), file);
    expect(await readStateFile(file)).toEqual(state());
    expect(await readdir(path.dirname(file))).toEqual(["local-platform.json"]);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual(state());
  });

  it("reads as undefined when missing, and as an error naming the file when it is not a state file", async () => {
    expect(await readStateFile(file)).toBeUndefined();
    expect(await runningPlatform(file)).toBeUndefined();
    await writeStateFile(state(), file);
    await writeFile(file, "{not json");
    await expect(readStateFile(file)).rejects.toThrow(`${file} is not valid JSON`);
    await writeFile(file, JSON.stringify({ ...state(), pid: "12" }));
    await expect(readStateFile(file)).rejects.toThrow(/is not a state file of npm start \(pid: .*\); delete it/);
  });

  it("names a running platform only while its process is alive", async () => {
    await writeStateFile(state(), file);
    expect(await runningPlatform(file)).toEqual(state());
    await writeStateFile(state(DEAD_PID), file);
    expect(await runningPlatform(file)).toBeUndefined();
  });

  it("is removed only by the process it describes", async () => {
    await writeStateFile(state(), file);
    expect(await removeStateFile(file, DEAD_PID)).toBe(false);
    expect(await readStateFile(file)).toEqual(state());
    expect(await removeStateFile(file, process.pid)).toBe(true);
    expect(await readStateFile(file)).toBeUndefined();
    expect(await removeStateFile(file, process.pid)).toBe(false);
  });

  it("tells live processes from dead ones", () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(DEAD_PID)).toBe(false);
  });
});
