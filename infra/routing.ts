/**
 * Pure: from the stack config to the routing table each Cloud Run region's redirector
 * receives (schema in redirector/routing-table.ts).
 *
 * Upstream rule: a Cloud Run region uses the Artifact Registry repository in its own
 * region; a region without one uses the nearest by great-circle distance between the
 * regions' cities (ties broken by name), and config validation refuses any that would
 * be farther than MAX_UPSTREAM_DISTANCE_KM.
 */
import type { MirrorRoute, RoutingTableInput } from "../redirector/routing-table";
import { distanceKm } from "./catalog/gcp-regions";
import { byCodePoint } from "./compare";
import type { MonitoringConfig, RedirectorConfig, SourceConfig } from "./config/sections";
import { type Backend, backendRoutes } from "./donors/kinds";

/** What routing reads of the config: the sections, never the whole (which imports this). */
export interface RoutingInput {
  source: SourceConfig;
  redirector: RedirectorConfig;
  backends: readonly Backend[];
  /** Request analytics turn on the redirectors' image_pull lines. */
  monitoring?: MonitoringConfig;
}

/** Farther than this, manifest latency hurts more than a new AR region costs. */
export const MAX_UPSTREAM_DISTANCE_KM = 2500;

/** The clouds whose clients always fetch from Artifact Registry (egress inside GCP). */
export const UPSTREAM_CLOUDS = ["gcp"] as const;

export function artifactRegistryHost(region: string): string {
  return `${region}-docker.pkg.dev`;
}

export function upstreamRegionFor(runRegion: string, arRegions: readonly string[]): { region: string; km: number } {
  if (arRegions.includes(runRegion)) return { region: runRegion, km: 0 };
  const ranked = arRegions
    .map((region) => ({ region, km: distanceKm(runRegion, region) }))
    .sort((a, b) => a.km - b.km || byCodePoint(a.region, b.region));
  const nearest = ranked[0];
  if (!nearest) throw new Error("no Artifact Registry regions configured");
  return nearest;
}

/** All donors' routes, in a stable order (cloud, then client region). */
export function mirrorRoutes(cfg: Pick<RoutingInput, "backends">): MirrorRoute[] {
  return cfg.backends
    .flatMap((b) => backendRoutes(b).mirrors)
    .sort((a, b) => byCodePoint(a.cloud, b.cloud) || byCodePoint(a.clientRegion, b.clientRegion));
}

/** The base URL for clients no mirror claims: a donor's global mirror, else the configured CDN. */
export function defaultBlobBaseUrl(cfg: Pick<RoutingInput, "backends" | "redirector">): string | undefined {
  const fallbacks = cfg.backends.map((b) => backendRoutes(b).fallbackBaseUrl).filter((u) => u !== undefined);
  return fallbacks[0] ?? cfg.redirector.defaultBlobBaseUrl;
}

export function buildRoutingTable(cfg: RoutingInput, runRegion: string): RoutingTableInput {
  const upstream = upstreamRegionFor(runRegion, cfg.source.regions).region;
  const fallback = defaultBlobBaseUrl(cfg);
  return {
    upstream: {
      endpoint: `https://${artifactRegistryHost(upstream)}`,
      path: `${cfg.source.project}/${cfg.source.repository}`,
    },
    signatureUpstream: `https://${artifactRegistryHost(cfg.source.canonicalRegion)}`,
    infoUrl: cfg.redirector.infoUrl,
    privacyUrl: cfg.redirector.privacyUrl,
    ...(fallback ? { defaultBlobBaseUrl: fallback } : {}),
    upstreamClouds: [...UPSTREAM_CLOUDS],
    mirrors: mirrorRoutes(cfg),
    ...(cfg.redirector.existenceCheck ? { existenceCheck: cfg.redirector.existenceCheck } : {}),
    ...(cfg.monitoring?.analytics?.imagePulls ? { logImagePulls: true } : {}),
  };
}

/** One routing table per Cloud Run region, keyed by region, in config order. */
export function buildRoutingTables(cfg: RoutingInput): Record<string, RoutingTableInput> {
  return Object.fromEntries(cfg.redirector.regions.map((r) => [r, buildRoutingTable(cfg, r)]));
}
