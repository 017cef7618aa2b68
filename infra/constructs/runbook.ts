/** Where alarm descriptions send the person on call: sections of docs/runbook.md ("Alarms"). */

/** The runbook in the repository, the default base of the links. */
export const RUNBOOK = "docs/runbook.md";

/** The runbook section (anchor of a heading under "Alarms") of each kind of alarm. */
export const RUNBOOK_SECTIONS = {
  functionErrors: "function-errors",
  functionThrottles: "function-throttles",
  apiServerErrors: "api-5xx-rate",
  apiLatency: "api-p99-latency",
  tableThrottles: "dynamodb-throttling",
  iteratorAge: "stream-iterator-age",
  tickerHeartbeat: "ticker-heartbeat-missing",
  failedPayouts: "failed-payouts",
  stalePending: "statements-pending-over-an-hour",
  deadLetterQueues: "dead-letter-queues",
} as const;

/** The sentence that ends an alarm's description: where its runbook section is. */
export function runbookLink(section: (typeof RUNBOOK_SECTIONS)[keyof typeof RUNBOOK_SECTIONS], runbook: string = RUNBOOK): string {
  return `Runbook: ${runbook}#${section}`;
}
