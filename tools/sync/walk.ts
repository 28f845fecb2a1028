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

export interface WalkResult {
  blobs: Map<string, BlobRef>;
  manifests: number;
  foreign: Set<string>;
  failures: Failure[];
}

export const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The manifests to start from: every tag (and, on Google registries, every manifest) of a repository. */
export function rootsOf(repository: string, list: TagList): Root[] {
  const refs = new Set([...list.tags, ...list.manifests]);
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
): Promise<{ repository: string; list?: TagList }[]> {
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
      let level = top.children.map((c) => `${source.prefix}/${c}`);
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
  return (await registry.catalog()).filter((name) => name.startsWith(under)).map((repository) => ({ repository }));
}

/** The manifests the image arguments name; repositories without a reference expand to all their tags. */
export async function resolveRoots(
  registry: Registry,
  source: Source,
  images: ImageArg[],
  concurrency: number,
): Promise<{ roots: Root[]; failures: Failure[] }> {
  const failures: Failure[] = [];
  const targets: (ImageArg & { list?: TagList })[] = images.length
    ? images.map((image) => ({ ...image, repository: repositoryName(source, image.repository) }))
    : await discover(registry, source, concurrency);
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
  return { roots: roots.flat(), failures };
}

/**
 * Reads every manifest reachable from the roots, level by level (indexes may nest), each
 * digest once, and collects the blobs of every image manifest.
 */
export async function walk(
  registry: Registry,
  roots: Root[],
  concurrency: number,
  onManifest: () => void,
): Promise<WalkResult> {
  const result: WalkResult = { blobs: new Map(), manifests: 0, foreign: new Set(), failures: [] };
  const seen = new Set<string>();
  let level = roots;
  while (level.length) {
    const next: Root[] = [];
    await mapLimit(level, concurrency, async ({ repository, reference }) => {
      if (DIGEST.test(reference)) {
        if (seen.has(reference)) return;
        seen.add(reference);
      }
      try {
        const manifest = await registry.manifest(repository, reference);
        if (!DIGEST.test(reference)) {
          if (seen.has(manifest.digest)) return;
          seen.add(manifest.digest);
        }
        result.manifests++;
        onManifest();
        const parsed = parseManifest(manifest.contentType, manifest.body);
        if (parsed.kind === "index") {
          next.push(...parsed.manifests.map((m) => ({ repository, reference: m.digest })));
          return;
        }
        for (const blob of parsed.blobs) {
          if (!result.blobs.has(blob.digest)) result.blobs.set(blob.digest, { ...blob, repository });
        }
        for (const layer of parsed.foreign) result.foreign.add(layer.digest);
      } catch (e) {
        result.failures.push({
          subject: `${repository}${DIGEST.test(reference) ? "@" : ":"}${reference}`,
          error: message(e),
        });
      }
    });
    level = next;
  }
  return result;
}
