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

/** `opts` waiting for `resources` too: a child's own `dependsOn` would replace its component's. */
export function alsoAfter<T extends pulumi.ResourceOptions>(opts: T, resources: pulumi.Resource[]): T {
  return { ...opts, dependsOn: [...toList(opts.dependsOn), ...resources] };
}

export function toList<T>(value: pulumi.Input<pulumi.Input<T>[]> | pulumi.Input<T> | undefined): pulumi.Input<T>[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value as pulumi.Input<T>];
}
