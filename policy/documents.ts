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

/** The condition keys a statement tests, lower-cased, with the operator they sit under. */
export function conditionKeys(statement: Statement): Array<{ operator: string; key: string }> {
  return Object.entries(statement.Condition ?? {}).flatMap(([operator, tests]) =>
    Object.keys(tests ?? {}).map((key) => ({ operator, key: key.toLowerCase() })),
  );
}

/** Does this statement deny every non-TLS request? */
export function isTlsOnlyDeny(statement: Statement): boolean {
  if (statement.Effect !== "Deny" || !isPublicPrincipal(statement.Principal)) return false;
  const actions = list(statement.Action);
  if (!actions.some((a) => a === "s3:*" || a === "*")) return false;
  const secure = statement.Condition?.Bool?.["aws:SecureTransport"];
  return String(secure) === "false";
}
