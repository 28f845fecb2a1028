/**
 * What a kind of cloud donor is. Onboarding a new kind of donor means writing one of
 * these (pure: schema + routes) and one provisioner (its Pulumi resources); a new donor
 * of an existing kind is one more entry in `registry:backends`.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { MirrorRoute } from "../../redirector/routing-table";
import type { DnsConfig, PromotionConfig } from "../config/sections";

export interface DonorRoutes {
  /** Exact (client cloud, client region) -> mirror base URL. */
  mirrors: MirrorRoute[];
  /** A mirror for every client no route claims (a global CDN-like donor), if any. */
  fallbackBaseUrl?: string;
}

/** Where the blob sync writes for a donor: the one bucket it fills, and how it gets in. */
export interface SyncTarget {
  /** Names the donor's sync job and its identity: from what identifies the backend (an account, a bucket). */
  key: string;
  bucket: string;
  /** The bucket's region (`auto` for R2). */
  region: string;
  /** An S3-compatible endpoint instead of AWS. */
  endpoint?: string;
  /**
   * `aws-role`: the job trades its Google ID token for this role, whose trust names the
   * job's service account (the provisioner adds it; see `DonorContext.syncIdentity`).
   * `keys`: an access key pair the provisioner issues (`Provisioned.syncKeys`), which the
   * job reads from Secret Manager.
   */
  credentials: { kind: "aws-role"; roleArn: string } | { kind: "keys" };
}

export interface DonorKind<Backend extends { donor: string }> {
  /** The `donor:` value that selects this kind in `registry:backends`. */
  readonly kind: Backend["donor"];
  /** The backend entry: a strict object with `donor: z.literal(kind)`. */
  readonly schema: z.ZodType<Backend, unknown>;
  /** Pure: which clients this donor serves, and from where. */
  routes(backend: Backend): DonorRoutes;
  /** Pure: what the blob sync fills, and how it gets write access. */
  syncTarget(backend: Backend): SyncTarget;
}

/** What a provisioner gets besides its backend entry. */
export interface DonorContext<Transform = unknown> {
  /** The stack name, for tags and session names. */
  stack: string;
  /** Who may write; `blobWriter` is the identity that fills a donor's mirrors. */
  promotion: PromotionConfig;
  /** The registry's DNS zone, for donors that serve under a name of their own in it. */
  dns: DnsConfig;
  /** Who is told when the donor's own machinery fails (replication, say); none without monitoring. */
  alerts?: { emails: readonly string[] };
  /** Resource options of the backend's component (Pulumi's own `transforms`, say). */
  opts?: pulumi.ComponentResourceOptions;
  /** Adjustments of the kind's children (infra/transform.ts). */
  transform?: Transform;
  /**
   * The sync job's Google identity, for a donor whose sync target is `aws-role`: its
   * writer role trusts exactly this service account (by its numeric unique ID) with ID
   * tokens for exactly this audience.
   */
  syncIdentity?: SyncIdentity;
}

export interface SyncIdentity {
  uniqueId: pulumi.Input<string>;
  audience: string;
}

/** A provisioned backend: its stack output, and its component (whose `nodes` are its children). */
export interface Provisioned<Component extends pulumi.ComponentResource = pulumi.ComponentResource> {
  outputs: DonorOutputs;
  component: Component;
  /** For a `keys` sync target: the key pair the sync writes with (the secret as a secret). */
  syncKeys?: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
}

/**
 * What a provisioned backend exports, one entry of the stack output `donors`. Its
 * resources' logical names derive from the backend's identity (an account, a project),
 * never from its position in `registry:backends`: reordering must not replace anything.
 */
export interface DonorOutputs {
  donor: string;
  [key: string]: pulumi.Input<unknown>;
}
