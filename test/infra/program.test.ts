/**
 * The program under the strict mock engine, as the prod stack (deletion protection on),
 * with a small config: three AR regions, two Cloud Run regions of which europe-west3 has
 * no repository of its own, a pusher account and two direct writers, two CAA issuers, the
 * WAF rule sets on, non-default limits.
 */
import { parseConfig } from "../../infra/config";
import { registry } from "../../infra/program";
import { buildRoutingTable } from "../../infra/routing";
import { RoutingTable } from "../../redirector/routing-table";
import { evaluate, type Plan, type PlannedResource } from "../../tools/plan/engine";
import { FAKE_INVOKES } from "../../tools/plan/fake-outputs";
import { validConfig } from "./fixtures";
import { countsByRegion, iamGrants, inputs, type Loose, ofType, one, outputs, TYPES } from "./planned";

const WRITERS = [
  "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/promoter",
  "group:image-admins@example.dev",
];
const values = validConfig();
values.source.regions = ["us-central1", "europe-west4", "asia-northeast1"];
values.redirector.maxInstances = 7;
values.redirector.concurrency = 500;
values.promotion.artifactWriters = WRITERS;
const IMPERSONATORS = [
  "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/ns/ci/sa/promoter",
];
values.promotion.pushers = [{ account: "image-pusher", displayName: "Image promotion", impersonators: IMPERSONATORS }];
const PUSHER = "image-pusher@example-artifacts.iam.gserviceaccount.com";
values.dns.caaIssuers = ["pki.goog", "letsencrypt.org"];
values.dns.ttl = 600;
values.armor = { rateLimit: { count: 1234, intervalSec: 120 }, wafRules: true };
const config = parseConfig(values, { stack: "prod" });
const PROJECT = "example-redirector";
const EMAIL = `redirector@${PROJECT}.iam.gserviceaccount.com`;

let plan: Plan;
beforeAll(async () => {
  plan = await evaluate("prod", {}, () => registry({ config, stack: "prod" }).outputs);
}, 60_000);

const services = () => ofType(plan, TYPES.service);
const serviceIn = (region: string) => one(plan, TYPES.service, (r) => inputs(r).location === region);
const env = (svc: PlannedResource) =>
  Object.fromEntries(inputs(svc).template.containers[0].envs.map((e: Loose) => [e.name, e.value]));

describe("counts per region", () => {
  it("a repository with its reader and writers in every AR region, a service with its invoker and NEG in every Cloud Run region", () => {
    const ar = { [TYPES.repository]: 1, [TYPES.repositoryMember]: 1, [TYPES.repositoryBinding]: 1 };
    const run = { [TYPES.service]: 1, [TYPES.serviceMember]: 1, [TYPES.neg]: 1 };
    expect(countsByRegion(plan, [...Object.keys(ar), ...Object.keys(run)])).toEqual({
      "us-central1": { ...ar, ...run },
      "europe-west4": ar,
      "asia-northeast1": ar,
      "europe-west3": run,
    });
  });

  it("one of each load balancer piece, two addresses and four forwarding rules", () => {
    const count = (t: string) => ofType(plan, t).length;
    expect(count(TYPES.securityPolicy)).toBe(1);
    expect(count(TYPES.backendService)).toBe(1);
    expect(count(TYPES.urlMap)).toBe(2);
    expect(count(TYPES.httpsProxy)).toBe(1);
    expect(count(TYPES.httpProxy)).toBe(1);
    expect(count(TYPES.address)).toBe(2);
    expect(count(TYPES.forwardingRule)).toBe(4);
    expect(count(TYPES.certificate)).toBe(1);
    expect(count(TYPES.serviceAccount)).toBe(2);
  });

  it("parents every cloud resource to its component", () => {
    const parentOf = (type: string) => [...new Set(ofType(plan, type).map((r) => r.parent))];
    expect(parentOf(TYPES.repository)).toEqual(["artifact-registry"]);
    expect(parentOf(TYPES.repositoryBinding)).toEqual(["artifact-registry"]);
    expect(parentOf(TYPES.service)).toEqual(["redirector"]);
    expect(parentOf(TYPES.neg)).toEqual(["redirector"]);
    expect(parentOf(TYPES.forwardingRule)).toEqual(["load-balancer"]);
    expect(parentOf(TYPES.dnsRecord)).toEqual(["dns"]);
    const components = plan.resources.filter((r) => !r.custom);
    expect(components.map((r) => [r.type, r.parent])).toEqual(
      expect.arrayContaining([
        ["registry:gcp:ArtifactRegistry", null],
        ["registry:gcp:Redirector", null],
        ["registry:gcp:LoadBalancer", null],
        ["registry:dns:Records", null],
      ]),
    );
    const gcpOrDns = plan.resources.filter((r) => /^(gcp|cloudflare):/.test(r.type));
    expect(gcpOrDns.filter((r) => r.parent === null)).toEqual([]);
  });
});

