/**
 * IAM proven, not eyeballed: the documents the prod stack declares once its move from
 * Terraform is done (bucket policies, public access blocks, trust and role policies, read
 * back from the mock engine) are evaluated with @cloud-copilot/iam-simulate against an
 * access matrix, which is also written to docs/iam-aws.md for reviewers.
 *
 * iam-simulate is AGPL: it is a devDependency and only tests import it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  anonymousPrincipal,
  type EvaluationResult,
  runSimulation,
  runUnsafeSimulation,
  type Simulation,
} from "@cloud-copilot/iam-simulate";
import { parseConfig } from "../../../../infra/config";
import { GOOGLE_ISSUER, oidcClaimKey } from "../../../../infra/donors/aws-s3/policies";
import { registry } from "../../../../infra/program";
import { evaluate, type Plan } from "../../../../tools/plan/engine";
import { ROOT } from "../../../tools/run-cli";
import { migrated, prodValues } from "../../fixtures";

const DOC = join(ROOT, "docs/iam-aws.md");
const config = parseConfig(migrated(prodValues()), { stack: "prod" });
const writerConfig = config.promotion.blobWriter as NonNullable<typeof config.promotion.blobWriter>;
const ACCOUNT = config.backends[0]?.accountId as string;
const OTHER_ACCOUNT = "111122223333";
const BLOB_KEY = `containers/images/sha256:${"a".repeat(64)}`;

// ---- what the program declared ------------------------------------------------------

// biome-ignore lint/suspicious/noExplicitAny: IAM JSON documents
type Json = any;

interface Declared {
  source: string;
  others: string[];
  bucketPolicy: Map<string, Json>;
  /** The access block's RestrictPublicBuckets, which decides whether a public policy counts. */
  restrictPublic: Map<string, boolean>;
  writer: { arn: string; trust: Json; policy: Json };
  replication: { arn: string; trust: Json; policy: Json };
  oidcProviderArn: string;
  /** The sync job's service account's unique ID, and another account's of the same stack (its invoker's). */
  syncJob: { uniqueId: string; otherUniqueId: string };
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the plan has no ${what}`);
  return value;
}

function declared(plan: Plan): Declared {
  const of = (type: string) => plan.resources.filter((r) => r.type === type);
  const donor = (plan.outputs.donors as Json[])[0];
  const role = (arn: string) => {
    const r = must(
      of("aws:iam/role:Role").find((x) => x.outputs.arn === arn),
      `role ${arn}`,
    ).inputs as Json;
    const inline = must(
      of("aws:iam/rolePolicy:RolePolicy").find((p) => (p.inputs as Json).role === r.name),
      `inline policy of ${arn}`,
    ).inputs as Json;
    return { arn, trust: JSON.parse(r.assumeRolePolicy), policy: JSON.parse(inline.policy) };
  };
  const byBucket = <T>(type: string, value: (inputs: Json) => T) =>
    new Map(of(type).map((r) => [(r.inputs as Json).bucket as string, value(r.inputs)]));
  return {
    source: donor.sourceBucket,
    others: donor.buckets.map((b: Json) => b.name).filter((n: string) => n !== donor.sourceBucket),
    bucketPolicy: byBucket("aws:s3/bucketPolicy:BucketPolicy", (i) => JSON.parse(i.policy)),
    restrictPublic: byBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", (i) => i.restrictPublicBuckets),
    writer: role(donor.writerRoleArn),
    replication: role(donor.replicationRoleArn),
    oidcProviderArn: of("aws:iam/openIdConnectProvider:OpenIdConnectProvider")[0]?.outputs.arn as string,
    syncJob: { uniqueId: syncAccount("runtime").uniqueId, otherUniqueId: syncAccount("invoker").uniqueId },
  };

  function syncAccount(role: "runtime" | "invoker"): Json {
    const job = (plan.outputs.syncJobs as Json[])[0];
    return must(
      of("gcp:serviceaccount/account:Account").find((a) => a.parent === job.job && a.name.endsWith(`-${role}`)),
      `the sync job's ${role} account`,
    ).outputs;
  }
}

// ---- the matrix ----------------------------------------------------------------------

type Who =
  | "anonymous"
  | "blob writer"
  | "replication role"
  | "same-account principal, no grants"
  | "other account's admin";

interface BucketCase {
  who: Who;
  action: string;
  /** Requests are over TLS unless this says otherwise. */
  tls?: false;
  source: EvaluationResult;
  others: EvaluationResult;
}

