/**
 * Where the sync reads from: `--source` (a registry and a repository prefix) and the
 * images named on the command line, relative to that prefix.
 */

export interface Source {
  /** `https://us-central1-docker.pkg.dev`; `http://` only when written out in `--source`. */
  origin: string;
  /** Repository prefix under the registry (`k8s-artifacts-prod/images`), possibly "". */
  prefix: string;
}

/** One image argument: a repository, optionally narrowed to a tag or a digest. */
export interface ImageArg {
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
export const DIGEST = /^sha256:[a-f0-9]{64}$/;

function isRepositoryPath(path: string): boolean {
  return path.split("/").every((c) => COMPONENT.test(c));
}

/**
 * `[http(s)://]host[:port][/prefix]`. No scheme means https, as every client assumes for
 * a registry that is not local; plain http must be asked for.
 */
export function parseSource(value: string): Source {
  const withScheme = /^[a-z]+:\/\//i.test(value) ? value : `https://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`--source ${JSON.stringify(value)} is not a registry reference like host/project/repository`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error(`--source ${JSON.stringify(value)}: only http(s) registries are supported`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new Error(`--source ${JSON.stringify(value)}: no query, fragment or credentials`);
  }
  const prefix = url.pathname.replace(/^\/+|\/+$/g, "");
  if (prefix && !isRepositoryPath(prefix)) {
    throw new Error(`--source ${JSON.stringify(value)}: "${prefix}" is not a repository path`);
  }
  return { origin: url.origin, prefix };
}

/** `name`, `name:tag` or `name@sha256:<hex>`, relative to the source prefix. */
export function parseImageArg(value: string): ImageArg {
  const at = value.indexOf("@");
  if (at >= 0) {
    const repository = value.slice(0, at);
    const digest = value.slice(at + 1);
    if (!isRepositoryPath(repository) || !DIGEST.test(digest)) {
      throw new Error(`image ${JSON.stringify(value)} is not "name@sha256:<64 hex>"`);
    }
    return { repository, digest };
  }
  const colon = value.lastIndexOf(":");
  const repository = colon >= 0 ? value.slice(0, colon) : value;
  const tag = colon >= 0 ? value.slice(colon + 1) : undefined;
  if (!isRepositoryPath(repository) || (tag !== undefined && !TAG.test(tag))) {
    throw new Error(`image ${JSON.stringify(value)} is not "name", "name:tag" or "name@digest"`);
  }
  return tag === undefined ? { repository } : { repository, tag };
}

/** The full repository name on the registry. */
export function repositoryName(source: Source, repository: string): string {
  return source.prefix ? `${source.prefix}/${repository}` : repository;
}

/** The object key of a blob in a mirror bucket, as the redirector and upstream geranos use it. */
export function blobKey(digest: string): string {
  return `containers/images/${digest}`;
}

/**
 * Where the sync records a manifest whose every blob the bucket holds, verified. Not
 * upstream geranos's `geranos/uploaded-images/`: geranos skips config blobs, so its
 * markers do not promise what these do.
 */
export const MARKER_PREFIX = "sync/manifests/";

export function markerKey(digest: string): string {
  return `${MARKER_PREFIX}${digest}`;
}
