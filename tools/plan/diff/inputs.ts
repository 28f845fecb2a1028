/**
 * What `npm run plan -- --diff <base> <head>` and `--preview <file>` were given: a stack file
 * (evaluated by the caller), a plan JSON, or a preview digest; anything else is refused in one
 * line that says what was expected.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import type { z } from "zod";
import { describeIssues } from "../../../redirector/routing-table";
import { stackNameOf } from "../stack-file";
import { PlanDocument } from "./plan";
import { looksLikePreview, PreviewDocument } from "./preview";

/** Input a diff cannot use: the message is one line, naming the file. */
export class DiffInputError extends Error {
  override name = "DiffInputError";
}

export type DiffInput = { kind: "stack-file"; path: string } | { kind: "plan"; path: string; doc: PlanDocument };

const EXPECTED = "neither a stack file (Pulumi.<stack>.yaml) nor a plan JSON (npm run plan -- --format json)";

function readJson(path: string): unknown {
  if (!existsSync(path)) throw new DiffInputError(`${path}: no such file`);
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

function validated<T>(schema: z.ZodType<T>, value: unknown, path: string, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const [first = "invalid", ...rest] = describeIssues(parsed.error);
  const more = rest.length ? ` (and ${rest.length} more)` : "";
  throw new DiffInputError(`${path}: not a valid ${what}: ${first}${more}`);
}

export function diffInput(path: string): DiffInput {
  if (stackNameOf(basename(path))) {
    if (!existsSync(path)) throw new DiffInputError(`${path}: no such file`);
    return { kind: "stack-file", path };
  }
  const doc = readJson(path);
  if (looksLikePreview(doc)) {
    throw new DiffInputError(`${path}: a \`pulumi preview --json\` document, not a plan: render it with --preview`);
  }
  if (!doc || typeof doc !== "object" || !("resources" in doc) || !("stack" in doc)) {
    throw new DiffInputError(`${path}: ${EXPECTED}`);
  }
  return { kind: "plan", path, doc: validated(PlanDocument, doc, path, "plan JSON") };
}

export function previewInput(path: string): PreviewDocument {
  const doc = readJson(path);
  if (!looksLikePreview(doc)) {
    throw new DiffInputError(`${path}: not a \`pulumi preview --json\` document (no "steps" or "changeSummary")`);
  }
  return validated(PreviewDocument, doc, path, "preview document");
}
