import { describe, expect, it } from "vitest";
import { DEFAULT_CLAIM_CAMPAIGN_CACHE_MS, claimCampaignCacheMs, campaignCopiesKept, claimCampaignCopies, config, grantedQueues, grantedTables, queueUrl, tableName } from "../../shared/config.js";
import { CAMPAIGN_COPIES } from "../../shared/domain/capacity.js";
import { ConfigurationError } from "../../shared/errors.js";

describe("config", () => {
  it("parses endpoints and the emulator description", () => {
    const parsed = config({
      AWS_REGION: "ap-east-1",
      VOUCHERS_DYNAMODB_ENDPOINT: "http://127.0.0.1:8000",
      VOUCHERS_EMULATORS: JSON.stringify({ sqs: { name: "fauxqs", version: "1.9.2", endpoint: "http://127.0.0.1:9" } }),
    });
    expect(parsed.AWS_REGION).toBe("ap-east-1");
    expect(parsed.VOUCHERS_DYNAMODB_ENDPOINT).toBe("http://127.0.0.1:8000");
    expect(parsed.VOUCHERS_EMULATORS?.sqs?.version).toBe("1.9.2");
  });

  it("names every bad variable", () => {
    expect(() => config({ VOUCHERS_SQS_ENDPOINT: "not a url", VOUCHERS_EMULATORS: "{" })).toThrow(
      /VOUCHERS_SQS_ENDPOINT.*VOUCHERS_EMULATORS|VOUCHERS_EMULATORS.*VOUCHERS_SQS_ENDPOINT/,
    );
  });

  it("hands out only granted names, and says which grant is missing", () => {
    const env = { VOUCHERS_TABLE_STREAM_FAILURES: "p-sf", VOUCHERS_QUEUE_PAYOUT_DLQ_URL: "http://q/dlq" };
    expect(tableName("streamFailures", env)).toBe("p-sf");
    expect(queueUrl("payoutDlq", env)).toBe("http://q/dlq");
    expect(grantedTables(env)).toEqual({ streamFailures: "p-sf" });
    expect(grantedQueues(env)).toEqual({ payoutDlq: "http://q/dlq" });
    expect(() => tableName("campaigns", env)).toThrow(ConfigurationError);
    expect(() => tableName("campaigns", env)).toThrow(/VOUCHERS_TABLE_CAMPAIGNS/);
  });

  it("reads a claim instance's campaign cache time from a drop plan's variable, 1 s without it, and refuses nonsense", () => {
    expect(claimCampaignCacheMs({})).toBe(DEFAULT_CLAIM_CAMPAIGN_CACHE_MS);
    expect(DEFAULT_CLAIM_CAMPAIGN_CACHE_MS).toBe(1_000);
    expect(claimCampaignCacheMs({ CLAIM_CAMPAIGN_CACHE_MS: "4000" })).toBe(4_000);
    for (const bad of ["0", "-5", "1.5", "soon", "600000"]) {
      expect(() => claimCampaignCacheMs({ CLAIM_CAMPAIGN_CACHE_MS: bad }), bad).toThrow(/CLAIM_CAMPAIGN_CACHE_MS/);
    }
  });

  it("reads how many campaign copies a claim reads from a drop plan's variable, none without it, 1 to 128", () => {
    expect(claimCampaignCopies({})).toBeUndefined();
    expect(claimCampaignCopies({ CLAIM_CAMPAIGN_COPIES: "1" })).toBe(1);
    expect(claimCampaignCopies({ CLAIM_CAMPAIGN_COPIES: "128" })).toBe(128);
    for (const bad of ["0", "129", "2.5", "many"]) {
      expect(() => claimCampaignCopies({ CLAIM_CAMPAIGN_COPIES: bad }), bad).toThrow(/CLAIM_CAMPAIGN_COPIES/);
    }
  });

  it("keeps 16 read copies of each campaign unless a drop plan's variable says how many, 1 to 128", () => {
    expect(campaignCopiesKept({})).toBe(CAMPAIGN_COPIES);
    expect(CAMPAIGN_COPIES).toBe(16);
    expect(campaignCopiesKept({ CAMPAIGN_COPIES: "128" })).toBe(128);
    for (const bad of ["0", "129", "2.5", "many"]) {
      expect(() => campaignCopiesKept({ CAMPAIGN_COPIES: bad }), bad).toThrow(/CAMPAIGN_COPIES/);
    }
  });
});
