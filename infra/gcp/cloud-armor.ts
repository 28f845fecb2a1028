/**
 * Pure: the Cloud Armor policy's rules. The WAF rules are upstream's (priorities,
 * rule sets, sensitivities and the one opt-out; reference/upstream-infra.md §3.6): a
 * registry only serves GET/HEAD on `/v2/...`, so anything the preconfigured sets flag is
 * denied. Everything else falls to the default rule, a per-client-IP throttle.
 */

/** The shape `gcp.compute.SecurityPolicy` takes for a rule (only the fields used here). */
export interface ArmorRule {
  priority: number;
  description: string;
  action: string;
  preview: boolean;
  match: { expr: { expression: string } } | { versionedExpr: "SRC_IPS_V1"; config: { srcIpRanges: string[] } };
  rateLimitOptions?: {
    conformAction: string;
    exceedAction: string;
    enforceOnKey: string;
    rateLimitThreshold: { count: number; intervalSec: number };
  };
}

export interface RateLimit {
  count: number;
  intervalSec: number;
}

/** The default rule's priority: the lowest there is, evaluated last. */
export const DEFAULT_RULE_PRIORITY = 2147483647;

interface Waf {
  priority: number;
  description: string;
  /** A v3.3 rule set tuned by sensitivity, or a fixed older expression (`rce-stable`, `cve-canary`). */
  ruleSet: string;
  sensitivity?: number;
  optOut?: string[];
}

export const WAF_RULES: readonly Waf[] = [
  {
    priority: 900,
    description: "Protocol attack",
    ruleSet: "protocolattack-v33-stable",
    sensitivity: 3,
    // Upstream's one opt-out (921170, HTTP parameter pollution); kept so behaviour matches.
    optOut: ["owasp-crs-v030301-id921170-protocolattack"],
  },
  { priority: 910, description: "Method enforcement", ruleSet: "methodenforcement-v33-stable", sensitivity: 1 },
  { priority: 920, description: "Scanner detection", ruleSet: "scannerdetection-v33-stable", sensitivity: 1 },
  { priority: 930, description: "Remote code execution", ruleSet: "rce-stable" },
  { priority: 940, description: "Remote file inclusion", ruleSet: "rfi-v33-stable", sensitivity: 2 },
  { priority: 950, description: "Session fixation", ruleSet: "sessionfixation-v33-stable", sensitivity: 1 },
  { priority: 960, description: "Local file inclusion", ruleSet: "lfi-v33-stable", sensitivity: 1 },
  { priority: 980, description: "PHP injection", ruleSet: "php-v33-stable", sensitivity: 3 },
  { priority: 990, description: "Cross-site scripting", ruleSet: "xss-v33-stable", sensitivity: 1 },
  { priority: 1010, description: "Known CVEs", ruleSet: "cve-canary" },
];

/** The CEL expression of a preconfigured rule, as Cloud Armor spells it. */
export function wafExpression(waf: Waf): string {
  if (waf.sensitivity === undefined) return `evaluatePreconfiguredExpr('${waf.ruleSet}')`;
  const optOut = waf.optOut?.length ? `, 'opt_out_rule_ids': [${waf.optOut.map((id) => `'${id}'`).join(", ")}]` : "";
  return `evaluatePreconfiguredWaf('${waf.ruleSet}', {'sensitivity': ${waf.sensitivity}${optOut}})`;
}

export function armorRules(rateLimit: RateLimit): ArmorRule[] {
  const waf = WAF_RULES.map(
    (w): ArmorRule => ({
      priority: w.priority,
      description: w.description,
      action: "deny(403)",
      preview: false,
      match: { expr: { expression: wafExpression(w) } },
    }),
  );
  const throttle: ArmorRule = {
    priority: DEFAULT_RULE_PRIORITY,
    description: `Default: allow, at most ${rateLimit.count} requests per ${rateLimit.intervalSec}s per client IP`,
    action: "throttle",
    preview: false,
    match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } },
    rateLimitOptions: {
      conformAction: "allow",
      exceedAction: "deny(429)",
      enforceOnKey: "IP",
      rateLimitThreshold: { count: rateLimit.count, intervalSec: rateLimit.intervalSec },
    },
  };
  return [...waf, throttle];
}
