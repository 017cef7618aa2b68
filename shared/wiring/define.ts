/**
 * Checks a wiring declaration once, where it is written, and derives the names both back ends
 * share: environment variables that carry physical names, dead-letter queue names, defaults.
 */
import type { FunctionDeclaration, QueueTriggerDeclaration, TableDeclaration, Wiring } from "./types.js";

export const DEFAULT_MEMORY_MB = 512;
export const DEFAULT_TIMEOUT_SECONDS = 10;
/** Retries of a failed schedule firing, on AWS (Scheduler retry policy) and locally alike. */
export const SCHEDULE_RETRY_ATTEMPTS = 3;

const ROUTE_PATH = /^\/$|^(\/([A-Za-z0-9_.-]+|\{[A-Za-z][A-Za-z0-9_]*\}))+$/;
const LOGICAL_NAME = /^[a-z][a-zA-Z0-9]*$/;
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((\S+ ){5}\S+\)$/;

/** Environment variable that hands a function the physical name of a table. */
export function tableEnvVar(table: string): string {
  return `VOUCHERS_TABLE_${screamingSnake(table)}`;
}

/** Environment variable that hands a function the physical name of a bucket. */
export function bucketEnvVar(bucket: string): string {
  return `VOUCHERS_BUCKET_${screamingSnake(bucket)}`;
}

/** Environment variable that hands a function the URL of a queue. */
export function queueUrlEnvVar(queue: string): string {
  return `VOUCHERS_QUEUE_${screamingSnake(queue)}_URL`;
}

/** Environment variable that hands a function the URL of a queue's dead-letter queue. */
export function deadLetterQueueUrlEnvVar(queue: string): string {
  return `VOUCHERS_DEAD_LETTER_QUEUE_${screamingSnake(queue)}_URL`;
}

/** Logical name of a queue's dead-letter queue. */
export function deadLetterQueueName(queue: string): string {
  return `${queue}-dlq`;
}

/**
 * Physical name of a queue on AWS: `<app>-<logical>`, e.g. `vouchers-settlements` and, for its
 * dead-letter queue, `awsQueueName(app, deadLetterQueueName(q))` = `vouchers-settlements-dlq`.
 * Fixed rather than generated, so operator tools find a queue with GetQueueUrl.
 */
export function awsQueueName(app: string, logical: string): string {
  return `${app}-${logical}`;
}

/** Logical name of the queue a trigger consumes: the declared queue or its dead-letter queue. */
export function consumedQueueName(trigger: Pick<QueueTriggerDeclaration<string, string>, "queue" | "deadLetter">): string {
  return trigger.deadLetter === true ? deadLetterQueueName(trigger.queue) : trigger.queue;
}

/** Method and path as API Gateway writes a route key: `GET /campaigns/{id}`. */
export function routeKey(route: { method: string; path: string }): string {
  return `${route.method} ${route.path}`;
}

export function functionTimeoutSeconds(fn: FunctionDeclaration<string, string>): number {
  return fn.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
}

export function functionMemoryMb(fn: FunctionDeclaration<string, string>): number {
  return fn.memoryMb ?? DEFAULT_MEMORY_MB;
}

/**
 * The environment a function receives: the physical name of every table and the URL of every
 * queue (and dead-letter queue) it may touch, and nothing else, so an undeclared access fails
 * loudly at the first call. `deadLetterQueueUrls` is by the logical name of the queue.
 */
export function functionEnvironment(
  wiring: Wiring,
  functionName: string,
  physical: {
    tables: Readonly<Record<string, string>>;
    queueUrls: Readonly<Record<string, string>>;
    deadLetterQueueUrls?: Readonly<Record<string, string>>;
    buckets?: Readonly<Record<string, string>>;
  },
): Record<string, string> {
  const fn = wiring.functions[functionName];
  if (!fn) throw new Error(`unknown function ${functionName}`);
  const env: Record<string, string> = {};
  for (const table of Object.keys(fn.tables ?? {})) env[tableEnvVar(table)] = required(physical.tables, table);
  for (const queue of Object.keys(fn.queues ?? {})) env[queueUrlEnvVar(queue)] = required(physical.queueUrls, queue);
  for (const queue of Object.keys(fn.deadLetterQueues ?? {})) {
    const url = physical.deadLetterQueueUrls?.[queue];
    if (url === undefined) throw new Error(`no physical name for ${deadLetterQueueName(queue)}`);
    env[deadLetterQueueUrlEnvVar(queue)] = url;
  }
  for (const bucket of Object.keys(fn.buckets ?? {})) env[bucketEnvVar(bucket)] = required(physical.buckets ?? {}, bucket);
  return env;
}

