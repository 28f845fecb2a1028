/**
 * Runs a Pulumi program under the mock engine and records what it would declare: every
 * resource with its type, logical name, parent, inputs and options. The clouds are the
 * only thing faked (see fake-outputs.ts); invokes not on the list fail loudly.
 *
 * Pulumi keeps its runtime state per process, so evaluate one stack per process (the
 * plan CLI runs one per child process, each jest file gets its own).
 */
import * as pulumi from "@pulumi/pulumi";
import { importIdProblem } from "../../infra/import-ids";
import { FAKE_INVOKES, type FakeContext, fakeOutputs } from "./fake-outputs";

export const PROJECT = "registry";

export interface PlannedResource {
  type: string;
  name: string;
  /** The parent's logical name; null at the stack's top level. */
  parent: string | null;
  /** Custom resources are managed by a provider; the rest are components. */
  custom: boolean;
  inputs: Record<string, unknown>;
  /** Inputs plus the (fake) outputs the cloud would fill in, `id` included. */
  outputs: Record<string, unknown>;
  options: {
    protect: boolean;
    retainOnDelete: boolean;
    /** The explicit provider's logical name; null for the default provider. */
    provider: string | null;
    dependsOn: string[];
    /** The cloud resource to adopt (Pulumi's `import` option); null when it is created. */
    import: string | null;
    /** The URNs it was known by (Pulumi's `aliases`); present only when it declares some. */
    aliases?: string[];
  };
}

export interface Plan {
  stack: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  /** What the program logged (`pulumi.log`), as `pulumi preview` would show it. */
  diagnostics: string[];
  /** The provider functions the program called (each token once): what a preview's credentials must allow. */
  invokes: string[];
}

interface Declared {
  resource: pulumi.Resource;
  type: string;
  name: string;
  parent: pulumi.Resource | undefined;
  opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
}

interface Registered {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  provider: string | null;
  custom: boolean;
}

let evaluated = false;

/** Resolve an Output to its value (outputs are always known: the mocks run as `up`). */
export function settle<T>(o: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => {
    pulumi.output(o).apply((v) => {
      resolve(v as T);
      return v;
    });
  });
}

/** A stack output as `pulumi stack output` shows it: values resolved, secrets hidden. */
async function displayed(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    return (await pulumi.isSecret(value)) ? "[secret]" : displayed(await settle(value));
  }
  if (Array.isArray(value)) return Promise.all(value.map(displayed));
  if (value && typeof value === "object") {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await displayed(v)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}

