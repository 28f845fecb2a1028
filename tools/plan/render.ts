/**
 * Renders a Plan as text (for a terminal), JSON (for tools and the plan diff) or Markdown
 * (the whole plan, for reading). Pure and deterministic: same plan, same bytes.
 */
import { isDeepStrictEqual } from "node:util";
import { stringify } from "yaml";
import { byCodePoint } from "../../infra/compare";
import { CONFIG_ENV as ROUTING_ENV } from "../../infra/gcp/redirector-container";
import type { RoutingTableInput } from "../../redirector/routing-table";
import type { Plan, PlannedResource } from "./engine";

export interface Placement {
  cloud: string;
  region: string;
}

/** Which cloud and region a resource lives in, for grouping. */
export function placement(r: PlannedResource): Placement {
  const [pkg = "", module = ""] = r.type.split(":");
  const cloud =
    pkg === "pulumi" ? module.replace(/^providers$/, r.type.split(":")[2] ?? "") : pkg === "registry" ? module : pkg;
  const i = r.inputs as { region?: unknown; location?: unknown };
  const region = typeof i.region === "string" ? i.region : typeof i.location === "string" ? i.location : "global";
  return { cloud, region };
}

function groupKey(r: PlannedResource): string {
  const p = placement(r);
  return `${p.cloud} / ${p.region}`;
}

/** Resources sorted by cloud, region, type, name: independent of declaration timing. */
export function sortedResources(plan: Plan): PlannedResource[] {
  return [...plan.resources].sort(
    (a, b) => byCodePoint(groupKey(a), groupKey(b)) || byCodePoint(a.type, b.type) || byCodePoint(a.name, b.name),
  );
}

/** What `pulumi up` does to a resource's cloud object: adopt it, create it, or nothing (components, providers). */
export function action(r: PlannedResource): "adopt" | "create" | null {
  if (r.options.import) return "adopt";
  return r.custom && !r.type.startsWith("pulumi:providers:") ? "create" : null;
}

export interface SummaryRow {
  cloud: string;
  region: string;
  resources: number;
  /** Cloud resources that exist and are imported. */
  adopt: number;
  /** Cloud resources the first `up` creates. */
  create: number;
}

export function summary(plan: Plan): SummaryRow[] {
  const counts = new Map<string, SummaryRow>();
  for (const r of sortedResources(plan)) {
    const p = placement(r);
    const k = `${p.cloud} / ${p.region}`;
    const row = counts.get(k) ?? { ...p, resources: 0, adopt: 0, create: 0 };
    row.resources++;
    const a = action(r);
    if (a) row[a]++;
    counts.set(k, row);
  }
  return [...counts.values()];
}

function totals(rows: readonly SummaryRow[]): { adopt: number; create: number } {
  return rows.reduce((t, r) => ({ adopt: t.adopt + r.adopt, create: t.create + r.create }), { adopt: 0, create: 0 });
}

function optionFlags(r: PlannedResource): string[] {
  const o = r.options;
  return [
    o.protect ? "protect" : "",
    o.retainOnDelete ? "retainOnDelete" : "",
    o.provider ? `provider=${o.provider}` : "",
    o.dependsOn.length ? `dependsOn=${o.dependsOn.join(",")}` : "",
    o.import ? `import=${o.import}` : "",
  ].filter(Boolean);
}

