-- wrk script: with TIA_PAGE_LAST set, every request asks for a random page
-- (offset 0..TIA_PAGE_LAST), so answers are not repeats; at the end, one JSON line with the
-- request count and latency percentiles (microseconds).
local last = tonumber(os.getenv("TIA_PAGE_LAST") or "")

if last ~= nil then
  request = function()
    return wrk.format("GET", wrk.path .. "&offset=" .. math.random(0, last))
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"socket_errors":%d,"non2xx":%d,' ..
    '"p50_us":%d,"p95_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
