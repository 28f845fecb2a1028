/**
 * The plan diff of two offline plans (`npm run plan -- --format json`): resources, IAM and
 * routing, in the model the renderers share with the credentialed preview.
 */
import { z } from "zod";
import { CONFIG_ENV } from "../../../infra/gcp/redirector-container";
import { MirrorRoute } from "../../../redirector/routing-table";
import { diffIam } from "./iam";
import { type DiffResource, type PlanDiff, summaryOf } from "./model";
import { diffResources } from "./resources";
import { diffRouting, NO_ROUTING, type Routing } from "./routing";
import { normalized } from "./values";

const RoutingOutput = z.object({
  upstreams: z.record(z.string(), z.string()),
  mirrors: z.array(MirrorRoute),
  defaultBlobBaseUrl: z.string().nullable(),
});

/** The plan JSON's contract (README, "--format json"); unknown keys are ignored. */
export const PlanDocument = z.object({
  stack: z.string().min(1),
  resources: z.array(
    z.object({
      type: z.string().min(1),
      name: z.string().min(1),
      /** A component (false) or a cloud resource; older plans lack it. */
      custom: z.boolean().optional(),
      parent: z.string().nullable(),
      inputs: z.record(z.string(), z.unknown()),
      options: z.object({
        protect: z.boolean(),
        retainOnDelete: z.boolean(),
        provider: z.string().nullable(),
        dependsOn: z.array(z.string()),
        import: z.string().nullable(),
        aliases: z.array(z.string()).optional(),
      }),
    }),
  ),
  outputs: z.looseObject({ routing: RoutingOutput.optional() }),
});
export type PlanDocument = z.infer<typeof PlanDocument>;

/** A URN without its stack and project: `urn:pulumi:s::p::A$B::name` -> `A$B::name`. */
export function keyOfUrn(urn: string): string {
  return urn.split("::").slice(2).join("::");
}

/** The plan's resources with their URN keys (parent types chained as Pulumi does). */
export function resourcesOf(doc: PlanDocument): DiffResource[] {
  const byName = new Map<string, PlanDocument["resources"]>();
  for (const r of doc.resources) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  // A provider or a cloud resource may share its component's name (a SyncJob and its Cloud
  // Run job): a parent is the component, whatever order the plan lists them in.
  const parentOf = (name: string) => {
    const candidates = byName.get(name) ?? [];
    return (
      candidates.find((c) => c.custom === false) ??
      candidates.find((c) => !c.type.startsWith("pulumi:providers:")) ??
      candidates[0]
    );
  };
  const qualified = (r: PlanDocument["resources"][number], depth = 0): string => {
    const parent = r.parent === null ? undefined : parentOf(r.parent);
    if (!parent || depth > 50) return r.type;
    return `${qualified(parent, depth + 1)}$${r.type}`;
  };
  return doc.resources.map((r) => ({
    type: r.type,
    name: r.name,
    parent: r.parent,
    key: `${qualified(r)}::${r.name}`,
    inputs: normalized(r.inputs) as Record<string, unknown>,
    protect: r.options.protect,
    retainOnDelete: r.options.retainOnDelete,
    provider: r.options.provider,
    import: r.options.import,
    aliases: (r.options.aliases ?? []).map(keyOfUrn),
  }));
}

/** The plan's `routing` output; a plan without one (an empty stack) routes nothing. */
export function routingOf(doc: PlanDocument): Routing {
  return doc.outputs.routing ?? NO_ROUTING;
}

/** The Cloud Run regions where a redirector service holds its routing table. */
export function redirectorRegions(resources: readonly DiffResource[]): string[] {
  return resources
    .filter((r) => {
      const template = r.inputs.template as { containers?: { envs?: { name?: unknown }[] }[] } | undefined;
      return (template?.containers ?? []).some((c) => (c.envs ?? []).some((e) => e.name === CONFIG_ENV));
    })
    .map((r) => String(r.inputs.location))
    .sort();
}

/** Routing that changes where no redirector runs yet changes nothing for clients: say so. */
function routingReach(head: readonly DiffResource[], routing: Routing): string[] {
  const running = redirectorRegions(head);
  const regions = Object.keys(routing.upstreams).length;
  if (running.length === regions) return [];
  if (!running.length) {
    return [
      "No Cloud Run region of this stack runs the redirector yet (`redirector.legacyBackends`): the routing above applies in each region once it moves to the redirector.",
    ];
  }
  return [
    `The routing above applies in the ${running.length} of ${regions} Cloud Run regions that run the redirector: ${running.join(", ")}.`,
  ];
}

/** Two plans of different stacks are not two versions of one thing. */
export class StackMismatch extends Error {
  override name = "StackMismatch";
}

export function diffPlans(base: PlanDocument, head: PlanDocument): PlanDiff {
  if (base.stack !== head.stack) {
    throw new StackMismatch(
      `cannot diff stack "${base.stack}" against stack "${head.stack}": a plan diff compares two versions of one stack (copy a stack file under its own name, Pulumi.${base.stack}.yaml, into another directory to compare a variant)`,
    );
  }
  const [b, h] = [resourcesOf(base), resourcesOf(head)];
  const resources = diffResources(b, h);
  const { routing, upstreams } = diffRouting(routingOf(base), routingOf(head));
  const reach = routing.length || upstreams.length ? routingReach(h, routingOf(head)) : [];
  return {
    stack: head.stack,
    source: "plan",
    summary: summaryOf(resources.changes),
    flags: resources.flags,
    changes: resources.changes,
    iam: diffIam(b, h),
    routing,
    upstreams,
    notes: [...reach, ...resources.notes],
  };
}
