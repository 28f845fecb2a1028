/**
 * The whole registry as components, from a validated config. `index.ts` feeds it the
 * stack's config; tests and the offline plan feed it the same way under mocks.
 */
import type { MirrorRoute } from "../redirector/routing-table";
import type { RegistryConfig } from "./config";
import type { DonorOutputs } from "./donors/donor";
import { provisionDonor } from "./donors/index";
import { defaultBlobBaseUrl, mirrorRoutes, upstreamRegionFor } from "./routing";

export interface RegistryArgs {
  config: RegistryConfig;
  /** The stack name; `prod` turns on deletion protection where a cloud offers it. */
  stack: string;
}

export interface RegistryOutputs {
  domain: string;
  /** How the redirectors route: each Cloud Run region's AR upstream, and the blob mirrors. */
  routing: {
    upstreams: Record<string, string>;
    mirrors: MirrorRoute[];
    defaultBlobBaseUrl: string | null;
  };
  /** Per backend, in config order: its mirrors and identities (bucket names, role ARNs). */
  donors: DonorOutputs[];
}

export function registry({ config, stack }: RegistryArgs): RegistryOutputs {
  const upstreams = Object.fromEntries(
    config.redirector.regions.map((r) => [r, upstreamRegionFor(r, config.source.regions).region]),
  );
  const routing = { upstreams, mirrors: mirrorRoutes(config), defaultBlobBaseUrl: defaultBlobBaseUrl(config) ?? null };
  const donors = config.backends.map((b) => provisionDonor(b, { stack, promotion: config.promotion }));
  return { domain: config.domain, routing, donors };
}
