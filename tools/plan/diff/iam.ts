/**
 * Pure: who may do what, on which resource, as two plans declare it, and who gains or loses
 * what between them. Read from GCP IAM members, bindings and policies, AWS role trusts, role
 * (user, group) policies and attachments, and S3 bucket policies. Each grant is one principal,
 * one role or action, one resource, under one condition; a grant that moves from one resource
 * declaration to another (a binding split into members) is no change in access, so it is not
 * reported.
 */
import { byCodePoint } from "../../../infra/compare";
import type { DiffResource, IamChange } from "./model";
import { className } from "./resources";

interface Grant {
  effect: "allow" | "deny";
  who: string;
  what: string;
  on: string;
  when: string | null;
  via: { type: string; name: string };
}

type Doc = Record<string, unknown>;

function list(v: unknown): string[] {
  return (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).map(String);
}

function isDoc(v: unknown): v is Doc {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

// GCP ---------------------------------------------------------------------------------------

/** What an IAM resource of each GCP module grants access to. */
const GCP_NOUNS: Record<string, string> = {
  artifactregistry: "repository",
  projects: "project",
  serviceaccount: "service account",
  cloudrunv2: "Cloud Run service",
  cloudrun: "Cloud Run service",
  storage: "bucket",
  organizations: "organization",
  folder: "folder",
  secretmanager: "secret",
};
const GCP_NOT_TARGET = new Set(["role", "member", "members", "condition", "policyData", "etag"]);
const GCP_TARGET_ORDER = ["project", "location", "region"];

function gcpTarget(r: DiffResource): string {
  const module = (r.type.split(":")[1] ?? "").split("/")[0] ?? "";
  // Cloud Run grants on jobs name a job: `gcp:cloudrunv2/jobIamMember:JobIamMember`.
  const noun = /^Job/.test(className(r.type)) && module.startsWith("cloudrun") ? "Cloud Run job" : GCP_NOUNS[module];
  const rank = (k: string) => (GCP_TARGET_ORDER.includes(k) ? GCP_TARGET_ORDER.indexOf(k) : GCP_TARGET_ORDER.length);
  const parts = Object.keys(r.inputs)
    .filter((k) => !GCP_NOT_TARGET.has(k) && typeof r.inputs[k] === "string")
    .sort((a, b) => rank(a) - rank(b) || byCodePoint(a, b))
    .map((k) => r.inputs[k] as string);
  return `${noun ?? module} ${parts.join("/")}`;
}

function gcpCondition(c: unknown): string | null {
  if (!isDoc(c)) return null;
  return [c.title, c.expression].filter((x) => typeof x === "string" && x).join(": ") || null;
}

function gcpGrants(r: DiffResource): Grant[] {
  const via = { type: r.type, name: r.name };
  const on = gcpTarget(r);
  const bindings = /IamPolicy$/i.test(className(r.type))
    ? ((isDoc(r.inputs.policyData) ? r.inputs.policyData.bindings : []) as unknown[])
    : [{ role: r.inputs.role, members: r.inputs.members ?? r.inputs.member, condition: r.inputs.condition }];
  return bindings.filter(isDoc).flatMap((b) =>
    list(b.members).map((who) => ({
      effect: "allow" as const,
      who,
      what: String(b.role),
      on,
      when: gcpCondition(b.condition),
      via,
    })),
  );
}

// AWS ---------------------------------------------------------------------------------------

const OPERATOR_WORDS: Record<string, string> = {
  StringEquals: "=",
  StringLike: "like",
  StringNotEquals: "≠",
  StringNotLike: "not like",
  StringEqualsIgnoreCase: "= (any case)",
  ArnEquals: "=",
  ArnLike: "like",
  Bool: "=",
  NumericEquals: "=",
  IpAddress: "in",
  NotIpAddress: "not in",
};

interface Principal {
  who: string;
  /** A condition this principal already says (a web identity's `sub`), left out of `when`. */
  consumed?: { operator: string; key: string };
}

/** `arn:aws:iam::1:oidc-provider/issuer/path` -> `issuer/path`. */
function issuerOf(federated: string): string {
  return federated.replace(/^arn:[\w-]+:iam::\d*:(oidc|saml)-provider\//, "");
}

function conditionText(condition: unknown, consumed?: Principal["consumed"], issuer?: string): string | null {
  if (!isDoc(condition)) return null;
  const parts: string[] = [];
  for (const operator of Object.keys(condition).sort(byCodePoint)) {
    const tests = condition[operator];
    if (!isDoc(tests)) continue;
    for (const key of Object.keys(tests).sort(byCodePoint)) {
      if (consumed?.operator === operator && consumed.key === key) continue;
      const values = list(tests[key]);
      const claim = issuer && key.startsWith(`${issuer}:`) ? key.slice(issuer.length + 1) : key;
      const value = values.length === 1 ? values[0] : `one of [${values.join(", ")}]`;
      parts.push(`${claim} ${OPERATOR_WORDS[operator] ?? operator} ${value}`);
    }
  }
  return parts.length ? parts.join(" and ") : null;
}

function principals(stmt: Doc): Principal[] {
  if (stmt.NotPrincipal !== undefined) return [{ who: `anyone but ${JSON.stringify(stmt.NotPrincipal)}` }];
  const p = stmt.Principal;
  if (p === "*") return [{ who: "anyone (*)" }];
  if (!isDoc(p)) return [{ who: "(no principal)" }];
  const condition = isDoc(stmt.Condition) ? stmt.Condition : {};
  return Object.keys(p)
    .sort(byCodePoint)
    .flatMap((kind) =>
      list(p[kind]).flatMap((v): Principal[] => {
        if (kind === "AWS") return [{ who: v === "*" ? "any AWS principal (*)" : `AWS ${v}` }];
        if (kind === "Service") return [{ who: `service ${v}` }];
        if (kind !== "Federated") return [{ who: `${kind} ${v}` }];
        // A web identity's subjects are who it really is: one principal per allowed `sub`.
        const issuer = issuerOf(v);
        for (const operator of ["StringEquals", "StringLike"]) {
          const tests = condition[operator];
          const key = isDoc(tests) ? Object.keys(tests).find((k) => k.endsWith(":sub")) : undefined;
          if (key && isDoc(tests)) {
            return list(tests[key]).map((sub) => ({ who: `${sub} (sub) from ${issuer}`, consumed: { operator, key } }));
          }
        }
        return [{ who: `web identities from ${issuer}` }];
      }),
    );
}

function statementsOf(doc: unknown): Doc[] {
  if (!isDoc(doc)) return [];
  return (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]).filter(isDoc);
}

/**
 * A policy document's grants. `holder` is who an identity policy belongs to (its statements
 * name no principal); `target` is what a trust policy guards (its statements name no resource).
 */
function policyGrants(doc: unknown, via: Grant["via"], holder?: string, target?: string): Grant[] {
  return statementsOf(doc).flatMap((stmt) => {
    const effect = String(stmt.Effect).toLowerCase() === "deny" ? ("deny" as const) : ("allow" as const);
    const actions =
      stmt.Action !== undefined ? list(stmt.Action) : [`every action but ${list(stmt.NotAction).join(", ")}`];
    const resources =
      target !== undefined
        ? [target]
        : stmt.Resource !== undefined
          ? list(stmt.Resource)
          : [`everything but ${list(stmt.NotResource).join(", ")}`];
    const who: Principal[] = holder ? [{ who: holder }] : principals(stmt);
    const federated = isDoc(stmt.Principal) ? list(stmt.Principal.Federated)[0] : undefined;
    const issuer = federated ? issuerOf(federated) : undefined;
    return who.flatMap((p) =>
      resources.flatMap((on) =>
        actions.map((what) => ({
          effect,
          who: p.who,
          what,
          on,
          when: conditionText(stmt.Condition, p.consumed, issuer),
          via,
        })),
      ),
    );
  });
}

function awsGrants(r: DiffResource): Grant[] {
  const via = { type: r.type, name: r.name };
  const i = r.inputs;
  switch (className(r.type)) {
    case "Role": {
      const role = `role ${String(i.name ?? r.name)}`;
      const inline = Array.isArray(i.inlinePolicies) ? i.inlinePolicies.filter(isDoc) : [];
      return [
        ...policyGrants(i.assumeRolePolicy, via, undefined, role),
        ...inline.flatMap((p) => policyGrants(p.policy, via, role)),
      ];
    }
    case "RolePolicy":
      return policyGrants(i.policy, via, `role ${String(i.role)}`);
    case "UserPolicy":
      return policyGrants(i.policy, via, `user ${String(i.user)}`);
    case "GroupPolicy":
      return policyGrants(i.policy, via, `group ${String(i.group)}`);
    case "RolePolicyAttachment":
      return [
        {
          effect: "allow",
          who: `role ${String(i.role)}`,
          what: `managed policy ${String(i.policyArn)}`,
          on: "what that policy names",
          when: null,
          via,
        },
      ];
    case "BucketPolicy":
      return policyGrants(i.policy, via);
    default:
      return [];
  }
}

// Both --------------------------------------------------------------------------------------

export function grantsOf(resources: readonly DiffResource[]): Grant[] {
  return resources.flatMap((r) => {
    const pkg = r.type.split(":")[0];
    if (pkg === "gcp" && /Iam(Member|Binding|Policy)$/i.test(className(r.type))) return gcpGrants(r);
    if (pkg === "aws") return awsGrants(r);
    return [];
  });
}

function grantKey(g: Grant): string {
  return JSON.stringify([g.effect, g.who, g.on, g.when, g.what]);
}

export const IAM_VERBS = {
  gain: { allow: "gains", deny: "is now denied" },
  lose: { allow: "loses", deny: "is no longer denied" },
} as const;

export function iamText(c: Omit<IamChange, "text">): string {
  const when = c.when ? ` when ${c.when}` : "";
  return `${c.who} ${IAM_VERBS[c.op][c.effect]} ${c.what.join(", ")} on ${c.on}${when} (${className(c.via.type)} ${c.via.name})`;
}

/** Grants present on one side only, grouped per principal, resource, condition and declaring resource. */
export function diffGrants(base: readonly Grant[], head: readonly Grant[]): IamChange[] {
  const before = new Map(base.map((g) => [grantKey(g), g]));
  const after = new Map(head.map((g) => [grantKey(g), g]));
  const groups = new Map<string, Omit<IamChange, "text">>();
  const add = (op: IamChange["op"], g: Grant) => {
    const k = JSON.stringify([op, g.effect, g.who, g.on, g.when, g.via.type, g.via.name]);
    const group = groups.get(k) ?? { op, effect: g.effect, who: g.who, what: [], on: g.on, when: g.when, via: g.via };
    if (!group.what.includes(g.what)) group.what.push(g.what);
    groups.set(k, group);
  };
  for (const [k, g] of before) if (!after.has(k)) add("lose", g);
  for (const [k, g] of after) if (!before.has(k)) add("gain", g);
  return [...groups.values()]
    .map((c) => ({ ...c, what: [...c.what].sort(byCodePoint) }))
    .map((c) => ({ ...c, text: iamText(c) }))
    .sort(
      (a, b) =>
        byCodePoint(a.on, b.on) ||
        byCodePoint(a.who, b.who) ||
        byCodePoint(b.op, a.op) ||
        byCodePoint(a.effect, b.effect) ||
        byCodePoint(a.via.name, b.via.name),
    );
}

export function diffIam(base: readonly DiffResource[], head: readonly DiffResource[]): IamChange[] {
  return diffGrants(grantsOf(base), grantsOf(head));
}
