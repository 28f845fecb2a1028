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

/** Resource options that also wait for `more`, keeping what they waited for already. */
export function waitingFor<O extends pulumi.ResourceOptions>(opts: O, more: readonly pulumi.Resource[]): O {
  return { ...opts, dependsOn: [...dependsOnList(opts.dependsOn), ...more] };
}

/** A `dependsOn` option, whatever form it came in, as a list. */
export function dependsOnList(
  value: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource> | undefined,
): pulumi.Input<pulumi.Resource>[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value as pulumi.Input<pulumi.Resource>];
}
