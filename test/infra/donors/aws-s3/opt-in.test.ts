/**
 * Opt-in regions in a new account: disabled until someone opts in, so a bucket there
 * fails until then. `optInRegions: enable` declares them enabled first; `enabled` says
 * someone already did, and declares nothing.
 */
import { parseConfig } from "../../../../infra/config";
import { registry } from "../../../../infra/program";
import { evaluate, type Plan } from "../../../../tools/plan/engine";
import { validConfig } from "../../fixtures";
import { inputs, ofType } from "../../planned";

const values = validConfig();
values.backends[0].regions = ["us-east-2", "eu-west-1", "af-south-1", "il-central-1"];
values.backends[0].optInRegions = "enable";
values.backends.push({
  donor: "aws-s3",
  accountId: "210987654321",
  bucketPrefix: "second-registry-",
  sourceRegion: "mx-central-1",
  regions: ["mx-central-1"],
  optInRegions: "enabled",
});

let plan: Plan;
beforeAll(async () => {
  const config = parseConfig(values, { stack: "sandbox" });
  plan = await evaluate("sandbox", {}, () => registry({ config, stack: "sandbox" }).outputs);
}, 60_000);

it("enable: the backend's opt-in regions are enabled (created, never disabled), and their buckets wait", () => {
  const regions = ofType(plan, "aws:account/region:Region");
  expect(regions.map((r) => [inputs(r).regionName, inputs(r).enabled, r.options.provider])).toEqual([
    ["af-south-1", true, "aws-s3-123456789012"],
    ["il-central-1", true, "aws-s3-123456789012"],
  ]);
  for (const r of regions) expect(r.options).toMatchObject({ retainOnDelete: true, import: null });
  const bucket = (region: string) => ofType(plan, "aws:s3/bucket:Bucket").find((b) => inputs(b).region === region);
  expect(bucket("af-south-1")?.options.dependsOn).toEqual(["aws-s3-123456789012-region-af-south-1"]);
  expect(bucket("il-central-1")?.options.dependsOn).toEqual(["aws-s3-123456789012-region-il-central-1"]);
  expect(bucket("eu-west-1")?.options.dependsOn).toEqual([]);
});

it("enabled: nothing is declared for the other backend's opt-in region", () => {
  expect(
    ofType(plan, "aws:s3/bucket:Bucket").find((b) => inputs(b).region === "mx-central-1")?.options.dependsOn,
  ).toEqual([]);
  expect(ofType(plan, "aws:account/region:Region").filter((r) => r.options.provider === "aws-s3-210987654321")).toEqual(
    [],
  );
});
