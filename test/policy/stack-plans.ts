/** Evaluate a stack's plan and judge it as a preview of that stack would, with its policy config. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { ALL_POLICIES } from "../../policy/policies";
import type { Plan } from "../../tools/plan/engine";
import { ROOT } from "../tools/run-cli";
import { enforcementLevel } from "./enforcement";
import { type Declared, violations } from "./harness";

export function policyConfig(stack: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, "policy/config", `${stack}.json`), "utf8"));
}

export function declaredOf(plan: Plan): Declared[] {
  return plan.resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs, protect: r.options.protect }));
}

/** Every violation, by the level the stack's config gives its policy (none of a disabled one). */
export async function judged(
  declared: Declared[],
  config: Record<string, unknown>,
): Promise<Record<string, Record<string, string[]>>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const policy of ALL_POLICIES as Array<ResourceValidationPolicy | StackValidationPolicy>) {
    const found = await violations(policy, declared);
    if (!found.length) continue;
    const level = enforcementLevel(policy, config);
    // The engine does not run a disabled policy.
    if (level === "disabled") continue;
    out[level] ??= {};
    out[level][policy.name] = found;
  }
  return out;
}
