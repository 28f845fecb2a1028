/**
 * The whole registry as components, from a validated config. `index.ts` feeds it the
 * stack's config; tests and the offline plan feed it the same way under mocks.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { MirrorRoute } from "../redirector/routing-table";
import { deletionProtection, type RegistryConfig } from "./config";
import { DnsRecords } from "./dns/cloudflare";
import type { DonorOutputs } from "./donors/donor";
import { provisionDonor } from "./donors/index";
import { ArtifactRegistry } from "./gcp/artifact-registry";
import { LoadBalancer } from "./gcp/load-balancer";
import { Redirector } from "./gcp/redirector";
import { buildRoutingTables, defaultBlobBaseUrl, mirrorRoutes, upstreamRegionFor } from "./routing";

export interface RegistryArgs {
  config: RegistryConfig;
  /** The stack name; `prod` turns on deletion protection unless the config says otherwise. */
  stack: string;
}

export interface RegistryOutputs {
  domain: string;
  /** How the redirectors route: each Cloud Run region's AR upstream, and the blob mirrors. */
  routing: {
    upstreams: Record<string, string>;
    mirrors: MirrorRoute[];
    defaultBlobBaseUrl: string | null;
  };
  /** Per backend, in config order: its mirrors and identities (bucket names, role ARNs). */
  donors: DonorOutputs[];
  /** The addresses `domain` resolves to. */
  loadBalancer: { ipv4: pulumi.Output<string>; ipv6: pulumi.Output<string> };
  /** Cloud Run region -> redirector service name. */
  redirectorServices: Record<string, pulumi.Output<string>>;
  /** AR region -> `<region>-docker.pkg.dev/<project>/<repository>`. */
  artifactRegistry: Record<string, pulumi.Output<string>>;
}

export function registry({ config, stack }: RegistryArgs): RegistryOutputs {
  const protect = deletionProtection(config, stack);
  const upstreams = Object.fromEntries(
    config.redirector.regions.map((r) => [r, upstreamRegionFor(r, config.source.regions).region]),
  );
  const routing = { upstreams, mirrors: mirrorRoutes(config), defaultBlobBaseUrl: defaultBlobBaseUrl(config) ?? null };
  const donors = config.backends.map((b) => provisionDonor(b, { stack, promotion: config.promotion, dns: config.dns }));

  const ar = new ArtifactRegistry("artifact-registry", {
    ...config.source,
    writers: config.promotion.artifactWriters,
  });
  const redirector = new Redirector("redirector", {
    project: config.redirector.project,
    serviceAccountId: config.redirector.serviceAccount,
    image: config.redirector.image,
    concurrency: config.redirector.concurrency,
    maxInstances: config.redirector.maxInstances,
    tables: buildRoutingTables(config),
    deletionProtection: protect,
  });
  const lb = new LoadBalancer("load-balancer", {
    project: config.redirector.project,
    domain: config.domain,
    negs: redirector.negs,
    rateLimit: config.armor.rateLimit,
    protectAddresses: protect,
  });
  new DnsRecords("dns", {
    zone: config.dns.zone,
    domain: config.domain,
    ttl: config.dns.ttl,
    ipv4: lb.ipv4,
    ipv6: lb.ipv6,
    challenge: lb.dnsChallenge,
    caaIssuers: config.dns.caaIssuers,
  });

  return {
    domain: config.domain,
    routing,
    donors,
    loadBalancer: { ipv4: lb.ipv4, ipv6: lb.ipv6 },
    redirectorServices: redirector.services,
    artifactRegistry: ar.urls,
  };
}
