/**
 * A model of drop day on AWS: contenders arriving in a burst, API Gateway's throttles, Lambda
 * scaling out (provisioned, cold, throttled), the claim's DynamoDB calls against table and
 * partition limits, and the sold-out cache; pure, no AWS, no I/O (`npm run simulate:dropday`).
 *
 * How a million contenders run in well under a second: nobody is simulated one by one. Time
 * advances in steps of `stepMs` (1 ms), and every quantity is a fluid count of requests (a real
 * number) in a cohort: the attempts sent in one step with the same try number share one fate,
 * split by the shares each limit lets through. Per step:
 *  1. sends = first attempts of the arrival curve (or, for a closed loop, the free clients) plus
 *     the retries scheduled for this step, per try number;
 *  2. API Gateway lets through what its token bucket holds (the smaller of the account's rate and
 *     the stage's, each with its burst); the rest answer 429;
 *  3. Lambda serves them on idle environments, then on new ones (cold: they wait `coldStartMs`),
 *     as many as the scaling rule and the account's concurrency allow; the rest answer 429;
 *  4. a share `known` of the served requests reach an instance that knows the drop is sold out
 *     and answer without DynamoDB; the others make the claim's calls. Each DynamoDB resource (a
 *     table's warm throughput and quota, a hot partition: the campaign item, the shards, the
 *     voucher partitions) throttles the share of its demand above its capacity; the SDK sends a
 *     throttled call again up to twice (full jitter, up to 1 s then 2 s), and those tries come
 *     back as demand later. A request whose calls are throttled with probability q on a try takes
 *     one extra back-off with probability q(1 − q), two with q²(1 − q), and answers 429
 *     THROTTLED with probability q³;
 *  5. while stock lasts a claim tries random shards until one holds a unit, at most
 *     `maxShardTries` (the claim path's shardTries): the share of empty shards follows
 *     {@link emptiedShare}, so near the end most tries fail, and a claim may find none. After
 *     sell-out a claim that does not know yet scans that many empty shards (one failed
 *     conditional write each). An instance knows once its own scans have covered every shard
 *     (⌈shards ÷ tries⌉ scanning claims; spread evenly,
 *     so that share of instances knows), and the busiest instance, ahead of the mean by about
 *     √(2 · mean · ln instances), marks the drop sold out, which every instance reads within
 *     the campaign cache's TTL. With the sell-out mark ({@link SoldOutMark}) each emptied shard
 *     is recorded in its group's item (groups of 32, each a partition of its own), the claim
 *     completing the record marks every shard, and then a scan ends at the first marked shard,
 *     telling its instance;
 *  6. every cohort is answered after its latency: its environment is busy until then, the
 *     latency goes into a 1 ms histogram, and 429s schedule the client's next try uniformly over
 *     its back-off window (spread over steps with a difference array, so O(1) per cohort).
 * With `oneServer` (the local benchmark's replay) the latencies are the work of one server that
 * shares its time among the requests in flight (processor sharing): a cohort is answered when
 * its own work is done, at 1 ÷ (requests in flight) of the server's pace.
 * Averages stand in for distributions inside a cohort (each call takes its mean latency), so
 * p99 comes from queueing, throttling, back-offs and cold starts, not from per-call jitter.
 */

/** DynamoDB's per-partition limits. */
export const PARTITION_LIMITS = { writeUnitsPerSecond: 1_000, readUnitsPerSecond: 3_000 } as const;

/** Lambda's scaling rule: each function gains at most this many environments per interval. */
export const LAMBDA_SCALE_STEP = 1_000;
export const LAMBDA_SCALE_INTERVAL_MS = 10_000;

/** The SDK's back-off windows for a throttled call's second and third tries (shared/clients.ts). */
export const SDK_RETRY_WINDOWS_MS = [1_000, 2_000] as const;

/** Where contenders come from. */
export type Load =
  /** Open: `contenders` first attempts spread by `sharePerSecond[i]` over second i (the shares sum to 1). */
  | { kind: "burst"; sharePerSecond: readonly number[] }
  /** Closed: `clients` loops, each sending its next attempt when the last is answered (the local benchmark). */
  | { kind: "closed"; clients: number };

/** Mean latencies of the claim's parts, ms. */
export interface CallLatencies {
  /** Added by the edge (CloudFront, WAF, API Gateway) to every request; locally, HTTP and the gateway. */
  gatewayMs: number;
  /** The handler's own work per invocation (parsing, middleware). */
  handlerMs: number;
  /** An answer from the sold-out cache. */
  soldOutMs: number;
  /** The campaign query, once per instance per campaign TTL. */
  campaignReadMs: number;
  /** The person's counter read. */
  counterReadMs: number;
  /** One conditional shard write. */
  shardWriteMs: number;
  /** The cold writes of a success (counter and voucher), all calls. */
  coldWritesMs: number;
  /** Both writes of a keyed attempt's idempotency record. */
  idempotencyMs: number;
}

/** Capacity units of the claim's parts. */
export interface CallUnits {
  /** Write units of a success in all, its shard write included. */
  wcuPerSuccess: number;
  /** Read units of the counter read. */
  rcuPerAttempt: number;
  /** Read units of the campaign query (eventually consistent, under 4 KB: 0.5). */
  campaignRcu: number;
  /** Write units of a keyed attempt's idempotency record. */
  idempotencyWcu: number;
  /** Of `wcuPerSuccess`, the units written to the voucher's partition (`ISSUED#…#shard`). */
  voucherPartitionWcu: number;
}

