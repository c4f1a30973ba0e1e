-- wrk script of bench.graphql_vs_rest: one fixed request from the environment, and at
-- the end the full latency histogram written to a file so runs can be merged exactly.
--   BENCH_METHOD  GET or POST          BENCH_BODY    request body (JSON), if any
--   BENCH_REPORT  file to write the figures to

wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

-- No response() function: wrk then skips parsing bodies, and counts statuses > 399.

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("BENCH_REPORT"), "w"))
  local e = summary.errors
  out:write(string.format("requests %d\n", summary.requests))
  out:write(string.format("duration_us %d\n", summary.duration))
  out:write(string.format("errors %d\n", e.connect + e.read + e.write + e.status + e.timeout))
  local buckets = {}
  for i = 1, #latency do
    local value, count = latency(i)
    buckets[#buckets + 1] = string.format("%d:%d", value, count)
  end
  out:write("latency_us " .. table.concat(buckets, ",") .. "\n")
  out:close()
end
