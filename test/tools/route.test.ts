import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { explainRoute, formatReport } from "../../tools/route";
import { DIGEST, Mirror, table, UPSTREAM } from "../redirector/http-fixtures";
import { IPS, tempDir, writeRanges } from "../redirector/range-fixtures";

let mirror: Mirror;
let config: string;
const ranges = writeRanges();

beforeAll(async () => {
  mirror = await new Mirror().start();
  config = join(tempDir(), "routing.json");
  writeFileSync(config, JSON.stringify(table({ paris: mirror.base, oregon: mirror.base, fallback: mirror.base })));
});
afterAll(() => mirror.stop());

const explain = (ip: string, path: string) =>
  explainRoute(["--config", config, "--ranges", ranges, "--ip", ip, path], {}).then(formatReport);

describe("npm run route", () => {
  it("explains a blob sent to a mirror, asking the mirror for real", async () => {
    mirror.mode = "present";
    expect(await explain(IPS.awsOregonNested, `/v2/pause/blobs/${DIGEST}`)).toBe(
      [
        `request   GET /v2/pause/blobs/${DIGEST} from 15.193.7.1`,
        "route     blob",
        "client    aws us-west-2 (prefix 15.193.7.0/24)",
        `mirror    ${mirror.base}`,
        "existence HEAD 200",
        `decision  307 -> ${mirror.base}/containers/images/${DIGEST} (mirror)`,
        "reason    client aws/us-west-2 (15.193.7.0/24): mirror route; HEAD 200",
      ].join("\n"),
    );
  });

  it("explains a fallback upstream with what the mirror said", async () => {
    mirror.mode = "missing403";
    const text = await explain(IPS.unknown, `/v2/pause/blobs/${DIGEST}`);
    expect(text).toContain("client    in no cloud range");
    expect(text).toContain("existence HEAD 403");
    expect(text).toContain(
      `decision  307 -> ${UPSTREAM}/v2/k8s-artifacts-prod/images/pause/blobs/${DIGEST} (upstream)`,
    );
    expect(text).toContain(
      "reason    client 192.0.2.1 (in no cloud range): no mirror route, default blob base; HEAD 403, so upstream",
    );
  });

  it("explains requests that need no mirror", async () => {
    const before = mirror.heads;
    expect(await explain(IPS.gcp, `/v2/pause/blobs/${DIGEST}`)).toContain(
      "reason    client gcp/europe-north1 (35.220.26.0/24): upstream cloud",
    );
    expect(await explain(IPS.gcp, "/v2/pause/manifests/3.9")).toContain("route     manifest");
    expect(await explain(IPS.gcp, "/v2/%2e%2e/x")).toContain("decision  400");
    expect(mirror.heads).toBe(before);
  });

  it("prints usage and exits 2 on bad arguments, 1 on a bad config", () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", "tools/route.ts", ...args], {
        cwd: join(__dirname, "../.."),
        encoding: "utf8",
      });
    const help = run("--help");
    expect([help.status, help.stdout.startsWith("usage: npm run route --")]).toEqual([0, true]);
    const usage = run("--ip", "1.2.3.4");
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^usage: npm run route -- \(--config <file> \| --stack <name> \| --stack-file <path>/);
    const badIp = run("--config", config, "--ip", "1.2.3", "/");
    expect([badIp.status, badIp.stderr.split("\n")[0]]).toEqual([2, '--ip: "1.2.3" is not an IP address']);
    const badConfig = run("--config", "/nonexistent.json", "--ip", "1.2.3.4", "/");
    expect([badConfig.status, badConfig.stderr]).toEqual([
      1,
      "route: --config: cannot read /nonexistent.json: ENOENT: no such file or directory, open '/nonexistent.json'\n",
    ]);
    const json = run("--config", config, "--ranges", ranges, "--ip", IPS.gcp, "--json", "/v2/p/manifests/x");
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ decision: { status: 307, route: "manifest", target: "upstream" } });
  }, 15_000);

  it("derives the table from a stack file, for a chosen Cloud Run region", async () => {
    const gcpBlob = await explainRoute(
      [
        "--stack",
        "sandbox",
        "--region",
        "europe-west3",
        "--ranges",
        ranges,
        "--ip",
        IPS.gcp,
        `/v2/pause/blobs/${DIGEST}`,
      ],
      {},
    );
    expect(gcpBlob.decision).toMatchObject({
      status: 307,
      target: "upstream",
      location: `https://europe-west4-docker.pkg.dev/v2/k8s-infra-oci-proxy/images/pause/blobs/${DIGEST}`,
    });
    const manifest = await explainRoute(
      [
        "--stack-file",
        join(__dirname, "../../Pulumi.sandbox.yaml"),
        "--ranges",
        ranges,
        "--ip",
        IPS.unknown,
        "/v2/pause/manifests/3.9",
      ],
      {},
    );
    expect(manifest.decision.location).toBe(
      "https://us-central1-docker.pkg.dev/v2/k8s-infra-oci-proxy/images/pause/manifests/3.9",
    );
  });

  it("refuses a region the stack does not run in, and --region without a stack", async () => {
    await expect(
      explainRoute(["--stack", "sandbox", "--region", "mars-north1", "--ranges", ranges, "--ip", IPS.gcp, "/v2/"], {}),
    ).rejects.toThrow(
      '--region: "mars-north1" is not one of the stack\'s redirector regions (us-central1, europe-west3, asia-northeast1)',
    );
    await expect(
      explainRoute(["--config", config, "--region", "us-central1", "--ip", IPS.gcp, "/v2/"], {}),
    ).rejects.toThrow("--region goes with --stack or --stack-file");
  });
});
