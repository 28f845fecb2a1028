/**
 * From image names to the set of blobs a mirror must hold: list tags, fetch manifests,
 * follow indexes to their images, collect config and layer digests.
 */
import { mapLimit } from "./limits";
import { parseManifest } from "./manifest";
import type { TagList } from "./protocol";
import { DIGEST, type ImageArg, repositoryName, type Source } from "./reference";
import type { Registry } from "./registry";
import { AttemptError } from "./retry";
import { inShard, type Shard } from "./shard";

export interface Failure {
  subject: string;
  error: string;
}

/** A manifest to read: a repository (full name) and a tag or digest. */
export interface Root {
  repository: string;
  reference: string;
}

export interface BlobRef {
  digest: string;
  /** -1 when unknown (schema 1). */
  size: number;
  /** A repository that references it: blobs are fetched through a repository. */
  repository: string;
}

/** What a manifest read in this run needs before it may get a marker. */
export interface ManifestNode {
  /** Image manifests: the blobs (config, layers) the mirror must hold. */
  blobs: string[];
  /** Indexes: the manifests they list. */
  children: string[];
}

export interface WalkResult {
  blobs: Map<string, BlobRef>;
  manifests: number;
  /** Every manifest read, by digest. */
  graph: Map<string, ManifestNode>;
  foreign: Set<string>;
  failures: Failure[];
}

export interface WalkOptions {
  concurrency: number;
  /** Called once per manifest read. */
  onManifest?: () => void;
  /** Whether the bucket already holds every blob of a manifest (it has its marker). */
  isMarked?: (digest: string) => boolean;
  /** Called for each manifest skipped because of its marker. */
  onMarked?: () => void;
  /** No new manifest is read once it aborts. */
  signal?: AbortSignal;
}

export const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The manifests to start from: every tag of a repository. On Google registries the list
 * names every manifest (tagged or not) with its tags, so those tags need no request: a
 * manifest known by digest can be skipped on its marker alone.
 */
export function rootsOf(repository: string, list: TagList): Root[] {
  const covered = new Set(list.taggedByManifests);
  const refs = new Set([...list.manifests, ...list.tags.filter((t) => !covered.has(t))]);
  return [...refs].map((reference) => ({ repository, reference }));
}

/**
 * Every repository under the source's prefix, with its tag list when discovery already
 * read it. Google registries answer tags/list with their `child` repositories, which is
 * how upstream's geranos walks Artifact Registry; others have the catalog.
 */
async function discover(
  registry: Registry,
  source: Source,
  concurrency: number,
  shard: Shard,
): Promise<{ repository: string; list?: TagList }[]> {
  const mine = (repository: string) => inShard(repository, source.prefix, shard);
  if (source.prefix) {
    let top: TagList | undefined;
    try {
      top = await registry.tags(source.prefix);
    } catch (e) {
      // Not a repository itself (404) is expected on registries without the extension.
      if (!(e instanceof AttemptError && e.status === 404)) throw e;
    }
    if (top?.children) {
      const found: { repository: string; list: TagList }[] = [];
      // Below the top level, a repository's shard is its top-level ancestor's.
      let level = top.children.map((c) => `${source.prefix}/${c}`).filter(mine);
      while (level.length) {
        const lists = await mapLimit(level, concurrency, (repository) => registry.tags(repository));
        const next: string[] = [];
        level.forEach((repository, i) => {
          const list = lists[i] as TagList;
          if (list.tags.length || list.manifests.length) found.push({ repository, list });
          next.push(...(list.children ?? []).map((c) => `${repository}/${c}`));
        });
        level = next;
      }
      return found;
    }
  }
  const under = source.prefix ? `${source.prefix}/` : "";
  return (await registry.catalog())
    .filter((name) => name.startsWith(under) && mine(name))
    .map((repository) => ({ repository }));
}

/** The manifests the image arguments name; repositories without a reference expand to all their tags. */
export async function resolveRoots(
  registry: Registry,
  source: Source,
  images: ImageArg[],
  concurrency: number,
  shard: Shard = { index: 0, count: 1 },
): Promise<{ roots: Root[]; repositories: number; failures: Failure[] }> {
  const failures: Failure[] = [];
  const targets: (ImageArg & { list?: TagList })[] = images.length
    ? images
        .map((image) => ({ ...image, repository: repositoryName(source, image.repository) }))
        .filter((image) => inShard(image.repository, source.prefix, shard))
    : await discover(registry, source, concurrency, shard);
  const roots = await mapLimit(targets, concurrency, async (target): Promise<Root[]> => {
    const { repository, digest, tag, list } = target;
    if (digest) return [{ repository, reference: digest }];
    if (tag) return [{ repository, reference: tag }];
    try {
      return rootsOf(repository, list ?? (await registry.tags(repository)));
    } catch (e) {
      failures.push({ subject: repository, error: message(e) });
      return [];
    }
  });
  return { roots: roots.flat(), repositories: new Set(targets.map((t) => t.repository)).size, failures };
}

/**
 * Reads every manifest reachable from the roots, level by level (indexes may nest), each
 * digest once, and collects the blobs of every image manifest. A manifest with a marker
 * is not read at all when its digest is known, and not followed when it was read by tag.
 */
export async function walk(registry: Registry, roots: Root[], options: WalkOptions): Promise<WalkResult> {
  const result: WalkResult = { blobs: new Map(), manifests: 0, graph: new Map(), foreign: new Set(), failures: [] };
  const seen = new Set<string>();
  const marked = (digest: string) => {
    if (!options.isMarked?.(digest)) return false;
    options.onMarked?.();
    return true;
  };
  let level = roots;
  while (level.length) {
    const next: Root[] = [];
    await mapLimit(
      level,
      options.concurrency,
      async ({ repository, reference }) => {
        if (DIGEST.test(reference)) {
          if (seen.has(reference)) return;
          seen.add(reference);
          if (marked(reference)) return;
        }
        try {
          const manifest = await registry.manifest(repository, reference);
          if (!DIGEST.test(reference)) {
            if (seen.has(manifest.digest)) return;
            seen.add(manifest.digest);
            if (marked(manifest.digest)) return;
          }
          result.manifests++;
          options.onManifest?.();
          const parsed = parseManifest(manifest.contentType, manifest.body);
          if (parsed.kind === "index") {
            const children = parsed.manifests.map((m) => m.digest);
            result.graph.set(manifest.digest, { blobs: [], children });
            next.push(...children.map((digest) => ({ repository, reference: digest })));
            return;
          }
          result.graph.set(manifest.digest, { blobs: parsed.blobs.map((b) => b.digest), children: [] });
          for (const blob of parsed.blobs) {
            if (!result.blobs.has(blob.digest)) result.blobs.set(blob.digest, { ...blob, repository });
          }
          for (const layer of parsed.foreign) result.foreign.add(layer.digest);
        } catch (e) {
          if (options.signal?.aborted) return;
          result.failures.push({
            subject: `${repository}${DIGEST.test(reference) ? "@" : ":"}${reference}`,
            error: message(e),
          });
        }
      },
      options.signal,
    );
    level = next;
  }
  return result;
}
