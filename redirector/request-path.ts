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
      /**
       * For blobs (`api: "blobs"`, a reference of the OCI digest grammar) whose digest is
       * of a registered algorithm with its exact encoding: the digest. Only these may be
       * looked up on a mirror; any other blob reference goes upstream untouched.
       */
      digest?: string;
      /** A cosign `sha256-<hex>.sig|.att` manifest tag. */
      signature?: boolean;
    }
  | { kind: "not-found" }
  | { kind: "invalid"; reason: string };

/** OCI digest grammar (distribution spec): `algorithm:encoded`. */
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/**
 * The registered algorithms, each with its exact encoding (OCI image spec, descriptor):
 * a digest the mirrors can hold. Anything else never costs a HEAD or a cache entry.
 */
const REGISTERED_DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** Whether a blob reference is a digest a mirror may hold (length first: no regex over long input). */
export function isRegisteredDigest(reference: string): boolean {
  return (reference.length === 71 || reference.length === 135) && REGISTERED_DIGEST.test(reference);
}
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

/** A `.` or `..` segment anywhere in a decoded path. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;
/**
 * A decoded path that needs neither cleaning nor encoding nor the dot-segment check:
 * non-empty segments of safe bytes, none of them `.` or `..`. One pass for most requests.
 */
const CLEAN_PATH = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9\-._~!$&'()*+,;=:@]+)+$/;

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
  // Most paths are clean already: then they hold no control character either.
  const isClean = CLEAN_PATH.test(path);
  if (!isClean && CONTROL.test(path)) return { kind: "invalid", reason: "control character in path" };
  if (!isClean && DOT_SEGMENT.test(path)) return { kind: "invalid", reason: "dot segment in path" };

  const page = PAGES[path];
  if (page) return page;
  if (!path.startsWith("/v2/")) return { kind: "not-found" };

  // Empty segments (`//`, a trailing `/`) are dropped, as upstream's path.Clean does.
  const rest = path.slice(3);
  const clean = isClean
    ? rest
    : `/${rest
        .split("/")
        .filter((s) => s !== "")
        .map(encodeSegment)
        .join("/")}`;
  // `/<name>/<api>/<reference>`, where the name has at least one segment.
  const last = clean.lastIndexOf("/");
  const prev = last > 0 ? clean.lastIndexOf("/", last - 1) : -1;
  const apiSegment = prev > 0 ? clean.slice(prev + 1, last) : "";
  const reference = clean.slice(last + 1);
  let api: RegistryApi = "other";
  if (apiSegment === "manifests" || apiSegment === "referrers") api = apiSegment;
  else if (apiSegment === "tags" && reference === "list") api = "tags";
  let digest: string | undefined;
  if (apiSegment === "blobs") {
    if (isRegisteredDigest(reference)) digest = reference;
    if (digest || DIGEST_GRAMMAR.test(reference)) api = "blobs";
  }
  // Digests and cosign tags contain only safe bytes: encoded and decoded forms agree.
  return {
    kind: "registry",
    api,
    path: clean,
    query: rawQuery && safeQuery(rawQuery),
    digest,
    signature: api === "manifests" && reference.length === 75 && COSIGN_TAG.test(reference),
  };
}
