/**
 * The aws-s3 donor's access rules as IAM JSON documents. Pure, so the tests evaluate
 * exactly what gets deployed (test/infra/donors/aws-s3/iam.test.ts).
 *
 * Tighter than upstream registry.k8s.io: the blob writer and S3 replication are separate
 * roles, the writer's trust requires both `aud` and `sub`, replication is trusted only for
 * this account's source bucket, and nothing is granted on `Resource: "*"`.
 */

export interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | { Service: string } | { Federated: string };
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

function policy(...statements: Statement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

/** An identity-policy grant: these actions on these resources. */
function allow(Sid: string, Action: string[], Resource: string | string[]): Statement {
  return { Sid, Effect: "Allow", Action, Resource };
}

/** Buckets are only ever in the commercial partition (AwsS3Backend's regions enforce it). */
export function bucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}

export function objectsArn(bucket: string): string {
  return `${bucketArn(bucket)}/*`;
}

/** Anyone may list and read; no request without TLS may do anything, reads included. */
export function publicReadPolicy(bucket: string): PolicyDocument {
  return policy(
    { Sid: "PublicList", Effect: "Allow", Principal: "*", Action: "s3:ListBucket", Resource: bucketArn(bucket) },
    { Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: objectsArn(bucket) },
    {
      Sid: "DenyWithoutTls",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucketArn(bucket), objectsArn(bucket)],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  );
}

/** IAM names an OIDC issuer's claims after its URL without the scheme: `<host/path>:sub`. */
export function oidcClaimKey(issuer: string, claim: "aud" | "sub"): string {
  return `${issuer.replace(/^https:\/\//, "")}:${claim}`;
}

export interface WebIdentity {
  oidcProviderArn: string;
  issuer: string;
  audience: string;
  subjects: readonly string[];
}

/** One Google service account's ID tokens (the blob sync's Cloud Run job). */
export interface GoogleServiceAccount {
  /** The account's numeric unique ID (never its e-mail: that can be deleted and created again). */
  uniqueId: string;
  /** The tokens' `aud`, which the account asks the metadata server for. */
  audience: string;
}

/** AWS's built-in issuer of Google ID tokens: no OIDC provider to declare. */
export const GOOGLE_ISSUER = "accounts.google.com";

/** Who may act as the blob writer: an OIDC issuer's workloads, the sync's Cloud Run job, or both. */
export interface WriterTrust {
  web?: WebIdentity;
  job?: GoogleServiceAccount;
}

/**
 * Only the issuer's tokens carrying the exact audience and one of the exact subjects; for a
 * Cloud Run job, only that one service account's Google ID tokens for its audience. AWS maps
 * a Google token's `azp` (the account's unique ID) to `accounts.google.com:aud`, its `sub`
 * (the same ID) to `:sub`, and its `aud` to `:oaud`: all three are pinned.
 */
export function writerTrustPolicy({ web, job }: WriterTrust): PolicyDocument {
  const statements: Statement[] = [];
  if (web) {
    statements.push({
      Sid: "BlobSyncWebIdentity",
      Effect: "Allow",
      Principal: { Federated: web.oidcProviderArn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          [oidcClaimKey(web.issuer, "aud")]: web.audience,
          [oidcClaimKey(web.issuer, "sub")]: [...web.subjects],
        },
      },
    });
  }
  if (job) {
    // A unique ID is digits; anything else (an e-mail, an unresolved value) would match no token, silently.
    if (!/^\d+$/.test(job.uniqueId)) throw new Error(`"${job.uniqueId}" is not a service account's unique ID`);
    statements.push({
      Sid: "BlobSyncCloudRunJob",
      Effect: "Allow",
      Principal: { Federated: GOOGLE_ISSUER },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          [`${GOOGLE_ISSUER}:aud`]: job.uniqueId,
          [`${GOOGLE_ISSUER}:sub`]: job.uniqueId,
          [`${GOOGLE_ISSUER}:oaud`]: job.audience,
        },
      },
    });
  }
  if (statements.length === 0) throw new Error("the blob writer role must trust someone: an OIDC issuer or a sync job");
  return policy(...statements);
}

/**
 * What the blob sync needs on the source bucket: HEAD/GET and PUT (multipart included) of
 * objects, and listing. No delete: blobs are content-addressed and written once.
 */
export function writerPolicy(sourceBucket: string): PolicyDocument {
  return policy(
    allow("ListSource", ["s3:ListBucket", "s3:ListBucketMultipartUploads"], bucketArn(sourceBucket)),
    allow(
      "ReadWriteSourceObjects",
      ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      objectsArn(sourceBucket),
    ),
  );
}

/** S3 itself, and only when acting for this account's source bucket (no confused deputy). */
export function replicationTrustPolicy(accountId: string, sourceBucket: string): PolicyDocument {
  return policy({
    Sid: "S3ReplicationOfSource",
    Effect: "Allow",
    Principal: { Service: "s3.amazonaws.com" },
    Action: "sts:AssumeRole",
    Condition: { StringEquals: { "aws:SourceAccount": accountId, "aws:SourceArn": bucketArn(sourceBucket) } },
  });
}

/** Read versions for replication from the source; write replicas only into the destinations. */
export function replicationPolicy(sourceBucket: string, destinationBuckets: readonly string[]): PolicyDocument {
  return policy(
    allow("ReadSourceConfiguration", ["s3:GetReplicationConfiguration", "s3:ListBucket"], bucketArn(sourceBucket)),
    allow(
      "ReadSourceVersions",
      ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
      objectsArn(sourceBucket),
    ),
    allow(
      "WriteReplicas",
      ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
      destinationBuckets.map(objectsArn),
    ),
  );
}
