import { diffPlans } from "../../../tools/plan/diff/plan";
import { code, renderDiffJson, renderDiffMarkdown, renderDiffText } from "../../../tools/plan/diff/render";
import { BUCKET, donor, planOf, res } from "./diff-fixtures";

const ARMOR = "gcp:compute/securityPolicy:SecurityPolicy";
const armor = (count: number) =>
  res(ARMOR, "armor", {
    rules: [
      { priority: 1, action: "deny(404)" },
      { priority: 2, count },
    ],
  });
const routing = (bucket: string | null) => ({
  upstreams: { "us-central1": "us-central1" },
  mirrors: bucket ? [{ cloud: "aws" as const, clientRegion: "us-east-2", baseUrl: `https://${bucket}` }] : [],
  defaultBlobBaseUrl: "https://cdn.example.dev",
});
const reader = (location: string) =>
  res("gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", `read-${location}`, {
    project: "p",
    location,
    repository: "images",
    role: "roles/artifactregistry.reader",
    member: "allUsers",
  });

// Drop the donor, raise the limit, stop the public reading three repositories.
const base = planOf([...donor(), armor(5000), reader("a"), reader("b"), reader("c")], routing("b-us-east-2"));
const head = planOf([armor(10000)], routing(null));
const diff = diffPlans(base, head);

describe("rendering a plan diff", () => {
  it("as text: summary, flags, routing, IAM (alike grants said once), notes, then resources", () => {
    expect(renderDiffText(diff)).toBe(
      [
        "Plan diff of stack t (offline plans): 0 to create, 1 to update, 5 to delete, 0 to replace, 0 to import",
        "",
        "Flags (1)",
        "  ! delete of bucket `b-us-east-2` (`aws:s3/bucket:Bucket`): protected: `pulumi up` refuses until `pulumi state unprotect`; retainOnDelete: it stays in the cloud, no longer managed",
        "",
        "Blob routing (1)",
        "  aws us-east-2: https://b-us-east-2 -> https://cdn.example.dev",
        "",
        "IAM (1)",
        "  - allUsers loses roles/artifactregistry.reader on 3 repositories (RepositoryIamMember): p/a/images, p/b/images, p/c/images",
        "",
        "Notes (1)",
        "  No Cloud Run region of this stack runs the redirector yet (`redirector.legacyBackends`): the routing above applies in each region once it moves to the redirector.",
        "",
        "Resources (6)",
        "  delete  aws:s3/bucket:Bucket  b-us-east-2",
        "  delete  gcp:artifactregistry/repositoryIamMember:RepositoryIamMember  read-a",
        "  delete  gcp:artifactregistry/repositoryIamMember:RepositoryIamMember  read-b",
        "  delete  gcp:artifactregistry/repositoryIamMember:RepositoryIamMember  read-c",
        "  delete  registry:aws:BlobMirrors  mirrors",
        "  update  gcp:compute/securityPolicy:SecurityPolicy  armor",
        "            rules[priority=2].count: 5000 -> 10000",
        "",
      ].join("\n"),
    );
  });

  it("as JSON: exactly the documented keys", () => {
    const doc = JSON.parse(renderDiffJson(diff));
    expect(Object.keys(doc)).toEqual(["summary", "flags", "changes", "iam", "routing", "upstreams"]);
    expect(doc.summary).toEqual({ create: 0, update: 1, delete: 5, replace: 0, import: 0 });
    expect(doc.changes.at(-1)).toEqual({
      op: "update",
      type: ARMOR,
      name: "armor",
      paths: ["rules[priority=2].count"],
    });
    expect(Object.keys(doc.flags[0])).toEqual(["op", "type", "name", "reasons", "text"]);
    expect(Object.keys(doc.iam[0])).toEqual(["op", "effect", "who", "what", "on", "when", "via", "text"]);
    expect(doc.iam).toHaveLength(3);
    expect(doc.routing).toEqual([
      { cloud: "aws", clientRegion: "us-east-2", before: "https://b-us-east-2", after: "https://cdn.example.dev" },
    ]);
    expect(doc.upstreams).toEqual([]);
  });

  it("as Markdown: everything from the diff in code spans, routing as a table", () => {
    const md = renderDiffMarkdown(diff);
    expect(md.split("\n").slice(0, 3)).toEqual([
      "### Plan diff: stack `t` (offline plans)",
      "",
      "0 to create · **1 to update** · **5 to delete** · 0 to replace · 0 to import · **1 flagged**",
    ]);
    expect(md).toContain("| aws `us-east-2` | `https://b-us-east-2` | `https://cdn.example.dev` |");
    expect(md).toContain(
      "- ➖ `allUsers` loses `roles/artifactregistry.reader` on 3 repositories (RepositoryIamMember): `p/a/images`, `p/b/images`, `p/c/images`",
    );
    expect(md).toContain("  - `rules[priority=2].count`: `5000` → `10000`");
    expect(md.indexOf("#### ⚠️ Flags")).toBeLessThan(md.indexOf("#### Blob routing"));
    expect(md.indexOf("#### IAM")).toBeLessThan(md.indexOf("#### Delete (5)"));
  });

  it("cuts at whole entries under the limit and says what it left out", () => {
    const many = planOf(
      Array.from({ length: 200 }, (_, i) => res(BUCKET, `bucket-${String(i).padStart(3, "0")}`, { i })),
    );
    const md = renderDiffMarkdown(diffPlans(planOf([]), many), 4000);
    expect(md.length).toBeLessThanOrEqual(4000);
    const kept = md.match(/^- `bucket-\d{3}` \(`aws:s3\/bucket:Bucket`\)$/gm) ?? [];
    expect(kept.length).toBeGreaterThan(10);
    expect(kept.at(-1)).toBe(`- \`bucket-${String(kept.length - 1).padStart(3, "0")}\` (\`aws:s3/bucket:Bucket\`)`);
    expect(md).toContain(
      `**Cut to stay under 4,000 characters**: left out ${200 - kept.length} of 200 create entries. \`npm run plan -- --diff <base> <head>\` shows everything.`,
    );
  });

  it("says a diff with no changes is empty", () => {
    const same = diffPlans(base, structuredClone(base));
    expect(renderDiffText(same)).toBe(
      "Plan diff of stack t (offline plans): no changes: the same resources, IAM and routing.\n",
    );
    expect(renderDiffMarkdown(same)).toBe(
      "### Plan diff: stack `t` (offline plans)\n\nNo changes: the same resources, IAM and routing.\n",
    );
  });

  it("keeps backticks and pipes from breaking the Markdown", () => {
    expect(code("a`b")).toBe("``a`b``");
    expect(code("`x")).toBe("`` `x ``");
    const odd = diffPlans(planOf([], routing("x")), planOf([], { ...routing("x"), defaultBlobBaseUrl: "https://a|b" }));
    expect(renderDiffMarkdown(odd)).toContain(
      "| every client no mirror claims | `https://cdn.example.dev` | `https://a\\|b` |",
    );
  });

  it("renders routing alone, with no resource changing, as text", () => {
    const moved = diffPlans(planOf([], routing("b-us-east-2")), planOf([], routing("b2-us-east-2")));
    expect(renderDiffText(moved)).toContain(
      "Blob routing (1)\n  aws us-east-2: https://b-us-east-2 -> https://b2-us-east-2\n",
    );
  });
});
