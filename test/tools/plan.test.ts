import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, runCli } from "./run-cli";

const plan = (...args: string[]) => runCli("tools/plan.ts", args);

describe("npm run plan", () => {
  it("checked-in plan files match the program (else: npm run plan:update), whatever the locale", () => {
    // Danish collation sorts "aa" after "z": the plan must not depend on it.
    const result = runCli("tools/plan.ts", ["--check"], { env: { LANG: "da_DK.UTF-8", LC_ALL: "da_DK.UTF-8" } });
    expect(result.stderr).not.toContain("stale");
    expect(result.status).toBe(0);
  }, 60_000);

  it("--format json prints exactly one JSON document in the documented shape, byte-identical run to run", () => {
    const first = plan("--stack", "sandbox", "--format", "json");
    const second = plan("--stack", "sandbox", "--format", "json");
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(second.stdout);
    const doc = JSON.parse(first.stdout);
    expect(Object.keys(doc)).toEqual(["stack", "resources", "outputs"]);
    expect(doc.stack).toBe("sandbox");
    expect(doc.outputs.domain).toBe("registry-sandbox.k8s.io");
    for (const r of doc.resources) {
      expect(Object.keys(r)).toEqual(["type", "name", "parent", "inputs", "options"]);
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
    expect(text).toMatch(/^ {2}total +\d+ +(\d+) +0$/m);
    const sandbox = plan("--stack", "sandbox").stdout;
    expect(sandbox).toMatch(/^ {2}total +\d+ +0 +[1-9]\d*$/m);
  }, 60_000);

  it("--format markdown is what plan/sandbox.md holds, with the routing diagram", () => {
    const result = plan("--stack", "sandbox", "--format", "markdown");
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(readFileSync(join(ROOT, "plan/sandbox.md"), "utf8"));
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

  it("refuses unknown flags and formats with usage and exit 2", () => {
    for (const args of [["--stack", "prod", "--format", "xml"], ["--stak", "prod"], []]) {
      const result = plan(...args);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("usage: npm run plan");
    }
  }, 60_000);
});
