/**
 * Cross-field rules: what no single key can check alone. Each rule names the keys it
 * needs and runs whenever those parsed, so one bad key does not hide the other problems.
 */
import { backendRoutes } from "../donors/kinds";
import { arnAccount } from "../fields";
import { certificateNamesProblem } from "../gcp/names";
import { MAX_UPSTREAM_DISTANCE_KM, upstreamRegionFor } from "../routing";
import type { FieldName, RegistryConfig } from "./schema";

const show = (v: unknown) => JSON.stringify(v);

export interface Rule<K extends FieldName> {
  needs: readonly K[];
  check(cfg: Pick<RegistryConfig, K>, problem: (path: PropertyKey[], message: string) => void): void;
}

/** Declares a cross-field rule; it runs whenever the keys it needs are valid. */
function rule<K extends FieldName>(r: Rule<K>): Rule<FieldName> {
  return r as unknown as Rule<FieldName>;
}

export const RULES = [
  rule({
    needs: ["domain"],
    check(cfg, problem) {
      const p = certificateNamesProblem(cfg.domain);
      if (p) problem(["domain"], `${show(cfg.domain)} ${p}`);
    },
  }),
  rule({
    needs: ["domain", "dns"],
    check(cfg, problem) {
      const record = `${cfg.dns.record}.${cfg.dns.zone}`;
      if (record !== cfg.domain) {
        problem(
          ["dns", "record"],
          `record "${cfg.dns.record}" in zone "${cfg.dns.zone}" is ${record}, but domain is ${cfg.domain}`,
        );
      }
    },
  }),
  rule({
    needs: ["redirector", "source"],
    check(cfg, problem) {
      cfg.redirector.regions.forEach((region, i) => {
        const up = upstreamRegionFor(region, cfg.source.regions);
        if (up.km > MAX_UPSTREAM_DISTANCE_KM) {
          problem(
            ["redirector", "regions", i],
            `"${region}" has no Artifact Registry region within ${MAX_UPSTREAM_DISTANCE_KM} km (nearest: ${up.region}, ${up.km} km); add one to source.regions`,
          );
        }
      });
    },
  }),
  rule({
    needs: ["backends", "promotion", "sync"],
    check(cfg, problem) {
      const i = cfg.backends.findIndex((b) => b.donor === "aws-s3");
      // With registry:sync, the job writes: its Google identity is enough of a writer.
      if (i >= 0 && !cfg.promotion.blobWriter && !cfg.sync) {
        problem(
          ["promotion", "blobWriter"],
          `is required: backends[${i}] (aws-s3) needs a writer for its source bucket (or registry:sync, whose job writes it)`,
        );
      }
    },
  }),
  rule({
    // One OIDC provider per issuer and account: the adopted one must be the writer's issuer's.
    needs: ["backends", "promotion"],
    check(cfg, problem) {
      const issuer = cfg.promotion.blobWriter?.oidcIssuer;
      cfg.backends.forEach((b, i) => {
        const arn = b.donor === "aws-s3" ? b.adopt?.oidcProvider : undefined;
        if (!arn) return;
        if (!issuer) {
          problem(
            ["backends", i, "adopt", "oidcProvider"],
            "adopts the OIDC provider of promotion.blobWriter, which is not set: nothing declares a provider",
          );
          return;
        }
        const expected = `arn:aws:iam::${arnAccount(arn)}:oidc-provider/${issuer.replace(/^https:\/\//, "")}`;
        if (arn !== expected) {
          problem(
            ["backends", i, "adopt", "oidcProvider"],
            `${show(arn)} is not the provider of promotion.blobWriter.oidcIssuer (expected ${show(expected)})`,
          );
        }
      });
    },
  }),
  rule({
    needs: ["backends"],
    check(cfg, problem) {
      const accounts = new Map<string, number>();
      cfg.backends.forEach((b, i) => {
        if (b.donor !== "aws-s3") return;
        const first = accounts.get(b.accountId);
        if (first === undefined) accounts.set(b.accountId, i);
        else
          problem(
            ["backends", i, "accountId"],
            `account ${b.accountId} already has backends[${first}]; list all its regions there`,
          );
      });
      const claimed = new Map<string, number>();
      cfg.backends.forEach((b, i) => {
        for (const m of backendRoutes(b).mirrors) {
          const k = `${m.cloud} ${m.clientRegion}`;
          const first = claimed.get(k);
          if (first === undefined) claimed.set(k, i);
          else if (first !== i) problem(["backends", i], `${k} clients are already served by backends[${first}]`);
        }
      });
    },
  }),
  rule({
    // Only one answer to "where do the clients no mirror claims go".
    needs: ["backends", "redirector"],
    check(cfg, problem) {
      const fallbacks = cfg.backends.flatMap((b, i) => (backendRoutes(b).fallbackBaseUrl ? [i] : []));
      for (const i of fallbacks.slice(1)) {
        problem(["backends", i], `backends[${fallbacks[0]}] already serves every client no mirror claims; keep one`);
      }
      const first = fallbacks[0];
      if (first !== undefined && cfg.redirector.defaultBlobBaseUrl) {
        problem(
          ["redirector", "defaultBlobBaseUrl"],
          `backends[${first}] (${cfg.backends[first]?.donor}) already serves every client no mirror claims; remove this key`,
        );
      }
    },
  }),
  rule({
    // The sync job's AWS identity is the writer role, which must trust the job's service account.
    needs: ["sync", "backends"],
    check(cfg, problem) {
      if (!cfg.sync) return;
      if (cfg.backends.length === 0) problem(["sync"], "there is no donor to fill: registry:backends is empty");
      cfg.backends.forEach((b, i) => {
        if (b.donor !== "aws-s3" || !b.writerRole) return;
        problem(
          ["sync"],
          `backends[${i}] (aws-s3, account ${b.accountId}) uses a writer role managed elsewhere (backends[${i}].writerRole), which this program cannot make trust the sync job's service account; delete writerRole first, so the program declares the role (docs/adopting-existing-infrastructure.md, step 2)`,
        );
      });
    },
  }),
  rule({
    needs: ["backends", "dns"],
    check(cfg, problem) {
      cfg.backends.forEach((b, i) => {
        if (b.donor !== "cloudflare-r2") return;
        if (!b.hostname.endsWith(`.${cfg.dns.zone}`)) {
          problem(["backends", i, "hostname"], `"${b.hostname}" is not in the registry's zone ${cfg.dns.zone}`);
        }
        // R2 attaches a custom domain only from a zone on Cloudflare, in the bucket's account.
        if (cfg.dns.provider !== "cloudflare") {
          problem(
            ["backends", i],
            `a cloudflare-r2 donor serves from a Cloudflare zone, but dns.provider is "${cfg.dns.provider}"`,
          );
        }
      });
    },
  }),
];
