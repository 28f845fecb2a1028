/**
 * Runs policies the way the Pulumi engine does, without the CLI: build the validation
 * args (as pulumi-policy-aws's test utilities do) and collect the violations reported.
 */
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

export interface Declared {
  type: string;
  name: string;
  props: Record<string, unknown>;
  protect?: boolean;
  /** Resources a property was computed from (how a preview links unknown names). */
  propertyDependencies?: Record<string, string[]>;
}

const urnOf = (d: { type: string; name: string }) => `urn:pulumi:test::registry::${d.type}::${d.name}`;

const notApplicable = (reason?: string): never => {
  throw new Error(`not applicable: ${reason}`);
};

function options(protect = false) {
  return {
    protect,
    ignoreChanges: [],
    aliases: [],
    additionalSecretOutputs: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  };
}

function isType(type: string) {
  return (cls: { __pulumiType?: string }) => cls.__pulumiType === type;
}

export function resourceArgs(d: Declared): ResourceValidationArgs {
  return {
    type: d.type,
    name: d.name,
    urn: urnOf(d),
    props: d.props,
    opts: options(d.protect),
    stackTags: new Map(),
    isType: isType(d.type) as ResourceValidationArgs["isType"],
    asType: ((cls: { __pulumiType?: string }) =>
      cls.__pulumiType === d.type ? d.props : undefined) as ResourceValidationArgs["asType"],
    getConfig: <T>() => ({}) as T,
    notApplicable,
  };
}

export function stackArgs(declared: Declared[]): StackValidationArgs {
  const resources: PolicyResource[] = declared.map((d) => ({
    type: d.type,
    name: d.name,
    urn: urnOf(d),
    props: d.props,
    opts: options(d.protect),
    dependencies: [],
    propertyDependencies: {},
    isType: isType(d.type) as PolicyResource["isType"],
    asType: ((cls: { __pulumiType?: string }) =>
      cls.__pulumiType === d.type ? d.props : undefined) as PolicyResource["asType"],
  }));
  const byName = new Map(resources.map((r) => [r.name, r]));
  declared.forEach((d, i) => {
    const r = resources[i] as PolicyResource;
    for (const [prop, names] of Object.entries(d.propertyDependencies ?? {})) {
      r.propertyDependencies[prop] = names.map((n) => byName.get(n)).filter((x): x is PolicyResource => !!x);
    }
  });
  return { resources, stackTags: new Map(), getConfig: <T>() => ({}) as T, notApplicable };
}

export async function violations(
  policy: ResourceValidationPolicy | StackValidationPolicy,
  declared: Declared[],
): Promise<string[]> {
  const found: string[] = [];
  const report: ReportViolation = (message, urn) => found.push(urn ? `${urn.split("::").pop()}: ${message}` : message);
  if ("validateStack" in policy) {
    for (const v of list(policy.validateStack)) await v(stackArgs(declared), report);
  } else {
    for (const d of declared) {
      for (const v of list(policy.validateResource ?? [])) await v(resourceArgs(d), (m) => report(m, urnOf(d)));
    }
  }
  return found;
}

function list<T>(v: T | T[]): T[] {
  return Array.isArray(v) ? v : [v];
}
