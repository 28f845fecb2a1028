/** A small valid config (input form) that tests copy and break one field at a time. */
// biome-ignore lint/suspicious/noExplicitAny: tests reach into it to break things on purpose
type Loose = Record<string, any>;

export function validConfig(): Loose {
  return {
    domain: "registry.example.dev",
    source: {
      project: "example-artifacts",
      repository: "images",
      canonicalRegion: "us-central1",
      regions: ["us-central1", "europe-west4"],
    },
    redirector: {
      project: "example-redirector",
      image: `us-docker.pkg.dev/example/redirector@sha256:${"a".repeat(64)}`,
      regions: ["us-central1", "europe-west3"],
    },
    backends: [
      {
        donor: "aws-s3",
        accountId: "123456789012",
        bucketPrefix: "example-registry-",
        sourceRegion: "us-east-2",
        regions: ["us-east-2", "eu-west-1"],
        serve: { "eu-west-2": "eu-west-1" },
      },
    ],
    dns: { provider: "cloudflare", zone: "example.dev", record: "registry" },
    promotion: {
      artifactWriters: [
        "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/promoter",
      ],
      blobWriter: {
        oidcIssuer: "https://issuer.example.dev",
        audience: "sts.amazonaws.com",
        subjects: ["system:serviceaccount:ns:promoter"],
      },
    },
  };
}

/** The checked-in prod stack's registry values (input form). */
export function prodValues(): Loose {
  // Required lazily: most tests that use this file never read the stack file.
  const { namespaceValues } = require("../../infra/config") as typeof import("../../infra/config");
  const { readStackFile, stackFilePath } =
    require("../../tools/plan/stack-file") as typeof import("../../tools/plan/stack-file");
  return namespaceValues(readStackFile(stackFilePath("prod")).config) as Loose;
}

/** The sync image prod would pin (a digest as the Sync image workflow prints it). */
export const PROD_SYNC_IMAGE = `us-central1-docker.pkg.dev/k8s-staging-images/infra-tools/registry-sync@sha256:${"5e".repeat(32)}`;

/**
 * Prod once the move from Terraform is done (docs/adopting-existing-infrastructure.md):
 * nothing left to import (step 1 applied), every "live" setting deleted and the blob sync
 * moved to a Cloud Run job (step 2), every region on the redirector (step 3). Names the
 * live resources have (the certificate's, the Cloud Armor policy's) are kept: renaming
 * them would replace them for nothing.
 */
export function migrated(values: Loose): Loose {
  const v = structuredClone(values);
  delete v.source.adopt;
  delete v.redirector.adopt;
  delete v.redirector.legacyBackends;
  delete v.promotion.adopt;
  delete v.promotion.projectWriteRole;
  delete v.armor.allowedPaths;
  delete v.armor.rateLimit;
  delete v.loadBalancer.sslPolicy;
  delete v.loadBalancer.adopt;
  for (const b of v.backends) {
    for (const key of ["adopt", "tags", "publicAccessBlock", "bucketPolicy", "writerRole"]) delete b[key];
    if (b.replication) b.replication = {};
    if (b.optInRegions) b.optInRegions = "enable";
  }
  // Step 2, once the program declares the writer role: the sync runs as a Cloud Run job.
  v.sync = { image: PROD_SYNC_IMAGE, tasks: 4 };
  return v;
}
