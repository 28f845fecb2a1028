/**
 * The scripts the workflows run: `.ci/plan-diff` in a throwaway repository made of this one
 * (base = its commit, head = an edit in its working tree), and `.ci/preview-comment` with a
 * stand-in `pulumi` (no Pulumi CLI or cloud here) that answers with a preview document.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PREVIEW } from "../tools/plan/preview-fixture";
import { ROOT } from "../tools/run-cli";

function bash(script: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const r = spawnSync("bash", [script, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: "utf8",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe(".ci/plan-diff", () => {
  let repo: string;
  let base: string;
  let out: string;
  let run: ReturnType<typeof bash>;
  beforeAll(() => {
    // This repository's files as they are, committed in a repository of their own.
    repo = mkdtempSync(join(tmpdir(), "plan-diff-repo-"));
    const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: ROOT })
      .toString("utf8")
      .split("\0")
      .filter(Boolean);
    const archive = execFileSync("tar", ["-cf", "-", "--null", "-T", "-"], {
      cwd: ROOT,
      input: files.join("\0"),
      maxBuffer: 256 * 1024 * 1024,
    });
    execFileSync("tar", ["-xf", "-"], { cwd: repo, input: archive });
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.dev", ...args], { cwd: repo });
    git("init", "-q");
    git("add", "-A");
    git("commit", "-q", "-m", "base");
    base = git("rev-parse", "--short", "HEAD").toString("utf8").trim();
    // After the commit: .gitignore's `node_modules/` does not match a symlink.
    symlinkSync(join(ROOT, "node_modules"), join(repo, "node_modules"));
    // The pull request: a higher Cloud Armor limit in sandbox, and a new stack that is broken.
    const stack = join(repo, "Pulumi.sandbox.yaml");
    writeFileSync(stack, `${readFileSync(stack, "utf8")}  registry:armor:\n    rateLimit:\n      count: 9000\n`);
    writeFileSync(join(repo, "Pulumi.broken.yaml"), "config:\n  registry:domain: [\n");
    out = join(mkdtempSync(join(tmpdir(), "plan-diff-out-")), "out");
    run = bash(join(repo, ".ci/plan-diff"), ["HEAD", out], { cwd: repo, env: { STACKS: "broken sandbox" } });
  }, 180_000);

  // The copy, not what its node_modules link points at: rm does not follow links.
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it("diffs the base commit's plan, from its own config, against the working tree's", () => {
    expect(run.status).toBe(1); // the broken stack's head plan, below
    const md = readFileSync(join(out, "sandbox.md"), "utf8");
    expect(md.split("\n").slice(0, 5)).toEqual([
      `<sub>Base \`${base}\` against this pull request, each plan from its own program and config (\`npm run plan\`, no credentials).</sub>`,
      "",
      "### Plan diff: stack `sandbox` (offline plans)",
      "",
      "0 to create · **1 to update** · 0 to delete · 0 to replace · 0 to import",
    ]);
    expect(md).toContain("`rules[priority=2147483647].rateLimitOptions.rateLimitThreshold.count`: `5000` → `9000`");
    expect(JSON.parse(readFileSync(join(out, "sandbox.json"), "utf8")).summary).toEqual({
      create: 0,
      update: 1,
      delete: 0,
      replace: 0,
      import: 0,
    });
  });

  it("reports a plan that fails in its stack's comment, and fails when it is the pull request's", () => {
    const md = readFileSync(join(out, "broken.md"), "utf8");
    expect(md).toContain("### Plan diff: stack `broken`\n\nThe plan of this pull request failed:\n\n````text\n");
    expect(md).toContain("Pulumi.broken.yaml: Flow sequence in block collection must be sufficiently indented");
    expect(existsSync(join(out, "broken.json"))).toBe(false);
  });
});

describe(".ci/preview-comment", () => {
  /**
   * A `pulumi` that records its arguments, answers `--json` with the preview document and
   * anything else with `plain` (as a plain preview would print), and exits with `status`.
   */
  function fakePulumi(status: number, plain = ""): string {
    const bin = mkdtempSync(join(tmpdir(), "fake-pulumi-"));
    writeFileSync(join(bin, "preview.json"), JSON.stringify(PREVIEW));
    writeFileSync(join(bin, "plain.txt"), plain);
    mkdirSync(join(bin, "bin"));
    const script = join(bin, "bin", "pulumi");
    writeFileSync(
      script,
      [
        "#!/usr/bin/env bash",
        `echo "$@" >> ${bin}/args`,
        `case " $* " in *" --json "*) cat ${bin}/preview.json;; *) cat ${bin}/plain.txt;; esac`,
        `exit ${status}`,
        "",
      ].join("\n"),
    );
    chmodSync(script, 0o755);
    return bin;
  }

  it("runs the preview as JSON with the stack's policy config and writes its rendering", () => {
    const bin = fakePulumi(0);
    const out = join(bin, "out");
    const r = bash(join(ROOT, ".ci/preview-comment"), ["prod", out], {
      cwd: ROOT,
      env: { PATH: `${join(bin, "bin")}:${process.env.PATH}` },
    });
    expect(r.status).toBe(0);
    expect(readFileSync(join(bin, "args"), "utf8")).toBe(
      "preview --stack prod --non-interactive --policy-pack policy --policy-pack-config policy/config/prod.json --json\n",
    );
    const md = readFileSync(join(out, "prod.md"), "utf8");
    expect(md.startsWith("### Plan diff: stack `prod` (pulumi preview)\n")).toBe(true);
    expect(md).toContain("**1 to replace**");
    expect(md).not.toContain("failed");
  }, 60_000);

  it("keeps a failed preview's rendering and adds the end of its errors, with its exit status", () => {
    const plain = [
      "Policy Violations:",
      "    [mandatory]  registry-guardrails v0.1.0  s3-tls-only (aws:s3/bucketPolicy:BucketPolicy: x-policy)",
      "error: preview failed",
    ].join("\n");
    const bin = fakePulumi(255, plain);
    const out = join(bin, "out");
    const r = bash(join(ROOT, ".ci/preview-comment"), ["sandbox", out], {
      cwd: ROOT,
      env: { PATH: `${join(bin, "bin")}:${process.env.PATH}` },
    });
    expect(r.status).toBe(255);
    const md = readFileSync(join(out, "sandbox.md"), "utf8");
    expect(md).toContain("**1 to replace**");
    expect(md).toContain(
      `**\`pulumi preview\` failed** (exit 255). The end of its plain output (policy violations, errors):\n\n\`\`\`\`text\n${plain}\n\`\`\`\`\n`,
    );
    // The JSON leaves policy violations out: a plain preview says them.
    expect(readFileSync(join(bin, "args"), "utf8").split("\n")[1]).toBe(
      "preview --stack sandbox --non-interactive --policy-pack policy --policy-pack-config policy/config/sandbox.json --diff --color never",
    );
  }, 60_000);
});
