/**
 * Just enough of Cloud Logging's query language and of its structured-logging ingestion
 * to run this program's metric filters and label extractors over real log lines:
 * comparisons `field="v"`, `field=("a" OR "b")`, `field=~"regex"`, presence `field:*`,
 * joined by AND / OR with parentheses. Anything else is refused, so a filter using more
 * than this cannot pass unchecked.
 */

export type Entry = Record<string, unknown>;

/**
 * A line a Cloud Run container wrote to stdout, as Cloud Logging stores it: `severity`,
 * `time` and `httpRequest` are lifted out, the rest (with `message`) is `jsonPayload`.
 */
export function entryOf(line: Record<string, unknown>, service: string, location: string, project: string): Entry {
  const { severity, time, httpRequest, ...jsonPayload } = line;
  return {
    logName: `projects/${project}/logs/run.googleapis.com%2Fstdout`,
    resource: { type: "cloud_run_revision", labels: { service_name: service, location } },
    severity,
    timestamp: time,
    ...(httpRequest ? { httpRequest } : {}),
    jsonPayload,
  };
}

function field(entry: Entry, path: string): unknown {
  const key = path === "log_name" ? "logName" : path;
  return key.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Entry)[k] : undefined), entry);
}

type Token = { kind: "word"; text: string } | { kind: "string"; text: string } | { kind: "op"; text: string };

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|(=~|:\*|[=()])|([A-Za-z_][\w.]*))/y;
  let at = 0;
  while (at < query.length) {
    if (/^\s*$/.test(query.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(query);
    if (!m) throw new Error(`cannot read the query at: ${query.slice(at)}`);
    at = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: "string", text: JSON.parse(`"${m[1]}"`) });
    else if (m[2] !== undefined) tokens.push({ kind: "op", text: m[2] });
    else tokens.push({ kind: "word", text: m[3] as string });
  }
  return tokens;
}

type Test = (e: Entry) => boolean;

/** Compiles a query into a test of one log entry. */
export function compile(query: string): Test {
  const tokens = tokenize(query);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => {
    const t = tokens[i++];
    if (!t) throw new Error(`query ends early: ${query}`);
    return t;
  };
  const expect = (kind: Token["kind"], text?: string) => {
    const t = next();
    if (t.kind !== kind || (text !== undefined && t.text !== text))
      throw new Error(`expected ${text ?? kind}, got ${t.text}`);
    return t;
  };
  function values(): string[] {
    if (peek()?.text === "(") {
      next();
      const out = [expect("string").text];
      while (peek()?.text === "OR") {
        next();
        out.push(expect("string").text);
      }
      expect("op", ")");
      return out;
    }
    return [expect("string").text];
  }
  function comparison(): Test {
    if (peek()?.text === "(") {
      next();
      const inner = or();
      expect("op", ")");
      return inner;
    }
    const path = expect("word").text;
    const op = expect("op").text;
    if (op === ":*") return (e) => field(e, path) !== undefined;
    if (op === "=~") {
      const re = new RegExp(expect("string").text);
      return (e) => re.test(String(field(e, path) ?? ""));
    }
    if (op === "=") {
      const allowed = values();
      return (e) => allowed.includes(String(field(e, path)));
    }
    throw new Error(`unsupported operator ${op}`);
  }
  function and(): Test {
    const parts = [comparison()];
    while (peek()?.text === "AND") {
      next();
      parts.push(comparison());
    }
    return (e) => parts.every((p) => p(e));
  }
  function or(): Test {
    const parts = [and()];
    while (peek()?.text === "OR") {
      next();
      parts.push(and());
    }
    return (e) => parts.some((p) => p(e));
  }
  const test = or();
  if (i !== tokens.length) throw new Error(`unread query text after token ${i}: ${query}`);
  return test;
}

/** `EXTRACT(jsonPayload.route)` -> the field's value as a string (Cloud Logging's label value). */
export function extract(extractor: string, entry: Entry): string | undefined {
  const m = /^EXTRACT\(([\w.]+)\)$/.exec(extractor);
  if (!m) throw new Error(`unsupported extractor ${extractor}`);
  const v = field(entry, m[1] as string);
  return v === undefined ? undefined : String(v);
}
