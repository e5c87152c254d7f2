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

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/target/bench-results/serve}
entrad=${ENTRAD:-$root/target/release/entrad}
duration=${DURATION:-15}
sustain=${SUSTAIN:-120}
connections=${CONNECTIONS:-1 16 64}
threads=${THREADS:-1}

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'serve.sh: %s\n' "$*" >&2; exit 1; }

if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk"
  apt-get install -y wrk >/dev/null || die "cannot install wrk: apt-get install -y wrk"
fi
if [ ! -x "$entrad" ]; then
  log "building $entrad (release)"
  (cd "$root" && cargo build --release -p entrad --bin entrad)
fi
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# A line of JSON on stdout means the process is ready; wait for it (at most 30 s).
ready_line() {
  for _ in $(seq 300); do
    if [ -s "$1" ]; then head -n1 "$1"; return; fi
    sleep 0.1
  done
  die "no ready line in $1"
}
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

log "emulator"
"$entrad" emulator --listen 127.0.0.1:0 --users 10 --state-dir "$work/emu" >"$work/emu.out" 2>"$work/emu.err" &
pids+=($!)
ready_line "$work/emu.out" >/dev/null

log "entrad serve (memory cache; audit lines to /dev/null)"
"$entrad" -q --config "$work/emu/parameters.json" --ca-file "$work/emu/ca.pem" \
  --no-instance-discovery --cache memory \
  serve --identity-header-file "$work/identity-header" >"$work/serve.out" 2>/dev/null &
serve_pid=$!
pids+=("$serve_pid")
url=$(field "$(ready_line "$work/serve.out")" url)
header=$(cat "$work/identity-header")
target="$url/msi/token?api-version=2019-08-01&resource=https://graph.microsoft.com"
# The first request fills the cache; every one measured after it is a hit.
curl -fsS -o /dev/null -H "X-IDENTITY-HEADER: $header" "$target" || die "the broker refused the first request"

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

{
  echo "# entrad serve, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| connections | requests/s | p50 | p99 | errors |"
  echo "|---|---|---|---|---|"
} >"$out/summary.md"
for c in $connections; do
  log "wrk: $c connection(s), $duration s"
  wrk -t"$threads" -c"$c" -d"${duration}s" --latency -H "X-IDENTITY-HEADER: $header" "$target" | tee "$out/wrk-c$c.txt"
  rps=$(awk '/^Requests\/sec/ {print $2}' "$out/wrk-c$c.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$out/wrk-c$c.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$out/wrk-c$c.txt")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$out/wrk-c$c.txt" | tr '\n' ' ')
  echo "| $c | $rps | $p50 | $p99 | ${errors:-none} |" >>"$out/summary.md"
done

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
  for c in $connections; do
    log "wrk against the emulator's App Service route: $c connection(s), $duration s"
    wrk -t"$threads" -c"$c" -d"${duration}s" --latency -H "X-IDENTITY-HEADER: $IDENTITY_HEADER" "$reference" | tee "$out/wrk-emulator-c$c.txt"
    rps=$(awk '/^Requests\/sec/ {print $2}' "$out/wrk-emulator-c$c.txt")
    p50=$(awk '$1 == "50%" {print $2}' "$out/wrk-emulator-c$c.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$out/wrk-emulator-c$c.txt")
    errors=$(awk '/Non-2xx|Socket errors/ {print}' "$out/wrk-emulator-c$c.txt" | tr '\n' ' ')
    echo "| $c | $rps | $p50 | $p99 | ${errors:-none} |" >>"$out/summary.md"
  done
)
cat "$out/summary.md"
