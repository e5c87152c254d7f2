#!/usr/bin/env bash
# `entrad serve`: tokens served from the cache per second and their latency
# (p50/p99) with wrk on loopback, and the broker's memory over a sustained run.
# A benchmark, not a test: figures go in BENCHMARKS.md ("entrad serve").
#
#   bench/serve.sh [OUT_DIR]          (default: target/bench-results/serve)
#
# Environment: ENTRAD (default target/release/entrad, built here when missing),
# DURATION (seconds per wrk run, 15), SUSTAIN (seconds of the memory run, 120),
# CONNECTIONS ("1 16 64"), THREADS (wrk threads, 1).
# Installs wrk (Debian package) when missing. The emulator feeds the broker.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
out=${1:-$root/target/bench-results/serve}
duration=${DURATION:-15}
sustain=${SUSTAIN:-120}
connections=${CONNECTIONS:-1 16 64}
threads=${THREADS:-1}

if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk"
  apt-get install -y wrk >/dev/null || die "cannot install wrk: apt-get install -y wrk"
fi
build_entrad
mkdir -p "$out"
work=$(mktemp -d)

log "emulator"
start_emulator "$work/emu" 10

log "entrad serve (memory cache; audit lines to /dev/null)"
start_serve "$work/identity-header"
target="$url/msi/token?api-version=2019-08-01&resource=https://graph.microsoft.com"

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# wrk_rows NAME WHAT HEADER URL: a wrk run against URL per connection count (its
# report in wrk-NAME-cC.txt, or wrk-cC.txt without NAME), a row each in summary.md.
wrk_rows() {
  local report
  for c in $connections; do
    report="$out/wrk${1:+-$1}-c$c.txt"
    log "$2: $c connection(s), $duration s"
    wrk -t"$threads" -c"$c" -d"${duration}s" --latency -H "X-IDENTITY-HEADER: $3" "$4" | tee "$report"
    rps=$(awk '/^Requests\/sec/ {print $2}' "$report")
    p50=$(awk '$1 == "50%" {print $2}' "$report")
    p99=$(awk '$1 == "99%" {print $2}' "$report")
    errors=$(awk '/Non-2xx|Socket errors/ {print}' "$report" | tr '\n' ' ')
    echo "| $c | $rps | $p50 | $p99 | ${errors:-none} |" >>"$out/summary.md"
  done
}

{
  echo "# entrad serve, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(loadavg)"
  echo
  echo "| connections | requests/s | p50 | p99 | errors |"
  echo "|---|---|---|---|---|"
} >"$out/summary.md"
wrk_rows "" wrk "$header" "$target"

log "memory: $sustain s of load at 16 connections, RSS every 10 s"
rss_start=$(rss_kib "$serve_pid")
wrk -t"$threads" -c16 -d"${sustain}s" -H "X-IDENTITY-HEADER: $header" "$target" >"$out/wrk-sustain.txt" &
wrk_pid=$!
samples="$rss_start"
for _ in $(seq $((sustain / 10))); do
  sleep 10
  samples="$samples $(rss_kib "$serve_pid")"
done
wait "$wrk_pid"
{
  echo
  echo "RSS (KiB) before the sustained run, then every 10 s: $samples"
  echo "sustained: $(awk '/^Requests\/sec/ {print $2}' "$out/wrk-sustain.txt") requests/s over $sustain s"
} >>"$out/summary.md"

# The reference server: the emulator's own App Service route (mi-app-service.env
# in its state dir), same wrk settings. It signs a fresh token per request, so it
# measures a token service, where the broker measures a cache.
(
  # shellcheck source=/dev/null
  . "$work/emu/mi-app-service.env"
  reference="$IDENTITY_ENDPOINT?api-version=2019-08-01&resource=https://graph.microsoft.com"
  curl -fsS -o /dev/null -H "X-IDENTITY-HEADER: $IDENTITY_HEADER" "$reference" || die "the emulator's App Service route refused the first request"
  {
    echo
    echo "Reference: the emulator's App Service route (a token signed per request), same settings:"
    echo
    echo "| connections | requests/s | p50 | p99 | errors |"
    echo "|---|---|---|---|---|"
  } >>"$out/summary.md"
  wrk_rows emulator "wrk against the emulator's App Service route" "$IDENTITY_HEADER" "$reference"
)
cat "$out/summary.md"