export interface Quotas {
  apiGatewayRps: number;
  apiGatewayBurst: number;
  /** The claims route's throttle on the stage. */
  stageRps: number;
  stageBurst: number;
  lambdaConcurrency: number;
  /** On-demand maximum per table. */
  tableReadUnits: number;
  tableWriteUnits: number;
}

export interface Throughput {
  read: number;
  write: number;
}

export interface DropDayScenario {
  contenders: number;
  stock: number;
  shards: number;
  /** Provisioned environments of the claim function. */
  provisioned: number;
  load: Load;
  quotas: Quotas;
  /** What one partition serves: {@link PARTITION_LIMITS} on AWS, unlimited on DynamoDB Local. */
  partition: { readUnitsPerSecond: number; writeUnitsPerSecond: number };
  /** Warm throughput of each table the claim touches (what it serves at once). */
  warm: { inventory: Throughput; vouchers: Throughput; idempotency: Throughput; campaigns: Throughput };
  latencies: CallLatencies;
  units: CallUnits;
  /** A new environment's initialisation: runtime start and the bundle's import. */
  coldStartMs: number;
  /** Memory of the claim function, for its GB-seconds. */
  memoryMb: number;
  /**
   * One server answers every request (the local benchmark: one Node process runs the load, the
   * gateway and the handlers beside DynamoDB Local on two cores, and in a closed loop of 200
   * clients it is saturated). The latencies are then the server's work per request, not delays
   * that clients spend side by side. The server shares its time among the requests in flight, as
   * Node's event loop runs a step of each in turn: 200 claims sent together progress together and
   * are answered together, and the clients' next attempts go out together (the benchmark's
   * flood answers its successes in waves of 200). Undefined: no such server (AWS).
   */
  oneServer?: boolean;
  /** Instances that cache (sold-out, campaign); undefined: one per environment, as on Lambda. */
  instances?: number;
  /** Share 0–1 of attempts with an Idempotency-Key. */
  keyedShare: number;
  client: { baseMs: number; capMs: number; maxAttempts: number };
  campaignTtlMs: number;
  /** Partitions the campaign's reads spread over: its read copies under a plan, else 1 (the campaign item, 3,000 RCU/s). */
  campaignReadPartitions: number;
  /**
   * The provisioned environments open the drop with no campaign cached, so each reads it on its
   * first claim. Undefined or false: their caches are already spread over the cache time, as
   * after traffic before the drop opens.
   */
  campaignCachesCold?: boolean;
  /** Shards one attempt tries before answering SOLD_OUT: the claim path's shardTries for the drop's shards and rate. */
  maxShardTries: number;
  /** The sell-out mark on the shards ({@link SoldOutMark}); undefined: the claim path before it. */
  soldOutMark?: SoldOutMark;
  stepMs: number;
  /** The model stops here even if contenders are still trying. */
  maxSeconds: number;
}

/**
 * The claim path's sell-out mark (shared/use-cases/claim.ts, shared/store/inventory.ts): the claim
 * that takes a shard's last unit records the shard in its group's item of the emptied-shard
 * record (`emptiedGroupSize` shards a group, each group's item on its own partition, 1 WCU a
 * write), and the claim that completes a group records the group in the groups' item; the claim
 * that completes the record, or one whose own tries found every shard empty, announces the
 * sell-out: the drop item, and `soldOutAt` on every shard, `markConcurrency` writes in flight. A
 * take that then fails on a marked shard answers with the mark (ALL_OLD), so one failed write
 * tells an instance, which answers SOLD_OUT from its cache for `soldOutTtlMs` (renewed by its next
 * failed take). A record lost to throttling leaves the record incomplete: only the old discovery
 * (own tries over every shard) announces then.
 */
export interface SoldOutMark {
  markConcurrency: number;
  soldOutTtlMs: number;
  /** Shards per group of the emptied-shard record (EMPTIED_GROUP_SIZE). */
  emptiedGroupSize: number;
}

export interface DropDayResult {
  contenders: number;
  attempts: number;
  successes: number;
  soldOutAnswers: number;
  gaveUp: number;
  /** Seconds from the first attempt until all but half a unit of the stock was answered to buyers. */
  soldOutSeconds: number;
  /** Attempts answered 429 (API Gateway, Lambda throttles, DynamoDB throttles that outlived the SDK) ÷ attempts. */
  throttledShare: number;
  throttled: { apiGateway: number; lambda: number; dynamodb: number };
  p50Ms: number;
  p99Ms: number;
  peakConcurrency: number;
  coldStarts: number;
  /** Billed units: writes that landed or failed their condition, reads that were served. */
  wcu: number;
  rcu: number;
  /** Lambda GB-seconds of invocations, on provisioned and on on-demand environments. */
  gbSeconds: { provisioned: number; onDemand: number };
  /** Peak first-attempt arrivals per second (the arrival curve's busiest second). */
  peakArrivalsPerSecond: number;
  /** How the sell-out became known: when the last unit was taken, announced, every shard marked (s from the first attempt, NaN: never). */
  discovery: { lastUnitSeconds: number; announcedSeconds: number; shardsMarkedSeconds: number; emptiedRecordsLost: number; announcedBy: "emptied set" | "own tries" | "none" };
  simulatedSeconds: number;
  /** Every 100 ms: what was sent and served, environments busy, stock left, the share knowing it is sold out, throttle shares. */
  timeline: TimelinePoint[];
}

