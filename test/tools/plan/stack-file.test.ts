import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readStackFile } from "../../../tools/plan/stack-file";

function write(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "stack-")), name);
  writeFileSync(path, text);
  return path;
}

describe("readStackFile", () => {
  it("flattens config the way the engine passes it: objects as JSON, secrets hidden", () => {
    const path = write(
      "Pulumi.dev.yaml",
      "config:\n  registry:domain: r.example.dev\n  registry:dns:\n    zone: example.dev\n  cloudflare:apiToken:\n    secure: v1:abc\n  registry:n: 5\n",
    );
    expect(readStackFile(path)).toEqual({
      stack: "dev",
      path,
      config: {
        "registry:domain": "r.example.dev",
        "registry:dns": '{"zone":"example.dev"}',
        "cloudflare:apiToken": "[secret]",
        "registry:n": "5",
      },
    });
  });

  it("names the stack after the file and insists on the Pulumi.<stack>.yaml form", () => {
    expect(() => readStackFile(write("prod.yaml", "config: {}\n"))).toThrow(
      "a stack file is named Pulumi.<stack>.yaml",
    );
  });

  it("reports keys without a namespace and broken YAML with the file name", () => {
    const noNs = write("Pulumi.a.yaml", "config:\n  domain: x\n");
    expect(() => readStackFile(noNs)).toThrow(`${noNs}: config key "domain" needs a namespace (e.g. registry:domain)`);
    const broken = write("Pulumi.b.yaml", "config:\n  registry:x: [\n");
    expect(() => readStackFile(broken)).toThrow(broken);
  });
});
