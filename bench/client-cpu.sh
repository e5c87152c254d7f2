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

root=$(cd "$(dirname "$0")/.." && pwd)
users=${USERS:-100000}
runs=${RUNS:-5}
formats=${FORMATS:-json ndjson csv}
[ $# -ge 1 ] || { echo "usage: bench/client-cpu.sh ENTRAD [ENTRAD...]" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time missing: apt-get install -y time" >&2; exit 1; }

state=$(mktemp -d)
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$state"
}
trap cleanup EXIT

"$1" emulator --listen 127.0.0.1:0 --state-dir "$state" --in-memory --users "$users" >"$state/ready.json" 2>"$state/emulator.log" &
emulator_pid=$!
for _ in $(seq 1200); do
  grep -q '"ready":true' "$state/ready.json" 2>/dev/null && break
  kill -0 "$emulator_pid" 2>/dev/null || { echo "the emulator exited: $(cat "$state/emulator.log")" >&2; exit 1; }
  sleep 0.1
done
ca=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ca_file"])' "$state/ready.json")
params="$state/parameters-top999.json"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); p["endpoint"]+="?$top=999"; json.dump(p,open(sys.argv[2],"w"))' \
  "$state/parameters.json" "$params"

ticks=$(getconf CLK_TCK)
# CPU seconds the emulator has used so far.
emulator_cpu() { awk -v t="$ticks" '{ printf "%.3f\n", ($14 + $15) / t }' "/proc/$emulator_pid/stat"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "| binary | format | wall (s) | client CPU (s) | emulator CPU (s) | client / emulator | peak RSS (MiB) |"
echo "|---|---|---|---|---|---|---|"
for format in $formats; do
  for entrad in "$@"; do
    "$entrad" --cache memory --ca-file "$ca" --quiet --format "$format" run "$params" >/dev/null # warm-up
    : >"$state/runs.txt"
    for _ in $(seq "$runs"); do
      before=$(emulator_cpu)
      /usr/bin/time -f "%e %U %S %M" -o "$state/time.txt" \
        "$entrad" --cache memory --ca-file "$ca" --quiet --format "$format" run "$params" >/dev/null
      after=$(emulator_cpu)
      read -r wall user sys rss <"$state/time.txt"
      echo "$wall $(echo "$user + $sys" | bc) $(echo "$after - $before" | bc) $rss" >>"$state/runs.txt"
    done
    wall=$(cut -d' ' -f1 "$state/runs.txt" | median)
    client=$(cut -d' ' -f2 "$state/runs.txt" | median)
    server=$(cut -d' ' -f3 "$state/runs.txt" | median)
    rss=$(cut -d' ' -f4 "$state/runs.txt" | sort -g | tail -1)
    ratio=$(echo "scale=2; $client / $server" | bc)
    printf '| `%s` | %s | %s | %s | %s | %s | %.1f |\n' "$(basename "$entrad")" "$format" "$wall" "$client" "$server" "$ratio" "$(echo "$rss / 1024" | bc -l)"
  done
done
