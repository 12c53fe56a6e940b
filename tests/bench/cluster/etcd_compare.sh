#!/usr/bin/env bash
# Three Qonsul servers against three etcd members on this machine's loopback, same load generator
# (kv-load), same run: issue 7's speed and memory targets. Prints one line per case and a summary.
#
#   bash tests/bench/cluster/etcd_compare.sh [build-dir]       # default: build
#
# Needs `qonsul` and `kv-load` built in the build directory (ninja -C build qonsul kv-load),
# etcd 3.4 (Debian: apt-get install -y etcd-server), python3 and curl.
#
# Qonsul: `qonsul agent -server -bootstrap-expect 3` on 127.0.0.2-4, joined by -retry-join,
# `performance.raft_multiplier = 1`, data directories on the disk (not tmpfs). etcd: three members
# on the same addresses (other ports), default settings, through the v3 JSON gateway
# (POST /v3/kv/put and /v3/kv/range, base64 keys and values). All load goes to each cluster's
# leader; the failover probe writes through a follower, several times, and the worst run counts.
#
# Only the failover, Qonsul alone:
#   BENCH_ONLY=qonsul BENCH_KEYS=0 BENCH_CASES='^$' bash tests/bench/cluster/etcd_compare.sh build
#
# Environment (optional):
#   BENCH_DURATION   seconds per timed run (default 10)
#   BENCH_CONNS      clients of the concurrent runs (default 64)
#   BENCH_KEYS       keys loaded before reading RSS (default 100000, 64-byte values)
#   BENCH_REPEAT     runs of every timed case per system, alternating; the median is kept (default 1)
#   BENCH_ONLY       "qonsul" or "etcd": one system only
#   BENCH_CASES      extended regex on the timed cases' names ("put 1", "put 64", "get 64",
#                    "get-consistent 64", "get-serializable 64"; default: all)
#   BENCH_FAILOVER   number of kill -9 runs per system (default 5; 0 skips them): each kills the
#                    leader, times the first write accepted through a follower, restarts the killed
#                    server on its data directory and waits until it is a voter again
#   BENCH_HOLD       seconds to wait after the RSS reading, to inspect the loaded servers
#   BENCH_DATA       where the data directories go (default: <build-dir>/etcd-compare, real disk)
# Everything it starts is stopped on exit, also on failure or ^C, by process id; the servers' logs
# are kept in <build-dir>/etcd-compare-logs.
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT=$PWD
BUILD=$(realpath "${1:-$ROOT/build}")
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNS:-64}
KEYS=${BENCH_KEYS:-100000}
REPEAT=${BENCH_REPEAT:-1}
ONLY=${BENCH_ONLY:-}
CASES=${BENCH_CASES:-.}
FAILOVER=${BENCH_FAILOVER:-5}
QONSUL=$BUILD/bin/qonsul
LOAD=$BUILD/tests/bench/kv-load

missing=0
for f in "$QONSUL" "$LOAD"; do
    [ -x "$f" ] || { echo "missing $f: ninja -C $BUILD qonsul kv-load" >&2; missing=1; }
done
if ! command -v etcd >/dev/null 2>&1; then
    echo "etcd not found: apt-get install -y etcd-server (Debian's etcd 3.4)" >&2
    missing=1
fi
for t in python3 curl; do
    command -v $t >/dev/null 2>&1 || { echo "$t not found: apt-get install -y $t" >&2; missing=1; }
done
[ $missing = 0 ] || exit 1

