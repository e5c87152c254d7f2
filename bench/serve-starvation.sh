#!/usr/bin/env bash
# `entrad serve` under connections that never finish a request head (issue 24):
# with --max-connections 16 and 48 such connections held open (reopened as soon
# as the broker closes one), the share of well-formed token requests with the
# secret answered within 1 s, and their latency; the same without the attacker
# for reference. A benchmark, not a test: figures go in BENCHMARKS.md
# ("entrad serve: connections that never finish a head").
#
#   bench/serve-starvation.sh [OUT_DIR]   (default: target/bench-results/serve-starvation)
#
# Environment: ENTRAD (default target/release/entrad, built here when missing),
# MAX_CONNECTIONS (16), ATTACKERS (48), PROBES (300).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/target/bench-results/serve-starvation}
entrad=${ENTRAD:-$root/target/release/entrad}
max_connections=${MAX_CONNECTIONS:-16}
attackers=${ATTACKERS:-48}
probes=${PROBES:-300}

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'serve-starvation.sh: %s\n' "$*" >&2; exit 1; }

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

log "entrad serve --max-connections $max_connections (memory cache)"
mkdir -m 700 "$work/run"
"$entrad" -q --config "$work/emu/parameters.json" --ca-file "$work/emu/ca.pem" \
  --no-instance-discovery --cache memory \
  serve --max-connections "$max_connections" --identity-header-file "$work/run/identity-header" \
  >"$work/serve.out" 2>/dev/null &
pids+=($!)
url=$(field "$(ready_line "$work/serve.out")" url)
header=$(cat "$work/run/identity-header")
# The first request fills the cache: every probe is answered from it.
curl -fsS -o /dev/null -H "X-IDENTITY-HEADER: $header" \
  "$url/msi/token?api-version=2019-08-01&resource=https://graph.microsoft.com" \
  || die "the broker refused the first request"

log "no attacker (reference)"
python3 "$root/bench/serve_starvation.py" "$url" "$header" --attackers 0 --probes "$probes" | tee "$out/quiet.json"
log "$attackers connections without a head, reopened at once"
python3 "$root/bench/serve_starvation.py" "$url" "$header" --attackers "$attackers" --probes "$probes" | tee "$out/attacked.json"
metrics=$(curl -fsS "$url/metrics" | grep '^entrad_serve_connections' || true)
printf '%s\n' "$metrics" >"$out/metrics.txt"

{
  echo "# entrad serve, connections without a head: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# $entrad --max-connections $max_connections, $attackers attacker connections, $probes probes"
  echo
  echo "| | answered within 1 s | p50 | p90 | p99 | max | attacker reconnections |"
  echo "|---|---|---|---|---|---|---|"
  for run in quiet attacked; do
    python3 - "$out/$run.json" "$run" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {r['within_1s_percent']}% of {r['probes']} | {r['p50_ms']} ms | {r['p90_ms']} ms "
      f"| {r['p99_ms']} ms | {r['max_ms']} ms | {r['attacker_connections_during_probes']} |")
EOF
  done
  echo
  echo '```'
  printf '%s\n' "$metrics"
  echo '```'
} >"$out/summary.md"
cat "$out/summary.md"
