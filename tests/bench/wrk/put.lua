-- wrk script: PUT /v1/kv/bench/put/<thread>/<n>, a distinct key for every request, with a
-- BENCH_VALUE_BYTES-byte value (default 64), on keep-alive connections. Prints one RESULT line.
local threads = {}

function setup(thread)
    thread:set("thread_id", #threads)
    table.insert(threads, thread)
end

function init(args)
    counter = 0
    prefix = "/v1/kv/bench/put/" .. thread_id .. "/"
    body = string.rep("v", tonumber(os.getenv("BENCH_VALUE_BYTES") or "64"))
    headers = { ["Host"] = "127.0.0.1", ["Content-Type"] = "application/octet-stream" }
end

function request()
    counter = counter + 1
    return wrk.format("PUT", prefix .. counter, headers, body)
end

function done(summary, latency, requests)
    local seconds = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format(
        "RESULT rps=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d " ..
        "errors_connect=%d errors_read=%d errors_write=%d errors_timeout=%d non2xx=%d bytes=%d\n",
        summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000, summary.requests,
        e.connect, e.read, e.write, e.timeout, e.status, summary.bytes))
end
