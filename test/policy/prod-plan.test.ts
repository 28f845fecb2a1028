/**
 * The whole pack over what the prod stack declares (the offline plan's resources), judged
 * with prod's policy config as `pulumi preview --policy-pack policy --policy-pack-config
 * policy/config/prod.json` would: a change that breaks a guardrail fails here, before any
 * preview. Prod is adopting registry.k8s.io as it is, project-wide promoter grants
 * included; its config lowers exactly that policy to advisory, and only while it applies.
 */
import { readdirSync } from "node:fs";
import { ALL_POLICIES, monitoringInPlace } from "../../policy/policies";
import { evaluate } from "../../tools/plan/engine";
import { readStackFile, stackFilePath } from "../../tools/plan/stack-file";
import { ROOT } from "../tools/run-cli";
import { enforcementLevel } from "./enforcement";
import { type Declared, violations } from "./harness";
import { declaredOf, judged, policyConfig } from "./stack-plans";

let declared: Declared[];
beforeAll(async () => {
  const file = readStackFile(stackFilePath("prod"));
  declared = declaredOf(await evaluate("prod", file.config, () => require("../../infra/index")));
}, 60_000);

describe("the policy pack over the prod plan", () => {
  it("finds the resources it guards (so zero violations means something)", () => {
    const count = (type: string) => declared.filter((d) => d.type === type).length;
    expect(count("aws:s3/bucket:Bucket")).toBe(31);
    expect(count("aws:s3/bucketPolicy:BucketPolicy")).toBe(31);
    expect(count("gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup")).toBe(22);
    expect(count("gcp:artifactregistry/repository:Repository")).toBe(41);
    expect(count("gcp:compute/backendService:BackendService")).toBe(1);
    expect(count("gcp:projects/iAMMember:IAMMember")).toBe(2);
  });

  it("breaks no mandatory policy; the adopted project-wide grants are reported as advisory", async () => {
    const found = await judged(declared, policyConfig("prod"));
    expect(found.mandatory).toBeUndefined();
    expect(found.advisory).toEqual({
      "artifact-registry-writers-per-repository": [
        expect.stringContaining("serviceAccount:k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com"),
        expect.stringContaining("serviceAccount:k8s-infra-image-promotion@k8s-artifacts-prod.iam.gserviceaccount.com"),
      ],
    });
  });
});

describe("policy/config/<stack>.json", () => {
  const stacks = readdirSync(ROOT).flatMap((f) => /^Pulumi\.([\w.-]+)\.yaml$/.exec(f)?.[1] ?? []);
  const names = ALL_POLICIES.map((p) => p.name);

  it.each(stacks)("exists for %s and names only real policies", (stack) => {
    for (const key of Object.keys(policyConfig(stack))) expect([...names, "all"]).toContain(key);
  });

  it("lowers nothing for prod but the policy its adopted grants break (delete it with projectWriteRole)", async () => {
    const config = policyConfig("prod");
    const lowered = Object.keys(config).filter((k) => config[k] !== "mandatory");
    const broken = Object.keys((await judged(declared, {})).mandatory ?? {});
    expect(lowered).toEqual(broken);
  });

  it("turns monitoring-in-place on for prod, which the prod plan passes", async () => {
    expect(enforcementLevel(monitoringInPlace, policyConfig("prod"))).toBe("mandatory");
    expect(enforcementLevel(monitoringInPlace, {})).toBe("disabled");
    expect(await violations(monitoringInPlace, declared)).toEqual([]);
    expect(declared.filter((d) => d.type === "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig")).toHaveLength(2);
  });
});
