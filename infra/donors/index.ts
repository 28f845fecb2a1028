/**
 * Every kind of donor, Pulumi side: the provisioner that declares a backend's resources.
 * A kind listed in kinds.ts without a provisioner here fails to compile.
 */
import { provisionAwsS3 } from "./aws-s3/provision";
import { provisionCloudflareR2 } from "./cloudflare-r2/provision";
import type { DonorContext, DonorOutputs } from "./donor";
import type { Backend } from "./kinds";

type Provisioner<K extends Backend["donor"]> = (
  backend: Extract<Backend, { donor: K }>,
  ctx: DonorContext,
) => DonorOutputs;

const PROVISIONERS: { [K in Backend["donor"]]: Provisioner<K> } = {
  "aws-s3": provisionAwsS3,
  "cloudflare-r2": provisionCloudflareR2,
};

export function provisionDonor(backend: Backend, ctx: DonorContext): DonorOutputs {
  // Indexing by a union of kinds loses the pairing of kind and entry; the map's type keeps it.
  const provision = PROVISIONERS[backend.donor] as Provisioner<Backend["donor"]>;
  return provision(backend, ctx);
}