export interface TimelinePoint {
  atMs: number;
  sent: number;
  served: number;
  throttled: number;
  busy: number;
  environments: number;
  remaining: number;
  knownSoldOut: number;
  /** The largest share any DynamoDB resource throttled in the interval, and which. */
  worstThrottle: { resource: string; share: number };
  /** The largest share each DynamoDB resource throttled in the interval (those that throttled). */
  throttles: Record<string, number>;
}

/** A difference array: add an amount spread evenly over [from, from + width) in O(1), read step by step. */
class Spread {
  private readonly diff: Float64Array;
  private running = 0;
  constructor(readonly length: number) {
    this.diff = new Float64Array(length + 1);
  }
  add(from: number, width: number, amount: number): void {
    if (amount <= 0) return;
    const start = Math.min(from, this.length);
    const w = Math.max(1, Math.round(width));
    const end = Math.min(start + w, this.length);
    const each = amount / w;
    this.diff[start]! += each;
    this.diff[end]! -= each;
  }
  /** The amount falling on step t; call once per step, in order. */
  next(t: number): number {
    this.running += this.diff[t]!;
    return this.running > 1e-12 ? this.running : 0;
  }
}

/** A throttled DynamoDB resource: capacity per step, and the SDK's tries coming back. */
class Resource {
  private readonly second: Spread;
  private readonly third: Spread;
  /** The share throttled this step. */
  p = 0;
  served = 0;
  /** Units throttled on their third try, which the SDK gives up on (summed over steps). */
  lost = 0;
  constructor(
    readonly capacityPerSecond: number,
    private readonly steps: number,
    private readonly stepMs: number,
  ) {
    this.second = new Spread(steps);
    this.third = new Spread(steps);
  }
  /** Offers this step's fresh demand (units); returns the share throttled. */
  offer(t: number, fresh: number): number {
    const second = this.second.next(t);
    const third = this.third.next(t);
    const demand = fresh + second + third;
    const capacity = (this.capacityPerSecond * this.stepMs) / 1000;
    this.p = demand > capacity ? 1 - capacity / demand : 0;
    this.served = demand * (1 - this.p);
    this.lost += third * this.p;
    const windows = SDK_RETRY_WINDOWS_MS.map((ms) => ms / this.stepMs);
    this.second.add(t + 1, windows[0]!, fresh * this.p);
    this.third.add(t + 1, windows[1]!, second * this.p);
    return this.p;
  }
}

/** Token bucket of API Gateway: `rate` per second, holding at most `burst`. */
class TokenBucket {
  private tokens: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  take(t: number, stepMs: number, wanted: number): number {
    if (!Number.isFinite(this.rate)) return wanted;
    if (t > 0) this.tokens = Math.min(this.burst, this.tokens + (this.rate * stepMs) / 1000);
    const granted = Math.min(wanted, this.tokens);
    this.tokens -= granted;
    return granted;
  }
}

/** Environments the claim function may have at `ms`: provisioned plus the scaling rule, within the account's concurrency. */
export function environmentLimit(ms: number, provisioned: number, accountConcurrency: number): number {
  const onDemand = LAMBDA_SCALE_STEP * (1 + Math.floor(ms / LAMBDA_SCALE_INTERVAL_MS));
  return Math.min(accountConcurrency, provisioned + onDemand);
}

/** The client's back-off window before try `attempt + 1` (0-based `attempt` just failed): full jitter, capped. */
export function clientBackoffWindowMs(attempt: number, client: DropDayScenario["client"]): number {
  return Math.min(client.capMs, client.baseMs * 2 ** attempt);
}

/**
 * The share of a request that answers after 0, 1 or 2 SDK back-offs, or 429 after the third
 * throttled try, when each try is throttled with probability `q`.
 */
export function sdkOutcomes(q: number): [number, number, number, number] {
  return [1 - q, q * (1 - q), q * q * (1 - q), q * q * q];
}

const LATENCY_BINS = 120_000;

/** Requests in the one server's hands (`oneServer`): identical requests sent in the same step. */
interface ServerJob {
  count: number;
  /** Work left per request, ms. */
  remainingMs: number;
  sentMs: number;
  attempt: number;
  kind: "ok" | "sold-out" | "throttled";
}