DATA=${BENCH_DATA:-$BUILD/etcd-compare}
rm -rf "$DATA"
mkdir -p "$DATA"
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 0.5
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    mkdir -p "$BUILD/etcd-compare-logs"
    cp "$DATA"/*.log "$BUILD/etcd-compare-logs/" 2>/dev/null || true
    rm -rf "$DATA"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

freeport() { python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
rss_mb() { awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
field() { sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p"; }
worst() { printf '%s\n' $1 | sort -n | tail -1; } # of a space-separated list of numbers

echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(etcd --version | head -1), qonsul $(git -C "$ROOT" rev-parse --short HEAD)"
echo "data directories: $DATA ($(df --output=source,fstype "$DATA" | tail -1 | tr -s ' '))"

# ------------------------------------------------------------------ Qonsul
IPS=(127.0.0.2 127.0.0.3 127.0.0.4)
declare -a QHTTP QRPC QSERF QDNS QWAN QPID EURL EPEER EPID QJOIN=()
# Starts (or, after a kill, restarts on its data directory) Qonsul server i.
launch_qonsul() {
    local i=$1
    mkdir -p "$DATA/q$i"
    "$QONSUL" agent -server -bootstrap-expect 3 "${QJOIN[@]}" -node "q$i" -data-dir "$DATA/q$i" \
        -bind "${IPS[$i]}" -client "${IPS[$i]}" -http-port "${QHTTP[$i]}" -dns-port "${QDNS[$i]}" \
        -server-port "${QRPC[$i]}" -serf-lan-port "${QSERF[$i]}" -serf-wan-port "${QWAN[$i]}" \
        -config-file "$DATA/qonsul.json" >>"$DATA/q$i.log" 2>&1 &
    QPID[$i]=$!
    PIDS+=($!)
}

start_qonsul() {
    echo '{"performance": {"raft_multiplier": 1}}' >"$DATA/qonsul.json"
    local i
    for i in 0 1 2; do
        QHTTP[$i]=$(freeport "${IPS[$i]}")
        QRPC[$i]=$(freeport "${IPS[$i]}")
        QSERF[$i]=$(freeport "${IPS[$i]}")
        QDNS[$i]=$(freeport "${IPS[$i]}")
        QWAN[$i]=$(freeport "${IPS[$i]}")
        QJOIN+=(-retry-join "${IPS[$i]}:${QSERF[$i]}")
    done
    for i in 0 1 2; do
        launch_qonsul $i
    done
    local deadline=$((SECONDS + 30)) leader
    while :; do
        leader=$(curl -s -m 1 "http://${IPS[0]}:${QHTTP[0]}/v1/status/leader" || true)
        if [ ${#leader} -gt 2 ] && [ "$(curl -s -m 1 -XPUT -d x "http://${IPS[0]}:${QHTTP[0]}/v1/kv/bench/ready" || true)" = true ]; then
            break
        fi
        [ $SECONDS -lt $deadline ] || { echo "qonsul cluster has no leader after 30 s; see $DATA/q*.log" >&2; exit 1; }
        sleep 0.2
    done
    find_qleader
    echo "qonsul: leader q$QLEADER (${IPS[$QLEADER]}), http ports ${QHTTP[*]}"
}

# Leadership can move under load (and does after the kill): asked again before every case.
find_qleader() {
    local i leader
    leader=$(curl -s -m 2 "http://${IPS[0]}:${QHTTP[0]}/v1/status/leader" || true)
    [ -n "${QPID[0]:-}" ] && ! kill -0 "${QPID[0]}" 2>/dev/null && leader=$(curl -s -m 2 "http://${IPS[1]}:${QHTTP[1]}/v1/status/leader")
    leader=${leader//\"/}
    QLEADER=-1
    for i in 0 1 2; do
        [ "$leader" = "${IPS[$i]}:${QRPC[$i]}" ] && QLEADER=$i
    done
    QFOLLOWER=$(((QLEADER + 1) % 3))
}

# After a kill -9: the server back on its data directory, a voter (autopilot may have removed it
# from Raft while it was down and then adds it back as a non-voter, promoted after
# server_stabilization_time, 10 s), following the leader and caught up with its commit index.
qonsul_whole() {
    local i=$1 config
    config=$(curl -s -m 2 "http://${IPS[$i]}:${QHTTP[$i]}/v1/operator/raft/configuration" || true)
    echo "$config" | python3 -c '
import json, sys
c = json.load(sys.stdin)
sys.exit(0 if len(c["Servers"]) == 3 and all(s["Voter"] for s in c["Servers"]) else 1)' 2>/dev/null || return 1
    [ "$(curl -s -m 2 -XPUT -d x "http://${IPS[$i]}:${QHTTP[$i]}/v1/kv/bench/ready" || true)" = true ]
}

# ------------------------------------------------------------------ etcd
ECLUSTER=""
# Starts (or, after a kill, restarts on its data directory: etcd then ignores --initial-*) member i.
launch_etcd() {
    local i=$1
    etcd --name "e$i" --data-dir "$DATA/e$i" --listen-client-urls "${EURL[$i]}" \
        --advertise-client-urls "${EURL[$i]}" --listen-peer-urls "${EPEER[$i]}" \
        --initial-advertise-peer-urls "${EPEER[$i]}" --initial-cluster "$ECLUSTER" \
        --initial-cluster-state new --initial-cluster-token bench --logger zap --log-level warn \
        >>"$DATA/e$i.log" 2>&1 &
    EPID[$i]=$!
    PIDS+=($!)
}

start_etcd() {
    local i
    for i in 0 1 2; do
        EURL[$i]="http://${IPS[$i]}:$(freeport "${IPS[$i]}")"
        EPEER[$i]="http://${IPS[$i]}:$(freeport "${IPS[$i]}")"
        ECLUSTER+="${ECLUSTER:+,}e$i=${EPEER[$i]}"
    done
    for i in 0 1 2; do
        launch_etcd $i
    done
    local deadline=$((SECONDS + 30)) status leader id
    while :; do
        if curl -s -m 1 -XPOST -d '{"key":"YmVuY2gvcmVhZHk=","value":"eA=="}' "${EURL[0]}/v3/kv/put" | grep -q header; then
            break
        fi
        [ $SECONDS -lt $deadline ] || { echo "etcd cluster not ready after 30 s; see $DATA/e*.log" >&2; exit 1; }
        sleep 0.2
    done
    find_eleader
    echo "etcd: leader e$ELEADER (${IPS[$ELEADER]}), client urls ${EURL[*]}"
}

find_eleader() {
    local i status leader id
    ELEADER=-1
    for i in 0 1 2; do
        status=$(curl -s -m 2 -XPOST -d '{}' "${EURL[$i]}/v3/maintenance/status" || true)
        leader=$(echo "$status" | json 'd["leader"]' 2>/dev/null || true)
        id=$(echo "$status" | json 'd["header"]["member_id"]' 2>/dev/null || true)
        [ -n "$id" ] && [ "$leader" = "$id" ] && ELEADER=$i
    done
    EFOLLOWER=$(((ELEADER + 1) % 3))
}

# After a kill -9: the member back, with a leader, and a write through it accepted.
etcd_whole() {
    curl -s -m 2 -XPOST -d '{"key":"YmVuY2gvcmVhZHk=","value":"eA=="}' "${EURL[$1]}/v3/kv/put" | grep -q header
}

# ------------------------------------------------------------------ runs
declare -A RES
# run <system> <case> <kv-load args...>: median of BENCH_REPEAT runs by req/s, kept in RES.
run() {
    local sys=$1 name=$2
    shift 2
    local addr out lines=()
    if [ "$sys" = qonsul ]; then find_qleader; else find_eleader; fi
    if [ "$sys" = qonsul ]; then addr="${IPS[$QLEADER]}:${QHTTP[$QLEADER]}"; else addr="${EURL[$ELEADER]#http://}"; fi
    for _ in $(seq "$REPEAT"); do
        out=$("$LOAD" --target "$sys" --addr "$addr" "$@" | grep '^RESULT') || true
        lines+=("$out")
    done
    RES[$sys.$name]=$(printf '%s\n' "${lines[@]}" | sort -t= -k7 -n | awk -v m=$(((REPEAT + 1) / 2)) 'NR == m')
    printf '%-7s %-26s %s (leader %s)\n' "$sys" "$name" "$(echo "${RES[$sys.$name]}" | cut -d' ' -f4-)" "${addr%:*}"
}

systems=(qonsul etcd)
[ -n "$ONLY" ] && systems=("$ONLY")
for s in "${systems[@]}"; do
    if [ "$s" = qonsul ]; then start_qonsul; else start_etcd; fi
done
sleep 2
systems_mem=("${systems[@]}")

# Memory first, on fresh clusters: exactly KEYS distinct keys, then RSS after 3 s idle.
declare -A RSS
[ "$KEYS" -gt 0 ] || systems_mem=()
for s in "${systems_mem[@]}"; do
    run "$s" "load $KEYS keys" --op put --conns "$CONNS" --count "$KEYS" --prefix mem
done
[ "$KEYS" -gt 0 ] && sleep 3
for s in "${systems_mem[@]}"; do
    if [ "$s" = qonsul ]; then pids=("${QPID[@]}"); else pids=("${EPID[@]}"); fi
    RSS[$s]="$(rss_mb "${pids[0]}") $(rss_mb "${pids[1]}") $(rss_mb "${pids[2]}")"
    printf '%-7s %-26s %s MB (pids %s)\n' "$s" "RSS per server" "${RSS[$s]}" "${pids[*]}"
done
sleep "${BENCH_HOLD:-0}" # time to look at the loaded servers (gdb, /proc) before the timed cases

VALUE=$(head -c 64 /dev/zero | tr '\0' v)
[ -n "${QHTTP[0]:-}" ] && curl -s -XPUT -d "$VALUE" "http://${IPS[0]}:${QHTTP[0]}/v1/kv/bench/get" >/dev/null
[ -n "${EURL[0]:-}" ] && curl -s -XPOST -d "{\"key\":\"$(printf bench/get | base64)\",\"value\":\"$(printf %s "$VALUE" | base64 -w0)\"}" \
    "${EURL[0]}/v3/kv/put" >/dev/null
for c in "put 1:--op put --conns 1" "put $CONNS:--op put --conns $CONNS" "get $CONNS:--op get --conns $CONNS" \
         "get-consistent $CONNS:--op get-consistent --conns $CONNS" "get-serializable $CONNS:--op get-serializable --conns $CONNS"; do
    for s in "${systems[@]}"; do
        [[ ${c%%:*} =~ $CASES ]] || continue
        [ "$s" = etcd ] && [[ $c = get-consistent* ]] && continue # the gateway's ranges are linearizable already
        # shellcheck disable=SC2086
        run "$s" "${c%%:*}" ${c#*:} --duration "$DURATION" --prefix "run/$RANDOM"
    done
done

# Failover last: kill -9 the leader, write through a follower, time to the first accepted write;
# then the killed server restarts and the cluster is whole again before the next run. A run that
# got no write accepted within 20 s counts as 20,000 ms.
declare -A FAIL
[ "$FAILOVER" -gt 0 ] || exit 0
for s in "${systems[@]}"; do
    times=()
    for run in $(seq "$FAILOVER"); do
        if [ "$s" = qonsul ]; then
            find_qleader
            victim=$QLEADER addr="${IPS[$QFOLLOWER]}:${QHTTP[$QFOLLOWER]}" pid=${QPID[$QLEADER]:-}
        else
            find_eleader
            victim=$ELEADER addr="${EURL[$EFOLLOWER]#http://}" pid=${EPID[$ELEADER]:-}
        fi
        [ "$victim" -ge 0 ] || { echo "$s: no leader before failover run $run" >&2; exit 1; }
        out=$("$LOAD" --target "$s" --addr "$addr" --op put --prefix failover --kill-pid "$pid" || true)
        wait "$pid" 2>/dev/null || true
        "launch_$s" "$victim"
        f=$(echo "$out" | field failover_ms)
        [ "${f:--1}" = -1 ] && f=20000
        times+=("$f")
        printf '%-7s %-26s %s (killed %s)\n' "$s" "kill -9 leader, run $run" "$(echo "$out" | cut -d' ' -f3-)" "${IPS[$victim]}"
        deadline=$((SECONDS + 60))
        until { [ "$s" = qonsul ] && qonsul_whole "$victim"; } || { [ "$s" = etcd ] && etcd_whole "$victim"; }; do
            [ $SECONDS -lt $deadline ] || { echo "$s: ${IPS[$victim]} not back in the cluster 60 s after its restart" >&2; exit 1; }
            sleep 0.5
        done
        sleep 1 # heartbeats settle: the next kill starts from a steady cluster
    done
    FAIL[$s]="${times[*]}"
    printf '%-7s %-26s runs %s ms; worst %s ms\n' "$s" "kill -9 leader" "${times[*]}" "$(worst "${times[*]}")"
done

# ------------------------------------------------------------------ summary
[ ${#systems[@]} = 2 ] || exit 0
rps() { echo "${RES[$1]}" | field rps; }
p99() { echo "${RES[$1]}" | field p99_ms; }
ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}' if b else 'n/a')" "$1" "$2"; }
verdict() { python3 -c "import sys; print('met' if float(sys.argv[1]) >= float(sys.argv[2]) else 'NOT met')" "$1" "$2"; }
echo
echo "summary (qonsul / etcd; target)"
r=$(ratio "$(rps qonsul.'put 1')" "$(rps etcd.'put 1')")
echo "PUT, 1 client:            $(rps qonsul.'put 1') / $(rps etcd.'put 1') req/s = ${r}x (>= 1.0x): $(verdict "$r" 1.0)"
r=$(ratio "$(rps qonsul."put $CONNS")" "$(rps etcd."put $CONNS")")
p=$(ratio "$(p99 etcd."put $CONNS")" "$(p99 qonsul."put $CONNS")")
echo "PUT, $CONNS clients:          $(rps qonsul."put $CONNS") / $(rps etcd."put $CONNS") req/s = ${r}x (>= 2x): $(verdict "$r" 2); p99 $(p99 qonsul."put $CONNS") / $(p99 etcd."put $CONNS") ms (<= etcd's): $(verdict "$p" 1)"
r=$(ratio "$(rps qonsul."get $CONNS")" "$(rps etcd."get $CONNS")")
echo "GET default vs etcd lin.: $(rps qonsul."get $CONNS") / $(rps etcd."get $CONNS") req/s = ${r}x (>= 10x): $(verdict "$r" 10)"
r=$(ratio "$(rps qonsul."get-consistent $CONNS")" "$(rps etcd."get $CONNS")")
echo "GET ?consistent vs lin.:  $(rps qonsul."get-consistent $CONNS") / $(rps etcd."get $CONNS") req/s = ${r}x (>= 4x): $(verdict "$r" 4)"
r=$(ratio "$(rps qonsul."get-serializable $CONNS")" "$(rps etcd."get-serializable $CONNS")")
echo "GET ?stale vs serializable (reference): $(rps qonsul."get-serializable $CONNS") / $(rps etcd."get-serializable $CONNS") req/s = ${r}x"
mean() { echo "$1" | awk '{printf "%.1f", ($1 + $2 + $3) / 3}'; }
r=$(ratio "$(mean "${RSS[qonsul]}")" "$(mean "${RSS[etcd]}")")
echo "RSS per server, $KEYS keys: mean $(mean "${RSS[qonsul]}") / $(mean "${RSS[etcd]}") MB = ${r}x (<= 0.5x): $(verdict 0.5 "$r")"
f=$(worst "${FAIL[qonsul]}")
echo "kill -9 leader -> first accepted write, worst of $FAILOVER: qonsul ${f} ms (<= 2000 ms): $(verdict 2000 "$f"); etcd $(worst "${FAIL[etcd]}") ms"
