import { encodeSegment, parseRequestTarget, safeQuery } from "../../redirector/request-path";

const D = `sha256:${"0123456789abcdef".repeat(4)}`;
const SIG = `sha256-${"0123456789abcdef".repeat(4)}.sig`;

describe("parseRequestTarget", () => {
  it.each([
    ["/", "info"],
    ["/privacy", "privacy"],
    ["/healthz", "healthz"],
    ["/v2", "api-version"],
    ["/v2/", "api-version"],
    ["/v2/?x=1", "api-version"],
    ["/v2/_catalog", "catalog"],
  ])("%s is the %s page", (target, page) => {
    expect(parseRequestTarget(target)).toEqual({ kind: "page", page });
  });

  it.each(["/healthz/x", "/privacyfoo", "/v2foo", "/V2/", "/favicon.ico", "/v3/"])("%s is not found", (target) => {
    expect(parseRequestTarget(target)).toEqual({ kind: "not-found" });
  });

  it.each([
    ["/v2/pause/manifests/3.9", "manifests", "/pause/manifests/3.9"],
    ["/v2/a/b/c/manifests/latest", "manifests", "/a/b/c/manifests/latest"],
    ["/v2/pause/tags/list", "tags", "/pause/tags/list"],
    [`/v2/pause/referrers/${D}`, "referrers", `/pause/referrers/${D}`],
    ["/v2/pause/blobs/uploads/", "other", "/pause/blobs/uploads"],
    ["/v2/pause/blobs/sha256:", "other", "/pause/blobs/sha256:"],
    ["/v2/blobs/x", "other", "/blobs/x"],
    ["/v2/_catalog/", "other", "/_catalog"],
    // Empty segments collapse, as upstream's path.Clean does.
    ["/v2//pause//manifests/3.9/", "manifests", "/pause/manifests/3.9"],
  ])("%s is a %s request for %s", (target, api, path) => {
    expect(parseRequestTarget(target)).toMatchObject({ kind: "registry", api, path, query: "" });
  });

  it("recognises blobs by digest, decoded", () => {
    expect(parseRequestTarget(`/v2/pause/blobs/${D}`)).toMatchObject({ api: "blobs", digest: D });
    expect(parseRequestTarget(`/v2/pause/blobs/${D.replace(":", "%3A")}`)).toMatchObject({
      api: "blobs",
      digest: D,
      path: `/pause/blobs/${D}`,
    });
    expect(parseRequestTarget("/v2/p/blobs/SHA256:abc")).toMatchObject({ api: "other" });
  });

  it("takes only registered algorithms with their exact lengths as digests a mirror may hold", () => {
    const sha512 = `sha512:${"0123456789abcdef".repeat(8)}`;
    expect(parseRequestTarget(`/v2/p/blobs/${sha512}`)).toMatchObject({ api: "blobs", digest: sha512 });
    // Still blob requests by the OCI grammar (they go upstream), but no digest to look up.
    for (const other of [
      "sha256+b64u:abc_-=",
      `sha256:${"a".repeat(63)}`,
      `sha256:${"a".repeat(65)}`,
      `sha256:${"A".repeat(64)}`,
      `sha512:${"a".repeat(64)}`,
      `sha384:${"a".repeat(96)}`,
      `blake3:${"a".repeat(64)}`,
      `sha256:${"a".repeat(30_000)}`,
    ]) {
      const t = parseRequestTarget(`/v2/p/blobs/${other}`);
      expect(t).toMatchObject({ kind: "registry", api: "blobs" });
      expect(t).not.toHaveProperty("digest", expect.anything());
    }
  });

  it("marks cosign signature and attestation tags, exactly", () => {
    expect(parseRequestTarget(`/v2/pause/manifests/${SIG}`)).toMatchObject({ api: "manifests", signature: true });
    expect(parseRequestTarget(`/v2/pause/manifests/${SIG.replace(".sig", ".att")}`)).toMatchObject({ signature: true });
    for (const tag of [SIG.toUpperCase(), SIG.replace(".sig", ".sbom"), SIG.slice(1), `${SIG}x`]) {
      expect(parseRequestTarget(`/v2/pause/manifests/${tag}`)).toMatchObject({ signature: false });
    }
  });

  it("keeps the query, made header-safe", () => {
    expect(parseRequestTarget("/v2/pause/tags/list?n=10&last=3.9")).toMatchObject({ query: "n=10&last=3.9" });
    expect(parseRequestTarget(`/v2/p/referrers/${D}?artifactType=application%2Fvnd.x`)).toMatchObject({
      query: "artifactType=application%2Fvnd.x",
    });
    expect(parseRequestTarget("/v2/p/tags/list?a=\u00e9#f\\g%zz")).toMatchObject({ query: "a=%C3%A9%23f%5Cg%25zz" });
  });

  it("decodes %2F into a separator, as upstream does", () => {
    expect(parseRequestTarget("/v2/foo%2Fbar/manifests/x")).toMatchObject({ path: "/foo/bar/manifests/x" });
  });

  it("takes the path of an absolute-form target", () => {
    expect(parseRequestTarget("http://evil.example/v2/p/manifests/x?q=1")).toMatchObject({
      path: "/p/manifests/x",
      query: "q=1",
    });
    expect(parseRequestTarget("*")).toEqual({ kind: "invalid", reason: "request target is not a path" });
  });

  it.each([
    "/v2/../../foo/manifests/x",
    "/v2/pause/../../etc/passwd",
    "/v2/./pause/manifests/x",
    "/v2/pause/manifests/..",
    "/v2/%2e%2e/%2e%2e/x/manifests/y",
    "/v2/%2E%2e/x/manifests/y",
    "/v2/.%2e/x/manifests/y",
    "/v2/%2e/x/manifests/y",
    "/v2/a/..%2F..%2Fb/manifests/y",
    "/v2/a%2F..%2F..%2Fb/manifests/y",
    "/v2/pause/blobs/..%2F..%2Fsha256:abc",
    "/foo/../v2/",
    "/..",
  ])("refuses the dot segment in %s", (target) => {
    expect(parseRequestTarget(target)).toEqual({ kind: "invalid", reason: "dot segment in path" });
  });

  it("refuses control characters and bad escapes", () => {
    expect(parseRequestTarget("/v2/p/manifests/x%0d%0aSet-Cookie:%20a")).toEqual({
      kind: "invalid",
      reason: "control character in path",
    });
    expect(parseRequestTarget("/v2/p/manifests/%00")).toMatchObject({ reason: "control character in path" });
    expect(parseRequestTarget("/v2/p/manifests/%zz")).toMatchObject({ reason: "malformed percent-encoding in path" });
    expect(parseRequestTarget("/v2/p/manifests/%ff")).toMatchObject({ reason: "malformed percent-encoding in path" });
  });

  it("re-encodes what may not stand raw in a Location", () => {
    expect(parseRequestTarget("/v2/a%5C..%5Cb/manifests/x%20y%3F%23")).toMatchObject({
      path: "/a%5C..%5Cb/manifests/x%20y%3F%23",
    });
    expect(parseRequestTarget("/v2/paus%C3%A9/manifests/x")).toMatchObject({ path: "/paus%C3%A9/manifests/x" });
  });
});

describe("encoding helpers", () => {
  it("encodeSegment leaves pchars alone and encodes the rest as UTF-8", () => {
    expect(encodeSegment("a-b._~!$&'()*+,;=:@")).toBe("a-b._~!$&'()*+,;=:@");
    expect(encodeSegment("a/b?c#d e%\u{1F600}")).toBe("a%2Fb%3Fc%23d%20e%25%F0%9F%98%80");
  });

  it("safeQuery keeps valid escapes and encodes bare %", () => {
    expect(safeQuery("a=%41&b=%4")).toBe("a=%41&b=%254");
  });
});
