import { parseConfig } from "../../../infra/config";
import { redirectorContainer, redirectorScaling } from "../../../infra/gcp/redirector-container";
import { buildRoutingTable } from "../../../infra/routing";
import { RoutingTable } from "../../../redirector/routing-table";
import { validConfig } from "../fixtures";

const config = parseConfig(validConfig(), { stack: "sandbox" });

describe("the redirector container", () => {
  const table = buildRoutingTable(config, "europe-west3");
  const container = redirectorContainer({ image: "example.dev/redirector@sha256:abc", table });

  it("carries the routing table as REDIRECTOR_CONFIG, in a form the redirector accepts", () => {
    expect(container.envs.map((e) => e.name)).toEqual(["REDIRECTOR_CONFIG"]);
    const parsed = RoutingTable.safeParse(JSON.parse(container.envs[0]?.value ?? ""));
    expect(parsed.success).toBe(true);
    expect(parsed.data?.upstream.endpoint).toBe("https://europe-west4-docker.pkg.dev");
  });

  it("gets 1 vCPU and 512Mi, and no traffic before /healthz answers on the serving port", () => {
    expect(container.resources.limits).toEqual({ cpu: "1", memory: "512Mi" });
    expect(container.ports.containerPort).toBe(8080);
    expect(container.startupProbe.httpGet).toEqual({ path: "/healthz", port: 8080 });
    const p = container.startupProbe;
    expect(p.timeoutSeconds).toBeLessThanOrEqual(p.periodSeconds);
  });

  it("scales from zero to the configured ceiling at the configured concurrency", () => {
    expect(redirectorScaling({ concurrency: 250, maxInstances: 4 })).toEqual({
      maxInstanceRequestConcurrency: 250,
      scaling: { minInstanceCount: 0, maxInstanceCount: 4 },
      timeout: "60s",
    });
  });
});
