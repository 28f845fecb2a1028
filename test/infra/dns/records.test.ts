import { parse } from "yaml";
import {
  caaRecords,
  octodnsYaml,
  registryRecords,
  relativeName,
  rrdatas,
  withoutRootDot,
} from "../../../infra/dns/records";

const inputs = {
  domain: "registry.k8s.io",
  ttl: 3600,
  ipv4: "34.96.108.209",
  ipv6: "2600:1901:0:bbc4::",
  challenge: {
    name: "_acme-challenge.registry.k8s.io.",
    type: "CNAME",
    data: "bc87a114-671a-4ff9-8b32-c93230aa3136.14.authorize.certificatemanager.goog.",
  },
  caaIssuers: [] as string[],
};

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

  it("the registry's record sets: A, AAAA, the challenge CNAME (absolute target), CAA only with issuers", () => {
    expect(registryRecords(inputs).map((r) => [r.name, r.type, r.values])).toEqual([
      ["registry.k8s.io", "A", ["34.96.108.209"]],
      ["registry.k8s.io", "AAAA", ["2600:1901:0:bbc4::"]],
      ["_acme-challenge.registry.k8s.io", "CNAME", [inputs.challenge.data]],
    ]);
    const withCaa = registryRecords({ ...inputs, caaIssuers: ["pki.goog"] });
    expect(withCaa.at(-1)).toMatchObject({ type: "CAA", values: [{ flags: 0, tag: "issue", value: "pki.goog" }] });
    expect(rrdatas(withCaa.at(-1) as (typeof withCaa)[number])).toEqual(['0 issue "pki.goog"']);
  });

  it("names relative to the zone, and refuses a name outside it", () => {
    expect(relativeName("_acme-challenge.registry.k8s.io", "k8s.io")).toBe("_acme-challenge.registry");
    expect(relativeName("k8s.io", "k8s.io")).toBe("");
    expect(() => relativeName("registry.k8s.dev", "k8s.io")).toThrow("not in zone k8s.io");
  });
});

describe("OctoDNS YAML for a zone someone else serves", () => {
  it("reads back as upstream's entries for registry.k8s.io (k8s.io._0_base.yaml), with their TTL", () => {
    expect(parse(octodnsYaml(registryRecords(inputs), "k8s.io"))).toEqual({
      registry: [
        { type: "A", ttl: 3600, value: "34.96.108.209" },
        { type: "AAAA", ttl: 3600, value: "2600:1901:0:bbc4::" },
      ],
      "_acme-challenge.registry": [{ type: "CNAME", ttl: 3600, value: inputs.challenge.data }],
    });
  });

  it("writes CAA as OctoDNS values", () => {
    const yaml = parse(
      octodnsYaml(registryRecords({ ...inputs, caaIssuers: ["pki.goog", "letsencrypt.org"] }), "k8s.io"),
    );
    expect(yaml.registry[2]).toEqual({
      type: "CAA",
      ttl: 3600,
      values: [
        { flags: 0, tag: "issue", value: "pki.goog" },
        { flags: 0, tag: "issue", value: "letsencrypt.org" },
      ],
    });
  });
});
