/**
 * Which payout URLs a partner may register. The platform calls these URLs itself, so a URL must
 * never let a caller aim the platform at its own network: no private, loopback, link-local or
 * cloud metadata address, and https only, except in local development, where plain http and
 * loopback (the partner simulator on this machine) are allowed. Pure; hostnames are judged as
 * written (the URL parser normalises numeric forms such as `0x7f.1` or `2130706433` first).
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
  switch (kind) {
    case "public":
      return undefined;
    case "loopback":
      return rules.allowHttp ? undefined : "must not be a loopback address";
    case "private":
      return "must not be a private address";
    case "link-local":
      return "must not be a link-local or metadata address";
    case "internal":
      return "must not be an internal or metadata host name";
    case "reserved":
      return "must not be an unspecified, reserved or multicast address";
    case "invalid":
      return "must name a valid host";
  }
}

type HostKind = "public" | "loopback" | "private" | "link-local" | "internal" | "reserved" | "invalid";

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
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  return octets.every((octet) => octet <= 255) ? octets : undefined;
}

function ipv4OctetsKind(octets: readonly number[]): HostKind {
  const [a = 0, b = 0] = octets;
  if (a === 127) return "loopback";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  if (a === 100 && b >= 64 && b <= 127) return "private"; // carrier-grade NAT, 100.64.0.0/10
  if (a === 169 && b === 254) return "link-local"; // includes 169.254.169.254, the metadata service
  if (a === 0 || a >= 224) return "reserved"; // this network; multicast, reserved and broadcast
  return "public";
}

function ipv6Kind(literal: string): HostKind {
  const words = parseIpv6(literal);
  if (!words) return "invalid";
  const [first = 0] = words;
  if (words.every((word) => word === 0)) return "reserved"; // ::
  if (words.slice(0, 7).every((word) => word === 0) && words[7] === 1) return "loopback"; // ::1
  if ((first & 0xfe00) === 0xfc00) return "private"; // fc00::/7 unique local (AWS metadata is fd00:ec2::254)
  if ((first & 0xffc0) === 0xfe80) return "link-local"; // fe80::/10
  if ((first & 0xff00) === 0xff00) return "reserved"; // multicast
  // ::ffff:a.b.c.d (IPv4-mapped) and ::a.b.c.d (IPv4-compatible) reach the IPv4 address inside.
  const mapped = words.slice(0, 5).every((word) => word === 0) && (words[5] === 0xffff || words[5] === 0);
  if (mapped) {
    const high = words[6] ?? 0;
    const low = words[7] ?? 0;
    return ipv4OctetsKind([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  }
  return "public";
}

/**
 * The eight 16-bit words of an IPv6 literal, or undefined. The URL parser has already written it
 * in canonical form (hex words, at most one `::`, an embedded dotted IPv4 turned into hex).
 */
function parseIpv6(literal: string): number[] | undefined {
  if (!/^[0-9a-f:]+$/.test(literal)) return undefined;
  const parts = literal.split("::");
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
  const explicit = head.length + rest.length;
  if (parts.length === 1) return explicit === 8 ? head : undefined;
  if (explicit > 7) return undefined;
  return [...head, ...Array<number>(8 - explicit).fill(0), ...rest];
}
