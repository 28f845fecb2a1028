/**
 * Cloud IP ranges: the official AWS (`aws-ip-ranges.json`) and GCP (`gcp-cloud.json`)
 * files, and a longest-prefix matcher over them.
 *
 * Upstream walks a bit-trie from the root and stops at the first (shortest) prefix, so
 * a client in `15.193.7.0/24` (us-west-2), nested in `15.193.0.0/19` (AWS GLOBAL), is
 * sent to the default bucket. Here prefixes are sorted by network address: the last
 * one starting at or before the address is the most specific candidate, and if it does
 * not contain the address we climb to the prefix enclosing it (nesting is shallow).
 *
 * Loading is on the start-up path (~17k prefixes), so it avoids per-prefix objects.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type IpAddress, parseIpWords } from "./ip";
import type { Cloud } from "./routing-table";

/** The prefix a client address matched, and whose it is. */
export interface CloudRange {
  readonly cloud: Cloud;
  readonly region: string;
  readonly prefix: string;
}

export const RANGE_FILES = { aws: "aws-ip-ranges.json", gcp: "gcp-cloud.json" } as const;

/** A missing or malformed range file; `problems` are one line each. */
export class RangesError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

/** The network-bits mask of a word when `bits` of the prefix fall into it (may be <0 or >32). */
function wordMask(bits: number): number {
  if (bits <= 0) return 0;
  return bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

const scratch = [0, 0, 0, 0];

/**
 * Parses `addr/len` of a family into `scratch`, host bits masked off; returns the
 * length, or -1 if it is not such a prefix.
 */
function parsePrefixInto(text: string, width: 1 | 4): number {
  const slash = text.indexOf("/");
  if (slash === -1 || slash + 1 === text.length || text.length - slash > 4) return -1;
  let length = 0;
  for (let i = slash + 1; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    length = length * 10 + d;
  }
  if (length > width * 32 || parseIpWords(text, slash, scratch, false) !== width) return -1;
  for (let j = 0; j < width; j++) scratch[j] = ((scratch[j] as number) & wordMask(length - 32 * j)) >>> 0;
  return length;
}

/** The prefixes of one family (width 1: IPv4, 4: IPv6) while loading, in flat arrays. */
class FamilyBuilder {
  readonly words: number[] = [];
  readonly lengths: number[] = [];
  readonly owners: number[] = [];
  constructor(readonly width: 1 | 4) {}

  /** Adds a prefix owned by `owner` (an index into the table's ranges); false if malformed. */
  add(text: string, owner: number): boolean {
    const length = parsePrefixInto(text, this.width);
    if (length < 0) return false;
    for (let j = 0; j < this.width; j++) this.words.push(scratch[j] as number);
    this.lengths.push(length);
    this.owners.push(owner);
    return true;
  }

  build(): FamilyIndex {
    const { words, lengths, width } = this;
    const order = Array.from(lengths, (_, i) => i);
    // By start, then outer (shorter) first; equal prefixes by insertion, so the later wins.
    order.sort((a, b) => {
      for (let j = 0; j < width; j++) {
        const d = (words[a * width + j] as number) - (words[b * width + j] as number);
        if (d !== 0) return d;
      }
      return (lengths[a] as number) - (lengths[b] as number) || a - b;
    });
    return new FamilyIndex(this, order);
  }
}

/** Prefixes of one family sorted by (start, length), with their last addresses and parents. */
class FamilyIndex {
  private readonly width: number;
  private readonly starts: Uint32Array;
  private readonly ends: Uint32Array;
  /** Per prefix: the innermost other prefix containing it, or -1. */
  private readonly parents: Int32Array;
  /** Per prefix: its index in the table's ranges. */
  readonly owners: Int32Array;

  constructor(family: FamilyBuilder, order: number[]) {
    const width = family.width;
    this.width = width;
    const n = order.length;
    this.starts = new Uint32Array(n * width);
    this.ends = new Uint32Array(n * width);
    this.parents = new Int32Array(n);
    this.owners = new Int32Array(n);
    const open: number[] = []; // prefixes enclosing the current one, outermost first
    let k = 0;
    for (let i = 0; i < n; i++) {
      const from = order[i] as number;
      const length = family.lengths[from] as number;
      for (let j = 0; j < width; j++) {
        const w = family.words[from * width + j] as number;
        this.starts[k * width + j] = w;
        this.ends[k * width + j] = (w | ~wordMask(length - 32 * j)) >>> 0;
      }
      this.owners[k] = family.owners[from] as number;
      // A repeated prefix replaces the previous copy.
      if (k > 0 && length === family.lengths[order[i - 1] as number] && this.sameStart(k - 1, k)) {
        this.owners[k - 1] = this.owners[k] as number;
        continue;
      }
      while (open.length > 0 && !this.contains(open.at(-1) as number, this.starts, k)) open.pop();
      this.parents[k] = open.at(-1) ?? -1;
      open.push(k);
      k++;
    }
    this.starts = this.starts.slice(0, k * width);
    this.ends = this.ends.slice(0, k * width);
    this.parents = this.parents.slice(0, k);
    this.owners = this.owners.slice(0, k);
  }

  private sameStart(a: number, b: number): boolean {
    for (let j = 0; j < this.width; j++) {
      if (this.starts[a * this.width + j] !== this.starts[b * this.width + j]) return false;
    }
    return true;
  }
  /** Whether prefix k's last address is >= the address at `words[offset * width]`. */
  private contains(k: number, words: ArrayLike<number>, offset: number): boolean {
    const w = this.width;
    for (let j = 0; j < w; j++) {
      const e = this.ends[k * w + j] as number;
      const a = words[offset * w + j] as number;
      if (e !== a) return e > a;
    }
    return true;
  }

  /** Index of the most specific prefix containing the address, or -1. */
  find(words: readonly number[]): number {
    const w = this.width;
    let lo = 0;
    let hi = this.parents.length - 1;
    // The last prefix whose start is <= the address...
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      let cmp = 0;
      for (let j = 0; j < w && cmp === 0; j++) cmp = (this.starts[mid * w + j] as number) - (words[j] as number);
      if (cmp <= 0) lo = mid + 1;
      else hi = mid - 1;
    }
    // ...or, if it ends before the address, the innermost prefix enclosing it that does not.
    let k = hi;
    while (k >= 0 && !this.contains(k, words, 0)) k = this.parents[k] as number;
    return k;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Collects the prefixes of the range files, then builds the table. */
export class RangeTableBuilder {
  private readonly ranges: CloudRange[] = [];
  private readonly v4 = new FamilyBuilder(1);
  private readonly v6 = new FamilyBuilder(4);

  /**
   * Adds `json[listKey][*]`: each item's `prefixKey` (or, if present, `v6Key`) and its
   * `regionKey`. Returns the problems found, as `listKey[i].key: message`.
   */
  private addList(
    cloud: Cloud,
    json: unknown,
    listKey: string,
    keys: { v4?: string; v6?: string; region: string },
    required: boolean,
  ): string[] {
    const problems: string[] = [];
    const list = isObject(json) ? json[listKey] : undefined;
    if (!Array.isArray(list) || (required && list.length === 0)) {
      return [`${listKey}: ${required ? "missing or empty array" : "missing array"}`];
    }
    for (let i = 0; i < list.length && problems.length < 20; i++) {
      const item: unknown = list[i];
      if (!isObject(item)) {
        problems.push(`${listKey}[${i}]: not an object`);
        continue;
      }
      const v6 = keys.v6 !== undefined && (keys.v4 === undefined || keys.v6 in item);
      const prefixKey = (v6 ? keys.v6 : keys.v4) as string;
      const prefix = item[prefixKey];
      const region = item[keys.region];
      if (typeof region !== "string" || region === "") {
        problems.push(`${listKey}[${i}].${keys.region}: missing`);
      } else if (typeof prefix !== "string" || !(v6 ? this.v6 : this.v4).add(prefix, this.ranges.length)) {
        problems.push(`${listKey}[${i}].${prefixKey}: ${JSON.stringify(prefix)} is not an IPv${v6 ? 6 : 4} prefix`);
      } else {
        this.ranges.push({ cloud, region, prefix });
      }
    }
    return problems;
  }

  /** An AWS `ip-ranges.json`: every prefix of every service, keyed by `region`. */
  addAws(json: unknown): string[] {
    return [
      ...this.addList("aws", json, "prefixes", { v4: "ip_prefix", region: "region" }, true),
      ...this.addList("aws", json, "ipv6_prefixes", { v6: "ipv6_prefix", region: "region" }, false),
    ];
  }

  /** A GCP `cloud.json`: every prefix, keyed by `scope` (a region, or `global`). */
  addGcp(json: unknown): string[] {
    return this.addList("gcp", json, "prefixes", { v4: "ipv4Prefix", v6: "ipv6Prefix", region: "scope" }, true);
  }

  build(): RangeTable {
    return new RangeTable(this.ranges, this.v4.build(), this.v6.build());
  }
}

export class RangeTable {
  constructor(
    private readonly ranges: readonly CloudRange[],
    private readonly v4: FamilyIndex,
    private readonly v6: FamilyIndex,
  ) {}

  /** Number of prefixes loaded (as listed, repeats included). */
  get size(): number {
    return this.ranges.length;
  }

  /** The most specific range containing the address, if any. */
  lookup(ip: IpAddress): CloudRange | undefined {
    if (ip.zoned) return undefined;
    const family = ip.words.length === 1 ? this.v4 : this.v6;
    const k = family.find(ip.words);
    return k < 0 ? undefined : this.ranges[family.owners[k] as number];
  }
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new RangesError([`${path}: cannot read: ${(err as Error).message}`]);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RangesError([`${path}: not valid JSON: ${(err as Error).message}`]);
  }
}

/** Reads both official range files from a directory and builds the matcher. */
export function loadRangeTable(dir: string): RangeTable {
  const builder = new RangeTableBuilder();
  for (const [file, add] of [
    [RANGE_FILES.aws, (json: unknown) => builder.addAws(json)],
    [RANGE_FILES.gcp, (json: unknown) => builder.addGcp(json)],
  ] as const) {
    const path = join(dir, file);
    const problems = add(readJson(path));
    if (problems.length > 0) {
      throw new RangesError([`${path}: not in the expected format:`, ...problems.map((p) => `  ${p}`)]);
    }
  }
  return builder.build();
}
