import { unknownCheckingProxy } from "@pulumi/policy";
import { writerTrustPolicy } from "../../infra/donors/aws-s3/policies";
import {
  artifactRegistryNoPublicWrite,
  artifactRegistryWritersPerRepository,
  bucketOwnerEnforced,
  bucketsDenyPlainHttp,
  cloudRunBehindLoadBalancer,
  dataProtected,
  federatedTrustIsConditioned,
  loadBalancerSchemeExplicit,
  monitoringInPlace,
  noPublicBucketWrite,
  noWildcardIam,
  publicInvokerOnlyOnRedirector,
} from "../../policy/policies";
import { type Declared, violations } from "./harness";

const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const arn = "arn:aws:s3:::mirror";

const publicRead = [
  { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${arn}/*` },
  { Effect: "Allow", Principal: { AWS: "*" }, Action: ["s3:ListBucket"], Resource: arn },
];
const tlsDeny = {
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [arn, `${arn}/*`],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
};

const bucket: Declared = { type: "aws:s3/bucket:Bucket", name: "mirror", props: { bucket: "mirror" }, protect: true };
const bucketPolicy = (...s: object[]): Declared => ({
  type: "aws:s3/bucketPolicy:BucketPolicy",
  name: "mirror-policy",
  props: { bucket: "mirror", policy: doc(...s) },
});
const ownership = (objectOwnership: string): Declared => ({
  type: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  name: "mirror-ownership",
  props: { bucket: "mirror", rule: { objectOwnership } },
});

describe("s3-no-public-write-or-acls", () => {
  it("allows public read through the policy, with ACLs blocked", async () => {
    const block = {
      type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      name: "pab",
      props: {
        bucket: "mirror",
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: false,
        restrictPublicBuckets: false,
      },
    };
    expect(await violations(noPublicBucketWrite, [bucket, bucketPolicy(...publicRead, tlsDeny), block])).toEqual([]);
  });

  it("fires on public write, public NotAction and public ACLs", async () => {
    const found = await violations(noPublicBucketWrite, [
      bucketPolicy({ Effect: "Allow", Principal: "*", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${arn}/*` }),
      bucketPolicy({ Effect: "Allow", Principal: { AWS: "*" }, NotAction: "s3:DeleteBucket", Resource: `${arn}/*` }),
      { type: "aws:s3/bucketAcl:BucketAcl", name: "acl", props: { bucket: "mirror", acl: "public-read-write" } },
    ]);
    expect(found).toEqual([
      "mirror-policy: public principal is allowed s3:PutObject: only s3:GetObject and s3:ListBucket may be public",
      "mirror-policy: a public Allow with NotAction grants everything not listed",
      'acl: public ACL "public-read-write": grant public read with the bucket policy, never with ACLs',
    ]);
  });

  it("leaves ACL blocks to s3-bucket-owner-enforced: with ownership enforced, ACLs do nothing", async () => {
    const liveBlock = {
      type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      name: "pab",
      props: { bucket: "mirror", blockPublicAcls: false, ignorePublicAcls: false },
    };
    expect(await violations(noPublicBucketWrite, [bucket, bucketPolicy(...publicRead, tlsDeny), liveBlock])).toEqual(
      [],
    );
    expect(await violations(bucketOwnerEnforced, [bucket, ownership("ObjectWriter"), liveBlock])).toEqual([
      "mirror: bucket mirror lacks BucketOwnerEnforced ownership controls",
    ]);
  });
});

describe("s3-tls-only", () => {
  it("is satisfied by a TLS-only deny in the bucket's policy", async () => {
    expect(await violations(bucketsDenyPlainHttp, [bucket, bucketPolicy(...publicRead, tlsDeny)])).toEqual([]);
  });

  it("links the policy to its bucket through property dependencies when names are unknown (preview)", async () => {
    const unknownName = {
      ...bucketPolicy(tlsDeny),
      props: { policy: doc(tlsDeny) },
      propertyDependencies: { bucket: ["mirror"] },
    };
    expect(await violations(bucketsDenyPlainHttp, [bucket, unknownName])).toEqual([]);
  });

  it("fires for a bucket without one, or with a deny that is not about TLS", async () => {
    const other = { ...bucket, name: "other", props: { bucket: "other" } };
    const notTls = { ...tlsDeny, Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } } };
    expect(await violations(bucketsDenyPlainHttp, [bucket, other, bucketPolicy(...publicRead, notTls)])).toEqual([
      "mirror: bucket mirror has no Deny of s3:* when aws:SecureTransport is false",
      "other: bucket other has no Deny of s3:* when aws:SecureTransport is false",
    ]);
  });
});

describe("s3-bucket-owner-enforced", () => {
  it("is satisfied by BucketOwnerEnforced", async () => {
    expect(await violations(bucketOwnerEnforced, [bucket, ownership("BucketOwnerEnforced")])).toEqual([]);
  });

  it("fires for ObjectWriter and for missing controls", async () => {
    expect(await violations(bucketOwnerEnforced, [bucket, ownership("ObjectWriter")])).toEqual([
      "mirror: bucket mirror lacks BucketOwnerEnforced ownership controls",
    ]);
    expect(await violations(bucketOwnerEnforced, [bucket])).toHaveLength(1);
  });
});

const issuer = "container.googleapis.com/v1/projects/p/locations/l/clusters/c";
const webIdentity = (Condition: object) => ({
  type: "aws:iam/role:Role",
  name: "writer",
  props: {
    assumeRolePolicy: doc({
      Effect: "Allow",
      Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${issuer}` },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition,
    }),
  },
});

describe("iam-federated-trust-conditions", () => {
  it("is satisfied by aud and sub conditions", async () => {
    const role = webIdentity({
      StringEquals: { [`${issuer}:aud`]: "sts.amazonaws.com", [`${issuer}:sub`]: ["system:serviceaccount:a:b"] },
    });
    expect(await violations(federatedTrustIsConditioned, [role])).toEqual([]);
  });

  it("is satisfied by the writer role's trust in a sync job: Google's issuer, its aud and sub pinned", async () => {
    const trust = writerTrustPolicy({
      web: {
        oidcProviderArn: `arn:aws:iam::123456789012:oidc-provider/${issuer}`,
        issuer,
        audience: "a",
        subjects: ["s"],
      },
      job: { uniqueId: "112233445566778899001", audience: "sts.amazonaws.com" },
    });
    const role = { type: "aws:iam/role:Role", name: "writer", props: { assumeRolePolicy: JSON.stringify(trust) } };
    expect(await violations(federatedTrustIsConditioned, [role])).toEqual([]);
  });

  it("fires on a trust of Google's issuer that pins only the token's audience (any Google account could use it)", async () => {
    const role = {
      type: "aws:iam/role:Role",
      name: "google",
      props: {
        assumeRolePolicy: doc({
          Effect: "Allow",
          Principal: { Federated: "accounts.google.com" },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { "accounts.google.com:oaud": "sts.amazonaws.com" } },
        }),
      },
    };
    expect(await violations(federatedTrustIsConditioned, [role])).toEqual([
      'google: federated trust for accounts.google.com has no "accounts.google.com:aud" condition',
      'google: federated trust for accounts.google.com has no "accounts.google.com:sub" condition',
    ]);
  });

  it("fires without aud (upstream's writer role), without any condition, on wildcards, on another issuer's keys, and for a public trust", async () => {
    const noAud = webIdentity({ StringEquals: { [`${issuer}:sub`]: "system:serviceaccount:a:b" } });
    const none = { ...webIdentity({}), name: "open" };
    const wildcard = {
      ...webIdentity({
        StringEquals: { [`${issuer}:aud`]: "sts.amazonaws.com" },
        StringLike: { [`${issuer}:sub`]: "*" },
      }),
      name: "wild",
    };
    const otherIssuer = {
      ...webIdentity({
        StringEquals: {
          "token.actions.githubusercontent.com:aud": "x",
          "token.actions.githubusercontent.com:sub": "y",
        },
      }),
      name: "other",
    };
    const anyone = {
      type: "aws:iam/role:Role",
      name: "anyone",
      props: { assumeRolePolicy: doc({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }) },
    };
    const provider = `arn:aws:iam::123456789012:oidc-provider/${issuer}`;
    expect(await violations(federatedTrustIsConditioned, [noAud, none, wildcard, otherIssuer, anyone])).toEqual([
      `writer: federated trust for ${provider} has no "${issuer}:aud" condition`,
      `open: federated trust for ${provider} has no "${issuer}:aud" condition`,
      `open: federated trust for ${provider} has no "${issuer}:sub" condition`,
      `wild: federated trust for ${provider} matches "${issuer}:sub" with a wildcard`,
      `other: federated trust for ${provider} has no "${issuer}:aud" condition`,
      `other: federated trust for ${provider} has no "${issuer}:sub" condition`,
      "anyone: the trust policy lets any AWS principal assume the role",
    ]);
  });
});

describe("iam-no-wildcards", () => {
  const rolePolicy = (name: string, ...s: object[]) => ({
    type: "aws:iam/rolePolicy:RolePolicy",
    name,
    props: { role: "r", policy: doc(...s) },
  });

  it("is satisfied by scoped writes and by reads on *", async () => {
    expect(
      await violations(noWildcardIam, [
        rolePolicy("scoped", { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: `${arn}/*` }),
        rolePolicy("reads", { Effect: "Allow", Action: ["s3:ListAllMyBuckets"], Resource: "*" }),
        rolePolicy("deny", { Effect: "Deny", Action: "*", Resource: "*" }),
      ]),
    ).toEqual([]);
  });

  it('fires on Action "*" and on writes to Resource "*" (upstream\'s s3writer), in every kind of policy', async () => {
    const upstream = { Sid: "s3writer", Effect: "Allow", Action: ["s3:*Object", "s3:ListBucket"], Resource: "*" };
    expect(
      await violations(noWildcardIam, [
        rolePolicy("star", { Sid: "all", Effect: "Allow", Action: "*", Resource: arn }),
        { type: "aws:iam/policy:Policy", name: "writer", props: { policy: doc(upstream) } },
        {
          type: "aws:iam/role:Role",
          name: "inline",
          props: { inlinePolicies: [{ name: "p", policy: doc(upstream) }] },
        },
      ]),
    ).toEqual([
      'star: statement all allows Action "*"',
      'writer: statement s3writer allows s3:*Object on Resource "*"',
      'inline: statement s3writer allows s3:*Object on Resource "*"',
    ]);
  });
});

const service = (name: string, ingress: string | undefined, envs: object[]) => ({
  type: "gcp:cloudrunv2/service:Service",
  name,
  props: { name, location: "us-central1", ingress, template: { containers: [{ image: "i", envs }] } },
});
const redirector = service("redirector-us-central1", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", [
  { name: "REDIRECTOR_CONFIG", value: "{}" },
]);

describe("cloud-run-ingress-internal-lb", () => {
  it("is satisfied by internal + load balancer ingress", async () => {
    expect(await violations(cloudRunBehindLoadBalancer, [redirector])).toEqual([]);
  });

  it("fires on all-traffic ingress and on the default", async () => {
    expect(
      await violations(cloudRunBehindLoadBalancer, [
        service("a", "INGRESS_TRAFFIC_ALL", []),
        service("b", undefined, []),
      ]),
    ).toEqual([
      "a: ingress is INGRESS_TRAFFIC_ALL; it must be INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
      "b: ingress is unset (all traffic); it must be INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
    ]);
  });
});

describe("cloud-run-public-invoker-only-redirector", () => {
  const invoker = (name: string, service: string, role = "roles/run.invoker", member = "allUsers") => ({
    type: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    name,
    props: { name: service, location: "us-central1", role, member },
  });

  it("allows allUsers to invoke the redirector, and private grants anywhere", async () => {
    const other = service("admin", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", []);
    expect(
      await violations(publicInvokerOnlyOnRedirector, [
        redirector,
        other,
        invoker("ok", "redirector-us-central1"),
        invoker("private", "admin", "roles/run.invoker", "group:ops@example.dev"),
      ]),
    ).toEqual([]);
  });

  it("fires for public invokers on other services and public grants of other roles", async () => {
    const other = service("admin", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", []);
    expect(
      await violations(publicInvokerOnlyOnRedirector, [
        redirector,
        other,
        invoker("bad", "admin"),
        invoker("dev", "redirector-us-central1", "roles/run.developer", "allAuthenticatedUsers"),
      ]),
    ).toEqual([
      "bad: allUsers may invoke admin, which is not a redirector service",
      "dev: allAuthenticatedUsers granted roles/run.developer on Cloud Run",
    ]);
  });

  it("fires for any public grant on a Cloud Run job, and allows a named invoker", async () => {
    const onJob = (name: string, member: string, type = "gcp:cloudrunv2/jobIamMember:JobIamMember") => ({
      type,
      name,
      props: { name: "sync-aws-1", location: "us-central1", role: "roles/run.invoker", member },
    });
    const binding = {
      type: "gcp:cloudrunv2/jobIamBinding:JobIamBinding",
      name: "all",
      props: { name: "sync-aws-1", location: "us-central1", role: "roles/run.invoker", members: ["allUsers"] },
    };
    expect(
      await violations(publicInvokerOnlyOnRedirector, [
        onJob("scheduler", "serviceAccount:sync-aws-1-invoker@p-1.iam.gserviceaccount.com"),
        onJob("anyone", "allAuthenticatedUsers"),
        binding,
      ]),
    ).toEqual([
      "anyone: allAuthenticatedUsers granted roles/run.invoker on the job sync-aws-1",
      "all: allUsers granted roles/run.invoker on the job sync-aws-1",
    ]);
  });
});

describe("artifact-registry-no-public-write and -writers-per-repository", () => {
  const repoIam = (name: string, role: string, member: string) => ({
    type: "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
    name,
    props: { repository: "images", role, member },
  });

  const projectWide = {
    type: "gcp:projects/iAMMember:IAMMember",
    name: "proj",
    props: {
      project: "p",
      role: "roles/artifactregistry.repoAdmin",
      member: "serviceAccount:p@x.iam.gserviceaccount.com",
    },
  };
  const fine = [
    repoIam("read", "roles/artifactregistry.reader", "allUsers"),
    repoIam("write", "roles/artifactregistry.writer", "serviceAccount:p@x.iam.gserviceaccount.com"),
  ];

  it("allow public read and per-repository writers", async () => {
    expect(await violations(artifactRegistryNoPublicWrite, fine)).toEqual([]);
    expect(await violations(artifactRegistryWritersPerRepository, fine)).toEqual([]);
  });

  it("fire on public write, and (separately, so an adoption can lower it alone) on project-wide writers", async () => {
    const declared = [...fine, repoIam("pub", "roles/artifactregistry.writer", "allUsers"), projectWide];
    expect(await violations(artifactRegistryNoPublicWrite, declared)).toEqual([
      "pub: allUsers granted roles/artifactregistry.writer",
    ]);
    expect(await violations(artifactRegistryWritersPerRepository, declared)).toEqual([
      "proj: roles/artifactregistry.repoAdmin granted project-wide to serviceAccount:p@x.iam.gserviceaccount.com; bind writers on each repository instead",
    ]);
  });
});

describe("data-bearing-resources-protected", () => {
  const repo = (protect: boolean) => ({
    type: "gcp:artifactregistry/repository:Repository",
    name: "images-us",
    props: {},
    protect,
  });
  const r2 = (protect: boolean) => ({ type: "cloudflare:index/r2Bucket:R2Bucket", name: "blobs", props: {}, protect });

  it("is satisfied by protected buckets and repositories", async () => {
    expect(await violations(dataProtected, [bucket, repo(true), r2(true)])).toEqual([]);
  });

  it("fires on unprotected ones", async () => {
    expect(await violations(dataProtected, [{ ...bucket, protect: false }, repo(false), r2(false)])).toEqual([
      "mirror: mirror holds data and must be protected (protect: true)",
      "images-us: images-us holds data and must be protected (protect: true)",
      "blobs: blobs holds data and must be protected (protect: true)",
    ]);
  });
});

describe("load-balancer-scheme-explicit", () => {
  const lb = (type: string, name: string, loadBalancingScheme?: string) => ({
    type,
    name,
    props: { loadBalancingScheme },
  });

  it("is satisfied by an explicit scheme", async () => {
    expect(
      await violations(loadBalancerSchemeExplicit, [
        lb("gcp:compute/backendService:BackendService", "bes", "EXTERNAL_MANAGED"),
      ]),
    ).toEqual([]);
  });

  it("fires when the scheme is left to the default", async () => {
    expect(
      await violations(loadBalancerSchemeExplicit, [
        lb("gcp:compute/backendService:BackendService", "bes"),
        lb("gcp:compute/globalForwardingRule:GlobalForwardingRule", "fr"),
      ]),
    ).toEqual([
      "bes: bes leaves loadBalancingScheme to the default",
      "fr: fr leaves loadBalancingScheme to the default",
    ]);
  });
});

describe("monitoring-in-place", () => {
  // The SDK's marker for a value a preview does not know yet (not in its typings).
  const { unknownStringValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string };
  const CHANNEL = "projects/p/notificationChannels/1";
  const uptime = (validateSsl = true): Declared => ({
    type: "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig",
    name: "uptime-root",
    props: { httpCheck: { path: "/", useSsl: true, validateSsl } },
  });
  const alert = (name: string, metric: string, notificationChannels: unknown[] = [CHANNEL]): Declared => ({
    type: "gcp:monitoring/alertPolicy:AlertPolicy",
    name,
    props: {
      notificationChannels,
      conditions: [
        { conditionThreshold: { filter: `metric.type="monitoring.googleapis.com/uptime_check/${metric}"` } },
      ],
    },
  });
  const watched = [uptime(), alert("uptime", "check_passed"), alert("certificate", "time_until_ssl_cert_expires")];

  it("is off unless a stack's policy config turns it on", () => {
    expect(monitoringInPlace.enforcementLevel).toBe("disabled");
  });

  it("passes a watched registry", async () => {
    expect(await violations(monitoringInPlace, watched)).toEqual([]);
  });

  it("names each missing piece of an unwatched one", async () => {
    expect(await violations(monitoringInPlace, [])).toEqual([
      "no HTTPS uptime check that validates the certificate (registry:monitoring)",
      "no alert on the uptime check failing",
      "no alert on the certificate's expiry",
    ]);
  });

  it("refuses a check that does not validate the certificate, and an alert that tells nobody", async () => {
    const found = await violations(monitoringInPlace, [
      uptime(false),
      alert("uptime", "check_passed"),
      alert("certificate", "time_until_ssl_cert_expires", []),
    ]);
    expect(found).toEqual([
      "no HTTPS uptime check that validates the certificate (registry:monitoring)",
      "certificate: certificate notifies no channel",
    ]);
  });

  it("runs in a preview that does not know a new channel's name yet", async () => {
    const previewed = watched.map((d) =>
      d.type.endsWith("AlertPolicy")
        ? { ...d, props: unknownCheckingProxy({ ...d.props, notificationChannels: [unknownStringValue, CHANNEL] }) }
        : d,
    );
    expect(await violations(monitoringInPlace, previewed)).toEqual([]);
  });
});
