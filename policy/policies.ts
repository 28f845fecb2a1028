/**
 * The guardrails every `pulumi preview` / `pulumi up` runs (`--policy-pack policy`). Each
 * policy is its own export so tests can run it alone; all are mandatory but one that a
 * stack's policy config turns on (`monitoring-in-place`, on for prod).
 *
 * They read resources by type token and props only, so the same checks run on a real
 * preview, on the offline plan, and in tests.
 */
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  claimTest,
  federatedIssuer,
  isPublicPrincipal,
  isTlsOnlyDeny,
  isWriteAction,
  list,
  statements,
} from "./documents";

const T = {
  bucket: "aws:s3/bucket:Bucket",
  bucketAcl: "aws:s3/bucketAcl:BucketAcl",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  userPolicy: "aws:iam/userPolicy:UserPolicy",
  groupPolicy: "aws:iam/groupPolicy:GroupPolicy",
  runService: "gcp:cloudrunv2/service:Service",
  runIamMember: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
  runIamBinding: "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding",
  runJobIamMember: "gcp:cloudrunv2/jobIamMember:JobIamMember",
  runJobIamBinding: "gcp:cloudrunv2/jobIamBinding:JobIamBinding",
  arRepository: "gcp:artifactregistry/repository:Repository",
  r2Bucket: "cloudflare:index/r2Bucket:R2Bucket",
  arIamMember: "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
  arIamBinding: "gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding",
  projectIamMember: "gcp:projects/iAMMember:IAMMember",
  projectIamBinding: "gcp:projects/iAMBinding:IAMBinding",
  backendService: "gcp:compute/backendService:BackendService",
  forwardingRule: "gcp:compute/globalForwardingRule:GlobalForwardingRule",
  uptimeCheck: "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig",
  alertPolicy: "gcp:monitoring/alertPolicy:AlertPolicy",
} as const;

const PUBLIC_MEMBERS = new Set(["allUsers", "allAuthenticatedUsers"]);
const PUBLIC_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);
/** What anonymous clients may do to a mirror: read blobs and list them. */
const PUBLIC_S3_ACTIONS = new Set(["s3:GetObject", "s3:ListBucket"]);

function members(props: Record<string, unknown>): string[] {
  return [...list(props.member as string | undefined), ...list(props.members as string[] | undefined)];
}

/** A resource policy that runs only on the given types. */
function onTypes(
  types: readonly string[],
  check: (args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidationPolicy["validateResource"] {
  return (args, report) => {
    if (types.includes(args.type)) check(args, report);
  };
}

/** The S3 bucket a companion resource is for: by dependency (preview) or by name. */
function isFor(companion: PolicyResource, bucket: PolicyResource): boolean {
  const deps = companion.propertyDependencies?.bucket ?? [];
  if (deps.some((d) => d.urn === bucket.urn)) return true;
  const name = bucket.props.bucket;
  return name !== undefined && companion.props.bucket === name;
}

/**
 * ACLs themselves are off wherever `s3-bucket-owner-enforced` holds (BucketOwnerEnforced
 * disables them), so a public access block that leaves ACLs unblocked, as registry.k8s.io's
 * live buckets do, grants nothing and is not refused here.
 */
export const noPublicBucketWrite: ResourceValidationPolicy = {
  name: "s3-no-public-write-or-acls",
  description: "Buckets are publicly readable at most: no public write, no public ACLs.",
  enforcementLevel: "mandatory",
  validateResource: onTypes([T.bucket, T.bucketAcl, T.bucketPolicy], (args, report) => {
    const p = args.props;
    if ((args.type === T.bucket || args.type === T.bucketAcl) && PUBLIC_ACLS.has(String(p.acl))) {
      report(`public ACL "${p.acl}": grant public read with the bucket policy, never with ACLs`);
    }
    for (const s of statements(p.policy)) {
      if (s.Effect !== "Allow" || !isPublicPrincipal(s.Principal)) continue;
      if (s.NotAction) report("a public Allow with NotAction grants everything not listed");
      const extra = list(s.Action).filter((a) => !PUBLIC_S3_ACTIONS.has(a));
      if (extra.length)
        report(`public principal is allowed ${extra.join(", ")}: only s3:GetObject and s3:ListBucket may be public`);
    }
  }),
};

export const bucketsDenyPlainHttp: StackValidationPolicy = {
  name: "s3-tls-only",
  description: "Every bucket's policy denies any request made without TLS.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const policies = args.resources.filter((r) => r.type === T.bucketPolicy);
    for (const bucket of args.resources.filter((r) => r.type === T.bucket)) {
      const own = policies.filter((p) => isFor(p, bucket));
      const inline = statements(bucket.props.policy);
      if (![...inline, ...own.flatMap((p) => statements(p.props.policy))].some(isTlsOnlyDeny)) {
        report(`bucket ${bucket.name} has no Deny of s3:* when aws:SecureTransport is false`, bucket.urn);
      }
    }
  },
};

export const bucketOwnerEnforced: StackValidationPolicy = {
  name: "s3-bucket-owner-enforced",
  description: "Every bucket has ownership controls set to BucketOwnerEnforced (ACLs off).",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const controls = args.resources.filter((r) => r.type === T.ownership);
    for (const bucket of args.resources.filter((r) => r.type === T.bucket)) {
      const own = controls.filter((c) => isFor(c, bucket));
      const enforced = own.some((c) =>
        list(c.props.rule as object).some(
          (r) => (r as { objectOwnership?: string }).objectOwnership === "BucketOwnerEnforced",
        ),
      );
      if (!enforced) report(`bucket ${bucket.name} lacks BucketOwnerEnforced ownership controls`, bucket.urn);
    }
  },
};

