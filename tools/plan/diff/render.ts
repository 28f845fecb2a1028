/**
 * Renders a plan diff (offline or from a credentialed preview) as text for a terminal, JSON
 * for tools, or Markdown for a pull request comment: summary first, then flags, routing, IAM
 * and resources. Text and Markdown say a repeated flag or grant once, with the resources it
 * applies to. The Markdown stays under a size limit (GitHub refuses comments over 65,536
 * characters) by leaving out whole entries from the end, and says what it left out.
 */
import { IAM_VERBS } from "./iam";
import type { Change, Flag, IamChange, PlanDiff, RouteChange, UpstreamChange } from "./model";
import { isEmpty, OPS, UPSTREAM } from "./model";
import { className } from "./resources";
import { EVERY_OTHER } from "./routing";
import { shown, type ValueChange } from "./values";

/** Below GitHub's 65,536, with room for the heading a workflow adds. */
export const MARKDOWN_LIMIT = 60_000;

/** From this many alike, a flag or grant is said once for all of them. */
const GROUP_FROM = 3;

const SUMMARY_ORDER = ["create", "update", "delete", "replace", "import"] as const;

const plain = (s: string) => s;

/** Inline Markdown code that survives backticks in the text. */
export function code(s: string): string {
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = s.startsWith("`") || s.endsWith("`") || !s ? " " : "";
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** A table cell: a pipe would end the cell, even inside code. */
function cell(s: string): string {
  return s.replace(/\|/g, "\\|");
}

function origin(d: PlanDiff): string {
  return d.source === "preview" ? "pulumi preview" : "offline plans";
}

function plural(n: number, word: string): string {
  return n === 1 ? `1 ${word}` : `${n} ${word.replace(/y$/, "ie")}s`;
}

/** Items sharing a key, in first-seen order. */
function groupBy<T>(items: readonly T[], key: (t: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}

function isScalarList(v: unknown): v is unknown[] {
  return Array.isArray(v) && v.every((e) => e === null || typeof e !== "object");
}

/** `old -> new`; for lists of scalars, what was added and removed, which is what a reader looks for. */
export function transition(v: ValueChange, arrow: string, quote = plain, max = 400): string {
  if (isScalarList(v.before) && isScalarList(v.after)) {
    const [before, after] = [v.before, v.after];
    const added = after.filter((e) => !before.includes(e));
    const removed = before.filter((e) => !after.includes(e));
    if (added.length || removed.length) {
      const parts = [
        added.length ? `added ${quote(shown(added, max))}` : "",
        removed.length ? `removed ${quote(shown(removed, max))}` : "",
      ];
      return parts.filter(Boolean).join(", ");
    }
  }
  return `${quote(shown(v.before, max))} ${arrow} ${quote(shown(v.after, max))}`;
}

/** Flags that differ only in the resource's name, each group said once. */
function flagEntries(flags: readonly Flag[], quote: (s: string) => string): string[] {
  return groupBy(flags, (f) => JSON.stringify([f.op, f.type, f.consequence])).map((g) => {
    const [f] = g as [Flag, ...Flag[]];
    if (g.length < GROUP_FROM) return g.map((x) => x.text).join("\n");
    const names = g.map((x) => quote(x.name)).join(", ");
    return `${f.op} of ${plural(g.length, f.what)} (\`${f.type}\`): ${f.consequence}: ${names}`;
  });
}

/** The words every target starts with (`repository`, `Cloud Run service`), if any. */
function commonNoun(targets: readonly string[]): string {
  const words = (targets[0] ?? "").split(" ").slice(0, -1);
  let n = words.length;
  while (n > 0 && !targets.every((t) => t.startsWith(`${words.slice(0, n).join(" ")} `))) n--;
  return words.slice(0, n).join(" ");
}

function iamEntry(g: readonly IamChange[], quote: (s: string) => string, sign: (c: IamChange) => string): string {
  const [c] = g as [IamChange, ...IamChange[]];
  const when = c.when ? ` when ${quote(c.when)}` : "";
  const what = c.what.map(quote).join(", ");
  const via = className(c.via.type);
  const noun = commonNoun(g.map((x) => x.on));
  const targets = g.map((x) => quote(noun ? x.on.slice(noun.length + 1) : x.on)).join(", ");
  const on =
    g.length === 1
      ? `${quote(c.on)}${when} (${via} ${quote(c.via.name)})`
      : `${plural(g.length, noun || "resource")}${when} (${via}): ${targets}`;
  return `${sign(c)} ${quote(c.who)} ${IAM_VERBS[c.op][c.effect]} ${what} on ${on}`;
}

/** Grants that differ only in the resource they apply to, each group said once. */
function iamEntries(iam: readonly IamChange[], quote: (s: string) => string, sign: (c: IamChange) => string): string[] {
  return groupBy(iam, (c) => JSON.stringify([c.op, c.effect, c.who, c.what, c.when, c.via.type])).flatMap((g) =>
    g.length < GROUP_FROM ? g.map((c) => iamEntry([c], quote, sign)) : [iamEntry(g, quote, sign)],
  );
}

// Text -------------------------------------------------------------------------------------

function destination(url: string): string {
  return url === UPSTREAM ? "Artifact Registry" : url;
}

function clients(r: RouteChange): string {
  return r.cloud === EVERY_OTHER ? "every client no mirror claims" : `${r.cloud} ${r.clientRegion}`;
}

function served(region: string | null): string {
  return region ?? "(not served)";
}

export function renderDiffText(d: PlanDiff): string {
  const title = `Plan diff of stack ${d.stack} (${origin(d)})`;
  const notes = d.notes.map((n) => `  ${n}\n`).join("");
  if (isEmpty(d)) return `${title}: no changes: the same resources, IAM and routing.\n${notes}`;
  const out = [`${title}: ${SUMMARY_ORDER.map((op) => `${d.summary[op]} to ${op}`).join(", ")}`];
  /** Each entry is one or more lines; the count is of entries. */
  const section = (name: string, entries: string[]) => {
    if (entries.length)
      out.push("", `${name} (${entries.length})`, ...entries.flatMap((e) => e.split("\n")).map((l) => `  ${l}`));
  };
  section(
    "Flags",
    flagEntries(d.flags, plain).map((e) => e.replace(/^/gm, "! ")),
  );
  section(
    "Blob routing",
    d.routing.map((r) => `${clients(r)}: ${destination(r.before)} -> ${destination(r.after)}`),
  );
  section(
    "Artifact Registry upstream per Cloud Run region",
    d.upstreams.map((u) => `${u.region}: ${served(u.before)} -> ${served(u.after)}`),
  );
  section(
    "IAM",
    iamEntries(d.iam, plain, (c) => (c.op === "gain" ? "+" : "-")),
  );
  section("Notes", d.notes);
  const width = Math.max(0, ...d.changes.map((c) => c.op.length));
  const indent = " ".repeat(width + 4);
  section(
    "Resources",
    d.changes.map((c) =>
      [
        `${c.op.padEnd(width)}  ${c.type}  ${c.name}`,
        ...(c.note ? [`${indent}${c.note}`] : []),
        ...c.values.map((v) => `${indent}${v.path}: ${transition(v, "->")}`),
      ].join("\n"),
    ),
  );
  return `${out.join("\n")}\n`;
}

// JSON -------------------------------------------------------------------------------------

/** The documented shape (issue 14): tooling depends on exactly these keys. */
export function renderDiffJson(d: PlanDiff): string {
  const doc = {
    summary: Object.fromEntries(SUMMARY_ORDER.map((op) => [op, d.summary[op]])),
    flags: d.flags.map(({ op, type, name, reasons, text }) => ({ op, type, name, reasons, text })),
    changes: d.changes.map(({ op, type, name, paths }) => ({ op, type, name, paths })),
    iam: d.iam.map(({ op, effect, who, what, on, when, via, text }) => ({
      op,
      effect,
      who,
      what,
      on,
      when,
      via,
      text,
    })),
    routing: d.routing.map(({ cloud, clientRegion, before, after }) => ({ cloud, clientRegion, before, after })),
    upstreams: d.upstreams.map(({ region, before, after }) => ({ region, before, after })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

// Markdown ---------------------------------------------------------------------------------

function routeRow(r: RouteChange): string {
  const where = r.cloud === EVERY_OTHER ? "every client no mirror claims" : `${r.cloud} ${code(r.clientRegion)}`;
  const dest = (u: string) => (u === UPSTREAM ? "Artifact Registry" : code(u));
  return `| ${cell(where)} | ${cell(dest(r.before))} | ${cell(dest(r.after))} |`;
}

function upstreamRow(u: UpstreamChange): string {
  const region = (r: string | null) => (r ? code(r) : "(not served)");
  return `| ${cell(code(u.region))} | ${cell(region(u.before))} | ${cell(region(u.after))} |`;
}

function changeEntry(c: Change): string {
  const lines = [`- ${code(c.name)} (${code(c.type)})${c.note ? `: ${c.note}` : ""}`];
  for (const v of c.values) lines.push(`  - ${code(v.path)}: ${transition(v, "→", code, 300)}`);
  return lines.join("\n");
}

interface Section {
  /** How the cut note names it. */
  name: string;
  heading: string;
  /** Text between the heading and the entries (a table's header). */
  intro?: string;
  entries: string[];
}

function sections(d: PlanDiff): Section[] {
  const all: Section[] = [
    { name: "flags", heading: "⚠️ Flags", entries: flagEntries(d.flags, code).map((e) => e.replace(/^/gm, "- ")) },
    {
      name: "blob routing",
      heading: "Blob routing",
      intro:
        "Where each client's blobs go (manifests always come from Artifact Registry):\n\n| clients | before | after |\n|---|---|---|",
      entries: d.routing.map(routeRow),
    },
    {
      name: "upstreams",
      heading: "Artifact Registry upstream per Cloud Run region",
      intro: "| Cloud Run region | before | after |\n|---|---|---|",
      entries: d.upstreams.map(upstreamRow),
    },
    {
      name: "IAM",
      heading: "IAM",
      entries: iamEntries(d.iam, code, (c) => (c.op === "gain" ? "- ➕" : "- ➖")),
    },
    { name: "notes", heading: "Notes", entries: d.notes.map((n) => `- ${n}`) },
    ...OPS.map((op) => ({
      name: op,
      heading: `${op[0]?.toUpperCase()}${op.slice(1)} (${d.summary[op]})`,
      entries: d.changes.filter((c) => c.op === op).map(changeEntry),
    })),
  ];
  return all.filter((s) => s.entries.length);
}

function summaryLine(d: PlanDiff): string {
  const parts = SUMMARY_ORDER.map((op) => (d.summary[op] ? `**${d.summary[op]} to ${op}**` : `0 to ${op}`));
  return `${parts.join(" · ")}${d.flags.length ? ` · **${d.flags.length} flagged**` : ""}`;
}

const FULL_DIFF = {
  plan: "`npm run plan -- --diff <base> <head>`",
  preview: "`npm run plan -- --preview <preview.json>` (the workflow run keeps the JSON)",
} as const;

const OFFLINE_CAVEAT =
  "<sub>Offline plans know a replace only when the URN changes (name, type or parent); whether a provider replaces a resource for an input change only the credentialed preview knows.</sub>";

/**
 * The comment body, at most `limit` characters: whole entries in order until the next would
 * not fit, then a note of what was left out.
 */
export function renderDiffMarkdown(d: PlanDiff, limit = MARKDOWN_LIMIT): string {
  const head = [`### Plan diff: stack ${code(d.stack)} (${origin(d)})`, ""];
  if (isEmpty(d)) {
    return `${[...head, "No changes: the same resources, IAM and routing.", ...d.notes.map((n) => `\n- ${n}`)].join("\n")}\n`;
  }
  head.push(summaryLine(d));
  const tail = d.source === "plan" ? ["", OFFLINE_CAVEAT] : [];
  const body: string[] = [];
  const leftOut: string[] = [];
  // Room for the note of what was left out, so adding it cannot break the limit.
  let size = [...head, ...tail].join("\n").length + 1 + 1000;
  let full = false;
  for (const s of sections(d)) {
    const heading = ["", `#### ${s.heading}`, "", ...(s.intro ? [s.intro] : [])].join("\n");
    let kept = 0;
    if (!full && size + heading.length + (s.entries[0]?.length ?? 0) + 2 <= limit) {
      body.push(heading);
      size += heading.length + 1;
      for (const e of s.entries) {
        if (size + e.length + 1 > limit) break;
        body.push(e);
        size += e.length + 1;
        kept++;
      }
    }
    if (kept < s.entries.length) {
      full = true;
      leftOut.push(kept ? `${s.entries.length - kept} of ${s.entries.length} ${s.name} entries` : `all ${s.name}`);
    }
  }
  const note = leftOut.length
    ? [
        "",
        `**Cut to stay under ${limit.toLocaleString("en-US")} characters**: left out ${leftOut.join(", ")}. ${FULL_DIFF[d.source]} shows everything.`,
      ]
    : [];
  return `${[...head, ...body, ...note, ...tail].join("\n")}\n`;
}
