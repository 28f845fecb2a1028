import { diffPlans } from "../../../tools/plan/diff/plan";
import { planOf, res } from "./diff-fixtures";

const ISSUER = "container.googleapis.com/v1/projects/p/locations/us-central1/clusters/c";
const REPO = { project: "artifacts", location: "us-central1", repository: "images" };

function trust(subjects: string[], audience = "sts.amazonaws.com") {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${ISSUER}` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${ISSUER}:aud`]: audience, [`${ISSUER}:sub`]: subjects } },
      },
    ],
  });
}

const role = (subjects: string[], audience?: string) =>
  res("aws:iam/role:Role", "writer", { name: "blob-writer", assumeRolePolicy: trust(subjects, audience) });

const iamLines = (base: ReturnType<typeof planOf>, head: ReturnType<typeof planOf>) =>
  diffPlans(base, head).iam.map((c) => `${c.op === "gain" ? "+" : "-"} ${c.text}`);

describe("IAM in words", () => {
  it("says which members gain and lose a role on which repository, binding by binding", () => {
    const binding = (members: string[]) =>
      res("gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding", "images-writers", {
        ...REPO,
        role: "roles/artifactregistry.writer",
        members,
      });
    expect(
      iamLines(
        planOf([binding(["group:a@example.dev", "group:b@example.dev"])]),
        planOf([binding(["group:b@example.dev", "group:c@example.dev"])]),
      ),
    ).toEqual([
      "- group:a@example.dev loses roles/artifactregistry.writer on repository artifacts/us-central1/images (RepositoryIamBinding images-writers)",
      "+ group:c@example.dev gains roles/artifactregistry.writer on repository artifacts/us-central1/images (RepositoryIamBinding images-writers)",
    ]);
  });

  it("names projects, service accounts, Cloud Run services and jobs, with a binding's condition", () => {
    const project = res("gcp:projects/iAMMember:IAMMember", "repo-admin", {
      project: "artifacts",
      role: "roles/artifactregistry.repoAdmin",
      member: "serviceAccount:pusher@artifacts.iam.gserviceaccount.com",
      condition: { title: "until 2027", expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' },
    });
    const sa = res("gcp:serviceaccount/iAMBinding:IAMBinding", "pusher-users", {
      serviceAccountId: "projects/artifacts/serviceAccounts/pusher@artifacts.iam.gserviceaccount.com",
      role: "roles/iam.workloadIdentityUser",
      members: ["principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/ns/x/sa/y"],
    });
    const run = res("gcp:cloudrunv2/serviceIamMember:ServiceIamMember", "invoker", {
      project: "proxy",
      location: "europe-west1",
      name: "redirector-europe-west1",
      role: "roles/run.invoker",
      member: "allUsers",
    });
    const job = res("gcp:cloudrunv2/jobIamMember:JobIamMember", "run-by-invoker", {
      project: "proxy",
      location: "us-central1",
      name: "sync-aws",
      role: "roles/run.invoker",
      member: "serviceAccount:invoker@proxy.iam.gserviceaccount.com",
    });
    expect(iamLines(planOf([]), planOf([project, sa, run, job]))).toEqual([
      "+ serviceAccount:invoker@proxy.iam.gserviceaccount.com gains roles/run.invoker on Cloud Run job proxy/us-central1/sync-aws (JobIamMember run-by-invoker)",
      "+ allUsers gains roles/run.invoker on Cloud Run service proxy/europe-west1/redirector-europe-west1 (ServiceIamMember invoker)",
      '+ serviceAccount:pusher@artifacts.iam.gserviceaccount.com gains roles/artifactregistry.repoAdmin on project artifacts when until 2027: request.time < timestamp("2027-01-01T00:00:00Z") (IAMMember repo-admin)',
      "+ principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/ns/x/sa/y gains roles/iam.workloadIdentityUser on service account projects/artifacts/serviceAccounts/pusher@artifacts.iam.gserviceaccount.com (IAMBinding pusher-users)",
    ]);
  });

  it("reports no change when a grant only moves from one declaration to another", () => {
    const binding = res("gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding", "readers", {
      ...REPO,
      role: "roles/artifactregistry.reader",
      members: ["allUsers"],
    });
    const member = res("gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "public-read", {
      ...REPO,
      role: "roles/artifactregistry.reader",
      member: "allUsers",
    });
    expect(iamLines(planOf([binding]), planOf([member]))).toEqual([]);
  });

  it("names each web identity a role trusts by its subject, and the claims it must also carry", () => {
    expect(
      iamLines(planOf([role(["system:serviceaccount:ns:old"])]), planOf([role(["system:serviceaccount:ns:new"])])),
    ).toEqual([
      `+ system:serviceaccount:ns:new (sub) from ${ISSUER} gains sts:AssumeRoleWithWebIdentity on role blob-writer when aud = sts.amazonaws.com (Role writer)`,
      `- system:serviceaccount:ns:old (sub) from ${ISSUER} loses sts:AssumeRoleWithWebIdentity on role blob-writer when aud = sts.amazonaws.com (Role writer)`,
    ]);
  });

  it("shows a changed condition as the old grant lost and the new one gained", () => {
    expect(iamLines(planOf([role(["s"])]), planOf([role(["s"], "other")]))).toEqual([
      `- s (sub) from ${ISSUER} loses sts:AssumeRoleWithWebIdentity on role blob-writer when aud = sts.amazonaws.com (Role writer)`,
      `+ s (sub) from ${ISSUER} gains sts:AssumeRoleWithWebIdentity on role blob-writer when aud = other (Role writer)`,
    ]);
  });

  it("reads role policies as the role's own grants, and bucket policies per principal, denies included", () => {
    const rolePolicy = res("aws:iam/rolePolicy:RolePolicy", "writer-policy", {
      role: "blob-writer",
      policy: JSON.stringify({
        Statement: [{ Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: "arn:aws:s3:::src/*" }],
      }),
    });
    const bucketPolicy = res("aws:s3/bucketPolicy:BucketPolicy", "src-policy", {
      bucket: "src",
      policy: JSON.stringify({
        Statement: [
          { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::src/*" },
          {
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "s3:*",
            Resource: ["arn:aws:s3:::src", "arn:aws:s3:::src/*"],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          {
            Effect: "Allow",
            Principal: { Service: "s3.amazonaws.com" },
            NotAction: "s3:Delete*",
            Resource: "arn:aws:s3:::src/*",
          },
        ],
      }),
    });
    expect(iamLines(planOf([rolePolicy, bucketPolicy]), planOf([]))).toEqual([
      "- any AWS principal (*) is no longer denied s3:* on arn:aws:s3:::src when aws:SecureTransport = false (BucketPolicy src-policy)",
      "- any AWS principal (*) is no longer denied s3:* on arn:aws:s3:::src/* when aws:SecureTransport = false (BucketPolicy src-policy)",
      "- anyone (*) loses s3:GetObject on arn:aws:s3:::src/* (BucketPolicy src-policy)",
      "- role blob-writer loses s3:GetObject, s3:PutObject on arn:aws:s3:::src/* (RolePolicy writer-policy)",
      "- service s3.amazonaws.com loses every action but s3:Delete* on arn:aws:s3:::src/* (BucketPolicy src-policy)",
    ]);
  });
});
