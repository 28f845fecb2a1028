/**
 * The whole pack over what the prod stack declares (the offline plan's resources): a
 * change that breaks a guardrail fails here, before any preview.
 */
import { ALL_POLICIES } from "../../policy/policies";
import { evaluate, type Plan } from "../../tools/plan/engine";
import { readStackFile, stackFilePath } from "../../tools/plan/stack-file";
import { type Declared, violations } from "./harness";

let declared: Declared[];
beforeAll(async () => {
  const file = readStackFile(stackFilePath("prod"));
  const plan: Plan = await evaluate("prod", file.config, () => require("../../infra/index"));
  declared = plan.resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs, protect: r.options.protect }));
}, 60_000);

describe("the policy pack over the prod plan", () => {
  it("finds the resources it guards (so zero violations means something)", () => {
    const count = (type: string) => declared.filter((d) => d.type === type).length;
    expect(count("aws:s3/bucket:Bucket")).toBe(31);
    expect(count("aws:s3/bucketPolicy:BucketPolicy")).toBe(31);
    expect(count("aws:iam/role:Role")).toBeGreaterThanOrEqual(2);
    expect(count("gcp:cloudrunv2/service:Service")).toBe(22);
    expect(count("gcp:artifactregistry/repository:Repository")).toBe(41);
    expect(count("gcp:compute/backendService:BackendService")).toBe(1);
  });

  it.each(ALL_POLICIES.map((p) => [p.name, p] as const))("%s: no violations", async (_name, policy) => {
    expect(await violations(policy, declared)).toEqual([]);
  });
});
