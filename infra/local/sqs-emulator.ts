/**
 * fauxqs as the SQS emulator of the local runtime (docs/architecture.md), in this process, on loopback.
 *
 * Two things `startFauxqs()` does not allow:
 * - it always listens on 0.0.0.0, so this builds the same Fastify app with `buildApp()` and
 *   listens on 127.0.0.1 itself;
 * - its queue URLs are `http://sqs.<region>.localhost:<port>/…` (the store's `host` defaults to
 *   `localhost`), a name that does not resolve here. With an empty `host` fauxqs builds them from
 *   the request's Host header instead, so a client pointed at the endpoint gets queue URLs on that
 *   very endpoint (`http://127.0.0.1:<port>/000000000000/<name>`), and even an SQS client without
 *   an explicit endpoint (the SDK then sends to the queue URL's host) reaches the emulator. The
 *   store classes are not exported by the package, so they are loaded from its files.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildApp, type BuildAppOptions } from "fauxqs";

type Stores = NonNullable<BuildAppOptions["stores"]>;

export interface SqsEmulatorOptions {
  /** Port to listen on; a free loopback port when omitted. */
  readonly port?: number;
  /** Receives one line when the emulator starts and stops. Silent when omitted. */
  readonly log?: (line: string) => void;
}

export interface SqsEmulator {
  readonly endpoint: string;
  readonly port: number;
  readonly version: string;
  /** Closes the server and its open connections. Idempotent. */
  stop(): Promise<void>;
}

export const SQS_EMULATOR_REGION = "us-east-1";

export async function startSqsEmulator(opts: SqsEmulatorOptions = {}): Promise<SqsEmulator> {
  const log = opts.log ?? (() => {});
  const stores = await loopbackStores();
  const app = buildApp({ logger: false, defaultRegion: SQS_EMULATOR_REGION, stores });
  await app.listen({ port: opts.port ?? 0, host: "127.0.0.1" });
  const address = app.server.address();
  if (typeof address !== "object" || address === null) {
    await app.close();
    throw new Error(`fauxqs did not report a TCP address (${String(address)})`);
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  const version = fauxqsVersion();
  log(`fauxqs ${version} listening on ${endpoint}`);

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    port: address.port,
    version,
    stop() {
      stopping ??= app.close().then(() => log(`fauxqs on ${endpoint} stopped`));
      return stopping;
    },
  };
}

/** Fresh stores whose queue URLs follow the request's Host header (see the top of this file). */
async function loopbackStores(): Promise<Stores> {
  const dist = join(fauxqsDir(), "dist");
  const load = async <T>(file: string, name: string): Promise<new () => T> => {
    const module = (await import(pathToFileURL(join(dist, file)).href)) as Record<string, unknown>;
    const constructor = module[name];
    if (typeof constructor !== "function") throw new Error(`fauxqs ${fauxqsVersion()}: ${file} exports no ${name}`);
    return constructor as new () => T;
  };
  const [SqsStore, SnsStore, S3Store] = await Promise.all([
    load<Stores["sqsStore"]>("sqs/sqsStore.js", "SqsStore"),
    load<Stores["snsStore"]>("sns/snsStore.js", "SnsStore"),
    load<Stores["s3Store"]>("s3/s3Store.js", "S3Store"),
  ]);
  const sqsStore = new SqsStore();
  sqsStore.host = "";
  return { sqsStore, snsStore: new SnsStore(), s3Store: new S3Store() };
}

let cachedDir: string | undefined;

/** The installed fauxqs package; it exports neither `./package.json` nor a `require` entry. */
function fauxqsDir(): string {
  if (cachedDir !== undefined) return cachedDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "node_modules", "fauxqs");
    if (existsSync(join(candidate, "package.json"))) return (cachedDir = candidate);
    const parent = dirname(dir);
    if (parent === dir) throw new Error("fauxqs is not installed (no node_modules/fauxqs above infra/local)");
    dir = parent;
  }
}

/** fauxqs's package.json version. */
export function fauxqsVersion(): string {
  const version = (JSON.parse(readFileSync(join(fauxqsDir(), "package.json"), "utf8")) as { version?: unknown }).version;
  return typeof version === "string" ? version : "unknown";
}