describe("Artifact Registry", () => {
  it("declares every argument (GCP v9 has no defaults) and is protected and retained", () => {
    for (const repo of ofType(plan, TYPES.repository)) {
      expect(inputs(repo)).toMatchObject({
        project: "example-artifacts",
        repositoryId: "images",
        format: "DOCKER",
        mode: "STANDARD_REPOSITORY",
      });
      expect(repo.options).toMatchObject({ protect: true, retainOnDelete: true });
    }
  });

  it("binds exactly the pusher account and the direct writers on each repository, and nothing project-wide", () => {
    for (const region of config.source.regions) {
      const binding = one(plan, TYPES.repositoryBinding, (r) => inputs(r).location === region);
      expect(inputs(binding)).toEqual({
        project: "example-artifacts",
        location: region,
        repository: "images",
        role: "roles/artifactregistry.writer",
        members: [`serviceAccount:${PUSHER}`, ...WRITERS],
      });
    }
    const writerGrants = iamGrants(plan).filter((g) => g.role === "roles/artifactregistry.writer");
    expect(writerGrants.map((g) => g.resource.type)).toEqual(config.source.regions.map(() => TYPES.repositoryBinding));
    expect(plan.resources.filter((r) => /^gcp:(projects|organizations|folder)\/iAM/.test(r.type))).toEqual([]);
  });

  it("creates the pusher account in the source project, impersonated by exactly the listed principals", () => {
    const account = one(plan, TYPES.serviceAccount, (r) => inputs(r).accountId === "image-pusher");
    expect(inputs(account)).toEqual({
      project: "example-artifacts",
      accountId: "image-pusher",
      displayName: "Image promotion",
    });
    const binding = one(plan, "gcp:serviceaccount/iAMBinding:IAMBinding");
    expect(inputs(binding)).toEqual({
      serviceAccountId: `projects/example-artifacts/serviceAccounts/${PUSHER}`,
      role: "roles/iam.workloadIdentityUser",
      members: IMPERSONATORS,
    });
  });

  it("is readable by anyone, per repository", () => {
    for (const region of config.source.regions) {
      const reader = one(plan, TYPES.repositoryMember, (r) => inputs(r).location === region);
      expect(inputs(reader)).toMatchObject({ member: "allUsers", role: "roles/artifactregistry.reader" });
    }
  });
});

