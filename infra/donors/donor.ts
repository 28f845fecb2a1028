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

export interface DonorKind<Backend extends { donor: string }> {
  /** The `donor:` value that selects this kind in `registry:backends`. */
  readonly kind: Backend["donor"];
  /** The backend entry: a strict object with `donor: z.literal(kind)`. */
  readonly schema: z.ZodType<Backend, unknown>;
  /** Pure: which clients this donor serves, and from where. */
  routes(backend: Backend): DonorRoutes;
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
}

/** A provisioned backend: its stack output, and its component (whose `nodes` are its children). */
export interface Provisioned<Component extends pulumi.ComponentResource = pulumi.ComponentResource> {
  outputs: DonorOutputs;
  component: Component;
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
