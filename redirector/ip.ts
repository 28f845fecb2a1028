/**
 * Strict IP address parsing into 32-bit words: one word for IPv4, four for IPv6.
 *
 * Hand-written rather than `node:net` because we need the numeric form for range
 * lookups, and the same strictness as Go's `netip.ParseAddr` that upstream uses:
 * IPv4 is exactly four decimal parts without leading zeros; no brackets, ports or
 * CIDR suffixes. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is returned as IPv4, so such
 * clients are looked up in the IPv4 ranges (upstream misses them).
 */

export interface IpAddress {
  /** 1 word (IPv4) or 4 words (IPv6), most significant first, each 0..2^32-1. */
  readonly words: readonly number[];
  /** An IPv6 zone (`fe80::1%eth0`): link-local, so it never matches a cloud range. */
  readonly zoned: boolean;
}

const DIGIT_0 = 48;

/** Parses `a.b.c.d` into a 32-bit number, or -1. */
function parseIpv4Word(s: string, start: number, end: number): number {
  let value = 0;
  let parts = 0;
  let i = start;
  while (i <= end) {
    let part = 0;
    let digits = 0;
    while (i < end) {
      const c = s.charCodeAt(i) - DIGIT_0;
      if (c < 0 || c > 9) break;
      if (digits === 1 && part === 0) return -1; // leading zero
      part = part * 10 + c;
      digits++;
      i++;
    }
    if (digits === 0 || part > 255) return -1;
    value = value * 256 + part;
    parts++;
    if (i === end) break;
    if (s.charCodeAt(i) !== 46 /* . */ || parts === 4) return -1;
    i++;
  }
  return parts === 4 ? value : -1;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Parses an IPv6 address (without zone) ending at `end` into `groups` (8 x 16 bits);
 * false if it is not one.
 */
function parseIpv6Groups(s: string, end: number, groups: number[]): boolean {
  let n = 0; // groups written
  let gap = -1; // where "::" stands
  let i = 0;
  if (s.charCodeAt(0) === 58 && s.charCodeAt(1) === 58) {
    gap = 0;
    i = 2;
  }
  while (i < end) {
    if (n === 8) return false;
    let group = 0;
    let digits = 0;
    const groupStart = i;
    while (i < end && digits < 5) {
      const h = hexDigit(s.charCodeAt(i));
      if (h < 0) break;
      group = group * 16 + h;
      digits++;
      i++;
    }
    if (i < end && s.charCodeAt(i) === 46 /* . */) {
      // An embedded IPv4 tail (`::ffff:1.2.3.4`) takes the last two groups.
      const v4 = n <= 6 ? parseIpv4Word(s, groupStart, end) : -1;
      if (v4 < 0) return false;
      groups[n++] = Math.floor(v4 / 65536);
      groups[n++] = v4 % 65536;
      break;
    }
    if (digits === 0 || digits > 4) return false;
    groups[n++] = group;
    if (i === end) break;
    if (s.charCodeAt(i) !== 58 /* : */ || ++i === end) return false;
    if (s.charCodeAt(i) === 58) {
      if (gap !== -1) return false; // a second "::"
      gap = n;
      i++;
    }
  }
  if (gap === -1) return n === 8;
  if (n > 7) return false;
  // Move the groups after "::" to the end and zero the gap.
  const shift = 8 - n;
  for (let k = n - 1; k >= gap; k--) groups[k + shift] = groups[k] as number;
  for (let k = gap; k < gap + shift; k++) groups[k] = 0;
  return true;
}

const groups = [0, 0, 0, 0, 0, 0, 0, 0];

/**
 * Parses the address in `s[0, end)` into `out`: returns 1 (IPv4, or IPv4-mapped IPv6
 * when `unmap`), 4 (IPv6), or 0 if it is not an address. No zone, no allocation.
 */
export function parseIpWords(s: string, end: number, out: number[], unmap = true): 0 | 1 | 4 {
  if (end === 0 || end > 45) return 0;
  const colon = s.indexOf(":");
  if (colon === -1 || colon >= end) {
    const v4 = parseIpv4Word(s, 0, end);
    if (v4 < 0) return 0;
    out[0] = v4;
    return 1;
  }
  if (!parseIpv6Groups(s, end, groups)) return 0;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  if (unmap && g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) {
    out[0] = g6 * 65536 + g7;
    return 1;
  }
  out[0] = g0 * 65536 + g1;
  out[1] = g2 * 65536 + g3;
  out[2] = g4 * 65536 + g5;
  out[3] = g6 * 65536 + g7;
  return 4;
}

/** Parses an IPv4 or IPv6 address (with optional zone) strictly; undefined if it is not one. */
export function parseIp(s: string): IpAddress | undefined {
  const percent = s.indexOf("%");
  if (percent === s.length - 1) return undefined; // empty zone
  const zoned = percent !== -1;
  const words = [0, 0, 0, 0];
  const n = parseIpWords(s, zoned ? percent : s.length, words, !zoned);
  if (n === 0 || (zoned && n !== 4)) return undefined;
  return { words: n === 1 ? [words[0] as number] : words, zoned };
}