describe("public access", () => {
  it("grants the public nothing but reading repositories and invoking redirector services", () => {
    const publicGrants = iamGrants(plan).filter((g) =>
      g.members.some((m) => m === "allUsers" || m === "allAuthenticatedUsers"),
    );
    const byRole = (role: string) => publicGrants.filter((g) => g.role === role);
    expect(publicGrants).toHaveLength(
      byRole("roles/artifactregistry.reader").length + byRole("roles/run.invoker").length,
    );
    expect(byRole("roles/artifactregistry.reader").map((g) => g.resource.type)).toEqual(
      config.source.regions.map(() => TYPES.repositoryMember),
    );
    const invoked = byRole("roles/run.invoker").map((g) => [inputs(g.resource).location, inputs(g.resource).name]);
    expect(invoked).toEqual(services().map((s) => [inputs(s).location, outputs(s).name]));
  });

  it("the runtime service account is used by every service and bound to nothing", () => {
    const account = one(plan, TYPES.serviceAccount, (r) => inputs(r).project === PROJECT);
    expect(outputs(account).email).toBe(EMAIL);
    for (const svc of services()) expect(inputs(svc).template.serviceAccount).toBe(EMAIL);
    const mentions = iamGrants(plan).filter((g) => g.members.some((m) => m.includes(EMAIL)));
    expect(mentions).toEqual([]);
    const onIt = plan.resources.filter(
      (r) => r.type.startsWith("gcp:serviceaccount/iAM") && inputs(r).serviceAccountId.includes(EMAIL),
    );
    expect(onIt).toEqual([]);
  });
});

describe("redirector services", () => {
  it.each([
    ["us-central1", "https://us-central1-docker.pkg.dev"],
    ["europe-west3", "https://europe-west4-docker.pkg.dev"],
  ])("%s: REDIRECTOR_CONFIG passes the redirector's schema and points at %s", (region, endpoint) => {
    const raw = env(serviceIn(region)).REDIRECTOR_CONFIG;
    const table = RoutingTable.parse(JSON.parse(raw));
    expect(table.upstream).toEqual({ endpoint, path: "example-artifacts/images" });
    expect(table.signatureUpstream).toBe("https://us-central1-docker.pkg.dev");
    expect(JSON.parse(raw)).toEqual(buildRoutingTable(config, region));
  });

  it.each(["us-central1", "europe-west3"])(
    "%s: reachable only through the load balancer, protected in prod",
    (region) => {
      const svc = inputs(serviceIn(region));
      expect(svc).toMatchObject({
        project: PROJECT,
        location: region,
        name: `redirector-${region}`,
        ingress: "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
        deletionProtection: true,
      });
    },
  );

  it("runs the configured image on 1 vCPU / 512Mi with the configured concurrency and scale, probed on /healthz", () => {
    for (const svc of services()) {
      const { template } = inputs(svc);
      expect(template.maxInstanceRequestConcurrency).toBe(500);
      expect(template.scaling.maxInstanceCount).toBe(7);
      const [container, ...others] = template.containers;
      expect(others).toEqual([]);
      expect(container.image).toBe(config.redirector.image);
      expect(container.resources.limits).toEqual({ cpu: "1", memory: "512Mi" });
      expect(container.startupProbe.httpGet).toEqual({ path: "/healthz", port: 8080 });
      expect(container.ports.containerPort).toBe(8080);
    }
  });

  it("puts each service behind one serverless NEG in its region, and every NEG behind the backend service", () => {
    const negs = ofType(plan, TYPES.neg);
    expect(negs.map((n) => [inputs(n).region, inputs(n).cloudRun.service])).toEqual(
      services().map((s) => [inputs(s).location, outputs(s).name]),
    );
    for (const neg of negs) expect(inputs(neg)).toMatchObject({ project: PROJECT, networkEndpointType: "SERVERLESS" });
    const backend = inputs(one(plan, TYPES.backendService));
    // A backend's group is the NEG's self link (the provider's documented form), not its ID.
    expect(backend.backends.map((b: Loose) => b.group).sort()).toEqual(negs.map((n) => outputs(n).selfLink).sort());
    expect(backend.backends.every((b: Loose) => b.group.startsWith("https://www.googleapis.com/compute/v1/"))).toBe(
      true,
    );
  });
});

