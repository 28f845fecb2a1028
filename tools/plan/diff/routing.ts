/**
 * Pure: where clients pull from before and after, from the `routing` stack output of two plans
 * (each Cloud Run region's Artifact Registry upstream, the mirror routes, the default blob
 * base). A client whose mirror route disappears falls back to the default blob base, or to
 * Artifact Registry without one, exactly as the redirector does. Only what changed is listed.
 */
import { byCodePoint } from "../../../infra/compare";
import type { MirrorRoute } from "../../../redirector/routing-table";
import { type RouteChange, UPSTREAM, type UpstreamChange } from "./model";

export interface Routing {
  /** Cloud Run region -> its Artifact Registry region. */
  upstreams: Record<string, string>;
  mirrors: MirrorRoute[];
  defaultBlobBaseUrl: string | null;
}

export const NO_ROUTING: Routing = { upstreams: {}, mirrors: [], defaultBlobBaseUrl: null };

/** Every client no mirror claims. */
export const EVERY_OTHER = "*";

function routes(r: Routing): Map<string, string> {
  return new Map(r.mirrors.map((m) => [`${m.cloud}\t${m.clientRegion}`, m.baseUrl]));
}

export function diffRouting(base: Routing, head: Routing): { routing: RouteChange[]; upstreams: UpstreamChange[] } {
  const fallback = (r: Routing) => r.defaultBlobBaseUrl ?? UPSTREAM;
  const [before, after] = [routes(base), routes(head)];
  const routing: RouteChange[] = [...new Set([...before.keys(), ...after.keys()])]
    .sort(byCodePoint)
    .map((k) => {
      const [cloud = "", clientRegion = ""] = k.split("\t");
      return { cloud, clientRegion, before: before.get(k) ?? fallback(base), after: after.get(k) ?? fallback(head) };
    })
    .filter((c) => c.before !== c.after);
  if (fallback(base) !== fallback(head)) {
    routing.push({ cloud: EVERY_OTHER, clientRegion: EVERY_OTHER, before: fallback(base), after: fallback(head) });
  }
  const regions = [...new Set([...Object.keys(base.upstreams), ...Object.keys(head.upstreams)])].sort(byCodePoint);
  const upstreams = regions
    .map((region) => ({ region, before: base.upstreams[region] ?? null, after: head.upstreams[region] ?? null }))
    .filter((u) => u.before !== u.after);
  return { routing, upstreams };
}
