/**
 * The shape of the one wiring declaration (docs/architecture.md). Both back ends read a value of this
 * type: `infra/stacks` builds the AWS deployment from it and `infra/local` builds the same system
 * on embedded emulators. Nothing here imports AWS code, so handlers may read it too.
 */
import type { ErrorCode } from "../errors.js";
import * as z from "../zod.js";

/** Who may call an HTTP route, and who checks it (docs/architecture.md, "Gateway"). */
export const AUTH_KINDS = ["public", "resident", "operator", "merchant", "partner-signed"] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface KeyAttribute {
  readonly name: string;
  readonly type: "S" | "N";
}

export interface GlobalIndexDeclaration {
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

export interface TableDeclaration {
  readonly description: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Indexes project every attribute; they are eventually consistent, so money never reads them. */
  readonly globalIndexes?: Readonly<Record<string, GlobalIndexDeclaration>>;
  /** Stream view; a table with a stream trigger must declare one. */
  readonly stream?: "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES" | "KEYS_ONLY";
  /** Attribute holding an epoch-seconds expiry that DynamoDB's TTL deletes. */
  readonly ttlAttribute?: string;
  /**
   * Encryption at rest beyond the default AWS managed key. `customer-managed`: the table gets its
   * own KMS key (rotated yearly, retained with the table), so reading its data also needs that
   * key, which each function's table grant includes. For tables holding secrets. Locally ignored.
   */
  readonly encryption?: "customer-managed";
}

export interface QueueDeclaration {
  readonly description: string;
  /** Must exceed the consumer's timeout, or a slow batch is delivered twice while it runs. */
  readonly visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the queue's dead-letter queue `<name>-dlq`. */
  readonly maxReceiveCount: number;
}

/**
 * An object store bucket: S3 on AWS (private, encrypted, TLS only, versioned), the S3 that fauxqs
 * serves locally. Objects enter only through presigned PUT URLs the platform hands out.
 */
export interface BucketDeclaration {
  readonly description: string;
  /** Days after which objects are deleted; absent: kept. */
  readonly expireAfterDays?: number;
}

/** What a function may do to a bucket's objects: `read` (HEAD, GET, presigned GETs), `write` (presigned PUTs), or both. */
export type BucketAccess = "read" | "write" | "readWrite";

/** What a function may do to a table. `describe` is reachability only (the health check). */
export type TableAccess = "describe" | "read" | "write" | "readWrite";
/** What a function may do to a queue besides consuming its trigger. */
export type QueueAccess = "describe" | "send" | "consume";
/** What a function may do to a queue's dead-letter queue: read its attributes (the health check's depths). */
export type DeadLetterQueueAccess = "describe";

export interface FunctionDeclaration<T extends string, Q extends string> {
  readonly description: string;
  /** Source file from the repository root, exporting `handler`. */
  readonly entry: string;
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
  /** Everything the function may touch; each grant also hands it the resource's name. */
  readonly tables?: Readonly<Partial<Record<T, TableAccess>>>;
  readonly queues?: Readonly<Partial<Record<Q, QueueAccess>>>;
  /** Dead-letter queues `<queue>-dlq`, by the logical name of their queue; each grant hands over the URL. */
  readonly deadLetterQueues?: Readonly<Partial<Record<Q, DeadLetterQueueAccess>>>;
  /**
   * Reads residents' phone numbers and id hashes from their tokens (linked identities): handed the
   * platform key of identity hashes as VOUCHERS_IDENTITY_HASH_KEY (on AWS from Secrets Manager).
   */
  readonly identityHashKey?: boolean;
  /** Buckets whose objects the function may touch; each grant hands it the bucket's name. */
  readonly buckets?: Readonly<Record<string, BucketAccess>>;
  /**
   * Reads or writes buyers' encrypted fields (trade-in records): granted the buyer-data key
   * (on AWS the customer-managed KMS key, handed over as VOUCHERS_BUYER_DATA_KEY_ARN).
   */
  readonly buyerDataKey?: boolean;
}

export interface RouteDeclaration<F extends string> {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/campaigns/{id}`. */
  readonly path: string;
  readonly auth: AuthKind;
  readonly function: F;
  /** What docs/openapi.json says of the route; the back ends ignore it. */
  readonly docs: RouteDocumentation;
}

/** The groups of routes in the API's documentation, with what each holds. */
export const API_TAGS = {
  platform: "Health of the platform and who the caller is.",
  residents: "Campaigns, drops and vouchers as residents see them: the public lists, claims and the wallet.",
  campaigns: "Operators define, publish, pause and extend campaigns, and read their inventory, figures and reports.",
  partners: "Operators register banks and payment networks and rotate their signing secrets.",
  "partner-api": "What a partner sends, signed with its secret (docs/partners.md): merchants it signed up, payments and refunds.",
  merchants: "The merchants, their approval, suspension and reinstatement, and the audit trail of every operator or partner write.",
  settlements: "Statements of what each merchant is owed, their payouts and the reconciliation of a campaign's money.",
  fraud: "The fraud detector's review queue and each campaign's rule thresholds.",
  programmes:
    "Merchant programmes paid outside vouchers (growth rewards, event subsidies, new above-quota enterprise awards, trade-in subsidies): " +
    "definitions, filings, applications, review and payment.",
  "merchant-portal": "What a merchant does for itself with a token of the merchants group: programmes, filings and applications.",
  payouts: "What the platform sends to a partner's payout endpoint.",
} as const;
export type ApiTag = keyof typeof API_TAGS;

/** A named example of a request or answer body. */
export interface BodyExample {
  readonly summary: string;
  readonly value: unknown;
}

/**
 * What a route reads, as the zod schemas its handler parses with (from `shared/api`). Bodies are
 * documented as the schema's input (what the caller sends: a default may be left out).
 */
export interface RouteRequest {
  readonly path?: z.ZodObject;
  readonly query?: z.ZodObject;
  /** Header names as the caller writes them (`Idempotency-Key`); the handler reads them lower-cased. */
  readonly headers?: z.ZodObject;
  /** A description of each path, query or header parameter, by name. */
  readonly parameters?: Readonly<Record<string, string>>;
  readonly body?: z.ZodType;
  /** The body may be left out (it then means `{}`). */
  readonly bodyOptional?: boolean;
  readonly bodyExamples?: Readonly<Record<string, BodyExample>>;
}

/** One answer that is not an error: its body (JSON), or text in another media type, and headers the caller should read. */
export interface RouteAnswer {
  readonly description: string;
  readonly body?: z.ZodType;
  /** The same answer in other media types (a CSV export, say), by content type. */
  readonly media?: Readonly<Record<string, z.ZodType>>;
  readonly headers?: Readonly<Record<string, { readonly description: string; readonly schema: z.ZodType }>>;
  readonly examples?: Readonly<Record<string, BodyExample>>;
}

/** A route's documentation, next to its wiring entry; docs/openapi.json is generated from it. */
export interface RouteDocumentation {
  /** Stable camelCase name, what SDK generators name the call: `claimVoucher`. */
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: ApiTag;
  readonly request?: RouteRequest;
  /** Answers by status; errors are listed in `errors` instead. */
  readonly answers: Readonly<Record<number, RouteAnswer>>;
  /**
   * The error codes the route answers besides those its auth implies (UNAUTHORIZED, FORBIDDEN)
   * and INTERNAL, which every route may answer. Statuses come from ERROR_CODES, meanings from ERROR_DESCRIPTIONS.
   */
  readonly errors: readonly ErrorCode[];
}

export interface QueueTriggerDeclaration<Q extends string, F extends string> {
  readonly queue: Q;
  readonly function: F;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds?: number;
  /**
   * True: the function consumes the queue's dead-letter queue `<queue>-dlq` (e.g. to record what
   * was given up on), not the queue itself. The dead-letter queue has the queue's visibility
   * timeout, so the same rule (it must exceed the consumer's timeout) holds for its consumer.
   */
  readonly deadLetter?: boolean;
}

export interface StreamTriggerDeclaration<T extends string, Q extends string, F extends string> {
  readonly table: T;
  readonly function: F;
  readonly batchSize: number;
  readonly startingPosition: "TRIM_HORIZON" | "LATEST";
  /** Retries of a failing batch before it is handed to `onFailure` and skipped. */
  readonly retryAttempts: number;
  /** Queue that receives the description of a batch given up on, so nothing is lost silently. */
  readonly onFailure?: Q;
}

export interface ScheduleDeclaration<F extends string> {
  readonly name: string;
  readonly description: string;
  /** EventBridge Scheduler syntax: `rate(1 minute)` or `cron(0 2 * * ? *)`. */
  readonly expression: string;
  /** IANA zone the cron fields are read in. */
  readonly timezone: string;
  readonly function: F;
}

export interface Wiring<T extends string = string, Q extends string = string, F extends string = string> {
  /** Prefix of physical names and of the stacks, e.g. `vouchers`. */
  readonly app: string;
  readonly tables: Readonly<Record<T, TableDeclaration>>;
  readonly queues: Readonly<Record<Q, QueueDeclaration>>;
  /** Object store buckets by logical name. */
  readonly buckets?: Readonly<Record<string, BucketDeclaration>>;
  // Names are inferred from the three records above only; every other use must match them.
  readonly functions: Readonly<Record<F, FunctionDeclaration<NoInfer<T>, NoInfer<Q>>>>;
  readonly routes: readonly RouteDeclaration<NoInfer<F>>[];
  readonly queueTriggers: readonly QueueTriggerDeclaration<NoInfer<Q>, NoInfer<F>>[];
  readonly streamTriggers: readonly StreamTriggerDeclaration<NoInfer<T>, NoInfer<Q>, NoInfer<F>>[];
  readonly schedules: readonly ScheduleDeclaration<NoInfer<F>>[];
}

/** The event a schedule hands its function, on AWS (Scheduler target input) and locally. */
export const scheduledEventSchema = z.object({
  schedule: z.string(),
  scheduledTime: z.iso.datetime({ offset: true }),
});
export type ScheduledEvent = z.infer<typeof scheduledEventSchema>;
