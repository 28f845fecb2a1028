import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { loadRangeTable } from "../../redirector/ip-ranges";
import { updateRanges } from "../../redirector/ranges-update";
import { AWS_RANGES, GCP_RANGES, tempDir } from "./range-fixtures";

let server: Server;
let base: string;
const files: Record<string, string> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    const body = files[req.url ?? ""];
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const env = (dir: string) => ({ RANGES_DIR: dir, AWS_IP_RANGES_URL: `${base}/aws`, GCP_IP_RANGES_URL: `${base}/gcp` });

describe("ranges:update", () => {
  it("downloads both files into RANGES_DIR, where the redirector loads them", async () => {
    files["/aws"] = JSON.stringify(AWS_RANGES);
    files["/gcp"] = JSON.stringify(GCP_RANGES);
    const dir = join(tempDir(), "ranges");
    expect(await updateRanges(env(dir))).toEqual([
      `${join(dir, "aws-ip-ranges.json")} (7 prefixes)`,
      `${join(dir, "gcp-cloud.json")} (2 prefixes)`,
      join(dir, "ranges-index.bin"),
    ]);
    expect(JSON.parse(readFileSync(join(dir, "gcp-cloud.json"), "utf8"))).toEqual(GCP_RANGES);
    expect(loadRangeTable(dir).size).toBe(9);
  });

  it("fails without touching the old files when a download is broken", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "aws-ip-ranges.json"), "old");
    files["/aws"] = JSON.stringify({ prefixes: [{ ip_prefix: "1.2.3.4/33", region: "x" }], ipv6_prefixes: [] });
    await expect(updateRanges(env(dir))).rejects.toThrow(
      `${base}/aws: not in the expected format:\n  prefixes[0].ip_prefix: "1.2.3.4/33" is not an IPv4 prefix`,
    );
    files["/aws"] = "<html>";
    await expect(updateRanges(env(dir))).rejects.toThrow(`${base}/aws: not valid JSON`);
    delete files["/gcp"];
    files["/aws"] = JSON.stringify(AWS_RANGES);
    await expect(updateRanges(env(dir))).rejects.toThrow(`${base}/gcp: HTTP 404`);
    expect(readFileSync(join(dir, "aws-ip-ranges.json"), "utf8")).toBe("old");
    expect(existsSync(join(dir, "gcp-cloud.json"))).toBe(false);
  });
});
