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
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
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
  readonly ranges: CloudRange[] = [];
  /** AWS lists many prefixes once per service: parse each text once. */
  private readonly byText = new Map<string, number>();
  constructor(readonly width: 1 | 4) {}

  /** Adds a prefix; a repeated one takes the later range. False if the text is malformed. */
  add(range: CloudRange): boolean {
    const known = this.byText.get(range.prefix);
    if (known !== undefined) {
      this.ranges[known] = range;
      return true;
    }
    const length = parsePrefixInto(range.prefix, this.width);
    if (length < 0) return false;
    this.byText.set(range.prefix, this.lengths.length);
    for (let j = 0; j < this.width; j++) this.words.push(scratch[j] as number);
    this.lengths.push(length);
    this.ranges.push(range);
    return true;
  }

  build(): FamilyIndex {
    const { words, lengths, width } = this;
    const n = lengths.length;
    // Order by (start, length, insertion): outer prefixes first, and on identical
    // prefixes the later one last, so it wins. A native sort on (first word, length,
    // insertion) does most of it (all of it for IPv4); runs sharing a first word are
    // then put in order by the whole start.
    const keys = new BigUint64Array(n);
    for (let i = 0; i < n; i++) {
      keys[i] = (BigInt(words[i * width] as number) << 32n) | BigInt((lengths[i] as number) * 2 ** 24 + i);
    }
    keys.sort();
    const order = Array.from(keys, (k) => Number(k & 0xffffffn));
    const before = (a: number, b: number) => {
      for (let j = 1; j < width; j++) {
        const d = (words[a * width + j] as number) - (words[b * width + j] as number);
        if (d !== 0) return d < 0;
      }
      return (lengths[a] as number) - (lengths[b] as number) < 0 || (lengths[a] === lengths[b] && a < b);
    };
    for (let i = 1; width > 1 && i < n; i++) {
      const cur = order[i] as number;
      let k = i - 1;
      while (k >= 0 && words[(order[k] as number) * width] === words[cur * width] && before(cur, order[k] as number)) {
        order[k + 1] = order[k] as number;
        k--;
      }
      order[k + 1] = cur;
    }
    return FamilyIndex.build(this, order);
  }
}

/** Prefixes of one family sorted by (start, length), with their last addresses and parents. */
class FamilyIndex {
  constructor(
    private readonly width: number,
    private readonly starts: Uint32Array,
    private readonly ends: Uint32Array,
    /** Per prefix: the innermost other prefix containing it, or -1. */
    private readonly parents: Int32Array,
    /** Per prefix: whose it is. */
    readonly owners: CloudRange[],
  ) {}

  static build(family: FamilyBuilder, order: number[]): FamilyIndex {
    const width = family.width;
    const n = order.length;
    const f = new FamilyIndex(width, new Uint32Array(n * width), new Uint32Array(n * width), new Int32Array(n), []);
    const open: number[] = []; // prefixes enclosing the current one, outermost first
    let k = 0;
    for (let i = 0; i < n; i++) {
      const from = order[i] as number;
      const length = family.lengths[from] as number;
      for (let j = 0; j < width; j++) {
        const w = family.words[from * width + j] as number;
        f.starts[k * width + j] = w;
        f.ends[k * width + j] = (w | ~wordMask(length - 32 * j)) >>> 0;
      }
      f.owners[k] = family.ranges[from] as CloudRange;
      // A repeated prefix replaces the previous copy.
      if (k > 0 && length === family.lengths[order[i - 1] as number] && f.sameStart(k - 1, k)) {
        f.owners[k - 1] = f.owners[k] as CloudRange;
        continue;
      }
      while (open.length > 0 && !f.contains(open.at(-1) as number, f.starts, k)) open.pop();
      f.parents[k] = open.at(-1) ?? -1;
      open.push(k);
      k++;
    }
    f.owners.length = k;
    return new FamilyIndex(
      width,
      f.starts.slice(0, k * width),
      f.ends.slice(0, k * width),
      f.parents.slice(0, k),
      f.owners,
    );
  }

  /** As plain arrays, owners as indexes into `rangeIds`. */
  toJSON(rangeIds: Map<CloudRange, number>): FamilyJson {
    return {
      starts: Array.from(this.starts),
      ends: Array.from(this.ends),
      parents: Array.from(this.parents),
      owners: this.owners.map((r) => rangeIds.get(r) as number),
    };
  }

