/**
 * Pure: the names of the GCP resources, from the config. They double as Pulumi logical
 * names, so the plan reads in the cloud's own terms. The load balancer's follow upstream's
 * `${project}-...` scheme (reference/upstream-infra.md §3.5); every one fits GCP's 63
 * characters for any valid project ID (at most 30).
 */
import { createHash } from "node:crypto";

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

/**
 * A name cut to a limit: as it is when it fits, else its start and a hash of the whole, so
 * two long names that share a start still differ. Starts and ends like the input.
 */
export function fitName(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 6);
  return `${name.slice(0, max - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** Service account IDs stop at 30 characters. */
const SERVICE_ACCOUNT_ID_MAX = 30;

/**
 * The blob sync's names for one donor (its sync target's key): the Cloud Run job and its
 * schedule (49, like services: executions and tasks add suffixes), the job's identity and
 * the schedule's, and the secrets of a key pair.
 */
export function syncNames(key: string) {
  const job = fitName(`sync-${key}`, 49);
  return {
    job,
    schedule: job,
    serviceAccount: fitName(`sync-${key}`, SERVICE_ACCOUNT_ID_MAX),
    // The suffix survives any cut, so the two accounts never read alike.
    invoker: `${fitName(`sync-${key}`, SERVICE_ACCOUNT_ID_MAX - "-invoker".length)}-invoker`,
    accessKeyIdSecret: `${job}-access-key-id`,
    secretAccessKeySecret: `${job}-secret-access-key`,
  };
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
