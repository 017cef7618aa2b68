/**
 * The partner kit (`npm run partner`), in-process with a fake outside world: its command lines,
 * the bodies it builds, what it signs, and how it judges a payout's signature. No network: `send`
 * talks to a fake fetch that checks the signature as the platform would.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SIGNATURE_HEADER, signPayloadWithSecrets, verifySignature } from "../../shared/domain/signature.js";
import { DEFAULT_PLATFORM_URL, type PartnerKitIo, buildBody, parsePartnerCommand, runPartnerKit } from "../../scripts/partner-kit.js";

const NOW = new Date("2026-11-05T04:00:00.000Z");
const T = NOW.getTime() / 1000;

interface Sent {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** A kit whose stdin, files, network and clock are these; `answer` is what the fake platform says. */
function fakeIo(options: { stdin?: string; files?: Record<string, string>; answer?: { status: number; body: string }; env?: Record<string, string>; local?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const sent: Sent[] = [];
  const io: PartnerKitIo = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    readFile: (path) => {
      const content = options.files?.[path];
      return content === undefined ? Promise.reject(new Error(`ENOENT: no such file, open '${path}'`)) : Promise.resolve(Buffer.from(content, "utf8"));
    },
    readStdin: () => Promise.resolve(options.stdin === undefined ? undefined : Buffer.from(options.stdin, "utf8")),
    fetch: (input, init) => {
      sent.push({ url: input instanceof Request ? input.url : input.toString(), headers: init?.headers as Record<string, string>, body: Buffer.from(init?.body as Uint8Array) });
      const answer = options.answer ?? { status: 200, body: "{}" };
      return Promise.resolve(new Response(answer.body, { status: answer.status, headers: { "content-type": "application/json" } }));
    },
    now: () => NOW,
    env: options.env ?? {},
    localPlatformUrl: () => Promise.resolve(options.local),
  };
  return { io, out, err, sent };
}

const expectInvalid = (argv: string[], message: RegExp) => {
  const parsed = parsePartnerCommand(argv);
  expect(parsed.command).toBe("invalid");
  expect(parsed.command === "invalid" ? parsed.message : "").toMatch(message);
};