  static fromJSON(width: number, json: FamilyJson, ranges: CloudRange[]): FamilyIndex {
    const n = json.parents.length;
    if (json.starts.length !== n * width || json.ends.length !== n * width || json.owners.length !== n) {
      throw new Error("inconsistent index");
    }
    const owners = json.owners.map((i) => {
      const r = ranges[i];
      if (!r) throw new Error("inconsistent index");
      return r;
    });
    return new FamilyIndex(
      width,
      Uint32Array.from(json.starts),
      Uint32Array.from(json.ends),
      Int32Array.from(json.parents),
      owners,
    );
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
/** [prefix key, region key] of each list in the official formats. */
type Keys = readonly [string, string];
const AWS_V4: Keys = ["ip_prefix", "region"];
const AWS_V6: Keys = ["ipv6_prefix", "region"];
const GCP_V4: Keys = ["ipv4Prefix", "scope"];
const GCP_V6: Keys = ["ipv6Prefix", "scope"];

export class RangeTableBuilder {
  private readonly v4 = new FamilyBuilder(1);
  private readonly v6 = new FamilyBuilder(4);
  private problems: string[] = [];

  /** `json[key]` as an array (non-empty if `required`), else a recorded problem and []. */
  private list(json: unknown, key: string, required: boolean): unknown[] {
    const list = isObject(json) ? json[key] : undefined;
    if (Array.isArray(list) && (list.length > 0 || !required)) return list;
    this.problems.push(`${key}: ${required ? "missing or empty array" : "missing array"}`);
    return [];
  }

  /** One entry, `list[i]` in problems, with its prefix and region keys. */
  private add(cloud: Cloud, v6: boolean, prefix: unknown, region: unknown, list: string, i: number, keys: Keys) {
    if (this.problems.length >= 20) return;
    if (typeof region !== "string" || region === "") this.problems.push(`${list}[${i}].${keys[1]}: missing`);
    else if (typeof prefix !== "string" || !(v6 ? this.v6 : this.v4).add({ cloud, region, prefix })) {
      this.problems.push(`${list}[${i}].${keys[0]}: ${JSON.stringify(prefix)} is not an IPv${v6 ? 6 : 4} prefix`);
    }
  }

  private notObject(at: string): void {
    this.problems.push(`${at}: not an object`);
  }

  /** An AWS `ip-ranges.json`: every prefix of every service, keyed by `region`. Returns the problems. */
  addAws(json: unknown): string[] {
    this.problems = [];
    // Plain loops with named fields: the start-up path, and the objects share one shape.
    const v4 = this.list(json, "prefixes", true);
    for (let i = 0; i < v4.length; i++) {
      const p = v4[i];
      if (!isObject(p)) this.notObject(`prefixes[${i}]`);
      else this.add("aws", false, p.ip_prefix, p.region, "prefixes", i, AWS_V4);
    }
    const v6 = this.list(json, "ipv6_prefixes", false);
    for (let i = 0; i < v6.length; i++) {
      const p = v6[i];
      if (!isObject(p)) this.notObject(`ipv6_prefixes[${i}]`);
      else this.add("aws", true, p.ipv6_prefix, p.region, "ipv6_prefixes", i, AWS_V6);
    }
    return this.problems;
  }

  /** A GCP `cloud.json`: every prefix, keyed by `scope` (a region, or `global`). Returns the problems. */
  addGcp(json: unknown): string[] {
    this.problems = [];
    const list = this.list(json, "prefixes", true);
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      if (!isObject(p)) this.notObject(`prefixes[${i}]`);
      else if (p.ipv6Prefix !== undefined) {
        this.add("gcp", true, p.ipv6Prefix, p.scope, "prefixes", i, GCP_V6);
      } else this.add("gcp", false, p.ipv4Prefix, p.scope, "prefixes", i, GCP_V4);
    }
    return this.problems;
  }

  build(): RangeTable {
    return new RangeTable(this.v4.build(), this.v6.build());
  }
}

interface FamilyJson {
  starts: number[];
  ends: number[];
  parents: number[];
  owners: number[];
}

/** The build-time index of the range files (see `loadRangeTable`). */
interface IndexJson {
  format: 1;
  /** sha256 of each range file the index was built from. */
  sources: Record<keyof typeof RANGE_FILES, string>;
  ranges: [Cloud, string, string][];
  v4: FamilyJson;
  v6: FamilyJson;
}

export class RangeTable {
  constructor(
    private readonly v4: FamilyIndex,
    private readonly v6: FamilyIndex,
  ) {}

