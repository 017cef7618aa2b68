/**
 * `npm start`: the whole platform on this machine. Builds the operator console when its sources
 * changed, starts DynamoDB Local and fauxqs, builds the platform's wiring on them, serves HTTP
 * (and the console at /console/) on 127.0.0.1:3000 (PORT changes it) and stops every child on
 * Ctrl-C or SIGTERM.
 */
import { z } from "zod";
import { documents } from "../../shared/clients.js";
import { tableName } from "../../shared/config.js";
import { platform } from "../../shared/wiring/platform.js";
import { ensureConsoleBuilt } from "./console-build.js";
import { DEMO_CAMPAIGN_ID, seedDemo } from "./demo.js";
import { ensureDynamoDbLocal } from "./dynamodb-local-dist.js";
import { faultTallyPath, type FaultMode, prepareFaultMode } from "./fault-mode.js";
import { describeEmulators, startEmulators, type Emulators } from "./emulators.js";
import { defaultSecretExposure, jwtSettingsFromEnv } from "./jwt.js";
import { consoleLog } from "./log.js";
import { startLocalRuntime, type LocalRuntime } from "./runtime.js";
import { removeStateFile, stateFilePath, writeStateFile } from "./state-file.js";

const settingsSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().default("127.0.0.1"),
  VOUCHERS_LOCAL_PREFIX: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/).default("vouchers-local"),
  /** 0 starts an empty platform; anything else seeds the demo campaign. */
  VOUCHERS_SEED: z.enum(["0", "1"]).default("1"),
  /** Seconds from start until the demo's first drop opens. */
  VOUCHERS_SEED_OPENS_IN: z.coerce.number().int().min(0).max(86_400).default(60),
  /** Drills: share (0–1) of payout calls the partner simulator leaves unanswered (failures: VOUCHERS_FAULTS payout.fail). */
  VOUCHERS_PARTNER_TIMEOUT_SHARE: z.coerce.number().min(0).max(1).default(0),
});

// The SDK warns once per process that its releases after January 2027 need Node 22. Lambda runs
// Node 22 and the lockfile pins today's SDK, so locally the warning is noise; the README says so.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

async function main(): Promise<void> {
  const parsed = settingsSchema.safeParse(process.env);
  if (!parsed.success) {
    console.error(`Invalid settings: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    process.exit(2);
  }
  const settings = parsed.data;
  const jwt = jwtSettingsFromEnv();
  const exposure = defaultSecretExposure(settings.HOST, jwt);
  if (exposure) {
    console.error(exposure);
    process.exit(2);
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let faults: FaultMode;
  try {
    faults = prepareFaultMode({ tallyFile: faultTallyPath(stateFilePath()) });
  } catch (error) {
    console.error(`Invalid settings: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }

  let emulators: Emulators | undefined;
  let runtime: LocalRuntime | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping…`);
    // First, so no command (npm run redrive) picks a platform that is going away.
    await removeStateFile(stateFilePath()).catch((error: unknown) => console.error(`could not remove the state file: ${String(error)}`));
    await faults.stop().catch(() => undefined);
    await runtime?.stop().catch((error: unknown) => console.error(`runtime stop failed: ${String(error)}`));
    await emulators?.stop().catch((error: unknown) => console.error(`emulator stop failed: ${String(error)}`));
    say("stopped; no emulator left running.");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  try {
    await ensureConsoleBuilt(say);
  } catch (error) {
    // The API works without it; /console/ then says the console is not built.
    console.error(`Could not build the console: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    await ensureDynamoDbLocal();
    say("Starting DynamoDB Local and fauxqs…");
    emulators = await startEmulators({ log: say });
    const description = describeEmulators(emulators);
    say(`  DynamoDB Local ${description.dynamodb.version} at ${description.dynamodb.endpoint} (pid ${description.dynamodb.pid})`);
    say(`  fauxqs ${description.sqs.version} at ${description.sqs.endpoint}`);
    runtime = await startLocalRuntime({
      wiring: platform,
      emulators: {
        dynamodbEndpoint: emulators.dynamodb.endpoint,
        sqsEndpoint: emulators.sqs.endpoint,
        description: JSON.stringify(description),
      },
      prefix: settings.VOUCHERS_LOCAL_PREFIX,
      host: settings.HOST,
      port: settings.PORT,
      jwt,
      partnerSimulator: { ...faults.partnerSimulator, timeoutShare: settings.VOUCHERS_PARTNER_TIMEOUT_SHARE },
      log: consoleLog,
    });
    faults.install();
    say(`  ${faults.description}${faults.description === "faults off" ? " (VOUCHERS_FAULTS turns them on)" : ""}`);
  } catch (error) {
    console.error(`Could not start the platform: ${error instanceof Error ? error.message : String(error)}`);
    await runtime?.stop().catch(() => undefined);
    await emulators?.stop().catch(() => undefined);
    process.exit(1);
  }
  if (stopping) return;
  const stateFile = stateFilePath();
  try {
    await writeStateFile(
      {
        url: runtime.url,
        prefix: settings.VOUCHERS_LOCAL_PREFIX,
        dynamodbEndpoint: emulators.dynamodb.endpoint,
        sqsEndpoint: emulators.sqs.endpoint,
        pid: process.pid,
        startedAt: new Date().toISOString(),
      },
      stateFile,
    );
  } catch (error) {
    // The platform works without it; only commands that look for it (npm run redrive) do not.
    console.error(`Could not write ${stateFile}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (settings.VOUCHERS_SEED === "1") {
    try {
      const seeded = await seedDemo({
        db: documents(),
        tables: { campaigns: tableName("campaigns"), inventory: tableName("inventory"), drawSeeds: tableName("drawSeeds") },
        now: () => new Date(),
        opensInSeconds: settings.VOUCHERS_SEED_OPENS_IN,
      });
      say(`Demo campaign ${DEMO_CAMPAIGN_ID} ${seeded.created ? "seeded" : "already there"}: its first drop opens at ${seeded.opensAt} (VOUCHERS_SEED=0 skips this)`);
      for (const line of seeded.instantDiscounts) say(`  ${line}`);
      say("  then: npm run demo");
    } catch (error) {
      console.error(`Could not seed the demo campaign: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const { system } = runtime;
  say(`  partner simulator (every local partner's default payoutUrl) at ${runtime.partnerSimulator.payoutUrl}`);
  say(`Voucher platform listening on ${runtime.url}`);
  say(`  ${system.routes.length} routes, ${system.tables.length} tables, ${system.queues.length} queues, ${system.schedules.length} schedules`);
  say(`  console: open ${runtime.url}/console/`);
  say(`  try: curl ${runtime.url}/health`);
  say(`       curl -H "Authorization: Bearer $(npm run -s token -- --sub alice)" ${runtime.url}/me`);
  say("Ctrl-C stops everything.");
}

await main();
