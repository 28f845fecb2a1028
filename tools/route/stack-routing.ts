/**
 * One Cloud Run region's routing table, straight from a stack file: what `npm run route
 * -- --stack-file` decides with, so a config change can be checked before `pulumi up`.
 */

import { ConfigError, namespaceValues, parseConfig } from "../../infra/config";
import { buildRoutingTable } from "../../infra/routing";
import type { RoutingTableInput } from "../../redirector/routing-table";
import { readStackFile } from "../plan/stack-file";

/** Throws ConfigError (config problems, or a region the stack does not run in). */
export function routingTableFromStackFile(path: string, region?: string): { region: string; table: RoutingTableInput } {
  const file = readStackFile(path);
  const cfg = parseConfig(namespaceValues(file.config), { stack: file.stack });
  const chosen = region ?? cfg.redirector.regions[0];
  if (!chosen || !cfg.redirector.regions.includes(chosen)) {
    throw new ConfigError([
      `--region: "${region}" is not one of the stack's redirector regions (${cfg.redirector.regions.join(", ")})`,
    ]);
  }
  return { region: chosen, table: buildRoutingTable(cfg, chosen) };
}
