import { armorRules, DEFAULT_RULE_PRIORITY, WAF_RULES, wafExpression } from "../../../infra/gcp/cloud-armor";

describe("Cloud Armor rules", () => {
  const rules = armorRules({ count: 5000, intervalSec: 60 });

  it("are upstream's preconfigured WAF rules, each denying with 403, none in preview", () => {
    expect(rules.filter((r) => r.priority !== DEFAULT_RULE_PRIORITY).map((r) => [r.priority, r.action])).toEqual(
      [900, 910, 920, 930, 940, 950, 960, 980, 990, 1010].map((p) => [p, "deny(403)"]),
    );
    expect(rules.every((r) => r.preview === false)).toBe(true);
  });

  it("spell sensitivities and opt-outs the way Cloud Armor's CEL does", () => {
    const byPriority = (p: number) => WAF_RULES.find((w) => w.priority === p);
    const expr = (p: number) => {
      const w = byPriority(p);
      if (!w) throw new Error(`no rule ${p}`);
      return wafExpression(w);
    };
    expect(expr(900)).toBe(
      "evaluatePreconfiguredWaf('protocolattack-v33-stable', {'sensitivity': 3, 'opt_out_rule_ids': ['owasp-crs-v030301-id921170-protocolattack']})",
    );
    expect(expr(940)).toBe("evaluatePreconfiguredWaf('rfi-v33-stable', {'sensitivity': 2})");
    expect(expr(980)).toBe("evaluatePreconfiguredWaf('php-v33-stable', {'sensitivity': 3})");
    expect(expr(930)).toBe("evaluatePreconfiguredExpr('rce-stable')");
    expect(expr(1010)).toBe("evaluatePreconfiguredExpr('cve-canary')");
  });

  it("end with the default rule: allow, throttled per client IP, 429 beyond the limit", () => {
    const last = armorRules({ count: 42, intervalSec: 600 }).at(-1);
    expect(last).toEqual({
      priority: 2147483647,
      description: "Default: allow, at most 42 requests per 600s per client IP",
      action: "throttle",
      preview: false,
      match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } },
      rateLimitOptions: {
        conformAction: "allow",
        exceedAction: "deny(429)",
        enforceOnKey: "IP",
        rateLimitThreshold: { count: 42, intervalSec: 600 },
      },
    });
  });

  it("have distinct priorities", () => {
    expect(new Set(rules.map((r) => r.priority)).size).toBe(rules.length);
  });
});
