import { caaRecords, withoutRootDot } from "../../../infra/dns/records";

describe("DNS record values", () => {
  it("CAA: one issue property per certificate authority, non-critical", () => {
    expect(caaRecords(["pki.goog", "letsencrypt.org"])).toEqual([
      { flags: 0, tag: "issue", value: "pki.goog" },
      { flags: 0, tag: "issue", value: "letsencrypt.org" },
    ]);
  });

  it("absolute names lose the root dot, relative ones are kept", () => {
    expect(withoutRootDot("_acme-challenge.registry.k8s.io.")).toBe("_acme-challenge.registry.k8s.io");
    expect(withoutRootDot("x.authorize.certificatemanager.goog")).toBe("x.authorize.certificatemanager.goog");
  });
});
