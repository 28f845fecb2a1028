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
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { type IpAddress, parseIpWords } from "./ip";
import { CLOUDS, type Cloud } from "./routing-table";

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

/** Compares the address `a[i]` with the address `b[k]` (each `width` words). */
function compare(width: number, a: ArrayLike<number>, i: number, b: ArrayLike<number>, k: number): number {
  for (let j = 0; j < width; j++) {
    const d = (a[i * width + j] as number) - (b[k * width + j] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** The deepest a lookup may climb: one level per prefix length. */
const MAX_DEPTH = 129;

/**
 * Per prefix: the innermost other prefix containing it, or -1; prefixes either nest or
 * are disjoint, so a stack of the open ones suffices. Checks on the way that every prefix
 * is an aligned CIDR block, sorted by start and on equal starts outer first, nested at
 * most MAX_DEPTH deep, and throws an Error naming the first that is not (an index read
 * from disk is checked with this before use). Written out inline, with no small
 * functions called per prefix: on the start-up path ~12k such calls would make V8 compile
 * them with TurboFan, which costs more CPU than the check itself and pages ~5 MB of
 * compiler code into RSS.
 */
function checkedParents(width: number, starts: Uint32Array, ends: Uint32Array): Int32Array {
  const n = ends.length / width;
  const parents = new Int32Array(n);
  const open = new Int32Array(MAX_DEPTH); // enclosing prefixes, outermost first
  let depth = 0;
  for (let k = 0; k < n; k++) {
    const at = k * width;
    // A block: the start's host bits zero, the end's one, network bits equal.
    let inHost = false;
    for (let j = 0; j < width; j++) {
      const start = starts[at + j] as number;
      const x = (start ^ (ends[at + j] as number)) >>> 0;
      if ((inHost ? x !== 0xffffffff : (x & (x + 1)) !== 0) || (start & x) !== 0) {
        throw new Error(`prefix ${k} is not a CIDR block`);
      }
      if (x !== 0) inHost = true;
    }
    // Sorted by start, and on equal starts the longer prefix (later end) first.
    if (k > 0) {
      let order = 0;
      for (let j = 0; j < width && order === 0; j++)
        order = (starts[at - width + j] as number) - (starts[at + j] as number);
      let outer = 0;
      for (let j = 0; j < width && order === 0 && outer === 0; j++)
        outer = (ends[at - width + j] as number) - (ends[at + j] as number);
      if (order > 0 || (order === 0 && outer <= 0)) throw new Error(`prefix ${k} is out of order`);
    }
    // The open prefixes that end before this one starts are closed.
    while (depth > 0) {
      const top = (open[depth - 1] as number) * width;
      let cmp = 0;
      for (let j = 0; j < width && cmp === 0; j++) cmp = (ends[top + j] as number) - (starts[at + j] as number);
      if (cmp >= 0) break;
      depth--;
    }
    parents[k] = depth > 0 ? (open[depth - 1] as number) : -1;
    if (depth === MAX_DEPTH) throw new Error(`prefix ${k} is nested too deep`);
    open[depth++] = k;
  }
  return parents;
}

/**
 * Prefixes of one family sorted by (start, length), with their last addresses and
 * parents. Exported for tests; the service builds it with `build` or `fromArrays`.
 */
export class FamilyIndex {
  constructor(
    private readonly width: number,
    private readonly starts: Uint32Array,
    private readonly ends: Uint32Array,
    /** Per prefix: the innermost other prefix containing it, or -1. */
    private readonly parents: Int32Array,
    /** Per prefix: whose it is (from an index: filled in by `describe` on first lookup). */
    private readonly owners: CloudRange[],
    private readonly describe?: (k: number) => CloudRange,
  ) {}

  /** Number of prefixes. */
  get size(): number {
    return this.parents.length;
  }

  /** Whose prefix k is. */
  owner(k: number): CloudRange {
    let r = this.owners[k];
    if (r === undefined) {
      r = (this.describe as (k: number) => CloudRange)(k);
      this.owners[k] = r;
    }
    return r;
  }

  static build(family: FamilyBuilder, order: number[]): FamilyIndex {
    const width = family.width;
    const starts: number[] = [];
    const ends: number[] = [];
    const owners: CloudRange[] = [];
    let previous = -1;
    for (const from of order) {
      const length = family.lengths[from] as number;
      const words = family.words.slice(from * width, from * width + width);
      const range = family.ranges[from] as CloudRange;
      // A repeated prefix replaces the previous copy (the later one sorts last).
      if (
        previous >= 0 &&
        length === family.lengths[previous] &&
        compare(width, words, 0, family.words, previous) === 0
      ) {
        owners[owners.length - 1] = range;
        continue;
      }
      starts.push(...words);
      for (let j = 0; j < width; j++) ends.push(((words[j] as number) | ~wordMask(length - 32 * j)) >>> 0);
      owners.push(range);
      previous = from;
    }
    const s = Uint32Array.from(starts);
    const e = Uint32Array.from(ends);
    return new FamilyIndex(width, s, e, checkedParents(width, s, e), owners);
  }

  /**
   * As flat arrays: owners as region ids (`regionId`), and each prefix's text appended to
   * `texts` (its end recorded in `textEnds`, counted from `textStart`).
   */
  toArrays(regionId: (r: CloudRange) => number, texts: string[], textStart: number): FamilyArrays {
    const n = this.size;
    const owners = new Uint32Array(n);
    const textEnds = new Uint32Array(n);
    let at = textStart;
    for (let k = 0; k < n; k++) {
      const r = this.owner(k);
      owners[k] = regionId(r);
      texts.push(r.prefix);
      at += r.prefix.length;
      textEnds[k] = at;
    }
    return { starts: this.starts, ends: this.ends, parents: this.parents, owners, textEnds };
  }

  /**
   * From an index's arrays, checked as a whole: every prefix an aligned block, sorted
   * outer first, each parent exactly the one the prefixes imply, each owner a listed
   * region and each text within `text` (after `textStart`). A damaged index is refused
   * (an Error saying what is wrong), never trusted. Owners are made on first lookup:
   * no object per prefix at start-up.
   */
  static fromArrays(
    width: number,
    a: FamilyArrays,
    regions: readonly Region[],
    text: string,
    textStart: number,
  ): FamilyIndex {
    const n = a.parents.length;
    if (
      a.starts.length !== n * width ||
      a.ends.length !== n * width ||
      a.owners.length !== n ||
      a.textEnds.length !== n
    ) {
      throw new Error("array lengths disagree");
    }
    // Shape, order and nesting of every prefix, and each stored parent the one they imply.
    const { starts, ends, parents } = a;
    const implied = checkedParents(width, starts, ends);
    for (let k = 0; k < n; k++) {
      if (parents[k] !== implied[k]) throw new Error(`parent of prefix ${k} is wrong`);
    }
    const { owners, textEnds } = a;
    for (let k = 0, from = textStart; k < n; k++) {
      if ((owners[k] as number) >= regions.length) throw new Error(`owner of prefix ${k} does not exist`);
      const to = textEnds[k] as number;
      if (to <= from || to > text.length) throw new Error(`text of prefix ${k} is out of bounds`);
      from = to;
    }
    const describe = (k: number): CloudRange => {
      const { cloud, region } = regions[owners[k] as number] as Region;
      return { cloud, region, prefix: text.slice(k === 0 ? textStart : textEnds[k - 1], textEnds[k]) };
    };
    return new FamilyIndex(width, starts, ends, parents, new Array<CloudRange>(n), describe);
  }

  /** Whether prefix k's last address is >= the address at `words[offset * width]`. */
  private contains(k: number, words: ArrayLike<number>, offset: number): boolean {
    return compare(this.width, this.ends, k, words, offset) >= 0;
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
    // ...or, if it ends before the address, the innermost prefix enclosing it that does
    // not. Bounded whatever the parents say: no more levels than prefix lengths.
    let k = hi;
    for (let depth = 0; k >= 0 && !this.contains(k, words, 0); depth++) {
      if (depth === MAX_DEPTH) return -1;
      k = this.parents[k] as number;
    }
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

interface FamilyArrays {
  starts: Uint32Array;
  ends: Uint32Array;
  parents: Int32Array;
  /** Per prefix: its region, an index into the index's `regions`. */
  owners: Uint32Array;
  /** Per prefix: where its text ends in the index's `text` (it starts where the previous one ends). */
  textEnds: Uint32Array;
}

/** A cloud's region, as the ranges name it. */
type Region = Pick<CloudRange, "cloud" | "region">;

/** The fingerprint (`<bytes>:<CRC-32 hex>`) of each range file an index was built from. */
type Sources = Record<keyof typeof RANGE_FILES, string>;

/** The build-time index of the range files (see `loadRangeTable`), decoded. */
export interface RangeIndex {
  sources: Sources;
  /** Distinct (cloud, region) pairs: the prefixes' owners. */
  regions: [Cloud, string][];
  /** Every prefix's text as the files write it, IPv4 then IPv6, in index order, run together. */
  text: string;
  v4: FamilyArrays;
  v6: FamilyArrays;
}

export class RangeTable {
  constructor(
    private readonly v4: FamilyIndex,
    private readonly v6: FamilyIndex,
  ) {}

  /** Number of distinct prefixes loaded. */
  get size(): number {
    return this.v4.size + this.v6.size;
  }

  /** The most specific range containing the address, if any. */
  lookup(ip: IpAddress): CloudRange | undefined {
    if (ip.zoned) return undefined;
    const family = ip.words.length === 1 ? this.v4 : this.v6;
    const k = family.find(ip.words);
    return k < 0 ? undefined : family.owner(k);
  }

  /** The table as an index for the range files with these fingerprints. */
  toIndex(sources: Sources): RangeIndex {
    const regions: [Cloud, string][] = [];
    const ids = new Map<string, number>();
    const regionId = (r: CloudRange) => {
      const key = `${r.cloud} ${r.region}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = regions.push([r.cloud, r.region]) - 1;
        ids.set(key, id);
      }
      return id;
    };
    const texts: string[] = [];
    const v4 = this.v4.toArrays(regionId, texts, 0);
    const v6 = this.v6.toArrays(regionId, texts, v4.textEnds.at(-1) ?? 0);
    return { sources, regions, text: texts.join(""), v4, v6 };
  }

  /**
   * The table from an index built from range files with these fingerprints; undefined for an
   * index of other files; an Error if the index is damaged.
   */
  static fromIndex(index: RangeIndex, sources: Sources): RangeTable | undefined {
    if (index.sources.aws !== sources.aws || index.sources.gcp !== sources.gcp) return undefined;
    const regions = index.regions.map(([cloud, region]) => ({ cloud, region }));
    const { text, v4, v6 } = index;
    return new RangeTable(
      FamilyIndex.fromArrays(1, v4, regions, text, 0),
      FamilyIndex.fromArrays(4, v6, regions, text, v4.textEnds.at(-1) ?? 0),
    );
  }
}

/**
 * The index file: a magic line, a little-endian u32 header length, a JSON header
 * (sources, regions, counts), zero padding to 4 bytes, the arrays as raw u32s, then the
 * prefixes' texts (ASCII) run together. Binary so that loading it is a copy and one
 * string, not a JSON parse of 100k numbers (~20 MB of RSS) or an object per prefix
 * (~12k objects and 35k strings: ~3 MB of heap and most of the start-up's GC).
 */
const MAGIC = "registry-ranges-index 3\n";

export function encodeRangeIndex(index: RangeIndex): Buffer {
  const header = Buffer.from(
    JSON.stringify({
      sources: index.sources,
      regions: index.regions,
      v4: index.v4.parents.length,
      v6: index.v6.parents.length,
      text: index.text.length,
    }),
  );
  const head = MAGIC.length + 4 + header.length;
  const pad = (4 - (head % 4)) % 4;
  const arrays = [index.v4, index.v6].flatMap((f) => [f.starts, f.ends, f.parents, f.owners, f.textEnds]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  return Buffer.concat([
    Buffer.from(MAGIC),
    length,
    header,
    Buffer.alloc(pad),
    ...arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)),
    Buffer.from(index.text, "latin1"),
  ]);
}

/** Decodes an index file; an Error says what does not fit. */
export function decodeRangeIndex(data: Buffer): RangeIndex {
  if (data.toString("latin1", 0, MAGIC.length) !== MAGIC) throw new Error("not a range index (format 3)");
  const headerLength = data.readUInt32LE(MAGIC.length);
  const headerEnd = MAGIC.length + 4 + headerLength;
  const header = JSON.parse(data.toString("utf8", MAGIC.length + 4, headerEnd)) as {
    sources: Sources;
    regions: [Cloud, string][];
    v4: number;
    v6: number;
    text: number;
  };
  const { v4, v6, text, regions } = header;
  const count = (n: number) => Number.isInteger(n) && n >= 0;
  if (!count(v4) || !count(v6) || !count(text) || !Array.isArray(regions) || !regions.every(isRegion)) {
    throw new Error("bad header");
  }
  const offset = headerEnd + ((4 - (headerEnd % 4)) % 4);
  // Per family: starts and ends of n x width words; parents, owners and text ends of n.
  const textOffset = offset + 4 * (2 * v4 + 3 * v4 + 2 * 4 * v6 + 3 * v6);
  const expected = textOffset + text;
  if (data.length !== expected) throw new Error(`size ${data.length}, expected ${expected}`);
  // A private, aligned copy: the file's buffer may be pooled or misaligned.
  const words = new Uint32Array(data.buffer.slice(data.byteOffset + offset, data.byteOffset + textOffset));
  let at = 0;
  const take = (n: number) => {
    const part = words.subarray(at, at + n);
    at += n;
    return part;
  };
  const signed = (u: Uint32Array) => new Int32Array(u.buffer, u.byteOffset, u.length);
  const family = (n: number, width: number): FamilyArrays => ({
    starts: take(n * width),
    ends: take(n * width),
    parents: signed(take(n)),
    owners: take(n),
    textEnds: take(n),
  });
  return {
    sources: header.sources,
    regions,
    text: data.toString("latin1", textOffset),
    v4: family(v4, 1),
    v6: family(v6, 4),
  };
}

function isRegion(r: unknown): r is [Cloud, string] {
  return (
    Array.isArray(r) && r.length === 2 && (CLOUDS as readonly unknown[]).includes(r[0]) && typeof r[1] === "string"
  );
}

/** Written next to the range files by `npm run ranges:update`; used only while it matches them. */
export const INDEX_FILE = "ranges-index.bin";

function read(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new RangesError([`${path}: cannot read: ${(err as Error).message}`]);
  }
}

/**
 * A file's fingerprint, `<bytes>:<CRC-32 hex>`, read in 64 KiB chunks (the 2.5 MB AWS
 * file is never held whole). It tells a stale index from a current one; it is not a
 * defence against tampering (whoever can write the files can write the index). CRC-32
 * from node:zlib rather than sha256: loading node:crypto cost ~12 ms of each start.
 */
function fingerprint(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new RangesError([`${path}: cannot read: ${(err as Error).message}`]);
  }
  try {
    let crc = 0;
    let bytes = 0;
    const chunk = Buffer.allocUnsafe(64 * 1024);
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) {
      crc = crc32(chunk.subarray(0, n), crc);
      bytes += n;
    }
    return `${bytes}:${crc.toString(16).padStart(8, "0")}`;
  } finally {
    closeSync(fd);
  }
}

/** The official files' fingerprints. */
function fingerprintSources(dir: string): Sources {
  return { aws: fingerprint(join(dir, RANGE_FILES.aws)), gcp: fingerprint(join(dir, RANGE_FILES.gcp)) };
}

/** The official files' contents. */
function readSources(dir: string) {
  return { aws: read(join(dir, RANGE_FILES.aws)), gcp: read(join(dir, RANGE_FILES.gcp)) };
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

/** How the table was loaded: from the index, or from the files and why not the index. */
export type RangesSource = "index" | `files (${string})`;

/**
 * Reads both official range files from a directory and builds the matcher. Parsing
 * them costs ~70 ms of a single CPU at start-up, so when `ranges-index.bin` (written
 * at image build by ranges:update) holds the same files' fingerprints, it is used instead;
 * a stale, foreign or damaged index is ignored (`source` says which and why).
 */
export function loadRangeTable(dir: string): RangeTable & { source: RangesSource } {
  const sources = fingerprintSources(dir);
  let why: string;
  try {
    const indexed = RangeTable.fromIndex(decodeRangeIndex(readFileSync(join(dir, INDEX_FILE))), sources);
    if (indexed) return Object.assign(indexed, { source: "index" as const });
    why = "index is of other files";
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    why = e.code === "ENOENT" ? "no index" : `index damaged: ${e.message}`;
  }
  return Object.assign(parseSources(dir, readSources(dir)), { source: `files (${why})` as const });
}

/** Parses the range files in a directory and writes their index beside them (build time). */
export function writeRangeIndex(dir: string): RangeTable {
  const table = parseSources(dir, readSources(dir));
  const sources = fingerprintSources(dir);
  writeFileSync(join(dir, INDEX_FILE), encodeRangeIndex(table.toIndex(sources)));
  return table;
}
