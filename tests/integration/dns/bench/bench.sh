#!/usr/bin/env bash
# DNS benchmark (issue 4): a dev agent with 1,000 services x 3 instances against a minimal
# QUdpSocket responder (one fixed A record per query, the ceiling on this machine), both driven
# by the same dnsperf settings in the same run. Also: p99 latency at 0.7x the ceiling's rate,
# and how soon a catalog write shows in DNS answers.
#   tests/integration/dns/bench/bench.sh [build-dir=build] [seconds=10] [clients=4]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-build}"; secs="${2:-10}"; clients="${3:-4}"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http=$(free_port); dns=$(free_port); ceil=$(free_port)
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

"$build/bin/qonsul" agent -dev -http-port "$http" -dns-port "$dns" -log-level=warn >"$tmp/agent.log" 2>&1 &
agent=$!; pids+=($agent)
"$build/bin/dns_min_responder" "$ceil" &
minimal=$!; pids+=($minimal)
for _ in $(seq 100); do curl -sf "127.0.0.1:$http/v1/status/leader" >/dev/null && break; sleep 0.1; done
python3 "$here/register.py" "$http" 1000 3
for i in $(seq 0 999); do echo "svc$i.service.consul A"; done | shuf --random-source=<(yes) >"$tmp/a.txt"
for i in $(seq 0 999); do echo "svc$i.service.consul SRV"; done | shuf --random-source=<(yes) >"$tmp/srv.txt"

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user+system clock ticks of a process
run() { # name pid port file [extra dnsperf args]
    local name=$1 pid=$2 port=$3 file=$4; shift 4
    local before; before=$(cpu "$pid")
    local out; out=$(dnsperf -s 127.0.0.1 -p "$port" -d "$file" -c "$clients" -l "$secs" "$@" 2>&1)
    local after; after=$(cpu "$pid")
    local qps lost avg done
    qps=$(awk '/Queries per second/ {print $4}' <<<"$out")
    lost=$(awk '/Queries lost/ {print $3}' <<<"$out")
    avg=$(awk '/Average Latency/ {print $4}' <<<"$out")
    done=$(awk '/Queries completed/ {print $3}' <<<"$out")
    # CPU per query of the server process: robust on a loaded machine where q/s is not.
    local us; us=$(awk -v t=$((after - before)) -v n="$done" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", t*1e6/hz/n}')
    printf '%-28s %10.0f q/s  lost %-6s avg %.3f ms  %s us CPU/query\n' "$name" "$qps" "$lost" \
        "$(awk -v a="$avg" 'BEGIN{print a*1000}')" "$us" >&2
    echo "$qps $us"
}
echo "dnsperf -c $clients -l $secs, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
dnsperf -s 127.0.0.1 -p "$dns" -d "$tmp/a.txt" -l 2 >/dev/null 2>&1 # warm the agent's cache
read -r c1 cu1 < <(run "minimal responder (A)" "$minimal" "$ceil" "$tmp/a.txt")
read -r a au < <(run "agent service A" "$agent" "$dns" "$tmp/a.txt")
read -r s su < <(run "agent service SRV" "$agent" "$dns" "$tmp/srv.txt")
read -r c2 cu2 < <(run "minimal responder (again)" "$minimal" "$ceil" "$tmp/a.txt")
read -r a2 au2 < <(run "agent service A (again)" "$agent" "$dns" "$tmp/a.txt")
ceiling=$(awk -v x="$c1" -v y="$c2" 'BEGIN{print (x>y?x:y)}')
a=$(awk -v x="$a" -v y="$a2" 'BEGIN{print (x>y?x:y)}')
awk -v a="$a" -v s="$s" -v c="$ceiling" 'BEGIN{printf "throughput: A %.2fx the ceiling, SRV %.2fx\n", a/c, s/c}' >&2
awk -v a="$au" -v s="$su" -v c="$cu1" -v c2="$cu2" 'BEGIN{m=(c<c2?c:c2); printf "CPU per query: A %.2fx the minimal responder'"'"'s, SRV %.2fx\n", a/m, s/m}' >&2
rate=$(awk -v c="$ceiling" 'BEGIN{printf "%d", c*0.7}')
printf 'latency at %s q/s (0.7x ceiling), A:   ' "$rate" >&2
dnsperf -s 127.0.0.1 -p "$dns" -d "$tmp/a.txt" -c "$clients" -l 5 -Q "$rate" -v 2>&1 | python3 "$here/p99.py" >&2
printf 'latency at %s q/s (0.7x ceiling), SRV: ' "$((rate * 5 / 7))" >&2
dnsperf -s 127.0.0.1 -p "$dns" -d "$tmp/srv.txt" -c "$clients" -l 5 -Q "$((rate * 5 / 7))" -v 2>&1 | python3 "$here/p99.py" >&2
python3 "$here/write_latency.py" "$http" "$dns" 50 >&2
