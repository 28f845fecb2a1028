/**
 * What a kind of cloud donor is. Onboarding a new kind of donor means writing one of
 * these (pure: schema + routes) and one provisioner (its Pulumi resources); a new donor
 * of an existing kind is one more entry in `registry:backends`.
 */
import type { z } from "zod";
import type { MirrorRoute } from "../../redirector/routing-table";

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
