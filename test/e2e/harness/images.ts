/**
 * Small synthetic images, written as OCI layouts and pushed with skopeo: one multi-platform
 * index (like the real pause tags) and one single-platform image pushed as Docker schema 2.
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { run } from "./processes";

export interface Blob {
  digest: string;
  size: number;
  bytes: Buffer;
}

export interface Layout {
  dir: string;
  /** Every blob written (configs and layers), by digest. */
  blobs: Map<string, Blob>;
  /** tag -> digest of its top manifest (index or image) in the layout. */
  tags: Map<string, string>;
}

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

function addBlob(layout: Layout, bytes: Buffer): Blob {
  const blob = { digest: sha(bytes), size: bytes.length, bytes };
  writeFileSync(join(layout.dir, "blobs", "sha256", blob.digest.slice(7)), bytes);
  layout.blobs.set(blob.digest, blob);
  return blob;
}

/** A gzipped tar holding one file, made by the system tar (only its bytes matter here). */
function layer(dir: string, name: string, content: Buffer): Buffer {
  const work = join(dir, "..", `layer-src-${name}`);
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, name), content);
  const tar = spawnSync("tar", ["-c", "-C", work, "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", name], {
    maxBuffer: 1024 ** 3,
  });
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  return gzipSync(tar.stdout);
}

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const descriptor = (mediaType: string, b: Blob) => ({ mediaType, digest: b.digest, size: b.size });

function image(layout: Layout, arch: string, layers: Buffer[]): { manifest: Blob; platform: object } {
  const platform = { architecture: arch, os: "linux" };
  const layerBlobs = layers.map((l) => addBlob(layout, l));
  const config = addBlob(
    layout,
    Buffer.from(
      JSON.stringify({
        ...platform,
        config: { Entrypoint: ["/pause"] },
        rootfs: {
          type: "layers",
          // diff_ids are the uncompressed digests; skopeo does not check them, but keep them honest.
          diff_ids: layers.map((l) => sha(gunzipSync(l))),
        },
      }),
    ),
  );
  const manifest = addBlob(
    layout,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: descriptor("application/vnd.oci.image.config.v1+json", config),
        layers: layerBlobs.map((b) => descriptor("application/vnd.oci.image.layer.v1.tar+gzip", b)),
      }),
    ),
  );
  return { manifest, platform };
}

/**
 * Writes the layout: `pause:3.9`, an index of linux/amd64 and linux/arm64 sharing a base
 * layer; and `etcd:3.5`, one image with a larger, incompressible layer. Contents are
 * random per call, so every suite has its own digests.
 */
export function buildLayout(dir: string, options: { bigLayerBytes?: number } = {}): Layout {
  const layout: Layout = { dir, blobs: new Map(), tags: new Map() };
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const base = layer(dir, "base", randomBytes(4096));
  const amd64 = image(layout, "amd64", [base, layer(dir, "pause-amd64", randomBytes(8192))]);
  const arm64 = image(layout, "arm64", [base, layer(dir, "pause-arm64", randomBytes(8192))]);
  const index = addBlob(
    layout,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [amd64, arm64].map((m) => ({ ...descriptor(OCI_MANIFEST, m.manifest), platform: m.platform })),
      }),
    ),
  );
  // The index and image manifests are blobs of the layout, not of the registry: keep them apart.
  layout.blobs.delete(index.digest);
  layout.blobs.delete(amd64.manifest.digest);
  layout.blobs.delete(arm64.manifest.digest);
  const etcd = image(layout, "amd64", [
    layer(dir, "etcd-data", randomBytes(options.bigLayerBytes ?? 256 * 1024)),
    layer(dir, "etcd-bin", randomBytes(16384)),
  ]);
  layout.blobs.delete(etcd.manifest.digest);
  const ref = (tag: string, b: Blob, mediaType: string) => ({
    ...descriptor(mediaType, b),
    annotations: { "org.opencontainers.image.ref.name": tag },
  });
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [ref("3.9", index, OCI_INDEX), ref("3.5", etcd.manifest, OCI_MANIFEST)],
    }),
  );
  layout.tags.set("pause:3.9", index.digest);
  layout.tags.set("etcd:3.5", etcd.manifest.digest);
  return layout;
}