/** Plays the drop and returns its figures. */
export function simulateDropDay(s: DropDayScenario): DropDayResult {
  validate(s);
  const dt = s.stepMs;
  const steps = Math.ceil((s.maxSeconds * 1000) / dt);
  // Room after the last step for answers and retries scheduled beyond it.
  const length = steps + Math.ceil(60_000 / dt);
  const tries = s.client.maxAttempts;
  const sends = Array.from({ length: tries }, () => new Spread(length));
  const freed = new Float64Array(length); // closed loop: clients free again at step t
  const released = new Float64Array(length); // environments that finish at step t
  const latency = new Float64Array(LATENCY_BINS + 1);
  let pendingSends = 0;

  let peakArrivalsPerSecond = 0;
  if (s.load.kind === "burst") {
    s.load.sharePerSecond.forEach((share, second) => {
      const amount = s.contenders * share;
      peakArrivalsPerSecond = Math.max(peakArrivalsPerSecond, amount);
      sends[0]!.add(Math.round((second * 1000) / dt), 1000 / dt, amount);
      pendingSends += amount;
    });
  }
  let freeClients = s.load.kind === "closed" ? s.load.clients : 0;
  let unsent = s.load.kind === "closed" ? s.contenders : 0;

  const account = new TokenBucket(s.quotas.apiGatewayRps, s.quotas.apiGatewayBurst);
  const stage = new TokenBucket(s.quotas.stageRps, s.quotas.stageBurst);
  const capacity = (warm: number, quota: number) => Math.min(warm, quota);
  const resource = (perSecond: number) => new Resource(perSecond, length, dt);
  const r = {
    campaignPartition: resource(s.partition.readUnitsPerSecond * s.campaignReadPartitions),
    campaignTable: resource(capacity(s.warm.campaigns.read, s.quotas.tableReadUnits)),
    counterReads: resource(capacity(s.warm.vouchers.read, s.quotas.tableReadUnits)),
    inventoryTable: resource(capacity(s.warm.inventory.write, s.quotas.tableWriteUnits)),
    shardPartition: resource(s.partition.writeUnitsPerSecond),
    vouchersTable: resource(capacity(s.warm.vouchers.write, s.quotas.tableWriteUnits)),
    voucherPartition: resource(s.partition.writeUnitsPerSecond),
    idempotencyTable: resource(capacity(s.warm.idempotency.write, s.quotas.tableWriteUnits)),
    // The emptied-shard record: one item per group of shards, each its own partition (written only
    // with a mark); the groups' item takes one write per group, folded in below.
    emptiedSet: resource(s.partition.writeUnitsPerSecond * Math.ceil(s.shards / (s.soldOutMark?.emptiedGroupSize ?? s.shards))),
  };

  const scanTries = Math.min(s.shards, s.maxShardTries);
  const coldWcu = s.units.wcuPerSuccess - 1;
  let remaining = s.stock;
  // Scanning claims an instance needs before it has seen every shard empty.
  const scansToKnow = Math.ceil(s.shards / scanTries);
  let scanningClaims = 0; // claims that scanned empty shards, summed over instances
  let markedAtMs = Number.NaN; // when some instance's own tries found every shard empty
  // The sell-out mark (s.soldOutMark): the emptied-shards records, the announcement, the shard marks.
  const mark = s.soldOutMark;
  let emptied = 0; // share of shards empty
  let recordsLanded = 0;
  let recordsLost = 0;
  let announcedAtMs = Number.NaN;
  let announcedBy: DropDayResult["discovery"]["announcedBy"] = "none";
  let shardsMarked = 0; // shards carrying soldOutAt
  let shardsMarkedAtMs = Number.NaN;
  let toldInstances = 0; // instances that a failed take on a marked shard told, within their cache time
  const forgotten = new Float64Array(length); // those whose sold-out cache runs out at step t
  let environments = s.provisioned;
  let busy = 0;
  let unreadEnvironments = s.campaignCachesCold === true ? s.provisioned : 0; // never read the campaign yet
  const result = {
    attempts: 0,
    successes: 0,
    soldOutAnswers: 0,
    gaveUp: 0,
    throttled: { apiGateway: 0, lambda: 0, dynamodb: 0 },
    peakConcurrency: 0,
    coldStarts: 0,
    wcu: 0,
    rcu: 0,
    gbSeconds: { provisioned: 0, onDemand: 0 },
  };
  let soldOutAtMs = Number.NaN;
  let serverJobs: ServerJob[] = []; // oneServer: the requests in flight, sharing the server
  const successAnswers = new Float64Array(length);
  let t = 0;
  const timeline: TimelinePoint[] = [];
  let point: TimelinePoint | undefined;

  /** Answers `count` requests of try `attempt` after `ms` of work: at once on AWS, through the one server (`oneServer`) locally. */
  const answer = (count: number, ms: number, attempt: number, kind: "ok" | "sold-out" | "throttled") => {
    if (count <= 0) return;
    if (s.oneServer === true) serverJobs.push({ count, remainingMs: ms, sentMs: t * dt, attempt, kind });
    else answerAt(count, ms, t + Math.max(1, Math.round(ms / dt)), attempt, kind);
  };
  /** The one server's work in step t: every request in flight gets an equal share of dt, and those done are answered. */
  const serve = () => {
    let left = dt;
    while (serverJobs.length > 0 && left > 1e-12) {
      const inFlight = serverJobs.reduce((sum, job) => sum + job.count, 0);
      const next = serverJobs.reduce((min, job) => Math.min(min, job.remainingMs), Number.POSITIVE_INFINITY);
      const step = Math.min(next, left / inFlight);
      left -= step * inFlight;
      const doneAtMs = t * dt + (dt - left);
      for (const job of serverJobs) job.remainingMs -= step;
      const done = serverJobs.filter((job) => job.remainingMs <= 1e-9);
      if (done.length === 0) break;
      serverJobs = serverJobs.filter((job) => job.remainingMs > 1e-9);
      for (const job of done) answerAt(job.count, doneAtMs - job.sentMs, t + 1, job.attempt, job.kind);
    }
  };
  /** Records `count` answers after `ms`, at step `at`; a 429 schedules the client's next try. */
  const answerAt = (count: number, ms: number, at: number, attempt: number, kind: "ok" | "sold-out" | "throttled") => {
    latency[Math.min(LATENCY_BINS, Math.round(ms))]! += count;
    if (s.load.kind === "closed") {
      freed[Math.min(length - 1, at)]! += count;
      if (kind === "ok") successAnswers[Math.min(length - 1, at)]! += count;
      return;
    }
    if (kind === "ok") successAnswers[Math.min(length - 1, at)]! += count;
    if (kind !== "throttled") return;
    if (attempt + 1 >= tries) {
      result.gaveUp += count;
      return;
    }
    sends[attempt + 1]!.add(at, clientBackoffWindowMs(attempt, s.client) / dt, count);
    pendingSends += count;
  };
  /**
   * The share of instances that know the drop is sold out: those whose own scans found every
   * shard empty (scans spread evenly); once the drop item is marked, those that re-read the
   * campaign since (each within campaignTtlMs); with the mark on the shards, those a failed take
   * told within their sold-out cache time.
   */
  const knownSoldOut = (nowMs: number): number => {
    if (Number.isNaN(soldOutAtMs)) return 0;
    const instances = s.instances ?? Math.max(1, environments);
    const own = Math.min(1, scanningClaims / instances / scansToKnow);
    // The drop item: marked by the first full scan, or with the mark by the announcing claim's first write.
    const dropMarkedAtMs = mark ? announcedAtMs + s.latencies.shardWriteMs : markedAtMs;
    const fromDropItem = Number.isNaN(dropMarkedAtMs) || nowMs < dropMarkedAtMs ? 0 : Math.min(1, (nowMs - dropMarkedAtMs) / s.campaignTtlMs);
    const told = Math.min(1, toldInstances / instances);
    return Math.max(own, 1 - (1 - fromDropItem) * (1 - told));
  };
  const occupy = (count: number, ms: number) => {
    if (count <= 0) return;
    busy += count;
    released[Math.min(length - 1, t + Math.max(1, Math.round(ms / dt)))]! += count;
  };

  for (; t < steps; t += 1) {
    const nowMs = t * dt;
    busy -= released[t]!;
    if (busy < 1e-9) busy = 0;
    toldInstances = Math.max(0, toldInstances - forgotten[t]!);
    if (s.load.kind === "closed") freeClients += freed[t]!;

    // 1. What is sent now, per try.
    const sent: number[] = sends.map((spread) => spread.next(t));
    if (s.load.kind === "closed") {
      const start = Math.min(freeClients, unsent);
      freeClients -= start;
      unsent -= start;
      sent[0]! += start;
    } else {
      pendingSends -= sent.reduce((a, b) => a + b, 0);
    }
    const total = sent.reduce((a, b) => a + b, 0);
    // The resources are offered every step (zero when idle): their SDK retries fall due step by step.
    result.attempts += total;

    // 2. API Gateway: the account's and the stage's buckets.
    const admitted = stage.take(t, dt, account.take(t, dt, total));
    const passed = total > 0 ? admitted / total : 1;

    // 3. Lambda environments: idle ones, then new (cold) ones, then throttles.
    const idle = Math.max(0, environments - busy);
    const warm = Math.min(admitted, idle);
    const cold = Math.min(admitted - warm, Math.max(0, environmentLimit(nowMs, s.provisioned, s.quotas.lambdaConcurrency) - environments));
    environments += cold;
    result.coldStarts += cold;
    const served = warm + cold;
    const lambdaThrottled = admitted - served;
    const coldShare = served > 0 ? cold / served : 0;

    // 4. The sold-out cache, then the claim's calls.
    const instances = s.instances ?? Math.max(1, environments);
    const known = knownSoldOut(nowMs);
    const cached = served * known;
    const claims = served - cached;
    // Instances that know the drop is sold out answer before reading the campaign. An
    // environment that never read it reads on its first claim (claims land on environments at random).
    const firstReads = unreadEnvironments > 0 ? unreadEnvironments * (1 - Math.exp(-claims / Math.max(1, environments))) : 0;
    unreadEnvironments -= firstReads;
    const refreshes = Math.min(claims, cold + firstReads + (Math.max(0, instances - unreadEnvironments) * (1 - known) * dt) / s.campaignTtlMs);
    const refreshShare = claims > 0 ? refreshes / claims : 0;
    // While stock lasts every claim tries random shards until one holds a unit, at most
    // scanTries: near the end most are empty, and a claim may find none (SOLD_OUT, though units
    // remain). The units found are capped by the stock.
    const searching = remaining > 0 ? claims : 0;
    const found = searching * (1 - emptied ** scanTries);
    const takers = Math.min(found, remaining);
    const searchWrites = emptied < 1 ? found / (1 - emptied) : searching * scanTries;
    const takerTries = found > 1e-12 ? Math.max(1, (searchWrites - (searching - found) * scanTries) / found) : 1;
    // Claims that take no unit: after sell-out every claim not yet knowing; before it those turned
    // away, and those that found a unit another took first.
    const scanning = claims - takers;
    // A scan ends at a shard carrying the mark (share `marked`), which tells the instance; else after scanTries.
    const marked = shardsMarked / s.shards;
    const scanTriesNow = scanning > 0 && !Number.isNaN(soldOutAtMs) && marked > 0 ? (1 - (1 - marked) ** scanTries) / marked : scanTries;
    const toldShare = !Number.isNaN(soldOutAtMs) && marked > 0 ? 1 - (1 - marked) ** scanTries : 0;
    // The announcing claim writes the marks, markConcurrency at a time.
    const markWrites = mark && !Number.isNaN(announcedAtMs) && shardsMarked < s.shards ? Math.min(s.shards - shardsMarked, (mark.markConcurrency * dt) / s.latencies.shardWriteMs) : 0;

    const pCampaign = 1 - (1 - r.campaignPartition.offer(t, refreshes * s.units.campaignRcu)) * (1 - r.campaignTable.offer(t, refreshes * s.units.campaignRcu));
    const pCounter = r.counterReads.offer(t, claims * s.units.rcuPerAttempt);
    const shardWrites = takers * takerTries + scanning * scanTriesNow + markWrites;
    const pShard = 1 - (1 - r.inventoryTable.offer(t, shardWrites)) * (1 - r.shardPartition.offer(t, shardWrites / s.shards));
    const pVoucher = 1 - (1 - r.vouchersTable.offer(t, takers * coldWcu)) * (1 - r.voucherPartition.offer(t, (takers * s.units.voucherPartitionWcu) / s.shards));
    const pIdempotency = r.idempotencyTable.offer(t, claims * s.keyedShare * s.units.idempotencyWcu);

    // A try of a claim is throttled if any of its calls is.
    const pass = (p: number) => 1 - p;
    const keyed = s.keyedShare;
    const qCommon = 1 - (1 - refreshShare * pCampaign) * pass(pCounter) * (1 - keyed * pIdempotency);
    const qTake = 1 - (1 - qCommon) * pass(pShard) ** takerTries * pass(pVoucher);
    const qScan = 1 - (1 - qCommon) * pass(pShard) ** scanTriesNow;
    const [t0, t1, t2, t3] = sdkOutcomes(qTake);
    const [s0, s1, s2, s3] = sdkOutcomes(qScan);
    const backoff = [0, SDK_RETRY_WINDOWS_MS[0] / 2, SDK_RETRY_WINDOWS_MS[0] / 2 + SDK_RETRY_WINDOWS_MS[1] / 2];

    // Units taken: by the claims that are not throttled to the end, up to the stock; those that
    // find the last unit gone within this step answer SOLD_OUT like the scanning ones.
    const took = Math.min(takers * (1 - t3), Math.max(0, remaining));
    const tooLate = takers * (1 - t3) - took;
    const afterSellOut = !Number.isNaN(soldOutAtMs);
    remaining -= took;
    // A fluid never takes its last unit (the last shards are ever harder to find): under half a unit left is sold out.
    if (remaining < 0.5) remaining = 0;
    if (remaining <= 0 && Number.isNaN(soldOutAtMs)) soldOutAtMs = nowMs;
    if (afterSellOut) {
      const answered = scanning * (1 - s3);
      scanningClaims += answered * (1 - toldShare) + tooLate;
      // Each claim a marked shard answered tells its instance, for the sold-out cache's time.
      const told = Math.min(answered * toldShare, Math.max(0, instances - toldInstances));
      toldInstances += told;
      if (mark) forgotten[Math.min(length - 1, t + Math.round(mark.soldOutTtlMs / dt))]! += told;
    }
    if (Number.isNaN(markedAtMs) && scanningClaims > 0 && busiestInstanceScans(scanningClaims / instances, instances) >= scansToKnow) markedAtMs = nowMs;

    // The mark: shards just emptied are recorded in their groups' items, 1 WCU each (a group holds
    // at most 32 shard numbers), plus a write on the groups' item per group completed, spread over
    // the group items' partitions as a share; the SDK gives up on a record throttled three times.
    const emptiedBefore = emptied;
    emptied = emptiedShare(s.stock - Math.max(0, remaining), s.stock, s.shards);
    const justEmptied = mark ? (emptied - emptiedBefore) * s.shards : 0;
    const recordWcu = mark ? 1 + 1 / mark.emptiedGroupSize : 1;
    const lostBefore = r.emptiedSet.lost;
    r.emptiedSet.offer(t, justEmptied * recordWcu);
    recordsLanded += r.emptiedSet.served / recordWcu;
    recordsLost += (r.emptiedSet.lost - lostBefore) / recordWcu;
    if (mark && Number.isNaN(announcedAtMs)) {
      // The last record lands only once the last shard is empty (the fluid's records run ahead of its stock).
      if (!Number.isNaN(soldOutAtMs) && recordsLanded >= s.shards - 0.5) [announcedAtMs, announcedBy] = [nowMs, "emptied set"];
      else if (!Number.isNaN(markedAtMs)) [announcedAtMs, announcedBy] = [nowMs, "own tries"];
    }
    if (markWrites > 0) {
      // Throttled marks are sent again by the SDK; as a fluid, they land later in the same proportion.
      shardsMarked = Math.min(s.shards, shardsMarked + markWrites * (1 - pShard));
      if (shardsMarked >= s.shards - 1e-9) shardsMarkedAtMs = nowMs;
    }

    // Billed units: what the resources served (throttled calls are not billed).
    result.wcu +=
      r.inventoryTable.served * (1 - r.shardPartition.p) +
      r.vouchersTable.served * (1 - r.voucherPartition.p) +
      r.idempotencyTable.served +
      r.emptiedSet.served;
    result.rcu += r.campaignTable.served * (1 - r.campaignPartition.p) + r.counterReads.served;

    const l = s.latencies;
    const common = l.handlerMs + refreshShare * l.campaignReadMs + l.counterReadMs + keyed * l.idempotencyMs;
    const takeMs = common + takerTries * l.shardWriteMs + l.coldWritesMs;
    const scanMs = common + scanTriesNow * l.shardWriteMs;
    const answerFor = (share: number, durationMs: number, kind: "ok" | "sold-out" | "throttled") => {
      // Each try's share of the cohort, answered after the edge, the cold start if any, and the run.
      for (let attempt = 0; attempt < tries; attempt += 1) {
        const count = sent[attempt]! * passed * (served / Math.max(admitted, 1e-12)) * share;
        if (count <= 0) continue;
        answer(count * (1 - coldShare), l.gatewayMs + durationMs, attempt, kind);
        answer(count * coldShare, l.gatewayMs + s.coldStartMs + durationMs, attempt, kind);
      }
      const count = served * share;
      occupy(count * (1 - coldShare), durationMs);
      occupy(count * coldShare, s.coldStartMs + durationMs);
      const gbs = (count * (durationMs + coldShare * s.coldStartMs) * s.memoryMb) / 1000 / 1024;
      const onProvisioned = Math.min(1, s.provisioned / Math.max(busy, 1));
      result.gbSeconds.provisioned += gbs * onProvisioned;
      result.gbSeconds.onDemand += gbs * (1 - onProvisioned);
    };
    if (served > 0) {
      const tookShare = took / served;
      const scanShare = scanning / served;
      // Claims that took a unit: answered 201 after 0–2 back-offs; the rest of the taking claims, throttled to the end, 429.
      const okTotal = t0 + t1 + t2;
      for (const [weight, extra] of [[t0, backoff[0]!], [t1, backoff[1]!], [t2, backoff[2]!]] as const) {
        answerFor(okTotal > 0 ? (tookShare * weight) / okTotal : 0, takeMs + extra, "ok");
      }
      answerFor((takers * t3) / served, takeMs + backoff[2]!, "throttled");
      answerFor(tooLate / served, takeMs, "sold-out");
      result.successes += took;
      for (const [weight, extra] of [[s0, backoff[0]!], [s1, backoff[1]!], [s2, backoff[2]!]] as const) {
        answerFor(scanShare * weight, scanMs + extra, "sold-out");
      }
      answerFor(scanShare * s3, scanMs + backoff[2]!, "throttled");
      answerFor(cached / served, l.soldOutMs, "sold-out");
      result.soldOutAnswers += scanning * (1 - s3) + tooLate + cached;
      result.throttled.dynamodb += takers * t3 + scanning * s3;
    }
    // 429s from the edge and from Lambda.
    for (let attempt = 0; attempt < tries; attempt += 1) {
      const count = sent[attempt]!;
      if (count <= 0) continue;
      answer(count * (1 - passed), l.gatewayMs, attempt, "throttled");
      answer(count * passed * (lambdaThrottled / Math.max(admitted, 1e-12)), l.gatewayMs, attempt, "throttled");
    }
    result.throttled.apiGateway += total - admitted;
    result.throttled.lambda += lambdaThrottled;
    result.peakConcurrency = Math.max(result.peakConcurrency, busy);
    if (s.oneServer === true) serve();

    const atMs = Math.floor(nowMs / 100) * 100;
    if (point?.atMs !== atMs) {
      point = { atMs, sent: 0, served: 0, throttled: 0, busy: 0, environments: 0, remaining: 0, knownSoldOut: 0, worstThrottle: { resource: "none", share: 0 }, throttles: {} };
      timeline.push(point);
    }
    point.sent += total;
    point.served += served;
    point.throttled += total - served + takers * t3 + scanning * s3;
    point.busy = Math.max(point.busy, busy);
    point.environments = environments;
    point.remaining = Math.max(0, remaining);
    point.knownSoldOut = known;
    for (const [name, res] of Object.entries(r)) {
      if (res.p > point.worstThrottle.share) point.worstThrottle = { resource: name, share: res.p };
      if (res.p > (point.throttles[name] ?? 0)) point.throttles[name] = res.p;
    }

    const done = (s.load.kind === "closed" ? unsent <= 1e-9 && busy <= 1e-9 : pendingSends <= 1e-6 && busy <= 1e-9) && serverJobs.length === 0;
    if (done && nowMs > 1000) break;
  }
  // Successes answered after the last step still count toward the sell-out time.
  let soldOutSeconds = Number.NaN;
  let cumulative = 0;
  for (let i = 0; i < length; i += 1) {
    cumulative += successAnswers[i]!;
    if (cumulative >= s.stock - 0.5) {
      soldOutSeconds = ((i + 1) * dt) / 1000;
      break;
    }
  }

  const attempts = result.attempts;
  const throttled = result.throttled.apiGateway + result.throttled.lambda + result.throttled.dynamodb;
  return {
    contenders: s.contenders,
    attempts,
    successes: result.successes,
    soldOutAnswers: result.soldOutAnswers,
    gaveUp: result.gaveUp,
    soldOutSeconds,
    throttledShare: attempts > 0 ? throttled / attempts : 0,
    throttled: result.throttled,
    p50Ms: latencyPercentile(latency, 50),
    p99Ms: latencyPercentile(latency, 99),
    peakConcurrency: result.peakConcurrency,
    coldStarts: result.coldStarts,
    wcu: result.wcu,
    rcu: result.rcu,
    gbSeconds: result.gbSeconds,
    peakArrivalsPerSecond,
    simulatedSeconds: (t * dt) / 1000,
    discovery: {
      lastUnitSeconds: soldOutAtMs / 1000,
      announcedSeconds: (mark ? announcedAtMs : markedAtMs) / 1000,
      shardsMarkedSeconds: shardsMarkedAtMs / 1000,
      emptiedRecordsLost: recordsLost,
      announcedBy: mark ? announcedBy : Number.isNaN(markedAtMs) ? "none" : "own tries",
    },
    timeline,
  };
}

