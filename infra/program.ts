/**
 * The whole registry as components, from a validated config. `index.ts` feeds it the
 * stack's config; tests and the offline plan feed it the same way under mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import type { MirrorRoute } from "../redirector/routing-table";
import { deletionProtection, type RegistryConfig } from "./config";
import { CloudDnsRecords, recordShape } from "./dns/cloud-dns";
import { DnsRecords } from "./dns/cloudflare";
import { octodnsYaml, type RecordSet, registryRecords } from "./dns/records";
import type { DonorOutputs } from "./donors/donor";
import { provisionDonor } from "./donors/index";
import { fillPattern, selectedRegions } from "./fields";
import { apisByProject, ProjectApis, REDIRECTOR_APIS, sourceApis } from "./gcp/apis";
import { ArtifactRegistry } from "./gcp/artifact-registry";
import { LoadBalancer } from "./gcp/load-balancer";
import { Promotion } from "./gcp/promotion";
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
  /** Cloud Run region -> the service that serves it. */
  redirectorServices: Record<string, pulumi.Output<string>>;
  /** AR region -> `<region>-docker.pkg.dev/<project>/<repository>`. */
  artifactRegistry: Record<string, pulumi.Output<string>>;
  /** The registry's DNS records; for an `external` zone also as OctoDNS YAML to paste. */
  dns: { provider: string; records: pulumi.Output<RecordSet[]>; octodns?: pulumi.Output<string> };
}

export function registry({ config, stack }: RegistryArgs): RegistryOutputs {
  const protect = deletionProtection(config, stack);
  const { source, promotion } = config;
  const upstreams = Object.fromEntries(
    config.redirector.regions.map((r) => [r, upstreamRegionFor(r, source.regions).region]),
  );
  const routing = { upstreams, mirrors: mirrorRoutes(config), defaultBlobBaseUrl: defaultBlobBaseUrl(config) ?? null };
  const donors = config.backends.map((b) => provisionDonor(b, { stack, promotion, dns: config.dns }));

  // Everything in a project waits for the project's APIs: a new project has none.
  const apis = new Map(
    [
      ...apisByProject([
        { project: source.project, services: sourceApis(promotion.pushers.length > 0), adopt: !!source.adopt?.apis },
        { project: config.redirector.project, services: REDIRECTOR_APIS, adopt: !!config.redirector.adopt?.apis },
      ]),
    ].map(([project, list]) => [project, new ProjectApis(`apis-${project}`, { project, apis: list })]),
  );
  const after = (project: string) => ({ dependsOn: apis.get(project) });

  const writers = new Promotion(
    "promotion",
    {
      project: source.project,
      pushers: promotion.pushers,
      artifactWriters: promotion.artifactWriters,
      projectWriteRole: promotion.projectWriteRole,
      adopt: { pushers: !!promotion.adopt?.pushers, projectWriteRole: !!promotion.adopt?.projectWriteRole },
    },
    after(source.project),
  );
  const ar = new ArtifactRegistry(
    "artifact-registry",
    {
      project: source.project,
      repository: source.repository,
      regions: source.regions,
      writers: writers.perRepository ? writers.writers : undefined,
      adopt: selectedRegions(source.adopt?.repositories, source.regions),
    },
    after(source.project),
  );

  const r = config.redirector;
  const legacy = r.legacyBackends;
  const redirector = new Redirector(
    "redirector",
    {
      project: r.project,
      serviceAccountId: r.serviceAccount,
      image: r.image,
      concurrency: r.concurrency,
      maxInstances: r.maxInstances,
      tables: buildRoutingTables(config),
      deletionProtection: protect,
      legacy: Object.fromEntries(
        selectedRegions(legacy?.regions, r.regions).map((region) => {
          const values = { project: r.project, region };
          return [
            region,
            { service: fillPattern(legacy?.service ?? "", values), neg: fillPattern(legacy?.neg ?? "", values) },
          ];
        }),
      ),
    },
    after(r.project),
  );
  const lb = new LoadBalancer(
    "load-balancer",
    {
      project: r.project,
      domain: config.domain,
      negs: redirector.negs,
      armor: config.armor,
      certificateName: config.loadBalancer.certificateName,
      sslPolicy: config.loadBalancer.sslPolicy,
      protectAddresses: protect,
      adopt: config.loadBalancer.adopt,
    },
    after(r.project),
  );

  return {
    domain: config.domain,
    routing,
    donors,
    loadBalancer: { ipv4: lb.ipv4, ipv6: lb.ipv6 },
    redirectorServices: redirector.services,
    artifactRegistry: ar.urls,
    dns: dns(config, lb),
  };
}

/** The records wherever the zone is: Cloudflare, Cloud DNS, or printed for whoever owns it. */
function dns(config: RegistryConfig, lb: LoadBalancer): RegistryOutputs["dns"] {
  const d = config.dns;
  const records = pulumi
    .all([lb.ipv4, lb.ipv6, lb.dnsChallenge])
    .apply(([ipv4, ipv6, challenge]) =>
      registryRecords({ domain: config.domain, ttl: d.ttl, ipv4, ipv6, challenge, caaIssuers: d.caaIssuers }),
    );
  switch (d.provider) {
    case "cloudflare":
      new DnsRecords("dns", {
        zone: d.zone,
        domain: config.domain,
        ttl: d.ttl,
        ipv4: lb.ipv4,
        ipv6: lb.ipv6,
        challenge: lb.dnsChallenge,
        caaIssuers: d.caaIssuers,
      });
      return { provider: d.provider, records };
    case "cloud-dns":
      new CloudDnsRecords("dns", {
        project: d.project,
        managedZone: d.managedZone,
        records,
        shape: recordShape({ domain: config.domain, caaIssuers: d.caaIssuers }),
        adopt: d.adopt,
      });
      return { provider: d.provider, records };
    case "external": {
      const octodns = records.apply((sets) => {
        const snippet = octodnsYaml(sets, d.zone);
        pulumi.log.info(`${config.domain} is served by a zone this program does not manage; its records:\n${snippet}`);
        return snippet;
      });
      return { provider: d.provider, records, octodns };
    }
  }
}