describe("the command line", () => {
  it("reads each command with its defaults", () => {
    expect(parsePartnerCommand(["sign", "--secret", "s3", "--time", "1795238400"])).toEqual({ command: "sign", secrets: ["s3"], body: { stdin: true }, time: 1795238400 });
    expect(parsePartnerCommand(["sign", "--secret", "old", "--secret", "new", "--body", "b.json"])).toEqual({ command: "sign", secrets: ["old", "new"], body: { file: "b.json" }, time: undefined });
    expect(parsePartnerCommand(["verify", "--secret", "s", "--signature", "t=1,v1=00", "--body", "-"])).toEqual({
      command: "verify",
      secrets: ["s"],
      signature: "t=1,v1=00",
      body: { stdin: true },
      toleranceSeconds: 300,
    });
    expect(parsePartnerCommand(["send", "payment", "--partner", "bank-1", "--secret", "s", "--merchant", "m1", "--payer", "alice", "--amount", "12000", "--url", "https://api.example/"])).toEqual({
      command: "send",
      route: "payment",
      partnerId: "bank-1",
      secrets: ["s"],
      url: "https://api.example",
      time: undefined,
      body: { fields: { merchantId: "m1", payerId: "alice", amount: 12000 } },
    });
    expect(parsePartnerCommand(["send", "refund", "--partner", "b", "--secret", "s", "--transaction", "t1", "--amount", "500", "--event", "e1", "--occurred-at", "2026-11-05T12:00:00+08:00"])).toMatchObject({
      body: { fields: { transactionId: "t1", amount: 500, eventId: "e1", occurredAt: "2026-11-05T12:00:00+08:00" } },
    });
    expect(parsePartnerCommand(["send", "merchant", "--partner", "b", "--secret", "s", "--merchant", "shop-1", "--name", "惠民超市", "--sector", "supermarket"])).toMatchObject({
      route: "merchant",
      body: { fields: { merchantId: "shop-1", name: "惠民超市", sector: "supermarket" } },
    });
    expect(parsePartnerCommand(["send", "payment", "--partner", "b", "--secret", "s", "--body", "p.json"])).toMatchObject({ body: { file: "p.json" } });
  });

  it("takes the secret from PARTNER_SECRET when --secret is not given", () => {
    expect(parsePartnerCommand(["sign"], { PARTNER_SECRET: "from-env" })).toMatchObject({ secrets: ["from-env"] });
    expect(parsePartnerCommand(["sign", "--secret", "flag"], { PARTNER_SECRET: "from-env" })).toMatchObject({ secrets: ["flag"] });
  });

  it("answers --help with each command's usage, and no command with the kit's", () => {
    for (const argv of [[], ["--help"], ["-h"]]) expect(parsePartnerCommand(argv)).toMatchObject({ command: "help", usage: expect.stringContaining("send    payment|refund|merchant") as unknown });
    expect(parsePartnerCommand(["sign", "--help"])).toMatchObject({ command: "help", usage: expect.stringContaining("--time T") as unknown });
    expect(parsePartnerCommand(["send", "--help"])).toMatchObject({ command: "help", usage: expect.stringContaining("merchant fields") as unknown });
    expect(parsePartnerCommand(["verify", "-h"])).toMatchObject({ command: "help", usage: expect.stringContaining("--tolerance") as unknown });
  });

  it("refuses bad input, saying what is wrong", () => {
    expectInvalid(["pay"], /unknown command "pay"/);
    expectInvalid(["sign"], /--secret: is required/);
    expectInvalid(["sign", "--secret", ""], /--secret: must not be empty/);
    expectInvalid(["sign", "--secret", "s", "--time", "0123"], /--time: must be unix seconds/);
    expectInvalid(["sign", "--secret", "s", "--partner", "b"], /--partner does not apply to sign/);
    expectInvalid(["sign", "--secret", "s", "--colour"], /Unknown option '--colour'/);
    expectInvalid(["verify", "--secret", "s"], /--signature: is required/);
    expectInvalid(["verify", "--secret", "s", "--signature", "x", "--tolerance", "-1"], /--tolerance/);
    expectInvalid(["send", "--partner", "b", "--secret", "s"], /send what\?/);
    expectInvalid(["send", "payments", "--partner", "b", "--secret", "s"], /"payments" is not one of payment, refund, merchant/);
    expectInvalid(["send", "payment", "--secret", "s", "--merchant", "m", "--payer", "p", "--amount", "1"], /--partner: is required/);
    expectInvalid(["send", "payment", "--partner", "b/../admin", "--secret", "s", "--merchant", "m", "--payer", "p", "--amount", "1"], /--partner: must be 1–64/);
    expectInvalid(["send", "payment", "--partner", "b", "--secret", "s", "--merchant", "m", "--payer", "p", "--amount", "120.5"], /--amount: must be a whole number of fen/);
    expectInvalid(["send", "payment", "--partner", "b", "--secret", "s", "--merchant", "m", "--payer", "p"], /--amount: is required/);
    expectInvalid(["send", "payment", "--partner", "b", "--secret", "s", "--merchant", "m", "--payer", "p", "--amount", "1", "--sector", "fuel"], /--sector does not apply to send payment/);
    expectInvalid(["send", "refund", "--partner", "b", "--secret", "s", "--transaction", "t", "--occurred-at", "2026-11-05 12:00"], /--occurred-at: must be ISO-8601 with an offset/);
    expectInvalid(["send", "merchant", "--partner", "b", "--secret", "s", "--merchant", "m", "--name", "n", "--sector", "bakery"], /--sector/);
    expectInvalid(["send", "payment", "--partner", "b", "--secret", "s", "--body", "p.json", "--amount", "1"], /--body and field flags \(--amount\) cannot be combined/);
    expectInvalid(["send", "payment", "extra", "--partner", "b", "--secret", "s", "--body", "p.json"], /send what\?|unexpected argument/);
    expectInvalid(["send", "payment", "--partner", "b", "--secret", "s", "--body", "p.json", "--url", "ftp://x"], /--url: must be an http\(s\) URL/);
  });
});

describe("buildBody", () => {
  let counter = 0;
  const newId = () => `id${++counter}`;

  it("fills eventId, transactionId and occurredAt (whole seconds) when omitted, in the route's field order", () => {
    const at = new Date("2026-11-05T04:00:00.987Z");
    const payment = buildBody("payment", { merchantId: "m1", payerId: "alice", amount: 12000 }, at, newId);
    expect(payment).toEqual({ eventId: "id1", transactionId: "txn-id2", merchantId: "m1", payerId: "alice", amount: 12000, occurredAt: "2026-11-05T04:00:00Z" });
    expect(Object.keys(payment)).toEqual(["eventId", "transactionId", "merchantId", "payerId", "amount", "occurredAt"]);
    expect(buildBody("payment", { merchantId: "m", payerId: "p", amount: 1, voucherId: "v", transactionId: "t", eventId: "e", occurredAt: "2026-11-05T12:00:00+08:00" }, at, newId)).toEqual({
      eventId: "e",
      transactionId: "t",
      merchantId: "m",
      payerId: "p",
      amount: 1,
      occurredAt: "2026-11-05T12:00:00+08:00",
      voucherId: "v",
    });
  });

  it("leaves a refund's amount out when none is given (a refund of the rest), and builds a merchant submission", () => {
    expect(buildBody("refund", { transactionId: "t1" }, NOW, () => "e9")).toEqual({ eventId: "e9", transactionId: "t1", occurredAt: "2026-11-05T04:00:00Z" });
    expect(buildBody("refund", { transactionId: "t1", amount: 500 }, NOW, () => "e9")).toMatchObject({ amount: 500 });
    expect(buildBody("merchant", { merchantId: "shop", name: "小店", sector: "restaurant" })).toEqual({ id: "shop", name: "小店", sector: "restaurant" });
  });
});

