/**
 * AWS credentials for a sync running on Google Cloud (a Cloud Run job): the job's service
 * account proves who it is with a Google-signed ID token, and AWS STS exchanges that for
 * the blob writer role's credentials (AssumeRoleWithWebIdentity; the role trusts
 * accounts.google.com for exactly that service account).
 *
 * The AWS SDK's own web-identity provider reads a token file (AWS_WEB_IDENTITY_TOKEN_FILE,
 * as a GKE pod has); Cloud Run has no such file, so the token comes from the metadata
 * server instead. GCE_METADATA_HOST overrides the metadata host (Google's client libraries
 * read the same variable), which is how the tests point it at a fake.
 */
import { fromWebToken } from "@aws-sdk/credential-provider-web-identity";
import { request } from "undici";

export interface GoogleFederation {
  roleArn: string;
  /** The `aud` of the ID token; the role's trust pins it (accounts.google.com:oaud). */
  audience: string;
  /** STS region: the bucket's, once the S3 client knows it. */
  region: () => Promise<string>;
  env: NodeJS.ProcessEnv;
}

/** The metadata server's URL for an ID token of the instance's service account. */
export function identityUrl(audience: string, env: NodeJS.ProcessEnv): string {
  const host = env.GCE_METADATA_HOST || "metadata.google.internal";
  const query = new URLSearchParams({ audience, format: "full" });
  return `http://${host}/computeMetadata/v1/instance/service-accounts/default/identity?${query}`;
}

/** A Google-signed ID token (a JWT) for the instance's service account. */
export async function googleIdToken(audience: string, env: NodeJS.ProcessEnv): Promise<string> {
  const url = identityUrl(audience, env);
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(url, { headers: { "metadata-flavor": "Google" }, headersTimeout: 10_000, bodyTimeout: 10_000 });
  } catch (e) {
    throw new Error(`no ID token from the metadata server (${url}): ${(e as Error).message}`);
  }
  const text = (await res.body.text()).trim();
  if (res.statusCode !== 200) {
    throw new Error(`no ID token from the metadata server (${url}): ${res.statusCode} ${text.slice(0, 200)}`);
  }
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(text)) throw new Error(`the metadata server's ID token is not a JWT`);
  return text;
}

/**
 * A credential provider that fetches a fresh ID token and assumes the role with it each
 * time the SDK asks (when the last credentials near their expiry), so a run longer than
 * a token's hour keeps going.
 */
type Credentials = Awaited<ReturnType<ReturnType<typeof fromWebToken>>>;

export function googleFederatedCredentials(f: GoogleFederation): () => Promise<Credentials> {
  const session = `registry-sync-${f.env.CLOUD_RUN_EXECUTION ?? "local"}-${f.env.CLOUD_RUN_TASK_INDEX ?? "0"}`;
  return async () => {
    const token = await googleIdToken(f.audience, f.env);
    return fromWebToken({
      roleArn: f.roleArn,
      webIdentityToken: token,
      roleSessionName: session.replace(/[^\w+=,.@-]/g, "-").slice(0, 64),
      clientConfig: { region: await f.region() },
    })();
  };
}
