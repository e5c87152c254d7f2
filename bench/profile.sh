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

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
out=${1:-$root/target/bench-results/profile}
users=${USERS:-100000}

command -v perf >/dev/null || die "perf missing: apt-get install -y linux-perf"
require_entrad
mkdir -p "$out"

find_emulator
work=$(mktemp -d)
start_emulator "$work" "$users" --in-memory
top="$work/parameters-top999.json"
top999 "$params" "$top"

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
