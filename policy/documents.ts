/**
 * Pure helpers for reading IAM policy documents as the policies see them: a JSON string
 * or an object, one statement or a list, strings or lists everywhere.
 */

export interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/** Statements of a policy document; nothing for an unknown (preview) or unparsable value. */
export function statements(document: unknown): Statement[] {
  let doc = document;
  if (typeof doc === "string") {
    try {
      doc = JSON.parse(doc);
    } catch {
      return [];
    }
  }
  const s = (doc as { Statement?: unknown } | undefined)?.Statement;
  if (!s) return [];
  return (Array.isArray(s) ? s : [s]) as Statement[];
}

export function list<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Anyone: `"*"` or `{"AWS": "*"}`. */
export function isPublicPrincipal(principal: unknown): boolean {
  if (principal === "*") return true;
  const aws = (principal as { AWS?: unknown } | undefined)?.AWS;
  return list(aws as string | string[]).includes("*");
}

const READ_VERBS = /^[a-z0-9-]+:(Get|List|Describe|Head)[A-Za-z]*$/;

/** Reads are Get/List/Describe/Head; everything else (wildcards included) may write. */
export function isWriteAction(action: string): boolean {
  return !READ_VERBS.test(action) || action.includes("*");
}

/** The issuer an OIDC federated principal names: the provider ARN's path, or the name itself. */
export function federatedIssuer(federated: string): string {
  const i = federated.indexOf(":oidc-provider/");
  return (i >= 0 ? federated.slice(i + ":oidc-provider/".length) : federated).toLowerCase();
}

/**
 * How a statement tests one claim of one issuer (`<issuer>:sub`): "exact" when it
 * compares with StringEquals, or StringLike without wildcards; "wildcard" when only a
 * pattern tests it; "missing" when nothing does.
 */
export function claimTest(statement: Statement, issuer: string, claim: string): "exact" | "wildcard" | "missing" {
  const key = `${issuer}:${claim}`;
  let found: "wildcard" | "missing" = "missing";
  for (const [operator, tests] of Object.entries(statement.Condition ?? {})) {
    for (const [k, v] of Object.entries(tests ?? {})) {
      if (k.toLowerCase() !== key) continue;
      const op = operator.replace(/^ForAnyValue:/, "");
      const values = list(v as string | string[]).map(String);
      if (op === "StringEquals" || (op === "StringLike" && values.every((x) => !/[*?]/.test(x)))) return "exact";
      found = "wildcard";
    }
  }
  return found;
}

/** Does this statement deny every non-TLS request? */
export function isTlsOnlyDeny(statement: Statement): boolean {
  if (statement.Effect !== "Deny" || !isPublicPrincipal(statement.Principal)) return false;
  const actions = list(statement.Action);
  if (!actions.some((a) => a === "s3:*" || a === "*")) return false;
  const secure = statement.Condition?.Bool?.["aws:SecureTransport"];
  return String(secure) === "false";
}
