/**
 * Which payout URLs a partner may register. The platform calls these URLs itself, so a URL must
 * never let a caller aim the platform at its own network: no private, loopback, link-local or
 * cloud metadata address, and https only, except in local development, where plain http and
 * loopback (the partner simulator on this machine) are allowed. Pure. At registration a hostname
 * is judged as written (the URL parser normalises numeric forms such as `0x7f.1` or `2130706433`
 * first); at every payout the payout client also judges each address the name resolves to
 * ({@link payoutAddressProblem}) and connects to the address it judged, so a name that resolves
 * (or later re-resolves) to an internal address never reaches it.
 */

export interface PayoutUrlRules {
  /** Local development: `http:` and loopback hosts are accepted. */
  allowHttp: boolean;
}

/** Longest payout URL accepted. */
export const MAX_PAYOUT_URL_LENGTH = 2048;

/** Hostnames refused whatever the rules; `*.internal` covers metadata.google.internal and EC2's private DNS. */
const INTERNAL_SUFFIX = ".internal";

/**
 * Why a payout URL is refused, as a sentence, or undefined when it is acceptable.
 */
export function payoutUrlProblem(raw: string, rules: PayoutUrlRules): string | undefined {
  if (raw.length > MAX_PAYOUT_URL_LENGTH) return `must be at most ${MAX_PAYOUT_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute URL";
  }
  if (url.protocol !== "https:" && !(rules.allowHttp && url.protocol === "http:")) {
    return rules.allowHttp ? "must use https or http" : "must use https";
  }
  if (url.username !== "" || url.password !== "") return "must not carry credentials";
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (host === "") return "must name a host";

  const kind = host.startsWith("[") ? ipv6Kind(host.slice(1, -1)) : (ipv4Kind(host) ?? nameKind(host));
  if (kind === "public") return undefined;
  if (kind === "loopback" && rules.allowHttp) return undefined;
  return KIND_PROBLEMS[kind];
}

/**
 * What kind of address an IP address is, as a resolver answers it: dotted-quad IPv4, or IPv6 in
 * any textual form (compressed or not, any case, with an embedded dotted IPv4, with a `%zone`).
 * IPv6 forms that carry an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`,
 * translated `::ffff:0:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are the kind of the
 * IPv4 address inside. Anything that is not an IP address is `invalid`.
 */
export function payoutAddressKind(address: string): AddressKind {
  if (address.includes(":")) return ipv6Kind(address.toLowerCase().replace(/%.*$/, ""));
  const octets = parseIpv4(address);
  return octets ? ipv4OctetsKind(octets) : "invalid";
}

/**
 * Why the platform must not connect to `address` for a payout, or undefined when it may. On AWS
 * (`allowHttp` false) only public addresses are acceptable; locally, anything (the simulator and
 * test servers listen on loopback).
 */
export function payoutAddressProblem(address: string, rules: PayoutUrlRules): string | undefined {
  if (rules.allowHttp) return undefined;
  const kind = payoutAddressKind(address);
  if (kind === "public") return undefined;
  if (kind === "invalid") return `resolves to ${address}, which is not an IP address`;
  return `resolves to ${address}: ${KIND_PROBLEMS[kind]}`;
}

/** Kinds of address; everything but `public` is refused on AWS. */
export type AddressKind = "public" | "loopback" | "private" | "link-local" | "metadata" | "reserved" | "invalid";

type HostKind = AddressKind | "internal";

const KIND_PROBLEMS: Record<Exclude<HostKind, "public">, string> = {
  loopback: "must not be a loopback address",
  private: "must not be a private address",
  "link-local": "must not be a link-local or metadata address",
  metadata: "must not be a link-local or metadata address",
  internal: "must not be an internal or metadata host name",
  reserved: "must not be an unspecified, reserved or multicast address",
  invalid: "must name a valid host",
};

function nameKind(host: string): HostKind {
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  if (host.endsWith(INTERNAL_SUFFIX) || host === "internal") return "internal";
  return "public";
}

/** The kind of a dotted-quad IPv4 host, or undefined when the host is not one. */
function ipv4Kind(host: string): HostKind | undefined {
  const octets = parseIpv4(host);
  return octets ? ipv4OctetsKind(octets) : undefined;
}

function parseIpv4(host: string): number[] | undefined {
  // No leading zeros: "010" reads as octal to some resolvers and as decimal to others.
  const match = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/.exec(host);
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  return octets.every((octet) => octet <= 255) ? octets : undefined;
}

function ipv4OctetsKind(octets: readonly number[]): AddressKind {
  const [a = 0, b = 0] = octets;
  if (a === 127) return "loopback";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  if (a === 100 && b >= 64 && b <= 127) return "private"; // carrier-grade NAT, 100.64.0.0/10
  if (octets.join(".") === "169.254.169.254") return "metadata"; // EC2, ECS and Lambda's metadata service
  if (a === 169 && b === 254) return "link-local";
  if (a === 0 || a >= 224) return "reserved"; // this network; multicast, reserved and broadcast
  return "public";
}

/** fd00:ec2::254, EC2's IPv6 metadata service. */
const METADATA_IPV6 = [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254];

function ipv6Kind(literal: string): AddressKind {
  const words = parseIpv6(literal);
  if (!words) return "invalid";
  const [first = 0, second = 0, third = 0] = words;
  const embedded = (high: number, low: number) => ipv4OctetsKind([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  const zeros = (from: number, to: number) => words.slice(from, to).every((word) => word === 0);
  if (zeros(0, 8)) return "reserved"; // ::
  if (zeros(0, 7) && words[7] === 1) return "loopback"; // ::1
  if (METADATA_IPV6.every((word, i) => words[i] === word)) return "metadata";
  if ((first & 0xfe00) === 0xfc00) return "private"; // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80) return "link-local"; // fe80::/10
  if ((first & 0xff00) === 0xff00) return "reserved"; // multicast
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::ffff:0:a.b.c.d (translated) and
  // 64:ff9b::a.b.c.d (NAT64) reach the IPv4 address inside; 6to4 (2002:AABB:CCDD::) routes to it.
  const mapped = zeros(0, 5) && (words[5] === 0xffff || words[5] === 0);
  const translated = zeros(0, 4) && words[4] === 0xffff && words[5] === 0;
  const nat64 = first === 0x64 && second === 0xff9b && zeros(2, 6);
  if (mapped || translated || nat64) return embedded(words[6] ?? 0, words[7] ?? 0);
  if (first === 0x2002) return embedded(second, third);
  return "public";
}

/**
 * The eight 16-bit words of an IPv6 address in any textual form (lowercase hex words, at most one
 * `::`, optionally ending in a dotted IPv4), or undefined.
 */
function parseIpv6(literal: string): number[] | undefined {
  if (!/^[0-9a-f:.]+$/.test(literal)) return undefined;
  let text = literal;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const octets = parseIpv4(text.slice(lastColon + 1));
    if (!octets) return undefined;
    tail.push(((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0));
    // Keep a "::" that ends right before the IPv4 part.
    text = text.slice(0, lastColon + 1);
    text = text.endsWith("::") ? text : text.slice(0, -1);
  }
  const parts = text.split("::");
  if (parts.length > 2) return undefined;
  const words = (part: string | undefined): number[] | undefined => {
    if (part === undefined || part === "") return [];
    const groups = part.split(":");
    if (groups.some((group) => !/^[0-9a-f]{1,4}$/.test(group))) return undefined;
    return groups.map((group) => parseInt(group, 16));
  };
  const head = words(parts[0]);
  const rest = words(parts[1]);
  if (!head || !rest) return undefined;
  const explicit = head.length + rest.length + tail.length;
  if (parts.length === 1) return explicit === 8 ? [...head, ...tail] : undefined;
  if (explicit > 7) return undefined;
  return [...head, ...Array<number>(8 - explicit).fill(0), ...rest, ...tail];
}