const A = "Allowed";
const D = "ImplicitlyDenied";
const X = "ExplicitlyDenied";

const BUCKET_CASES: BucketCase[] = [
  { who: "anonymous", action: "s3:GetObject", source: A, others: A },
  { who: "anonymous", action: "s3:ListBucket", source: A, others: A },
  { who: "anonymous", action: "s3:GetObject", tls: false, source: X, others: X },
  { who: "anonymous", action: "s3:PutObject", source: D, others: D },
  { who: "anonymous", action: "s3:DeleteObject", source: D, others: D },
  { who: "anonymous", action: "s3:PutBucketPolicy", source: D, others: D },
  { who: "blob writer", action: "s3:PutObject", source: A, others: D },
  { who: "blob writer", action: "s3:GetObject", source: A, others: A },
  { who: "blob writer", action: "s3:ListBucket", source: A, others: A },
  { who: "blob writer", action: "s3:AbortMultipartUpload", source: A, others: D },
  { who: "blob writer", action: "s3:PutObject", tls: false, source: X, others: X },
  { who: "blob writer", action: "s3:DeleteObject", source: D, others: D },
  { who: "blob writer", action: "s3:DeleteBucket", source: D, others: D },
  { who: "blob writer", action: "s3:PutBucketPolicy", source: D, others: D },
  { who: "replication role", action: "s3:GetObjectVersionForReplication", source: A, others: D },
  { who: "replication role", action: "s3:GetReplicationConfiguration", source: A, others: D },
  { who: "replication role", action: "s3:ReplicateObject", source: D, others: A },
  { who: "replication role", action: "s3:ReplicateDelete", source: D, others: A },
  { who: "replication role", action: "s3:PutObject", source: D, others: D },
  { who: "replication role", action: "s3:DeleteBucket", source: D, others: D },
  { who: "same-account principal, no grants", action: "s3:GetObject", source: A, others: A },
  { who: "same-account principal, no grants", action: "s3:PutObject", source: D, others: D },
  { who: "same-account principal, no grants", action: "s3:DeleteObject", source: D, others: D },
  { who: "same-account principal, no grants", action: "s3:PutBucketPolicy", source: D, others: D },
  { who: "other account's admin", action: "s3:PutObject", source: D, others: D },
  { who: "other account's admin", action: "s3:DeleteObject", source: D, others: D },
  { who: "other account's admin", action: "s3:PutBucketPolicy", source: D, others: D },
];

/** Every identity policy grant "Allow * on *": what an administrator has. */
const ADMIN = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
/**
 * A web identity has no IAM policies of its own: STS decides on the role's trust alone.
 * iam-simulate reads a caller outside the account (Google's issuer has no account) as a
 * cross-account principal, whose own side must allow too; Google's tokens get a stand-in
 * that allows exactly the call, so the trust is what decides.
 */
const WEB_IDENTITY_CALLER = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "sts:AssumeRoleWithWebIdentity", Resource: "*" }],
};

interface TrustCase {
  caller: string;
  /** Built from the declared documents: the OIDC provider's ARN is an output. */
  request(d: Declared): Pick<Simulation["request"], "principal" | "action" | "contextVariables">;
  identityPolicy?: Json;
  writer: EvaluationResult;
  replication: EvaluationResult;
}

const aud = oidcClaimKey(writerConfig.oidcIssuer, "aud");
const sub = oidcClaimKey(writerConfig.oidcIssuer, "sub");
const subject = writerConfig.subjects[0] as string;
const webIdentity = (claims: Record<string, string>, provider?: string) => (d: Declared) => ({
  principal: provider ?? d.oidcProviderArn,
  action: "sts:AssumeRoleWithWebIdentity",
  contextVariables: claims,
});
const service = (principal: string, context: (d: Declared) => Record<string, string>) => (d: Declared) => ({
  principal,
  action: "sts:AssumeRole",
  contextVariables: context(d),
});
const fromSource = (d: Declared) => ({ "aws:SourceAccount": ACCOUNT, "aws:SourceArn": `arn:aws:s3:::${d.source}` });
/** A Google ID token as AWS reads it: `azp` as `:aud`, `sub`, and its own `aud` as `:oaud`. */
const googleToken =
  (claims: (d: Declared) => { azp?: string; sub?: string; aud?: string }, provider?: string) => (d: Declared) => {
    const c = claims(d);
    const keys = { azp: "aud", sub: "sub", aud: "oaud" } as const;
    return {
      principal: provider ?? GOOGLE_ISSUER,
      action: "sts:AssumeRoleWithWebIdentity",
      contextVariables: Object.fromEntries(
        (Object.keys(keys) as Array<keyof typeof keys>)
          .filter((k) => c[k] !== undefined)
          .map((k) => [`${GOOGLE_ISSUER}:${keys[k]}`, c[k] as string]),
      ),
    };
  };
