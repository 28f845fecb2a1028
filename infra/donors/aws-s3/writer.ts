/**
 * `registry:aws:BlobWriter`: the identity the blob sync uses to fill the source bucket,
 * federated from its OIDC issuer (no long-lived keys), and from Google for the sync's Cloud
 * Run job when there is one. The issuer's OIDC provider is account-global, so there is
 * exactly one per backend, never one per region, and other roles in the account may trust
 * it too: removing the backend leaves it in place. Google's issuer is built into AWS.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { adopted } from "../../import-ids";
import { type Transform, transformed } from "../../transform";
import type { DonorContext, SyncIdentity } from "../donor";
import { writerPolicy, writerTrustPolicy } from "./policies";

export type BlobWriterConfig = NonNullable<DonorContext["promotion"]["blobWriter"]>;

export interface BlobWriterArgs {
  /** Workloads of an OIDC issuer (a GKE cluster's) that may write; none when only the sync job does. */
  writer?: BlobWriterConfig;
  roleName: string;
  sourceBucket: string;
  provider: aws.Provider;
  /** A writer role managed elsewhere (an adopted registry's): no role is declared here. */
  externalRoleArn?: string;
  /** The provider exists already (its ARN): imported. */
  adoptOidcProvider?: string;
  /** The sync job's service account, trusted too (its Google ID tokens for its audience). */
  syncIdentity?: SyncIdentity;
  transform?: BlobWriterTransform;
}

/** Adjust any child before it is declared (see infra/transform.ts). */
export interface BlobWriterTransform {
  oidcProvider?: Transform<aws.iam.OpenIdConnectProviderArgs>;
  role?: Transform<aws.iam.RoleArgs>;
}

export class BlobWriter extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;
  /** The children; no `oidcProvider` without an issuer, no `role` when it is managed elsewhere. */
  readonly nodes: { oidcProvider?: aws.iam.OpenIdConnectProvider; role?: aws.iam.Role };

  constructor(name: string, args: BlobWriterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:aws:BlobWriter", name, {}, opts);
    const child = { parent: this, provider: args.provider };
    const { writer } = args;
    // No thumbprint: IAM fetches and tracks the issuer's certificate chain itself.
    const oidc =
      writer &&
      new aws.iam.OpenIdConnectProvider(
        ...transformed(
          args.transform?.oidcProvider,
          `${name}-oidc`,
          { url: writer.oidcIssuer, clientIdLists: [writer.audience] },
          { ...child, retainOnDelete: true, ...adopted(args.adoptOidcProvider) },
        ),
      );
    // The config refuses these; a role managed elsewhere cannot be told to trust the job.
    if (args.externalRoleArn && args.syncIdentity) throw new Error("the sync job needs a writer role declared here");
    if (!writer && !args.syncIdentity) throw new Error("the blob writer role needs an OIDC issuer or a sync job");
    const role = args.externalRoleArn ? undefined : this.role(args, oidc?.arn);
    this.roleArn = role?.arn ?? pulumi.output(args.externalRoleArn as string);
    this.nodes = { ...(oidc ? { oidcProvider: oidc } : {}), ...(role ? { role } : {}) };
    this.registerOutputs({ roleArn: this.roleArn });
  }

  /** Only the issuer's tokens with the exact audience and a listed subject, and the sync job; only the source bucket. */
  private role(args: BlobWriterArgs, oidcProviderArn: pulumi.Output<string> | undefined): aws.iam.Role {
    const child = { parent: this, provider: args.provider };
    const { writer, syncIdentity } = args;
    const from = [
      ...(writer ? [writer.oidcIssuer] : []),
      ...(syncIdentity ? ["Google (the sync's Cloud Run job)"] : []),
    ];
    const role = new aws.iam.Role(
      ...transformed(
        args.transform?.role,
        args.roleName,
        {
          name: args.roleName,
          description: `Blob sync: writes ${args.sourceBucket}; federated from ${from.join(" and ")}`,
          assumeRolePolicy: pulumi.all([oidcProviderArn, syncIdentity?.uniqueId]).apply(([arn, uniqueId]) =>
            JSON.stringify(
              writerTrustPolicy({
                web:
                  writer && arn !== undefined
                    ? {
                        oidcProviderArn: arn,
                        issuer: writer.oidcIssuer,
                        audience: writer.audience,
                        subjects: writer.subjects,
                      }
                    : undefined,
                job: syncIdentity && uniqueId !== undefined ? { uniqueId, audience: syncIdentity.audience } : undefined,
              }),
            ),
          ),
        },
        child,
      ),
    );
    // Inline: the grant lives and dies with its role and cannot be attached elsewhere.
    new aws.iam.RolePolicy(
      `${args.roleName}-policy`,
      { role: role.name, name: "write-source-bucket", policy: JSON.stringify(writerPolicy(args.sourceBucket)) },
      child,
    );
    return role;
  }
}