describe("npm run partner -- sign", () => {
  it("prints the header over the exact bytes of the body: HMAC-SHA256(secret, t + '.' + body)", async () => {
    const body = '{"id":"shop-1","name":"惠民超市","sector":"supermarket"}\n';
    const { io, out } = fakeIo({ files: { "m.json": body } });
    expect(await runPartnerKit(["sign", "--secret", "s3cret", "--body", "m.json", "--time", "1795238400"], io)).toBe(0);
    const expected = createHmac("sha256", "s3cret").update(`1795238400.${body}`, "utf8").digest("hex");
    expect(out).toEqual([`t=1795238400,v1=${expected}`]);
  });

  it("signs stdin at the current time, one v1 per secret", async () => {
    const { io, out } = fakeIo({ stdin: "{}" });
    expect(await runPartnerKit(["sign", "--secret", "old", "--secret", "new"], io)).toBe(0);
    expect(out).toEqual([signPayloadWithSecrets(["old", "new"], T, "{}")]);
    for (const secret of ["old", "new"]) expect(verifySignature({ header: out[0], rawBody: "{}", secrets: [secret], now: NOW })).toEqual({ ok: true, timestamp: T });
  });

  it("exits 2 with a clear message for a missing body or file, and prints usage on --help", async () => {
    const terminal = fakeIo();
    expect(await runPartnerKit(["sign", "--secret", "s"], terminal.io)).toBe(2);
    expect(terminal.err.join("\n")).toMatch(/no body: pass --body FILE, or pipe the body in/);
    const missing = fakeIo();
    expect(await runPartnerKit(["sign", "--secret", "s", "--body", "nope.json"], missing.io)).toBe(2);
    expect(missing.err.join("\n")).toMatch(/cannot read the body: ENOENT/);
    const help = fakeIo();
    expect(await runPartnerKit(["sign", "--help"], help.io)).toBe(0);
    expect(help.out.join("\n")).toMatch(/^usage: npm run partner -- sign/);
    const bad = fakeIo();
    expect(await runPartnerKit(["sign"], bad.io)).toBe(2);
    expect(bad.err.join("\n")).toMatch(/--secret: is required[\s\S]*usage: npm run partner -- sign/);
  });
});

describe("docs/partners.md", () => {
  it("gives a test vector that the platform's signing agrees with", async () => {
    const guide = readFileSync(new URL("../../docs/partners.md", import.meta.url), "utf8");
    const vector = /secret `(?<secret>[^`]+)`, `t` (?<t>\d+), body\s+`(?<body>[^`]+)`[\s\S]*?```\n(?<header>t=\d+,v1=[0-9a-f]{64})\n```/.exec(guide)?.groups;
    expect(vector).toBeDefined();
    const { io, out } = fakeIo({ stdin: vector!.body });
    expect(await runPartnerKit(["sign", "--secret", vector!.secret!, "--time", vector!.t!], io)).toBe(0);
    expect(out).toEqual([vector!.header]);
  });
});

