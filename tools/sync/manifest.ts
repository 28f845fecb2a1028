/**
 * What a manifest says, for the sync: an index names child manifests, an image names the
 * blobs (config and layers) a mirror must hold.
 */
import { DIGEST } from "./reference";

export const MEDIA_TYPES = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerV1: "application/vnd.docker.distribution.manifest.v1+json",
  dockerV1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
} as const;

/** Sent as `Accept` so the registry returns each manifest as stored, never converted. */
export const ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerList,
  MEDIA_TYPES.dockerManifest,
  MEDIA_TYPES.dockerV1Signed,
  MEDIA_TYPES.dockerV1,
].join(", ");

/**
 * Layers that registries usually do not hold (Windows base layers): clients fetch them from
 * the descriptor's `urls`, so a mirror has no use for them.
 */
const NON_DISTRIBUTABLE = [
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
];

export interface Descriptor {
  digest: string;
  /** Bytes; -1 when the manifest format does not say (schema 1). */
  size: number;
  mediaType?: string;
}

export type Parsed =
  | { kind: "index"; manifests: Descriptor[] }
  | { kind: "image"; blobs: Descriptor[]; foreign: Descriptor[] };

function digestOf(value: unknown, where: string): string {
  if (typeof value !== "string" || !DIGEST.test(value)) {
    throw new Error(`${where}: digest ${JSON.stringify(value)} is not sha256:<64 hex>`);
  }
  return value;
}

function descriptor(value: unknown, where: string): Descriptor {
  const d = (value ?? {}) as { digest?: unknown; size?: unknown; mediaType?: unknown };
  const digest = digestOf(d.digest, where);
  if (typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new Error(`${where}: size ${JSON.stringify(d.size)} is not a byte count`);
  }
  return { digest, size: d.size, ...(typeof d.mediaType === "string" ? { mediaType: d.mediaType } : {}) };
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${where} is not a list`);
  return value;
}

/**
 * Parses a manifest body. The media type comes from the response's Content-Type, falling
 * back to the body's own `mediaType` (OCI manifests may omit it; registries still label
 * them). Anything else is an error: the sync must not silently skip content it cannot read.
 */
export function parseManifest(contentType: string | undefined, body: string): Parsed {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new Error("manifest is not JSON");
  }
  const declared = typeof doc.mediaType === "string" ? doc.mediaType : undefined;
  const type = contentType?.split(";")[0]?.trim() || declared;
  switch (type) {
    case MEDIA_TYPES.ociIndex:
    case MEDIA_TYPES.dockerList:
      return {
        kind: "index",
        manifests: list(doc.manifests, "manifests").map((m, i) => descriptor(m, `manifests[${i}]`)),
      };
    case MEDIA_TYPES.ociManifest:
    case MEDIA_TYPES.dockerManifest: {
      const config = descriptor(doc.config, "config");
      const layers = list(doc.layers, "layers").map((l, i) => descriptor(l, `layers[${i}]`));
      const foreign = layers.filter((l) => NON_DISTRIBUTABLE.includes(l.mediaType ?? ""));
      return { kind: "image", blobs: [config, ...layers.filter((l) => !foreign.includes(l))], foreign };
    }
    case MEDIA_TYPES.dockerV1:
    case MEDIA_TYPES.dockerV1Signed: {
      // Schema 1 lists layers by digest only; the config is embedded, not a blob.
      const blobs = list(doc.fsLayers, "fsLayers").map((l, i) => ({
        digest: digestOf((l as { blobSum?: unknown } | null)?.blobSum, `fsLayers[${i}].blobSum`),
        size: -1,
      }));
      return { kind: "image", blobs, foreign: [] };
    }
    default:
      throw new Error(`unsupported manifest media type ${JSON.stringify(type ?? "(none)")}`);
  }
}
