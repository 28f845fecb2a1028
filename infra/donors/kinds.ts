/** Every kind of donor this program knows, pure side (schemas and routes). */
import { z } from "zod";
import { awsS3 } from "./aws-s3/backend";
import { cloudflareR2 } from "./cloudflare-r2/backend";
import type { DonorKind, DonorRoutes, SyncTarget } from "./donor";

export const DONOR_KINDS = [awsS3, cloudflareR2] as const;
export const DONOR_KIND_NAMES: readonly string[] = DONOR_KINDS.map((d) => d.kind);

/** One entry of `registry:backends`, discriminated by `donor`. */
export const Backend = z.discriminatedUnion("donor", [awsS3.schema, cloudflareR2.schema]);
export type Backend = z.output<typeof Backend>;

export function donorKindOf<B extends Backend>(backend: B): DonorKind<B> {
  const kind = DONOR_KINDS.find((d) => d.kind === backend.donor);
  if (!kind) throw new Error(`unknown donor kind "${backend.donor}"`);
  return kind as unknown as DonorKind<B>;
}

/** A backend's routes as the redirectors get them: none while it is out of rotation. */
export function backendRoutes(backend: Backend): DonorRoutes {
  return backend.inRotation ? donorKindOf(backend).routes(backend) : { mirrors: [] };
}

/** What the blob sync fills for a backend, in or out of rotation (a donor is filled before it serves). */
export function backendSyncTarget(backend: Backend): SyncTarget {
  return donorKindOf(backend).syncTarget(backend);
}
