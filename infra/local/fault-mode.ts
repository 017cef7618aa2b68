/**
 * The fault mode's hook into `npm start` (infra/local/faults.ts has the faults themselves): reads
 * VOUCHERS_FAULTS and VOUCHERS_FAULTS_SEED, gives the partner simulator its share of failed
 * payouts and its dice, installs the middleware on the handlers' shared clients once the runtime
 * has pointed them at the emulators, and keeps a tally file beside the state file so `npm run
 * drill` can say how many faults the platform injected.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { dynamoDb, sqs } from "../../shared/clients.js";
import { describeFaults, FaultInjector, type FaultSettings, type FaultSnapshot, faultsActive, faultSettingsFromEnv, installFaults } from "./faults.js";
import type { PartnerSimulatorOptions } from "./partner-simulator.js";

/** The tally of a running platform's faults: `<state file>.faults.json`. */
export function faultTallyPath(stateFile: string): string {
  return `${stateFile.replace(/\.json$/, "")}.faults.json`;
}

export interface FaultMode {
  readonly settings: FaultSettings;
  readonly injector: FaultInjector;
  /** `faults on (seed 7): dynamodb.throttle 5 %, …` or `faults off`. */
  readonly description: string;
  /** What the partner simulator needs for payout.fail. */
  readonly partnerSimulator: Pick<PartnerSimulatorOptions, "failShare" | "random" | "onFault">;
  /** Installs the middleware on the shared clients; call after the runtime set the endpoints. */
  install(): void;
  snapshot(): FaultSnapshot;
  /** Writes the last tally and stops writing it. */
  stop(): Promise<void>;
}

/** Reads the settings (throws on a bad spec) and prepares the fault mode; `tallyFile` is written every second while faults are on. */
export function prepareFaultMode(options: { env?: NodeJS.ProcessEnv; tallyFile?: string } = {}): FaultMode {
  const settings = faultSettingsFromEnv(options.env);
  const injector = new FaultInjector(settings);
  const active = faultsActive(settings);
  let timer: NodeJS.Timeout | undefined;
  const writeTally = async () => {
    if (!options.tallyFile) return;
    const temporary = `${options.tallyFile}.${randomUUID()}.tmp`;
    await mkdir(path.dirname(options.tallyFile), { recursive: true });
    await writeFile(temporary, `${JSON.stringify({ pid: process.pid, ...injector.snapshot() }, null, 2)}\n`);
    await rename(temporary, options.tallyFile);
  };
  return {
    settings,
    injector,
    description: describeFaults(settings),
    partnerSimulator: {
      failShare: settings.spec["payout.fail"] ?? 0,
      random: injector.random("payout.fail"),
      onFault: (kind) => {
        if (kind === "fail") injector.record("payout.fail");
      },
    },
    install() {
      if (!active) return;
      installFaults(injector, { dynamoDb: dynamoDb(), sqs: sqs() });
      if (options.tallyFile) {
        void writeTally().catch(() => undefined);
        timer = setInterval(() => void writeTally().catch(() => undefined), 1_000);
        timer.unref();
      }
    },
    snapshot: () => injector.snapshot(),
    async stop() {
      if (timer) clearInterval(timer);
      if (options.tallyFile) await rm(options.tallyFile, { force: true });
    },
  };
}
