/**
 * Pure pieces of the distribution (OCI registry) protocol that the sync speaks.
 *
 * Token flow, anonymous side: a registry that wants a token answers 401 with
 * `WWW-Authenticate: Bearer realm="…",service="…",scope="…"`; the client fetches a token
 * from the realm and retries (distribution's token spec, which Artifact Registry follows).
 */

export interface BearerChallenge {
  realm: string;
  service?: string;
  scope?: string;
}

/** Parses one `Bearer` challenge; undefined for other schemes (Basic) or a malformed header. */
export function parseBearerChallenge(header: string | undefined): BearerChallenge | undefined {
  const match = /^\s*Bearer\s+(.*)$/i.exec(header ?? "");
  if (!match) return undefined;
  const params: Record<string, string> = {};
  // key=value or key="quoted, value"; separated by commas.
  for (const m of (match[1] ?? "").matchAll(/([a-z_]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/gi)) {
    params[(m[1] ?? "").toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "");
  }
  if (!params.realm) return undefined;
  return {
    realm: params.realm,
    ...(params.service ? { service: params.service } : {}),
    ...(params.scope ? { scope: params.scope } : {}),
  };
}

/** The token endpoint URL for a challenge; `scope` is what we asked for when the challenge names none. */
export function tokenUrl(challenge: BearerChallenge, fallbackScope: string): string {
  const url = new URL(challenge.realm);
  if (challenge.service) url.searchParams.set("service", challenge.service);
  url.searchParams.set("scope", challenge.scope ?? fallbackScope);
  return url.toString();
}

/** The token from a token endpoint's JSON (`token`, or OAuth2's `access_token`). */
export function tokenFromResponse(body: string): { token: string; expiresInSeconds: number } {
  const doc = JSON.parse(body) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
  const token = typeof doc.token === "string" ? doc.token : doc.access_token;
  if (typeof token !== "string" || !token) throw new Error("token response has no token");
  // The spec's default lifetime is 60 s.
  const expiresInSeconds = typeof doc.expires_in === "number" && doc.expires_in > 0 ? doc.expires_in : 60;
  return { token, expiresInSeconds };
}

/** The `rel="next"` target of a Link header (tags/list and _catalog pagination), if any. */
export function nextLink(header: string | undefined): string | undefined {
  const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(header ?? "");
  return match?.[1];
}

export interface TagList {
  tags: string[];
  /** Google's extension (GCR, Artifact Registry): repositories nested under this one. */
  children: string[] | undefined;
  /** Google's extension: every manifest in the repository, tagged or not. */
  manifests: string[];
  /** Google's extension: the tags those manifests carry (so they need no request of their own). */
  taggedByManifests: string[];
}

/** A tags/list response body, with Google's `child` and `manifest` extensions when present. */
export function parseTagList(body: string): TagList {
  const doc = JSON.parse(body) as { tags?: unknown; child?: unknown; manifest?: unknown };
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  const manifest = doc.manifest && typeof doc.manifest === "object" ? (doc.manifest as Record<string, unknown>) : {};
  return {
    tags: strings(doc.tags),
    children: Array.isArray(doc.child) ? strings(doc.child) : undefined,
    manifests: Object.keys(manifest),
    taggedByManifests: Object.values(manifest).flatMap((m) => strings((m as { tag?: unknown } | null)?.tag)),
  };
}

/** `404 MANIFEST_UNKNOWN: manifest unknown` from a registry's error body, or just the status. */
export function describeError(status: number, body: string): string {
  try {
    const errors = (JSON.parse(body) as { errors?: { code?: string; message?: string }[] }).errors ?? [];
    const first = errors[0];
    if (first?.code) return `${status} ${first.code}${first.message ? `: ${first.message}` : ""}`;
  } catch {
    // not JSON: fall through
  }
  return `${status}`;
}
