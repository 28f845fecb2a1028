/**
 * The HEAD client against real servers on 127.0.0.1: statuses, redirects, aborts.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { nodeHead } from "../../redirector/http-head";

let server: Server;
let base = "";
const seen: string[] = [];
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const hop = /^\/hop\/(\d+)$/.exec(req.url ?? "");
    if (hop) {
      const n = Number(hop[1]);
      return res.writeHead(n > 0 ? 307 : 200, n > 0 ? { location: `/hop/${n - 1}` } : {}).end();
    }
    if (req.url === "/hang") return; // never answers
    res.writeHead(req.url === "/missing" ? 404 : 200).end();
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  seen.length = 0;
});

const client = nodeHead({ https: false });
afterAll(() => client.close());
const never = new AbortController().signal;

describe("nodeHead", () => {
  it("sends a HEAD and resolves with the status", async () => {
    expect(await client.head(`${base}/blob`, never)).toBe(200);
    expect(await client.head(`${base}/missing`, never)).toBe(404);
    expect(seen).toEqual(["HEAD /blob", "HEAD /missing"]);
  });

  it("follows up to 3 redirects, and answers with the redirect beyond", async () => {
    expect(await client.head(`${base}/hop/3`, never)).toBe(200);
    expect(seen).toEqual(["HEAD /hop/3", "HEAD /hop/2", "HEAD /hop/1", "HEAD /hop/0"]);
    expect(await client.head(`${base}/hop/4`, never)).toBe(307);
  });

  it("rejects when the signal aborts a HEAD that gets no answer", async () => {
    const abort = new AbortController();
    const pending = client.head(`${base}/hang`, abort.signal);
    await new Promise((r) => setImmediate(r));
    abort.abort();
    await expect(pending).rejects.toThrow(/abort/i);
  });

  it("rejects on a refused connection", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(client.head(`http://127.0.0.1:${port}/x`, never)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
