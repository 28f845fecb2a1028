// The Node ceiling for the benchmark: a bare node:http server answering every request
// with the same fixed 307 (same headers and body size as the redirector's manifest
// redirect). Plain JavaScript, run by node directly, like the bundle.
const http = require("node:http");

const location =
  process.env.LOCATION ?? "https://upstream.example.test/v2/k8s-artifacts-prod/images/pause/manifests/3.9";
const body = `<a href="${location}">Temporary Redirect</a>.\n\n`;
const headers = { location, "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(body) };

http
  .createServer((req, res) => {
    res.writeHead(307, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  })
  .listen(Number(process.env.PORT ?? 8081), "127.0.0.1", () => process.stdout.write("listening\n"));
