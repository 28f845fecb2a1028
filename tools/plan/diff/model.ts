/**
 * What a plan diff says, whichever way it was computed: from two offline plans (diff.ts) or
 * from a credentialed `pulumi preview --json` (preview.ts). The renderers (render.ts) only
 * ever see this.
 */
import type { ValueChange } from "./values";

export const OPS = ["replace", "delete", "create", "import", "update"] as const;
export type Op = (typeof OPS)[number];

/** One resource as the diff sees it, on one side. */
export interface DiffResource {
  type: string;
  name: string;
  /** The parent's logical name; null at the top level. */
  parent: string | null;
  /** `<parent types joined by $>$<type>::<name>`: the URN without stack and project. */
  key: string;
  /** Normalized: secrets masked, JSON strings parsed. */
  inputs: Record<string, unknown>;
  protect: boolean;
  retainOnDelete: boolean;
  provider: string | null;
  import: string | null;
  /** Keys (as `key`) this resource was known by before: Pulumi's `aliases`. */
  aliases: string[];
}

export interface Change {
  op: Op;
  type: string;
  name: string;
  /** The changed input paths (`rules[priority=1].match`); `urn` when the URN itself changes. */
  paths: string[];
  /** The changed leaves with their old and new values, for readers. */
  values: ValueChange[];
  /** Why, in words, where the op alone does not say it (a replace's cause, an import's ID). */
  note?: string;
}

export type FlagReason = "protect" | "retainOnDelete" | "data" | "same-identity";

/** A delete or replace a reviewer must not miss. */
export interface Flag {
  op: "delete" | "replace";
  type: string;
  name: string;
  reasons: FlagReason[];
  /** What it is, in a word (bucket, repository, resource), and what deleting it means. */
  what: string;
  consequence: string;
  text: string;
}

export interface IamChange {
  op: "gain" | "lose";
  effect: "allow" | "deny";
  /** The principal, in the provider's own words (`allUsers`, `principal://…`, `anyone (*)`). */
  who: string;
  /** Roles (GCP) or actions (AWS). */
  what: string[];
  /** The resource the access applies to. */
  on: string;
  /** Conditions, or null. */
  when: string | null;
  /** The resource that declares it. */
  via: { type: string; name: string };
  text: string;
}

/** Where a client's blobs go: a base URL, or Artifact Registry. */
export const UPSTREAM = "artifact-registry";

export interface RouteChange {
  /** `*` with clientRegion `*`: every client no mirror claims (the default blob base). */
  cloud: string;
  clientRegion: string;
  before: string;
  after: string;
}

export interface UpstreamChange {
  /** A Cloud Run region; null before/after when the region is not served on that side. */
  region: string;
  before: string | null;
  after: string | null;
}

export type Summary = Record<Op, number>;

export interface PlanDiff {
  stack: string;
  /** Where it came from: two offline plans, or a credentialed preview. */
  source: "plan" | "preview";
  summary: Summary;
  flags: Flag[];
  changes: Change[];
  iam: IamChange[];
  routing: RouteChange[];
  upstreams: UpstreamChange[];
  /** Anything else a reader should know (resources no longer imported, preview diagnostics). */
  notes: string[];
}

export function summaryOf(changes: readonly Change[]): Summary {
  const s = Object.fromEntries(OPS.map((op) => [op, 0])) as Summary;
  for (const c of changes) s[c.op]++;
  return s;
}

export function isEmpty(d: PlanDiff): boolean {
  return !d.changes.length && !d.iam.length && !d.routing.length && !d.upstreams.length && !d.flags.length;
}
