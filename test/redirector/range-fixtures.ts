/**
 * Test fixtures: tiny range files in the official AWS and GCP formats, written by the
 * tests themselves, and client addresses in them.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** AWS ranges with nesting like the real data: a regional /24 inside a GLOBAL /19. */
export const AWS_RANGES = {
  syncToken: "1",
  createDate: "2026-01-01-00-00-00",
  prefixes: [
    { ip_prefix: "35.180.0.0/16", region: "eu-west-3", service: "AMAZON", network_border_group: "eu-west-3" },
    { ip_prefix: "35.180.0.0/16", region: "eu-west-3", service: "EC2", network_border_group: "eu-west-3" },
    { ip_prefix: "15.193.0.0/19", region: "GLOBAL", service: "AMAZON", network_border_group: "GLOBAL" },
    { ip_prefix: "15.193.7.0/24", region: "us-west-2", service: "AMAZON", network_border_group: "us-west-2" },
    { ip_prefix: "52.93.127.172/32", region: "us-east-1", service: "AMAZON", network_border_group: "us-east-1" },
  ],
  ipv6_prefixes: [
    { ipv6_prefix: "2600:9000:5200::/40", region: "GLOBAL", service: "AMAZON", network_border_group: "GLOBAL" },
    { ipv6_prefix: "2600:9000:5206::/48", region: "us-west-2", service: "AMAZON", network_border_group: "us-west-2" },
    { ipv6_prefix: "2a05:d01c::/35", region: "eu-west-3", service: "EC2", network_border_group: "eu-west-3" },
  ],
};

export const GCP_RANGES = {
  syncToken: "1",
  creationTime: "2026-01-01T00:00:00",
  prefixes: [
    { ipv4Prefix: "35.220.26.0/24", service: "Google Cloud", scope: "europe-north1" },
    { ipv6Prefix: "2600:1900:4000::/44", service: "Google Cloud", scope: "us-central1" },
  ],
};

/** Client addresses in the fixture ranges. */
export const IPS = {
  awsParis: "35.180.1.1",
  awsParisV6: "2a05:d01c::1",
  awsOregonNested: "15.193.7.1",
  awsOregonNestedV6: "2600:9000:5206::1",
  awsGlobal: "15.193.0.1",
  gcp: "35.220.26.1",
  gcpV6: "2600:1900:4000::1",
  unknown: "192.0.2.1",
};

export function tempDir(prefix = "redirector-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes the two range files into a new temporary directory. */
export function writeRanges(aws: unknown = AWS_RANGES, gcp: unknown = GCP_RANGES): string {
  const dir = tempDir("ranges-");
  writeFileSync(join(dir, "aws-ip-ranges.json"), typeof aws === "string" ? aws : JSON.stringify(aws));
  writeFileSync(join(dir, "gcp-cloud.json"), typeof gcp === "string" ? gcp : JSON.stringify(gcp));
  return dir;
}
