/** The checked-in sandbox stack under the strict mock engine: a non-prod stack. */
import { namespaceValues, parseConfig } from "../../infra/config";
import { registry } from "../../infra/program";
import { RoutingTable } from "../../redirector/routing-table";
import { evaluate, type Plan } from "../../tools/plan/engine";
import { readStackFile, stackFilePath } from "../../tools/plan/stack-file";
import { inputs, type Loose, ofType, one, TYPES } from "./planned";

const file = readStackFile(stackFilePath("sandbox"));
const config = parseConfig(namespaceValues(file.config), { stack: "sandbox" });

let plan: Plan;
beforeAll(async () => {
  plan = await evaluate("sandbox", file.config, () => registry({ config, stack: "sandbox" }));
}, 60_000);

describe("sandbox stack", () => {
  it("europe-west3, which has no repository, reads from the nearest one (europe-west4)", () => {
    const svc = one(plan, TYPES.service, (r) => inputs(r).location === "europe-west3");
    const envs: Loose[] = inputs(svc).template.containers[0].envs;
    const table = RoutingTable.parse(JSON.parse(envs.find((e) => e.name === "REDIRECTOR_CONFIG")?.value));
    expect(table.upstream).toEqual({
      endpoint: "https://europe-west4-docker.pkg.dev",
      path: "k8s-infra-oci-proxy/images",
    });
    expect(ofType(plan, TYPES.repository).map((r) => inputs(r).location)).not.toContain("europe-west3");
  });

  it("leaves deletion protection off outside prod, but never unprotects the repositories", () => {
    for (const svc of ofType(plan, TYPES.service)) expect(inputs(svc).deletionProtection).toBe(false);
    for (const a of ofType(plan, TYPES.address)) expect(a.options.protect).toBe(false);
    for (const repo of ofType(plan, TYPES.repository)) {
      expect(repo.options).toMatchObject({ protect: true, retainOnDelete: true });
    }
  });

  it("names the runtime service account by default", () => {
    expect(inputs(one(plan, TYPES.serviceAccount))).toMatchObject({
      project: "k8s-infra-oci-proxy",
      accountId: "redirector",
    });
  });

  it("declares one service per Cloud Run region and one repository per AR region", () => {
    expect(ofType(plan, TYPES.service).map((r) => inputs(r).location)).toEqual(config.redirector.regions);
    expect(ofType(plan, TYPES.repository).map((r) => inputs(r).location)).toEqual(config.source.regions);
  });
});
