#!/usr/bin/env bash
# Plots how long a user event takes to reach 50 % / 99.9 % / all of a gossip pool against the
# pool's size (docs/gossip-convergence.png): the broadcast model of qonsul-gossip-bench --model
# up to 10,000 members, the real code in simulation for the sizes in REAL (default "100 300";
# 1000 takes ~10 min), and the issue's targets (99.9 % within 2.0 s at 1,000, 2.4 s at 10,000).
#
#   tests/bench/gossip_plot.sh [build dir] [output png]
#   REAL="100 300 1000" tests/bench/gossip_plot.sh build
#
# Needs gnuplot (bench only, not a build dependency): apt-get install gnuplot-nox
set -euo pipefail
build=${1:-build}
out=${2:-docs/gossip-convergence.png}
bench="$build/bin/qonsul-gossip-bench"
if ! command -v gnuplot >/dev/null; then
    echo "gnuplot is needed to draw the plot: apt-get install gnuplot-nox" >&2
    exit 1
fi
[ -x "$bench" ] || { echo "build $bench first: ninja -C $build qonsul-gossip-bench" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
field() { grep -o " $1=[0-9.]*" | head -1 | cut -d= -f2; } # the first $1= on the line

"$bench" --model 100 200 500 1000 2000 5000 10000 | tee "$work/model.txt"
while read -r line; do
    n=$(field members <<<"$line")
    echo "$n $(field p50 <<<"$line") $(field p99.9 <<<"$line") $(field max <<<"$line")"
done <"$work/model.txt" >"$work/model.dat"
: >"$work/real.dat"
for n in ${REAL-100 300}; do
    line=$("$bench" "$n" | tee /dev/stderr)
    echo "$n $(field p50 <<<"$line") $(field p99.9 <<<"$line") $(field max <<<"$line")" >>"$work/real.dat"
done
printf '1000 2000\n10000 2400\n' >"$work/target.dat"
cat "$work/model.dat" "$work/real.dat"

gnuplot <<EOF
set terminal pngcairo size 900,560 font ",11"
set output "$out"
set title "User event dissemination, Consul LAN timing (gossip 200 ms to 3, probe 1 s, retransmit mult 4)"
set xlabel "members"
set ylabel "time after firing (ms)"
set logscale x
set xrange [80:12500]
set yrange [0:2600]
set grid
set key left top
plot "$work/model.dat" using 1:2 with linespoints lw 2 pt 7 title "model: 50 %", \
     "$work/model.dat" using 1:3 with linespoints lw 2 pt 7 title "model: 99.9 %", \
     "$work/model.dat" using 1:4 with linespoints lw 1 dt 2 pt 7 title "model: 100 %", \
     "$work/real.dat" using 1:2 with points pt 5 ps 1.5 title "real code in simulation: 50 %", \
     "$work/real.dat" using 1:3 with points pt 9 ps 1.5 title "real code in simulation: 99.9 %", \
     "$work/target.dat" using 1:2 with points pt 3 ps 2.5 lw 2 title "issue target for 99.9 %"
EOF
echo "wrote $out"