/**
 * Scans of the busiest of `instances` instances when each has had `mean` on average: requests
 * land on instances at random (Poisson), and the largest of N Poisson counts is about
 * mean + √(2 · mean · ln N).
 */
export function busiestInstanceScans(mean: number, instances: number): number {
  return mean + Math.sqrt(2 * mean * Math.log(Math.max(1, instances)));
}

/**
 * The share of `shards` shards that are empty once `taken` of `stock` units are gone, when claims
 * land on shards at random and one that finds its shard empty tries another: every shard still
 * holding units then sees the same arrivals, so its takes are Poisson(Λ) capped at its units u,
 * and Λ is the one at which n · E[min(X, u)] = taken. X is taken as normal (mean and variance Λ),
 * which is close for the tens of units a shard holds and more. One shard empties at sell-out.
 */
export function emptiedShare(taken: number, stock: number, shards: number): number {
  if (taken >= stock - 1e-9) return 1;
  if (shards <= 1 || taken <= 0) return 0;
  const units = stock / shards;
  const mean = taken / shards;
  const takenAt = (lambda: number) => {
    const sd = Math.sqrt(lambda);
    const z = (units - lambda) / sd;
    // E[min(X, u)] = Λ − E[(X − u)⁺], and E[(X − u)⁺] = σ·φ(z) + (Λ − u)·(1 − Φ(z)).
    return lambda - (sd * Math.exp((-z * z) / 2)) / Math.sqrt(2 * Math.PI) - (lambda - units) * (1 - normalCdf(z));
  };
  let low = mean;
  let high = mean + 1;
  while (takenAt(high) < mean && high < 1e12) high *= 2;
  for (let i = 0; i < 60; i += 1) {
    const mid = (low + high) / 2;
    if (takenAt(mid) < mean) low = mid;
    else high = mid;
  }
  const lambda = (low + high) / 2;
  // A shard is empty once its takes reach its units (continuity: half a unit below).
  return 1 - normalCdf((units - 0.5 - lambda) / Math.sqrt(lambda));
}

