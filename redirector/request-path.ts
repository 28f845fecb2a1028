/**
 * Classifies a raw request target (`req.url`) into the routes the redirector knows.
 *
 * Like upstream, the path is percent-decoded first (`%2F` included) and then split
 * into segments, so `sha256%3A...` is a digest and `a%2Fb` two segments. Unlike
 * upstream, dot segments are never resolved: a `.` or `..` segment, plain or encoded,
 * anywhere in the path makes the request invalid, so nothing can climb out of the
 * repository. Everything that goes into a Location is re-encoded from the decoded
 * segments with a small safe alphabet, so no control byte, space, `\`, `?` or `#` from
 * the path can ever reach a header or change where a URL points.
 */

/** `/v2/<name>/<api>/<reference>`: what a registry client asked for. */
export type RegistryApi = "manifests" | "blobs" | "tags" | "referrers" | "other";

export type RequestTarget =
  | { kind: "page"; page: "info" | "privacy" | "healthz" | "api-version" | "catalog" }
  | {
      kind: "registry";
      api: RegistryApi;
      /** The path after `/v2`, re-encoded, starting with "/": `/pause/manifests/3.9`. */
      path: string;
      /** The raw query, made safe for a header ("" when none). */
      query: string;
      /** For blobs with a well-formed digest: the digest. */
      digest?: string;
      /** A cosign `sha256-<hex>.sig|.att` manifest tag. */
      signature?: boolean;
    }
  | { kind: "not-found" }
  | { kind: "invalid"; reason: string };

/** OCI digest grammar: `algorithm:encoded`. */
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/** Cosign signature and attestation tags (upstream's exact pattern). */
const COSIGN_TAG = /^sha256-[a-f0-9]{64}\.(?:sig|att)$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: detecting them is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Bytes that may stand raw in a path segment we emit (RFC 3986 pchar, minus "%"). */
const SEGMENT_UNSAFE = /[^A-Za-z0-9\-._~!$&'()*+,;=:@]/gu;
/** Bytes that may stand raw in a query we emit; "%" is kept when it starts an escape. */
const QUERY_UNSAFE = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]|%(?![0-9A-Fa-f]{2})/gu;

function percentEncode(s: string): string {
  return Array.from(new TextEncoder().encode(s), (b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join("");
}

/** A decoded segment, percent-encoded again for a URL path. */
export function encodeSegment(segment: string): string {
  return segment.replace(SEGMENT_UNSAFE, percentEncode);
}

/** The raw query with anything unsafe in a header or URL percent-encoded. */
export function safeQuery(rawQuery: string): string {
  return rawQuery.replace(QUERY_UNSAFE, percentEncode);
}

const PAGES: Record<string, RequestTarget> = {
  "/": { kind: "page", page: "info" },
  "/privacy": { kind: "page", page: "privacy" },
  "/healthz": { kind: "page", page: "healthz" },
  "/v2": { kind: "page", page: "api-version" },
  "/v2/": { kind: "page", page: "api-version" },
  "/v2/_catalog": { kind: "page", page: "catalog" },
};

export function parseRequestTarget(target: string): RequestTarget {
  // Absolute form (`GET http://host/v2/...`) names the same resource as its path.
  const rawTarget = target.charCodeAt(0) === 47 /* / */ ? target : target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "");
  if (rawTarget.charCodeAt(0) !== 47) return { kind: "invalid", reason: "request target is not a path" };
  const q = rawTarget.indexOf("?");
  const rawPath = q === -1 ? rawTarget : rawTarget.slice(0, q);
  const rawQuery = q === -1 ? "" : rawTarget.slice(q + 1);
  let path: string;
  try {
    path = rawPath.indexOf("%") === -1 ? rawPath : decodeURIComponent(rawPath);
  } catch {
    return { kind: "invalid", reason: "malformed percent-encoding in path" };
  }
  if (CONTROL.test(path)) return { kind: "invalid", reason: "control character in path" };
  const segments = path.split("/");
  if (segments.some((s) => s === "." || s === "..")) return { kind: "invalid", reason: "dot segment in path" };

  const page = PAGES[path];
  if (page) return page;
  if (segments[1] !== "v2") return { kind: "not-found" };

  // Empty segments (`//`, a trailing `/`) are dropped, as upstream's path.Clean does.
  const parts = segments.slice(2).filter((s) => s !== "");
  const n = parts.length;
  const api = n >= 3 ? parts[n - 2] : undefined;
  const reference = parts[n - 1] as string;
  const registry = {
    kind: "registry" as const,
    path: `/${parts.map(encodeSegment).join("/")}`,
    query: rawQuery && safeQuery(rawQuery),
  };
  switch (api) {
    case "manifests":
      return { ...registry, api, signature: COSIGN_TAG.test(reference) };
    case "blobs":
      return DIGEST.test(reference) ? { ...registry, api, digest: reference } : { ...registry, api: "other" };
    case "tags":
      return { ...registry, api: reference === "list" ? "tags" : "other" };
    case "referrers":
      return { ...registry, api };
    default:
      return { ...registry, api: "other" };
  }
}