export const federatedTrustIsConditioned: ResourceValidationPolicy = {
  name: "iam-federated-trust-conditions",
  description:
    "Every federated (web identity) trust pins its issuer's aud and sub claims exactly; nobody trusts everyone.",
  enforcementLevel: "mandatory",
  validateResource: onTypes([T.role], (args, report) => {
    for (const s of statements(args.props.assumeRolePolicy)) {
      if (s.Effect !== "Allow") continue;
      if (isPublicPrincipal(s.Principal)) report("the trust policy lets any AWS principal assume the role");
      const federated = (s.Principal as { Federated?: string | string[] } | undefined)?.Federated;
      for (const provider of list(federated)) {
        const issuer = federatedIssuer(provider);
        for (const claim of ["aud", "sub"]) {
          const test = claimTest(s, issuer, claim);
          if (test === "missing") report(`federated trust for ${provider} has no "${issuer}:${claim}" condition`);
          if (test === "wildcard")
            report(`federated trust for ${provider} matches "${issuer}:${claim}" with a wildcard`);
        }
      }
    }
  }),
};

export const noWildcardIam: ResourceValidationPolicy = {
  name: "iam-no-wildcards",
  description: 'No IAM statement allows Action "*", and none allows a write action on Resource "*".',
  enforcementLevel: "mandatory",
  validateResource: onTypes(
    [T.role, T.rolePolicy, T.policy, T.userPolicy, T.groupPolicy, T.bucketPolicy],
    (args, report) => {
      const documents =
        args.type === T.role
          ? list(args.props.inlinePolicies as Array<{ policy?: unknown }>).map((p) => p.policy)
          : [args.props.policy];
      for (const s of documents.flatMap(statements)) {
        if (s.Effect !== "Allow") continue;
        const actions = list(s.Action);
        if (actions.includes("*")) report(`statement ${s.Sid ?? "(no Sid)"} allows Action "*"`);
        const writes = actions.filter(isWriteAction);
        if (list(s.Resource).includes("*") && writes.length) {
          report(`statement ${s.Sid ?? "(no Sid)"} allows ${writes.join(", ")} on Resource "*"`);
        }
      }
    },
  ),
};

export const cloudRunBehindLoadBalancer: ResourceValidationPolicy = {
  name: "cloud-run-ingress-internal-lb",
  description: "Cloud Run takes traffic only through the load balancer, so Cloud Armor always applies.",
  enforcementLevel: "mandatory",
  validateResource: onTypes([T.runService], (args, report) => {
    if (args.props.ingress !== "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER") {
      report(
        `ingress is ${args.props.ingress ?? "unset (all traffic)"}; it must be INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER`,
      );
    }
  }),
};

/** A Cloud Run service that runs the redirector: it is configured with a routing table. */
function runsRedirector(service: PolicyResource): boolean {
  const containers = list((service.props.template as { containers?: unknown[] } | undefined)?.containers);
  return containers.some((c) =>
    list((c as { envs?: Array<{ name?: string }> }).envs).some((e) => e.name === "REDIRECTOR_CONFIG"),
  );
}

export const publicInvokerOnlyOnRedirector: StackValidationPolicy = {
  name: "cloud-run-public-invoker-only-redirector",
  description: "allUsers may invoke the redirector services and nothing else on Cloud Run: no other service, no job.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    // Anyone who may run a job spends its budget (the sync's: the registry's quota, the donor's writes).
    for (const iam of args.resources.filter((r) => r.type === T.runJobIamMember || r.type === T.runJobIamBinding)) {
      const pub = members(iam.props).filter((m) => PUBLIC_MEMBERS.has(m));
      if (pub.length) report(`${pub.join(", ")} granted ${iam.props.role} on the job ${iam.props.name}`, iam.urn);
    }
    const services = args.resources.filter((r) => r.type === T.runService);
    for (const iam of args.resources.filter((r) => r.type === T.runIamMember || r.type === T.runIamBinding)) {
      const pub = members(iam.props).filter((m) => PUBLIC_MEMBERS.has(m));
      if (!pub.length) continue;
      const deps = iam.propertyDependencies?.name ?? [];
      const target = services.find(
        (s) =>
          deps.some((d) => d.urn === s.urn) ||
          (s.props.name === iam.props.name && s.props.location === iam.props.location),
      );
      if (iam.props.role !== "roles/run.invoker") {
        report(`${pub.join(", ")} granted ${iam.props.role} on Cloud Run`, iam.urn);
      } else if (!target || !runsRedirector(target)) {
        report(`${pub.join(", ")} may invoke ${iam.props.name}, which is not a redirector service`, iam.urn);
      }
    }
  },
};

