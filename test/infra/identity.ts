/**
 * Which cloud object a planned resource is, worked out from its inputs alone (in the
 * provider's import ID form), so tests can tell an adopted resource from a create of
 * something that exists, independently of how the program chose its import IDs.
 */
import type { Plan, PlannedResource } from "../../tools/plan/engine";
import { inputs, type Loose } from "./planned";

type Identify = (i: Loose, r: PlannedResource, plan: Plan) => string;

const computeGlobal =
  (collection: string): Identify =>
  (i) =>
    `projects/${i.project}/global/${collection}/${i.name}`;
const certificateManager =
  (collection: string): Identify =>
  (i) =>
    `projects/${i.project}/locations/global/${collection}/${i.name}`;
const s3: Identify = (i) => `${i.bucket}@${i.region}`;

/** The AWS account a resource's explicit provider is pinned to. */
function accountOf(r: PlannedResource, plan: Plan): string {
  const provider = plan.resources.find((p) => p.type === "pulumi:providers:aws" && p.name === r.options.provider);
  const ids = provider?.inputs.allowedAccountIds;
  return String((typeof ids === "string" ? JSON.parse(ids) : ids)?.[0]);
}

const IDENTIFY: Record<string, Identify> = {
  "gcp:artifactregistry/repository:Repository": (i) =>
    `projects/${i.project}/locations/${i.location}/repositories/${i.repositoryId}`,
  "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": (i) =>
    `projects/${i.project}/locations/${i.location}/repositories/${i.repository} ${i.role} ${i.member}`,
  "gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding": (i) =>
    `projects/${i.project}/locations/${i.location}/repositories/${i.repository} ${i.role}`,
  "gcp:projects/service:Service": (i) => `${i.project}/${i.service}`,
  "gcp:projects/iAMMember:IAMMember": (i) => `${i.project} ${i.role} ${i.member}`,
  "gcp:serviceaccount/account:Account": (i) =>
    `projects/${i.project}/serviceAccounts/${i.accountId}@${i.project}.iam.gserviceaccount.com`,
  "gcp:serviceaccount/iAMBinding:IAMBinding": (i) => `${i.serviceAccountId} ${i.role}`,
  "gcp:cloudrunv2/service:Service": (i) => `projects/${i.project}/locations/${i.location}/services/${i.name}`,
  "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": (i) =>
    `projects/${i.project}/locations/${i.location}/services/${i.name} ${i.role} ${i.member}`,
  "gcp:cloudrunv2/job:Job": (i) => `projects/${i.project}/locations/${i.location}/jobs/${i.name}`,
  "gcp:cloudrunv2/jobIamMember:JobIamMember": (i) =>
    `projects/${i.project}/locations/${i.location}/jobs/${i.name} ${i.role} ${i.member}`,
  "gcp:cloudscheduler/job:Job": (i) => `projects/${i.project}/locations/${i.region}/jobs/${i.name}`,
  "gcp:secretmanager/secret:Secret": (i) => `projects/${i.project}/secrets/${i.secretId}`,
  // A version's number is the cloud's to give: the one this declares is "the version of <secret>".
  "gcp:secretmanager/secretVersion:SecretVersion": (i) => `${i.secret}/versions (declared)`,
  "gcp:secretmanager/secretIamMember:SecretIamMember": (i) =>
    `projects/${i.project}/secrets/${i.secretId} ${i.role} ${i.member}`,
  "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup": (i) =>
    `projects/${i.project}/regions/${i.region}/networkEndpointGroups/${i.name}`,
  "gcp:compute/globalAddress:GlobalAddress": computeGlobal("addresses"),
  "gcp:compute/globalForwardingRule:GlobalForwardingRule": computeGlobal("forwardingRules"),
  "gcp:compute/targetHttpsProxy:TargetHttpsProxy": computeGlobal("targetHttpsProxies"),
  "gcp:compute/targetHttpProxy:TargetHttpProxy": computeGlobal("targetHttpProxies"),
  "gcp:compute/uRLMap:URLMap": computeGlobal("urlMaps"),
  "gcp:compute/backendService:BackendService": computeGlobal("backendServices"),
  "gcp:compute/securityPolicy:SecurityPolicy": computeGlobal("securityPolicies"),
  "gcp:compute/sSLPolicy:SSLPolicy": computeGlobal("sslPolicies"),
  "gcp:certificatemanager/dnsAuthorization:DnsAuthorization": certificateManager("dnsAuthorizations"),
  "gcp:certificatemanager/certificate:Certificate": certificateManager("certificates"),
  "gcp:certificatemanager/certificateMap:CertificateMap": certificateManager("certificateMaps"),
  "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry": (i) =>
    `projects/${i.project}/locations/global/certificateMaps/${i.map}/certificateMapEntries/${i.name}`,
  "gcp:dns/recordSet:RecordSet": (i) =>
    `projects/${i.project}/managedZones/${i.managedZone}/rrsets/${i.name}/${i.type}`,
  "aws:s3/bucket:Bucket": s3,
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": s3,
  "aws:s3/bucketPolicy:BucketPolicy": s3,
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": s3,
  "aws:s3/bucketVersioning:BucketVersioning": s3,
  "aws:s3/bucketReplicationConfig:BucketReplicationConfig": s3,
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (i, r, plan) =>
    `arn:aws:iam::${accountOf(r, plan)}:oidc-provider/${String(i.url).replace(/^https:\/\//, "")}`,
  "aws:iam/role:Role": (i) => i.name,
  "aws:iam/rolePolicy:RolePolicy": (i) => `${i.role}:${i.name}`,
  "aws:account/region:Region": (i) => i.regionName,
  "gcp:projects/iAMAuditConfig:IAMAuditConfig": (i) => `${i.project} ${i.service}`,
  "gcp:logging/metric:Metric": (i) => `projects/${i.project}/metrics/${i.name}`,
  "gcp:logging/projectSink:ProjectSink": (i) => `projects/${i.project}/sinks/${i.name}`,
  "gcp:bigquery/dataset:Dataset": (i) => `projects/${i.project}/datasets/${i.datasetId}`,
  "gcp:bigquery/table:Table": (i) => `projects/${i.project}/datasets/${i.datasetId}/tables/${i.tableId}`,
  "gcp:bigquery/datasetIamMember:DatasetIamMember": (i) =>
    `projects/${i.project}/datasets/${i.datasetId} ${i.role} ${i.member}`,
  // Server-assigned IDs: known by what they are for.
  "gcp:monitoring/notificationChannel:NotificationChannel": (i) => `${i.project} ${i.type} ${i.labels?.email_address}`,
  "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig": (i) => `${i.project} uptime ${i.displayName}`,
  "gcp:monitoring/alertPolicy:AlertPolicy": (i) => `${i.project} alert ${i.displayName}`,
  "gcp:monitoring/dashboard:Dashboard": (i) => `${i.project} dashboard ${JSON.parse(i.dashboardJson).displayName}`,
  "aws:sns/topic:Topic": (i) => `${i.name}@${i.region}`,
  "aws:sns/topicSubscription:TopicSubscription": (i) => `${i.topic} ${i.protocol} ${i.endpoint}`,
  "aws:cloudwatch/metricAlarm:MetricAlarm": (i) => `${i.name}@${i.region}`,
};

/** A cloud resource's identity; undefined for components and providers. */
export function identityOf(r: PlannedResource, plan: Plan): string | undefined {
  if (!r.custom || r.type.startsWith("pulumi:providers:")) return undefined;
  const identify = IDENTIFY[r.type];
  if (!identify) throw new Error(`no identity for ${r.type}: add it to test/infra/identity.ts`);
  return identify(inputs(r), r, plan);
}
