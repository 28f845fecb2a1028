/**
 * `parseConfig` checks everything (shapes, region catalogs, names, cross-field rules)
 * before any resource is declared, and reports every problem at once, each as
 * `registry:<key path>: <message naming the value>`.
 */
import type { z } from "zod";
import { RoutingTable } from "../../redirector/routing-table";
import { suggestion } from "../did-you-mean";
import { isDigestPinned } from "../fields";
import { buildRoutingTables } from "../routing";
import { describe, friendlyMessage, keyPath } from "./report";
import { RULES } from "./rules";
import { FIELDS, NAMESPACE, RegistryConfig } from "./schema";

const show = (v: unknown) => JSON.stringify(v);

/** What each discriminated union in the config selects, for its messages. */
const DISCRIMINATORS = { donor: ["donor kind", "kinds"], provider: ["DNS provider", "providers"] } as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `invalid ${NAMESPACE} config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`,
    );
    this.name = "ConfigError";
  }
}

export interface ParseOptions {
  /** The stack name; `prod` must pin the redirector's and the sync's images by digest. */
  stack: string;
}

/**
 * Validate the registry's config values (top-level keys without the `registry:`
 * namespace). Throws a ConfigError that lists every problem.
 */
export function parseConfig(values: Record<string, unknown>, opts: ParseOptions): RegistryConfig {
  const problems: string[] = [];
  const known = Object.keys(FIELDS);
  for (const key of Object.keys(values).filter((k) => !Object.hasOwn(FIELDS, k))) {
    problems.push(
      `${keyPath([key])}: unknown key${suggestion(key, known).replace(/"([^"]+)"/, (_, k) => `"${keyPath([k])}"`)}`,
    );
  }
  const error = friendlyMessage(DISCRIMINATORS);
  const parsed: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(FIELDS)) {
    const result = (schema as z.ZodType).safeParse(values[key], { error, reportInput: true });
    if (result.success) parsed[key] = result.data;
    else
      problems.push(
        ...result.error.issues.flatMap((issue) => describe({ ...issue, path: [key, ...issue.path] }, RegistryConfig)),
      );
  }
  for (const r of RULES) {
    if (!r.needs.every((k) => k in parsed)) continue;
    r.check(parsed as RegistryConfig, (path, message) => problems.push(`${keyPath(path)}: ${message}`));
  }
  const cfg = parsed as RegistryConfig;
  if (problems.length === 0) problems.push(...routingTableProblems(cfg));
  if (opts.stack === "prod") {
    // A tag can move under a running stack; prod runs only what was reviewed, by digest.
    for (const [section, image] of [
      ["redirector", cfg.redirector?.image],
      ["sync", cfg.sync?.image],
    ] as const) {
      if (image !== undefined && !isDigestPinned(image)) {
        problems.push(`${keyPath([section, "image"])}: ${show(image)} must be pinned by digest (@sha256:...) in prod`);
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return cfg;
}

/**
 * The last guard, for mistakes the rules missed: what the redirectors are given must
 * pass their own schema. Runs only on an otherwise valid config.
 */
function routingTableProblems(cfg: RegistryConfig): string[] {
  return Object.entries(buildRoutingTables(cfg)).flatMap(([region, table]) => {
    const check = RoutingTable.safeParse(table);
    return check.success
      ? []
      : check.error.issues.map(
          (i) => `${keyPath(["redirector", "regions"])}: routing table for ${region}: ${i.message}`,
        );
  });
}

/** Whether the stack guards its services and addresses against deletion. */
export function deletionProtection(cfg: Pick<RegistryConfig, "redirector">, stack: string): boolean {
  return cfg.redirector.deletionProtection ?? stack === "prod";
}
