import { AWS_REGIONS } from "../../infra/catalog/aws-regions";
import { namespaceValues, parseConfig, type RegistryConfig } from "../../infra/config";
import {
  buildRoutingTables,
  defaultBlobBaseUrl,
  MAX_UPSTREAM_DISTANCE_KM,
  mirrorRoutes,
  upstreamRegionFor,
} from "../../infra/routing";
import { RoutingTable } from "../../redirector/routing-table";
import { readStackFile, stackFilePath } from "../../tools/plan/stack-file";
import { validConfig } from "./fixtures";

function stack(name: string): RegistryConfig {
  return parseConfig(namespaceValues(readStackFile(stackFilePath(name)).config), { stack: name });
}

const bucketUrl = (r: string) => `https://prod-registry-k8s-io-${r}.s3.dualstack.${r}.amazonaws.com`;

describe("prod routing tables", () => {
  const cfg = stack("prod");
  const tables = buildRoutingTables(cfg);
  const bucketRegions = cfg.backends.flatMap((b) => (b.donor === "aws-s3" ? b.regions : []));

  it("has one table per Cloud Run region", () => {
    expect(Object.keys(tables)).toEqual(cfg.redirector.regions);
  });

  it.each(cfg.redirector.regions)("%s: valid for the redirector, upstream in its own region", (region) => {
    const table = RoutingTable.parse(tables[region]);
    expect(table.upstream).toEqual({
      endpoint: `https://${region}-docker.pkg.dev`,
      path: "k8s-artifacts-prod/images",
    });
    expect(table.signatureUpstream).toBe("https://us-central1-docker.pkg.dev");
    expect(table.defaultBlobBaseUrl).toBe("https://cdn.registry.k8s.io");
    expect(table.upstreamClouds).toEqual(["gcp"]);
  });

  it.each(bucketRegions)("AWS clients in %s get their own region's bucket", (region) => {
    const routes = mirrorRoutes(cfg).filter((m) => m.clientRegion === region);
    expect(routes).toEqual([{ cloud: "aws", clientRegion: region, baseUrl: bucketUrl(region) }]);
  });

  it.each([
    ["cn-north-1", "ap-east-1"],
    ["cn-northwest-1", "ap-east-1"],
    ["ap-east-2", "ap-east-1"],
    ["me-south-1", "me-central-1"],
    ["eu-west-2", "eu-west-1"],
  ])("AWS clients in %s are served by the %s bucket", (client, bucketRegion) => {
    const routes = mirrorRoutes(cfg).filter((m) => m.clientRegion === client);
    expect(routes).toEqual([{ cloud: "aws", clientRegion: client, baseUrl: bucketUrl(bucketRegion) }]);
  });

  it("routes every commercial AWS region; GovCloud and the EU sovereign cloud fall to the default base URL", () => {
    const served = new Set(mirrorRoutes(cfg).map((m) => m.clientRegion));
    expect(Object.keys(AWS_REGIONS).filter((r) => !served.has(r))).toEqual([
      "us-gov-east-1",
      "us-gov-west-1",
      "eusc-de-east-1",
    ]);
    expect(defaultBlobBaseUrl(cfg)).toBe("https://cdn.registry.k8s.io");
  });

  it("routes 31 bucket regions and 5 aliases, nothing else", () => {
    expect(bucketRegions).toHaveLength(31);
    expect(mirrorRoutes(cfg)).toHaveLength(36);
  });
});

