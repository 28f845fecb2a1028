/**
 * The cloudflare-r2 donor, Pulumi side: `registry:cloudflare:R2Mirror` holds the bucket,
 * its public custom domain (and nothing else public: the r2.dev URL stays off), and an
 * account-owned API token that can read and write this bucket's objects and nothing
 * else, for the blob sync.
 */
import { createHash } from "node:crypto";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { type Transform, transformed } from "../../transform";
import type { DonorContext, Provisioned } from "../donor";
import {
  type CloudflareR2Backend,
  R2_WRITER_PERMISSION_GROUPS,
  r2BaseUrl,
  r2BucketResource,
  r2S3Endpoint,
} from "./backend";

export interface R2MirrorArgs {
  backend: CloudflareR2Backend;
  /** The registry's zone, where the custom domain lives. */
  zone: string;
  transform?: R2MirrorTransform;
}

/** Adjust any child before it is declared (see infra/transform.ts). */
export interface R2MirrorTransform {
  bucket?: Transform<cloudflare.R2BucketArgs>;
  customDomain?: Transform<cloudflare.R2CustomDomainArgs>;
  token?: Transform<cloudflare.AccountTokenArgs>;
}

export class R2Mirror extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  /** S3-compatible credentials of the sync writer: the token's ID and the SHA-256 of its value. */
  readonly writerAccessKeyId: pulumi.Output<string>;
  readonly writerSecretAccessKey: pulumi.Output<string>;
  readonly nodes: {
    bucket: cloudflare.R2Bucket;
    customDomain: cloudflare.R2CustomDomain;
    token: cloudflare.AccountToken;
  };

  constructor(name: string, args: R2MirrorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:cloudflare:R2Mirror", name, {}, opts);
    const b = args.backend;
    const t = args.transform ?? {};
    const account = { accountId: b.accountId, jurisdiction: b.jurisdiction };

    const bucket = new cloudflare.R2Bucket(
      ...transformed(
        t.bucket,
        `${name}-bucket`,
        {
          ...account,
          name: b.bucket,
          storageClass: "Standard",
          ...(b.locationHint ? { location: b.locationHint } : {}),
        },
        // It holds every blob the donor serves: never deleted by an `up`.
        { parent: this, protect: true, retainOnDelete: true },
      ),
    );
    // The r2.dev URL is rate-limited and not meant for production; only the custom domain serves.
    new cloudflare.R2ManagedDomain(
      `${name}-r2-dev`,
      { ...account, bucketName: bucket.name, enabled: false },
      { parent: this },
    );
    const zone = cloudflare.getZoneOutput({ filter: { name: args.zone } }, { parent: this });
    const customDomain = new cloudflare.R2CustomDomain(
      ...transformed(
        t.customDomain,
        `${name}-domain`,
        { ...account, bucketName: bucket.name, domain: b.hostname, zoneId: zone.zoneId, enabled: true, minTls: "1.2" },
        { parent: this },
      ),
    );

    const groups = R2_WRITER_PERMISSION_GROUPS.map((group) =>
      cloudflare
        .getAccountApiTokenPermissionGroupsListOutput({ accountId: b.accountId, name: group }, { parent: this })
        .apply((r) => {
          const found = r.results.find((g) => g.name === group);
          if (!found) throw new Error(`Cloudflare has no permission group "${group}"`);
          return { id: found.id };
        }),
    );
    const token = new cloudflare.AccountToken(
      ...transformed(
        t.token,
        `${name}-writer`,
        {
          accountId: b.accountId,
          name: `registry blob sync: ${b.bucket}`,
          policies: [
            {
              effect: "allow",
              permissionGroups: groups,
              resources: JSON.stringify({ [r2BucketResource(b)]: "*" }),
            },
          ],
        },
        { parent: this },
      ),
    );

    this.bucketName = bucket.name;
    this.writerAccessKeyId = token.id;
    this.writerSecretAccessKey = pulumi.secret(token.value.apply((v) => createHash("sha256").update(v).digest("hex")));
    this.nodes = { bucket, customDomain, token };
    this.registerOutputs({
      bucketName: this.bucketName,
      writerAccessKeyId: this.writerAccessKeyId,
      writerSecretAccessKey: this.writerSecretAccessKey,
    });
  }
}

export function provisionCloudflareR2(
  backend: CloudflareR2Backend,
  ctx: DonorContext<R2MirrorTransform>,
): Provisioned<R2Mirror> {
  const mirror = new R2Mirror(
    `cloudflare-r2-${backend.accountId.slice(0, 8)}-${backend.bucket}`,
    { backend, zone: ctx.dns.zone, transform: ctx.transform },
    ctx.opts,
  );
  return {
    component: mirror,
    syncKeys: { accessKeyId: mirror.writerAccessKeyId, secretAccessKey: mirror.writerSecretAccessKey },
    outputs: {
      donor: backend.donor,
      accountId: backend.accountId,
      bucket: mirror.bucketName,
      baseUrl: r2BaseUrl(backend),
      s3Endpoint: r2S3Endpoint(backend),
      writerAccessKeyId: mirror.writerAccessKeyId,
      writerSecretAccessKey: mirror.writerSecretAccessKey,
    },
  };
}
