import {
  describeError,
  nextLink,
  parseBearerChallenge,
  parseTagList,
  tokenFromResponse,
  tokenUrl,
} from "../../../tools/sync/protocol";

describe("the anonymous token flow", () => {
  it("parses Artifact Registry's challenge", () => {
    const header =
      'Bearer realm="https://us-central1-docker.pkg.dev/v2/token",service="us-central1-docker.pkg.dev",scope="repository:k8s-artifacts-prod/images/pause:pull"';
    const challenge = parseBearerChallenge(header);
    expect(challenge).toEqual({
      realm: "https://us-central1-docker.pkg.dev/v2/token",
      service: "us-central1-docker.pkg.dev",
      scope: "repository:k8s-artifacts-prod/images/pause:pull",
    });
    expect(tokenUrl(challenge as NonNullable<typeof challenge>, "unused")).toBe(
      "https://us-central1-docker.pkg.dev/v2/token?service=us-central1-docker.pkg.dev&scope=repository%3Ak8s-artifacts-prod%2Fimages%2Fpause%3Apull",
    );
  });

  it("uses the scope it asked for when the challenge names none; tolerates spacing and escapes", () => {
    const challenge = parseBearerChallenge('bearer realm="http://127.0.0.1:1/t\\"x", service=reg');
    expect(challenge).toEqual({ realm: 'http://127.0.0.1:1/t"x', service: "reg" });
    expect(tokenUrl({ realm: "http://h/token" }, "repository:a/b:pull")).toBe(
      "http://h/token?scope=repository%3Aa%2Fb%3Apull",
    );
  });

  it.each([undefined, "", 'Basic realm="x"', 'Bearer service="x"'])("has no Bearer challenge in %p", (header) => {
    expect(parseBearerChallenge(header)).toBeUndefined();
  });

  it("reads token and access_token, with the spec's 60 s default lifetime", () => {
    expect(tokenFromResponse('{"token":"t1","expires_in":300}')).toEqual({ token: "t1", expiresInSeconds: 300 });
    expect(tokenFromResponse('{"access_token":"t2"}')).toEqual({ token: "t2", expiresInSeconds: 60 });
    expect(() => tokenFromResponse('{"token":""}')).toThrow("no token");
  });
});

describe("listing", () => {
  it("follows rel=next links", () => {
    expect(nextLink('</v2/_catalog?last=b&n=2>; rel="next"')).toBe("/v2/_catalog?last=b&n=2");
    expect(nextLink(undefined)).toBeUndefined();
    expect(nextLink('</x>; rel="prev"')).toBeUndefined();
  });

  it("reads tags, and Google's child and manifest extensions when present", () => {
    expect(parseTagList('{"name":"a","tags":["1","2"]}')).toEqual({
      tags: ["1", "2"],
      children: undefined,
      manifests: [],
      taggedByManifests: [],
    });
    expect(
      parseTagList(
        '{"name":"p","tags":["3.9"],"child":["pause","etcd"],"manifest":{"sha256:1":{"tag":["3.9"]},"sha256:2":{}}}',
      ),
    ).toEqual({
      tags: ["3.9"],
      children: ["pause", "etcd"],
      manifests: ["sha256:1", "sha256:2"],
      taggedByManifests: ["3.9"],
    });
    expect(parseTagList('{"tags":null}').tags).toEqual([]);
  });
});

it("describes registry errors by their code", () => {
  expect(describeError(404, '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')).toBe(
    "404 MANIFEST_UNKNOWN: manifest unknown",
  );
  expect(describeError(502, "<html>bad gateway</html>")).toBe("502");
});
