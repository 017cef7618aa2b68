/**
 * The partner simulator: a small HTTP server on loopback that plays a bank's payout endpoint, the
 * default `payoutUrl` of every partner registered locally. It accepts payouts by default and can
 * fail a share of calls or leave them unanswered (a timeout), for drills. It remembers each
 * payout by its idempotency key, so a repeated payout is answered as the first one was.
 *
 * Given `secretsFor`, it verifies each payout's `X-Voucher-Signature` as a bank would
 * (docs/partners.md, "Verifying payouts"): against the live secrets of the partner of the
 * payout's merchant, and refuses an unsigned, forged or stale payout with 401 before anything
 * else. One simulator plays every local partner, so it finds the partner from the merchant. The
 * local runtime always gives it the secrets in the partners table ({@link partnerSecretsFromTables});
 * started without them (a bare simulator in a test), it checks nothing, since it could not tell a
 * forged payout from ours.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { liveSecrets } from "../../shared/domain/partner.js";
import { SIGNATURE_HEADER, verifySignature } from "../../shared/domain/signature.js";
import { readMerchant } from "../../shared/store/merchants.js";
import { readPartner } from "../../shared/store/partners.js";

export interface PartnerSimulatorOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Share of calls (0–1) answered 503. */
  failShare?: number;
  /** Share of calls (0–1) never answered, so the caller times out. */
  timeoutShare?: number;
  random?: () => number;
  /** The live secrets of the partner that acquired a payout's merchant; undefined for an unknown merchant. */
  secretsFor?: (payout: { merchantId: string }) => Promise<readonly string[] | undefined>;
  /** Told of each payout failed or left hanging on purpose (the fault mode counts them). */
  onFault?: (kind: "fail" | "timeout") => void;
}

/** One payout request the simulator received, whatever it answered. */
export interface ReceivedPayout {
  idempotencyKey: string;
  /** The body's statementId, when it had one. */
  statementId: string | undefined;
  /** `accepted`: paid now; `repeated`: answered as the first time; `failed` / `timeout`: on purpose. */
  outcome: "accepted" | "repeated" | "failed" | "timeout";
  payoutId: string | undefined;
  receivedAt: string;
}

export interface PartnerSimulator {
  /** Where payouts go: `<url>/payouts`. */
  readonly url: string;
  readonly payoutUrl: string;
  /** Payouts accepted, by idempotency key. */
  readonly accepted: ReadonlyMap<string, { payoutId: string; body: unknown }>;
  /** Every payout request received, in order (also served as JSON at GET `<url>/payouts`). */
  readonly received: readonly ReceivedPayout[];
  /** Payouts refused for their signature. */
  readonly refused: number;
  /** Changes the drill settings while running. */
  configure(settings: Pick<PartnerSimulatorOptions, "failShare" | "timeoutShare">): void;
  stop(): Promise<void>;
}

export async function startPartnerSimulator(options: PartnerSimulatorOptions = {}): Promise<PartnerSimulator> {
  const settings = { failShare: options.failShare ?? 0, timeoutShare: options.timeoutShare ?? 0 };
  const random = options.random ?? Math.random;
  const accepted = new Map<string, { payoutId: string; body: unknown }>();
  const hanging = new Set<http.ServerResponse>();
  const received: ReceivedPayout[] = [];
  let refused = 0;

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => void answer(Buffer.concat(chunks)));
    const answer = async (rawBody: Buffer) => {
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      };
      // Drills read what the platform paid, to check one payout per statement.
      if (request.method === "GET" && request.url === "/payouts") return reply(200, { items: received });
      if (request.method !== "POST" || request.url !== "/payouts") return reply(404, { message: "Not Found" });
      const key = request.headers["idempotency-key"];
      if (typeof key !== "string" || key === "") return reply(400, { message: "Idempotency-Key is required" });
      let body: unknown;
      try {
        body = JSON.parse(rawBody.toString("utf8"));
      } catch {
        body = undefined;
      }
      const statementId = typeof (body as { statementId?: unknown } | undefined)?.statementId === "string" ? (body as { statementId: string }).statementId : undefined;
      const note = (outcome: ReceivedPayout["outcome"], payoutId?: string) =>
        received.push({ idempotencyKey: key, statementId, outcome, payoutId, receivedAt: new Date().toISOString() });
      if (body === undefined) return reply(400, { message: "The body is not JSON" });
      if (options.secretsFor) {
        // As a bank would: verify the raw bytes before trusting anything in them.
        const merchantId = typeof body === "object" && body !== null && "merchantId" in body && typeof body.merchantId === "string" ? body.merchantId : undefined;
        const secrets = merchantId === undefined ? undefined : await options.secretsFor({ merchantId }).catch(() => undefined);
        const header = request.headers[SIGNATURE_HEADER];
        const verified = verifySignature({ header: typeof header === "string" ? header : undefined, rawBody, secrets: secrets ?? [], now: new Date() });
        if (!verified.ok) {
          refused++;
          return reply(401, { message: `Payout signature refused: ${secrets ? verified.reason : "unknown merchant"}` });
        }
      }
      const known = accepted.get(key);
      if (known) {
        note("repeated", known.payoutId);
        return reply(200, { payoutId: known.payoutId, status: "ACCEPTED", repeated: true });
      }
      const roll = random();
      if (roll < settings.timeoutShare) {
        note("timeout");
        options.onFault?.("timeout");
        hanging.add(response);
        response.on("close", () => hanging.delete(response));
        return undefined;
      }
      if (roll < settings.timeoutShare + settings.failShare) {
        note("failed");
        options.onFault?.("fail");
        return reply(503, { message: "Simulated outage" });
      }
      const payoutId = `po_${randomUUID()}`;
      accepted.set(key, { payoutId, body });
      note("accepted", payoutId);
      return reply(200, { payoutId, status: "ACCEPTED" });
    };
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    payoutUrl: `${url}/payouts`,
    accepted,
    received,
    get refused() {
      return refused;
    },
    configure(next) {
      if (next.failShare !== undefined) settings.failShare = next.failShare;
      if (next.timeoutShare !== undefined) settings.timeoutShare = next.timeoutShare;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * `secretsFor` over the local tables: the payout's merchant, its partner, and that partner's
 * secrets live now, read strongly consistent (a rotation is seen at once).
 */
export function partnerSecretsFromTables(db: DynamoDBDocumentClient, tables: { merchants: string; partners: string }): NonNullable<PartnerSimulatorOptions["secretsFor"]> {
  return async ({ merchantId }) => {
    const merchant = await readMerchant(db, tables.merchants, merchantId);
    if (!merchant) return undefined;
    const partner = await readPartner(db, tables.partners, merchant.partnerId, { consistent: true });
    return partner ? liveSecrets(partner.secrets, new Date()) : undefined;
  };
}
