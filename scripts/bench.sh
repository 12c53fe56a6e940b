#!/usr/bin/env bash
# Builds Qonsul (Release) and runs every benchmark of docs/benchmarks.md on loopback, then prints
# a summary with the issue's targets. One command:
#
#   bash scripts/bench.sh
#
# Environment (all optional):
#   BENCH_BUILD_DIR        build directory (default: build-bench)
#   BENCH_DURATION         seconds per wrk run (default 10)
#   BENCH_REPEAT           alternating agent/nginx GET runs, the median is kept (default 3)
#   BENCH_CONNECTIONS      wrk connections (default 64)
#   BENCH_WRK_THREADS      wrk threads (default 2)
#   BENCH_PIN              1: server on CPU 0, wrk on CPU 1 (taskset); 0 (default): no pinning,
#                          which copes better with a machine that other jobs share
#   BENCH_WATCHERS         blocking-query watchers (default 50000; capped by RLIMIT_NOFILE)
#   BENCH_PREFIX_WATCHERS  watchers on one prefix (default 10000)
#   BENCH_STARTS           agent starts for the start-up time (default 20)
#   BENCH_TTL_CHECKS       TTL checks renewed at once, once a second (default 10000)
#   BENCH_INTERVAL_CHECKS  HTTP checks and as many TCP checks at a 1 s interval (default 1000)
#   BENCH_PROFILE          1: also `perf record` the agent under the GET and PUT loads
#   BENCH_SKIP_BUILD       1: use the binaries already in BENCH_BUILD_DIR
# Everything it starts (agents, nginx, generators) is stopped on exit, also on failure or ^C.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_WRK_THREADS:-2}
PIN=${BENCH_PIN:-0}
WATCHERS=${BENCH_WATCHERS:-50000}
PREFIX_WATCHERS=${BENCH_PREFIX_WATCHERS:-10000}
STARTS=${BENCH_STARTS:-20}
TTL_CHECKS=${BENCH_TTL_CHECKS:-10000}
INTERVAL_CHECKS=${BENCH_INTERVAL_CHECKS:-1000}
PROFILE=${BENCH_PROFILE:-0}
REPEAT=${BENCH_REPEAT:-3}

# ---------------------------------------------------------------- tools
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
[ "$PROFILE" = 1 ] && ! command -v perf >/dev/null 2>&1 && missing+=(linux-perf)
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# ---------------------------------------------------------------- build (Release)
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    echo "==> building Release in $BUILD"
    # qonsul-bench lives in tests/bench, so the tests must be configured (not built).
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DQONSUL_BUILD_GUI=OFF -DQONSUL_BUILD_TESTS=ON \
        -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD" --target qonsul qonsul-bench -j2
fi
BIN=$BUILD/bin/qonsul
QB=$BUILD/bin/qonsul-bench
grep -q 'CMAKE_BUILD_TYPE:STRING=Release' "$BUILD/CMakeCache.txt" || { echo "$BUILD is not a Release build" >&2; exit 1; }

# ---------------------------------------------------------------- housekeeping
TMP=$(mktemp -d /tmp/qonsul-bench.XXXXXX)
RESULTS=$BUILD/bench-results.txt
cleanup() {
    # Only what this shell started and has not reaped yet: its background jobs (agents, nginx
    # masters, perf), plus the nginx workers, children of a master. The agents that
    # `qonsul-bench startup` forks die with it (PR_SET_PDEATHSIG).
    local p c jobs_left
    jobs_left=$(jobs -p)
    for p in $jobs_left; do
        for c in $(pgrep -P "$p" 2>/dev/null || true); do kill "$c" 2>/dev/null || true; done
        kill "$p" 2>/dev/null || true
    done
    [ -n "$jobs_left" ] && sleep 0.5
    for p in $(jobs -p); do
        for c in $(pgrep -P "$p" 2>/dev/null || true); do kill -9 "$c" 2>/dev/null || true; done
        kill -9 "$p" 2>/dev/null || true
    done
    for p in $jobs_left; do wait "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

exec > >(tee "$RESULTS") 2>&1

# One descriptor per watcher on each side. Raising the hard limit needs CAP_SYS_RESOURCE.
ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
FDLIMIT=$(ulimit -n)

SERVER_CPU=""; CLIENT_CPU=""
if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ]; then
    SERVER_CPU="taskset -c 0"; CLIENT_CPU="taskset -c 1"
