-- wrk script: GET one path on keep-alive connections (HTTP/1.1, no Connection: close).
-- BENCH_PATH selects the path (default /v1/kv/bench/get). Prints one RESULT line at the end.
wrk.method = "GET"
wrk.path = os.getenv("BENCH_PATH") or "/v1/kv/bench/get"
wrk.headers["Host"] = "127.0.0.1"

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
