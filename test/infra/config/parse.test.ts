import { ConfigError, deletionProtection, namespaceValues, parseConfig } from "../../../infra/config";
import { readStackFile, stackFilePath } from "../../../tools/plan/stack-file";
import { validConfig } from "../fixtures";

function problems(values: Record<string, unknown>, stack = "sandbox"): string[] {
  try {
    parseConfig(values, { stack });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

/** A valid cloudflare-r2 entry for the zone of validConfig(). */
function r2Backend() {
  return {
    donor: "cloudflare-r2",
    accountId: "0123456789abcdef0123456789abcdef",
    bucket: "blobs",
    hostname: "blobs.example.dev",
  };
}

const SYNC_IMAGE = `us-docker.pkg.dev/example/registry-sync@sha256:${"b".repeat(64)}`;

/** A copy of the valid config with one change applied. */
function broken(change: (c: ReturnType<typeof validConfig>) => void) {
  const c = validConfig();
  change(c);
  return c;
}

describe("valid configs", () => {
  it.each(["prod", "sandbox"])("the checked-in %s stack parses", (stack) => {
    const file = readStackFile(stackFilePath(stack));
    const cfg = parseConfig(namespaceValues(file.config), { stack });
    expect(cfg.redirector.regions.length).toBeGreaterThan(0);
  });

  it("fills in defaults", () => {
    const cfg = parseConfig(validConfig(), { stack: "sandbox" });
    expect(cfg.redirector).toMatchObject({ maxInstances: 10, concurrency: 800, serviceAccount: "redirector" });
    expect(cfg.armor.rateLimit).toEqual({ count: 5000, intervalSec: 60 });
    expect(cfg.dns).toMatchObject({ ttl: 300, caaIssuers: ["pki.goog"] });
  });

  it("fills in the sync job's defaults: the redirector's project, the canonical region, one task at 80/s", () => {
    const cfg = parseConfig({ ...validConfig(), sync: { image: SYNC_IMAGE } }, { stack: "prod" });
    expect(cfg.sync).toEqual({
      image: SYNC_IMAGE,
      schedule: "0 */6 * * *",
      timeZone: "Etc/UTC",
      paused: false,
      tasks: 1,
      rate: 80,
      concurrency: 16,
      multipartThresholdMiB: 100,
      taskTimeout: "3h",
      maxRetries: 1,
      audience: "sts.amazonaws.com",
    });
    expect(parseConfig(validConfig(), { stack: "sandbox" }).sync).toBeUndefined();
  });

  it("needs no blob writer for an aws-s3 donor the sync job fills", () => {
    const values = validConfig();
    delete values.promotion.blobWriter;
    values.sync = { image: SYNC_IMAGE };
    expect(parseConfig(values, { stack: "sandbox" }).promotion.blobWriter).toBeUndefined();
  });

  it("prod has the registry.k8s.io scale", () => {
    const file = readStackFile(stackFilePath("prod"));
    const cfg = parseConfig(namespaceValues(file.config), { stack: "prod" });
    const aws = cfg.backends.find((b) => b.donor === "aws-s3");
    expect(cfg.redirector.regions).toHaveLength(22);
    expect(aws?.regions).toHaveLength(31);
    expect(aws?.sourceRegion).toBe("us-east-2");
    expect(cfg.source.regions).toEqual(expect.arrayContaining(cfg.redirector.regions));
  });
});

describe("invalid configs: every problem, with its key path and value", () => {
  // [name, config, expected problems, stack (default sandbox)]
  const cases: Array<[string, Record<string, unknown>, string[], string?]> = [
    [
      "misspelled AWS region, with a suggestion",
      broken((c) => {
        c.backends[0].regions = ["us-east-2", "us-esat-1"];
      }),
      ['registry:backends[0].regions[1]: "us-esat-1" is not an AWS region (did you mean "us-east-1"?)'],
    ],
    [
      "unknown GCP region",
      broken((c) => {
        c.source.regions = ["us-central1", "mars-north1"];
      }),
      ['registry:source.regions[1]: "mars-north1" is not a GCP region'],
    ],
    [
      "canonical region outside source.regions",
      broken((c) => {
        c.source.canonicalRegion = "europe-west1";
      }),
      ['registry:source.canonicalRegion: "europe-west1" is not one of source.regions'],
    ],
    [
      "duplicate region",
      broken((c) => {
        c.redirector.regions = ["us-central1", "europe-west3", "us-central1"];
      }),
      ['registry:redirector.regions[2]: "us-central1" is listed twice (also at [0])'],
    ],
    [
      "redirector region with no Artifact Registry nearby",
      broken((c) => {
        c.redirector.regions = ["us-central1", "asia-south1"];
      }),
      [
        'registry:redirector.regions[1]: "asia-south1" has no Artifact Registry region within 2500 km (nearest: europe-west4, 6737 km); add one to source.regions',
      ],
    ],
    [
      "source bucket region without a bucket",
      broken((c) => {
        c.backends[0].sourceRegion = "us-west-2";
      }),
      ['registry:backends[0].sourceRegion: "us-west-2" has no bucket: add it to regions'],
    ],
    [
      "alias target without a bucket",
      broken((c) => {
        c.backends[0].serve = { "eu-west-2": "eu-north-1" };
      }),
      ['registry:backends[0].serve.eu-west-2: target "eu-north-1" has no bucket (not in regions)'],
    ],
    [
      "alias for a region that has its own bucket",
      broken((c) => {
        c.backends[0].serve = { "eu-west-1": "us-east-2" };
      }),
      ['registry:backends[0].serve.eu-west-1: "eu-west-1" has its own bucket; remove it from serve or from regions'],
    ],
    [
      "alias from a region that does not exist",
      broken((c) => {
        c.backends[0].serve = { "eu-wets-2": "eu-west-1" };
      }),
      ['registry:backends[0].serve.eu-wets-2: "eu-wets-2" is not an AWS region (did you mean "eu-west-2"?)'],
    ],
    [
      "bucket in another partition",
      broken((c) => {
        c.backends[0].regions = ["us-east-2", "eu-west-1", "cn-north-1"];
      }),
      ['registry:backends[0].regions[2]: "cn-north-1" is in the aws-cn partition; this account is in "aws"'],
    ],
    [
      "bucket names over 63 characters",
      broken((c) => {
        c.backends[0].bucketPrefix = `${"x".repeat(55)}-`;
      }),
      [
        `registry:backends[0].bucketPrefix: "${"x".repeat(55)}-" makes bucket "${"x".repeat(55)}-us-east-2", which is 65 characters (S3 allows 3-63)`,
      ],
    ],
    [
      "IAM role names over 64 characters",
      broken((c) => {
        c.backends[0].bucketPrefix = `${"x".repeat(53)}-`;
      }),
      [
        `registry:backends[0].bucketPrefix: "${"x".repeat(53)}-" makes IAM role "${"x".repeat(53)}-s3-replication", which is 68 characters (IAM allows 64)`,
      ],
    ],
    [
      "bucket names with capitals",
      broken((c) => {
        c.backends[0].bucketPrefix = "Example_";
      }),
      [
        'registry:backends[0].bucketPrefix: "Example_" makes bucket "Example_us-east-2", which may only hold lowercase letters, digits and inner hyphens',
      ],
    ],
    [
      "account ID as a YAML number",
      broken((c) => {
        c.backends[0].accountId = 123456789012;
      }),
      ["registry:backends[0].accountId: expected a string, got 123456789012"],
    ],
    [
      "unknown donor kind",
      broken((c) => {
        c.backends[0].donor = "azure-blob";
      }),
      ['registry:backends[0].donor: "azure-blob" is not a known donor kind; known kinds: aws-s3, cloudflare-r2'],
    ],
    [
      "typo in a key",
      broken((c) => {
        c.source.regoins = c.source.regions;
      }),
      ['registry:source.regoins: unknown key (did you mean "registry:source.regions"?)'],
    ],
    [
      "unknown top-level key",
      broken((c) => {
        c.domian = "x";
      }),
      ['registry:domian: unknown key (did you mean "registry:domain"?)'],
    ],
    [
      "missing section",
      broken((c) => {
        delete c.source;
      }),
      ["registry:source: is required"],
    ],
    [
      "http instead of https",
      broken((c) => {
        c.redirector.defaultBlobBaseUrl = "http://cdn.example.dev";
      }),
      [
        'registry:redirector.defaultBlobBaseUrl: "http://cdn.example.dev" is not an https URL without query, fragment or trailing "/"',
      ],
    ],
    [
      "image not pinned in prod",
      broken((c) => {
        c.redirector.image = "us-docker.pkg.dev/example/redirector:latest";
      }),
      [
        'registry:redirector.image: "us-docker.pkg.dev/example/redirector:latest" must be pinned by digest (@sha256:...) in prod',
      ],
      "prod",
    ],
    [
      "public writer",
      broken((c) => {
        c.promotion.artifactWriters = ["allUsers"];
      }),
      ['registry:promotion.artifactWriters[0]: "allUsers" would make every repository publicly writable'],
    ],
    [
      "a writer set that is a whole workload identity pool",
      broken((c) => {
        c.promotion.artifactWriters = [
          "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/prow.svc.id.goog/*",
        ];
      }),
      [
        'registry:promotion.artifactWriters[0]: "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/prow.svc.id.goog/*" lets every identity of the pool push; name the subject (principal://...) or an attribute',
      ],
    ],
    [
      "wildcard subject in the federated trust",
      broken((c) => {
        c.promotion.blobWriter.subjects = ["system:serviceaccount:ns:*"];
      }),
      [
        'registry:promotion.blobWriter.subjects[0]: "system:serviceaccount:ns:*" must be an exact subject (no wildcards)',
      ],
    ],
    [
      "aws-s3 donor without a blob writer",
      broken((c) => {
        delete c.promotion.blobWriter;
      }),
      [
        "registry:promotion.blobWriter: is required: backends[0] (aws-s3) needs a writer for its source bucket (or registry:sync, whose job writes it)",
      ],
    ],
    [
      "an OIDC provider adopted with no blob writer to declare it",
      broken((c) => {
        delete c.promotion.blobWriter;
        c.sync = { image: SYNC_IMAGE };
        c.backends[0].adopt = { oidcProvider: "arn:aws:iam::123456789012:oidc-provider/issuer.example.dev" };
      }),
      [
        "registry:backends[0].adopt.oidcProvider: adopts the OIDC provider of promotion.blobWriter, which is not set: nothing declares a provider",
      ],
    ],
    [
      "record and domain disagree",
      broken((c) => {
        c.dns.record = "registri";
      }),
      [
        'registry:dns.record: record "registri" in zone "example.dev" is registri.example.dev, but domain is registry.example.dev',
      ],
    ],
    [
      "Cloud Armor interval it does not accept",
      broken((c) => {
        c.armor = { rateLimit: { count: 100, intervalSec: 45 } };
      }),
      [
        "registry:armor.rateLimit.intervalSec: 45 is not an interval Cloud Armor accepts (10, 30, 60, 120, 180, 240, 300, 600, 900, 1200, 1800, 2700, 3600)",
      ],
    ],
    [
      "two backends claiming the same clients",
      broken((c) => {
        c.backends.push({ ...c.backends[0], accountId: "210987654321", bucketPrefix: "other-", serve: {} });
      }),
      [
        "registry:backends[1]: aws eu-west-1 clients are already served by backends[0]",
        "registry:backends[1]: aws us-east-2 clients are already served by backends[0]",
      ],
    ],
    [
      "two backends in one account",
      broken((c) => {
        c.backends.push({
          ...c.backends[0],
          bucketPrefix: "other-",
          regions: ["ap-south-1"],
          sourceRegion: "ap-south-1",
          serve: {},
        });
      }),
      ["registry:backends[1].accountId: account 123456789012 already has backends[0]; list all its regions there"],
    ],
    [
      "service account ID too short",
      broken((c) => {
        c.redirector.serviceAccount = "sa";
      }),
      [
        'registry:redirector.serviceAccount: "sa" is not a service account ID (6-30 lowercase letters, digits or hyphens)',
      ],
    ],
    [
      "domain too long for the Certificate Manager names",
      broken((c) => {
        c.dns.record = "r".repeat(55);
        c.domain = `${"r".repeat(55)}.example.dev`;
      }),
      [
        `registry:domain: "${"r".repeat(55)}.example.dev" is too long for the Certificate Manager names derived from it ("${"r".repeat(55)}-example-dev-dnsauth" is 75 characters, at most 64)`,
      ],
    ],
    [
      "domain starting with a digit",
      broken((c) => {
        c.dns.record = "1registry";
        c.domain = "1registry.example.dev";
      }),
      [
        'registry:domain: "1registry.example.dev" must start with a letter (Certificate Manager names are derived from it)',
      ],
    ],
    [
      "a global donor and a default blob base URL both claiming the unclaimed clients",
      broken((c) => {
        c.backends.push(r2Backend());
        c.redirector.defaultBlobBaseUrl = "https://cdn.example.dev";
      }),
      [
        "registry:redirector.defaultBlobBaseUrl: backends[1] (cloudflare-r2) already serves every client no mirror claims; remove this key",
      ],
    ],
    [
      "two global donors",
      broken((c) => {
        c.backends.push(r2Backend(), { ...r2Backend(), bucket: "blobs-2", hostname: "blobs2.example.dev" });
      }),
      ["registry:backends[2]: backends[1] already serves every client no mirror claims; keep one"],
    ],
    [
      "an R2 custom domain outside the registry's zone",
      broken((c) => {
        c.backends.push({
          ...r2Backend(),
          hostname: "blobs.example.org",
        });
      }),
      ['registry:backends[1].hostname: "blobs.example.org" is not in the registry\'s zone example.dev'],
    ],
    [
      "a URL carrying a header break",
      broken((c) => {
        c.redirector.infoUrl = "https://example.dev/\r\nSet-Cookie: x";
      }),
      [
        'registry:redirector.infoUrl: "https://example.dev/\\r\\nSet-Cookie: x" must be printable ASCII (percent-encode)',
      ],
    ],
    [
      "non-integer and out-of-range numbers",
      broken((c) => {
        c.redirector.maxInstances = 2.5;
        c.redirector.concurrency = 0;
      }),
      [
        "registry:redirector.maxInstances: expected an integer, got 2.5",
        "registry:redirector.concurrency: must be at least 1, got 0",
      ],
    ],
    [
      "adopting a repository the config does not declare, with a suggestion",
      broken((c) => {
        c.source.adopt = { repositories: ["us-central1", "europe-west9", "us-centrl1"] };
      }),
      [
        'registry:source.adopt.repositories[1]: "europe-west9" is not one of source.regions (did you mean "europe-west4"?); only what the config declares can be adopted',
        'registry:source.adopt.repositories[2]: "us-centrl1" is not one of source.regions (did you mean "us-central1"?); only what the config declares can be adopted',
      ],
    ],
    [
      "adopting buckets the backend does not declare, and a misspelled selection",
      broken((c) => {
        c.backends[0].adopt = { buckets: ["us-east-2", "ap-south-1"] };
        c.source.adopt = { repositories: "everything" };
      }),
      [
        'registry:source.adopt.repositories: "everything" must be "all" or a list of regions',
        'registry:backends[0].adopt.buckets[1]: "ap-south-1" is not one of regions; only what the config declares can be adopted',
      ],
    ],
    [
      "a malformed OIDC provider ARN to import",
      broken((c) => {
        c.backends[0].adopt = { oidcProvider: "arn:aws:iam::123456789012:role/issuer.example.dev" };
      }),
      [
        'registry:backends[0].adopt.oidcProvider: "arn:aws:iam::123456789012:role/issuer.example.dev" is not an OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<issuer host/path>)',
      ],
    ],
    [
      "an OIDC provider of another account",
      broken((c) => {
        c.backends[0].adopt = { oidcProvider: "arn:aws:iam::210987654321:oidc-provider/issuer.example.dev" };
      }),
      [
        'registry:backends[0].adopt.oidcProvider: "arn:aws:iam::210987654321:oidc-provider/issuer.example.dev" is not in account 123456789012',
      ],
    ],
    [
      "an OIDC provider of another issuer (IAM has one per issuer and account)",
      broken((c) => {
        c.backends[0].adopt = { oidcProvider: "arn:aws:iam::123456789012:oidc-provider/other.example.dev/x" };
      }),
      [
        'registry:backends[0].adopt.oidcProvider: "arn:aws:iam::123456789012:oidc-provider/other.example.dev/x" is not the provider of promotion.blobWriter.oidcIssuer (expected "arn:aws:iam::123456789012:oidc-provider/issuer.example.dev")',
      ],
    ],
    [
      "adopting a project-wide grant the config does not declare, and pushers there are none of",
      broken((c) => {
        c.promotion.adopt = { projectWriteRole: true, pushers: true };
      }),
      [
        "registry:promotion.adopt.pushers: there are no pushers to adopt",
        "registry:promotion.adopt.projectWriteRole: adopts project-wide grants, but projectWriteRole is not set",
      ],
    ],
    [
      "nobody to push, and a project-wide role that is not a write role",
      broken((c) => {
        c.promotion.artifactWriters = [];
        c.promotion.projectWriteRole = "roles/owner";
      }),
      [
        'registry:promotion.projectWriteRole: "roles/owner" is not an Artifact Registry write role (roles/artifactregistry.writer, roles/artifactregistry.repoAdmin, roles/artifactregistry.admin, roles/artifactregistry.createOnPushWriter, roles/artifactregistry.createOnPushRepoAdmin)',
        "registry:promotion.pushers: name at least one pusher (or an artifactWriters member): nobody could push",
      ],
    ],
    [
      "no pusher and no writer",
      broken((c) => {
        c.promotion.artifactWriters = [];
      }),
      ["registry:promotion.pushers: name at least one pusher (or an artifactWriters member): nobody could push"],
    ],
    [
      "a pusher impersonated by everyone",
      broken((c) => {
        c.promotion.pushers = [{ account: "pusher", impersonators: ["allUsers"] }];
      }),
      ['registry:promotion.pushers[0].impersonators[0]: "allUsers" would make every repository publicly writable'],
    ],
    [
      "opt-in regions nobody opted into, named",
      broken((c) => {
        c.backends[0].regions = ["us-east-2", "eu-west-1", "af-south-1", "me-central-1"];
      }),
      [
        'registry:backends[0].optInRegions: is required: af-south-1, me-central-1 are opt-in regions, disabled in a new account; "enable" declares them enabled (needs account:EnableRegion), "enabled" says they are already',
      ],
    ],
    [
      "adopting opt-in regions the backend does not enable",
      broken((c) => {
        c.backends[0].regions = ["us-east-2", "eu-west-1", "af-south-1"];
        c.backends[0].optInRegions = "enabled";
        c.backends[0].adopt = { optInRegions: true };
      }),
      [
        'registry:backends[0].adopt.optInRegions: adopts the opt-in regions, but optInRegions is not "enable", so none are declared',
      ],
    ],
    [
      "replication priorities for the wrong regions, a repeat, and a rule ID without its region",
      broken((c) => {
        c.backends[0].regions = ["us-east-2", "eu-west-1", "eu-west-3"];
        c.backends[0].replication = {
          priorities: { "eu-west-1": 2, "us-east-2": 2 },
          ruleId: "to-everywhere",
        };
      }),
      [
        'registry:backends[0].replication.ruleId: "to-everywhere" must contain {region}',
        'registry:backends[0].replication.priorities.us-east-2: "us-east-2" is not a replication destination (one of regions, not sourceRegion)',
        'registry:backends[0].replication.priorities: has no priority for destination "eu-west-3"',
        "registry:backends[0].replication.priorities.us-east-2: priority 2 is also eu-west-1's; S3 needs distinct priorities",
      ],
    ],
    [
      "roles of another account",
      broken((c) => {
        c.backends[0].writerRole = "arn:aws:iam::210987654321:role/writer";
        c.backends[0].replication = { role: "arn:aws:iam::210987654321:role/replication" };
      }),
      [
        'registry:backends[0].writerRole: "arn:aws:iam::210987654321:role/writer" is not in account 123456789012',
        'registry:backends[0].replication.role: "arn:aws:iam::210987654321:role/replication" is not in account 123456789012',
      ],
    ],
    [
      "a bucket policy that does not name its bucket",
      broken((c) => {
        c.backends[0].bucketPolicy = {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }],
        };
      }),
      ['registry:backends[0].bucketPolicy: must refer to its bucket as "{bucket}" (each bucket gets its own copy)'],
    ],
    [
      "legacy backends in a region not served, and a name pattern without its region",
      broken((c) => {
        c.redirector.legacyBackends = {
          regions: ["us-central1", "asia-east1"],
          service: "{project}",
          neg: "{project}-{zone}",
        };
      }),
      [
        'registry:redirector.legacyBackends.service: "{project}" must contain {region}',
        'registry:redirector.legacyBackends.neg: "{project}-{zone}" uses {zone}; known placeholders: {project}, {region}',
        'registry:redirector.legacyBackends.regions[1]: "asia-east1" is not one of redirector.regions; only what the config declares can be adopted',
      ],
    ],
    [
      "legacy backend names too long for GCP",
      broken((c) => {
        c.redirector.legacyBackends = {
          regions: "all",
          service: "{project}-{region}",
          neg: "{project}-{project}-{region}-serverless-neg",
        };
      }),
      [
        'registry:redirector.legacyBackends.neg: "{project}-{project}-{region}-serverless-neg" makes "example-redirector-example-redirector-europe-west3-serverless-neg", which is not a valid name (lowercase letters, digits and hyphens, up to 63)',
      ],
    ],
    [
      "an unknown DNS provider, with a suggestion",
      broken((c) => {
        c.dns.provider = "cloud-dsn";
      }),
      [
        'registry:dns.provider: "cloud-dsn" is not a known DNS provider; known providers: cloudflare, cloud-dns, external (did you mean "cloud-dns"?)',
      ],
    ],
    [
      "cloud-dns without its managed zone",
      broken((c) => {
        c.dns.provider = "cloud-dns";
        c.dns.project = "dns-project";
      }),
      ["registry:dns.managedZone: is required"],
    ],
    [
      "an R2 donor on a zone that is not on Cloudflare",
      broken((c) => {
        c.dns.provider = "external";
        c.redirector.defaultBlobBaseUrl = undefined;
        c.backends.push({
          donor: "cloudflare-r2",
          accountId: "0123456789abcdef0123456789abcdef",
          bucket: "blobs",
          hostname: "blobs.example.dev",
        });
      }),
      ['registry:backends[1]: a cloudflare-r2 donor serves from a Cloudflare zone, but dns.provider is "external"'],
    ],
    [
      "a Cloud Armor path pattern that is not anchored or has a quote, and a throttle Cloud Armor refuses",
      broken((c) => {
        c.armor = { allowedPaths: ["/v2/.*", "^/it's$"], rateLimit: { count: 20000 } };
      }),
      [
        'registry:armor.allowedPaths[0]: "/v2/.*" is not an anchored path pattern like "^/v2/?$" (printable ASCII, no quotes or backslashes)',
        'registry:armor.allowedPaths[1]: "^/it\'s$" is not an anchored path pattern like "^/v2/?$" (printable ASCII, no quotes or backslashes)',
        "registry:armor.rateLimit.count: must be at most 10000, got 20000",
      ],
    ],
    [
      "a channel kind that does not exist",
      broken((c) => {
        c.monitoring = { channels: { slack: ["#ops"] } };
      }),
      [
        "registry:monitoring.channels.slack: unknown key (known keys: emails, existing)",
        "registry:monitoring.channels: name an e-mail or an existing channel: alerts must reach someone",
      ],
    ],
    [
      "malformed e-mail addresses and a channel given by its path, not its ID",
      broken((c) => {
        c.monitoring = {
          channels: { emails: ["ops@", "ops at example.dev"], existing: ["projects/p/notificationChannels/1"] },
        };
      }),
      [
        'registry:monitoring.channels.emails[0]: "ops@" is not an e-mail address',
        'registry:monitoring.channels.emails[1]: "ops at example.dev" is not an e-mail address',
        'registry:monitoring.channels.existing[0]: "projects/p/notificationChannels/1" is not a notification channel ID (digits)',
      ],
    ],
    [
      "uptime checks from fewer than three checker locations",
      broken((c) => {
        c.monitoring = { channels: { existing: ["1"] }, uptime: { checkerRegions: ["EUROPE", "USA_IOWA"] } };
      }),
      ["registry:monitoring.uptime.checkerRegions: holds 2 checker locations; Cloud Monitoring needs 3 at least"],
    ],
    [
      "an uptime period Cloud Monitoring does not offer, a ratio over 1, a dataset ID with a dash, no retention",
      broken((c) => {
        c.monitoring = {
          channels: { existing: ["1"] },
          uptime: { periodSeconds: 30 },
          alerts: { loadBalancer5xxRatio: 5 },
          analytics: { dataset: "my-dataset", retentionDays: 0 },
        };
      }),
      [
        "registry:monitoring.uptime.periodSeconds: must be 60 or 300 or 600 or 900, got 30",
        "registry:monitoring.alerts.loadBalancer5xxRatio: must be less than 1, got 5",
        'registry:monitoring.analytics.dataset: "my-dataset" is not a BigQuery dataset ID',
        "registry:monitoring.analytics.retentionDays: must be at least 1, got 0",
      ],
    ],
    [
      "draining every region",
      broken((c) => {
        c.redirector.drainedRegions = ["us-central1", "europe-west3"];
      }),
      [
        "registry:redirector.drainedRegions: drains every region: the load balancer would have no backend left; keep at least one",
      ],
    ],
    [
      "draining a region that is not served",
      broken((c) => {
        c.redirector.drainedRegions = ["asia-east1"];
      }),
      [
        'registry:redirector.drainedRegions[0]: "asia-east1" is not one of redirector.regions: only a region that is served can be drained',
      ],
    ],
    [
      "a sync job for an aws-s3 backend whose writer role another tool manages",
      broken((c) => {
        c.sync = { image: SYNC_IMAGE };
        c.backends[0].writerRole = "arn:aws:iam::123456789012:role/upstream-writer";
      }),
      [
        "registry:sync: backends[0] (aws-s3, account 123456789012) uses a writer role managed elsewhere (backends[0].writerRole), which this program cannot make trust the sync job's service account; delete writerRole first, so the program declares the role (docs/adopting-existing-infrastructure.md, step 2)",
      ],
    ],
    [
      "a sync image by tag in prod",
      broken((c) => {
        c.sync = { image: "us-docker.pkg.dev/example/registry-sync:v1" };
      }),
      [
        'registry:sync.image: "us-docker.pkg.dev/example/registry-sync:v1" must be pinned by digest (@sha256:...) in prod',
      ],
      "prod",
    ],
    [
      "sync settings Cloud Run and Cloud Scheduler would refuse",
      broken((c) => {
        c.sync = {
          image: SYNC_IMAGE,
          tasks: 0,
          taskTimeout: "169h",
          schedule: "hourly",
          timeZone: "Mars/Olympus",
          maxRetries: 11,
        };
      }),
      [
        'registry:sync.schedule: "hourly" is not a unix-cron schedule of five fields, like "0 */6 * * *"',
        'registry:sync.timeZone: "Mars/Olympus" is not a time zone of the tz database, like "Etc/UTC" or "Europe/Berlin"',
        "registry:sync.tasks: must be at least 1, got 0",
        `registry:sync.taskTimeout: "169h" is out of range: from 1m to 168h (Cloud Run's limit for a task attempt)`,
        "registry:sync.maxRetries: must be at most 10, got 11",
      ],
    ],
    [
      "a sync task timeout in days",
      broken((c) => {
        c.sync = { image: SYNC_IMAGE, taskTimeout: "2d" };
      }),
      ['registry:sync.taskTimeout: "2d" is not a duration like "90s", "45m" or "3h"'],
    ],
    [
      "a sync rate too small to share among its tasks",
      broken((c) => {
        c.sync = { image: SYNC_IMAGE, rate: 0.01, tasks: 2 };
      }),
      [
        "registry:sync.rate: 0.01 requests per second shared by 2 tasks leaves 0.005 each; each task needs at least 0.01",
      ],
    ],
    [
      "sync tasks that would need more memory than Cloud Run gives",
      broken((c) => {
        c.sync = { image: SYNC_IMAGE, concurrency: 1024 };
      }),
      [
        "registry:sync.concurrency: 1024 blobs in flight below multipartThresholdMiB 100 need 102912 MiB per task; Cloud Run gives a task at most 32768 MiB: lower concurrency or multipartThresholdMiB",
      ],
    ],
    [
      "a sync job with no donor to fill",
      broken((c) => {
        c.sync = { image: SYNC_IMAGE };
        c.backends = [];
      }),
      ["registry:sync: there is no donor to fill: registry:backends is empty"],
    ],
    [
      "a misspelled sync key and region",
      broken((c) => {
        c.sync = { image: SYNC_IMAGE, task: 4, region: "us-centrl1" };
      }),
      [
        'registry:sync.region: "us-centrl1" is not a GCP region (did you mean "us-central1"?)',
        'registry:sync.task: unknown key (did you mean "registry:sync.tasks"?)',
      ],
    ],
    [
      "an unknown load balancer key",
      broken((c) => {
        c.loadBalancer = { sslPolcy: false };
      }),
      ['registry:loadBalancer.sslPolcy: unknown key (did you mean "registry:loadBalancer.sslPolicy"?)'],
    ],
  ];

  // Objects, not tuples: jest would take a fourth callback parameter for `done`.
  it.each(cases.map(([name, values, expected, stack]) => ({ name, values, expected, stack })))(
    "$name",
    ({ values, expected, stack }) => {
      expect(problems(values, stack ?? "sandbox")).toEqual(expected);
    },
  );

  it("covers at least 20 invalid configs", () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it("reports every problem at once, across sections", () => {
    const values = broken((c) => {
      c.backends[0].donor = "azure-blob";
      c.source.regions = ["us-central1", "mars-north1"];
      c.dns.record = "registri";
      c.redirector.maxInstances = 0;
    });
    expect(problems(values)).toEqual([
      'registry:source.regions[1]: "mars-north1" is not a GCP region',
      "registry:redirector.maxInstances: must be at least 1, got 0",
      'registry:backends[0].donor: "azure-blob" is not a known donor kind; known kinds: aws-s3, cloudflare-r2',
      'registry:dns.record: record "registri" in zone "example.dev" is registri.example.dev, but domain is registry.example.dev',
    ]);
  });

  it("the error message lists the problems one per line", () => {
    expect(() =>
      parseConfig(
        broken((c) => delete c.dns),
        { stack: "sandbox" },
      ),
    ).toThrow("invalid registry config (1 problem):\n  registry:dns: is required");
  });
});

describe("deletion protection", () => {
  const withProtection = (value?: boolean) =>
    parseConfig(
      broken((c) => {
        c.redirector.deletionProtection = value;
      }),
      { stack: "prod" },
    );

  it("is on in prod and off elsewhere unless the config says otherwise", () => {
    expect(deletionProtection(withProtection(), "prod")).toBe(true);
    expect(deletionProtection(withProtection(), "sandbox")).toBe(false);
    expect(deletionProtection(withProtection(false), "prod")).toBe(false);
    expect(deletionProtection(withProtection(true), "sandbox")).toBe(true);
  });

  it("must be a boolean", () => {
    const values = broken((c) => {
      c.redirector.deletionProtection = "yes";
    });
    expect(problems(values)).toEqual(['registry:redirector.deletionProtection: expected a boolean, got "yes"']);
  });
});

describe("reading Pulumi config", () => {
  it("keeps only the registry namespace and decodes objects", () => {
    expect(
      namespaceValues({
        "registry:domain": "r.example.dev",
        "registry:source": '{"project":"p"}',
        "aws:region": "us-east-2",
        "registry:note": "[not json",
      }),
    ).toEqual({ domain: "r.example.dev", source: { project: "p" }, note: "[not json" });
  });
});
