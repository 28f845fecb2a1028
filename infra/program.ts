/**
 * The whole registry as components, from a validated config. `index.ts` feeds it the
 * stack's config; tests and the offline plan feed it the same way under mocks.
 */

import type * as cloudflare from "@pulumi/cloudflare";
import type * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { MirrorRoute } from "../redirector/routing-table";
import { waitingFor } from "./child-options";
import { deletionProtection, type RegistryConfig } from "./config";
import { CloudDnsRecords, recordShape } from "./dns/cloud-dns";
import { DnsRecords } from "./dns/cloudflare";
import { octodnsYaml, type RecordSet, registryRecords } from "./dns/records";
import type { DonorOutputs, SyncTarget } from "./donors/donor";
import { type DonorTransforms, provisionDonor } from "./donors/index";
import { fillPattern, selectedRegions } from "./fields";
import { apisByProject, monitoringApis, ProjectApis, REDIRECTOR_APIS, sourceApis, syncApis } from "./gcp/apis";
import { ArtifactRegistry, type ArtifactRegistryTransform } from "./gcp/artifact-registry";
import { LoadBalancer, type LoadBalancerTransform } from "./gcp/load-balancer";
import { Monitoring, type MonitoringTransform } from "./gcp/monitoring";
import { serviceName } from "./gcp/names";
import { Promotion, type PromotionTransform } from "./gcp/promotion";
import { Redirector, type RedirectorTransform } from "./gcp/redirector";
import { SyncJob, type SyncJobArgs, type SyncJobTransform } from "./gcp/sync-job";
import { buildRoutingTables, defaultBlobBaseUrl, mirrorRoutes, upstreamRegionFor } from "./routing";
import { syncJobSettings, syncTargets } from "./sync-jobs";
import type { Transform } from "./transform";

export interface RegistryArgs {
  config: RegistryConfig;
  /** The stack name; `prod` turns on deletion protection unless the config says otherwise. */
  stack: string;
  /** Adjustments of any component's children, by component (infra/transform.ts). */
  transform?: RegistryTransforms;
}

export interface RegistryTransforms {
  promotion?: PromotionTransform;
  artifactRegistry?: ArtifactRegistryTransform;
  redirector?: RedirectorTransform;
  loadBalancer?: LoadBalancerTransform;
  monitoring?: MonitoringTransform;
  /** The DNS records, whichever provider declares them. */
  dns?: { record?: Transform<cloudflare.DnsRecordArgs>; recordSet?: Transform<gcp.dns.RecordSetArgs> };
  /** Per donor kind: `{ "aws-s3": { mirrors: { bucket: ... } } }`. */
  donors?: DonorTransforms;
  /** Every donor's sync job. */
  sync?: SyncJobTransform;
}

/** The components `registry()` declared: reach their children through each one's `nodes`. */
export interface RegistryComponents {
  apis: ProjectApis[];
  promotion: Promotion;
  artifactRegistry: ArtifactRegistry;
  redirector: Redirector;
  loadBalancer: LoadBalancer;
  /** None without `registry:monitoring`. */
  monitoring?: Monitoring;
  /** None for an external zone. */
  dns?: DnsRecords | CloudDnsRecords;
  /** Per backend, in config order: `AwsS3Donor`, `R2Mirror`, ... */
  donors: pulumi.ComponentResource[];
  /** With `registry:sync`, per backend in config order: the job that fills it. */
  sync: SyncJob[];
}

export interface Registry {
  /** The stack's outputs (`infra/index.ts` exports these). */
  outputs: RegistryOutputs;
  components: RegistryComponents;
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
  /** Per backend with a sync job, in config order: the bucket it fills and how to find the job. */
  syncJobs: SyncJobOutput[];
}

export interface SyncJobOutput {
  donor: string;
  bucket: string;
  project: string;
  region: string;
  job: pulumi.Output<string>;
  serviceAccount: pulumi.Output<string>;
}

/**
 * The whole registry. `opts` go to every top-level component, so Pulumi's own resource
 * options (`transforms`, say) reach every child.
 */