const AR_PUBLIC_ROLES = new Set(["roles/artifactregistry.reader"]);

export const artifactRegistryNoPublicWrite: ResourceValidationPolicy = {
  name: "artifact-registry-no-public-write",
  description:
    "The public may only read repositories, and nobody may be granted anything on them project-wide publicly.",
  enforcementLevel: "mandatory",
  validateResource: onTypes(
    [T.arIamMember, T.arIamBinding, T.projectIamMember, T.projectIamBinding],
    (args, report) => {
      const role = String(args.props.role);
      const pub = members(args.props).filter((m) => PUBLIC_MEMBERS.has(m));
      if (pub.length && !AR_PUBLIC_ROLES.has(role)) report(`${pub.join(", ")} granted ${role}`);
    },
  ),
};

/**
 * Mandatory, but a stack adopting a registry that grants project-wide today may lower it
 * to advisory in its policy config (policy/config/<stack>.json) until the grant is gone.
 */
export const artifactRegistryWritersPerRepository: ResourceValidationPolicy = {
  name: "artifact-registry-writers-per-repository",
  description: "Writers are bound on each repository, never on the whole project.",
  enforcementLevel: "mandatory",
  validateResource: onTypes([T.projectIamMember, T.projectIamBinding], (args, report) => {
    const role = String(args.props.role);
    if (role.startsWith("roles/artifactregistry.") && !AR_PUBLIC_ROLES.has(role)) {
      report(
        `${role} granted project-wide to ${members(args.props).join(", ")}; bind writers on each repository instead`,
      );
    }
  }),
};

export const dataProtected: ResourceValidationPolicy = {
  name: "data-bearing-resources-protected",
  description: "Buckets (S3, R2) and Artifact Registry repositories are protected from deletion.",
  enforcementLevel: "mandatory",
  validateResource: onTypes([T.bucket, T.r2Bucket, T.arRepository], (args, report) => {
    if (!args.opts.protect) report(`${args.name} holds data and must be protected (protect: true)`);
  }),
};

export const loadBalancerSchemeExplicit: ResourceValidationPolicy = {
  name: "load-balancer-scheme-explicit",
  description: "Backend services and forwarding rules name their load-balancing scheme (no silent classic default).",
  enforcementLevel: "mandatory",
  validateResource: onTypes([T.backendService, T.forwardingRule], (args, report) => {
    if (!args.props.loadBalancingScheme) report(`${args.name} leaves loadBalancingScheme to the default`);
  }),
};

/** The filters of an alert's threshold conditions (PromQL conditions have none). */
function thresholdFilters(alert: PolicyResource): string[] {
  const conditions = list(alert.props.conditions as Array<{ conditionThreshold?: { filter?: string } }> | undefined);
  return conditions.flatMap((c) => list(c.conditionThreshold?.filter));
}

/**
 * Off unless a stack's policy config turns it on (policy/config/prod.json makes it
 * mandatory): a production registry cannot lose its watch in a pull request. It reads the
 * number of an alert's channels, never their values, which a preview may not know yet.
 */
export const monitoringInPlace: StackValidationPolicy = {
  name: "monitoring-in-place",
  description:
    "The registry is watched: an HTTPS uptime check that validates the certificate, alerts on it failing and on the certificate's expiry, each notifying a channel.",
  enforcementLevel: "disabled",
  validateStack: (args, report) => {
    const checks = args.resources.filter((r) => r.type === T.uptimeCheck);
    const https = checks.filter((c) => {
      const http = c.props.httpCheck as { useSsl?: boolean; validateSsl?: boolean } | undefined;
      return http?.useSsl === true && http.validateSsl === true;
    });
    if (https.length === 0) report("no HTTPS uptime check that validates the certificate (registry:monitoring)");
    const alerts = args.resources.filter((r) => r.type === T.alertPolicy);
    const on = (metric: string) => alerts.filter((a) => thresholdFilters(a).some((f) => f.includes(metric)));
    const needed = {
      "the uptime check failing": on("monitoring.googleapis.com/uptime_check/check_passed"),
      "the certificate's expiry": on("monitoring.googleapis.com/uptime_check/time_until_ssl_cert_expires"),
    };
    for (const [what, found] of Object.entries(needed)) {
      if (found.length === 0) report(`no alert on ${what}`);
    }
    for (const alert of Object.values(needed).flat()) {
      if (list(alert.props.notificationChannels as unknown[] | undefined).length === 0) {
        report(`${alert.name} notifies no channel`, alert.urn);
      }
    }
  },
};

export const ALL_POLICIES = [
  noPublicBucketWrite,
  bucketsDenyPlainHttp,
  bucketOwnerEnforced,
  federatedTrustIsConditioned,
  noWildcardIam,
  cloudRunBehindLoadBalancer,
  publicInvokerOnlyOnRedirector,
  artifactRegistryNoPublicWrite,
  artifactRegistryWritersPerRepository,
  dataProtected,
  loadBalancerSchemeExplicit,
  monitoringInPlace,
];
