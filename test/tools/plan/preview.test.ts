/**
 * The credentialed path: `pulumi preview --json` documents (preview-fixture.ts) rendered
 * through the plan diff's renderers.
 */
import { PreviewDocument, previewDiff } from "../../../tools/plan/diff/preview";
import { renderDiffJson, renderDiffMarkdown, renderDiffText } from "../../../tools/plan/diff/render";
import { armor, LB, PREVIEW, state } from "./preview-fixture";

describe("a pulumi preview, in the plan diff's words", () => {
  const diff = previewDiff(PreviewDocument.parse(PREVIEW));

  it("counts each resource once, a replacement's three steps as one replace", () => {
    expect(diff.stack).toBe("prod");
    expect(diff.summary).toEqual({ replace: 1, delete: 2, create: 0, import: 1, update: 3 });
    expect(diff.changes.map((c) => [c.op, c.name, c.paths, c.note ?? null])).toEqual([
      ["replace", "prod-registry-k8s-io-eu-west-1", ["bucket"], "the provider replaces it for `bucket`"],
      ["delete", "images-us-west4", [], null],
      ["delete", "images-us-west4-public-read", [], null],
      ["import", "pusher", [], "adopts `projects/p/serviceAccounts/pusher@p.iam.gserviceaccount.com`"],
      ["update", "blob-writer", ['assumeRolePolicy.Statement[0].Condition.StringEquals["issuer.example/c:sub"]'], null],
      ["update", "writer", ["value"], null],
      ["update", "armor", ["rules[priority=2147483647].rateLimitOptions.rateLimitThreshold.count"], null],
    ]);
  });

  it("flags replacing a protected bucket and deleting a repository, from their old state, protected data first", () => {
    expect(diff.flags.map((f) => f.text)).toEqual([
      "replace of bucket `prod-registry-k8s-io-eu-west-1` (`aws:s3/bucket:Bucket`): protected: `pulumi up` refuses until `pulumi state unprotect`; retainOnDelete: it stays in the cloud, no longer managed",
      "delete of repository `images-us-west4` (`gcp:artifactregistry/repository:Repository`): retainOnDelete: it stays in the cloud, no longer managed",
    ]);
  });

  it("says who gains and loses access, from the old and new states of what changes", () => {
    expect(diff.iam.map((c) => c.text)).toEqual([
      "allUsers loses roles/artifactregistry.reader on repository k8s-artifacts-prod/us-west4/images (RepositoryIamMember images-us-west4-public-read)",
      "system:serviceaccount:ns:new (sub) from issuer.example/c gains sts:AssumeRoleWithWebIdentity on role blob-writer when aud = sts.amazonaws.com (Role blob-writer)",
      "system:serviceaccount:ns:old (sub) from issuer.example/c loses sts:AssumeRoleWithWebIdentity on role blob-writer when aud = sts.amazonaws.com (Role blob-writer)",
    ]);
  });

  it("keeps warnings and errors (first line), and says where routing is", () => {
    expect(diff.notes).toEqual([
      "warning (armor): warning: rate limit raised above upstream's",
      "Blob routing and upstreams are in the offline plan diff: a preview does not compute stack outputs.",
    ]);
  });

  it("never shows a secret, in any format", () => {
    for (const out of [renderDiffText(diff), renderDiffJson(diff), renderDiffMarkdown(diff)]) {
      expect(out).not.toContain("hunter2");
    }
    expect(renderDiffText(diff)).toContain(
      "rules[priority=2147483647].rateLimitOptions.rateLimitThreshold.count: 2490 -> 5000",
    );
  });

  it("stays under the comment limit however large the preview, saying what it left out", () => {
    const big = {
      ...PREVIEW,
      steps: Array.from({ length: 2000 }, (_, i) => {
        const urn = `${LB}$gcp:compute/securityPolicy:SecurityPolicy::armor-${i}`;
        return {
          op: "update",
          urn,
          oldState: state(urn, "gcp:compute/securityPolicy:SecurityPolicy", armor(1)),
          newState: state(urn, "gcp:compute/securityPolicy:SecurityPolicy", armor(2 + i)),
          diffReasons: ["rules"],
        };
      }),
    };
    const md = renderDiffMarkdown(previewDiff(PreviewDocument.parse(big)));
    expect(md.length).toBeLessThanOrEqual(60_000);
    expect(md).toMatch(/\*\*Cut to stay under 60,000 characters\*\*: left out \d+ of 2000 update entries\./);
    expect(md).toContain("**2000 to update**");
  });
});
