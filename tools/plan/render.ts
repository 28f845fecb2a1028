/**
 * Renders a Plan as text (for a terminal), JSON (for tools) or Markdown (the checked-in
 * plan/<stack>.md every pull request diffs). Pure and deterministic: same plan, same bytes.
 */
import { stringify } from "yaml";
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
    (a, b) => groupKey(a).localeCompare(groupKey(b)) || a.type.localeCompare(b.type) || a.name.localeCompare(b.name),
  );
}

export function summary(plan: Plan): Array<{ cloud: string; region: string; resources: number }> {
  const counts = new Map<string, { cloud: string; region: string; resources: number }>();
  for (const r of sortedResources(plan)) {
    const p = placement(r);
    const k = `${p.cloud} / ${p.region}`;
    const row = counts.get(k) ?? { ...p, resources: 0 };
    row.resources++;
    counts.set(k, row);
  }
  return [...counts.values()];
}

function optionFlags(r: PlannedResource): string[] {
  const o = r.options;
  return [
    o.protect ? "protect" : "",
    o.retainOnDelete ? "retainOnDelete" : "",
    o.provider ? `provider=${o.provider}` : "",
    o.dependsOn.length ? `dependsOn=${o.dependsOn.join(",")}` : "",
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
  lines.push(`  ${pad("cloud", cw)}  ${pad("region", rw)}  resources`);
  for (const r of rows) lines.push(`  ${pad(r.cloud, cw)}  ${pad(r.region, rw)}  ${r.resources}`);
  lines.push(`  ${pad("total", cw)}  ${pad("", rw)}  ${plan.resources.length}`);
  return `${lines.join("\n")}\n`;
}

/** The JSON document of the plan's contract: types, names, parents, inputs, options. */
export function renderJson(plan: Plan): string {
  const resources = sortedResources(plan).map((r) => ({
    type: r.type,
    name: r.name,
    parent: r.parent,
    inputs: r.inputs,
    options: r.options,
  }));
  return `${JSON.stringify({ stack: plan.stack, resources, outputs: plan.outputs }, null, 2)}\n`;
}

/** JSON documents held in string inputs (IAM policies, routing tables) shown as structure. */
function expandJsonStrings(value: unknown): unknown {
  if (typeof value === "string" && /^\s*[{[]/.test(value)) {
    try {
      return expandJsonStrings(JSON.parse(value));
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return value.map(expandJsonStrings);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandJsonStrings(v)]));
  }
  return value;
}

function yaml(value: unknown): string {
  return stringify(expandJsonStrings(value), { sortMapEntries: true, lineWidth: 0 }).trimEnd();
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
  /** One region's routing table (they differ only in upstream) and the AR region count. */
  routing?: { table: RoutingTableInput; arRegions: number };
}

export function renderMarkdown(plan: Plan, ctx: MarkdownContext): string {
  const out = [
    `# Plan: stack \`${plan.stack}\``,
    "",
    `What \`pulumi up\` would declare from \`${ctx.source}\`, evaluated offline by \`npm run plan\` under Pulumi's`,
    "mock engine (cloud-assigned values are deterministic fakes). Regenerate with `npm run plan:update`;",
    "a test fails while this file is stale. JSON held in string inputs (policies, routing tables) is shown",
    "expanded.",
    "",
  ];
  if (ctx.routing) {
    out.push("## Blob routing", "", "Manifests always come from Artifact Registry; blobs go where this says.", "");
    out.push(routingDiagram(ctx.routing.table, ctx.routing.arRegions), "");
  }
  out.push("## Summary", "", "| cloud | region | resources |", "|---|---|---:|");
  for (const r of summary(plan)) out.push(`| ${r.cloud} | ${r.region} | ${r.resources} |`);
  out.push(`| **total** | | **${plan.resources.length}** |`, "");
  out.push("## Resources", "");
  for (const [group, resources] of groups(plan)) {
    out.push(`### ${group}`, "");
    for (const r of resources) {
      const meta = [r.parent ? `parent \`${r.parent}\`` : "top level", ...optionFlags(r).map((f) => `\`${f}\``)];
      out.push(`#### \`${r.name}\` (${r.type})`, "", meta.join(" · "), "");
      if (Object.keys(r.inputs).length > 0) out.push("```yaml", yaml(r.inputs), "```", "");
    }
  }
  out.push("## Stack outputs", "", "```yaml", yaml(plan.outputs), "```", "");
  return out.join("\n");
}