function groups(plan: Plan): Map<string, PlannedResource[]> {
  const byGroup = new Map<string, PlannedResource[]>();
  for (const r of sortedResources(plan)) {
    const k = groupKey(r);
    byGroup.set(k, [...(byGroup.get(k) ?? []), r]);
  }
  return byGroup;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

export function renderText(plan: Plan): string {
  const lines = [`Stack ${plan.stack}: ${plan.resources.length} resources`, ""];
  for (const [group, resources] of groups(plan)) {
    lines.push(`${group} (${resources.length})`);
    const width = Math.max(...resources.map((r) => r.type.length));
    for (const r of resources) {
      const extras = [r.parent ? `parent=${r.parent}` : "", ...optionFlags(r)].filter(Boolean).join(" ");
      lines.push(`  ${pad(r.type, width)}  ${r.name}${extras ? `  [${extras}]` : ""}`);
    }
    lines.push("");
  }
  lines.push("Summary");
  const rows = summary(plan);
  const cw = Math.max(5, ...rows.map((r) => r.cloud.length));
  const rw = Math.max(6, ...rows.map((r) => r.region.length));
  const row = (cloud: string, region: string, n: number, adopt: number, create: number) =>
    `  ${pad(cloud, cw)}  ${pad(region, rw)}  ${pad(String(n), 9)}  ${pad(String(adopt), 5)}  ${create}`;
  lines.push(`  ${pad("cloud", cw)}  ${pad("region", rw)}  resources  adopt  create`);
  for (const r of rows) lines.push(row(r.cloud, r.region, r.resources, r.adopt, r.create));
  const t = totals(rows);
  lines.push(row("total", "", plan.resources.length, t.adopt, t.create));
  return `${lines.join("\n")}\n`;
}

/** The JSON document of the plan's contract: types, names, components or not, parents, inputs, options. */
export function renderJson(plan: Plan): string {
  const resources = sortedResources(plan).map((r) => ({
    type: r.type,
    name: r.name,
    // A component may share its name with a child (a SyncJob and its Cloud Run job): this
    // tells the plan diff which one a `parent` names.
    custom: r.custom,
    parent: r.parent,
    inputs: r.inputs,
    options: r.options,
  }));
  return `${JSON.stringify({ stack: plan.stack, resources, outputs: plan.outputs }, null, 2)}\n`;
}

/** Names a JSON document the plan shows elsewhere (a routing table), or undefined. */
type Reference = (doc: unknown) => string | undefined;

/**
 * JSON documents held in string inputs (IAM policies, routing tables) shown as structure,
 * or as a pointer when `reference` knows the document.
 */
function expandJsonStrings(value: unknown, reference: Reference = () => undefined): unknown {
  if (typeof value === "string" && /^\s*[{[]/.test(value)) {
    let doc: unknown;
    try {
      doc = JSON.parse(value);
    } catch {
      return value;
    }
    return reference(doc) ?? expandJsonStrings(doc, reference);
  }
  if (Array.isArray(value)) return value.map((v) => expandJsonStrings(v, reference));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandJsonStrings(v, reference)]));
  }
  return value;
}

function yaml(value: unknown, reference?: Reference): string {
  return stringify(expandJsonStrings(value, reference), { sortMapEntries: true, lineWidth: 0 }).trimEnd();
}

/** `a.b[2].c` -> leaf value; arrays of objects are leaves, compared whole. */
function leaves(value: unknown, path = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out);
  } else {
    out.set(path, value);
  }
  return out;
}

/** Where `other` differs from `base`: `path: value` lines, `path: (absent)` for removed keys. */
export function differences(base: unknown, other: unknown): string[] {
  const a = leaves(base);
  const b = leaves(other);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((p) => !isDeepStrictEqual(a.get(p), b.get(p)))
    .map((p) => `${p}: ${b.has(p) ? JSON.stringify(b.get(p)) : "(absent)"}`);
}

/**
 * The routing tables, once: the first in full, the others as their differences from it
 * (in practice only the upstream). Resource inputs holding exactly one of them point here
 * instead of repeating it; anything else is shown in full where it is.
 */
export function routingTablesSection(tables: Record<string, RoutingTableInput>): string[] {
  const [first, ...rest] = Object.keys(tables);
  if (first === undefined) return [];
  const out = [
    "## Routing tables",
    "",
    `Each Cloud Run service gets its region's routing table in \`${ROUTING_ENV}\`. Below, a service's`,
    "environment shows a reference to its table when it holds exactly that table.",
    "",
    `| region | differs from \`${first}\` in |`,
    "|---|---|",
  ];
  for (const region of rest) {
    const diff = differences(tables[first], tables[region]);
    out.push(`| ${region} | ${diff.length ? diff.map((d) => `\`${d}\``).join("<br/>") : "nothing"} |`);
  }
  out.push("", `\`${first}\`:`, "", "```yaml", yaml(tables[first]), "```", "");
  return out;
}

function routingTableReference(tables: Record<string, RoutingTableInput>): Reference {
  return (doc) => {
    const region = Object.keys(tables).find((r) => isDeepStrictEqual(doc, JSON.parse(JSON.stringify(tables[r]))));
    return region === undefined ? undefined : `(routing table of ${region}: see "Routing tables")`;
  };
}

