/**
 * Pure: the registry's DNS records, whoever serves the zone. Every DNS provider declares
 * (or, for `external`, prints) exactly these.
 */
import { stringify } from "yaml";

export interface CaaData {
  flags: number;
  tag: "issue";
  value: string;
}

/**
 * One `issue` property per certificate authority. CAA at the record itself overrides the
 * zone apex's, so the domain's issuers are exactly these whatever the zone allows.
 */
export function caaRecords(issuers: readonly string[]): CaaData[] {
  return issuers.map((value) => ({ flags: 0, tag: "issue", value }));
}

/** Cloud APIs hand out absolute names (`x.example.`); Cloudflare stores them without the dot. */
export function withoutRootDot(name: string): string {
  return name.endsWith(".") ? name.slice(0, -1) : name;
}

export function withRootDot(name: string): string {
  return name.endsWith(".") ? name : `${name}.`;
}

export interface RecordInputs {
  domain: string;
  ttl: number;
  ipv4: string;
  ipv6: string;
  /** The DNS authorization's CNAME, as Certificate Manager gives it (absolute names). */
  challenge: { name: string; type: string; data: string };
  caaIssuers: readonly string[];
}

export type RecordType = "A" | "AAAA" | "CNAME" | "CAA";

/** One record set: a name (absolute, without the root dot) and type, and its values. */
export interface RecordSet {
  name: string;
  type: RecordType;
  ttl: number;
  /** A/AAAA addresses, the CNAME target (absolute, with the root dot), or CAA data. */
  values: string[] | CaaData[];
}

/**
 * A and AAAA at the load balancer (never proxied: the redirector and Cloud Armor need the
 * client's address), the CNAME that lets Certificate Manager issue the certificate, and
 * CAA when issuers are configured.
 */
export function registryRecords(r: RecordInputs): RecordSet[] {
  const sets: RecordSet[] = [
    { name: r.domain, type: "A", ttl: r.ttl, values: [r.ipv4] },
    { name: r.domain, type: "AAAA", ttl: r.ttl, values: [r.ipv6] },
    {
      name: withoutRootDot(r.challenge.name),
      type: r.challenge.type as RecordType,
      ttl: r.ttl,
      values: [withRootDot(r.challenge.data)],
    },
  ];
  if (r.caaIssuers.length) sets.push({ name: r.domain, type: "CAA", ttl: r.ttl, values: caaRecords(r.caaIssuers) });
  return sets;
}

/** A record set's values as Cloud DNS `rrdatas`: CAA as `0 issue "pki.goog"`. */
export function rrdatas(set: RecordSet): string[] {
  return set.values.map((v) => (typeof v === "string" ? v : `${v.flags} ${v.tag} "${v.value}"`));
}

/** A name relative to its zone, as OctoDNS keys records (`''` for the apex). */
export function relativeName(name: string, zone: string): string {
  if (name === zone) return "";
  if (!name.endsWith(`.${zone}`)) throw new Error(`${name} is not in zone ${zone}`);
  return name.slice(0, -(zone.length + 1));
}

/**
 * The records as OctoDNS zone YAML (`dns/zone-configs/<zone>.yaml` in kubernetes/k8s.io):
 * a list of records per name, in the order above, to paste into the zone's repository.
 */
export function octodnsYaml(sets: readonly RecordSet[], zone: string): string {
  const byName = new Map<string, Array<Record<string, unknown>>>();
  for (const set of sets) {
    const key = relativeName(set.name, zone);
    const record =
      set.values.length === 1 && typeof set.values[0] === "string"
        ? { type: set.type, ttl: set.ttl, value: set.values[0] }
        : { type: set.type, ttl: set.ttl, values: set.values };
    byName.set(key, [...(byName.get(key) ?? []), record]);
  }
  return stringify(Object.fromEntries(byName), { lineWidth: 0 });
}
