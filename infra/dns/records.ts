/** Pure: the values of the registry's DNS records that do not come from a resource. */

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