/**
 * Validates the cross-references of a declaration and returns it unchanged. Every problem is
 * reported at once, so a bad edit is fixed in one pass. The functions keep their declared type,
 * so what each may touch is known to the compiler (shared/dependencies.ts builds on it).
 */
export function defineWiring<
  T extends string,
  Q extends string,
  F extends string,
  const Tables extends Readonly<Record<T, TableDeclaration>> = Readonly<Record<T, TableDeclaration>>,
  D extends Wiring<T, Q, F>["functions"] = Wiring<T, Q, F>["functions"],
>(
  wiring: Wiring<T, Q, F> & { readonly tables: Tables; readonly functions: D },
): Omit<Wiring<T, Q, F>, "functions"> & { readonly tables: Tables; readonly functions: D } {
  const problems = wiringProblems(wiring);
  if (problems.length > 0) throw new Error(`invalid wiring:\n- ${problems.join("\n- ")}`);
  return wiring;
}

/** Every inconsistency of a declaration, as readable sentences. Empty when it is sound. */
export function wiringProblems(wiring: Wiring): string[] {
  const problems: string[] = [];
  const has = (record: object, key: string) => Object.prototype.hasOwnProperty.call(record, key);

  if (!/^[a-z][a-z0-9-]{1,30}$/.test(wiring.app)) problems.push(`app name "${wiring.app}" must be lower-case kebab`);
  for (const kind of ["tables", "queues", "functions", "buckets"] as const) {
    for (const name of Object.keys(wiring[kind] ?? {})) {
      if (!LOGICAL_NAME.test(name)) problems.push(`${kind} name "${name}" must be camelCase`);
    }
  }

  for (const [name, table] of Object.entries(wiring.tables)) {
    // `encryption: "customer-managed"` gives the table a KMS key of its own on AWS (the stateful
    // stack) and is granted with the table's data (the stateless stack); locally it changes nothing.
    if (table.encryption !== undefined && table.encryption !== "customer-managed") {
      problems.push(`table ${name}: encryption must be "customer-managed" or absent`);
    }
    for (const [index, gsi] of Object.entries(table.globalIndexes ?? {})) {
      if (!LOGICAL_NAME.test(index)) problems.push(`index "${index}" of table ${name} must be camelCase`);
      if (gsi.partitionKey.name === table.partitionKey.name && gsi.sortKey?.name === table.sortKey?.name) {
        problems.push(`index "${index}" of table ${name} repeats the table's own key`);
      }
    }
  }

  for (const [name, queue] of Object.entries(wiring.queues)) {
    if (queue.maxReceiveCount < 1 || queue.maxReceiveCount > 1000) problems.push(`queue ${name}: maxReceiveCount must be 1–1000`);
    if (queue.visibilityTimeoutSeconds < 1 || queue.visibilityTimeoutSeconds > 43_200) {
      problems.push(`queue ${name}: visibilityTimeoutSeconds must be 1–43200`);
    }
    // SQS names hold at most 80 letters, digits, - and _; the dead-letter queue's is the longest.
    const longest = awsQueueName(wiring.app, deadLetterQueueName(name));
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(longest)) problems.push(`queue ${name}: AWS name ${longest} must be at most 80 characters`);
  }

  for (const [name, fn] of Object.entries(wiring.functions)) {
    if (!/^functions\/[A-Za-z0-9/_-]+\.ts$/.test(fn.entry) && !/^test\/[A-Za-z0-9/_.-]+\.ts$/.test(fn.entry)) {
      problems.push(`function ${name}: entry "${fn.entry}" must be a .ts file under functions/`);
    }
    const timeout = functionTimeoutSeconds(fn);
    if (timeout < 1 || timeout > 900) problems.push(`function ${name}: timeoutSeconds must be 1–900`);
    for (const table of Object.keys(fn.tables ?? {})) {
      if (!has(wiring.tables, table)) problems.push(`function ${name} may touch unknown table ${table}`);
    }
    for (const queue of Object.keys(fn.queues ?? {})) {
      if (!has(wiring.queues, queue)) problems.push(`function ${name} may touch unknown queue ${queue}`);
    }
    for (const queue of Object.keys(fn.deadLetterQueues ?? {})) {
      if (!has(wiring.queues, queue)) problems.push(`function ${name} may read the dead-letter queue of unknown queue ${queue}`);
    }
    for (const bucket of Object.keys(fn.buckets ?? {})) {
      if (!has(wiring.buckets ?? {}, bucket)) problems.push(`function ${name} may touch unknown bucket ${bucket}`);
    }
  }

  const seenRoutes = new Set<string>();
  for (const route of wiring.routes) {
    const key = routeKey(route);
    if (seenRoutes.has(key)) problems.push(`route ${key} is declared twice`);
    seenRoutes.add(key);
    if (!ROUTE_PATH.test(route.path)) problems.push(`route ${key}: path must look like /campaigns/{id}`);
    if (!has(wiring.functions, route.function)) problems.push(`route ${key} names unknown function ${route.function}`);
  }

  // One consumer per queue, and one per dead-letter queue: (queue, deadLetter) pairs are unique.
  const consumedQueues = new Set<string>();
  for (const trigger of wiring.queueTriggers) {
    const queue = wiring.queues[trigger.queue];
    const fn = wiring.functions[trigger.function];
    const consumed = consumedQueueName(trigger);
    const label = trigger.deadLetter === true ? `dead-letter queue ${consumed}` : `queue ${consumed}`;
    if (!queue) problems.push(`queue trigger names unknown queue ${trigger.queue}`);
    if (!fn) problems.push(`queue trigger names unknown function ${trigger.function}`);
    if (consumedQueues.has(consumed)) problems.push(`${label} has two consumers`);
    consumedQueues.add(consumed);
    if (trigger.batchSize < 1 || trigger.batchSize > 10) problems.push(`queue trigger on ${consumed}: batchSize must be 1–10`);
    // A dead-letter queue is given its queue's visibility timeout (both back ends), so the
    // declared value is the one to check for either consumer.
    if (queue && fn && functionTimeoutSeconds(fn) >= queue.visibilityTimeoutSeconds) {
      problems.push(
        trigger.deadLetter === true
          ? `${label}: visibility timeout (that of queue ${trigger.queue}) must exceed the timeout of ${trigger.function}`
          : `${label}: visibility timeout must exceed the timeout of ${trigger.function}`,
      );
    }
  }

  for (const trigger of wiring.streamTriggers) {
    const table = wiring.tables[trigger.table];
    if (!table) problems.push(`stream trigger names unknown table ${trigger.table}`);
    else if (!table.stream) problems.push(`stream trigger on ${trigger.table}, which declares no stream`);
    if (!has(wiring.functions, trigger.function)) problems.push(`stream trigger names unknown function ${trigger.function}`);
    if (trigger.onFailure !== undefined && !has(wiring.queues, trigger.onFailure)) {
      problems.push(`stream trigger on ${trigger.table} hands failures to unknown queue ${trigger.onFailure}`);
    }
    if (trigger.batchSize < 1 || trigger.batchSize > 1000) problems.push(`stream trigger on ${trigger.table}: batchSize must be 1–1000`);
    if (trigger.retryAttempts < 0 || trigger.retryAttempts > 10_000) problems.push(`stream trigger on ${trigger.table}: retryAttempts must be 0–10000`);
  }

  const seenSchedules = new Set<string>();
  for (const schedule of wiring.schedules) {
    if (seenSchedules.has(schedule.name)) problems.push(`schedule ${schedule.name} is declared twice`);
    seenSchedules.add(schedule.name);
    if (!/^[a-z][a-z0-9-]*$/.test(schedule.name)) problems.push(`schedule name "${schedule.name}" must be lower-case kebab`);
    if (!RATE.test(schedule.expression) && !CRON.test(schedule.expression)) {
      problems.push(`schedule ${schedule.name}: "${schedule.expression}" is neither rate(...) nor cron(...)`);
    }
    if (!isTimeZone(schedule.timezone)) problems.push(`schedule ${schedule.name}: unknown time zone ${schedule.timezone}`);
    if (!has(wiring.functions, schedule.function)) problems.push(`schedule ${schedule.name} names unknown function ${schedule.function}`);
  }
  return problems;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

// Handlers name their tables on every invocation; the names are few, so each is converted once.
const screamingSnakes = new Map<string, string>();
function screamingSnake(name: string): string {
  let snake = screamingSnakes.get(name);
  if (snake === undefined) {
    snake = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/-/g, "_").toUpperCase();
    screamingSnakes.set(name, snake);
  }
  return snake;
}

function required(record: Readonly<Record<string, string>>, key: string): string {
  const value = record[key];
  if (value === undefined) throw new Error(`no physical name for ${key}`);
  return value;
}
