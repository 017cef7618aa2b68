/** The local runtime's own log: one JSON object per line, beside the handlers' Powertools lines. */

export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  [field: string]: unknown;
}

export type Log = (line: LogLine) => void;

/** Writes each line as JSON to stdout (errors to stderr), stamped with the time. */
export const consoleLog: Log = (line) => {
  const text = JSON.stringify({ time: new Date().toISOString(), source: "local-runtime", ...line });
  if (line.level === "error") process.stderr.write(`${text}\n`);
  else process.stdout.write(`${text}\n`);
};

/** Discards everything; for tests that assert on behaviour, not on logs. */
export const silentLog: Log = () => undefined;
