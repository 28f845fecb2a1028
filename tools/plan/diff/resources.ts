/**
 * Pure: which resources two plans create, delete, update, adopt or replace, matched the way
 * Pulumi matches them: by URN (the chain of parent types, the type, the name). A resource whose
 * URN changes is a different resource to Pulumi: it creates the new one and deletes the old
 * one, unless the new one names the old URN in `aliases`. The diff pairs such deletes and
 * creates into replaces when they are evidently one resource (same import ID, same name, same
 * inputs), and says why. A provider's own replace-on-change rules are not known offline.
 */
import { byCodePoint } from "../../../infra/compare";
import type { Change, DiffResource, Flag, FlagReason, Op } from "./model";
import { OPS } from "./model";
import { sameJson, type ValueChange, valueChanges } from "./values";

/** Resource classes that hold data: deleting one loses what it holds. */
const DATA_CLASSES = new Set(["Bucket", "BucketV2", "R2Bucket", "Repository"]);

export function className(type: string): string {
  return type.split(":")[2] ?? type;
}

export function isDataBearing(type: string): boolean {
  return DATA_CLASSES.has(className(type));
}

/** The options Pulumi acts on besides inputs (dependsOn only orders operations: not a change). */
function optionChanges(a: DiffResource, b: DiffResource): ValueChange[] {
  const pick = (r: DiffResource) => ({ protect: r.protect, retainOnDelete: r.retainOnDelete, provider: r.provider });
  return valueChanges(pick(a), pick(b), "options");
}

function inputAndOptionChanges(a: DiffResource, b: DiffResource): ValueChange[] {
  return [...valueChanges(a.inputs, b.inputs), ...optionChanges(a, b)];
}

function change(op: Op, r: DiffResource, values: ValueChange[] = [], note?: string, urnChanged = false): Change {
  const paths = [...(urnChanged ? ["urn"] : []), ...values.map((v) => v.path)];
  return { op, type: r.type, name: r.name, paths, values, ...(note ? { note } : {}) };
}

function isCloudResource(r: DiffResource): boolean {
  return !r.type.startsWith("pulumi:providers:") && Object.keys(r.inputs).length > 0;
}

/** Why a delete and a create are one resource, tried in this order; undefined if they are not. */
function samePair(d: DiffResource, c: DiffResource): "import" | "name" | "type" | "inputs" | undefined {
  if (d.type === c.type && d.import && d.import === c.import) return "import";
  if (d.type === c.type && d.name === c.name) return "name";
  if (d.name === c.name && d.parent === c.parent) return "type";
  if (d.type === c.type && d.parent === c.parent && isCloudResource(d) && sameJson(d.inputs, c.inputs)) {
    return "inputs";
  }
  return undefined;
}

/** `A$B$type::name` -> `A$B`: the parent types, which the URN holds (the parent's name it does not). */
function parentTypes(key: string): string {
  const qualified = key.slice(0, key.lastIndexOf("::"));
  return qualified.slice(0, Math.max(0, qualified.lastIndexOf("$")));
}

/** `mirrors` (`registry:aws:BlobMirrors`): a parent as the URN sees it, by its type. */
function parentLabel(r: DiffResource): string {
  const types = parentTypes(r.key);
  return r.parent === null ? "the stack" : `\`${r.parent}\` (\`${types.slice(types.lastIndexOf("$") + 1)}\`)`;
}

function urnChange(d: DiffResource, c: DiffResource): string {
  return [
    d.type !== c.type ? `type \`${d.type}\` → \`${c.type}\`` : "",
    d.name !== c.name ? `name \`${d.name}\` → \`${c.name}\`` : "",
    parentTypes(d.key) !== parentTypes(c.key) ? `parent ${parentLabel(d)} → ${parentLabel(c)}` : "",
  ]
    .filter(Boolean)
    .join(", ");
}

export function flagOf(op: "delete" | "replace", old: DiffResource, sameIdentity: boolean): Flag | undefined {
  const reasons: FlagReason[] = [];
  if (old.protect) reasons.push("protect");
  if (old.retainOnDelete) reasons.push("retainOnDelete");
  if (isDataBearing(old.type)) reasons.push("data");
  if (sameIdentity) reasons.push("same-identity");
  if (!reasons.length) return undefined;
  const cls = className(old.type);
  const what = cls === "Repository" ? "repository" : /Bucket(V2)?$/.test(cls) ? "bucket" : "resource";
  const consequences = [
    old.protect ? "protected: `pulumi up` refuses until `pulumi state unprotect`" : "",
    old.retainOnDelete ? "retainOnDelete: it stays in the cloud, no longer managed" : "",
    isDataBearing(old.type) && !old.retainOnDelete ? "what it holds is deleted with it" : "",
    sameIdentity
      ? "the new resource is the same cloud object: creating it clashes with the old one, or (an IAM grant) deleting the old one afterwards revokes it; declare the old URN in `aliases` instead"
      : "",
  ].filter(Boolean);
  const consequence = consequences.join("; ");
  return {
    op,
    type: old.type,
    name: old.name,
    reasons,
    what,
    consequence,
    text: `${op} of ${what} \`${old.name}\` (\`${old.type}\`): ${consequence}`,
  };
}

