#!/usr/bin/env bash
# Client CPU against the emulator's CPU for the same listing: `entrad run` of every
# user ($top=999) of an emulator serving USERS users, once per output format and
# binary. The emulator's CPU is read from /proc/PID/stat (utime + stime) around each
# run; the client's (user + sys), its wall time and its peak RSS from GNU time.
# Builds nothing: pass the binaries to compare (e.g. a copy of target/release/entrad
# built before a change, then the one after); the first one also serves the emulator.
#
#   bench/client-cpu.sh ENTRAD [ENTRAD...]
# Environment: USERS (100000), RUNS (5), FORMATS ("json ndjson csv").
# Prints one markdown table (medians over RUNS; peak RSS: the largest).
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
users=${USERS:-100000}
runs=${RUNS:-5}
formats=${FORMATS:-json ndjson csv}
[ $# -ge 1 ] || { echo "usage: bench/client-cpu.sh ENTRAD [ENTRAD...]" >&2; exit 2; }
require_gnu_time

work=$(mktemp -d)
emulator=("$1" emulator)
start_emulator "$work" "$users" --in-memory
params="$work/parameters-top999.json"
top999 "$work/parameters.json" "$params"

ticks=$(getconf CLK_TCK)
# CPU seconds the emulator has used so far.
emulator_cpu() { awk -v t="$ticks" '{ printf "%.3f\n", ($14 + $15) / t }' "/proc/$emulator_pid/stat"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "| binary | format | wall (s) | client CPU (s) | emulator CPU (s) | client / emulator | peak RSS (MiB) |"
echo "|---|---|---|---|---|---|---|"
for format in $formats; do
  for entrad in "$@"; do
    "$entrad" --cache memory --ca-file "$ca" --quiet --format "$format" run "$params" >/dev/null # warm-up
    : >"$work/runs.txt"
    for _ in $(seq "$runs"); do
      before=$(emulator_cpu)
      /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" \
        "$entrad" --cache memory --ca-file "$ca" --quiet --format "$format" run "$params" >/dev/null
      after=$(emulator_cpu)
      read -r wall user sys rss <"$work/time.txt"
      echo "$wall $(echo "$user + $sys" | bc) $(echo "$after - $before" | bc) $rss" >>"$work/runs.txt"
    done
    wall=$(cut -d' ' -f1 "$work/runs.txt" | median)
    client=$(cut -d' ' -f2 "$work/runs.txt" | median)
    server=$(cut -d' ' -f3 "$work/runs.txt" | median)
    rss=$(cut -d' ' -f4 "$work/runs.txt" | sort -g | tail -1)
    ratio=$(echo "scale=2; $client / $server" | bc)
    printf '| `%s` | %s | %s | %s | %s | %s | %.1f |\n' "$(basename "$entrad")" "$format" "$wall" "$client" "$server" "$ratio" "$(echo "$rss / 1024" | bc -l)"
  done
done
