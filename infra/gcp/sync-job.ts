/**
 * `registry:gcp:SyncJob`: the blob sync for one donor, a Cloud Run job that a schedule
 * starts. Its identity is a service account granted nothing on any project: it reads
 * Artifact Registry anonymously (the repositories are public, and the sync sends no
 * credentials there), and writes the donor's bucket with what only it can use: an AWS
 * writer role whose trust names this account, or an R2 key pair in Secret Manager that
 * only this account may read. The schedule calls the Cloud Run Admin API as a second
 * account, which may run this job and do nothing else.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { childOf, waitingFor } from "../child-options";
import type { SyncTarget } from "../donors/donor";
import type { SyncJobSettings } from "../sync-jobs";
import { type Transform, transformed } from "../transform";
import type { syncNames } from "./names";
import { runJobUri, type SecretRef, type SyncCredentials, syncContainer } from "./sync-container";

export const RUN_INVOKER_ROLE = "roles/run.invoker";
export const SECRET_ACCESSOR_ROLE = "roles/secretmanager.secretAccessor";

/** The stack's shared settings (infra/sync-jobs.ts), and what this one job fills. */
export interface SyncJobArgs extends SyncJobSettings {
  names: ReturnType<typeof syncNames>;
  target: SyncTarget;
  /** `keys` targets: the donor's key pair. */
  keys?: { accessKeyId: pulumi.Input<string>; secretAccessKey: pulumi.Input<string> };
  transform?: SyncJobTransform;
}

/** Adjust any child before it is declared (see infra/transform.ts). */
export interface SyncJobTransform {
  serviceAccount?: Transform<gcp.serviceaccount.AccountArgs>;
  invoker?: Transform<gcp.serviceaccount.AccountArgs>;
  secret?: Transform<gcp.secretmanager.SecretArgs>;
  job?: Transform<gcp.cloudrunv2.JobArgs>;
  schedule?: Transform<gcp.cloudscheduler.JobArgs>;
}

interface KeySecret {
  secret: gcp.secretmanager.Secret;
  version: gcp.secretmanager.SecretVersion;
  accessor: gcp.secretmanager.SecretIamMember;
}

export class SyncJob extends pulumi.ComponentResource {
  /** The job's identity: its e-mail, and the numeric unique ID a federated trust names. */
  readonly serviceAccountEmail: pulumi.Output<string>;
  readonly serviceAccountUniqueId: pulumi.Output<string>;
  readonly jobName: pulumi.Output<string>;
  readonly project: string;
  readonly region: string;
  readonly nodes: {
    serviceAccount: gcp.serviceaccount.Account;
    invoker: gcp.serviceaccount.Account;
    job: gcp.cloudrunv2.Job;
    schedule: gcp.cloudscheduler.Job;
    /** `keys` targets only. */
    secrets?: { accessKeyId: gcp.secretmanager.Secret; secretAccessKey: gcp.secretmanager.Secret };
  };

