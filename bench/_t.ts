import { readFileSync } from "node:fs";
import { parseIp } from "../redirector/ip";
import { RangeTableBuilder } from "../redirector/ip-ranges";

const t = performance.now();
const text = readFileSync("/work/shared/data/ip-ranges/aws-ip-ranges.json", "utf8");
const t0 = performance.now();
const a = JSON.parse(text);
const g = JSON.parse(readFileSync("/work/shared/data/ip-ranges/gcp-cloud.json", "utf8"));
const t1 = performance.now();
const b = new RangeTableBuilder();
b.addAws(a);
b.addGcp(g);
const t2 = performance.now();
const table = b.build();
const t3 = performance.now();
console.log(
  "boot",
  t.toFixed(1),
  "read",
  (t0 - t).toFixed(1),
  "json",
  (t1 - t0).toFixed(1),
  "parse",
  (t2 - t1).toFixed(1),
  "build",
  (t3 - t2).toFixed(1),
  table.size,
);
if (process.argv[2])
  for (const s of [
    "35.180.1.1",
    "35.220.26.1",
    "192.168.0.1",
    "52.93.127.172",
    "2400:6500:0:9::1",
    "2400:6500:0:9::2",
    "2400:6500:0:9::100",
    "2600:1f01:4874::47",
    "15.193.7.1",
    "15.193.0.1",
    "::ffff:35.180.1.1",
    "44.192.0.1",
    "2600:1900:4000::1",
    "34.107.244.51",
    "fe80::1%eth0",
    "2a05:d01c::1",
    "0.0.0.0",
    "255.255.255.255",
    "ffff::1",
    "2600:9000:5206::1",
    "2600:1f14::1",
  ]) {
    const ip = parseIp(s);
    console.log(s, JSON.stringify(ip && table.lookup(ip)));
  }