fi

field() { # field NAME "RESULT a=1 b=2" -> value of NAME
    tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p" | head -n1
}
result_line() { grep '^RESULT' <<<"$1" | tail -n1; }

AGENT=""; PORT=""
start_agent() { # start_agent NAME: a fresh dev agent; sets AGENT (pid) and PORT
    PORT=$("$QB" freeport)
    local dns; dns=$("$QB" freeport)
    $SERVER_CPU "$BIN" agent -dev -http-port "$PORT" -dns-port "$dns" >"$TMP/agent-$1.log" 2>&1 &
    AGENT=$!
    if ! "$QB" ready --port "$PORT" --timeout-ms 15000; then
        cat "$TMP/agent-$1.log" >&2
        exit 1
    fi
}
stop_agent() {
    kill "$AGENT" 2>/dev/null || true
    wait "$AGENT" 2>/dev/null || true
}

# CPU time (ns) used so far by the given processes and their children (all threads): the
# server's CPU per request does not depend on how busy the shared machine is, req/s does.
cpu_ns() {
    local total=0 p f ns
    for p in "$@" $(for p in "$@"; do pgrep -P "$p" 2>/dev/null || true; done); do
        for f in /proc/"$p"/task/*/schedstat; do
            read -r ns _ <"$f" 2>/dev/null || continue
            total=$((total + ns))
        done
    done
    echo "$total"
}
run_wrk() { # run_wrk NAME SCRIPT URL SERVER_PID [wrk threads]: sets OUT (wrk's output + RESULT)
    local c0 c1 n
    c0=$(cpu_ns "$4")
    OUT=$($CLIENT_CPU wrk -t"${5:-$THREADS}" -c"$CONNS" -d"${DURATION}s" --latency -s "$2" "$3")
    c1=$(cpu_ns "$4")
    n=$(field requests "$(result_line "$OUT")")
    OUT+=$'\n'$(awk -v c=$((c1 - c0)) -v n="${n:-0}" -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
        us = n > 0 ? c / n / 1000 : 0
        printf "CPU server_cpu_us_per_req=%.2f one_core_capacity_rps=%.0f load1=%s", us, (us > 0 ? 1e6 / us : 0), l }')
}

profile_start() { # profile_start NAME PID
    [ "$PROFILE" = 1 ] || return 0
    perf record -F 1999 -o "$TMP/$1.perf" -p "$2" -- sleep "$DURATION" >/dev/null 2>&1 &
    PERF_PID=$!
}
profile_stop() { # profile_stop NAME
    [ "$PROFILE" = 1 ] || return 0
    wait "$PERF_PID" 2>/dev/null || true
    local out=$BUILD/bench-profile-$1.txt
    {
        echo "# perf record -F 1999 -p <agent> under the $1 load; self time by binary, then by function"
        perf report -i "$TMP/$1.perf" --stdio --no-children --sort dso 2>/dev/null | grep '%' | grep -v '^#' \
            | sed 's/ *$//' | head -n 8
        echo
        perf report -i "$TMP/$1.perf" --stdio --no-children --sort dso,symbol 2>/dev/null | grep '%' | grep -v '^#' \
            | sed -e 's/[ -]*$//' | head -n 40
    } >"$out" || true
    echo "--- perf, agent under $1 load: top functions (self time); full list in $out"
    sed -n '1,30p' "$out"
}

WRK_DIR=$ROOT/tests/bench/wrk
VALUE100=$(printf 'x%.0s' $(seq 1 100))

echo "==> Qonsul benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "    host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'),"\
     "$(awk '/MemTotal/ {printf "%.1f GB RAM", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
echo "    load average before: $(cut -d' ' -f1-3 /proc/loadavg); RLIMIT_NOFILE $FDLIMIT"
echo "    wrk: $THREADS thread(s), $CONNS connections, ${DURATION}s, keep-alive;"\
     "pinning: ${SERVER_CPU:-none} (server) / ${CLIENT_CPU:-none} (wrk)"
echo "    binary: $BIN ($(grep -m1 'CMAKE_CXX_FLAGS_RELEASE:' "$BUILD/CMakeCache.txt" | cut -d= -f2))"

# ---------------------------------------------------------------- 1. GET /v1/kv/<key> vs nginx
nginx_start() { # nginx_start NAME WORKERS: sets NGINX_PID and NGINX_PORT
    local dir=$TMP/nginx-$1
    mkdir -p "$dir"
    NGINX_PORT=$("$QB" freeport)
    cat >"$dir/nginx.conf" <<EOF
worker_processes $2;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            default_type text/plain;
            return 200 "$VALUE100";
        }
    }
}
EOF
    if [ "$2" = 1 ]; then
        $SERVER_CPU "$NGINX" -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" &
    else
        "$NGINX" -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" &
    fi
    NGINX_PID=$!
    for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$NGINX_PORT/" >/dev/null 2>&1 && break; sleep 0.05; done
}
nginx_stop() {
    kill "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
}
show_runs() { # lines "RESULT ...|CPU ..." on stdin -> one short line per run
    local l
    while IFS= read -r l; do
        [ -n "$l" ] || continue
        echo "    rps=$(field rps "$l") p50_ms=$(field p50_ms "$l") p99_ms=$(field p99_ms "$l")" \
             "cpu_us_per_req=$(field server_cpu_us_per_req "${l#*|}") load1=$(field load1 "${l#*|}")"
    done
}
median_run() { # lines "RESULT ...|CPU ..." on stdin -> the line with the median req/s
    awk '{ match($0, /rps=[0-9]+/); print substr($0, RSTART + 4, RLENGTH - 4), $0 }' \
        | sort -n | awk '{ sub(/^[0-9]+ /, ""); l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'
}

echo
echo "==> 1. GET /v1/kv/bench/get (100-byte value) vs nginx, 1 worker, static 100-byte reply:"
echo "    $REPEAT alternating ${DURATION}s runs each; the median run (by req/s) is kept"
start_agent getput
curl -fsS -X PUT --data-binary "$VALUE100" "http://127.0.0.1:$PORT/v1/kv/bench/get" >/dev/null
AGENT_GET_BYTES=$(curl -fsS "http://127.0.0.1:$PORT/v1/kv/bench/get" | wc -c)
echo "    agent reply body: $AGENT_GET_BYTES bytes (JSON, pretty-printed as in Consul's -dev); nginx: 100 bytes"
nginx_start one 1
BENCH_PATH=/v1/kv/bench/get $CLIENT_CPU wrk -t"$THREADS" -c"$CONNS" -d2s -s "$WRK_DIR/get.lua" \
    "http://127.0.0.1:$PORT" >/dev/null # warm-up
BENCH_PATH=/ $CLIENT_CPU wrk -t"$THREADS" -c"$CONNS" -d2s -s "$WRK_DIR/get.lua" "http://127.0.0.1:$NGINX_PORT" >/dev/null
GET_RUNS=""; NGINX1_RUNS=""
for i in $(seq "$REPEAT"); do
    [ "$i" = 1 ] && profile_start get "$AGENT"
    BENCH_PATH=/v1/kv/bench/get run_wrk get "$WRK_DIR/get.lua" "http://127.0.0.1:$PORT" "$AGENT"
    [ "$i" = 1 ] && profile_stop get
    echo "--- agent, run $i"; echo "$OUT"
    GET_RUNS+="$(result_line "$OUT")|$(grep '^CPU' <<<"$OUT")"$'\n'
    BENCH_PATH=/ run_wrk get "$WRK_DIR/get.lua" "http://127.0.0.1:$NGINX_PORT" "$NGINX_PID"
    echo "--- nginx 1 worker, run $i"; echo "$OUT"
    NGINX1_RUNS+="$(result_line "$OUT")|$(grep '^CPU' <<<"$OUT")"$'\n'
done
nginx_stop
line=$(printf '%s' "$GET_RUNS" | median_run); AGENT_GET=${line%%|*}; AGENT_GET_CPU=${line#*|}
line=$(printf '%s' "$NGINX1_RUNS" | median_run); NGINX1=${line%%|*}; NGINX1_CPU=${line#*|}
echo "--- every run, agent:"; printf '%s' "$GET_RUNS" | show_runs
echo "--- every run, nginx 1 worker:"; printf '%s' "$NGINX1_RUNS" | show_runs

echo
echo "==> 1c. nginx, worker_processes auto ($(nproc) workers), static 100-byte reply; wrk with $(nproc) threads,"
echo "    nothing pinned (the load generator shares the cores with the workers)"
nginx_start all auto
BENCH_PATH=/ wrk -t"$(nproc)" -c"$CONNS" -d2s -s "$WRK_DIR/get.lua" "http://127.0.0.1:$NGINX_PORT" >/dev/null
BENCH_PATH=/ CLIENT_CPU="" run_wrk get "$WRK_DIR/get.lua" "http://127.0.0.1:$NGINX_PORT" "$NGINX_PID" "$(nproc)"
nginx_stop
echo "$OUT"
NGINXN=$(result_line "$OUT")

# ---------------------------------------------------------------- 2. PUT /v1/kv/<key>
stop_agent
echo
echo "==> 2. PUT /v1/kv/bench/put/<thread>/<n> (distinct keys, 64-byte values, dev mode in memory):"
echo "    $REPEAT ${DURATION}s runs, each on a fresh agent; the median run (by req/s) is kept"
PUT_RUNS=""
for i in $(seq "$REPEAT"); do
    start_agent put"$i"
    [ "$i" = 1 ] && profile_start put "$AGENT"
    run_wrk put "$WRK_DIR/put.lua" "http://127.0.0.1:$PORT" "$AGENT"
    [ "$i" = 1 ] && profile_stop put
    echo "--- agent, run $i"; echo "$OUT"
    PUT_RUNS+="$(result_line "$OUT")|$(grep '^CPU' <<<"$OUT")"$'\n'
    echo "    agent VmRSS after the run: $(awk '/VmRSS/ {print $2, $3}' /proc/"$AGENT"/status)," \
         "$(field requests "$(result_line "$OUT")") keys"
    stop_agent
done
line=$(printf '%s' "$PUT_RUNS" | median_run); AGENT_PUT=${line%%|*}; AGENT_PUT_CPU=${line#*|}
echo "--- every run:"; printf '%s' "$PUT_RUNS" | show_runs

# ---------------------------------------------------------------- 3. blocking queries
echo
echo "==> 3a. $WATCHERS blocking queries, one key and one connection each"
start_agent watchers
set +e
OUT=$($CLIENT_CPU "$QB" watchers --port "$PORT" --pid "$AGENT" --count "$WATCHERS" --agent-fd-limit "$FDLIMIT")
set -e
echo "$OUT"
WATCH=$(result_line "$OUT")
stop_agent

echo
echo "==> 3b. $PREFIX_WATCHERS blocking queries on one prefix (GET /v1/kv/p/?recurse)"
start_agent wake
set +e
OUT=$($CLIENT_CPU "$QB" wake --port "$PORT" --pid "$AGENT" --count "$PREFIX_WATCHERS")
set -e
echo "$OUT"
WAKE=$(result_line "$OUT")
stop_agent

# ---------------------------------------------------------------- 4. idle agent
echo
echo "==> 4. idle 'qonsul agent -dev': start -> first /v1/status/leader with a leader; RSS after 1 s"
OUT=$("$QB" startup --bin "$BIN" --runs "$STARTS")
echo "$OUT"
START=$(result_line "$OUT")

# ---------------------------------------------------------------- 5. TTL checks
echo
echo "==> 5. $TTL_CHECKS TTL checks, all renewed at once (PUT /v1/agent/check/pass/<id>) once a second"
start_agent ttl
set +e
OUT=$($CLIENT_CPU "$QB" ttl --port "$PORT" --pid "$AGENT" --count "$TTL_CHECKS")
set -e
echo "$OUT"
TTL=$(result_line "$OUT")
stop_agent

# ---------------------------------------------------------------- 6. HTTP and TCP checks
echo
echo "==> 6. $INTERVAL_CHECKS HTTP + $INTERVAL_CHECKS TCP checks at a 1 s interval against local targets"
start_agent checks
set +e
OUT=$($CLIENT_CPU "$QB" checks --port "$PORT" --pid "$AGENT" --http "$INTERVAL_CHECKS" --tcp "$INTERVAL_CHECKS")
set -e
echo "$OUT"
CHECKS=$(result_line "$OUT")
stop_agent

# ---------------------------------------------------------------- summary
verdict() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { if (a == "") { print "no result"; exit }
    ok = (op == ">=") ? (a + 0 >= b + 0) : (a + 0 < b + 0); print ok ? "met" : "NOT met" }'; }
g_rps=$(field rps "$AGENT_GET"); n1_rps=$(field rps "$NGINX1"); nn_rps=$(field rps "$NGINXN")
ratio=$(awk -v a="$g_rps" -v b="$n1_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
get_ok=$(awk -v a="$g_rps" -v r="$ratio" 'BEGIN { print ((a >= 40000 || r >= 0.6) ? "met" : "NOT met") }')
p_rps=$(field rps "$AGENT_PUT")
w_n=$(field watchers "$WATCH"); w_bytes=$(field bytes_per_watcher "$WATCH")
w_note=""; [ "${w_n:-0}" -lt "$WATCHERS" ] && w_note=" (only $w_n: RLIMIT_NOFILE $FDLIMIT)"
k_p99=$(field p99_ms "$WAKE")
s_ms=$(field ready_median_ms "$START"); s_max=$(field ready_max_ms "$START"); s_rss=$(field rss_median_mb "$START")

echo
echo "==> Summary ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average now $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-44s %-52s %-22s %s\n' "benchmark" "result" "target" "verdict"
printf '%-44s %-52s %-22s %s\n' "GET /v1/kv/<key>, 64 conns" \
    "$g_rps req/s, p50 $(field p50_ms "$AGENT_GET") ms, p99 $(field p99_ms "$AGENT_GET") ms" \
    ">=40k req/s or >=0.6x" "$get_ok (${ratio}x nginx 1 worker)"
printf '%-44s %-52s %-22s %s\n' "  nginx 1 worker, static 100 B" \
    "$n1_rps req/s, p50 $(field p50_ms "$NGINX1") ms, p99 $(field p99_ms "$NGINX1") ms" "(ceiling)" ""
printf '%-44s %-52s %-22s %s\n' "  nginx $(nproc) workers (all cores)" \
    "$nn_rps req/s, p50 $(field p50_ms "$NGINXN") ms, p99 $(field p99_ms "$NGINXN") ms" "(for reference)" ""
g_us=$(field server_cpu_us_per_req "$AGENT_GET_CPU"); n1_us=$(field server_cpu_us_per_req "$NGINX1_CPU")
printf '%-44s %-52s %-22s %s\n' "  server CPU per request: agent / nginx" \
    "$g_us us / $n1_us us (one core: $(field one_core_capacity_rps "$AGENT_GET_CPU") / $(field one_core_capacity_rps "$NGINX1_CPU") req/s)" \
    "(load-independent)" "$(verdict "$(field one_core_capacity_rps "$AGENT_GET_CPU")" '>=' 40000) on one free core ($(awk -v a="$g_us" -v b="$n1_us" 'BEGIN { if (a > 0) printf "%.2fx", b / a }') nginx's efficiency)"
printf '%-44s %-52s %-22s %s\n' "PUT /v1/kv/<key>, distinct keys" \
    "$p_rps req/s, p50 $(field p50_ms "$AGENT_PUT") ms, p99 $(field p99_ms "$AGENT_PUT") ms" \
    ">=30k req/s" "$(verdict "$p_rps" '>=' 30000)"
printf '%-44s %-52s %-22s %s\n' "  agent CPU per PUT" \
    "$(field server_cpu_us_per_req "$AGENT_PUT_CPU") us (one core: $(field one_core_capacity_rps "$AGENT_PUT_CPU") req/s)" \
    "(load-independent)" "$(verdict "$(field one_core_capacity_rps "$AGENT_PUT_CPU")" '>=' 30000) on one free core"
printf '%-44s %-52s %-22s %s\n' "blocking queries: memory per watcher" \
    "$w_bytes B/watcher over ${w_n} watchers$w_note" "<4096 B" "$(verdict "$w_bytes" '<' 4096)"
printf '%-44s %-52s %-22s %s\n' "  early replies / a write to one key woke" \
    "$(field early_replies "$WATCH") / $(field single_write_woke "$WATCH")" "0 / 1" \
    "$([ "$(field early_replies "$WATCH")" = 0 ] && [ "$(field single_write_woke "$WATCH")" = 1 ] && echo ok || echo FAILED)"
printf '%-44s %-52s %-22s %s\n' "prefix watchers: write -> reply" \
    "p50 $(field p50_ms "$WAKE") ms, p99 $k_p99 ms, max $(field max_ms "$WAKE") ms ($(field woken_ok "$WAKE")/$(field prefix_watchers "$WAKE"))" \
    "p99 <50 ms" "$(verdict "$k_p99" '<' 50)"
printf '%-44s %-52s %-22s %s\n' "  woken by a write elsewhere (1 s)" "$(field woken_by_other_write "$WAKE")" "0" \
    "$([ "$(field woken_by_other_write "$WAKE")" = 0 ] && echo met || echo 'NOT met')"
printf '%-44s %-52s %-22s %s\n' "idle agent -dev: VmRSS" "$s_rss MB (median of $STARTS, max $(field rss_max_mb "$START") MB)" \
    "<20 MB" "$(verdict "$s_rss" '<' 20)"
printf '%-44s %-52s %-22s %s\n' "  start -> first /v1/status/leader" "median $s_ms ms, max $s_max ms" "<200 ms" \
    "$(verdict "$s_ms" '<' 200) (max: $(verdict "$s_max" '<' 200))"
printf '%-44s %-52s %-22s %s\n' "$TTL_CHECKS TTL checks renewed at once, 1/s" \
    "CPU $(field cpu_pct "$TTL")% of one core, VmRSS $(field rss_end_mb "$TTL") MB" "<25%, <60 MB (HTTP/TCP's)" \
    "$(verdict "$(field cpu_pct "$TTL")" '<' 25), $(verdict "$(field rss_end_mb "$TTL")" '<' 60)"
printf '%-44s %-52s %-22s %s\n' "  renewal replies from the burst's start" \
    "p50 $(field steady_p50_ms "$TTL") ms, p99 $(field steady_p99_ms "$TTL") ms, max $(field steady_max_ms "$TTL") ms" \
    "(reported)" ""
printf '%-44s %-52s %-22s %s\n' "$INTERVAL_CHECKS HTTP + $INTERVAL_CHECKS TCP checks, 1 s" \
    "CPU $(field cpu_pct "$CHECKS")% of one core, VmRSS $(field rss_max_mb "$CHECKS") MB" "<25%, <60 MB" \
    "$(verdict "$(field cpu_pct "$CHECKS")" '<' 25), $(verdict "$(field rss_max_mb "$CHECKS")" '<' 60)"
printf '%-44s %-52s %-22s %s\n' "  periods within +-10% of the interval" \
    "$(field within10_pct "$CHECKS")%, worst $(field worst_pct "$CHECKS")%, p99 $(field p99_ms "$CHECKS") ms" "100%" \
    "$(verdict "$(field worst_pct "$CHECKS")" '<' 10)"
echo
echo "Full output: $RESULTS"
