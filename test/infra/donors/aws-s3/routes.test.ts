/** The aws-s3 donor's own routes(), on a small backend: what the redirector is told. */
import { parseConfig } from "../../../../infra/config";
import { type AwsS3Backend, awsS3, writerRoleArn } from "../../../../infra/donors/aws-s3/backend";
import { validConfig } from "../../fixtures";

const backend = parseConfig(validConfig(), { stack: "sandbox" }).backends[0] as AwsS3Backend;

describe("aws-s3 routes", () => {
  const routes = awsS3.routes(backend);

  it("sends each bucket region and each alias to the dualstack virtual-hosted URL of its bucket", () => {
    expect(routes.mirrors).toEqual([
      {
        cloud: "aws",
        clientRegion: "eu-west-1",
        baseUrl: "https://example-registry-eu-west-1.s3.dualstack.eu-west-1.amazonaws.com",
      },
      {
        cloud: "aws",
        clientRegion: "eu-west-2",
        baseUrl: "https://example-registry-eu-west-1.s3.dualstack.eu-west-1.amazonaws.com",
      },
      {
        cloud: "aws",
        clientRegion: "us-east-2",
        baseUrl: "https://example-registry-us-east-2.s3.dualstack.us-east-2.amazonaws.com",
      },
    ]);
  });

  it("claims no fallback: other AWS clients get the default base URL", () => {
    expect(routes.fallbackBaseUrl).toBeUndefined();
  });
});

describe("aws-s3 sync target", () => {
  it("is the source bucket in its region, written as the writer role this program declares", () => {
    expect(awsS3.syncTarget(backend)).toEqual({
      key: "aws-123456789012",
      bucket: "example-registry-us-east-2",
      region: "us-east-2",
      credentials: { kind: "aws-role", roleArn: "arn:aws:iam::123456789012:role/example-registry-blob-writer" },
    });
  });

  it("the writer role's ARN is the one managed elsewhere when the backend names one", () => {
    const external = "arn:aws:iam::123456789012:role/registry.k8s.io_s3writer";
    expect(writerRoleArn({ ...backend, writerRole: external })).toBe(external);
  });
});