  constructor(name: string, args: SyncJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:gcp:SyncJob", name, {}, opts);
    const child = childOf(this, opts);
    const { project, region, names, target } = args;
    const t = args.transform ?? {};
    const account = (
      transform: SyncJobTransform["serviceAccount"],
      logical: string,
      a: gcp.serviceaccount.AccountArgs,
    ) => new gcp.serviceaccount.Account(...transformed(transform, logical, a, child));

    const identity = account(t.serviceAccount, `${name}-runtime`, {
      project,
      accountId: names.serviceAccount,
      displayName: `Blob sync: ${target.bucket}`,
      description: `Identity of the Cloud Run job ${names.job}, which fills ${target.bucket}; deliberately granted no project roles`,
    });
    const invoker = account(t.invoker, `${name}-invoker`, {
      project,
      accountId: names.invoker,
      displayName: `Blob sync schedule: ${names.job}`,
      description: `Cloud Scheduler starts the job ${names.job} as this account; it may run that job and nothing else`,
    });

    const keys = target.credentials.kind === "keys" ? this.keySecrets(args, identity, child) : undefined;
    const credentials: SyncCredentials<pulumi.Input<string>> = keys
      ? { kind: "keys", accessKeyId: secretRef(keys.accessKeyId), secretAccessKey: secretRef(keys.secretAccessKey) }
      : { kind: "aws-role", roleArn: roleArnOf(target), audience: args.audience };
    // Cloud Run checks at deploy time that the job's identity can read the secrets it names.
    const grants = keys ? [keys.accessKeyId, keys.secretAccessKey].flatMap((k) => [k.version, k.accessor]) : [];

    const job = new gcp.cloudrunv2.Job(
      ...transformed(
        t.job,
        names.job,
        {
          project,
          location: region,
          name: names.job,
          launchStage: "GA",
          // It holds no data and serves no one: removing a donor removes its job in one `up`.
          deletionProtection: false,
          template: {
            taskCount: args.tasks,
            parallelism: args.tasks,
            template: {
              serviceAccount: identity.email,
              timeout: `${args.taskTimeoutSeconds}s`,
              maxRetries: args.maxRetries,
              containers: [syncContainer({ image: args.image, target, settings: args.settings, credentials })],
            },
          },
        },
        waitingFor(child, grants),
      ),
    );
    const mayRun = new gcp.cloudrunv2.JobIamMember(
      `${name}-run-by-invoker`,
      { project, location: region, name: job.name, role: RUN_INVOKER_ROLE, member: invoker.member },
      child,
    );
    const schedule = new gcp.cloudscheduler.Job(
      ...transformed(
        t.schedule,
        `${name}-schedule`,
        {
          project,
          region,
          name: names.schedule,
          description: `Starts the blob sync into ${target.bucket} (${names.job})`,
          schedule: args.schedule.cron,
          timeZone: args.schedule.timeZone,
          paused: args.schedule.paused,
          httpTarget: {
            httpMethod: "POST",
            uri: job.name.apply((n) => runJobUri(project, region, n)),
            oauthToken: {
              serviceAccountEmail: invoker.email,
              scope: "https://www.googleapis.com/auth/cloud-platform",
            },
          },
        },
        // Its first call must find the invoker allowed.
        waitingFor(child, [mayRun]),
      ),
    );

    this.serviceAccountEmail = identity.email;
    this.serviceAccountUniqueId = identity.uniqueId;
    this.jobName = job.name;
    this.project = project;
    this.region = region;
    this.nodes = {
      serviceAccount: identity,
      invoker,
      job,
      schedule,
      ...(keys
        ? { secrets: { accessKeyId: keys.accessKeyId.secret, secretAccessKey: keys.secretAccessKey.secret } }
        : {}),
    };
    this.registerOutputs({ job: this.jobName, serviceAccount: this.serviceAccountEmail });
  }

  /** The key pair in two secrets, each readable by the job's identity and nobody else this program names. */
  private keySecrets(
    args: SyncJobArgs,
    identity: gcp.serviceaccount.Account,
    child: pulumi.CustomResourceOptions,
  ): { accessKeyId: KeySecret; secretAccessKey: KeySecret } {
    if (!args.keys) throw new Error(`the sync of ${args.target.bucket} needs its donor's key pair`);
    const one = (secretId: string, data: pulumi.Input<string>): KeySecret => {
      const secret = new gcp.secretmanager.Secret(
        ...transformed(
          args.transform?.secret,
          secretId,
          { project: args.project, secretId, replication: { auto: {} } },
          child,
        ),
      );
      const version = new gcp.secretmanager.SecretVersion(
        `${secretId}-version`,
        { secret: secret.id, secretData: pulumi.secret(data) },
        child,
      );
      const accessor = new gcp.secretmanager.SecretIamMember(
        `${secretId}-accessor`,
        { project: args.project, secretId: secret.secretId, role: SECRET_ACCESSOR_ROLE, member: identity.member },
        child,
      );
      return { secret, version, accessor };
    };
    return {
      accessKeyId: one(args.names.accessKeyIdSecret, args.keys.accessKeyId),
      secretAccessKey: one(args.names.secretAccessKeySecret, args.keys.secretAccessKey),
    };
  }
}

function roleArnOf(target: SyncTarget): string {
  if (target.credentials.kind !== "aws-role") throw new Error(`the sync of ${target.bucket} has no role to assume`);
  return target.credentials.roleArn;
}

/** The version this program wrote, so a new key pair reaches the job in the same `up`. */
function secretRef(k: KeySecret): SecretRef<pulumi.Input<string>> {
  return { secret: k.secret.secretId, version: k.version.version };
}
