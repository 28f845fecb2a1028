/** Small plan JSON documents, written by hand, for the pure diff tests. */
import type { PlanDocument } from "../../../tools/plan/diff/plan";

type Resource = PlanDocument["resources"][number];
type Options = Resource["options"];

export function res(
  type: string,
  name: string,
  inputs: Record<string, unknown> = {},
  options: Partial<Options> = {},
  parent: string | null = null,
): Resource {
  return {
    type,
    name,
    parent,
    inputs,
    options: { protect: false, retainOnDelete: false, provider: null, dependsOn: [], import: null, ...options },
  };
}

export function planOf(resources: Resource[], routing?: PlanDocument["outputs"]["routing"], stack = "t"): PlanDocument {
  return { stack, resources, outputs: routing ? { routing } : {} };
}

export const BUCKET = "aws:s3/bucket:Bucket";
export const MIRRORS = "registry:aws:BlobMirrors";

/** A donor component with one protected, retained bucket under it. */
export function donor(bucket = "b-us-east-2", extra: Partial<Options> = {}): Resource[] {
  return [
    res(MIRRORS, "mirrors"),
    res(
      BUCKET,
      bucket,
      { bucket, region: "us-east-2" },
      { protect: true, retainOnDelete: true, provider: "p", ...extra },
      "mirrors",
    ),
  ];
}
