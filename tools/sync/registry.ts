/**
 * A read-only registry client over undici: manifests, tag lists, the catalog and blobs,
 * with the anonymous token flow, a request rate limit and retries on 429/5xx.
 */
import { Agent, type Dispatcher, interceptors, request } from "undici";
import type { TokenBucket } from "./limits";
import { ACCEPT } from "./manifest";
import {
  type BearerChallenge,
  describeError,
  nextLink,
  parseBearerChallenge,
  parseTagList,
  type TagList,
  tokenFromResponse,
  tokenUrl,
} from "./protocol";
import type { Source } from "./reference";
import { AttemptError, isRetryableStatus, parseRetryAfter, type RetryPolicy, withRetries } from "./retry";
import { sha256Digest } from "./verify";

export interface Manifest {
  digest: string;
  contentType: string | undefined;
  body: string;
}

export interface RegistryOptions {
  source: Source;
  limiter: TokenBucket;
  retry: RetryPolicy;
  onRetry?: (what: string, error: Error, retry: number, delayMs: number) => void;
  /** Aborts every request in flight and refuses new ones (an interrupted run). */
  signal?: AbortSignal;
}

type Response = Dispatcher.ResponseData;

function header(res: Response, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export class Registry {
  private readonly agent: Dispatcher;
  private readonly tokens = new Map<string, { token: string; expires: number }>();
  /** Requests sent (token fetches and retries included), for the report. */
  requests = 0;

  constructor(private readonly options: RegistryOptions) {
    // Blob GETs may be redirected to storage on another host; undici drops Authorization there.
    this.agent = new Agent({ headersTimeout: 60_000, bodyTimeout: 60_000 }).compose(
      interceptors.redirect({ maxRedirections: 5 }),
    );
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Tags of a repository (all pages), and Google's extensions when the registry has them. */
  async tags(repository: string): Promise<TagList> {
    const all: TagList = { tags: [], children: undefined, manifests: [], taggedByManifests: [] };
    let path: string | undefined = `/v2/${repository}/tags/list?n=1000`;
    while (path) {
      const res = await this.send(`repository:${repository}:pull`, path);
      const page = parseTagList(await res.body.text());
      all.tags.push(...page.tags);
      all.manifests.push(...page.manifests);
      all.taggedByManifests.push(...page.taggedByManifests);
      if (page.children) all.children = [...(all.children ?? []), ...page.children];
      path = nextLink(header(res, "link"));
    }
    return all;
  }

  /** Every repository name in the registry (`/v2/_catalog`, all pages). */
  async catalog(): Promise<string[]> {
    const names: string[] = [];
    let path: string | undefined = "/v2/_catalog?n=1000";
    while (path) {
      const res = await this.send("registry:catalog:*", path);
      const doc = (await res.body.json()) as { repositories?: unknown };
      if (Array.isArray(doc.repositories)) names.push(...doc.repositories.filter((r) => typeof r === "string"));
      path = nextLink(header(res, "link"));
    }
    return names;
  }

  /**
   * A manifest by tag or digest, its digest checked: against the reference when it is a
   * digest, else against the registry's Docker-Content-Digest.
   */
  async manifest(repository: string, reference: string): Promise<Manifest> {
    const res = await this.send(`repository:${repository}:pull`, `/v2/${repository}/manifests/${reference}`);
    const bytes = Buffer.from(await res.body.arrayBuffer());
    const digest = sha256Digest(bytes);
    const expected = reference.startsWith("sha256:") ? reference : header(res, "docker-content-digest");
    if (expected && expected !== digest) {
      throw new Error(`manifest ${repository}@${reference}: content hashes to ${digest}, expected ${expected}`);
    }
    return { digest, contentType: header(res, "content-type"), body: bytes.toString("utf8") };
  }

  /**
   * Opens a blob for reading: one attempt, so that the caller retries the whole
   * download (a stream that breaks half-way cannot be retried from here).
   */
  async blob(repository: string, digest: string): Promise<Response["body"]> {
    const res = await this.attempt(`repository:${repository}:pull`, `/v2/${repository}/blobs/${digest}`, "*/*");
    return res.body;
  }

  /** One request with retries, for small responses read whole. */
  private send(scope: string, path: string): Promise<Response> {
    return withRetries(
      this.options.retry,
      () => this.attempt(scope, path, ACCEPT),
      (error, retry, delay) => this.options.onRetry?.(`GET ${path}`, error, retry, delay),
    );
  }

  /** One attempt: a 2xx response, else an AttemptError saying whether to retry. */
  private async attempt(scope: string, path: string, accept: string): Promise<Response> {
    const url = `${this.options.source.origin}${path}`;
    let res = await this.get(url, accept, this.cachedToken(scope));
    if (res.statusCode === 401) {
      const challenge = parseBearerChallenge(header(res, "www-authenticate"));
      await res.body.dump();
      if (!challenge) throw new AttemptError(`GET ${path}: 401 without a Bearer challenge`, false);
      res = await this.get(url, accept, await this.fetchToken(scope, challenge));
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    const text = await res.body.text().catch(() => "");
    throw new AttemptError(
      `GET ${path}: ${describeError(res.statusCode, text)}`,
      isRetryableStatus(res.statusCode),
      parseRetryAfter(header(res, "retry-after"), Date.now()),
      res.statusCode,
    );
  }

  private async get(url: string, accept: string, token: string | undefined): Promise<Response> {
    await this.options.limiter.acquire();
    this.options.signal?.throwIfAborted();
    this.requests++;
    return request(url, {
      dispatcher: this.agent,
      signal: this.options.signal,
      headers: { accept, "user-agent": "registry-infra-sync", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  }

  private cachedToken(scope: string): string | undefined {
    const cached = this.tokens.get(scope);
    return cached && cached.expires > Date.now() ? cached.token : undefined;
  }

  private async fetchToken(scope: string, challenge: BearerChallenge): Promise<string> {
    const url = tokenUrl(challenge, scope);
    await this.options.limiter.acquire();
    this.options.signal?.throwIfAborted();
    this.requests++;
    const res = await request(url, {
      dispatcher: this.agent,
      signal: this.options.signal,
      headers: { "user-agent": "registry-infra-sync" },
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      throw new AttemptError(`token ${url}: ${describeError(res.statusCode, text)}`, isRetryableStatus(res.statusCode));
    }
    const { token, expiresInSeconds } = tokenFromResponse(text);
    // Renew a little early so a token never expires mid-request.
    this.tokens.set(scope, { token, expires: Date.now() + Math.max(1, expiresInSeconds - 10) * 1000 });
    return token;
  }
}
