import { GCP_REGIONS } from "../../../infra/catalog/gcp-regions";
import {
  certificateNames,
  certificateNamesProblem,
  domainId,
  fitName,
  loadBalancerNames,
  negName,
  serviceName,
  syncNames,
} from "../../../infra/gcp/names";

const LONGEST_PROJECT = `a${"b".repeat(28)}c`;
const REGIONS = Object.keys(GCP_REGIONS);

describe("GCP names", () => {
  it("follow upstream's load balancer scheme", () => {
    const n = loadBalancerNames("k8s-infra-oci-proxy-prod");
    expect(n.address("ipv6")).toBe("k8s-infra-oci-proxy-prod-ipv6");
    expect(n.forwardingRule("ipv4", "https")).toBe("k8s-infra-oci-proxy-prod-ipv4-https-managed");
    expect(n.httpRedirectUrlMap).toBe("k8s-infra-oci-proxy-prod-http-to-https-redirect");
    expect(n.backendService).toBe("k8s-infra-oci-proxy-prod-default-bes");
  });

  it("fit Compute Engine's 63 characters for the longest project ID", () => {
    const n = loadBalancerNames(LONGEST_PROJECT);
    const all = [
      ...Object.values(n).filter((v): v is string => typeof v === "string"),
      ...(["ipv4", "ipv6"] as const).flatMap((ip) => [
        n.address(ip),
        n.forwardingRule(ip, "http"),
        n.forwardingRule(ip, "https"),
      ]),
      ...REGIONS.map(negName),
    ];
    for (const name of all) expect(name).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])$/);
  });

  it("give every region a Cloud Run service name within 49 characters", () => {
    for (const region of REGIONS) expect(serviceName(region).length).toBeLessThanOrEqual(49);
    expect(serviceName("us-central1")).toBe("redirector-us-central1");
  });

  it("derive Certificate Manager names from the domain, as upstream", () => {
    expect(domainId("registry.k8s.io")).toBe("registry-k8s-io");
    expect(certificateNames("registry.k8s.io")).toEqual({
      dnsAuthorization: "registry-k8s-io-dnsauth",
      certificate: "registry-k8s-io-cert",
      map: "registry-k8s-io",
      mapEntry: "registry-k8s-io-default",
    });
    expect(certificateNamesProblem("registry.k8s.io")).toBeUndefined();
    expect(certificateNamesProblem(`${"a".repeat(53)}.io`)).toBeUndefined();
    expect(certificateNamesProblem(`${"a".repeat(54)}.io`)).toMatch(/65 characters, at most 64/);
    expect(certificateNamesProblem("9registry.example")).toMatch(/must start with a letter/);
  });
});

describe("the blob sync's names", () => {
  const SERVICE_ACCOUNT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

  it("read as what they are when they fit", () => {
    expect(syncNames("aws-513428760722")).toEqual({
      job: "sync-aws-513428760722",
      schedule: "sync-aws-513428760722",
      serviceAccount: "sync-aws-513428760722",
      invoker: "sync-aws-513428760722-invoker",
      accessKeyIdSecret: "sync-aws-513428760722-access-key-id",
      secretAccessKeySecret: "sync-aws-513428760722-secret-access-key",
    });
  });

  it("fit service account IDs (30) and Cloud Run job names (49) for the longest R2 bucket, and stay apart", () => {
    const key = (bucket: string) => `r2-0123abcd-${bucket}`;
    const a = syncNames(key("b".repeat(63)));
    const b = syncNames(key(`${"b".repeat(62)}c`));
    for (const n of [a, b]) {
      expect(n.serviceAccount).toMatch(SERVICE_ACCOUNT_ID);
      expect(n.invoker).toMatch(SERVICE_ACCOUNT_ID);
      expect(n.invoker.endsWith("-invoker")).toBe(true);
      expect(n.job.length).toBeLessThanOrEqual(49);
      expect(n.job).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])$/);
    }
    expect(new Set([a.job, b.job, a.serviceAccount, b.serviceAccount, a.invoker, b.invoker]).size).toBe(6);
  });

  it("cut a long name at the limit, keeping its start and a hash of the whole; never end in a hyphen", () => {
    expect(fitName("short", 30)).toBe("short");
    const cut = fitName(`sync-r2-${"x".repeat(40)}`, 30);
    expect(cut).toHaveLength(30);
    expect(cut.startsWith("sync-r2-xxxx")).toBe(true);
    expect(fitName(`${"a".repeat(22)}-----${"z".repeat(10)}`, 30)).toMatch(/^a{22}-[0-9a-f]{6}$/);
  });
});