const syncAudience = config.sync?.audience as string;
const jobToken = (d: Declared) => ({ azp: d.syncJob.uniqueId, sub: d.syncJob.uniqueId, aud: syncAudience });

const TRUST_CASES: TrustCase[] = [
  {
    caller: `blob sync token: configured \`aud\` and \`sub\``,
    request: webIdentity({ [aud]: writerConfig.audience, [sub]: subject }),
    writer: A,
    replication: D,
  },
  {
    caller: "token with another `sub`",
    request: webIdentity({ [aud]: writerConfig.audience, [sub]: "system:serviceaccount:test-pods:other" }),
    writer: D,
    replication: D,
  },
  {
    caller: "token with another `aud`",
    request: webIdentity({ [aud]: "https://example.dev", [sub]: subject }),
    writer: D,
    replication: D,
  },
  { caller: "token without `aud`", request: webIdentity({ [sub]: subject }), writer: D, replication: D },
  {
    caller: "token with the same claims from another issuer",
    request: webIdentity(
      { [aud]: writerConfig.audience, [sub]: subject },
      `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
    ),
    writer: D,
    replication: D,
  },
  {
    caller: "sync job's Google ID token: its service account's unique ID, the configured audience",
    request: googleToken(jobToken),
    identityPolicy: WEB_IDENTITY_CALLER,
    writer: A,
    replication: D,
  },
  {
    caller: "Google ID token of another service account (the job's invoker)",
    request: googleToken((d) => ({ ...jobToken(d), azp: d.syncJob.otherUniqueId, sub: d.syncJob.otherUniqueId })),
    identityPolicy: WEB_IDENTITY_CALLER,
    writer: D,
    replication: D,
  },
  {
    caller: "Google ID token of the job's account for another audience",
    request: googleToken((d) => ({ ...jobToken(d), aud: "https://example.dev" })),
    identityPolicy: WEB_IDENTITY_CALLER,
    writer: D,
    replication: D,
  },
  {
    caller: "Google ID token of the job's account, its `sub` only (another client's `azp`)",
    request: googleToken((d) => ({ ...jobToken(d), azp: "32555940559.apps.googleusercontent.com" })),
    identityPolicy: WEB_IDENTITY_CALLER,
    writer: D,
    replication: D,
  },
  {
    caller: "the job's claims from another issuer (the GKE cluster's provider)",
    request: (d) => googleToken(jobToken, d.oidcProviderArn)(d),
    writer: D,
    replication: D,
  },
  {
    caller: "`s3.amazonaws.com` for the source bucket",
    request: service("s3.amazonaws.com", fromSource),
    writer: D,
    replication: A,
  },
  {
    caller: "`s3.amazonaws.com` for another account",
    request: service("s3.amazonaws.com", (d) => ({ ...fromSource(d), "aws:SourceAccount": OTHER_ACCOUNT })),
    writer: D,
    replication: D,
  },
  {
    caller: "`s3.amazonaws.com` for a replica bucket",
    request: service("s3.amazonaws.com", (d) => ({ ...fromSource(d), "aws:SourceArn": `arn:aws:s3:::${d.others[0]}` })),
    writer: D,
    replication: D,
  },
  {
    caller: "`batchoperations.s3.amazonaws.com` for the source bucket",
    request: service("batchoperations.s3.amazonaws.com", fromSource),
    writer: D,
    replication: D,
  },
  {
    caller: "same-account admin (`Allow * on *`)",
    request: () => ({
      principal: `arn:aws:iam::${ACCOUNT}:role/admin`,
      action: "sts:AssumeRole",
      contextVariables: {},
    }),
    identityPolicy: ADMIN,
    writer: D,
    replication: D,
  },
];

// ---- evaluation ----------------------------------------------------------------------

/**
 * Validated evaluation: iam-simulate checks every document, action, resource type and
 * context key. It knows the claim keys of a few named issuers only and drops any other
 * issuer's (a GKE cluster's among them); for those requests, and only those, the same
 * documents are evaluated again without that filter.
 */
async function decide(sim: Simulation): Promise<EvaluationResult> {
  const result = await runSimulation(sim, {});
  if (result.resultType === "error") throw new Error(`simulation refused: ${JSON.stringify(result.errors)}`);
  if (result.resultType !== "single") throw new Error(`expected one resource, got ${result.resultType}`);
  const ignored = result.result.ignoredContextKeys ?? [];
  if (ignored.length === 0) return result.overallResult;
  const unknown = ignored.filter((k) => k !== aud && k !== sub);
  if (unknown.length > 0) throw new Error(`context keys ignored: ${unknown.join(", ")}`);
  // A policy handed over already validated carries its name, which the unvalidated path needs.
  const named = { __validated: true, policyDocument: sim.resourcePolicy, metadata: { name: "trust" }, errors: [] };
  return runUnsafeSimulation({ ...sim, resourcePolicy: named }, {});
}

function principalOf(who: Who, d: Declared): { principal: Simulation["request"]["principal"]; policies: Json[] } {
  const session = (arn: string, name: string) =>
    `${arn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/")}/${name}`;
  switch (who) {
    case "anonymous":
      return { principal: anonymousPrincipal, policies: [] };
    case "blob writer":
      return { principal: session(d.writer.arn, "blob-sync"), policies: [d.writer.policy] };
    case "replication role":
      return { principal: session(d.replication.arn, "s3-replication"), policies: [d.replication.policy] };
    case "same-account principal, no grants":
      return { principal: `arn:aws:iam::${ACCOUNT}:role/unrelated`, policies: [] };
    case "other account's admin":
      return { principal: `arn:aws:iam::${OTHER_ACCOUNT}:role/admin`, policies: [ADMIN] };
  }
}

/** Bucket-level actions act on the bucket; the rest on a blob in it. */
const BUCKET_ACTIONS = new Set([
  "s3:ListBucket",
  "s3:DeleteBucket",
  "s3:PutBucketPolicy",
  "s3:GetReplicationConfiguration",
]);

function bucketRequest(c: BucketCase, bucket: string, d: Declared): Promise<EvaluationResult> {
  const { principal, policies } = principalOf(c.who, d);
  const arn = BUCKET_ACTIONS.has(c.action) ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${BLOB_KEY}`;
  return decide({
    request: {
      principal,
      action: c.action,
      resource: { resource: arn, accountId: ACCOUNT },
      contextVariables: { "aws:SecureTransport": c.tls === false ? "false" : "true" },
    },
    identityPolicies: policies.map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: d.bucketPolicy.get(bucket),
    additionalSettings: { s3: { blockPublicAccess: d.restrictPublic.get(bucket) } },
  });
}

function trustRequest(c: TrustCase, role: Declared["writer"], d: Declared): Promise<EvaluationResult> {
  return decide({
    request: { ...c.request(d), resource: { resource: role.arn, accountId: ACCOUNT } },
    identityPolicies: c.identityPolicy ? [{ name: "identity", policy: c.identityPolicy }] : [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: role.trust,
  });
}

interface Results {
  buckets: Array<{ source: EvaluationResult; others: EvaluationResult[] }>;
  trust: Array<{ writer: EvaluationResult; replication: EvaluationResult }>;
}

async function run(d: Declared): Promise<Results> {
  const buckets = await Promise.all(
    BUCKET_CASES.map(async (c) => ({
      source: await bucketRequest(c, d.source, d),
      others: await Promise.all(d.others.map((b) => bucketRequest(c, b, d))),
    })),
  );
  const trust = await Promise.all(
    TRUST_CASES.map(async (c) => ({
      writer: await trustRequest(c, d.writer, d),
      replication: await trustRequest(c, d.replication, d),
    })),
  );
  return { buckets, trust };
}

// ---- the document --------------------------------------------------------------------

const LABEL: Record<EvaluationResult, string> = {
  Allowed: "✅ allowed",
  ImplicitlyDenied: "⛔ denied",
  ExplicitlyDenied: "⛔ denied (explicit Deny)",
};

function cell(results: EvaluationResult[]): string {
  const counts = new Map<EvaluationResult, number>();
  for (const r of results) counts.set(r, (counts.get(r) ?? 0) + 1);
  if (counts.size === 1) return LABEL[results[0] as EvaluationResult];
  return [...counts].map(([r, n]) => `${LABEL[r]} ×${n}`).join(", ");
}

function render(d: Declared, r: Results): string {
  const out = [
    "# AWS donor: who may do what",
    "",
    "Generated by `test/infra/donors/aws-s3/iam.test.ts` from the documents the `prod` stack declares",
    "once its move from Terraform is done, with this program's own settings and roles (bucket policies,",
    "public access blocks, trust and role policies; docs/adopting-existing-infrastructure.md, step 2),",
    "each cell evaluated with `@cloud-copilot/iam-simulate`. Do not edit: `npm run iam:update` rewrites",
    "it, and a test fails while it is stale.",
    "",
    "⛔ denied: no statement allows it. ⛔ denied (explicit Deny): a Deny statement matches, whatever else allows.",
    "",
    "## Buckets",
    "",
    `Source: \`${d.source}\`, written by the blob sync. Replicas: the ${d.others.length} other buckets, each`,
    "evaluated on its own. Object requests name a blob (`containers/images/sha256:…`); every request uses",
    "TLS unless the row says otherwise.",
    "",
    `| principal | request | source bucket | each of the ${d.others.length} replicas |`,
    "|---|---|---|---|",
  ];
  BUCKET_CASES.forEach((c, i) => {
    const res = r.buckets[i] as Results["buckets"][number];
    const request = `\`${c.action}\`${c.tls === false ? " without TLS" : ""}`;
    out.push(`| ${c.who} | ${request} | ${LABEL[res.source]} | ${cell(res.others)} |`);
  });
  out.push(
    "",
    "## Roles",
    "",
    `Who may assume the blob writer role (\`${d.writer.arn}\`) and the replication role`,
    `(\`${d.replication.arn}\`). Tokens are web identities from \`${writerConfig.oidcIssuer}\``,
    "unless the row says otherwise; services ask with `aws:SourceAccount` and `aws:SourceArn`.",
    `Google ID tokens come from \`${GOOGLE_ISSUER}\` (AWS reads a token's \`azp\` as \`:aud\` and its \`aud\` as`,
    `\`:oaud\`); the sync job's service account has unique ID \`${d.syncJob.uniqueId}\` in the plan, and asks for`,
    `tokens with audience \`${syncAudience}\`.`,
    "",
    "| caller | blob writer role | replication role |",
    "|---|---|---|",
  );
  TRUST_CASES.forEach((c, i) => {
    const res = r.trust[i] as Results["trust"][number];
    out.push(`| ${c.caller} | ${LABEL[res.writer]} | ${LABEL[res.replication]} |`);
  });
  return `${out.join("\n")}\n`;
}

// ---- tests ---------------------------------------------------------------------------

let d: Declared;
let results: Results;
beforeAll(async () => {
  d = declared(await evaluate("prod", {}, () => registry({ config, stack: "prod" }).outputs));
  results = await run(d);
}, 120_000);

describe("what the simulation reads", () => {
  it("is every prod bucket's policy and access block, and both roles' documents", () => {
    expect(d.others).toHaveLength(30);
    expect([...d.bucketPolicy.keys()].sort()).toEqual([d.source, ...d.others].sort());
    expect([...d.restrictPublic.values()]).toEqual(Array(31).fill(false));
    for (const role of [d.writer, d.replication]) expect(role.policy.Statement.length).toBeGreaterThan(0);
  });
});

describe.each(BUCKET_CASES.map((c, i) => [c.who, c.action + (c.tls === false ? " without TLS" : ""), i] as const))(
  "%s: %s",
  (_who, _action, i) => {
    const c = BUCKET_CASES[i] as BucketCase;
    it(`source bucket: ${c.source}`, () => {
      expect(results.buckets[i]?.source).toBe(c.source);
    });
    it(`every replica: ${c.others}`, () => {
      expect(results.buckets[i]?.others).toEqual(Array(30).fill(c.others));
    });
  },
);

describe.each(TRUST_CASES.map((c, i) => [c.caller, i] as const))("assume role: %s", (_caller, i) => {
  const c = TRUST_CASES[i] as TrustCase;
  it(`writer role: ${c.writer}, replication role: ${c.replication}`, () => {
    expect(results.trust[i]).toEqual({ writer: c.writer, replication: c.replication });
  });
});

describe("docs/iam-aws.md", () => {
  it("is the matrix as evaluated (else: npm run iam:update)", () => {
    const fresh = render(d, results);
    if (process.env.UPDATE_IAM_DOC === "1") writeFileSync(DOC, fresh);
    expect(readFileSync(DOC, "utf8")).toBe(fresh);
  });
});
