/** Lookups over an evaluated plan, for the program's mock tests. */
import type { Plan, PlannedResource } from "../../tools/plan/engine";
import { placement } from "../../tools/plan/render";

// biome-ignore lint/suspicious/noExplicitAny: tests read provider inputs, which are untyped at the engine boundary
export type Loose = Record<string, any>;

export const TYPES = {
  repository: "gcp:artifactregistry/repository:Repository",
  repositoryMember: "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
  repositoryBinding: "gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding",
  serviceAccount: "gcp:serviceaccount/account:Account",
  service: "gcp:cloudrunv2/service:Service",
  serviceMember: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
  neg: "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup",
  securityPolicy: "gcp:compute/securityPolicy:SecurityPolicy",
  backendService: "gcp:compute/backendService:BackendService",
  urlMap: "gcp:compute/uRLMap:URLMap",
  httpsProxy: "gcp:compute/targetHttpsProxy:TargetHttpsProxy",
  httpProxy: "gcp:compute/targetHttpProxy:TargetHttpProxy",
  address: "gcp:compute/globalAddress:GlobalAddress",
  forwardingRule: "gcp:compute/globalForwardingRule:GlobalForwardingRule",
  dnsAuthorization: "gcp:certificatemanager/dnsAuthorization:DnsAuthorization",
  certificate: "gcp:certificatemanager/certificate:Certificate",
  certificateMap: "gcp:certificatemanager/certificateMap:CertificateMap",
  certificateMapEntry: "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry",
  dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
  job: "gcp:cloudrunv2/job:Job",
  jobMember: "gcp:cloudrunv2/jobIamMember:JobIamMember",
  schedule: "gcp:cloudscheduler/job:Job",
  secret: "gcp:secretmanager/secret:Secret",
  secretVersion: "gcp:secretmanager/secretVersion:SecretVersion",
  secretMember: "gcp:secretmanager/secretIamMember:SecretIamMember",
  role: "aws:iam/role:Role",
} as const;

export function ofType(plan: Plan, type: string): PlannedResource[] {
  return plan.resources.filter((r) => r.type === type);
}

export function one(plan: Plan, type: string, where: (r: PlannedResource) => boolean = () => true): PlannedResource {
  const found = ofType(plan, type).filter(where);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as PlannedResource;
}

export function inputs(r: PlannedResource): Loose {
  return r.inputs as Loose;
}

export function outputs(r: PlannedResource): Loose {
  return r.outputs as Loose;
}

/** How many resources of each type sit in each region. */
export function countsByRegion(plan: Plan, types: readonly string[]): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const r of plan.resources.filter((r) => types.includes(r.type))) {
    const region = placement(r).region;
    counts[region] ??= {};
    counts[region][r.type] = (counts[region][r.type] ?? 0) + 1;
  }
  return counts;
}

/** Every GCP IAM grant the plan declares (member or binding, at any level). */
export function iamGrants(plan: Plan): Array<{ resource: PlannedResource; role: string; members: string[] }> {
  return plan.resources
    .filter((r) => /^gcp:[^:]*iam/i.test(r.type))
    .map((r) => {
      const i = inputs(r);
      return { resource: r, role: String(i.role), members: i.members ?? [i.member] };
    });
}

/** The trust statement a writer role must hold for a sync job's Google service account, written out. */
export function jobTrustStatement(uniqueId: string, audience: string): Loose {
  return {
    Sid: "BlobSyncCloudRunJob",
    Effect: "Allow",
    Principal: { Federated: "accounts.google.com" },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: {
      StringEquals: {
        "accounts.google.com:aud": uniqueId,
        "accounts.google.com:sub": uniqueId,
        "accounts.google.com:oaud": audience,
      },
    },
  };
}