function mermaidId(s: string): string {
  return s.replace(/[^A-Za-z0-9]/g, "_");
}

/** Client cloud/region -> the mirror or upstream its blobs come from. */
export function routingDiagram(table: RoutingTableInput, arRegions: number): string {
  const lines = ["```mermaid", "flowchart LR"];
  const ar = `ar[("Artifact Registry<br/>nearest of ${arRegions} regions")]`;
  lines.push(`  ${ar}`);
  for (const cloud of table.upstreamClouds ?? ["gcp"]) {
    lines.push(`  ${mermaidId(`c_${cloud}`)}["${cloud} clients"] -->|all blobs| ar`);
  }
  const mirrors = new Map<string, string>();
  for (const m of table.mirrors ?? []) {
    const host = new URL(m.baseUrl).host;
    const id = mirrorsId(mirrors, host);
    lines.push(`  ${mermaidId(`c_${m.cloud}_${m.clientRegion}`)}["${m.cloud} ${m.clientRegion}"] --> ${id}`);
  }
  if (table.defaultBlobBaseUrl) {
    const id = mirrorsId(mirrors, new URL(table.defaultBlobBaseUrl).host);
    lines.push(`  c_other["every other client"] --> ${id}`);
  } else {
    lines.push(`  c_other["every other client"] --> ar`);
  }
  for (const [host, id] of mirrors) lines.push(`  ${id}[("${host}")] -.->|blob missing or mirror down| ar`);
  lines.push("```");
  return lines.join("\n");
}

function mirrorsId(mirrors: Map<string, string>, host: string): string {
  const existing = mirrors.get(host);
  if (existing) return existing;
  const id = `m${mirrors.size}`;
  mirrors.set(host, id);
  return id;
}

export interface MarkdownContext {
  /** The stack file the plan came from, as shown to readers. */
  source: string;
  /** Each Cloud Run region's routing table, and the AR region count. */
  routing?: { tables: Record<string, RoutingTableInput>; arRegions: number };
}

export function renderMarkdown(plan: Plan, ctx: MarkdownContext): string {
  const out = [
    `# Plan: stack \`${plan.stack}\``,
    "",
    `What \`pulumi up\` would declare from \`${ctx.source}\`, evaluated offline by \`npm run plan\` under Pulumi's`,
    "mock engine (cloud-assigned values are deterministic fakes). JSON held in string inputs (policies) is",
    'shown expanded; the redirectors\' routing tables are shown once, under "Routing tables".',
    "",
  ];
  const tables = ctx.routing?.tables ?? {};
  const first = Object.values(tables)[0];
  if (ctx.routing && first) {
    out.push("## Blob routing", "", "Manifests always come from Artifact Registry; blobs go where this says.", "");
    out.push(routingDiagram(first, ctx.routing.arRegions), "");
  }
  const rows = summary(plan);
  const t = totals(rows);
  out.push(
    "## Summary",
    "",
    `The first \`pulumi up\` adopts ${t.adopt} existing cloud resources (\`import\`) and creates ${t.create}.`,
    "",
    "| cloud | region | resources | adopt | create |",
    "|---|---|---:|---:|---:|",
  );
  for (const r of rows) out.push(`| ${r.cloud} | ${r.region} | ${r.resources} | ${r.adopt} | ${r.create} |`);
  out.push(`| **total** | | **${plan.resources.length}** | **${t.adopt}** | **${t.create}** |`, "");
  out.push(...routingTablesSection(tables));
  const reference = routingTableReference(tables);
  out.push("## Resources", "");
  for (const [group, resources] of groups(plan)) {
    out.push(`### ${group}`, "");
    for (const r of resources) {
      const meta = [r.parent ? `parent \`${r.parent}\`` : "top level", ...optionFlags(r).map((f) => `\`${f}\``)];
      out.push(`#### \`${r.name}\` (${r.type})`, "", meta.join(" · "), "");
      if (Object.keys(r.inputs).length > 0) out.push("```yaml", yaml(r.inputs, reference), "```", "");
    }
  }
  out.push("## Stack outputs", "", "```yaml", yaml(plan.outputs), "```", "");
  return out.join("\n");
}
