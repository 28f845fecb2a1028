/**
 * Options for a component's children. Pulumi passes `parent` (and with it providers and
 * `protect`) down to children, but not `dependsOn`: a component that must wait for
 * something (a project's APIs) hands it to each child itself.
 */
import type * as pulumi from "@pulumi/pulumi";

export function childOf(
  parent: pulumi.Resource,
  opts: pulumi.ComponentResourceOptions | undefined,
): pulumi.CustomResourceOptions {
  return opts?.dependsOn === undefined ? { parent } : { parent, dependsOn: opts.dependsOn };
}
