/**
 * The one global external HTTPS load balancer in front of every region's redirector:
 * anycast IPv4 and IPv6, a Certificate Manager certificate proven by DNS authorization,
 * Cloud Armor on the backend, HTTP answered with a redirect to HTTPS. GCLB sends each
 * request to the nearest healthy region's serverless NEG.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { childOf } from "../child-options";
import { adopted, gcpIds } from "../import-ids";
import { type Transform, transformed } from "../transform";
import { type ArmorSettings, armorRules } from "./cloud-armor";
import { certificateNames, type IpVersion, type Listener, loadBalancerNames } from "./names";

export interface LoadBalancerArgs {
  project: string;
  domain: string;
  /** Every region's serverless NEG, by self link. */
  negs: pulumi.Input<string>[];
  armor: ArmorSettings & { policyName?: string };
  /** The certificate's name, when it is not `<domain-id>-cert` (an adopted one). */
  certificateName?: string;
  /** Attach a MODERN / TLS 1.2 SSL policy; without, the project's default applies. */
  sslPolicy: boolean;
  /** Protect the addresses: DNS and clients' allow-lists point at them. */
  protectAddresses: boolean;
  /** Everything but the SSL policy exists already: import it. */
  adopt: boolean;
  transform?: LoadBalancerTransform;
}

/** Adjust any child before it is declared (see infra/transform.ts). */
export interface LoadBalancerTransform {
  securityPolicy?: Transform<gcp.compute.SecurityPolicyArgs>;
  backendService?: Transform<gcp.compute.BackendServiceArgs>;
  certificate?: Transform<gcp.certificatemanager.CertificateArgs>;
  sslPolicy?: Transform<gcp.compute.SSLPolicyArgs>;
  httpsProxy?: Transform<gcp.compute.TargetHttpsProxyArgs>;
  address?: Transform<gcp.compute.GlobalAddressArgs>;
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
  readonly nodes: {
    securityPolicy: gcp.compute.SecurityPolicy;
    backendService: gcp.compute.BackendService;
    certificate: gcp.certificatemanager.Certificate;
    httpsProxy: gcp.compute.TargetHttpsProxy;
    addresses: Record<IpVersion, gcp.compute.GlobalAddress>;
  };

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:gcp:LoadBalancer", name, {}, opts);
    const { project } = args;
    const n = loadBalancerNames(project);
    const policyName = args.armor.policyName ?? n.securityPolicy;
    const child = childOf(this, opts);
    const t = args.transform ?? {};
    /** Options of a child that exists when adopting: its import ID from its collection and name. */
    const existing = (collection: string, name: string) => ({
      ...child,
      ...adopted(args.adopt ? gcpIds.computeGlobal(project, collection, name) : undefined),
    });

    const armor = new gcp.compute.SecurityPolicy(
      ...transformed(
        t.securityPolicy,
        policyName,
        { project, name: policyName, type: "CLOUD_ARMOR", rules: armorRules(args.armor) },
        existing("securityPolicies", policyName),
      ),
    );
    const backend = new gcp.compute.BackendService(
      ...transformed(
        t.backendService,
        n.backendService,
        {
          project,
          name: n.backendService,
          loadBalancingScheme: SCHEME,
          // No protocol, timeout or port name: serverless NEGs take none of them (Cloud Run is always HTTPS).
          backends: args.negs.map((group) => ({ group })),
          securityPolicy: armor.selfLink,
          // Redirects must not be cached: where a blob is depends on who asks.
          enableCdn: false,
          logConfig: { enable: true, sampleRate: 1 },
        },
        existing("backendServices", n.backendService),
      ),
    );
    const urlMap = new gcp.compute.URLMap(
      n.urlMap,
      { project, name: n.urlMap, defaultService: backend.selfLink },
      existing("urlMaps", n.urlMap),
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
      existing("urlMaps", n.httpRedirectUrlMap),
    );

