/**
 * Prod once the move from Terraform is done (test/infra/fixtures.ts `migrated`): every
 * guardrail holds with no exception at all, so the exceptions of policy/config/prod.json
 * end with the migration.
 */
import { parseConfig } from "../../infra/config";
import { registry } from "../../infra/program";
import { evaluate } from "../../tools/plan/engine";
import { migrated, prodValues } from "../infra/fixtures";
import type { Declared } from "./harness";
import { declaredOf, judged } from "./stack-plans";

let declared: Declared[];
beforeAll(async () => {
  const config = parseConfig(migrated(prodValues()), { stack: "prod" });
  declared = declaredOf(await evaluate("prod", {}, () => registry({ config, stack: "prod" }).outputs));
}, 60_000);

it("declares the redirector in every region, and its own roles and per-repository writers", () => {
  const count = (type: string) => declared.filter((d) => d.type === type).length;
  expect(count("gcp:cloudrunv2/service:Service")).toBe(22);
  expect(count("aws:iam/role:Role")).toBe(2);
  expect(count("gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding")).toBe(41);
  expect(count("gcp:projects/iAMMember:IAMMember")).toBe(0);
});

it("breaks no policy, with no policy config at all", async () => {
  expect(await judged(declared, {})).toEqual({});
});
