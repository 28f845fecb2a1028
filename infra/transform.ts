/**
 * How a component's children can be adjusted from outside, the way sst's components are:
 * per child, either a partial of its args spread over the component's own (awsx style), or
 * a function that edits its args and resource options in place. Components expose the
 * children they declare as `nodes`, so new resources can be attached to them too.
 */
import type * as pulumi from "@pulumi/pulumi";

export type Transform<Args> = Partial<Args> | ((args: Args, opts: pulumi.CustomResourceOptions, name: string) => void);

/** The child's constructor arguments after the caller's transform: `new T(...transformed(...))`. */
export function transformed<Args extends object>(
  transform: Transform<Args> | undefined,
  name: string,
  args: Args,
  opts: pulumi.CustomResourceOptions,
): [string, Args, pulumi.CustomResourceOptions] {
  if (transform === undefined) return [name, args, opts];
  if (typeof transform === "function") {
    const a = { ...args };
    const o = { ...opts };
    transform(a, o, name);
    return [name, a, o];
  }
  return [name, { ...args, ...transform }, opts];
}
