// README: "Adjusting what the components declare". The README shows this file's code between the markers.
import * as aws from "@pulumi/aws";
import { AwsS3Donor } from "../../../infra/donors/aws-s3/provision";
import type { RegistryComponents } from "../../../infra/program";

// example:start
/** A lifecycle rule on every mirror bucket: open multipart uploads and old versions expire. */
export function expireLeftovers(components: RegistryComponents, days = 7): void {
  for (const donor of components.donors) {
    if (!(donor instanceof AwsS3Donor)) continue;
    for (const [region, mirror] of Object.entries(donor.mirrors.nodes.mirrors)) {
      new aws.s3.BucketLifecycleConfiguration(
        `${mirror.name}-lifecycle`,
        {
          bucket: mirror.bucket.id,
          region,
          rules: [
            {
              id: "expire-leftovers",
              status: "Enabled",
              filter: {},
              abortIncompleteMultipartUpload: { daysAfterInitiation: days },
              noncurrentVersionExpiration: { noncurrentDays: days },
            },
          ],
        },
        // The backend's provider (its account), and after the bucket's last setting:
        // S3 refuses concurrent configuration writes to one bucket.
        { parent: donor.mirrors, provider: donor.provider, dependsOn: [mirror.versioning] },
      );
    }
  }
}
// example:end
