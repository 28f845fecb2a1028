// The Node ceiling for the benchmark: a bare node:http server answering every request
// with the same fixed 307 (same headers and body size as the redirector's manifest
// redirect). Plain JavaScript, run by node directly, like the bundle.
const http = require("node:http");

// Blob requests (a path with /blobs/) get BLOB_LOCATION, so that the blob load compares
// against the same bytes on the wire as the redirector's answer from a mirror.
const answer = (location) => {
  const body = `<a href="${location}">Temporary Redirect</a>.\n\n`;
  return { body, headers: { location, "content-type": "text/html; charset=utf-8", "content-length": body.length } };
};
const manifest = answer(
  process.env.LOCATION ?? "https://upstream.example.test/v2/k8s-artifacts-prod/images/pause/manifests/3.9",
);
const blob = process.env.BLOB_LOCATION ? answer(process.env.BLOB_LOCATION) : manifest;

http
  .createServer((req, res) => {
    const a = req.url.includes("/blobs/") ? blob : manifest;
    res.writeHead(307, a.headers);
    res.end(req.method === "HEAD" ? undefined : a.body);
  })
  .listen(Number(process.env.PORT ?? 8081), "127.0.0.1", () => process.stdout.write("listening\n"));
