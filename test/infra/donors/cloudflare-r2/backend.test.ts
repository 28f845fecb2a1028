import {
  CloudflareR2Backend,
  cloudflareR2,
  r2BucketResource,
  r2S3Endpoint,
} from "../../../../infra/donors/cloudflare-r2/backend";

const entry = {
  donor: "cloudflare-r2",
  accountId: "0123456789abcdef0123456789abcdef",
  bucket: "registry-blobs",
  hostname: "blobs.registry.example.dev",
};

describe("cloudflare-r2 backend", () => {
  it("parses an entry and defaults the jurisdiction", () => {
    expect(CloudflareR2Backend.parse(entry)).toEqual({ ...entry, jurisdiction: "default", inRotation: true });
  });

  it("claims no region, only the clients nobody else claims", () => {
    expect(cloudflareR2.routes(CloudflareR2Backend.parse(entry))).toEqual({
      mirrors: [],
      fallbackBaseUrl: "https://blobs.registry.example.dev",
    });
  });

  it("writes through the account's S3 endpoint, per jurisdiction", () => {
    const b = CloudflareR2Backend.parse(entry);
    expect(r2S3Endpoint(b)).toBe("https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com");
    expect(r2S3Endpoint({ ...b, jurisdiction: "eu" })).toBe(
      "https://0123456789abcdef0123456789abcdef.eu.r2.cloudflarestorage.com",
    );
  });

  it("is filled by the sync through its S3 endpoint, with a key pair (R2 has no federation)", () => {
    expect(cloudflareR2.syncTarget(CloudflareR2Backend.parse({ ...entry, jurisdiction: "eu" }))).toEqual({
      key: "r2-01234567-registry-blobs",
      bucket: "registry-blobs",
      region: "auto",
      endpoint: "https://0123456789abcdef0123456789abcdef.eu.r2.cloudflarestorage.com",
      credentials: { kind: "keys" },
    });
  });

  it("names the bucket as an API token resource", () => {
    expect(r2BucketResource(CloudflareR2Backend.parse(entry))).toBe(
      "com.cloudflare.edge.r2.bucket.0123456789abcdef0123456789abcdef_default_registry-blobs",
    );
  });

  it.each([
    [{ accountId: "not-an-account" }, 'accountId: "not-an-account" is not a Cloudflare account ID (32 hex characters)'],
    [
      { bucket: "Blobs_1" },
      'bucket: "Blobs_1" is not an R2 bucket name (3-63 lowercase letters, digits, inner hyphens)',
    ],
    [{ hostname: "https://blobs.example.dev" }, 'hostname: "https://blobs.example.dev" is not a lowercase DNS name'],
  ])("refuses %j", (change, message) => {
    const result = CloudflareR2Backend.safeParse({ ...entry, ...change });
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(`${issue?.path.join(".")}: ${issue?.message}`).toBe(message);
  });
});
