/**
 * Pure: the import ID each provider expects for the resources this program can adopt
 * (Pulumi's `import` option), in the canonical form of each type's "## Import" doc
 * comment (node_modules/@pulumi/{gcp,aws}/**.d.ts). `IMPORT_ID_FORMATS` is the same
 * knowledge as a check: the plan engine refuses an import ID that does not match it.
 *
 * AWS: a regional resource outside the provider's own region is imported as
 * `<id>@<region>` (AWS provider v6+ "enhanced region support"); every S3 ID here carries
 * its region, so it never depends on which region the provider defaults to.
 */

const PROJECT = "[a-z][a-z0-9-]{4,28}[a-z0-9]";
const GCP_REGION = "[a-z]+-[a-z]+[0-9]+";
const NAME = "[a-z]([-a-z0-9]*[a-z0-9])?";
const ROLE = "roles/[A-Za-z0-9_.]+";
const MEMBER = "(allUsers|allAuthenticatedUsers|(user|group|serviceAccount|domain):\\S+|principal(Set)?://\\S+)";
const SA_EMAIL = `[a-z][a-z0-9-]{4,28}[a-z0-9]@${PROJECT}\\.iam\\.gserviceaccount\\.com`;
const BUCKET = "[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]";
const AWS_REGION = "[a-z]{2}(-[a-z]+)+-[0-9]";

const whole = (pattern: string) => new RegExp(`^${pattern}$`);
const computeGlobal = (collection: string) => whole(`projects/${PROJECT}/global/${collection}/${NAME}`);
const certificateManager = (collection: string) =>
  whole(`projects/${PROJECT}/locations/global/${collection}/[a-z][-_a-z0-9]*`);
const s3 = whole(`${BUCKET}@${AWS_REGION}`);

/** Type token -> the canonical import ID form its provider documents. */
export const IMPORT_ID_FORMATS: Readonly<Record<string, RegExp>> = {
  "gcp:artifactregistry/repository:Repository": whole(
    `projects/${PROJECT}/locations/${GCP_REGION}/repositories/${NAME}`,
  ),
  "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": whole(
    `projects/${PROJECT}/locations/${GCP_REGION}/repositories/${NAME} ${ROLE} ${MEMBER}`,
  ),
  "gcp:projects/service:Service": whole(`${PROJECT}/[a-z0-9-]+\\.googleapis\\.com`),
  "gcp:projects/iAMMember:IAMMember": whole(`${PROJECT} ${ROLE} ${MEMBER}`),
  "gcp:projects/iAMAuditConfig:IAMAuditConfig": whole(`${PROJECT} [a-z0-9-]+\\.googleapis\\.com`),
  "gcp:serviceaccount/account:Account": whole(`projects/${PROJECT}/serviceAccounts/${SA_EMAIL}`),
  "gcp:serviceaccount/iAMBinding:IAMBinding": whole(`projects/${PROJECT}/serviceAccounts/${SA_EMAIL} ${ROLE}`),
  "gcp:compute/globalAddress:GlobalAddress": computeGlobal("addresses"),
  "gcp:compute/globalForwardingRule:GlobalForwardingRule": computeGlobal("forwardingRules"),
  "gcp:compute/targetHttpsProxy:TargetHttpsProxy": computeGlobal("targetHttpsProxies"),
  "gcp:compute/targetHttpProxy:TargetHttpProxy": computeGlobal("targetHttpProxies"),
  "gcp:compute/uRLMap:URLMap": computeGlobal("urlMaps"),
  "gcp:compute/backendService:BackendService": computeGlobal("backendServices"),
  "gcp:compute/securityPolicy:SecurityPolicy": computeGlobal("securityPolicies"),
  "gcp:compute/sSLPolicy:SSLPolicy": computeGlobal("sslPolicies"),
  "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup": whole(
    `projects/${PROJECT}/regions/${GCP_REGION}/networkEndpointGroups/${NAME}`,
  ),
  "gcp:certificatemanager/dnsAuthorization:DnsAuthorization": certificateManager("dnsAuthorizations"),
  "gcp:certificatemanager/certificate:Certificate": certificateManager("certificates"),
  "gcp:certificatemanager/certificateMap:CertificateMap": certificateManager("certificateMaps"),
  "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry": certificateManager(
    "certificateMaps/[a-z][-_a-z0-9]*/certificateMapEntries",
  ),
  "gcp:dns/recordSet:RecordSet": whole(
    `projects/${PROJECT}/managedZones/${NAME}/rrsets/([a-z0-9_-]+\\.)+/(A|AAAA|CNAME|CAA)`,
  ),
  "aws:s3/bucket:Bucket": s3,
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": s3,
  "aws:s3/bucketPolicy:BucketPolicy": s3,
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": s3,
  "aws:s3/bucketVersioning:BucketVersioning": s3,
  "aws:s3/bucketReplicationConfig:BucketReplicationConfig": s3,
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": whole("arn:aws:iam::[0-9]{12}:oidc-provider/[^\\s]+"),
  "aws:iam/role:Role": whole("[\\w+=,.@-]{1,64}"),
  "aws:account/region:Region": whole(AWS_REGION),
};

/** Why an import ID would be refused for its type, or undefined when it has the documented form. */
export function importIdProblem(type: string, id: string): string | undefined {
  const format = IMPORT_ID_FORMATS[type];
  if (!format) return `${type} is not a type this program adopts`;
  return format.test(id) ? undefined : `"${id}" is not a ${type} import ID (expected ${format.source})`;
}

/** The resource option, or nothing: `{ ...adopted(id) }` in a resource's options. */
export function adopted(id: string | undefined): { import?: string } {
  return id === undefined ? {} : { import: id };
}

export const gcpIds = {
  repository: (project: string, region: string, repository: string) =>
    `projects/${project}/locations/${region}/repositories/${repository}`,
  repositoryMember: (project: string, region: string, repository: string, role: string, member: string) =>
    `${gcpIds.repository(project, region, repository)} ${role} ${member}`,
  projectService: (project: string, service: string) => `${project}/${service}`,
  projectMember: (project: string, role: string, member: string) => `${project} ${role} ${member}`,
  auditConfig: (project: string, service: string) => `${project} ${service}`,
  serviceAccount: (project: string, email: string) => `projects/${project}/serviceAccounts/${email}`,
  serviceAccountBinding: (project: string, email: string, role: string) =>
    `${gcpIds.serviceAccount(project, email)} ${role}`,
  computeGlobal: (project: string, collection: string, name: string) =>
    `projects/${project}/global/${collection}/${name}`,
  regionNeg: (project: string, region: string, name: string) =>
    `projects/${project}/regions/${region}/networkEndpointGroups/${name}`,
  certificateManager: (project: string, collection: string, name: string) =>
    `projects/${project}/locations/global/${collection}/${name}`,
  certificateMapEntry: (project: string, map: string, name: string) =>
    `projects/${project}/locations/global/certificateMaps/${map}/certificateMapEntries/${name}`,
  recordSet: (project: string, managedZone: string, fqdn: string, type: string) =>
    `projects/${project}/managedZones/${managedZone}/rrsets/${fqdn}/${type}`,
};

export const awsIds = {
  /** Every S3 bucket setting is imported by its bucket's name, in the bucket's region. */
  s3: (bucket: string, region: string) => `${bucket}@${region}`,
  role: (name: string) => name,
  optInRegion: (region: string) => region,
};
