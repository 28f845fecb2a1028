import { blobKey, parseImageArg, parseSource, repositoryName } from "../../../tools/sync/reference";

const digest = `sha256:${"a".repeat(64)}`;

describe("parseSource", () => {
  it("defaults to https and splits host from the repository prefix", () => {
    expect(parseSource("us-central1-docker.pkg.dev/k8s-artifacts-prod/images")).toEqual({
      origin: "https://us-central1-docker.pkg.dev",
      prefix: "k8s-artifacts-prod/images",
    });
  });

  it("keeps an explicit http scheme and port, and allows no prefix", () => {
    expect(parseSource("http://127.0.0.1:5000/k8s-artifacts-prod/images/")).toEqual({
      origin: "http://127.0.0.1:5000",
      prefix: "k8s-artifacts-prod/images",
    });
    expect(parseSource("registry.example")).toEqual({ origin: "https://registry.example", prefix: "" });
  });

  it.each([
    ["ftp://host/x", "only http(s)"],
    ["https://user:pw@host/x", "no query, fragment or credentials"],
    ["host/Images", "is not a repository path"],
    ["host/a//b", "is not a repository path"],
  ])("refuses %s", (value, message) => {
    expect(() => parseSource(value)).toThrow(message);
  });
});

describe("parseImageArg", () => {
  it("reads a repository, a tag or a digest", () => {
    expect(parseImageArg("pause")).toEqual({ repository: "pause" });
    expect(parseImageArg("sig-storage/csi-attacher:v4.0.0")).toEqual({
      repository: "sig-storage/csi-attacher",
      tag: "v4.0.0",
    });
    expect(parseImageArg(`pause@${digest}`)).toEqual({ repository: "pause", digest });
  });

  it.each(["Pause", "pause:", "pause@sha256:abc", "pause:-bad", "a//b"])("refuses %s", (value) => {
    expect(() => parseImageArg(value)).toThrow(`image "${value}"`);
  });
});

it("names repositories under the prefix and blobs under containers/images/", () => {
  expect(repositoryName({ origin: "https://h", prefix: "p/images" }, "pause")).toBe("p/images/pause");
  expect(repositoryName({ origin: "https://h", prefix: "" }, "pause")).toBe("pause");
  expect(blobKey(digest)).toBe(`containers/images/${digest}`);
});