/** `urn:pulumi:s::p::type::name::id` (a provider reference) -> `name`. */
function providerName(ref: string | undefined): string | null {
  if (!ref) return null;
  const urn = ref.slice(0, ref.lastIndexOf("::"));
  const name = urn.slice(urn.lastIndexOf("::") + 2);
  return name.startsWith("default") ? null : name;
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * A URN as the engine writes it: the mock monitor chains the stack's own type into its
 * children's URNs (`pulumi:pulumi:Stack$A$B`), the engine does not (`A$B`).
 */
function engineUrn(urn: string): string {
  const parts = urn.split("::");
  const qualified = parts[2] ?? "";
  parts[2] = qualified.startsWith(`${STACK_TYPE}$`) ? qualified.slice(STACK_TYPE.length + 1) : qualified;
  return parts.join("::");
}

/** `urn:pulumi:s::p::A$B::name` -> `A$B`; undefined for the stack itself, whose children's URNs omit it. */
function qualifiedType(urn: string): string | undefined {
  const qualified = engineUrn(urn).split("::")[2];
  return qualified === STACK_TYPE ? undefined : qualified;
}

/** An alias as the URN it stands for, filled in from the resource the way Pulumi does. */
async function aliasUrn(alias: pulumi.Input<string | pulumi.Alias>, d: Declared, stack: string): Promise<string> {
  const a = await settle(alias);
  if (typeof a === "string") return engineUrn(a);
  const parent = a.parent ?? d.parent;
  const parentUrn =
    parent === undefined ? undefined : await settle(pulumi.Resource.isInstance(parent) ? parent.urn : parent);
  const parentType = parentUrn ? qualifiedType(parentUrn) : undefined;
  const type = await settle(a.type ?? d.type);
  return [
    `urn:pulumi:${await settle(a.stack ?? stack)}`,
    await settle(a.project ?? PROJECT),
    parentType ? `${parentType}$${type}` : type,
    await settle(a.name ?? d.name),
  ].join("::");
}

function key(type: string, name: string): string {
  return `${type}::${name}`;
}

export async function evaluate(
  stack: string,
  config: Record<string, string>,
  program: () => unknown | Promise<unknown>,
): Promise<Plan> {
  if (evaluated) throw new Error("evaluate() runs once per process: Pulumi's runtime state is global");
  evaluated = true;

  const registered = new Map<string, Registered>();
  const unmocked = new Set<string>();
  const invokes = new Set<string>();
  const failIfUnmocked = () => {
    if (unmocked.size > 0) {
      throw new Error(
        `unmocked invoke ${[...unmocked].join(", ")}: add it to FAKE_INVOKES if the program really needs it`,
      );
    }
  };
  const providerAccounts = new Map<string, string>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const k = key(args.type, args.name);
        if (registered.has(k)) throw new Error(`two resources named ${k}: logical names must be unique per type`);
        const ctx: FakeContext = {
          stack,
          awsAccount: args.provider ? providerAccounts.get(providerName(args.provider) ?? "") : undefined,
        };
        if (args.type === "pulumi:providers:aws" && args.inputs.allowedAccountIds) {
          // Provider config reaches the engine JSON-encoded.
          const ids = args.inputs.allowedAccountIds;
          providerAccounts.set(args.name, String((typeof ids === "string" ? JSON.parse(ids) : ids)[0]));
        }
        const { id, state } = fakeOutputs(args.type, args.name, args.inputs, ctx);
        registered.set(k, {
          inputs: args.inputs,
          outputs: { ...state, id },
          provider: providerName(args.provider),
          custom: args.custom ?? true,
        });
        return { id, state };
      },
      call(args) {
        invokes.add(args.token);
        const fake = FAKE_INVOKES[args.token];
        if (fake) return fake(args.inputs);
        // A thrown error loses its message inside the mock monitor and surfaces as
        // unhandled rejections; note the token and fail the whole evaluation instead.
        unmocked.add(args.token);
        return {};
      },
    },
    PROJECT,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config);

  // Without an engine, pulumi.log writes to console.log: keep it off stdout, where the plan goes.
  const diagnostics: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => {
    diagnostics.push(args.map(String).join(" "));
  };
  try {
    return { ...(await run()), diagnostics, invokes: [...invokes].sort() };
  } catch (e) {
    failIfUnmocked();
    throw e;
  } finally {
    console.log = log;
  }

  async function run(): Promise<Omit<Plan, "diagnostics" | "invokes">> {
    const declared: Declared[] = [];
    let raw: unknown = {};
    await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        declared.push({
          resource: args.resource,
          type: args.type,
          name: args.name,
          parent: args.opts.parent,
          opts: args.opts,
        });
        return undefined;
      });
      raw = (await program()) ?? {};
      return raw as Record<string, unknown>;
    });

    // Wait until every declared resource is registered, including any declared late.
    for (let settled = 0; settled < declared.length; ) {
      const batch = declared.slice(settled);
      settled = declared.length;
      await Promise.all(batch.map((d) => settle(d.resource.urn)));
    }

    const names = new Map<pulumi.Resource, string>(declared.map((d) => [d.resource, d.name]));
    // As strict as the invokes: an import ID the provider would refuse fails the plan.
    const badImports = declared.flatMap((d) => {
      const id = d.opts.import;
      const problem = id === undefined ? undefined : importIdProblem(d.type, id);
      return problem ? [`${d.name}: ${problem}`] : [];
    });
    if (badImports.length) throw new Error(`malformed import IDs:\n  ${badImports.join("\n  ")}`);
    const aliases = await Promise.all(
      declared.map((d) => Promise.all((d.opts.aliases ?? []).map((a) => aliasUrn(a, d, stack)))),
    );
    const resources = declared.map((d, i): PlannedResource => {
      const reg = registered.get(key(d.type, d.name));
      if (!reg) throw new Error(`${d.type} ${d.name} was declared but never registered`);
      const dependsOn = ([] as unknown[]).concat(d.opts.dependsOn ?? []);
      const declaredAliases = aliases[i] ?? [];
      return {
        type: d.type,
        name: d.name,
        parent: (d.parent && names.get(d.parent)) ?? null,
        custom: reg.custom,
        inputs: reg.inputs,
        outputs: reg.outputs,
        options: {
          protect: d.opts.protect === true,
          retainOnDelete: d.opts.retainOnDelete === true,
          provider: reg.provider,
          dependsOn: dependsOn.map((r) => names.get(r as pulumi.Resource) ?? "?").sort(),
          import: d.opts.import ?? null,
          ...(declaredAliases.length ? { aliases: [...new Set(declaredAliases)].sort() } : {}),
        },
      };
    });
    const exported = (await displayed(raw)) as Record<string, unknown>;
    // Let the stack's own output registration finish, so nothing is left in flight.
    await pulumi.runtime.disconnect();
    failIfUnmocked();
    return { stack, resources, outputs: exported };
  }
}
