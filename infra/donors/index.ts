/**
 * Every kind of donor, Pulumi side: the provisioner that declares a backend's resources.
 * A kind listed in kinds.ts without a provisioner here fails to compile.
 */
import { type AwsS3DonorTransform, provisionAwsS3 } from "./aws-s3/provision";
import { provisionCloudflareR2, type R2MirrorTransform } from "./cloudflare-r2/provision";
import type { DonorContext, Provisioned } from "./donor";
import type { Backend } from "./kinds";

/** Per donor kind, the adjustments of its children. */
export interface DonorTransforms {
  "aws-s3"?: AwsS3DonorTransform;
  "cloudflare-r2"?: R2MirrorTransform;
}

type Provisioner<K extends Backend["donor"]> = (
  backend: Extract<Backend, { donor: K }>,
  ctx: DonorContext<NonNullable<DonorTransforms[K]>>,
) => Provisioned;

const PROVISIONERS: { [K in Backend["donor"]]: Provisioner<K> } = {
  "aws-s3": provisionAwsS3,
  "cloudflare-r2": provisionCloudflareR2,
};

export function provisionDonor(
  backend: Backend,
  ctx: Omit<DonorContext, "transform">,
  transforms: DonorTransforms = {},
): Provisioned {
  // Indexing by a union of kinds loses the pairing of kind and entry; the map's type keeps it.
  const provision = PROVISIONERS[backend.donor] as Provisioner<Backend["donor"]>;
  return provision(backend, { ...ctx, transform: transforms[backend.donor] });
}
