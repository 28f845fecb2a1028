import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PREVIEW } from "./plan/preview-fixture";
import { ROOT, runCli } from "./run-cli";

const plan = (...args: string[]) => runCli("tools/plan.ts", args);

/** The sandbox's plan JSON, computed once for the tests that read or diff it. */
let sandbox: { status: number | null; stdout: string };
let sandboxJson: string;
beforeAll(() => {
  sandbox = plan("--stack", "sandbox", "--format", "json");
  sandboxJson = join(mkdtempSync(join(tmpdir(), "plan-")), "sandbox.json");
  writeFileSync(sandboxJson, sandbox.stdout);
}, 60_000);

describe("npm run plan", () => {
  it("--format json prints exactly one JSON document in the documented shape, byte-identical run to run, whatever the locale", () => {
    // Danish collation sorts "aa" after "z": the plan must not depend on it.
    const second = runCli("tools/plan.ts", ["--stack", "sandbox", "--format", "json"], {
      env: { LANG: "da_DK.UTF-8", LC_ALL: "da_DK.UTF-8" },
    });
    expect(sandbox.status).toBe(0);
    expect(second.stdout).toBe(sandbox.stdout);
    const doc = JSON.parse(sandbox.stdout);
    expect(Object.keys(doc)).toEqual(["stack", "resources", "outputs"]);
    expect(doc.stack).toBe("sandbox");
    expect(doc.outputs.domain).toBe("registry-sandbox.k8s.io");
    for (const r of doc.resources) {
      expect(Object.keys(r)).toEqual(["type", "name", "custom", "parent", "inputs", "options"]);
      // `aliases` only where a resource (or its provider's SDK) declares some.
      expect(Object.keys(r.options).filter((k) => k !== "aliases")).toEqual([
        "protect",
        "retainOnDelete",
        "provider",
        "dependsOn",
        "import",
      ]);
      expect(r.type).toMatch(/^[\w-]+:[\w/-]*:\w+$/);
    }
    const bucket = doc.resources.find((r: { name: string }) => r.name === "sandbox-registry-k8s-io-us-east-2");
    expect(bucket.options.aliases).toEqual([
      "urn:pulumi:sandbox::registry::registry:aws:S3Donor$registry:aws:BlobMirrors$aws:s3/bucketV2:BucketV2::sandbox-registry-k8s-io-us-east-2",
    ]);
  }, 60_000);

  it("--format json records what prod adopts: each resource's import ID, or null", () => {
    const doc = JSON.parse(plan("--stack", "prod", "--format", "json").stdout);
    const imported = doc.resources.filter((r: { options: { import: string | null } }) => r.options.import);
    expect(imported.length).toBeGreaterThan(300);
    const bucket = doc.resources.find((r: { name: string }) => r.name === "prod-registry-k8s-io-ap-south-2");
    expect(bucket.options.import).toBe("prod-registry-k8s-io-ap-south-2@ap-south-2");
  }, 60_000);

  it("--format text counts adopt and create in its summary", () => {
    const text = plan("--stack", "prod").stdout;
    expect(text).toMatch(/^ {2}cloud +region +resources +adopt +create$/m);
    // Prod adopts the live registry; what it creates is the monitoring (test/infra/adoption.test.ts).
    expect(text).toMatch(/^ {2}total +\d+ +[1-9]\d{2} +\d+$/m);
    const sandbox = plan("--stack", "sandbox").stdout;
    expect(sandbox).toMatch(/^ {2}total +\d+ +0 +[1-9]\d*$/m);
  }, 60_000);

  it("--format markdown renders the whole plan, with the routing diagram", () => {
    const result = plan("--stack", "sandbox", "--format", "markdown");
    expect(result.status).toBe(0);
    expect(result.stdout.startsWith("# Plan: stack `sandbox`\n")).toBe(true);
    expect(result.stdout).toContain("#### `sandbox-registry-k8s-io-us-east-2` (aws:s3/bucket:Bucket)");
    expect(result.stdout).toContain("```mermaid");
    expect(result.stdout).toMatch(/c_aws_ap_northeast_3\["aws ap-northeast-3"\] --> m\d/);
  }, 60_000);

  it("--stack-file plans any stack file, named after it", () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-"));
    const file = join(dir, "Pulumi.copy.yaml");
    writeFileSync(file, readFileSync(join(ROOT, "Pulumi.sandbox.yaml")));
    const result = plan("--stack-file", file, "--format", "text");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Stack copy: \d+ resources/);
    expect(result.stdout).toContain("Summary");
  }, 60_000);

  it("a bad config prints every problem and exits 1, without a stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-"));
    const file = join(dir, "Pulumi.bad.yaml");
    const yaml = readFileSync(join(ROOT, "Pulumi.sandbox.yaml"), "utf8")
      .replace("[us-east-2, eu-central-1, ap-northeast-1]", "[us-east-2, eu-centrl-1, ap-northeast-1]")
      .replace("maxInstances: 3", "maxInstances: 3\n    minInstances: 1");
    writeFileSync(file, yaml);
    const result = plan("--stack-file", file);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      [
        "invalid registry config (2 problems):",
        '  registry:redirector.minInstances: unknown key (did you mean "registry:redirector.maxInstances"?)',
        '  registry:backends[0].regions[1]: "eu-centrl-1" is not an AWS region (did you mean "eu-central-1"?)',
        "",
      ].join("\n"),
    );
  }, 60_000);

  it("a stack file that is not one (broken YAML, wrong name) is reported in one message, exit 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-"));
    const broken = join(dir, "Pulumi.broken.yaml");
    writeFileSync(broken, "config:\n  registry:x: [\n");
    const wrongName = join(dir, "prod.yaml");
    writeFileSync(wrongName, "config: {}\n");
    for (const [file, message] of [
      [broken, `${broken}: Flow sequence in block collection must be sufficiently indented`],
      [wrongName, `${wrongName}: a stack file is named Pulumi.<stack>.yaml`],
    ] as const) {
      const result = plan("--stack-file", file);
      expect(result.status).toBe(1);
      expect(result.stderr.startsWith(message)).toBe(true);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
  }, 60_000);

  it("--diff of a plan with itself, or with the stack file it came from, is empty and says so", () => {
    const same = plan("--diff", sandboxJson, sandboxJson);
    expect([same.status, same.stdout]).toEqual([
      0,
      "Plan diff of stack sandbox (offline plans): no changes: the same resources, IAM and routing.\n",
    ]);
    const fromFile = plan("--diff", join(ROOT, "Pulumi.sandbox.yaml"), sandboxJson, "--format", "json");
    expect(fromFile.status).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toEqual({
      summary: { create: 0, update: 0, delete: 0, replace: 0, import: 0 },
      flags: [],
      changes: [],
      iam: [],
      routing: [],
      upstreams: [],
    });
  }, 60_000);

  it("--diff refuses what is neither a stack file nor a plan JSON, and plans of two stacks, in one line, exit 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-"));
    const notPlan = join(dir, "package.json");
    writeFileSync(notPlan, readFileSync(join(ROOT, "package.json")));
    const broken = join(dir, "broken.json");
    writeFileSync(broken, JSON.stringify({ stack: "sandbox", resources: [{ type: "x" }], outputs: {} }));
    const prod = join(dir, "prod.json");
    writeFileSync(prod, JSON.stringify({ stack: "prod", resources: [], outputs: {} }));
    const missing = join(dir, "nothing.json");
    for (const [args, message] of [
      [
        [notPlan, sandboxJson],
        `${notPlan}: neither a stack file (Pulumi.<stack>.yaml) nor a plan JSON (npm run plan -- --format json)`,
      ],
      [
        [sandboxJson, broken],
        `${broken}: not a valid plan JSON: resources[0].name: Invalid input: expected string, received undefined (and 3 more)`,
      ],
      [[sandboxJson, missing], `${missing}: no such file`],
      [
        [prod, sandboxJson],
        'cannot diff stack "prod" against stack "sandbox": a plan diff compares two versions of one stack (copy a stack file under its own name, Pulumi.prod.yaml, into another directory to compare a variant)',
      ],
    ] as const) {
      const result = plan("--diff", ...args);
      expect([result.status, result.stdout, result.stderr]).toEqual([1, "", `${message}\n`]);
    }
  }, 60_000);

  it("--preview renders a pulumi preview --json document, and refuses a file that is not one in one line", () => {
    const dir = mkdtempSync(join(tmpdir(), "preview-"));
    const file = join(dir, "preview.json");
    writeFileSync(file, JSON.stringify(PREVIEW));
    const ok = plan("--preview", file, "--format", "json");
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).summary).toEqual({ create: 0, update: 3, delete: 2, replace: 1, import: 1 });
    writeFileSync(file, JSON.stringify({ stack: "prod", resources: [], outputs: {} }));
    const bad = plan("--preview", file);
    expect([bad.status, bad.stderr]).toEqual([
      1,
      `${file}: not a \`pulumi preview --json\` document (no "steps" or "changeSummary")\n`,
    ]);
  }, 60_000);

  it("refuses unknown flags and formats with usage and exit 2", () => {
    for (const args of [["--stack", "prod", "--format", "xml"], ["--stak", "prod"], [], ["--diff", "a.json"]]) {
      const result = plan(...args);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("usage: npm run plan");
    }
  }, 60_000);
});