/** Φ, the standard normal distribution function (Abramowitz and Stegun 7.1.26, error under 1.5e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-z * z);
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** The `p`th percentile of a 1 ms histogram, in ms. */
function latencyPercentile(histogram: Float64Array, p: number): number {
  let total = 0;
  for (const count of histogram) total += count;
  if (total <= 0) return Number.NaN;
  const wanted = (p / 100) * total;
  let cumulative = 0;
  for (let ms = 0; ms < histogram.length; ms += 1) {
    cumulative += histogram[ms]!;
    if (cumulative >= wanted) return ms;
  }
  return histogram.length - 1;
}

function validate(s: DropDayScenario): void {
  const whole = (name: string, value: number, min: number) => {
    if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be a whole number ≥ ${min}, got ${value}`);
  };
  whole("contenders", s.contenders, 1);
  whole("stock", s.stock, 1);
  whole("shards", s.shards, 1);
  whole("provisioned", s.provisioned, 0);
  whole("client.maxAttempts", s.client.maxAttempts, 1);
  whole("maxShardTries", s.maxShardTries, 1);
  whole("campaignReadPartitions", s.campaignReadPartitions, 1);
  if (s.soldOutMark) {
    whole("soldOutMark.markConcurrency", s.soldOutMark.markConcurrency, 1);
    whole("soldOutMark.emptiedGroupSize", s.soldOutMark.emptiedGroupSize, 1);
    if (!(s.soldOutMark.soldOutTtlMs > 0)) throw new RangeError("soldOutMark's cache time must be > 0");
  }
  if (s.shards > s.stock) throw new RangeError(`shards (${s.shards}) must not exceed stock (${s.stock})`);
  if (s.load.kind === "burst") {
    const sum = s.load.sharePerSecond.reduce((a, b) => a + b, 0);
    if (s.load.sharePerSecond.some((share) => !(share >= 0)) || Math.abs(sum - 1) > 1e-6) {
      throw new RangeError(`the arrival shares must be ≥ 0 and sum to 1, got ${s.load.sharePerSecond.join(", ")}`);
    }
  } else {
    whole("clients", s.load.clients, 1);
  }
  if (!(s.stepMs > 0) || !(s.maxSeconds > 0)) throw new RangeError("stepMs and maxSeconds must be > 0");
}