export interface ResourceDiff {
  changes: Change[];
  flags: Flag[];
  notes: string[];
}

const OP_ORDER = new Map(OPS.map((op, i) => [op, i]));

export function sortChanges(changes: Change[]): Change[] {
  return changes.sort(
    (a, b) =>
      (OP_ORDER.get(a.op) ?? 0) - (OP_ORDER.get(b.op) ?? 0) ||
      byCodePoint(a.type, b.type) ||
      byCodePoint(a.name, b.name),
  );
}

/** Data first, then what is protected: the flags a reviewer must read first come first. */
function severity(f: Flag): number {
  return (f.reasons.includes("data") ? 0 : 2) + (f.reasons.includes("protect") ? 0 : 1);
}

export function sortFlags(flags: Flag[]): Flag[] {
  return flags.sort(
    (a, b) =>
      severity(a) - severity(b) ||
      byCodePoint(a.op, b.op) ||
      byCodePoint(a.type, b.type) ||
      byCodePoint(a.name, b.name),
  );
}

export function diffResources(base: readonly DiffResource[], head: readonly DiffResource[]): ResourceDiff {
  const baseByKey = new Map(base.map((r) => [r.key, r]));
  const headKeys = new Set(head.map((r) => r.key));
  const changes: Change[] = [];
  const flags: Flag[] = [];
  const notes: string[] = [];
  const unimported: string[] = [];

  const created: DiffResource[] = [];
  for (const h of head) {
    const b = baseByKey.get(h.key);
    if (!b) {
      created.push(h);
      continue;
    }
    const values = inputAndOptionChanges(b, h);
    if (h.import && h.import !== b.import) {
      const note = b.import
        ? `adopts \`${h.import}\` instead of \`${b.import}\``
        : `adopts \`${h.import}\` (was created)`;
      changes.push(change("import", h, values, note));
    } else if (values.length) {
      changes.push(change("update", h, values));
    }
    if (b.import && !h.import) unimported.push(h.name);
  }
  let deleted = base.filter((b) => !headKeys.has(b.key));

  // A resource that names its old URN in `aliases` is the same resource to Pulumi.
  for (const c of [...created]) {
    const d = deleted.find((x) => c.aliases.includes(x.key));
    if (!d) continue;
    created.splice(created.indexOf(c), 1);
    deleted = deleted.filter((x) => x !== d);
    const values = inputAndOptionChanges(d, c);
    const note = `was \`${d.name}\` (${urnChange(d, c)}); its \`aliases\` keep it the same resource`;
    if (values.length) changes.push(change("update", c, values, note));
    else notes.push(`\`${c.type}\` \`${c.name}\` ${note}: no change in the cloud.`);
  }

  for (const rule of ["import", "name", "type", "inputs"] as const) {
    for (const c of [...created]) {
      const d = deleted.find((x) => samePair(x, c) === rule);
      if (!d) continue;
      created.splice(created.indexOf(c), 1);
      deleted = deleted.filter((x) => x !== d);
      // The same cloud object under a new URN: what a restructure without aliases does.
      const sameIdentity = rule === "import" || (isCloudResource(d) && sameJson(d.inputs, c.inputs));
      const note = `new URN (${urnChange(d, c)}): Pulumi creates the new one, then deletes the old one, unless the new one declares the old URN in \`aliases\``;
      changes.push(change("replace", c, inputAndOptionChanges(d, c), note, true));
      const flag = flagOf("replace", d, sameIdentity);
      if (flag) flags.push(flag);
    }
  }

  for (const c of created) {
    changes.push(c.import ? change("import", c, [], `adopts \`${c.import}\``) : change("create", c));
  }
  for (const d of deleted) {
    changes.push(change("delete", d));
    const flag = flagOf("delete", d, false);
    if (flag) flags.push(flag);
  }
  if (unimported.length) {
    const few = unimported.length <= 10 ? `: ${unimported.map((n) => `\`${n}\``).join(", ")}` : "";
    notes.push(
      `${unimported.length} resources are no longer imported${few}. Once a \`pulumi up\` has adopted them this changes nothing in the cloud.`,
    );
  }
  return { changes: sortChanges(changes), flags: sortFlags(flags), notes };
}