    const c = certificateNames(args.domain, args.certificateName);
    const certManager = (collection: string, name: string) => ({
      ...child,
      ...adopted(args.adopt ? gcpIds.certificateManager(project, collection, name) : undefined),
    });
    const auth = new gcp.certificatemanager.DnsAuthorization(
      c.dnsAuthorization,
      {
        project,
        location: "global",
        name: c.dnsAuthorization,
        // Upstream's words: an adopted authorization keeps them.
        description: "The default dns auth",
        domain: args.domain,
        type: "FIXED_RECORD",
      },
      certManager("dnsAuthorizations", c.dnsAuthorization),
    );
    // No scope: DEFAULT is the API's default, and a changed scope would replace the certificate.
    const cert = new gcp.certificatemanager.Certificate(
      ...transformed(
        t.certificate,
        c.certificate,
        {
          project,
          location: "global",
          name: c.certificate,
          managed: { domains: [args.domain], dnsAuthorizations: [auth.id] },
        },
        certManager("certificates", c.certificate),
      ),
    );
    const certMap = new gcp.certificatemanager.CertificateMap(
      c.map,
      { project, name: c.map },
      certManager("certificateMaps", c.map),
    );
    new gcp.certificatemanager.CertificateMapEntry(
      c.mapEntry,
      { project, name: c.mapEntry, map: certMap.name, matcher: "PRIMARY", certificates: [cert.id] },
      { ...child, ...adopted(args.adopt ? gcpIds.certificateMapEntry(project, c.map, c.mapEntry) : undefined) },
    );
    // Registry clients (containerd, Docker, Podman, crane) all speak TLS 1.2+; older versions
    // would only add attack surface.
    const tls = args.sslPolicy
      ? new gcp.compute.SSLPolicy(
          ...transformed(
            t.sslPolicy,
            n.sslPolicy,
            { project, name: n.sslPolicy, profile: "MODERN", minTlsVersion: "TLS_1_2" },
            child,
          ),
        )
      : undefined;

    const httpsProxy = new gcp.compute.TargetHttpsProxy(
      ...transformed(
        t.httpsProxy,
        n.httpsProxy,
        {
          project,
          name: n.httpsProxy,
          urlMap: urlMap.selfLink,
          certificateMap: pulumi.interpolate`//certificatemanager.googleapis.com/${certMap.id}`,
          ...(tls ? { sslPolicy: tls.selfLink } : {}),
        },
        existing("targetHttpsProxies", n.httpsProxy),
      ),
    );
    const targets: Record<Listener, pulumi.Output<string>> = {
      https: httpsProxy.selfLink,
      http: new gcp.compute.TargetHttpProxy(
        n.httpProxy,
        { project, name: n.httpProxy, urlMap: redirectMap.selfLink },
        existing("targetHttpProxies", n.httpProxy),
      ).selfLink,
    };

    const addresses = {} as Record<IpVersion, gcp.compute.GlobalAddress>;
    for (const ip of ["ipv4", "ipv6"] as const) {
      const address = new gcp.compute.GlobalAddress(
        ...transformed(
          t.address,
          n.address(ip),
          { project, name: n.address(ip), addressType: "EXTERNAL", ipVersion: ip.toUpperCase() },
          { ...existing("addresses", n.address(ip)), protect: args.protectAddresses },
        ),
      );
      addresses[ip] = address;
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
          existing("forwardingRules", rule),
        );
      }
    }
    this.ipv4 = addresses.ipv4.address;
    this.ipv6 = addresses.ipv6.address;
    this.nodes = { securityPolicy: armor, backendService: backend, certificate: cert, httpsProxy, addresses };
    this.dnsChallenge = auth.dnsResourceRecords.apply((records) => {
      const record = records[0];
      if (!record) throw new Error(`DNS authorization ${c.dnsAuthorization} returned no DNS record`);
      return { name: record.name, type: record.type, data: record.data };
    });
    this.registerOutputs({ ipv4: this.ipv4, ipv6: this.ipv6, dnsChallenge: this.dnsChallenge });
  }
}