describe("nearest Artifact Registry region", () => {
  it("prefers the Cloud Run region's own repository", () => {
    expect(upstreamRegionFor("europe-west4", ["us-central1", "europe-west4"])).toEqual({
      region: "europe-west4",
      km: 0,
    });
  });

  it.each([
    ["europe-west3", ["us-central1", "europe-west4", "asia-northeast1"], "europe-west4"],
    ["europe-west3", ["europe-west4", "europe-west1", "europe-west6"], "europe-west6"],
    ["us-east4", ["us-central1", "us-east1", "us-east5"], "us-east5"],
    ["asia-northeast2", ["asia-northeast1", "asia-northeast3"], "asia-northeast1"],
    ["australia-southeast1", ["asia-southeast1", "australia-southeast2"], "australia-southeast2"],
  ])("%s with %j uses %s", (run, ar, expected) => {
    expect(upstreamRegionFor(run, ar).region).toBe(expected);
  });

  it("does not depend on the order regions are listed in", () => {
    const ar = ["europe-west1", "europe-west4", "europe-west6", "europe-west9", "us-central1"];
    const answers = new Set(
      [ar, [...ar].reverse(), [ar[2], ar[0], ar[4], ar[1], ar[3]]].map(
        (l) => upstreamRegionFor("europe-west3", l as string[]).region,
      ),
    );
    expect(answers.size).toBe(1);
  });

  it("sandbox's europe-west3 service uses europe-west4, within the distance bound", () => {
    const cfg = stack("sandbox");
    expect(buildRoutingTables(cfg)["europe-west3"]?.upstream.endpoint).toBe("https://europe-west4-docker.pkg.dev");
    expect(upstreamRegionFor("europe-west3", cfg.source.regions).km).toBeLessThan(MAX_UPSTREAM_DISTANCE_KM);
  });
});

describe("optional parts of the table", () => {
  it("leaves defaultBlobBaseUrl out when no CDN or global donor is configured", () => {
    const cfg = parseConfig(validConfig(), { stack: "sandbox" });
    const table = buildRoutingTables(cfg)["us-central1"];
    expect(table).not.toHaveProperty("defaultBlobBaseUrl");
    expect(RoutingTable.parse(table).existenceCheck.timeoutMs).toBe(1500);
  });

  it("passes existence-check tuning through to every region", () => {
    const values = validConfig();
    values.redirector.existenceCheck = { timeoutMs: 800 };
    const tables = buildRoutingTables(parseConfig(values, { stack: "sandbox" }));
    expect(Object.values(tables).map((t) => RoutingTable.parse(t).existenceCheck.timeoutMs)).toEqual([800, 800]);
  });
});

describe("taking a donor out of rotation", () => {
  it("removes its routes, and a global donor's default, while the config stays valid", () => {
    const values = validConfig();
    values.backends.push({
      donor: "cloudflare-r2",
      accountId: "0123456789abcdef0123456789abcdef",
      bucket: "blobs",
      hostname: "blobs.example.dev",
    });
    const both = parseConfig(values, { stack: "sandbox" });
    expect(mirrorRoutes(both).map((m) => m.clientRegion)).toEqual(["eu-west-1", "eu-west-2", "us-east-2"]);
    expect(buildRoutingTables(both)["us-central1"]?.defaultBlobBaseUrl).toBe("https://blobs.example.dev");

    values.backends[0].inRotation = false;
    values.backends[1].inRotation = false;
    // With the global donor out, a CDN may take its place without a conflict.
    values.redirector.defaultBlobBaseUrl = "https://cdn.example.dev";
    const out = parseConfig(values, { stack: "sandbox" });
    expect(mirrorRoutes(out)).toEqual([]);
    expect(buildRoutingTables(out)["us-central1"]?.defaultBlobBaseUrl).toBe("https://cdn.example.dev");
  });

  it("lets a new donor take over the clients of one that is out of rotation", () => {
    const values = validConfig();
    values.backends[0].inRotation = false;
    values.backends.push({ ...values.backends[0], accountId: "210987654321", bucketPrefix: "next-", inRotation: true });
    const cfg = parseConfig(values, { stack: "sandbox" });
    expect(new Set(mirrorRoutes(cfg).map((m) => new URL(m.baseUrl).host.split(".")[0]?.slice(0, 5)))).toEqual(
      new Set(["next-"]),
    );
  });
});
