/**
 * Pure: how a stack's policy config (`policy/config/<stack>.json`, passed as
 * `--policy-pack-config`) sets each policy's enforcement level, as the Pulumi engine reads
 * it: `"<policy>": "<level>"` or `{ "enforcementLevel": "<level>" }`, and `"all"` for every
 * policy. Used by tests to judge a plan as a preview of that stack would.
 */
export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

const LEVELS: readonly string[] = ["advisory", "mandatory", "remediate", "disabled"];

function levelOf(entry: unknown): EnforcementLevel | undefined {
  const level =
    typeof entry === "string" ? entry : (entry as { enforcementLevel?: unknown } | undefined)?.enforcementLevel;
  if (level === undefined) return undefined;
  if (typeof level !== "string" || !LEVELS.includes(level))
    throw new Error(`unknown enforcement level ${JSON.stringify(level)}`);
  return level as EnforcementLevel;
}

export function enforcementLevel(
  policy: { name: string; enforcementLevel?: EnforcementLevel },
  config: Record<string, unknown>,
): EnforcementLevel {
  return levelOf(config[policy.name]) ?? levelOf(config.all) ?? policy.enforcementLevel ?? "advisory";
}
