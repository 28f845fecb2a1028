/**
 * The redirector on Cloud Run: one service per region, each with that region's routing
 * table, reachable only through the load balancer (and so through Cloud Armor), plus the
 * serverless NEG that puts it behind the load balancer.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { RoutingTableInput } from "../../redirector/routing-table";
import { negName, serviceName } from "./names";
import { redirectorContainer, redirectorScaling } from "./redirector-container";

export interface RedirectorArgs {
  project: string;
  /** The runtime service account's ID; it is granted nothing. */
  serviceAccountId: string;
  image: string;
  concurrency: number;
  maxInstances: number;
  /** Region -> its routing table (infra/routing.ts); one service per entry. */
  tables: Record<string, RoutingTableInput>;
  deletionProtection: boolean;
}

export class Redirector extends pulumi.ComponentResource {
  /** Region -> Cloud Run service name. */
  readonly services: Record<string, pulumi.Output<string>>;
  /** Every region's serverless NEG, for the load balancer's backend service. */
  readonly negs: pulumi.Output<string>[];

  constructor(name: string, args: RedirectorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:gcp:Redirector", name, {}, opts);
    const account = new gcp.serviceaccount.Account(
      `${name}-runtime`,
      {
        project: args.project,
        accountId: args.serviceAccountId,
        displayName: "Redirector runtime",
        description: "Identity of the redirector's Cloud Run services; deliberately granted no roles",
      },
      { parent: this },
    );
    this.services = {};
    this.negs = [];
    for (const [region, table] of Object.entries(args.tables)) {
      const svcName = serviceName(region);
      const service = new gcp.cloudrunv2.Service(
        svcName,
        {
          project: args.project,
          location: region,
          name: svcName,
          launchStage: "GA",
          // Not reachable at its run.app URL: every request passes the load balancer's Cloud Armor.
          ingress: "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
          deletionProtection: args.deletionProtection,
          template: {
            serviceAccount: account.email,
            ...redirectorScaling(args),
            containers: [redirectorContainer({ image: args.image, table })],
          },
          traffics: [{ type: "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", percent: 100 }],
        },
        { parent: this },
      );
      // Public on purpose: anonymous pulls; ingress above keeps it behind the load balancer.
      new gcp.cloudrunv2.ServiceIamMember(
        `${svcName}-invoker`,
        { project: args.project, location: region, name: service.name, role: "roles/run.invoker", member: "allUsers" },
        { parent: this },
      );
      const neg = new gcp.compute.RegionNetworkEndpointGroup(
        negName(region),
        {
          project: args.project,
          region,
          name: negName(region),
          networkEndpointType: "SERVERLESS",
          cloudRun: { service: service.name },
        },
        { parent: this },
      );
      this.services[region] = service.name;
      this.negs.push(neg.id);
    }
    this.registerOutputs({ services: this.services });
  }
}
