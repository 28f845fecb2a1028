/**
 * The sync's container image, checked without a Docker engine: the esbuild bundle the
 * Dockerfile builds runs on its own (no node_modules beside it), and the Dockerfile, its
 * build context and the npm script agree on what goes in.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");
const dockerfile = readFileSync(join(ROOT, "tools/sync/Dockerfile"), "utf8");
const script = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
  .scripts["build:sync"] as string;

let dir: string;
let bundle: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sync-bundle-"));
  bundle = join(dir, "sync.js");
  // The npm script's own command, pointed at a temp file.
  const args = script
    .split(" ")
    .slice(1)
    .filter((a) => !a.startsWith("--outfile="));
  // node_modules/.bin/esbuild: the native binary, or (installed without scripts) its node shim.
  const built = spawnSync(join(ROOT, "node_modules/.bin/esbuild"), [...args, `--outfile=${bundle}`], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env },
  });
  expect(built.stderr).toBe("");
  expect(built.status).toBe(0);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runBundle = (args: string[]) =>
  spawnSync(process.execPath, [bundle, ...args], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH } });

it("the bundle runs alone, as the image's entrypoint: help, and usage errors with exit 2", () => {
  const help = runBundle(["--help"]);
  expect(help.status).toBe(0);
  expect(help.stdout).toContain("--shard I/N");
  const bad = runBundle(["--source", "h/p", "--bucket", "b", "--progress-interval", "3000000"]);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain("--progress-interval must be a number from 1 to 86400 (seconds)");
});

it("the Dockerfile copies what the npm script builds, runs it unprivileged, and its context holds the sources", () => {
  expect(script).toContain("tools/sync.ts --bundle --platform=node --target=node24 --outfile=dist/sync.js");
  expect(dockerfile).toMatch(/^RUN npm run build:sync$/m);
  expect(dockerfile).toMatch(/^COPY --from=build \/src\/dist\/sync\.js \.\/sync\.js$/m);
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "sync\.js"\]$/m);
  expect(dockerfile.match(/^FROM node:24\S*/gm)).toHaveLength(2);
  const allowed = readFileSync(join(ROOT, "tools/sync/Dockerfile.dockerignore"), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("!"))
    .map((l) => l.slice(1).replace(/\/\*\*$/, ""));
  const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => (m[1] as string).split(" "));
  expect(copied.sort()).toEqual(allowed.sort());
});
