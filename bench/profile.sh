#!/usr/bin/env bash
# Profiles the two hot paths once with perf (software cpu-clock event, so it
# works in VMs without hardware counters) and prints the top symbols:
#   1. `entrad run` listing every user ($top=999) of an emulator with USERS users;
#   2. the cache hit (criterion's cache_hit bench, 1-thread/poll, --profile-time).
# Builds nothing: needs target/release/entrad and `cargo bench -p entrad-bench --no-run`.
#
#   bench/profile.sh [OUT_DIR]     (default: target/bench-results/profile)
# Environment: ENTRAD (default target/release/entrad), USERS (100000).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/target/bench-results/profile}
entrad=${ENTRAD:-$root/target/release/entrad}
users=${USERS:-100000}

die() { printf 'profile.sh: %s\n' "$*" >&2; exit 1; }
command -v perf >/dev/null || die "perf missing: apt-get install -y linux-perf"
[ -x "$entrad" ] || die "no $entrad: run cargo build --release -p entrad first"
mkdir -p "$out"

if "$entrad" emulator --help >/dev/null 2>&1; then
  emulator=("$entrad" emulator)
else
  emulator=("$root/target/release/entrad-emulator")
fi

state=$(mktemp -d)
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$state"
}
trap cleanup EXIT

"${emulator[@]}" --listen 127.0.0.1:0 --state-dir "$state" --in-memory --users "$users" >"$state/ready.json" 2>"$state/emulator.log" &
emulator_pid=$!
for _ in $(seq 1200); do
  grep -q '"ready":true' "$state/ready.json" 2>/dev/null && break
  kill -0 "$emulator_pid" 2>/dev/null || die "the emulator exited"
  sleep 0.1
done
ca=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ca_file"])' "$state/ready.json")
top="$state/parameters-top999.json"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); p["endpoint"]+="?$top=999"; json.dump(p,open(sys.argv[2],"w"))' \
  "$state/parameters.json" "$top"

report() { perf report -i "$1" --stdio --no-children --percent-limit 1 -g none --sort sym 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40; }

echo "== entrad run, $users users, \$top=999 (client process only)"
perf record -q -e cpu-clock -F 1999 -g -o "$out/listing.perf" -- "$entrad" --ca-file "$ca" run "$top" >/dev/null
report "$out/listing.perf" | tee "$out/listing.txt"

bench=$(ls -t "$root"/target/release/deps/cache_hit-* 2>/dev/null | grep -v '\.d$' | head -1 || true)
if [ -n "$bench" ]; then
  echo "== cache hit (1-thread/poll)"
  perf record -q -e cpu-clock -F 1999 -g -o "$out/cache_hit.perf" -- "$bench" --bench --profile-time 5 '1-thread/poll' >/dev/null
  report "$out/cache_hit.perf" | tee "$out/cache_hit.txt"
else
  echo "no cache_hit bench binary: cargo bench -p entrad-bench --no-run" >&2
fi
