/**
 * `registry:gcp:ProjectApis`: the Google APIs a project needs before anything else in it
 * can be created. A new project has none of them; resources in the project depend on this
 * component, so the first `up` enables them first. Never disabled by Pulumi (retained on
 * delete, so `disableOnDestroy` never comes into play): other things in the project may use
 * them too.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { byCodePoint } from "../compare";
import { adopted, gcpIds } from "../import-ids";

export interface Api {
  service: string;
  /** Enabled already: import it. */
  adopt: boolean;
}

export interface ProjectApisArgs {
  project: string;
  apis: readonly Api[];
}

export class ProjectApis extends pulumi.ComponentResource {
  constructor(name: string, args: ProjectApisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:gcp:ProjectApis", name, {}, opts);
    for (const { service, adopt } of args.apis) {
      const id = adopt ? gcpIds.projectService(args.project, service) : undefined;
      new gcp.projects.Service(
        `${args.project}-${service}`,
        { project: args.project, service },
        { parent: this, retainOnDelete: true, ...adopted(id) },
      );
    }
    this.registerOutputs({});
  }
}

export interface ApiNeed {
  project: string;
  services: readonly string[];
  adopt: boolean;
}

/** Artifact Registry, plus IAM to create the pushers' accounts and let principals act as them. */
export function sourceApis(hasPushers: boolean): string[] {
  return [
    "artifactregistry.googleapis.com",
    ...(hasPushers ? ["iam.googleapis.com", "iamcredentials.googleapis.com"] : []),
  ];
}

/** Cloud Run, the load balancer and its certificate, and the services' runtime account. */
export const REDIRECTOR_APIS = [
  "certificatemanager.googleapis.com",
  "compute.googleapis.com",
  "iam.googleapis.com",
  "run.googleapis.com",
] as const;

/**
 * Cloud Monitoring and Logging where the registry is watched (the redirector's project),
 * and BigQuery where the analytics dataset is (when there is one).
 */
export function monitoringApis(project: string, analyticsProject?: string): { project: string; services: string[] }[] {
  return [
    { project, services: ["logging.googleapis.com", "monitoring.googleapis.com"] },
    ...(analyticsProject !== undefined ? [{ project: analyticsProject, services: ["bigquery.googleapis.com"] }] : []),
  ];
}

/**
 * The blob sync's jobs: Cloud Run, Cloud Scheduler to start them, IAM for their accounts,
 * and Secret Manager for a donor's key pair. Not IAM Credentials: the job's ID tokens come
 * from the metadata server and the schedule's access tokens from Cloud Scheduler's own
 * service agent; nothing here calls that API.
 */
export function syncApis(hasSecrets: boolean): string[] {
  return [
    "cloudscheduler.googleapis.com",
    "iam.googleapis.com",
    "run.googleapis.com",
    ...(hasSecrets ? ["secretmanager.googleapis.com"] : []),
  ];
}

/**
 * Pure: per project, each API once (the source and the redirector may share a project),
 * adopted when any section that needs it says its APIs exist.
 */
export function apisByProject(needs: readonly ApiNeed[]): Map<string, Api[]> {
  const byProject = new Map<string, Map<string, boolean>>();
  for (const need of needs) {
    const apis = byProject.get(need.project) ?? new Map<string, boolean>();
    for (const s of need.services) apis.set(s, (apis.get(s) ?? false) || need.adopt);
    byProject.set(need.project, apis);
  }
  return new Map(
    [...byProject].map(([project, apis]) => [
      project,
      [...apis].map(([service, adopt]) => ({ service, adopt })).sort((a, b) => byCodePoint(a.service, b.service)),
    ]),
  );
}
