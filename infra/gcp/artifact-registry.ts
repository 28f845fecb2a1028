/**
 * The source of truth: one DOCKER repository per region, readable by anyone, writable
 * only by the promotion principals, granted on each repository (never project-wide).
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface ArtifactRegistryArgs {
  project: string;
  repository: string;
  regions: readonly string[];
  /** Exactly these members hold `roles/artifactregistry.writer` on every repository. */
  writers: readonly string[];
}

export const READER_ROLE = "roles/artifactregistry.reader";
export const WRITER_ROLE = "roles/artifactregistry.writer";

export class ArtifactRegistry extends pulumi.ComponentResource {
  /** Region -> `<region>-docker.pkg.dev/<project>/<repository>`. */
  readonly urls: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: ArtifactRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("registry:gcp:ArtifactRegistry", name, {}, opts);
    this.urls = {};
    for (const region of args.regions) {
      const id = `${args.repository}-${region}`;
      const repo = new gcp.artifactregistry.Repository(
        id,
        {
          project: args.project,
          location: region,
          repositoryId: args.repository,
          format: "DOCKER",
          mode: "STANDARD_REPOSITORY",
          description: "Container images, the registry's source of truth",
        },
        // Images are the product: never deleted by a config change or a stack destroy.
        { parent: this, protect: true, retainOnDelete: true },
      );
      const on = { project: args.project, location: region, repository: repo.name };
      new gcp.artifactregistry.RepositoryIamMember(
        `${id}-public-read`,
        { ...on, role: READER_ROLE, member: "allUsers" },
        { parent: this },
      );
      // Authoritative for the writer role: a writer added by hand is removed on the next up.
      new gcp.artifactregistry.RepositoryIamBinding(
        `${id}-writers`,
        { ...on, role: WRITER_ROLE, members: [...args.writers] },
        { parent: this },
      );
      this.urls[region] = repo.registryUri;
    }
    this.registerOutputs({ urls: this.urls });
  }
}
