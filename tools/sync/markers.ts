/**
 * Markers make a run in which nothing changed cheap: the sync writes
 * `sync/manifests/<digest>` once every blob a manifest needs is in the bucket and
 * verified (for an index: once every manifest it lists has its marker), and the next run
 * reads no manifest that has one. Only the sync writes them; the blob writer's role is the
 * only identity that can.
 *
 * `Completion` decides when a manifest earns its marker as blobs get verified, so markers
 * are written as the run goes (an interrupted run keeps what it finished), children
 * before their index. Pure: no I/O.
 */
import type { ManifestNode } from "./walk";

export class Completion {
  /** Per manifest: blobs and children not yet verified. */
  private readonly pending = new Map<string, number>();
  private readonly waitingOnBlob = new Map<string, string[]>();
  private readonly parents = new Map<string, string[]>();
  private readonly done = new Set<string>();

  /**
   * `graph`: the manifests read in this run. `marked`: manifests the bucket already has
   * markers for (children that were not read because of them count as complete).
   */
  constructor(
    private readonly graph: ReadonlyMap<string, ManifestNode>,
    marked: ReadonlySet<string>,
  ) {
    for (const [digest, node] of graph) {
      const blobs = new Set(node.blobs);
      const children = new Set(node.children.filter((c) => !marked.has(c)));
      this.pending.set(digest, blobs.size + children.size);
      for (const blob of blobs) this.waitingOnBlob.set(blob, [...(this.waitingOnBlob.get(blob) ?? []), digest]);
      for (const child of children) this.parents.set(child, [...(this.parents.get(child) ?? []), digest]);
    }
  }

  /** Manifests complete before any blob is checked (nothing to wait for), children first. */
  initial(): string[] {
    const ready: string[] = [];
    for (const [digest, count] of this.pending) if (count === 0 && !this.done.has(digest)) this.finish(digest, ready);
    return ready;
  }

  /** A blob is verified in the bucket: the manifests that are complete now, children first. */
  blobVerified(blob: string): string[] {
    const ready: string[] = [];
    for (const manifest of this.waitingOnBlob.get(blob) ?? []) this.decrement(manifest, ready);
    this.waitingOnBlob.delete(blob);
    return ready;
  }

  private decrement(manifest: string, ready: string[]): void {
    const left = (this.pending.get(manifest) ?? 0) - 1;
    this.pending.set(manifest, left);
    if (left === 0) this.finish(manifest, ready);
  }

  private finish(manifest: string, ready: string[]): void {
    this.done.add(manifest);
    ready.push(manifest);
    for (const parent of this.parents.get(manifest) ?? []) this.decrement(parent, ready);
  }

  /** The marker's body: what it vouches for, so an operator can audit it. */
  body(digest: string): string {
    const node = this.graph.get(digest);
    return `${JSON.stringify({ manifest: digest, blobs: node?.blobs ?? [], manifests: node?.children ?? [] })}\n`;
  }
}
