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
