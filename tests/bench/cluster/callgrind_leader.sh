#!/usr/bin/env bash
# User-space instructions per request on a Raft leader and a follower, independent of the
# machine's load: three `qonsul agent -server` on 127.0.0.2-4, the first two under
# `valgrind --tool=callgrind` (counting only while the load runs), one kv-load run of a fixed
# number of requests against the leader, then the top functions of both profiles.
#
#   bash tests/bench/cluster/callgrind_leader.sh [build-dir] [op] [conns] [count]
#   (defaults: build put 64 3000; op is kv-load's: put, get, get-consistent, get-serializable)
#
# raft_multiplier 5 (Consul's default timing): a leader slowed ~50x by valgrind keeps its lease.
# Divide a function's count by `count` for instructions per request. The profiles stay in
# <build-dir>/callgrind-leader (callgrind.<node>.<pid>.1, read with callgrind_annotate --inclusive=yes).
set -euo pipefail
cd "$(dirname "$0")/../../.."
BUILD=$(realpath "${1:-build}")
OP=${2:-put}
CONNS=${3:-64}
COUNT=${4:-3000}
OUT=$BUILD/callgrind-leader
DATA=$OUT/data
rm -rf "$OUT"
mkdir -p "$DATA"
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

freeport() { python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"; }
IPS=(127.0.0.2 127.0.0.3 127.0.0.4)
declare -a HTTP RPC SERF
join=()
for i in 0 1 2; do
    HTTP[$i]=$(freeport "${IPS[$i]}")
    RPC[$i]=$(freeport "${IPS[$i]}")
    SERF[$i]=$(freeport "${IPS[$i]}")
    join+=(-retry-join "${IPS[$i]}:${SERF[$i]}")
done
echo '{"performance": {"raft_multiplier": 5}}' >"$DATA/qonsul.json"
for i in 0 1 2; do
    wrap=()
    [ $i -lt 2 ] && wrap=(valgrind --tool=callgrind --instr-atstart=no "--callgrind-out-file=$OUT/callgrind.q$i.%p")
    mkdir -p "$DATA/q$i"
    "${wrap[@]}" "$BUILD/bin/qonsul" agent -server -bootstrap-expect 3 "${join[@]}" -node "q$i" -data-dir "$DATA/q$i" \
        -bind "${IPS[$i]}" -client "${IPS[$i]}" -http-port "${HTTP[$i]}" -dns-port "$(freeport "${IPS[$i]}")" \
        -server-port "${RPC[$i]}" -serf-lan-port "${SERF[$i]}" -serf-wan-port "$(freeport "${IPS[$i]}")" \
        -config-file "$DATA/qonsul.json" >"$DATA/q$i.log" 2>&1 &
    PIDS+=($!)
done
deadline=$((SECONDS + 120))
until [ "$(curl -s -m 2 -XPUT -d x "http://${IPS[2]}:${HTTP[2]}/v1/kv/bench/ready" || true)" = true ]; do
    [ $SECONDS -lt $deadline ] || { echo "no leader after 120 s; see $DATA/q*.log" >&2; exit 1; }
    sleep 1
done
leaderIndex() {
    local leader i
    leader=$(curl -s -m 5 "http://${IPS[2]}:${HTTP[2]}/v1/status/leader" | tr -d '"')
    for i in 0 1 2; do
        if [ "$leader" = "${IPS[$i]}:${RPC[$i]}" ]; then echo $i; fi
    done
}
L=$(leaderIndex)
if [ "$L" = 2 ]; then # the leader must be one of the profiled servers
    id=$(curl -s "http://${IPS[0]}:${HTTP[0]}/v1/operator/raft/configuration" \
        | python3 -c "import json,sys; print([s['ID'] for s in json.load(sys.stdin)['Servers'] if s['Node']=='q0'][0])")
    curl -s -XPOST "http://${IPS[2]}:${HTTP[2]}/v1/operator/raft/transfer-leader?id=$id" >/dev/null
    sleep 5
    L=$(leaderIndex)
fi
ADDR=${IPS[$L]}:${HTTP[$L]}
VALUE=$(head -c 64 /dev/zero | tr '\0' v)
curl -s -XPUT -d "$VALUE" "http://$ADDR/v1/kv/bench/get" >/dev/null
"$BUILD/tests/bench/kv-load" --target qonsul --addr "$ADDR" --op "$OP" --conns "$CONNS" --count 500 --prefix warm | grep RESULT
for i in 0 1; do
    callgrind_control -z "${PIDS[$i]}" >/dev/null
    callgrind_control -i on "${PIDS[$i]}" >/dev/null
done
"$BUILD/tests/bench/kv-load" --target qonsul --addr "$ADDR" --op "$OP" --conns "$CONNS" --count "$COUNT" --prefix measured | grep RESULT
for i in 0 1; do
    callgrind_control -i off "${PIDS[$i]}" >/dev/null
    callgrind_control -d "$OP" "${PIDS[$i]}" >/dev/null
done
[ "$(leaderIndex)" = "$L" ] || echo "warning: leadership moved during the run; the counts mix both roles" >&2
for i in 0 1; do
    role=follower
    [ $i = "$L" ] && role=leader
    echo "== q$i ($role), $COUNT x $OP on $CONNS connections"
    callgrind_annotate --inclusive=yes "$OUT"/callgrind.q$i.*.1 2>/dev/null | grep -E '^ *[0-9,]+ ' \
        | grep -E 'PROGRAM TOTALS|qonsul::' | head -40 | cut -c1-160
done
