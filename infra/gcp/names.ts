/**
 * Pure: the names of the GCP resources, from the config. They double as Pulumi logical
 * names, so the plan reads in the cloud's own terms. The load balancer's follow upstream's
 * `${project}-...` scheme (reference/upstream-infra.md §3.5); every one fits GCP's 63
 * characters for any valid project ID (at most 30).
 */
export type IpVersion = "ipv4" | "ipv6";
export type Listener = "http" | "https";

export function loadBalancerNames(project: string) {
  return {
    address: (ip: IpVersion) => `${project}-${ip}`,
    forwardingRule: (ip: IpVersion, listener: Listener) => `${project}-${ip}-${listener}-managed`,
    securityPolicy: `${project}-security-policy`,
    backendService: `${project}-default-bes`,
    urlMap: `${project}-default-url-map`,
    httpRedirectUrlMap: `${project}-http-to-https-redirect`,
    httpsProxy: `${project}-default-https-proxy`,
    httpProxy: `${project}-http-default`,
    sslPolicy: `${project}-tls`,
  };
}

/** Cloud Run service names stop at 49 characters: `redirector-` plus any region fits. */
export function serviceName(region: string): string {
  return `redirector-${region}`;
}

export function negName(region: string): string {
  return `${serviceName(region)}-neg`;
}

/** Upstream's `domain_id`: `registry.k8s.io` -> `registry-k8s-io`. */
export function domainId(domain: string): string {
  return domain.replaceAll(".", "-");
}

/** Upstream's names; an adopted certificate keeps its own (registry.k8s.io's is dated: `-20230508`). */
export function certificateNames(domain: string, certificate?: string) {
  const id = domainId(domain);
  return {
    dnsAuthorization: `${id}-dnsauth`,
    certificate: certificate ?? `${id}-cert`,
    map: id,
    mapEntry: `${id}-default`,
  };
}

/** Certificate Manager names: a letter first, then letters, digits, `-` or `_`, 64 at most. */
export function certificateNamesProblem(domain: string): string | undefined {
  const longest = certificateNames(domain).dnsAuthorization;
  if (!/^[a-z]/.test(longest)) return "must start with a letter (Certificate Manager names are derived from it)";
  if (longest.length > 64) {
    return `is too long for the Certificate Manager names derived from it ("${longest}" is ${longest.length} characters, at most 64)`;
  }
  return undefined;
}
