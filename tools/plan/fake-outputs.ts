/**
 * Deterministic stand-ins for what the clouds would return, shaped like the real thing
 * (ARNs, self links, *.pkg.dev URLs, IP addresses), so outputs derived from them read
 * true in the plan and tests can assert on them. Same inputs, same outputs, every run.
 */
import { createHash } from "node:crypto";

export interface FakeContext {
  stack: string;
  /** The AWS account a resource is deployed into (from its provider), if known. */
  awsAccount?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: provider inputs are untyped at the engine boundary
type Inputs = Record<string, any>;
type Fake = (name: string, inputs: Inputs, ctx: FakeContext) => Record<string, unknown>;

export function digestOf(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex");
}

/** A stable byte from a hash, for fake addresses. */
function byte(hex: string, i: number): number {
  return Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
}

/** `n` decimal digits from a hex digest: numeric IDs, stable per input. */
function decimalDigits(hex: string, n: number): string {
  return BigInt(`0x${hex}`).toString().slice(0, n).padStart(n, "0");
}

/** A GCP project's number: 12 digits, stable per project ID. */
function projectNumber(project: string): string {
  return decimalDigits(digestOf("project", project), 12);
}

function account(ctx: FakeContext): string {
  return ctx.awsAccount ?? "000000000000";
}

/** A Compute Engine resource's id (its relative path) and self link. */
function computeIds(i: Inputs, name: string, collection: string, region?: string) {
  const path = `projects/${i.project}/${region ? `regions/${region}` : "global"}/${collection}/${i.name ?? name}`;
  return { id: path, selfLink: `https://www.googleapis.com/compute/v1/${path}` };
}

/** Compute Engine types whose outputs are only their id and self link, by collection. */
const COMPUTE_COLLECTIONS: Record<string, string> = {
  "gcp:compute/backendService:BackendService": "backendServices",
  "gcp:compute/securityPolicy:SecurityPolicy": "securityPolicies",
  "gcp:compute/uRLMap:URLMap": "urlMaps",
  "gcp:compute/targetHttpsProxy:TargetHttpsProxy": "targetHttpsProxies",
  "gcp:compute/targetHttpProxy:TargetHttpProxy": "targetHttpProxies",
  "gcp:compute/sSLPolicy:SSLPolicy": "sslPolicies",
  "gcp:compute/globalForwardingRule:GlobalForwardingRule": "forwardingRules",
};

/** Certificate Manager types: `projects/<p>/locations/global/<collection>/<name>`. */
const CERTIFICATE_MANAGER_COLLECTIONS: Record<string, string> = {
  "gcp:certificatemanager/certificate:Certificate": "certificates",
  "gcp:certificatemanager/certificateMap:CertificateMap": "certificateMaps",
};

/** Output properties per resource type token, beyond the inputs echoed back. */
export const FAKE_OUTPUTS: Record<string, Fake> = {
  "aws:s3/bucket:Bucket": (name, i) => {
    const bucket = i.bucket ?? name;
    return {
      id: bucket,
      bucket,
      arn: `arn:aws:s3:::${bucket}`,
      bucketDomainName: `${bucket}.s3.amazonaws.com`,
      bucketRegionalDomainName: `${bucket}.s3.${i.region}.amazonaws.com`,
    };
  },
  "aws:iam/role:Role": (name, i, ctx) => ({
    id: i.name ?? name,
    arn: `arn:aws:iam::${account(ctx)}:role${i.path ?? "/"}${i.name ?? name}`,
  }),
  "aws:iam/policy:Policy": (name, i, ctx) => ({
    arn: `arn:aws:iam::${account(ctx)}:policy${i.path ?? "/"}${i.name ?? name}`,
  }),
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (_name, i, ctx) => ({
    arn: `arn:aws:iam::${account(ctx)}:oidc-provider/${String(i.url).replace(/^https:\/\//, "")}`,
  }),
  "gcp:artifactregistry/repository:Repository": (_name, i) => ({
    id: `projects/${i.project}/locations/${i.location}/repositories/${i.repositoryId}`,
    name: i.repositoryId,
    registryUri: `${i.location}-docker.pkg.dev/${i.project}/${i.repositoryId}`,
  }),
  "gcp:serviceaccount/account:Account": (_name, i) => {
    const email = `${i.accountId}@${i.project}.iam.gserviceaccount.com`;
    return {
      email,
      member: `serviceAccount:${email}`,
      name: `projects/${i.project}/serviceAccounts/${email}`,
      // Google's are 21 digits; a federated trust names the account by it.
      uniqueId: `1${decimalDigits(digestOf("service-account", email), 20)}`,
    };
  },
  "gcp:cloudrunv2/job:Job": (name, i) => ({
    id: `projects/${i.project}/locations/${i.location}/jobs/${i.name ?? name}`,
    name: i.name ?? name,
  }),
  "gcp:cloudscheduler/job:Job": (name, i) => ({
    id: `projects/${i.project}/locations/${i.region}/jobs/${i.name ?? name}`,
  }),
  "gcp:secretmanager/secret:Secret": (name, i) => {
    const secretId = i.secretId ?? name;
    return {
      id: `projects/${i.project}/secrets/${secretId}`,
      secretId,
      name: `projects/${projectNumber(String(i.project))}/secrets/${secretId}`,
    };
  },
  "gcp:secretmanager/secretVersion:SecretVersion": (_name, i) => {
    // The secret's ID as the provider returns it names the project by ID; its `name`, by number.
    const [, project = "", , secretId = ""] = String(i.secret).split("/");
    return {
      id: `${i.secret}/versions/1`,
      version: "1",
      name: `projects/${projectNumber(project)}/secrets/${secretId}/versions/1`,
    };
  },
  "gcp:cloudrunv2/service:Service": (name, i) => {
    const svc = i.name ?? name;
    return {
      id: `projects/${i.project}/locations/${i.location}/services/${svc}`,
      name: svc,
      uri: `https://${svc}-${digestOf(svc, i.location).slice(0, 10)}-uc.a.run.app`,
    };
  },
  "gcp:compute/globalAddress:GlobalAddress": (name, i) => {
    const h = digestOf("address", name);
    const address =
      i.ipVersion === "IPV6"
        ? `2600:1901:0:${h.slice(0, 4)}::`
        : `34.${byte(h, 0) % 128}.${byte(h, 1)}.${1 + (byte(h, 2) % 254)}`;
    return { ...computeIds(i, name, "addresses"), address };
  },
  "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup": (name, i) =>
    computeIds(i, name, "networkEndpointGroups", i.region),
  ...Object.fromEntries(
    Object.entries(COMPUTE_COLLECTIONS).map(([type, collection]): [string, Fake] => [
      type,
      (name, i) => computeIds(i, name, collection),
    ]),
  ),
  ...Object.fromEntries(
    Object.entries(CERTIFICATE_MANAGER_COLLECTIONS).map(([type, collection]): [string, Fake] => [
      type,
      (name, i) => ({ id: `projects/${i.project}/locations/global/${collection}/${i.name ?? name}` }),
    ]),
  ),
  "gcp:certificatemanager/dnsAuthorization:DnsAuthorization": (name, i) => {
    const h = digestOf("dnsauth", name);
    const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
    return {
      id: `projects/${i.project}/locations/global/dnsAuthorizations/${i.name ?? name}`,
      dnsResourceRecords: [
        { name: `_acme-challenge.${i.domain}.`, type: "CNAME", data: `${uuid}.14.authorize.certificatemanager.goog.` },
      ],
    };
  },
  "gcp:monitoring/notificationChannel:NotificationChannel": (name, i) => {
    const id = BigInt(`0x${digestOf("channel", name).slice(0, 15)}`).toString();
    return {
      id: `projects/${i.project}/notificationChannels/${id}`,
      name: `projects/${i.project}/notificationChannels/${id}`,
    };
  },
  "gcp:logging/projectSink:ProjectSink": (name, i) => {
    const n = BigInt(`0x${digestOf("sink", name).slice(0, 11)}`).toString();
    return {
      id: `projects/${i.project}/sinks/${i.name ?? name}`,
      writerIdentity: `serviceAccount:service-${n}@gcp-sa-logging.iam.gserviceaccount.com`,
    };
  },
  "aws:sns/topic:Topic": (name, i, ctx) => ({ arn: `arn:aws:sns:${i.region}:${account(ctx)}:${i.name ?? name}` }),
  "cloudflare:index/r2Bucket:R2Bucket": (name, i) => ({ id: i.name ?? name }),
  "cloudflare:index/accountToken:AccountToken": (name) => {
    const h = digestOf("token", name);
    // A token's value is 40 characters; the fake is deterministic, never a real secret.
    return { id: h.slice(0, 32), value: `fake-${h.slice(32, 67)}` };
  },
};

/** Results of the provider functions (invokes) the program may call; any other fails. */
export const FAKE_INVOKES: Record<string, (inputs: Inputs) => Record<string, unknown>> = {
  "cloudflare:index/getZone:getZone": (i) => {
    const name = i.filter?.name ?? i.name;
    const id = digestOf("zone", String(name)).slice(0, 32);
    return { id, zoneId: id, name };
  },
  "cloudflare:index/getAccountApiTokenPermissionGroupsList:getAccountApiTokenPermissionGroupsList": (i) => ({
    results: [
      {
        id: digestOf("permission-group", String(i.name)).slice(0, 32),
        name: i.name,
        scopes: ["com.cloudflare.edge.r2.bucket"],
      },
    ],
  }),
};

export function fakeOutputs(type: string, name: string, inputs: Inputs, ctx: FakeContext) {
  const extra = FAKE_OUTPUTS[type]?.(name, inputs, ctx) ?? {};
  const { id, ...state } = extra as { id?: string };
  return { id: id ?? `${name}-${digestOf(type, name).slice(0, 8)}`, state: { ...inputs, ...state } };
}
