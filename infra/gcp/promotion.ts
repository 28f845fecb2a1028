/**
 * `registry:gcp:Promotion`: who may push images. Image promotion runs as service accounts
 * in the source project (the pushers), which federated principals impersonate
 * (`roles/iam.workloadIdentityUser`, exactly the listed ones); the pushers' write access is
 * granted on each repository by ArtifactRegistry. While a registry is being adopted, the
 * write access it has today (a role on the whole project) is kept here as it is.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { childOf, waitingFor } from "../child-options";
import { adopted, gcpIds } from "../import-ids";
import { type Transform, transformed } from "../transform";

export const IMPERSONATE_ROLE = "roles/iam.workloadIdentityUser";

export interface Pusher {
  account: string;
  displayName?: string;
  impersonators: readonly string[];
}

export interface PromotionArgs {
  project: string;
  pushers: readonly Pusher[];
  /** Members that push without a pusher account. */
  artifactWriters: readonly string[];
  /** Grant writers this role on the whole project instead of per repository (adopted registries only). */
  projectWriteRole?: string;
  adopt: { pushers: boolean; projectWriteRole: boolean };
  transform?: PromotionTransform;
}

/** Adjust any child before it is declared (see infra/transform.ts). */
export interface PromotionTransform {
  serviceAccount?: Transform<gcp.serviceaccount.AccountArgs>;
}

/** A pusher's e-mail: service account IDs are unique per project. */
export function pusherEmail(project: string, account: string): string {
  return `${account}@${project}.iam.gserviceaccount.com`;
}

export class Promotion extends pulumi.ComponentResource {
  /** Every member that may push (`serviceAccount:<pusher>` once the account exists, then the others). */
  readonly writers: pulumi.Output<string>[];
  /** Whether the writers' grant is per repository (false while a project-wide grant is kept). */
  readonly perRepository: boolean;
  /** The pushers' service accounts, by account ID. */
  readonly nodes: { serviceAccounts: Record<string, gcp.serviceaccount.Account> };

  constructor(name: string, args: PromotionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:gcp:Promotion", name, {}, opts);
    const { project } = args;
    const child = childOf(this, opts);
    const accounts: gcp.serviceaccount.Account[] = [];
    const pushers = args.pushers.map((p) => {
      const email = pusherEmail(project, p.account);
      const account = new gcp.serviceaccount.Account(
        ...transformed(
          args.transform?.serviceAccount,
          p.account,
          { project, accountId: p.account, ...(p.displayName ? { displayName: p.displayName } : {}) },
          { ...child, ...adopted(args.adopt.pushers ? gcpIds.serviceAccount(project, email) : undefined) },
        ),
      );
      accounts.push(account);
      // Authoritative for the role: an impersonator added by hand is removed on the next up.
      new gcp.serviceaccount.IAMBinding(
        `${p.account}-impersonators`,
        { serviceAccountId: account.name, role: IMPERSONATE_ROLE, members: [...p.impersonators] },
        {
          ...child,
          ...adopted(args.adopt.pushers ? gcpIds.serviceAccountBinding(project, email, IMPERSONATE_ROLE) : undefined),
        },
      );
      return account.member;
    });
    this.writers = [...pushers, ...args.artifactWriters.map((m) => pulumi.output(m))];
    this.nodes = { serviceAccounts: Object.fromEntries(accounts.map((a, i) => [args.pushers[i]?.account, a])) };
    this.perRepository = !args.projectWriteRole;

    const role = args.projectWriteRole;
    if (role) {
      const members = [
        ...args.pushers.map((p) => `serviceAccount:${pusherEmail(project, p.account)}`),
        ...args.artifactWriters,
      ];
      for (const member of members) {
        new gcp.projects.IAMMember(
          `${project}-${role.replace(/^roles\//, "")}-${member}`,
          { project, role, member },
          {
            // After the accounts, so a new one exists before it is granted anything.
            ...waitingFor(child, accounts),
            ...adopted(args.adopt.projectWriteRole ? gcpIds.projectMember(project, role, member) : undefined),
          },
        );
      }
    }
    this.registerOutputs({ writers: this.writers });
  }
}