export function registry(
  { config, stack, transform = {} }: RegistryArgs,
  opts: pulumi.ComponentResourceOptions = {},
): Registry {
  const protect = deletionProtection(config, stack);
  const { source, promotion } = config;
  const upstreams = Object.fromEntries(
    config.redirector.regions.map((r) => [r, upstreamRegionFor(r, source.regions).region]),
  );
  const routing = { upstreams, mirrors: mirrorRoutes(config), defaultBlobBaseUrl: defaultBlobBaseUrl(config) ?? null };
  const m = config.monitoring;
  const alerts = m ? { emails: m.channels.emails } : undefined;
  const sync = config.sync ? syncJobSettings({ ...config, sync: config.sync }) : undefined;
  const targets = sync ? syncTargets(config.backends) : [];

  const analyticsProject = m?.analytics && (m.analytics.project ?? config.redirector.project);

  // Everything in a project waits for the project's APIs: a new project has none.
  const apis = new Map(
    [
      ...apisByProject([
        { project: source.project, services: sourceApis(promotion.pushers.length > 0), adopt: !!source.adopt?.apis },
        { project: config.redirector.project, services: REDIRECTOR_APIS, adopt: !!config.redirector.adopt?.apis },
        ...(m
          ? monitoringApis(config.redirector.project, analyticsProject).map((a) => ({ ...a, adopt: !!m.adopt?.apis }))
          : []),
        ...(sync
          ? [
              {
                project: sync.project,
                services: syncApis(targets.some((t) => t.target.credentials.kind === "keys")),
                adopt: false,
              },
            ]
          : []),
      ]),
    ].map(([project, list]) => [project, new ProjectApis(`apis-${project}`, { project, apis: list }, opts)]),
  );
  const after = (...projects: string[]): pulumi.ComponentResourceOptions =>
    waitingFor(
      opts,
      projects.flatMap((p) => apis.get(p) ?? []),
    );

  const jobs: Array<{ donor: string; target: SyncTarget; job: SyncJob }> = [];
  const donors = config.backends.map((b, i) => {
    const ctx = { stack, promotion, dns: config.dns, alerts, opts };
    const planned = targets[i];
    if (!sync || !planned) return provisionDonor(b, ctx, transform.donors);
    const { target, names } = planned;
    const declareJob = (keys?: SyncJobArgs["keys"]) => {
      const job = new SyncJob(
        names.job,
        { ...sync, names, target, keys, transform: transform.sync },
        after(sync.project),
      );
      jobs.push({ donor: b.donor, target, job });
      return job;
    };
    if (target.credentials.kind === "aws-role") {
      // The writer role's trust names the job's service account: the account comes first.
      const job = declareJob();
      const syncIdentity = { uniqueId: job.serviceAccountUniqueId, audience: sync.audience };
      return provisionDonor(b, { ...ctx, syncIdentity }, transform.donors);
    }
    // A key pair comes from the donor: the donor comes first.
    const donor = provisionDonor(b, ctx, transform.donors);
    declareJob(donor.syncKeys);
    return donor;
  });

  const writers = new Promotion(
    "promotion",
    {
      project: source.project,
      pushers: promotion.pushers,
      artifactWriters: promotion.artifactWriters,
      projectWriteRole: promotion.projectWriteRole,
      adopt: { pushers: !!promotion.adopt?.pushers, projectWriteRole: !!promotion.adopt?.projectWriteRole },
      transform: transform.promotion,
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
      transform: transform.artifactRegistry,
    },
    after(source.project),
  );

  const r = config.redirector;
  const legacy = r.legacyBackends;
  const legacyServices = Object.fromEntries(
    selectedRegions(legacy?.regions, r.regions).map((region) => {
      const values = { project: r.project, region };
      return [
        region,
        { service: fillPattern(legacy?.service ?? "", values), neg: fillPattern(legacy?.neg ?? "", values) },
      ];
    }),
  );
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
      legacy: legacyServices,
      transform: transform.redirector,
    },
    after(r.project),
  );
  const lb = new LoadBalancer(
    "load-balancer",
    {
      project: r.project,
      domain: config.domain,
      // A drained region's NEG stays declared, out of the backend service: undraining is one line.
      negs: Object.entries(redirector.negs)
        .filter(([region]) => !r.drainedRegions.includes(region))
        .map(([, neg]) => neg),
      armor: config.armor,
      certificateName: config.loadBalancer.certificateName,
      sslPolicy: config.loadBalancer.sslPolicy,
      protectAddresses: protect,
      adopt: config.loadBalancer.adopt,
      transform: transform.loadBalancer,
    },
    after(r.project),
  );
  const records = dns(config, lb, transform.dns ?? {}, opts);
  const monitoring = m
    ? new Monitoring(
        "monitoring",
        {
          project: r.project,
          services: r.regions.map((region) => legacyServices[region]?.service ?? serviceName(region)),
          sourceProject: source.project,
          domain: config.domain,
          channels: m.channels,
          uptime: m.uptime,
          alerts: m.alerts,
          analytics: m.analytics,
          auditLogs: m.auditLogs,
          adopt: { auditLogs: !!m.adopt?.auditLogs },
          transform: transform.monitoring,
        },
        after(r.project, source.project, ...(analyticsProject ? [analyticsProject] : [])),
      )
    : undefined;

  return {
    outputs: {
      domain: config.domain,
      routing,
      donors: donors.map((d) => d.outputs),
      loadBalancer: { ipv4: lb.ipv4, ipv6: lb.ipv6 },
      redirectorServices: redirector.services,
      artifactRegistry: ar.urls,
      dns: records.outputs,
      syncJobs: jobs.map(({ donor, target, job }) => ({
        donor,
        bucket: target.bucket,
        project: job.project,
        region: job.region,
        job: job.jobName,
        serviceAccount: job.serviceAccountEmail,
      })),
    },
    components: {
      apis: [...apis.values()],
      promotion: writers,
      artifactRegistry: ar,
      redirector,
      loadBalancer: lb,
      ...(monitoring ? { monitoring } : {}),
      ...(records.component ? { dns: records.component } : {}),
      donors: donors.map((d) => d.component),
      sync: jobs.map((j) => j.job),
    },
  };
}

