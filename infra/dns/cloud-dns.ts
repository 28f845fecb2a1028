/**
 * The registry's records in a Cloud DNS managed zone (by resource name and project): one
 * record set per name and type, values from the load balancer's outputs.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { adopted, gcpIds } from "../import-ids";
import { type Transform, transformed } from "../transform";
import { type RecordInputs, type RecordSet, registryRecords, rrdatas, withRootDot } from "./records";

export interface CloudDnsRecordsArgs {
  project: string;
  managedZone: string;
  records: pulumi.Output<RecordSet[]>;
  /** How many record sets `records` holds: resources need their names before values are known. */
  shape: ReadonlyArray<{ name: string; type: string }>;
  /** The record sets exist already: import them. */
  adopt: boolean;
  transform?: { recordSet?: Transform<gcp.dns.RecordSetArgs> };
}

export class CloudDnsRecords extends pulumi.ComponentResource {
  readonly nodes: { recordSets: gcp.dns.RecordSet[] } = { recordSets: [] };

  constructor(name: string, args: CloudDnsRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:dns:CloudDnsRecords", name, {}, opts);
    args.shape.forEach((slot, i) => {
      const set = args.records.apply((r) => {
        const s = r[i];
        if (!s) throw new Error(`no record set ${i}`);
        return s;
      });
      const id = gcpIds.recordSet(args.project, args.managedZone, withRootDot(slot.name), slot.type);
      const recordSet = new gcp.dns.RecordSet(
        ...transformed(
          args.transform?.recordSet,
          `${slot.name}-${slot.type}`,
          {
            project: args.project,
            managedZone: args.managedZone,
            // Cloud DNS names are absolute.
            name: set.apply((s) => {
              if (s.name !== slot.name) throw new Error(`record set ${i} is ${s.name}, expected ${slot.name}`);
              return withRootDot(s.name);
            }),
            type: slot.type,
            ttl: set.apply((s) => s.ttl),
            rrdatas: set.apply(rrdatas),
          },
          { parent: this, ...adopted(args.adopt ? id : undefined) },
        ),
      );
      this.nodes.recordSets.push(recordSet);
    });
    this.registerOutputs({});
  }
}

/** The record sets' names and types, known before any output: the challenge's name is fixed by the domain. */
export function recordShape(r: Pick<RecordInputs, "domain" | "caaIssuers">): Array<{ name: string; type: string }> {
  const known = registryRecords({
    ...r,
    ttl: 0,
    ipv4: "",
    ipv6: "",
    challenge: { name: `_acme-challenge.${r.domain}.`, type: "CNAME", data: "" },
  });
  return known.map((s) => ({ name: s.name, type: s.type }));
}
