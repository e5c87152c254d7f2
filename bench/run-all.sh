#!/usr/bin/env bash
# Whole-process benchmarks: `entrad` next to the Python quickstart (MSAL Python +
# requests, bench/quickstart.py) and MSAL Python's cache hit, all against the
# emulator on loopback, then the criterion benches (in-process: cache hit, cold
# herd, emulator capacity, listing). Run `cargo build --release -p entrad` first;
# the only thing built here is the benches (bench profile, sharing release's deps).
#
#   bench/run-all.sh [OUT_DIR]          (default: target/bench-results)
#
# Environment: ENTRAD (default target/release/entrad), PYTHON (default .venv/bin/python),
# COLD_RUNS (30), LIST_RUNS (5), RSS_RUNS (3), LIST_SIZES ("10000 100000"),
# CRITERION (1; 0 skips the criterion benches and summarizes earlier results).
# Needs hyperfine (Debian package) and GNU time (/usr/bin/time).
# Writes hyperfine JSON, `time -v` reports and summary.md (bench/summarize.py) to OUT_DIR.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
out=${1:-$root/target/bench-results}
python=${PYTHON:-$root/.venv/bin/python}
cold_runs=${COLD_RUNS:-30}
list_runs=${LIST_RUNS:-5}
rss_runs=${RSS_RUNS:-3}
list_sizes=${LIST_SIZES:-10000 100000}
criterion=${CRITERION:-1}

require_entrad
"$python" -c 'import msal, requests' 2>/dev/null \
  || die "$python lacks msal + requests: python3 -m venv .venv && .venv/bin/pip install msal==1.39.0 requests"
command -v hyperfine >/dev/null || die "hyperfine missing: apt-get install -y hyperfine"
require_gnu_time

find_emulator

mkdir -p "$out"
work=$(mktemp -d)

stats() { admin "$url/_emulator/stats"; }

# count_items FILE: the number of items in a Graph-shaped document's `value`.
count_items() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["value"]))' "$1"; }

{
  machine_lines
  echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
  echo "kernel: $(uname -r)"
  echo "rustc: $(rustc --version 2>/dev/null || echo unknown)"
  echo "entrad: $("$entrad" --version)"
  echo "python: $("$python" -c 'import sys; print(sys.version.split()[0])')"
  echo "msal: $("$python" -c 'import msal; print(msal.__version__)')"
  echo "requests: $("$python" -c 'import requests; print(requests.__version__)')"
  echo "hyperfine: $(hyperfine --version)"
} >"$out/machine.txt"
cat "$out/machine.txt" >&2

# `--cache memory`: entrad's default file cache would serve the token from the
# second run on, while the quickstart's in-memory MSAL cache starts empty in
# every process. Both must fetch a token every run.
entrad_cold=("$entrad" --cache memory --ca-file)

# --- cold run: a token and one page (100 users: no nextLink), fresh process each time ---
log "cold run: entrad run vs quickstart.py"
start_emulator "$work/emulator-100" 100 --in-memory
export ENTRAD_CA_FILE="$ca"
"${entrad_cold[@]}" "$ca" run "$params" >"$work/cold-entrad.json"
"$python" "$root/bench/quickstart.py" "$params" >"$work/cold-python.json"
[ "$(count_items "$work/cold-entrad.json")" = 100 ] || die "entrad run did not print 100 users"
[ "$(count_items "$work/cold-python.json")" = 100 ] || die "quickstart.py did not print 100 users"
grep -q nextLink "$work/cold-python.json" && die "the cold run page has a nextLink: the two would not do the same work"
reset_stats
hyperfine -N --warmup 3 --runs "$cold_runs" --export-json "$out/cold.json" \
  -n entrad "${entrad_cold[*]} $ca run $params" \
  -n python "$python $root/bench/quickstart.py $params"
stats >"$out/cold-stats.json"
# What a daemon run from cron sees from its second run on: the token from the file cache.
"$entrad" --cache "file:$work/tokens.json" --ca-file "$ca" run "$params" >/dev/null
hyperfine -N --warmup 3 --runs "$cold_runs" --export-json "$out/warm-file-cache.json" \
  -n entrad-file-cache "$entrad --cache file:$work/tokens.json --ca-file $ca run $params"
for who in entrad python; do
  if [ "$who" = entrad ]; then cmd=("${entrad_cold[@]}" "$ca" run "$params"); else cmd=("$python" "$root/bench/quickstart.py" "$params"); fi
  /usr/bin/time -v -o "$out/cold-time-$who.txt" "${cmd[@]}" >/dev/null
done

log "MSAL Python cache hit"
"$python" "$root/bench/msal_cache_hit.py" "$params" | tee "$out/msal_cache_hit.json"
stop_emulator

# --- listing every user, $top=999 ---
for users in $list_sizes; do
  log "listing $users users (\$top=999)"
  start_emulator "$work/emulator-$users" "$users" --in-memory
  export ENTRAD_CA_FILE="$ca"
  top="$state/parameters-top999.json"
  top999 "$params" "$top"
  chmod 600 "$top"
  "${entrad_cold[@]}" "$ca" run "$top" >"$work/list-entrad.json"
  "$python" "$root/bench/quickstart.py" "$top" --all >"$work/list-python.json"
  [ "$(count_items "$work/list-entrad.json")" = "$users" ] || die "entrad listed the wrong number of users"
  [ "$(count_items "$work/list-python.json")" = "$users" ] || die "quickstart.py --all listed the wrong number of users"
  rm -f "$work/list-entrad.json" "$work/list-python.json"
  hyperfine -N --warmup 1 --runs "$list_runs" --export-json "$out/list-$users.json" \
    -n entrad "${entrad_cold[*]} $ca run $top" \
    -n python "$python $root/bench/quickstart.py $top --all"
  for run in $(seq "$rss_runs"); do
    /usr/bin/time -v -o "$out/list-$users-time-entrad-$run.txt" "${entrad_cold[@]}" "$ca" run "$top" >/dev/null
    /usr/bin/time -v -o "$out/list-$users-time-python-$run.txt" "$python" "$root/bench/quickstart.py" "$top" --all >/dev/null
  done
  stop_emulator
done

if [ "$criterion" = 1 ]; then
  log "criterion benches (cargo bench -p entrad-bench)"
  (cd "$root" && cargo bench -p entrad-bench --benches) 2>&1 | tee "$out/criterion.txt"
fi

python3 "$root/bench/summarize.py" "$out" | tee "$out/summary.md"
