/**
 * The source of truth: one DOCKER repository per region, readable by anyone, writable
 * only by the promotion writers, granted on each repository (never project-wide).
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { childOf } from "../child-options";
import { adopted, gcpIds } from "../import-ids";
import { type Transform, transformed } from "../transform";

export interface ArtifactRegistryArgs {
  project: string;
  repository: string;
  regions: readonly string[];
  /**
   * Exactly these members hold `roles/artifactregistry.writer` on every repository;
   * `undefined` declares no writer grant here (an adopted project-wide grant stands in).
   */
  writers: pulumi.Input<string>[] | undefined;
  /** Regions whose repository (and its public read grant) exists already: imported. */
  adopt: readonly string[];
  transform?: ArtifactRegistryTransform;
}

/** Adjust any child before it is declared (see infra/transform.ts). */
export interface ArtifactRegistryTransform {
  repository?: Transform<gcp.artifactregistry.RepositoryArgs>;
}

export const READER_ROLE = "roles/artifactregistry.reader";
export const WRITER_ROLE = "roles/artifactregistry.writer";

export class ArtifactRegistry extends pulumi.ComponentResource {
  /** Region -> `<region>-docker.pkg.dev/<project>/<repository>`. */
  readonly urls: Record<string, pulumi.Output<string>>;
  /** The repositories, by region. */
  readonly nodes: { repositories: Record<string, gcp.artifactregistry.Repository> };

  constructor(name: string, args: ArtifactRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:gcp:ArtifactRegistry", name, {}, opts);
    const { project, repository } = args;
    const child = childOf(this, opts);
    this.urls = {};
    this.nodes = { repositories: {} };
    for (const region of args.regions) {
      const id = `${repository}-${region}`;
      const exists = args.adopt.includes(region);
      // No description or labels: registry.k8s.io's repositories have none, so adopting them changes nothing.
      const repo = new gcp.artifactregistry.Repository(
        ...transformed(
          args.transform?.repository,
          id,
          { project, location: region, repositoryId: repository, format: "DOCKER", mode: "STANDARD_REPOSITORY" },
          // Images are the product: never deleted by a config change or a stack destroy.
          {
            ...child,
            protect: true,
            retainOnDelete: true,
            ...adopted(exists ? gcpIds.repository(project, region, repository) : undefined),
          },
        ),
      );
      this.nodes.repositories[region] = repo;
      const on = { project, location: region, repository: repo.name };
      new gcp.artifactregistry.RepositoryIamMember(
        `${id}-public-read`,
        { ...on, role: READER_ROLE, member: "allUsers" },
        {
          ...child,
          ...adopted(
            exists ? gcpIds.repositoryMember(project, region, repository, READER_ROLE, "allUsers") : undefined,
          ),
        },
      );
      if (args.writers) {
        // Authoritative for the writer role: a writer added by hand is removed on the next up.
        new gcp.artifactregistry.RepositoryIamBinding(
          `${id}-writers`,
          { ...on, role: WRITER_ROLE, members: args.writers },
          child,
        );
      }
      this.urls[region] = repo.registryUri;
    }
    this.registerOutputs({ urls: this.urls });
  }
}
