/** Every kind of donor this program knows, pure side (schemas and routes). */
import { z } from "zod";
import { awsS3 } from "./aws-s3/backend";
import type { DonorKind } from "./donor";

export const DONOR_KINDS = [awsS3] as const;
export const DONOR_KIND_NAMES: readonly string[] = DONOR_KINDS.map((d) => d.kind);

/** One entry of `registry:backends`, discriminated by `donor`. */
export const Backend = z.discriminatedUnion("donor", [awsS3.schema]);
export type Backend = z.output<typeof Backend>;

export function donorKindOf<B extends Backend>(backend: B): DonorKind<B> {
  const kind = DONOR_KINDS.find((d) => d.kind === backend.donor);
  if (!kind) throw new Error(`unknown donor kind "${backend.donor}"`);
  return kind as unknown as DonorKind<B>;
}
