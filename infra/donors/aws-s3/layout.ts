/**
 * The aws-s3 donor's shape, pure: which bucket is where, which one the sync writes, and
 * the replication rules that copy it to the rest.
 */
import { fillPattern } from "../../fields";
import { type AwsS3Backend, bucketName, roleNames } from "./backend";
import { bucketArn } from "./policies";

export interface Mirror {
  region: string;
  bucket: string;
}

export interface MirrorLayout {
  /** Every bucket, in config order. */
  mirrors: Mirror[];
  /** The bucket the blob sync writes. */
  source: Mirror;
  /** Every other bucket: the replication targets, in config order. */
  destinations: Mirror[];
  roles: { writer: string; replication: string };
}

export function mirrorLayout(b: AwsS3Backend): MirrorLayout {
  const mirrors = b.regions.map((region) => ({ region, bucket: bucketName(b.bucketPrefix, region) }));
  return {
    mirrors,
    source: { region: b.sourceRegion, bucket: bucketName(b.bucketPrefix, b.sourceRegion) },
    destinations: mirrors.filter((m) => m.region !== b.sourceRegion),
    roles: roleNames(b.bucketPrefix),
  };
}

export interface ReplicationRule {
  id: string;
  status: "Enabled";
  priority: number;
  /** Empty: the whole bucket (the V2 rule schema, which delete-marker replication needs). */
  filter: Record<string, never>;
  deleteMarkerReplication: { status: "Enabled" };
  destination: { bucket: string; storageClass: "STANDARD"; metrics?: { status: "Enabled" } };
}

export interface ReplicationSettings {
  /** Rule ID pattern; `{region}` is the destination's. */
  ruleId: string;
  /** Destination region -> priority; unset: 1, 2, ... in order. */
  priorities?: Readonly<Record<string, number>>;
  /** Per-rule CloudWatch metrics (pending bytes, operations, failures). */
  metrics: boolean;
}

/**
 * One rule per destination. Priorities are distinct because S3 requires it of rules whose
 * filters overlap; delete markers replicate so a blob withdrawn at the source disappears
 * everywhere.
 */
export function replicationRules(destinations: readonly Mirror[], settings: ReplicationSettings): ReplicationRule[] {
  return destinations.map((d, i) => ({
    id: fillPattern(settings.ruleId, { region: d.region }),
    status: "Enabled",
    priority: settings.priorities?.[d.region] ?? i + 1,
    filter: {},
    deleteMarkerReplication: { status: "Enabled" },
    destination: {
      bucket: bucketArn(d.bucket),
      storageClass: "STANDARD",
      ...(settings.metrics ? { metrics: { status: "Enabled" as const } } : {}),
    },
  }));
}
