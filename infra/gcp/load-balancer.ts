/**
 * The one global external HTTPS load balancer in front of every region's redirector:
 * anycast IPv4 and IPv6, a Certificate Manager certificate proven by DNS authorization,
 * Cloud Armor on the backend, HTTP answered with a redirect to HTTPS. GCLB sends each
 * request to the nearest healthy region's serverless NEG.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { armorRules, type RateLimit } from "./cloud-armor";
import { certificateNames, type IpVersion, type Listener, loadBalancerNames } from "./names";

export interface LoadBalancerArgs {
  project: string;
  domain: string;
  /** Every region's serverless NEG. */
  negs: pulumi.Input<string>[];
  rateLimit: RateLimit;
  /** Protect the addresses: DNS and clients' allow-lists point at them. */
  protectAddresses: boolean;
}

/** Global external Application Load Balancer (not classic): set on every piece that takes it. */
export const SCHEME = "EXTERNAL_MANAGED";

export interface DnsChallenge {
  name: string;
  type: string;
  data: string;
}

export class LoadBalancer extends pulumi.ComponentResource {
  readonly ipv4: pulumi.Output<string>;
  readonly ipv6: pulumi.Output<string>;
  /** The CNAME Certificate Manager needs to see before it issues the certificate. */
  readonly dnsChallenge: pulumi.Output<DnsChallenge>;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:gcp:LoadBalancer", name, {}, opts);
    const { project } = args;
    const n = loadBalancerNames(project);
    const parent = { parent: this };

    const armor = new gcp.compute.SecurityPolicy(
      n.securityPolicy,
      {
        project,
        name: n.securityPolicy,
        type: "CLOUD_ARMOR",
        description: "Preconfigured WAF rules, then a per-client-IP throttle",
        rules: armorRules(args.rateLimit),
      },
      parent,
    );
    const backend = new gcp.compute.BackendService(
      n.backendService,
      {
        project,
        name: n.backendService,
        loadBalancingScheme: SCHEME,
        protocol: "HTTPS",
        backends: args.negs.map((group) => ({ group })),
        securityPolicy: armor.selfLink,
        // Redirects must not be cached: where a blob is depends on who asks.
        enableCdn: false,
        logConfig: { enable: true, sampleRate: 1 },
      },
      parent,
    );
    const urlMap = new gcp.compute.URLMap(
      n.urlMap,
      { project, name: n.urlMap, defaultService: backend.selfLink },
      parent,
    );
    const redirectMap = new gcp.compute.URLMap(
      n.httpRedirectUrlMap,
      {
        project,
        name: n.httpRedirectUrlMap,
        defaultUrlRedirect: {
          httpsRedirect: true,
          redirectResponseCode: "MOVED_PERMANENTLY_DEFAULT",
          stripQuery: false,
        },
      },
      parent,
    );

    const c = certificateNames(args.domain);
    const auth = new gcp.certificatemanager.DnsAuthorization(
      c.dnsAuthorization,
      { project, location: "global", name: c.dnsAuthorization, domain: args.domain, type: "FIXED_RECORD" },
      parent,
    );
    const cert = new gcp.certificatemanager.Certificate(
      c.certificate,
      {
        project,
        location: "global",
        name: c.certificate,
        scope: "DEFAULT",
        managed: { domains: [args.domain], dnsAuthorizations: [auth.id] },
      },
      parent,
    );
    const certMap = new gcp.certificatemanager.CertificateMap(c.map, { project, name: c.map }, parent);
    new gcp.certificatemanager.CertificateMapEntry(
      c.mapEntry,
      { project, name: c.mapEntry, map: certMap.name, matcher: "PRIMARY", certificates: [cert.id] },
      parent,
    );
    // Registry clients (containerd, Docker, Podman, crane) all speak TLS 1.2+; older versions
    // would only add attack surface.
    const tls = new gcp.compute.SSLPolicy(
      n.sslPolicy,
      { project, name: n.sslPolicy, profile: "MODERN", minTlsVersion: "TLS_1_2" },
      parent,
    );

    const targets: Record<Listener, pulumi.Output<string>> = {
      https: new gcp.compute.TargetHttpsProxy(
        n.httpsProxy,
        {
          project,
          name: n.httpsProxy,
          urlMap: urlMap.selfLink,
          certificateMap: pulumi.interpolate`//certificatemanager.googleapis.com/${certMap.id}`,
          sslPolicy: tls.selfLink,
        },
        parent,
      ).selfLink,
      http: new gcp.compute.TargetHttpProxy(
        n.httpProxy,
        { project, name: n.httpProxy, urlMap: redirectMap.selfLink },
        parent,
      ).selfLink,
    };

    const addresses = {} as Record<IpVersion, pulumi.Output<string>>;
    for (const ip of ["ipv4", "ipv6"] as const) {
      const address = new gcp.compute.GlobalAddress(
        n.address(ip),
        { project, name: n.address(ip), addressType: "EXTERNAL", ipVersion: ip.toUpperCase() },
        { parent: this, protect: args.protectAddresses },
      );
      addresses[ip] = address.address;
      for (const listener of ["http", "https"] as const) {
        const rule = n.forwardingRule(ip, listener);
        new gcp.compute.GlobalForwardingRule(
          rule,
          {
            project,
            name: rule,
            loadBalancingScheme: SCHEME,
            networkTier: "PREMIUM",
            ipProtocol: "TCP",
            ipAddress: address.address,
            portRange: listener === "https" ? "443" : "80",
            target: targets[listener],
          },
          parent,
        );
      }
    }
    this.ipv4 = addresses.ipv4;
    this.ipv6 = addresses.ipv6;
    this.dnsChallenge = auth.dnsResourceRecords.apply((records) => {
      const record = records[0];
      if (!record) throw new Error(`DNS authorization ${c.dnsAuthorization} returned no DNS record`);
      return { name: record.name, type: record.type, data: record.data };
    });
    this.registerOutputs({ ipv4: this.ipv4, ipv6: this.ipv6, dnsChallenge: this.dnsChallenge });
  }
}
