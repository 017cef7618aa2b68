/**
 * How trade-in buyers' names and phone numbers appear in lists (API.md "Merchant programmes and
 * trade-in"): enough for a reviewer to tell records apart, too little to call or find the buyer.
 * Only the single-record route shows them whole, and it writes an audit entry.
 */

const MASK = "*";
/** What stands for the hidden middle of a phone number: always four stars, so its length is not told. */
const PHONE_MIDDLE = MASK.repeat(4);
/** Below this many characters, keeping the first 3 and the last 4 would show the number whole. */
const SHORTEST_PARTLY_SHOWN_PHONE = 8;
/** A mainland mobile number, optionally written with the country code (+86 or 0086). */
const MAINLAND_MOBILE = /^(?:\+86|0086)?(1\d{10})$/;

const graphemes = new Intl.Segmenter("und", { granularity: "grapheme" });

/**
 * A name as lists show it: its first character, then one `*` for each other character (`张三丰` →
 * `张**`, `Li Na` → `L****`). Characters are what a reader sees (grapheme clusters), so a surrogate
 * pair or a letter with a combining accent counts as one. Surrounding spaces are dropped.
 */
export function maskBuyerName(name: string): string {
  const characters = Array.from(graphemes.segment(name.trim()), (part) => part.segment);
  const [first, ...rest] = characters;
  if (first === undefined) return "";
  return first + MASK.repeat(rest.length);
}

/**
 * A phone number as lists show it. Spaces, hyphens and parentheses are dropped first. An 11-digit
 * number (a mobile `13800138000`, or a landline with its area code `01012345678`) keeps its first 3
 * and last 4 digits: `138****8000`; a mobile written with +86 or 0086 keeps that prefix:
 * `+86 138****8000`. Any other string of 8 characters or more keeps its first 3 and last 4
 * characters around four stars; a shorter one is four stars only, since keeping 3 + 4 characters
 * would show it whole.
 */
export function maskBuyerPhone(phone: string): string {
  const compact = phone.replace(/[\s()-]/g, "");
  const mobile = MAINLAND_MOBILE.exec(compact);
  if (mobile?.[1] !== undefined) {
    const prefix = compact.length > 11 ? "+86 " : "";
    return prefix + keepEnds(mobile[1]);
  }
  const characters = Array.from(compact);
  if (characters.length < SHORTEST_PARTLY_SHOWN_PHONE) return PHONE_MIDDLE;
  return keepEnds(compact);
}

function keepEnds(value: string): string {
  const characters = Array.from(value);
  return characters.slice(0, 3).join("") + PHONE_MIDDLE + characters.slice(-4).join("");
}
