/**
 * A credentialed `pulumi preview --json` in the plan diff's model, so its comment reads like
 * the offline one. The document is Pulumi's preview digest: `steps` (each with `op`, `urn`,
 * `oldState`/`newState` holding `inputs`, `diffReasons`, `replaceReasons`, `detailedDiff`),
 * `diagnostics` and `changeSummary`; secrets in it are already "[secret]". A replacement is
 * three steps of one URN (`create-replacement`, `replace`, `delete-replaced`): one change here.
 */
import { z } from "zod";
import { byCodePoint } from "../../../infra/compare";
import { diffIam } from "./iam";
import type { Change, DiffResource, Flag, Op, PlanDiff } from "./model";
import { summaryOf } from "./model";
import { keyOfUrn } from "./plan";
import { flagOf, sortChanges, sortFlags } from "./resources";
import { normalized, type ValueChange, valueChanges } from "./values";

const State = z.object({
  urn: z.string(),
  type: z.string(),
  custom: z.boolean().optional(),
  id: z.string().optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  parent: z.string().optional(),
  protect: z.boolean().optional(),
  retainOnDelete: z.boolean().optional(),
  provider: z.string().optional(),
  importID: z.string().optional(),
  aliases: z.array(z.string()).optional(),
});
type State = z.infer<typeof State>;

const Step = z.object({
  op: z.string(),
  urn: z.string(),
  provider: z.string().optional(),
  oldState: State.nullish(),
  newState: State.nullish(),
  diffReasons: z.array(z.string()).nullish(),
  replaceReasons: z.array(z.string()).nullish(),
  detailedDiff: z.record(z.string(), z.object({ kind: z.string(), inputDiff: z.boolean().optional() })).nullish(),
});
type Step = z.infer<typeof Step>;

export const PreviewDocument = z.object({
  steps: z.array(Step).default([]),
  diagnostics: z
    .array(
      z.object({
        urn: z.string().optional(),
        prefix: z.string().optional(),
        message: z.string().optional(),
        severity: z.string().optional(),
      }),
    )
    .default([]),
  changeSummary: z.record(z.string(), z.number()).optional(),
});
export type PreviewDocument = z.infer<typeof PreviewDocument>;

/** Whether a parsed JSON document is a preview digest rather than a plan. */
export function looksLikePreview(doc: unknown): boolean {
  return !!doc && typeof doc === "object" && !("resources" in doc) && ("steps" in doc || "changeSummary" in doc);
}

/** The engine's step operations, as the diff's; reads, refreshes and sames change nothing. */
const OPS: Record<string, Op> = {
  create: "create",
  update: "update",
  delete: "delete",
  replace: "replace",
  "create-replacement": "replace",
  "delete-replaced": "replace",
  import: "import",
  "import-replacement": "import",
};

const ROOT_TYPE = "pulumi:pulumi:Stack";

function nameOfUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

function typeOfUrn(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.slice(qualified.lastIndexOf("$") + 1);
}

function resourceOf(s: State): DiffResource {
  const parentIsRoot = !s.parent || typeOfUrn(s.parent) === ROOT_TYPE;
  return {
    type: s.type,
    name: nameOfUrn(s.urn),
    parent: parentIsRoot || !s.parent ? null : nameOfUrn(s.parent),
    key: keyOfUrn(s.urn),
    inputs: normalized(s.inputs ?? {}) as Record<string, unknown>,
    protect: s.protect ?? false,
    retainOnDelete: s.retainOnDelete ?? false,
    provider: s.provider ? nameOfUrn(s.provider.slice(0, s.provider.lastIndexOf("::"))) : null,
    import: s.importID ?? null,
    aliases: (s.aliases ?? []).map(keyOfUrn),
  };
}

interface Merged {
  op: Op;
  urn: string;
  old?: State;
  new?: State;
  keys: Set<string>;
  replaceKeys: Set<string>;
}

