/**
 * `npm run docs:update`: rewrites the README's config reference tables from the schema
 * (infra/config/sections.ts, infra/config/sync.ts and the donor kinds), so each field's type, default and meaning
 * are stated once. `npm run docs:update -- --check` exits 1 while the README is stale; a
 * test runs the same check.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  AnalyticsConfig,
  ArmorConfig,
  DnsConfig,
  LoadBalancerConfig,
  MonitoringConfig,
  PromotionConfig,
  RedirectorConfig,
  SourceConfig,
} from "../infra/config/sections";
import { SyncConfig } from "../infra/config/sync";
import { AwsS3Backend } from "../infra/donors/aws-s3/backend";
import { CloudflareR2Backend } from "../infra/donors/cloudflare-r2/backend";
import { fillTables, markdownTable, rows, unionRows } from "./docs/config-tables";

export const README = resolve(__dirname, "../README.md");

/** Table name (as the README's markers name it) -> its markdown. */
export function configTables(): Record<string, string> {
  return {
    source: markdownTable(rows(SourceConfig)),
    redirector: markdownTable(rows(RedirectorConfig)),
    "aws-s3": markdownTable(rows(AwsS3Backend)),
    "cloudflare-r2": markdownTable(rows(CloudflareR2Backend)),
    dns: markdownTable(unionRows(DnsConfig, "provider")),
    promotion: markdownTable(rows(PromotionConfig)),
    armor: markdownTable(rows(ArmorConfig)),
    loadBalancer: markdownTable(rows(LoadBalancerConfig)),
    monitoring: markdownTable(rows(MonitoringConfig)),
    analytics: markdownTable(rows(AnalyticsConfig)),
    sync: markdownTable(rows(SyncConfig)),
  };
}

function main(argv: string[]): number {
  const current = readFileSync(README, "utf8");
  const fresh = fillTables(current, configTables());
  if (fresh === current) {
    console.error("README.md's config tables are up to date");
    return 0;
  }
  if (argv.includes("--check")) {
    console.error("README.md's config tables are stale: run `npm run docs:update` and commit the result");
    return 1;
  }
  writeFileSync(README, fresh);
  console.error("README.md's config tables updated");
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
