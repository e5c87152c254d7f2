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

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
out=${1:-$root/target/bench-results/serve-starvation}
max_connections=${MAX_CONNECTIONS:-16}
attackers=${ATTACKERS:-48}
probes=${PROBES:-300}

build_entrad
mkdir -p "$out"
work=$(mktemp -d)

log "emulator"
start_emulator "$work/emu" 10

log "entrad serve --max-connections $max_connections (memory cache)"
mkdir -m 700 "$work/run"
start_serve "$work/run/identity-header" --max-connections "$max_connections"

log "no attacker (reference)"
python3 "$root/bench/serve_starvation.py" "$url" "$header" --attackers 0 --probes "$probes" | tee "$out/quiet.json"
log "$attackers connections without a head, reopened at once"
python3 "$root/bench/serve_starvation.py" "$url" "$header" --attackers "$attackers" --probes "$probes" | tee "$out/attacked.json"
metrics=$(curl -fsS "$url/metrics" | grep '^entrad_serve_connections' || true)
printf '%s\n' "$metrics" >"$out/metrics.txt"

{
  echo "# entrad serve, connections without a head: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(loadavg)"
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
