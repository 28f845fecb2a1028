import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseIp } from "../../redirector/ip";
import {
  decodeRangeIndex,
  encodeRangeIndex,
  FamilyIndex,
  INDEX_FILE,
  loadRangeTable,
  type RangeIndex,
  RangesError,
  RangeTableBuilder,
  writeRangeIndex,
} from "../../redirector/ip-ranges";
import { AWS_RANGES, GCP_RANGES, IPS, writeRanges } from "./range-fixtures";

const table = loadRangeTable(writeRanges());
const where = (ip: string) => {
  const r = table.lookup(parseIp(ip) ?? { words: [], zoned: true });
  return r && `${r.cloud}/${r.region} ${r.prefix}`;
};

describe("RangeTable.lookup", () => {
  it("resolves addresses of both clouds and families", () => {
    expect(where(IPS.awsParis)).toBe("aws/eu-west-3 35.180.0.0/16");
    expect(where(IPS.awsParisV6)).toBe("aws/eu-west-3 2a05:d01c::/35");
    expect(where(IPS.gcp)).toBe("gcp/europe-north1 35.220.26.0/24");
    expect(where(IPS.gcpV6)).toBe("gcp/us-central1 2600:1900:4000::/44");
    expect(where("52.93.127.172")).toBe("aws/us-east-1 52.93.127.172/32");
  });

  it("picks the longest prefix when ranges nest (upstream picks the shortest)", () => {
    expect(where(IPS.awsOregonNested)).toBe("aws/us-west-2 15.193.7.0/24");
    expect(where("15.193.7.255")).toBe("aws/us-west-2 15.193.7.0/24");
    expect(where(IPS.awsOregonNestedV6)).toBe("aws/us-west-2 2600:9000:5206::/48");
    // Around the nested range, the enclosing one still answers.
    expect(where("15.193.6.255")).toBe("aws/GLOBAL 15.193.0.0/19");
    expect(where("15.193.8.0")).toBe("aws/GLOBAL 15.193.0.0/19");
    expect(where("15.193.31.255")).toBe("aws/GLOBAL 15.193.0.0/19");
    expect(where("2600:9000:5207::")).toBe("aws/GLOBAL 2600:9000:5200::/40");
  });

  it("finds nothing outside the ranges, at their edges, or for zoned addresses", () => {
    expect(where("15.193.32.0")).toBeUndefined();
    expect(where("15.192.255.255")).toBeUndefined();
    expect(where("52.93.127.171")).toBeUndefined();
    expect(where("52.93.127.173")).toBeUndefined();
    expect(where(IPS.unknown)).toBeUndefined();
    expect(where("0.0.0.0")).toBeUndefined();
    expect(where("255.255.255.255")).toBeUndefined();
    expect(where("::")).toBeUndefined();
    expect(where("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).toBeUndefined();
    expect(where("2a05:d01c::1%eth0")).toBeUndefined();
  });

  it("looks up IPv4-mapped IPv6 addresses as IPv4", () => {
    expect(where(`::ffff:${IPS.awsParis}`)).toBe("aws/eu-west-3 35.180.0.0/16");
  });

  it("handles /0, /32, /128, deep nesting and repeated prefixes", () => {
    const b = new RangeTableBuilder();
    expect(
      b.addAws({
        prefixes: [
          { ip_prefix: "0.0.0.0/0", region: "everywhere" },
          { ip_prefix: "10.0.0.0/8", region: "r8" },
          { ip_prefix: "10.1.0.0/16", region: "r16" },
          { ip_prefix: "10.1.2.0/24", region: "r24" },
          { ip_prefix: "10.1.2.3/32", region: "r32" },
          { ip_prefix: "10.1.2.0/24", region: "r24-again" },
          { ip_prefix: "10.9.9.9/8", region: "sloppy" }, // host bits are masked: 10.0.0.0/8, later wins
        ],
        ipv6_prefixes: [
          { ipv6_prefix: "::/0", region: "v6-everywhere" },
          { ipv6_prefix: "2400:6500:0:9::1/128", region: "one" },
        ],
      }),
    ).toEqual([]);
    const t = b.build();
    const at = (ip: string) => t.lookup(parseIp(ip) ?? { words: [], zoned: true })?.region;
    expect(at("10.1.2.3")).toBe("r32");
    expect(at("10.1.2.4")).toBe("r24-again");
    expect(at("10.1.3.0")).toBe("r16");
    expect(at("10.2.0.0")).toBe("sloppy");
    expect(at("11.0.0.0")).toBe("everywhere");
    expect(at("2400:6500:0:9::1")).toBe("one");
    expect(at("2400:6500:0:9::2")).toBe("v6-everywhere");
    expect(t.size).toBe(7); // distinct networks
  });

  it("agrees with a brute-force longest match on random addresses", () => {
    const prefixes: { text: string; start: number; len: number }[] = [];
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let i = 0; i < 300; i++) {
      const len = 8 + (rand() % 25);
      const addr = (((rand() & 0xff) << 24) | ((rand() % 4) << 16) | (rand() & 0xffff)) >>> 0;
      const start = len === 32 ? addr : (addr & (0xffffffff << (32 - len))) >>> 0;
      prefixes.push({
        text: `${start >>> 24}.${(start >>> 16) & 255}.${(start >>> 8) & 255}.${start & 255}/${len}`,
        start,
        len,
      });
    }
    const b = new RangeTableBuilder();
    b.addGcp({ prefixes: prefixes.map((p, i) => ({ ipv4Prefix: p.text, scope: `r${i}` })) });
    const t = b.build();
    const got: (string | undefined)[] = [];
    const want: (string | undefined)[] = [];
    for (let i = 0; i < 5000; i++) {
      const x = (((rand() & 0xff) << 24) | ((rand() % 4) << 16) | (rand() & 0xffff)) >>> 0;
      let best = -1;
      prefixes.forEach((p, k) => {
        const size = 2 ** (32 - p.len);
        if (x >= p.start && x < p.start + size && (best < 0 || p.len >= (prefixes[best]?.len ?? 0))) best = k;
      });
      got.push(t.lookup({ words: [x], zoned: false })?.region);
      want.push(best < 0 ? undefined : `r${best}`);
    }
    expect(got).toEqual(want);
    expect(want.filter((w) => w !== undefined).length).toBeGreaterThan(500);
  });
});

describe("range files", () => {
  it("reports every malformed entry with its JSON path", () => {
    const b = new RangeTableBuilder();
    expect(
      b.addAws({
        prefixes: [
          { ip_prefix: "1.2.3.0/24", region: "ok" },
          { ip_prefix: "1.2.3/24", region: "x" },
          { ip_prefix: "1.2.3.0/33", region: "x" },
          { ip_prefix: "2001:db8::/32", region: "x" },
          { ip_prefix: "1.2.3.0/24" },
          "nope",
        ],
        ipv6_prefixes: [{ ipv6_prefix: "1.2.3.0/24", region: "x" }],
      }),
    ).toEqual([
      'prefixes[1].ip_prefix: "1.2.3/24" is not an IPv4 prefix',
      'prefixes[2].ip_prefix: "1.2.3.0/33" is not an IPv4 prefix',
      'prefixes[3].ip_prefix: "2001:db8::/32" is not an IPv4 prefix',
      "prefixes[4].region: missing",
      "prefixes[5]: not an object",
      'ipv6_prefixes[0].ipv6_prefix: "1.2.3.0/24" is not an IPv6 prefix',
    ]);
    expect(b.addAws({ prefixes: [] })).toEqual(["prefixes: missing or empty array", "ipv6_prefixes: missing array"]);
    expect(b.addGcp({ prefixes: [{ ipv6Prefix: "2001:db8::/129", scope: "s" }] })).toEqual([
      'prefixes[0].ipv6Prefix: "2001:db8::/129" is not an IPv6 prefix',
    ]);
    expect(b.addGcp([])).toEqual(["prefixes: missing or empty array"]);
  });

  it("fails to load with a message naming the file and the problem", () => {
    const missing = writeRanges();
    const load = (dir: string) => {
      try {
        loadRangeTable(dir);
      } catch (err) {
        expect(err).toBeInstanceOf(RangesError);
        return (err as Error).message;
      }
      throw new Error("loaded");
    };
    expect(load(join(missing, "nowhere"))).toMatch(/nowhere\/aws-ip-ranges\.json: cannot read: ENOENT/);
    expect(load(writeRanges("{", GCP_RANGES))).toMatch(/aws-ip-ranges\.json: not valid JSON/);
    const bad = writeRanges(AWS_RANGES, { prefixes: [{ ipv4Prefix: "x", scope: "s" }] });
    expect(load(bad)).toBe(
      `${join(bad, "gcp-cloud.json")}: not in the expected format:\n  prefixes[0].ipv4Prefix: "x" is not an IPv4 prefix`,
    );
  });
});

describe("the build-time index", () => {
  const sample = Object.values(IPS).concat("15.193.6.255", "2600:9000:5207::", "52.93.127.172", "52.93.127.173");
  const regions = (dir: string) => {
    const t = loadRangeTable(dir);
    return sample.map((ip) => t.lookup(parseIp(ip) ?? { words: [], zoned: true })?.region);
  };

  it("answers exactly like parsing the files", () => {
    const parsed = regions(writeRanges());
    const dir = writeRanges();
    expect(writeRangeIndex(dir).size).toBe(9);
    expect(regions(dir)).toEqual(parsed);
    expect(parsed).toContain("us-west-2");
    // Whole answers too: the owners an index makes on first lookup carry the files' texts.
    const whole = (d: string) => {
      const t = loadRangeTable(d);
      return sample.map((ip) => t.lookup(parseIp(ip) ?? { words: [], zoned: true }));
    };
    expect(whole(dir)).toEqual(whole(writeRanges()));
    expect(whole(dir)).toContainEqual({ cloud: "aws", region: "us-west-2", prefix: "15.193.7.0/24" });
  });

  it("is used while it matches the files, and ignored when stale", () => {
    const dir = writeRanges();
    writeRangeIndex(dir);
    const index = decodeRangeIndex(readFileSync(join(dir, INDEX_FILE)));
    // Proof that the index is what loads: rename a region in it.
    const renamed = index.regions.map(
      ([c, r]) => [c, r === "us-west-2" ? "from-index" : r] as (typeof index.regions)[0],
    );
    writeFileSync(join(dir, INDEX_FILE), encodeRangeIndex({ ...index, regions: renamed }));
    expect(regions(dir)).toContain("from-index");
    expect(loadRangeTable(dir).source).toBe("index");
    // Each file is fingerprinted by its size and CRC-32.
    const gcpBytes = readFileSync(join(dir, "gcp-cloud.json")).length;
    expect(index.sources.gcp).toMatch(new RegExp(`^${gcpBytes}:[0-9a-f]{8}$`));
    // Stale: the files changed since the index was written (one byte, the same size).
    writeFileSync(join(dir, "gcp-cloud.json"), JSON.stringify({ ...GCP_RANGES, syncToken: "2" }));
    expect(readFileSync(join(dir, "gcp-cloud.json")).length).toBe(gcpBytes);
    expect(regions(dir)).not.toContain("from-index");
    expect(loadRangeTable(dir).source).toBe("files (index is of other files)");
  });

  describe("a damaged index is detected and ignored: the files are parsed instead", () => {
    /** Swaps two IPv4 prefixes (starts, ends, owners), leaving the parents and texts. */
    const swapV4 = (a: number, b: number) => (i: RangeIndex) => {
      for (const arr of [i.v4.starts, i.v4.ends, i.v4.owners]) [arr[a], arr[b]] = [arr[b] as number, arr[a] as number];
    };
    const damaged = (damage: (index: RangeIndex) => void) => {
      const dir = writeRanges();
      writeRangeIndex(dir);
      const index = decodeRangeIndex(readFileSync(join(dir, INDEX_FILE)));
      damage(index);
      writeFileSync(join(dir, INDEX_FILE), encodeRangeIndex(index));
      return dir;
    };
    it.each([
      // The defect that hung the process: one parent pointing at itself.
      [
        "a parent pointing at its own prefix",
        (i: RangeIndex) => i.v4.parents.fill(2, 2, 3),
        "parent of prefix 2 is wrong",
      ],
      ["a parent pointing forward", (i: RangeIndex) => i.v4.parents.fill(3, 1, 2), "parent of prefix 1 is wrong"],
      ["a parent out of range", (i: RangeIndex) => i.v6.parents.fill(99, 1, 2), "parent of prefix 1 is wrong"],
      ["a prefix that is not a block", (i: RangeIndex) => i.v4.ends.fill(0x0fc10702, 1, 2), "not a CIDR block"],
      ["prefixes out of order", swapV4(2, 3), "out of order"],
      ["an owner that does not exist", (i: RangeIndex) => i.v4.owners.fill(1000, 0, 1), "owner of prefix 0"],
      ["a text past the end", (i: RangeIndex) => i.v6.textEnds.fill(1e6, 1, 2), "text of prefix 1 is out of bounds"],
      ["an empty text", (i: RangeIndex) => i.v4.textEnds.fill(i.v4.textEnds[0] as number, 1, 2), "text of prefix 1"],
    ])("%s", (_what, damage, message) => {
      const dir = damaged(damage);
      expect(regions(dir)).toEqual(regions(writeRanges()));
      expect(loadRangeTable(dir).source).toContain(message);
    });

    it("as bytes: truncated, or not an index at all", () => {
      const dir = writeRanges();
      writeRangeIndex(dir);
      const bytes = readFileSync(join(dir, INDEX_FILE));
      writeFileSync(join(dir, INDEX_FILE), bytes.subarray(0, bytes.length - 4));
      expect(loadRangeTable(dir).source).toMatch(/^files \(index damaged: size \d+, expected \d+\)$/);
      expect(regions(dir)).toContain("us-west-2");
      writeFileSync(join(dir, INDEX_FILE), "{}");
      expect(loadRangeTable(dir).source).toBe("files (index damaged: not a range index (format 3))");
    });
  });

  it("never loops, whatever parents it is given", () => {
    // Unchecked, straight into the matcher: the cycle of the defect (a prefix its own
    // parent) and one between two prefixes.
    const starts = Uint32Array.from([0x0fc10000, 0x0fc10700]); // 15.193.0.0/19, 15.193.7.0/24
    const ends = Uint32Array.from([0x0fc11fff, 0x0fc107ff]);
    const owners = [
      { cloud: "aws", region: "GLOBAL", prefix: "15.193.0.0/19" },
      { cloud: "aws", region: "us-west-2", prefix: "15.193.7.0/24" },
    ] as const;
    for (const parents of [
      [0, 1],
      [1, 0],
    ]) {
      const family = new FamilyIndex(1, starts, ends, Int32Array.from(parents), [...owners]);
      expect(family.find([0x0fc12000])).toBe(-1); // 15.193.32.0: in neither; the climb never ends
      expect(family.find([0x0fc10701])).toBe(1);
    }
  });

  it("does not hide broken range files", () => {
    const dir = writeRanges();
    writeRangeIndex(dir);
    writeFileSync(join(dir, "aws-ip-ranges.json"), "{");
    expect(() => loadRangeTable(dir)).toThrow(/aws-ip-ranges\.json: not valid JSON/);
  });
});
