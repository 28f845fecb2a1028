-- wrk script: prints the run's summary as one JSON line (latencies in microseconds).
-- With DISTINCT_DIGESTS=1 in the environment, every request asks for a new blob;
-- otherwise the request is static and wrk never calls into Lua per request.

if os.getenv("DISTINCT_DIGESTS") == "1" then
  local counter = 0
  local run = string.format("%08x", os.time() % 4294967296)
  request = function()
    counter = counter + 1
    return wrk.format(nil, "/v2/pause/blobs/sha256:" .. string.rep("0", 48) .. run .. string.format("%08x", counter))
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50":%d,"p99":%d,"max":%d,"errors":%d,"bad_status":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, e.status))
end
