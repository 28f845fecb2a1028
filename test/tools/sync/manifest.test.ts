import { ACCEPT, MEDIA_TYPES, parseManifest } from "../../../tools/sync/manifest";

const d = (c: string) => `sha256:${c.repeat(64)}`;
const desc = (c: string, size: number, mediaType?: string) => ({
  digest: d(c),
  size,
  ...(mediaType ? { mediaType } : {}),
});

describe("parseManifest", () => {
  it.each([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList])("an index (%s) names its child manifests", (type) => {
    const body = JSON.stringify({ schemaVersion: 2, mediaType: type, manifests: [desc("1", 500), desc("2", 501)] });
    expect(parseManifest(type, body)).toEqual({ kind: "index", manifests: [desc("1", 500), desc("2", 501)] });
  });

  it.each([
    [MEDIA_TYPES.ociManifest, "application/vnd.oci.image.layer.v1.tar+gzip"],
    [MEDIA_TYPES.dockerManifest, "application/vnd.docker.image.rootfs.diff.tar.gzip"],
  ])("an image (%s) needs its config and layers", (type, layerType) => {
    const body = JSON.stringify({
      config: desc("c", 10),
      layers: [desc("1", 100, layerType), desc("2", 200, layerType)],
    });
    expect(parseManifest(`${type}; charset=utf-8`, body)).toEqual({
      kind: "image",
      blobs: [desc("c", 10), desc("1", 100, layerType), desc("2", 200, layerType)],
      foreign: [],
    });
  });

  it("leaves out non-distributable (foreign) layers, and says so", () => {
    const foreign = desc("f", 300, "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip");
    const body = JSON.stringify({ config: desc("c", 10), layers: [foreign, desc("1", 100)] });
    expect(parseManifest(MEDIA_TYPES.dockerManifest, body)).toEqual({
      kind: "image",
      blobs: [desc("c", 10), desc("1", 100)],
      foreign: [foreign],
    });
  });

  it("falls back to the body's mediaType when the response has no useful Content-Type", () => {
    const body = JSON.stringify({ mediaType: MEDIA_TYPES.ociIndex, manifests: [] });
    expect(parseManifest(undefined, body)).toEqual({ kind: "index", manifests: [] });
  });

  it("reads schema 1 layers by digest, sizes unknown", () => {
    const body = JSON.stringify({ schemaVersion: 1, fsLayers: [{ blobSum: d("1") }, { blobSum: d("2") }] });
    expect(parseManifest(MEDIA_TYPES.dockerV1Signed, body)).toEqual({
      kind: "image",
      blobs: [
        { digest: d("1"), size: -1 },
        { digest: d("2"), size: -1 },
      ],
      foreign: [],
    });
  });

  it.each([
    [
      "application/vnd.oci.artifact.manifest.v1+json",
      "{}",
      'unsupported manifest media type "application/vnd.oci.artifact',
    ],
    [MEDIA_TYPES.ociManifest, "not json", "manifest is not JSON"],
    [MEDIA_TYPES.ociManifest, JSON.stringify({ config: { digest: "md5:x", size: 1 }, layers: [] }), "config: digest"],
    [MEDIA_TYPES.ociManifest, JSON.stringify({ config: desc("c", -1), layers: [] }), "config: size -1"],
    [MEDIA_TYPES.ociIndex, JSON.stringify({ manifests: {} }), "manifests is not a list"],
  ])("refuses what it cannot read (%s)", (type, body, message) => {
    expect(() => parseManifest(type, body)).toThrow(message);
  });

  it("asks for every type it reads", () => {
    for (const type of Object.values(MEDIA_TYPES)) expect(ACCEPT).toContain(type);
  });
});
