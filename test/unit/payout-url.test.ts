import { describe, expect, it } from "vitest";
import { partnerRegistrationSchema } from "../../shared/api/registry-schemas.js";
import { payoutAddressKind, payoutAddressProblem, payoutUrlProblem } from "../../shared/domain/payout-url.js";

const AWS = { allowHttp: false };
const LOCAL = { allowHttp: true };

describe("payout URLs", () => {
  it.each([
    "https://payouts.bank.example/hooks",
    "https://bank.example:8443/p?x=1",
    "https://8.8.8.8/",
    "https://172.32.0.1/",
    "https://100.128.0.1/",
    "https://192.169.0.1/",
    "https://[2001:db8::1]/",
    "https://[::ffff:8.8.8.8]/",
    "https://internal.bank.example/",
  ])("accepts %s on AWS and locally", (url) => {
    expect(payoutUrlProblem(url, AWS)).toBeUndefined();
    expect(payoutUrlProblem(url, LOCAL)).toBeUndefined();
  });

  it.each([
    ["http://payouts.bank.example/", /https/],
    ["ftp://bank.example/", /https/],
    ["not a url", /absolute URL/],
    ["/relative", /absolute URL/],
    ["https://user:pw@bank.example/", /credentials/],
    [`https://bank.example/${"a".repeat(2100)}`, /at most/],
  ])("refuses %s on AWS", (url, reason) => {
    expect(payoutUrlProblem(url, AWS)).toMatch(reason);
  });

  // Refused whatever the rules: private, link-local, metadata, reserved.
  it.each([
    ["https://10.0.0.1/", /private/],
    ["https://10.255.255.255/", /private/],
    ["https://172.16.0.1/", /private/],
    ["https://172.31.255.254/", /private/],
    ["https://192.168.1.1/", /private/],
    ["https://100.64.0.1/", /private/],
    ["https://100.127.255.255/", /private/],
    ["https://169.254.169.254/latest/meta-data/", /link-local/],
    ["https://169.254.0.1/", /link-local/],
    ["https://0.0.0.0/", /reserved/],
    ["https://0.1.2.3/", /reserved/],
    ["https://224.0.0.1/", /reserved/],
    ["https://0xa9.0xfe.0xa9.0xfe/", /link-local/],
    ["https://2852039166/", /link-local/],
    ["https://012.0.0.1/", /private/],
    ["https://[fc00::1]/", /private/],
    ["https://[fd00:ec2::254]/", /metadata/],
    ["https://[fe80::1]/", /link-local/],
    ["https://[febf::1]/", /link-local/],
    ["https://[::]/", /reserved/],
    ["https://[::ffff:10.0.0.1]/", /private/],
    ["https://[::ffff:169.254.169.254]/", /link-local/],
    ["https://[::ffff:192.168.0.1]/", /private/],
    ["https://metadata.google.internal/computeMetadata/v1/", /internal/],
    ["https://ip-10-0-0-1.ec2.internal/", /internal/],
    ["https://METADATA.GOOGLE.INTERNAL./", /internal/],
  ])("refuses %s on AWS and locally", (url, reason) => {
    expect(payoutUrlProblem(url, AWS)).toMatch(reason);
    expect(payoutUrlProblem(url, LOCAL)).toMatch(reason);
  });

  it.each([
    "http://localhost:4010/payouts",
    "https://localhost/",
    "http://LOCALHOST./",
    "http://sim.localhost/",
    "http://127.0.0.1:4010/",
    "http://127.1.2.3/",
    "http://0x7f.1/",
    "http://[::1]:4010/",
    "http://[::ffff:127.0.0.1]/",
  ])("allows loopback %s only where local http is allowed", (url) => {
    expect(payoutUrlProblem(url, LOCAL)).toBeUndefined();
    expect(payoutUrlProblem(url.replace(/^http:/, "https:"), AWS)).toMatch(/loopback/);
  });

  it("is what the registration body is validated with, naming the field", () => {
    const parsed = partnerRegistrationSchema(AWS).safeParse({ id: "bank", name: "Bank", payoutUrl: "https://10.1.2.3/" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([["payoutUrl", "must not be a private address"]]);
    expect(partnerRegistrationSchema(LOCAL).safeParse({ id: "bank", name: "Bank", payoutUrl: "http://127.0.0.1:9/" }).success).toBe(true);
    expect(partnerRegistrationSchema(AWS).safeParse({ id: "bank", name: "Bank" }).success).toBe(true);
  });
});

describe("the address a payout host resolves to", () => {
  it.each([
    ["8.8.8.8"],
    ["172.32.0.1"],
    ["100.128.0.1"],
    ["203.0.113.7"],
    ["2001:db8::1"],
    ["2606:4700:4700::1111"],
    ["::ffff:8.8.8.8"],
    ["::FFFF:808:808"],
    ["64:ff9b::8.8.8.8"],
  ])("%s is public", (address) => {
    expect(payoutAddressKind(address)).toBe("public");
  });

  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.0.1", "private"],
    ["100.64.0.1", "private"],
    ["100.127.255.255", "private"],
    ["fc00::1", "private"],
    ["fdff:ffff::1", "private"],
    ["169.254.0.1", "link-local"],
    ["169.254.169.254", "metadata"],
    ["fd00:ec2::254", "metadata"],
    ["FD00:EC2:0:0:0:0:0:254", "metadata"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf:ffff::1", "link-local"],
    ["0.0.0.0", "reserved"],
    ["::", "reserved"],
    ["224.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["ff02::1", "reserved"],
    // IPv4 inside IPv6: mapped, compatible, translated, NAT64 and 6to4 reach the IPv4 address inside.
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.1.2.3", "private"],
    ["::ffff:169.254.169.254", "metadata"],
    ["::ffff:a9fe:a9fe", "metadata"],
    ["::ffff:100.64.0.1", "private"],
    ["::ffff:0.0.0.0", "reserved"],
    ["::127.0.0.1", "loopback"],
    ["::ffff:0:169.254.169.254", "metadata"],
    ["64:ff9b::169.254.169.254", "metadata"],
    ["64:ff9b::a00:1", "private"],
    ["2002:a9fe:a9fe::1", "metadata"],
    ["2002:7f00:1::", "loopback"],
  ])("%s is %s", (address, kind) => {
    expect(payoutAddressKind(address)).toBe(kind);
  });

  it.each(["", "localhost", "1.2.3", "256.1.1.1", "01.2.3.4", "1::2::3", "::ffff:1.2.3.4.5", "12345::", "g::1"])("%j is not an address", (address) => {
    expect(payoutAddressKind(address)).toBe("invalid");
  });

  it("is acceptable on AWS only when public; locally anything goes", () => {
    expect(payoutAddressProblem("8.8.8.8", AWS)).toBeUndefined();
    expect(payoutAddressProblem("127.0.0.1", AWS)).toMatch(/loopback/);
    expect(payoutAddressProblem("169.254.169.254", AWS)).toMatch(/metadata/);
    expect(payoutAddressProblem("::ffff:10.0.0.1", AWS)).toMatch(/private/);
    expect(payoutAddressProblem("not-an-ip", AWS)).toMatch(/not an IP address/);
    expect(payoutAddressProblem("127.0.0.1", LOCAL)).toBeUndefined();
    expect(payoutAddressProblem("10.0.0.1", LOCAL)).toBeUndefined();
  });
});
