/**
 * Pure: the Cloud Armor policy's rules, in upstream registry.k8s.io's shape (k8s.io
 * `modules/oci-proxy/cloud-armor.tf`, 2024 onwards): rule 1 answers 404 at the edge for any
 * path a registry client never asks for, so junk never reaches Cloud Run; the default rule
 * throttles each client IP. Upstream's 2023 preconfigured WAF rule sets are available
 * (`armor.wafRules`) but off: they rejected ordinary pulls (registry.k8s.io#148) and the
 * path rule already stops nearly everything they caught (k8s.io#6969).
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

export interface ArmorSettings {
  rateLimit: RateLimit;
  /** Anchored RE2 patterns; a request whose path matches none gets 404. */
  allowedPaths: readonly string[];
  wafRules: boolean;
}

/** The default rule's priority: the lowest there is, evaluated last. */
export const DEFAULT_RULE_PRIORITY = 2147483647;
/** The path rule comes first: a 404 at the edge is the cheapest answer there is. */
export const PATH_RULE_PRIORITY = 1;

/**
 * Every path the redirector answers with something other than 404 (redirector/request-path.ts
 * and router.ts; a test holds the two together): `/`, `/privacy`, the API version check, and
 * blobs, manifests, tag lists and referrers under `/v2/`.
 */
export const DEFAULT_ALLOWED_PATHS = [
  "^/$",
  "^/privacy$",
  "^/v2/?$",
  "^/v2/.+/blobs/.+$",
  "^/v2/.+/manifests/.+$",
  "^/v2/.+/tags/list$",
  "^/v2/.+/referrers/.+$",
] as const;

/** Cloud Armor's CEL: true for a request whose path matches none of the patterns. */
export function pathRuleExpression(allowedPaths: readonly string[]): string {
  return `!request.path.matches('${allowedPaths.join("|")}')`;
}

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

export function armorRules({ rateLimit, allowedPaths, wafRules }: ArmorSettings): ArmorRule[] {
  const paths: ArmorRule = {
    priority: PATH_RULE_PRIORITY,
    description: "Block invalid request paths.",
    action: "deny(404)",
    preview: false,
    match: { expr: { expression: pathRuleExpression(allowedPaths) } },
  };
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
    // Upstream's words: an adopted policy keeps them, and they say what the rule is for.
    description: "Default rule. Limit excessive usage.",
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
  return [paths, ...(wafRules ? waf : []), throttle];
}
