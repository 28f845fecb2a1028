/**
 * The registry's name in Cloudflare: A/AAAA at the load balancer's anycast addresses
 * (DNS only: Cloudflare's proxy would hide client IPs from the redirector and Cloud
 * Armor), the DNS-authorization CNAME that lets Certificate Manager issue the
 * certificate, and CAA limiting who may issue it. Every value comes from an output.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { DnsChallenge } from "../gcp/load-balancer";
import { type Transform, transformed } from "../transform";
import { caaRecords, withoutRootDot } from "./records";

export interface DnsRecordsArgs {
  /** The Cloudflare zone, looked up by name. */
  zone: string;
  /** The full record name, e.g. registry.k8s.io. */
  domain: string;
  ttl: number;
  ipv4: pulumi.Input<string>;
  ipv6: pulumi.Input<string>;
  challenge: pulumi.Input<DnsChallenge>;
  caaIssuers: readonly string[];
  transform?: { record?: Transform<cloudflare.DnsRecordArgs> };
}

const COMMENT = "managed by Pulumi (registry-infra)";

export class DnsRecords extends pulumi.ComponentResource {
  readonly nodes: { records: cloudflare.DnsRecord[] } = { records: [] };

  constructor(name: string, args: DnsRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:dns:Records", name, {}, opts);
    // `zoneId`, not `id`: with a filter, provider v5+ fills only zoneId (its maintainers' advice).
    const zoneId = cloudflare.getZoneOutput({ filter: { name: args.zone } }, { parent: this }).zoneId;
    const record = (logical: string, rec: Omit<cloudflare.DnsRecordArgs, "zoneId" | "ttl" | "comment">) =>
      this.nodes.records.push(
        new cloudflare.DnsRecord(
          ...transformed(
            args.transform?.record,
            logical,
            { zoneId, ttl: args.ttl, comment: COMMENT, ...rec },
            { parent: this },
          ),
        ),
      );

    record(`${args.domain}-A`, { name: args.domain, type: "A", content: args.ipv4, proxied: false });
    record(`${args.domain}-AAAA`, { name: args.domain, type: "AAAA", content: args.ipv6, proxied: false });
    const challenge = pulumi.output(args.challenge);
    record(`_acme-challenge.${args.domain}-CNAME`, {
      name: challenge.name.apply(withoutRootDot),
      type: challenge.type,
      content: challenge.data.apply(withoutRootDot),
      proxied: false,
    });
    for (const data of caaRecords(args.caaIssuers)) {
      record(`${args.domain}-CAA-${data.value}`, { name: args.domain, type: "CAA", data });
    }
    this.registerOutputs({});
  }
}