/** skopeo, with a policy and registries.conf of our own so the host's config plays no part. */
export function skopeo(dir: string, args: string[]) {
  const policy = join(dir, "policy.json");
  const conf = join(dir, "registries.conf");
  writeFileSync(policy, JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
  writeFileSync(conf, "");
  return run("skopeo", ["--policy", policy, ...args], { CONTAINERS_REGISTRIES_CONF: conf });
}

/**
 * Pushes a layout tag to `registry/<repository>`; returns the manifest digest the registry
 * now serves. `format` converts (v2s2: Docker schema 2), else digests are preserved.
 */
export async function push(
  layout: Layout,
  tag: string,
  destination: string,
  options: { format?: "v2s2" } = {},
): Promise<string> {
  const digestFile = join(layout.dir, "..", `pushed-${tag.replace(/\W/g, "_")}`);
  const args = ["copy", "--all", "--dest-tls-verify=false", "--digestfile", digestFile];
  args.push(...(options.format ? ["--format", options.format] : ["--preserve-digests"]));
  const result = await skopeo(layout.dir, [
    ...args,
    `oci:${layout.dir}:${tag.split(":")[1]}`,
    `docker://${destination}`,
  ]);
  if (result.status !== 0) throw new Error(`skopeo push of ${tag} failed: ${result.stderr}`);
  return readFileSync(digestFile, "utf8").trim();
}

export interface Pushed {
  layout: Layout;
  /** `repository:tag` (under the prefix) -> manifest digest the registry serves. */
  digests: Map<string, string>;
  /** Every blob the registry holds for these images, by digest. */
  blobs: Map<string, Blob>;
  /** Digests of the blobs each tag needs. */
  needs: Map<string, Set<string>>;
  /** The index's per-platform image manifests (digest -> the blobs it needs). */
  platforms: Map<string, Set<string>>;
}

async function getJson(
  url: string,
  accept: string,
): Promise<{ config: { digest: string }; layers: { digest: string }[] }> {
  const res = await fetch(url, { headers: { accept } });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return res.json() as Promise<{ config: { digest: string }; layers: { digest: string }[] }>;
}

/**
 * Builds the layout and pushes `pause:3.9` (OCI index, digests preserved) and `etcd:3.5`
 * (converted to Docker schema 2, which rewrites its config blob) under `<registry>/<prefix>`.
 */
export async function pushFixtures(
  dir: string,
  registryUrl: string,
  prefix: string,
  options: { bigLayerBytes?: number } = {},
): Promise<Pushed> {
  const layout = buildLayout(join(dir, "layout"), options);
  const host = `${new URL(registryUrl).host}/${prefix}`;
  const digests = new Map<string, string>();
  digests.set("pause:3.9", await push(layout, "pause:3.9", `${host}/pause:3.9`));
  digests.set("etcd:3.5", await push(layout, "etcd:3.5", `${host}/etcd:3.5`, { format: "v2s2" }));

  const manifestOf = (digest: string) =>
    JSON.parse(readFileSync(join(layout.dir, "blobs", "sha256", digest.slice(7)), "utf8")) as {
      manifests?: { digest: string }[];
      config: { digest: string };
      layers: { digest: string }[];
    };
  const blobsOf = (m: { config: { digest: string }; layers: { digest: string }[] }) =>
    new Set([m.config.digest, ...m.layers.map((l) => l.digest)]);
  const platforms = new Map(
    (manifestOf(layout.tags.get("pause:3.9") ?? "").manifests ?? []).map((m) => [
      m.digest,
      blobsOf(manifestOf(m.digest)),
    ]),
  );
  const etcd = await getJson(
    `${registryUrl}/v2/${prefix}/etcd/manifests/3.5`,
    "application/vnd.docker.distribution.manifest.v2+json",
  );
  const needs = new Map([
    ["pause:3.9", new Set([...platforms.values()].flatMap((s) => [...s]))],
    ["etcd:3.5", blobsOf(etcd)],
  ]);
  const blobs = new Map<string, Blob>();
  for (const digest of new Set([...needs.values()].flatMap((s) => [...s]))) {
    const known = layout.blobs.get(digest);
    if (known) blobs.set(digest, known);
    else {
      // The converted config exists only in the registry.
      const bytes = Buffer.from(await (await fetch(`${registryUrl}/v2/${prefix}/etcd/blobs/${digest}`)).arrayBuffer());
      blobs.set(digest, { digest, size: bytes.length, bytes });
    }
  }
  return { layout, digests, blobs, needs, platforms };
}
