/**
 * A `pulumi preview --json` document written from Pulumi's preview digest format
 * (sdk/go/common/display/json.go: steps with op, urn, provider, oldState and newState as
 * apitype.ResourceV3, diffReasons, replaceReasons, detailedDiff; diagnostics; changeSummary).
 */
import { SECRET_SIG } from "../../../tools/plan/diff/values";

const PREFIX = "urn:pulumi:prod::registry::";
const GCP = `${PREFIX}pulumi:providers:gcp::default_9_37_0::04da6b54-80e4-46f7-96ec-b56ff0331ba9`;
const AWS = `${PREFIX}registry:aws:S3Donor$pulumi:providers:aws::aws-s3-1::5c0a7b2e-1111-4f00-9e00-000000000001`;
export const LB = `${PREFIX}registry:gcp:LoadBalancer::load-balancer`;
const MIRRORS = `${PREFIX}registry:aws:S3Donor$registry:aws:BlobMirrors::aws-s3-1-mirrors`;
const AR = `${PREFIX}registry:gcp:ArtifactRegistry::artifact-registry`;

export function state(urn: string, type: string, inputs: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { urn, custom: true, id: urn.slice(urn.lastIndexOf("::") + 2), type, inputs, outputs: inputs, ...extra };
}

export const armor = (count: number) => ({
  name: "security-policy-oci-proxy",
  project: "k8s-infra-oci-proxy-prod",
  rules: [
    { action: "deny(404)", priority: 1 },
    { action: "throttle", priority: 2147483647, rateLimitOptions: { rateLimitThreshold: { count, intervalSec: 30 } } },
  ],
});

const trust = (sub: string) =>
  JSON.stringify({
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::513428760722:oidc-provider/issuer.example/c" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { "issuer.example/c:aud": "sts.amazonaws.com", "issuer.example/c:sub": sub } },
      },
    ],
  });

const ARMOR_URN = `${LB}$gcp:compute/securityPolicy:SecurityPolicy::armor`;
const BUCKET_URN = `${MIRRORS}$aws:s3/bucket:Bucket::prod-registry-k8s-io-eu-west-1`;
const REPO_URN = `${AR}$gcp:artifactregistry/repository:Repository::images-us-west4`;
const MEMBER_URN = `${AR}$gcp:artifactregistry/repositoryIamMember:RepositoryIamMember::images-us-west4-public-read`;
const ROLE_URN = `${PREFIX}registry:aws:S3Donor$registry:aws:BlobWriter$aws:iam/role:Role::blob-writer`;
const TOKEN_URN = `${PREFIX}registry:cloudflare:R2Mirror$cloudflare:index/accountToken:AccountToken::writer`;
const SA_URN = `${PREFIX}registry:gcp:Promotion$gcp:serviceaccount/account:Account::pusher`;

const oldBucket = state(
  BUCKET_URN,
  "aws:s3/bucket:Bucket",
  { bucket: "prod-registry-k8s-io-eu-west-1", region: "eu-west-1" },
  { parent: MIRRORS, provider: AWS, protect: true, retainOnDelete: true },
);
const newBucket = { ...oldBucket, inputs: { bucket: "registry-k8s-io-eu-west-1", region: "eu-west-1" } };
const replaceReasons = { bucket: { kind: "update-replace", inputDiff: true } };

export const PREVIEW = {
  config: { "registry:domain": "registry.k8s.io", "cloudflare:apiToken": "[secret]" },
  steps: [
    {
      op: "same",
      urn: `${PREFIX}pulumi:pulumi:Stack::registry-prod`,
      oldState: { urn: `${PREFIX}pulumi:pulumi:Stack::registry-prod`, custom: false, type: "pulumi:pulumi:Stack" },
      newState: { urn: `${PREFIX}pulumi:pulumi:Stack::registry-prod`, custom: false, type: "pulumi:pulumi:Stack" },
      detailedDiff: null,
    },
    {
      op: "update",
      urn: ARMOR_URN,
      provider: GCP,
      oldState: state(ARMOR_URN, "gcp:compute/securityPolicy:SecurityPolicy", armor(2490), {
        parent: LB,
        provider: GCP,
      }),
      newState: state(ARMOR_URN, "gcp:compute/securityPolicy:SecurityPolicy", armor(5000), {
        parent: LB,
        provider: GCP,
      }),
      diffReasons: ["rules"],
      detailedDiff: { "rules[1].rateLimitOptions.rateLimitThreshold.count": { kind: "update", inputDiff: true } },
    },
    {
      op: "create-replacement",
      urn: BUCKET_URN,
      provider: AWS,
      oldState: oldBucket,
      newState: newBucket,
      replaceReasons: ["bucket"],
      detailedDiff: replaceReasons,
    },
    {
      op: "replace",
      urn: BUCKET_URN,
      provider: AWS,
      oldState: oldBucket,
      newState: newBucket,
      replaceReasons: ["bucket"],
      detailedDiff: replaceReasons,
    },
    { op: "delete-replaced", urn: BUCKET_URN, provider: AWS, oldState: oldBucket, detailedDiff: null },
    {
      op: "delete",
      urn: REPO_URN,
      provider: GCP,
      oldState: state(
        REPO_URN,
        "gcp:artifactregistry/repository:Repository",
        { location: "us-west4" },
        { parent: AR, retainOnDelete: true },
      ),
      detailedDiff: null,
    },
    {
      op: "delete",
      urn: MEMBER_URN,
      provider: GCP,
      oldState: state(
        MEMBER_URN,
        "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
        {
          project: "k8s-artifacts-prod",
          location: "us-west4",
          repository: "images",
          role: "roles/artifactregistry.reader",
          member: "allUsers",
        },
        { parent: AR },
      ),
      detailedDiff: null,
    },
    {
      op: "update",
      urn: ROLE_URN,
      provider: AWS,
      oldState: state(ROLE_URN, "aws:iam/role:Role", {
        name: "blob-writer",
        assumeRolePolicy: trust("system:serviceaccount:ns:old"),
      }),
      newState: state(ROLE_URN, "aws:iam/role:Role", {
        name: "blob-writer",
        assumeRolePolicy: trust("system:serviceaccount:ns:new"),
      }),
      diffReasons: ["assumeRolePolicy"],
      detailedDiff: { assumeRolePolicy: { kind: "update", inputDiff: true } },
    },
    {
      op: "update",
      urn: TOKEN_URN,
      oldState: state(TOKEN_URN, "cloudflare:index/accountToken:AccountToken", { name: "w", value: "[secret]" }),
      // As `--show-secrets` would write it: the diff must still mask it.
      newState: state(TOKEN_URN, "cloudflare:index/accountToken:AccountToken", {
        name: "w",
        value: { [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", plaintext: '"hunter2"' },
      }),
      diffReasons: ["value"],
      detailedDiff: { value: { kind: "update", inputDiff: true } },
    },
    {
      op: "import",
      urn: SA_URN,
      newState: state(
        SA_URN,
        "gcp:serviceaccount/account:Account",
        { accountId: "pusher" },
        { importID: "projects/p/serviceAccounts/pusher@p.iam.gserviceaccount.com" },
      ),
      detailedDiff: null,
    },
  ],
  diagnostics: [
    { message: "the records of an external zone: ...", severity: "info" },
    {
      urn: ARMOR_URN,
      prefix: "warning: ",
      message: "rate limit raised above upstream's\nsecond line",
      severity: "warning",
    },
  ],
  duration: 4_210_000_000,
  changeSummary: { same: 300, update: 3, replace: 1, delete: 2, import: 1 },
};
