/**
 * Structural rules the documents must keep whatever the config; what they allow is
 * proven by simulation in iam.test.ts.
 */
import {
  oidcClaimKey,
  type PolicyDocument,
  publicReadPolicy,
  replicationPolicy,
  replicationTrustPolicy,
  writerPolicy,
  writerTrustPolicy,
} from "../../../../infra/donors/aws-s3/policies";
import { jobTrustStatement } from "../../planned";

const issuer = "https://container.googleapis.com/v1/projects/p/locations/us-central1/clusters/c";
const documents: Record<string, PolicyDocument> = {
  publicRead: publicReadPolicy("m-us-east-2"),
  writerTrust: writerTrustPolicy({
    web: {
      oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/x",
      issuer,
      audience: "sts.amazonaws.com",
      subjects: ["system:serviceaccount:a:b"],
    },
  }),
  writerTrustWithJob: writerTrustPolicy({
    web: {
      oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/x",
      issuer,
      audience: "sts.amazonaws.com",
      subjects: ["s"],
    },
    job: { uniqueId: "112233445566778899001", audience: "sts.amazonaws.com" },
  }),
  writerTrustJobOnly: writerTrustPolicy({ job: { uniqueId: "112233445566778899001", audience: "sts.amazonaws.com" } }),
  writer: writerPolicy("m-us-east-2"),
  replicationTrust: replicationTrustPolicy("123456789012", "m-us-east-2"),
  replication: replicationPolicy("m-us-east-2", ["m-eu-west-1", "m-ap-south-1"]),
};

const asList = (v: string | string[] | undefined) => (v === undefined ? [] : ([] as string[]).concat(v));

describe.each(Object.entries(documents))("%s", (_name, doc) => {
  it("allows nothing on a wildcard resource, and no wildcard action", () => {
    for (const s of doc.Statement.filter((s) => s.Effect === "Allow")) {
      for (const r of asList(s.Resource)) expect(r).not.toMatch(/^\*$|^arn:aws:s3:::\*/);
      for (const a of asList(s.Action)) expect(a).not.toContain("*");
    }
  });

  it("has unique statement IDs", () => {
    const sids = doc.Statement.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
  });
});

describe("trust conditions", () => {
  it("key the writer's claims by the issuer without its scheme", () => {
    expect(oidcClaimKey(issuer, "sub")).toBe(
      "container.googleapis.com/v1/projects/p/locations/us-central1/clusters/c:sub",
    );
    expect(Object.keys(documents.writerTrust?.Statement[0]?.Condition?.StringEquals ?? {})).toEqual([
      oidcClaimKey(issuer, "aud"),
      oidcClaimKey(issuer, "sub"),
    ]);
  });

  it("trust a sync job's Google service account by its unique ID, as azp and sub, and its token audience", () => {
    expect(documents.writerTrustWithJob?.Statement[1]).toEqual(
      jobTrustStatement("112233445566778899001", "sts.amazonaws.com"),
    );
    expect(documents.writerTrust?.Statement).toHaveLength(1);
  });

  it("trust the job alone when no OIDC issuer writes (registry:sync without promotion.blobWriter)", () => {
    expect(documents.writerTrustJobOnly?.Statement.map((st) => st.Sid)).toEqual(["BlobSyncCloudRunJob"]);
  });

  it("refuse anything but a numeric unique ID for the job's account (an e-mail would match no token), and trusting no one", () => {
    expect(() => writerTrustPolicy({ job: { uniqueId: "sync@p.iam.gserviceaccount.com", audience: "a" } })).toThrow(
      '"sync@p.iam.gserviceaccount.com" is not a service account\'s unique ID',
    );
    expect(() => writerTrustPolicy({})).toThrow("the blob writer role must trust someone");
  });

  it("name the only service and source that may replicate", () => {
    expect(documents.replicationTrust?.Statement[0]).toMatchObject({
      Principal: { Service: "s3.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012", "aws:SourceArn": "arn:aws:s3:::m-us-east-2" } },
    });
  });
});