describe("npm run partner -- verify", () => {
  const body = '{"statementId":"c1/m1/2026-11-21","campaignId":"c1","merchantId":"m1","period":"2026-11-21","amount":123456,"currency":"CNY"}';
  const run = async (argv: string[], stdin = body) => {
    const kit = fakeIo({ stdin });
    const code = await runPartnerKit(["verify", ...argv], kit.io);
    return { code, out: kit.out.join("\n"), err: kit.err.join("\n") };
  };

  it("accepts a payout signed the way the platform signs them, with any one of the secrets it carries", async () => {
    // The platform signs with every live secret of the partner (shared/payout-client.ts).
    const header = signPayloadWithSecrets(["old-secret", "new-secret"], T - 20, body);
    for (const secret of ["old-secret", "new-secret"]) {
      const verdict = await run(["--secret", secret, "--signature", header]);
      expect(verdict).toMatchObject({ code: 0, err: "" });
      expect(verdict.out).toMatch(/^genuine: signed with one of your secrets at t=\d+ \(2026-11-05T03:59:40.000Z, 20 s ago\)/);
    }
  });

  it("refuses, exit 1, saying why: wrong secret, changed bytes, stale, malformed, empty", async () => {
    const header = signPayloadWithSecrets(["s"], T, body);
    expect(await run(["--secret", "other", "--signature", header])).toMatchObject({ code: 1, err: expect.stringMatching(/^refused: no v1 signature matches your secret/) as unknown });
    // Re-serialised JSON is other bytes: it must not verify.
    expect(await run(["--secret", "s", "--signature", header], JSON.stringify(JSON.parse(body), null, 1))).toMatchObject({ code: 1, err: expect.stringMatching(/no v1 signature matches/) as unknown });
    const old = signPayloadWithSecrets(["s"], T - 301, body);
    expect(await run(["--secret", "s", "--signature", old])).toMatchObject({ code: 1, err: expect.stringMatching(/genuine but stale: t is 301 s in the past, beyond the 300 s tolerance/) as unknown });
    expect(await run(["--secret", "s", "--signature", old, "--tolerance", "600"])).toMatchObject({ code: 0 });
    const ahead = signPayloadWithSecrets(["s"], T + 400, body);
    expect(await run(["--secret", "s", "--signature", ahead])).toMatchObject({ code: 1, err: expect.stringMatching(/400 s in the future/) as unknown });
    expect(await run(["--secret", "s", "--signature", "t=abc,v1=00"])).toMatchObject({ code: 1, err: expect.stringMatching(/malformed \(t must be a positive integer/) as unknown });
    expect(await run(["--secret", "s", "--signature", " "])).toMatchObject({ code: 1, err: expect.stringMatching(/signature is empty/) as unknown });
  });
});

describe("npm run partner -- send", () => {
  it("builds, signs and posts a payment; prints the status and the answer; exit 0 on 2xx", async () => {
    const answer = { transactionId: "t1", voucherId: "v1", discount: 3000, payable: 9000 };
    const { io, out, err, sent } = fakeIo({ answer: { status: 200, body: JSON.stringify(answer) } });
    const code = await runPartnerKit(["send", "payment", "--partner", "bank-1", "--secret", "s", "--merchant", "m1", "--payer", "alice", "--amount", "12000", "--transaction", "t1"], io);
    expect(code).toBe(0);
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request!.url).toBe(`${DEFAULT_PLATFORM_URL}/partners/bank-1/payments`);
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(verifySignature({ header: request!.headers[SIGNATURE_HEADER], rawBody: request!.body, secrets: ["s"], now: NOW })).toEqual({ ok: true, timestamp: T });
    expect(JSON.parse(request!.body.toString("utf8"))).toMatchObject({ transactionId: "t1", merchantId: "m1", payerId: "alice", amount: 12000, occurredAt: "2026-11-05T04:00:00Z" });
    expect(out[0]).toBe("200 OK");
    expect(JSON.parse(out.slice(1).join("\n"))).toEqual(answer);
    expect(err.join("\n")).toContain(`POST ${DEFAULT_PLATFORM_URL}/partners/bank-1/payments`);
  });

  it("posts a body file's exact bytes to the running local platform, signed at --time", async () => {
    const raw = '{ "eventId": "e1", "transactionId": "t1", "occurredAt": "2026-11-05T12:00:00+08:00" }\n';
    const { io, sent } = fakeIo({ files: { "r.json": raw }, local: "http://127.0.0.1:3999", answer: { status: 200, body: "{}" } });
    expect(await runPartnerKit(["send", "refund", "--partner", "b", "--secret", "s", "--body", "r.json", "--time", String(T - 10)], io)).toBe(0);
    expect(sent[0]!.url).toBe("http://127.0.0.1:3999/partners/b/refunds");
    expect(sent[0]!.body.toString("utf8")).toBe(raw);
    expect(sent[0]!.headers[SIGNATURE_HEADER]).toBe(signPayloadWithSecrets(["s"], T - 10, raw));
  });

  it("exits 1 on a non-2xx answer, with the platform's error shown, and on an unreachable platform", async () => {
    const refusal = { error: { code: "UNAUTHORIZED", message: "The request signature is missing, invalid or stale" } };
    const refused = fakeIo({ answer: { status: 401, body: JSON.stringify(refusal) } });
    expect(await runPartnerKit(["send", "merchant", "--partner", "b", "--secret", "wrong", "--merchant", "m", "--name", "n", "--sector", "fuel"], refused.io)).toBe(1);
    expect(refused.out[0]).toBe("401 Unauthorized");
    expect(JSON.parse(refused.out.slice(1).join("\n"))).toEqual(refusal);
    expect(refused.err.join("\n")).toMatch(/check --partner, the secret/);

    const down = fakeIo();
    down.io.fetch = () => Promise.reject(new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:3000") }));
    expect(await runPartnerKit(["send", "refund", "--partner", "b", "--secret", "s", "--transaction", "t"], down.io)).toBe(1);
    expect(down.err.join("\n")).toMatch(/could not reach http:\/\/127\.0\.0\.1:3000: connect ECONNREFUSED .*is npm start running\?/);
  });
});
