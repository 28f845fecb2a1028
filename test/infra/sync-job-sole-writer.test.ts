/**
 * A registry whose only blob writer is the sync job (registry:sync, no
 * promotion.blobWriter), as a new organisation without a GKE cluster has it: no OIDC
 * provider is declared, and the writer role trusts the job's service account alone.
 */
import { parseConfig } from "../../infra/config";
import { syncNames } from "../../infra/gcp/names";
import { registry } from "../../infra/program";
import { evaluate, type Plan } from "../../tools/plan/engine";
import { declaredOf, judged } from "../policy/stack-plans";
import { validConfig } from "./fixtures";
import { inputs, jobTrustStatement, ofType, one, outputs, TYPES } from "./planned";

const values = validConfig();
delete values.promotion.blobWriter;
values.sync = { image: `us-docker.pkg.dev/example/registry-sync@sha256:${"b".repeat(64)}` };
const config = parseConfig(values, { stack: "sandbox" });
const NAMES = syncNames("aws-123456789012");

let plan: Plan;
beforeAll(async () => {
  plan = await evaluate("sandbox", {}, () => registry({ config, stack: "sandbox" }).outputs);
}, 60_000);

const writer = () => one(plan, TYPES.role, (r) => inputs(r).name === "example-registry-blob-writer");

it("declares no OIDC provider: nothing federates from an issuer of its own", () => {
  expect(ofType(plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")).toEqual([]);
});

it("the writer role trusts the job's service account and nobody else", () => {
  const account = one(plan, TYPES.serviceAccount, (r) => inputs(r).accountId === NAMES.serviceAccount);
  const uniqueId = outputs(account).uniqueId;
  expect(JSON.parse(inputs(writer()).assumeRolePolicy).Statement).toEqual([
    jobTrustStatement(uniqueId, "sts.amazonaws.com"),
  ]);
  expect(inputs(writer()).description).toBe(
    "Blob sync: writes example-registry-us-east-2; federated from Google (the sync's Cloud Run job)",
  );
});

it("the job assumes that role, and the policy pack finds nothing to report", async () => {
  const job = one(plan, TYPES.job);
  expect(inputs(job).template.template.containers[0].envs[0]).toEqual({
    name: "AWS_ROLE_ARN",
    value: outputs(writer()).arn,
  });
  expect(await judged(declaredOf(plan), {})).toEqual({});
});
