#!/usr/bin/env bash
# Real agents on loopback: one server on 127.0.1.1 and clients on 127.0.1.2, .3, ..., each on
# its own address with Consul's default ports and a tiny config (data_dir, node name, bind,
# client address, retry_join to the server, log level warn), all in one LAN pool. Once every
# agent sees all members alive it waits SETTLE seconds, then over WINDOW seconds reads each
# agent's gossip bytes sent (consul_memberlist_udp_sent + consul_memberlist_tcp_sent from
# /v1/agent/metrics?format=prometheus: counted on the sockets) and its VmRSS and Pss. Prints the
# mean, median, min and max per agent (clients and server apart) and stops every agent it started.
#
#   tests/bench/gossip_agents.sh [build dir] [agents] [settle s] [window s]   default: build 100 30 60
#   EXTRA="-some-flag" tests/bench/gossip_agents.sh   (flags added to every agent)
set -euo pipefail
build=${1:-build}
count=${2:-100}
settle=${3:-30}
window=${4:-60}
qonsul=$(realpath "$build/bin/qonsul")
[ -x "$qonsul" ] || { echo "build $qonsul first: ninja -C $build qonsul" >&2; exit 1; }
[ "$count" -le 250 ] || { echo "at most 250 agents (127.0.1.1-250)" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

for i in $(seq 1 "$count"); do
    ip=127.0.1.$i
    args=(agent -node "agent-$i" -bind "$ip" -client "$ip" -data-dir "$work/a$i" -log-level warn
          -retry-join 127.0.1.1 -retry-interval 1s)
    [ "$i" -eq 1 ] && args+=(-server -bootstrap-expect 1)
    # shellcheck disable=SC2086
    "$qonsul" "${args[@]}" ${EXTRA:-} >"$work/a$i.log" 2>&1 &
    pids+=($!)
done

alive() { curl -sf "http://127.0.1.$1:8500/v1/agent/members" | jq '[.[] | select(.Status == 1)] | length' 2>/dev/null || echo 0; }
start=$SECONDS
for i in $(seq 1 "$count"); do
    until [ "$(alive "$i")" -eq "$count" ]; do
        if [ $((SECONDS - start)) -gt 300 ]; then
            echo "agent-$i sees $(alive "$i") of $count alive after 300 s; log:" >&2
            tail -5 "$work/a$i.log" >&2
            exit 1
        fi
        sleep 1
    done
done
echo "all $count agents see $count alive after $((SECONDS - start)) s; settling ${settle} s"
sleep "$settle"

sent() { # gossip bytes agent $1 has sent so far
    curl -sf "http://127.0.1.$1:8500/v1/agent/metrics?format=prometheus" |
        awk '/^consul_memberlist_(udp|tcp)_sent /{s += $2} END {print s + 0}'
}
declare -A before
for i in $(seq 1 "$count"); do before[$i]=$(sent "$i"); done
sleep "$window"
: >"$work/clients" && : >"$work/server"
for i in $(seq 1 "$count"); do
    pid=${pids[$((i - 1))]}
    rate=$(( ($(sent "$i") - before[$i]) / window ))
    rss=$(awk '/^VmRSS/{print $2}' "/proc/$pid/status")
    pss=$(awk '/^Pss:/{print $2}' "/proc/$pid/smaps_rollup")
    echo "$rate $rss $pss" >>"$work/$([ "$i" -eq 1 ] && echo server || echo clients)"
done
summary() { # column $2 of file $1: mean median min max
    sort -n -k"$2" "$1" | awk -v c="$2" '{v[NR] = $c; s += $c} END {printf "mean %.0f median %s min %s max %s", s / NR, v[int((NR + 1) / 2)], v[1], v[NR]}'
}
for who in clients server; do
    echo "$who ($(wc -l <"$work/$who")): gossip sent B/s $(summary "$work/$who" 1); VmRSS kB $(summary "$work/$who" 2); Pss kB $(summary "$work/$who" 3)"
done
