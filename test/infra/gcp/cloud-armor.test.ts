import {
  armorRules,
  DEFAULT_ALLOWED_PATHS,
  DEFAULT_RULE_PRIORITY,
  PATH_RULE_PRIORITY,
  pathRuleExpression,
  WAF_RULES,
  wafExpression,
} from "../../../infra/gcp/cloud-armor";
import { parseRequestTarget } from "../../../redirector/request-path";

const settings = { rateLimit: { count: 5000, intervalSec: 60 }, allowedPaths: DEFAULT_ALLOWED_PATHS, wafRules: false };

describe("Cloud Armor rules", () => {
  it("by default: the path rule first, then the throttle; no WAF rule sets", () => {
    expect(armorRules(settings).map((r) => [r.priority, r.action])).toEqual([
      [1, "deny(404)"],
      [DEFAULT_RULE_PRIORITY, "throttle"],
    ]);
  });

  it("with wafRules: upstream's preconfigured sets between the two, each denying with 403, none in preview", () => {
    const rules = armorRules({ ...settings, wafRules: true });
    expect(rules.map((r) => r.priority)).toEqual([
      1,
      900,
      910,
      920,
      930,
      940,
      950,
      960,
      980,
      990,
      1010,
      DEFAULT_RULE_PRIORITY,
    ]);
    expect(rules.filter((r) => r.priority >= 900 && r.priority <= 1010).every((r) => r.action === "deny(403)")).toBe(
      true,
    );
    expect(rules.every((r) => r.preview === false)).toBe(true);
    expect(new Set(rules.map((r) => r.priority)).size).toBe(rules.length);
  });

  it("spell sensitivities and opt-outs the way Cloud Armor's CEL does", () => {
    const expr = (p: number) => {
      const w = WAF_RULES.find((x) => x.priority === p);
      if (!w) throw new Error(`no rule ${p}`);
      return wafExpression(w);
    };
    expect(expr(900)).toBe(
      "evaluatePreconfiguredWaf('protocolattack-v33-stable', {'sensitivity': 3, 'opt_out_rule_ids': ['owasp-crs-v030301-id921170-protocolattack']})",
    );
    expect(expr(940)).toBe("evaluatePreconfiguredWaf('rfi-v33-stable', {'sensitivity': 2})");
    expect(expr(930)).toBe("evaluatePreconfiguredExpr('rce-stable')");
    expect(expr(1010)).toBe("evaluatePreconfiguredExpr('cve-canary')");
  });

  it("the path rule reproduces upstream's expression from upstream's list", () => {
    const upstream = [
      "^/$",
      "^/privacy$",
      "^/token$",
      "^/v2/?$",
      "^/v2/.+/blobs/.+$",
      "^/v2/.+/manifests/.+$",
      "^/v2/.*tags/list$",
    ];
    expect(pathRuleExpression(upstream)).toBe(
      "!request.path.matches('^/$|^/privacy$|^/token$|^/v2/?$|^/v2/.+/blobs/.+$|^/v2/.+/manifests/.+$|^/v2/.*tags/list$')",
    );
    const rule = armorRules({ ...settings, allowedPaths: upstream })[0];
    expect(rule).toMatchObject({ priority: PATH_RULE_PRIORITY, description: "Block invalid request paths." });
  });

  it("end with the default rule: allow, throttled per client IP, 429 beyond the limit", () => {
    const last = armorRules({ ...settings, rateLimit: { count: 42, intervalSec: 600 } }).at(-1);
    expect(last).toEqual({
      priority: 2147483647,
      description: "Default rule. Limit excessive usage.",
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
});

describe("the default allowed paths are exactly what the redirector answers", () => {
  // Cloud Armor matches RE2 against the raw path; these patterns use nothing RE2 and JS disagree on.
  const allowed = (path: string) => DEFAULT_ALLOWED_PATHS.some((p) => new RegExp(p).test(path));
  const digest = `sha256:${"a".repeat(64)}`;
  const served = [
    "/",
    "/privacy",
    "/v2",
    "/v2/",
    `/v2/pause/blobs/${digest}`,
    "/v2/pause/manifests/3.10",
    `/v2/kube-proxy/manifests/${digest}`,
    "/v2/sig-storage/csi-provisioner/tags/list",
    `/v2/pause/referrers/${digest}`,
  ];
  const refused = ["/healthz", "/token", "/v2/_catalog", "/wp-login.php", "/v2/pause", "/favicon.ico", "/privacy/x"];

  it.each(served)("%s is allowed and the redirector serves it", (path) => {
    expect(allowed(path)).toBe(true);
    expect(parseRequestTarget(path).kind).not.toBe("not-found");
  });

  it.each(refused)("%s gets 404 at the edge", (path) => {
    expect(allowed(path)).toBe(false);
  });
});