/** The records wherever the zone is: Cloudflare, Cloud DNS, or printed for whoever owns it. */
function dns(
  config: RegistryConfig,
  lb: LoadBalancer,
  transform: NonNullable<RegistryTransforms["dns"]>,
  opts: pulumi.ComponentResourceOptions,
): { outputs: RegistryOutputs["dns"]; component?: DnsRecords | CloudDnsRecords } {
  const d = config.dns;
  const records = pulumi
    .all([lb.ipv4, lb.ipv6, lb.dnsChallenge])
    .apply(([ipv4, ipv6, challenge]) =>
      registryRecords({ domain: config.domain, ttl: d.ttl, ipv4, ipv6, challenge, caaIssuers: d.caaIssuers }),
    );
  switch (d.provider) {
    case "cloudflare": {
      const component = new DnsRecords(
        "dns",
        {
          zone: d.zone,
          domain: config.domain,
          ttl: d.ttl,
          ipv4: lb.ipv4,
          ipv6: lb.ipv6,
          challenge: lb.dnsChallenge,
          caaIssuers: d.caaIssuers,
          transform: { record: transform.record },
        },
        opts,
      );
      return { outputs: { provider: d.provider, records }, component };
    }
    case "cloud-dns": {
      const component = new CloudDnsRecords(
        "dns",
        {
          project: d.project,
          managedZone: d.managedZone,
          records,
          shape: recordShape({ domain: config.domain, caaIssuers: d.caaIssuers }),
          adopt: d.adopt,
          transform: { recordSet: transform.recordSet },
        },
        opts,
      );
      return { outputs: { provider: d.provider, records }, component };
    }
    case "external": {
      const octodns = records.apply((sets) => {
        const snippet = octodnsYaml(sets, d.zone);
        pulumi.log.info(`${config.domain} is served by a zone this program does not manage; its records:\n${snippet}`);
        return snippet;
      });
      return { outputs: { provider: d.provider, records, octodns } };
    }
  }
}