describe("load balancer", () => {
  it("sets the EXTERNAL_MANAGED scheme explicitly on the backend service and every forwarding rule", () => {
    const schemed = [...ofType(plan, TYPES.backendService), ...ofType(plan, TYPES.forwardingRule)];
    expect(schemed).toHaveLength(5);
    for (const r of schemed) expect(inputs(r).loadBalancingScheme).toBe("EXTERNAL_MANAGED");
  });

  it("logs every request and does not cache redirects", () => {
    expect(inputs(one(plan, TYPES.backendService))).toMatchObject({
      logConfig: { enable: true, sampleRate: 1 },
      enableCdn: false,
    });
  });

  it("guards the backend with Cloud Armor: the path rule, the WAF rule sets, then a per-IP throttle with the configured numbers", () => {
    const policy = one(plan, TYPES.securityPolicy);
    expect(inputs(one(plan, TYPES.backendService)).securityPolicy).toBe(outputs(policy).selfLink);
    const rules: Loose[] = inputs(policy).rules;
    expect(rules[0]).toMatchObject({ priority: 1, action: "deny(404)" });
    const waf = rules.filter((r) => r.action === "deny(403)");
    expect(waf.map((r) => r.priority)).toEqual([900, 910, 920, 930, 940, 950, 960, 980, 990, 1010]);
    expect(waf.every((r) => /^evaluatePreconfigured(Waf|Expr)\('/.test(r.match.expr.expression))).toBe(true);
    const fallback = rules.filter((r) => r.priority === 2147483647);
    expect(fallback).toEqual([
      expect.objectContaining({
        action: "throttle",
        match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } },
        rateLimitOptions: {
          conformAction: "allow",
          exceedAction: "deny(429)",
          enforceOnKey: "IP",
          rateLimitThreshold: { count: 1234, intervalSec: 120 },
        },
      }),
    ]);
    expect(rules.every((r) => r.preview === false)).toBe(true);
  });

  it("serves HTTPS from the backend, and answers HTTP with a redirect to HTTPS only", () => {
    const https = inputs(one(plan, TYPES.httpsProxy));
    const http = inputs(one(plan, TYPES.httpProxy));
    const maps = ofType(plan, TYPES.urlMap);
    const httpsMap = one(plan, TYPES.urlMap, (m) => outputs(m).selfLink === https.urlMap);
    const httpMap = one(plan, TYPES.urlMap, (m) => outputs(m).selfLink === http.urlMap);
    expect(maps).toHaveLength(2);
    expect(inputs(httpsMap).defaultService).toBe(outputs(one(plan, TYPES.backendService)).selfLink);
    expect(inputs(httpMap).defaultService).toBeUndefined();
    expect(inputs(httpMap).defaultUrlRedirect).toEqual({
      httpsRedirect: true,
      redirectResponseCode: "MOVED_PERMANENTLY_DEFAULT",
      stripQuery: false,
    });
  });

  it("terminates TLS with a Certificate Manager certificate proven by DNS authorization, via a certificate map", () => {
    const auth = one(plan, TYPES.dnsAuthorization);
    const cert = one(plan, TYPES.certificate);
    const map = one(plan, TYPES.certificateMap);
    expect(inputs(auth)).toMatchObject({ domain: "registry.example.dev", location: "global" });
    expect(inputs(cert).managed).toEqual({ domains: ["registry.example.dev"], dnsAuthorizations: [outputs(auth).id] });
    expect(inputs(one(plan, TYPES.certificateMapEntry))).toMatchObject({
      map: inputs(map).name,
      matcher: "PRIMARY",
      certificates: [outputs(cert).id],
    });
    expect(inputs(one(plan, TYPES.httpsProxy)).certificateMap).toBe(
      `//certificatemanager.googleapis.com/${outputs(map).id}`,
    );
  });

  it("listens on IPv4 and IPv6, ports 80 and 443, each to the right proxy; addresses protected in prod", () => {
    const addr = (v: string) => one(plan, TYPES.address, (a) => inputs(a).ipVersion === v);
    const [v4, v6] = [outputs(addr("IPV4")).address, outputs(addr("IPV6")).address];
    const proxy = {
      "443": outputs(one(plan, TYPES.httpsProxy)).selfLink,
      "80": outputs(one(plan, TYPES.httpProxy)).selfLink,
    };
    const rules = ofType(plan, TYPES.forwardingRule).map((r) => inputs(r));
    expect(rules.map((r) => [r.ipAddress, r.portRange, r.target]).sort()).toEqual(
      [
        [v4, "80", proxy["80"]],
        [v4, "443", proxy["443"]],
        [v6, "80", proxy["80"]],
        [v6, "443", proxy["443"]],
      ].sort(),
    );
    for (const r of rules) expect(r).toMatchObject({ ipProtocol: "TCP", networkTier: "PREMIUM" });
    for (const a of ofType(plan, TYPES.address)) {
      expect(inputs(a).addressType).toBe("EXTERNAL");
      expect(a.options.protect).toBe(true);
    }
  });
});

describe("Cloudflare records", () => {
  const records = () => ofType(plan, TYPES.dnsRecord).map((r) => inputs(r));
  const ofKind = (type: string) => records().filter((r) => r.type === type);
  const zoneId = FAKE_INVOKES["cloudflare:index/getZone:getZone"]?.({ filter: { name: "example.dev" } }).zoneId;

  it("A and AAAA carry the load balancer's addresses, unproxied, in the looked-up zone", () => {
    const address = (v: string) => outputs(one(plan, TYPES.address, (a) => inputs(a).ipVersion === v)).address;
    expect(ofKind("A")).toEqual([
      expect.objectContaining({ name: "registry.example.dev", content: address("IPV4"), proxied: false, ttl: 600 }),
    ]);
    expect(ofKind("AAAA")).toEqual([
      expect.objectContaining({ name: "registry.example.dev", content: address("IPV6"), proxied: false, ttl: 600 }),
    ]);
    for (const r of records()) expect(r.zoneId).toBe(zoneId);
  });

  it("the _acme-challenge CNAME is the DNS authorization's record", () => {
    const [challenge] = outputs(one(plan, TYPES.dnsAuthorization)).dnsResourceRecords;
    expect(ofKind("CNAME")).toEqual([
      expect.objectContaining({
        name: challenge.name.replace(/\.$/, ""),
        content: challenge.data.replace(/\.$/, ""),
        proxied: false,
      }),
    ]);
    expect(challenge.name).toBe("_acme-challenge.registry.example.dev.");
  });

  it("CAA allows exactly the configured certificate authorities", () => {
    expect(ofKind("CAA").map((r) => [r.name, r.data])).toEqual([
      ["registry.example.dev", { flags: 0, tag: "issue", value: "pki.goog" }],
      ["registry.example.dev", { flags: 0, tag: "issue", value: "letsencrypt.org" }],
    ]);
    expect(records()).toHaveLength(5);
  });
});

describe("without registry:monitoring", () => {
  it("declares nothing that watches: no check, alert, metric, dashboard, sink, dataset or alarm", () => {
    const watching = plan.resources.filter((r) =>
      /^(gcp:(monitoring|logging|bigquery)\/|gcp:projects\/iAMAuditConfig|aws:(sns|cloudwatch)\/)/.test(r.type),
    );
    expect(watching.map((r) => r.type)).toEqual([]);
  });
});

describe("stack outputs", () => {
  it("exports the addresses, domain, services and repository URLs, from resource outputs", () => {
    const address = (v: string) => outputs(one(plan, TYPES.address, (a) => inputs(a).ipVersion === v)).address;
    expect(plan.outputs).toMatchObject({
      domain: "registry.example.dev",
      loadBalancer: { ipv4: address("IPV4"), ipv6: address("IPV6") },
      redirectorServices: { "us-central1": "redirector-us-central1", "europe-west3": "redirector-europe-west3" },
      artifactRegistry: {
        "us-central1": "us-central1-docker.pkg.dev/example-artifacts/images",
        "europe-west4": "europe-west4-docker.pkg.dev/example-artifacts/images",
        "asia-northeast1": "asia-northeast1-docker.pkg.dev/example-artifacts/images",
      },
    });
  });
});