  /** Number of distinct prefixes loaded. */
  get size(): number {
    return this.v4.owners.length + this.v6.owners.length;
  }

  /** The most specific range containing the address, if any. */
  lookup(ip: IpAddress): CloudRange | undefined {
    if (ip.zoned) return undefined;
    const family = ip.words.length === 1 ? this.v4 : this.v6;
    const k = family.find(ip.words);
    return k < 0 ? undefined : family.owners[k];
  }

  /** The table as an index for the range files with these hashes. */
  toIndex(sources: IndexJson["sources"]): IndexJson {
    const ranges = [...new Set([...this.v4.owners, ...this.v6.owners])];
    const ids = new Map(ranges.map((r, i) => [r, i]));
    return {
      format: 1,
      sources,
      ranges: ranges.map((r) => [r.cloud, r.region, r.prefix]),
      v4: this.v4.toJSON(ids),
      v6: this.v6.toJSON(ids),
    };
  }

  /** The table from an index, if it was built from range files with these hashes. */
  static fromIndex(json: unknown, sources: IndexJson["sources"]): RangeTable | undefined {
    const index = json as IndexJson;
    if (index?.format !== 1 || index.sources?.aws !== sources.aws || index.sources?.gcp !== sources.gcp)
      return undefined;
    try {
      const ranges = index.ranges.map(([cloud, region, prefix]) => ({ cloud, region, prefix }));
      return new RangeTable(FamilyIndex.fromJSON(1, index.v4, ranges), FamilyIndex.fromJSON(4, index.v6, ranges));
    } catch {
      return undefined;
    }
  }
}

/** Written next to the range files by `npm run ranges:update`; used only while it matches them. */
export const INDEX_FILE = "ranges-index.json";

function read(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new RangesError([`${path}: cannot read: ${(err as Error).message}`]);
  }
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** The official files' contents and hashes. */
function readSources(dir: string) {
  const aws = read(join(dir, RANGE_FILES.aws));
  const gcp = read(join(dir, RANGE_FILES.gcp));
  return { files: { aws, gcp }, sources: { aws: sha256(aws), gcp: sha256(gcp) } };
}

/** Parses both official range files (bytes) into the matcher; RangesError names the file and the problems. */
function parseSources(dir: string, files: { aws: Buffer; gcp: Buffer }): RangeTable {
  const builder = new RangeTableBuilder();
  for (const cloud of ["aws", "gcp"] as const) {
    const path = join(dir, RANGE_FILES[cloud]);
    let json: unknown;
    try {
      json = JSON.parse(files[cloud].toString("utf8"));
    } catch (err) {
      throw new RangesError([`${path}: not valid JSON: ${(err as Error).message}`]);
    }
    const problems = cloud === "aws" ? builder.addAws(json) : builder.addGcp(json);
    if (problems.length > 0) {
      throw new RangesError([`${path}: not in the expected format:`, ...problems.map((p) => `  ${p}`)]);
    }
  }
  return builder.build();
}

/**
 * Reads both official range files from a directory and builds the matcher. Parsing
 * them costs ~70 ms of a single CPU at start-up, so when `ranges-index.json` (written
 * at image build by ranges:update) holds the same files' hashes, it is used instead;
 * a stale, foreign or damaged index is ignored.
 */
export function loadRangeTable(dir: string): RangeTable {
  const { files, sources } = readSources(dir);
  try {
    const indexed = RangeTable.fromIndex(JSON.parse(readFileSync(join(dir, INDEX_FILE), "utf8")), sources);
    if (indexed) return indexed;
  } catch {
    // no index, or not JSON: parse the files
  }
  return parseSources(dir, files);
}

/** Parses the range files in a directory and writes their index beside them (build time). */
export function writeRangeIndex(dir: string): RangeTable {
  const { files, sources } = readSources(dir);
  const table = parseSources(dir, files);
  writeFileSync(join(dir, INDEX_FILE), JSON.stringify(table.toIndex(sources)));
  return table;
}
