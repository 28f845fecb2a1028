/**
 * The redirector on Cloud Run: one service per region, each with that region's routing
 * table, reachable only through the load balancer (and so through Cloud Armor), plus the
 * serverless NEG that puts it behind the load balancer.
 *
 * A region still served by a service another tool deployed (a registry being adopted)
 * keeps that service: only its NEG is declared, imported as it is, so the load balancer
 * can go on using it until the region is moved to the redirector.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { RoutingTableInput } from "../../redirector/routing-table";
import { childOf } from "../child-options";
import { adopted, gcpIds } from "../import-ids";
import { type Transform, transformed } from "../transform";
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
  /** Regions still served by live services: region -> the service's and its NEG's names. */
  legacy: Record<string, { service: string; neg: string }>;
  transform?: RedirectorTransform;
}

/** Adjust any child before it is declared (see infra/transform.ts). */
export interface RedirectorTransform {
  serviceAccount?: Transform<gcp.serviceaccount.AccountArgs>;
  service?: Transform<gcp.cloudrunv2.ServiceArgs>;
  neg?: Transform<gcp.compute.RegionNetworkEndpointGroupArgs>;
}

export class Redirector extends pulumi.ComponentResource {
  /** Region -> Cloud Run service name. */
  readonly services: Record<string, pulumi.Output<string>>;
  /** Region -> its serverless NEG's self link, for the load balancer's backend service. */
  readonly negs: Record<string, pulumi.Output<string>>;
  /** The children, by region; no service in a region still served by a live one. */
  readonly nodes: {
    serviceAccount?: gcp.serviceaccount.Account;
    services: Record<string, gcp.cloudrunv2.Service>;
    negs: Record<string, gcp.compute.RegionNetworkEndpointGroup>;
  };

  constructor(name: string, args: RedirectorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:gcp:Redirector", name, {}, opts);
    const child = childOf(this, opts);
    const { project } = args;
    this.services = {};
    this.negs = {};
    const t = args.transform ?? {};
    const own = Object.keys(args.tables).filter((region) => !(region in args.legacy));
    // Only the redirector's own services run as it: none while every region is on a live service.
    const account =
      own.length === 0
        ? undefined
        : new gcp.serviceaccount.Account(
            ...transformed(
              t.serviceAccount,
              `${name}-runtime`,
              {
                project,
                accountId: args.serviceAccountId,
                displayName: "Redirector runtime",
                description: "Identity of the redirector's Cloud Run services; deliberately granted no roles",
              },
              child,
            ),
          );
    this.nodes = { ...(account ? { serviceAccount: account } : {}), services: {}, negs: {} };
    for (const [region, table] of Object.entries(args.tables)) {
      const live = args.legacy[region];
      const service = live ? pulumi.output(live.service) : this.service(region, table, args, account, child).name;
      const neg = new gcp.compute.RegionNetworkEndpointGroup(
        ...transformed(
          t.neg,
          live?.neg ?? negName(region),
          {
            project,
            region,
            name: live?.neg ?? negName(region),
            networkEndpointType: "SERVERLESS",
            cloudRun: { service },
          },
          // A live NEG stays in the cloud when its region moves to the redirector: moving back is re-adding it.
          live ? { ...child, retainOnDelete: true, ...adopted(gcpIds.regionNeg(project, region, live.neg)) } : child,
        ),
      );
      this.nodes.negs[region] = neg;
      this.services[region] = service;
      // The self link: what a backend's `group` takes.
      this.negs[region] = neg.selfLink;
    }
    this.registerOutputs({ services: this.services });
  }

  /** The redirector's own service in a region, public but reachable only through the load balancer. */
  private service(
    region: string,
    table: RoutingTableInput,
    args: RedirectorArgs,
    account: gcp.serviceaccount.Account | undefined,
    child: pulumi.CustomResourceOptions,
  ): gcp.cloudrunv2.Service {
    if (!account) throw new Error("the redirector's runtime account is missing");
    const svcName = serviceName(region);
    const service = new gcp.cloudrunv2.Service(
      ...transformed(
        args.transform?.service,
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
        child,
      ),
    );
    this.nodes.services[region] = service;
    // Public on purpose: anonymous pulls; ingress above keeps it behind the load balancer.
    new gcp.cloudrunv2.ServiceIamMember(
      `${svcName}-invoker`,
      { project: args.project, location: region, name: service.name, role: "roles/run.invoker", member: "allUsers" },
      child,
    );
    return service;
  }
}