function merge(steps: readonly Step[]): Merged[] {
  const byUrn = new Map<string, Merged>();
  for (const s of steps) {
    const op = OPS[s.op];
    if (!op || typeOfUrn(s.urn) === ROOT_TYPE) continue;
    const m = byUrn.get(s.urn) ?? { op, urn: s.urn, keys: new Set<string>(), replaceKeys: new Set<string>() };
    // Each step of a replacement carries part of the picture: the old state, the new one, the reasons.
    if (s.op !== "create-replacement" && s.oldState) m.old ??= s.oldState;
    if (s.op !== "delete-replaced" && s.newState) m.new = s.newState;
    for (const k of [...Object.keys(s.detailedDiff ?? {}), ...(s.diffReasons ?? []), ...(s.replaceReasons ?? [])]) {
      m.keys.add(k);
    }
    for (const k of s.replaceReasons ?? []) m.replaceKeys.add(k);
    for (const [k, d] of Object.entries(s.detailedDiff ?? {})) if (d.kind.endsWith("-replace")) m.replaceKeys.add(k);
    byUrn.set(s.urn, m);
  }
  return [...byUrn.values()];
}

/** The top-level property of an engine path (`a.b[0]`, `["a.b"].c`). */
function topKey(path: string): string {
  const m = /^\["((?:[^"\\]|\\.)*)"\]|^([^.[]+)/.exec(path);
  return m?.[1] !== undefined ? JSON.parse(`"${m[1]}"`) : (m?.[2] ?? path);
}

/** Leaf changes under the engine's changed keys; a key with no input leaf (an output-only diff) stays a path. */
function changedValues(m: Merged, old?: DiffResource, now?: DiffResource): { paths: string[]; values: ValueChange[] } {
  const tops = new Set([...m.keys].map(topKey));
  const values = valueChanges(old?.inputs ?? {}, now?.inputs ?? {}).filter((v) => tops.has(topKey(v.path)));
  const covered = new Set(values.map((v) => topKey(v.path)));
  const extra = [...m.keys].filter((k) => !covered.has(topKey(k))).sort(byCodePoint);
  return { paths: [...values.map((v) => v.path), ...extra], values };
}

function noteOf(m: Merged): string | undefined {
  if (m.op === "replace") {
    const why = [...m.replaceKeys].sort(byCodePoint);
    return `the provider replaces it${why.length ? ` for ${why.map((k) => `\`${k}\``).join(", ")}` : ""}`;
  }
  if (m.op === "import") return `adopts \`${m.new?.importID ?? m.new?.id ?? "?"}\``;
  return undefined;
}

function diagnosticNotes(doc: PreviewDocument): string[] {
  return doc.diagnostics
    .filter((d) => d.severity === "error" || d.severity === "warning")
    .map((d) => {
      const text = `${d.prefix ?? ""}${d.message ?? ""}`.trim().split("\n")[0] ?? "";
      const where = d.urn ? ` (${nameOfUrn(d.urn)})` : "";
      return `${d.severity}${where}: ${text.length > 300 ? `${text.slice(0, 299)}…` : text}`;
    });
}

/** `stack` names the stack when the preview's steps do not (a preview without changes has none). */
export function previewDiff(doc: PreviewDocument, stack?: string): PlanDiff {
  const merged = merge(doc.steps);
  const changes: Change[] = [];
  const flags: Flag[] = [];
  const before: DiffResource[] = [];
  const after: DiffResource[] = [];
  for (const m of merged) {
    const old = m.old ? resourceOf(m.old) : undefined;
    const now = m.new ? resourceOf(m.new) : undefined;
    if (old && m.op !== "create" && m.op !== "import") before.push(old);
    if (now && m.op !== "delete") after.push(now);
    const { paths, values } =
      m.op === "update" || m.op === "replace" ? changedValues(m, old, now) : { paths: [], values: [] };
    const note = noteOf(m);
    changes.push({
      op: m.op,
      type: (now ?? old)?.type ?? typeOfUrn(m.urn),
      name: nameOfUrn(m.urn),
      paths,
      values,
      ...(note ? { note } : {}),
    });
    if (old && (m.op === "delete" || m.op === "replace")) {
      const flag = flagOf(m.op, old, false);
      if (flag) flags.push(flag);
    }
  }
  const sorted = sortChanges(changes);
  return {
    stack: /^urn:pulumi:([^:]+)::/.exec(doc.steps[0]?.urn ?? "")?.[1] ?? stack ?? "(unknown)",
    source: "preview",
    summary: summaryOf(sorted),
    flags: sortFlags(flags),
    changes: sorted,
    iam: diffIam(before, after),
    routing: [],
    upstreams: [],
    notes: [
      ...diagnosticNotes(doc),
      ...(sorted.length
        ? ["Blob routing and upstreams are in the offline plan diff: a preview does not compute stack outputs."]
        : []),
    ],
  };
}
