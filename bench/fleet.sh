#!/usr/bin/env bash
# The advisory-lock fleet, simulated on one machine: the emulator serves
# TENANTS tenants of USERS users each; 1, 2 and 4 `entrad sync users` worker
# processes sync all of them (--tenants FILE) into one PostgreSQL database with
# one Redis token cache, started together. Then two `--watch` workers, one
# killed (SIGKILL) while it is inside tenants: how long until the other has
# finished them, and whether anything was lost or applied twice. Run
# `cargo build --release -p entrad` first.
#
#   bench/fleet.sh [OUT_DIR]          (default: target/bench-results/fleet)
#
# Environment: ENTRAD (default target/release/entrad), TENANTS (200), USERS
# (5000), WORKERS ("1 2 4"), CONCURRENCY (tenants at a time per worker, 4),
# ENTRAD_TEST_REDIS_URL (required: the token cache's server; each scenario
# uses keys of its own prefix), ENTRAD_TEST_POSTGRES_URL (a server to create
# databases on; without it one is started with scripts/services/postgres.sh,
# as scripts/test does). Writes fleet.tsv, kill.txt and summary.md to OUT_DIR.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
out=${1:-$root/target/bench-results/fleet}
tenants_n=${TENANTS:-200}
users=${USERS:-5000}
workers_list=${WORKERS:-1 2 4}
concurrency=${CONCURRENCY:-4}

require_entrad
[ -n "${ENTRAD_TEST_REDIS_URL:-}" ] || die "set ENTRAD_TEST_REDIS_URL to a Redis server (redis://host:port/)"
redis=${ENTRAD_TEST_REDIS_URL%/}

mkdir -p "$out"
work=$(mktemp -d)

use_postgres
# sql URL QUERY: one value.
sql() { "$psql_bin" -qAtX "$1" -c "$2"; }

# --- the emulator: TENANTS tenants of USERS users ---
log "emulator: $tenants_n tenants of $users users"
emulator_wait=300
start_emulator "$work/emulator" "$users" --in-memory --tenants "$tenants_n"
python3 -c 'import json,sys; [print(t["tenant_id"]) for t in json.loads(open(sys.argv[1]).readline())["tenants"]]' \
  "$state/ready.json" >"$work/tenants.txt"
[ "$(wc -l <"$work/tenants.txt")" = "$tenants_n" ] || die "the ready line does not list $tenants_n tenants"
route_count() { admin "$url/_emulator/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"][sys.argv[1]])' "$1"; }

# worker NAME DB PREFIX [ARGS...]: one `entrad sync users` over every tenant, in the background.
worker() {
  local name=$1 db=$2 prefix=$3
  shift 3
  "$entrad" --cache "$redis/0?prefix=$prefix" --ca-file "$ca" --config "$params" --format json \
    sync users --tenants "$work/tenants.txt" --concurrency "$concurrency" --into "$db" "$@" \
    >"$work/$name.out" 2>"$work/$name.err" &
}

# totals FILES...: synced tenants (neither busy nor failed), failed, added, changed, token requests.
totals() {
  python3 - "$@" <<'PY'
import json, sys
synced = failed = added = changed = tokens = 0
for path in sys.argv[1:]:
    for line in open(path):
        run = json.loads(line)
        synced += run["tenants"] - len(run["busy"]) - len(run["failed"])
        failed += len(run["failed"])
        added += run["added"]
        changed += run["changed"]
        tokens += run["token_requests"]
print(synced, failed, added, changed, tokens)
PY
}

printf 'workers\twall_ms\ttoken_requests\tusers_delta_requests\tsynced\tsynced_twice\tfailed\tadded\tchanged\trows\tload\n' >"$out/fleet.tsv"
for w in $workers_list; do
  log "$w worker(s) over $tenants_n tenants"
  db=$(fresh_pg --drop "fleet_$w")
  reset_stats
  load=$(load1)
  pids=()
  start=$(date +%s%N)
  for i in $(seq "$w"); do
    worker "w$w-$i" "$db" "fleet-$$-$w"
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || die "a worker failed: $(cat "$work"/w"$w"-*.err | tail -n 5)"; done
  end=$(date +%s%N)
  read -r synced failed added changed _ < <(totals "$work"/w"$w"-*.out)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" $(((end - start) / 1000000)) \
    "$(route_count token)" "$(route_count users-delta)" "$synced" $((synced - tenants_n)) "$failed" \
    "$added" "$changed" "$(sql "$db" 'SELECT count(*) FROM users')" "$load" | tee -a "$out/fleet.tsv" >&2
done

# --- a worker killed inside its tenants ---
log "two --watch workers, one killed mid-tenant"
db=$(fresh_pg --drop fleet_kill)
reset_stats
# Each worker's connections carry its name (pg_stat_activity.application_name).
worker k-1 "$db?application_name=k-1" "fleet-$$-kill" --watch 2s
victim=$!
worker k-2 "$db?application_name=k-2" "fleet-$$-kill" --watch 2s
survivor=$!
# Waits for the two workers only: a bare `wait` would wait for the emulator
# too, which is stopped after this (exit actions run last first).
stop_workers() {
  kill "$victim" "$survivor" 2>/dev/null || true
  wait "$victim" "$survivor" 2>/dev/null || true
}
on_exit stop_workers
# held_by NAME: the tenants whose advisory lock a connection of worker NAME holds
# and whose round is stored mid-way (the lock key as entrad-sync computes it).
held_by() {
  sql "$db" "SELECT s.tenant FROM sync_state s JOIN pg_locks l ON l.locktype = 'advisory'
    AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended('entrad-sync:' || s.tenant, 0)
    JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE a.application_name = '$1' AND NOT s.done ORDER BY s.tenant"
}
# Killed once a third of the tenants are done and it is inside a tenant.
until [ "$(sql "$db" "SELECT count(*) FROM sync_state WHERE done" 2>/dev/null || echo 0)" -ge $((tenants_n / 3)) ] \
  && [ -n "$(held_by k-1 2>/dev/null)" ]; do
  kill -0 "$victim" 2>/dev/null || die "the first worker exited: $(tail -n 5 "$work/k-1.err")"
  sleep 0.02
done
held_by k-1 >"$work/in-flight.txt" || true
kill -KILL "$victim"
killed=$(date +%s%N)
wait "$victim" 2>/dev/null || true
in_flight=$(wc -l <"$work/in-flight.txt")
# When PostgreSQL ended the dead worker's sessions, and with them its locks.
until [ "$(sql "$db" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'k-1'")" = 0 ]; do
  sleep 0.01
done
released=$(date +%s%N)
# When the survivor had finished the dead worker's tenants, then every tenant.
in_list=$(sed "s/.*/'&'/" "$work/in-flight.txt" | paste -sd, -)
until [ "$(sql "$db" "SELECT count(*) FROM sync_state WHERE done AND tenant IN ($in_list)")" = "$in_flight" ]; do
  kill -0 "$survivor" 2>/dev/null || die "the surviving worker exited: $(tail -n 5 "$work/k-2.err")"
  sleep 0.02
done
taken=$(date +%s%N)
until [ "$(sql "$db" "SELECT count(*) FROM sync_state WHERE done")" -ge "$tenants_n" ] \
  && [ "$(sql "$db" "SELECT count(*) FROM users")" -ge $((tenants_n * users)) ]; do
  kill -0 "$survivor" 2>/dev/null || die "the surviving worker exited: $(tail -n 5 "$work/k-2.err")"
  sleep 0.05
done
done_at=$(date +%s%N)
kill -TERM "$survivor"
wait "$survivor" 2>/dev/null || true
read -r _ kfailed _ kchanged _ < <(totals "$work/k-2.out")
rows=$(sql "$db" "SELECT count(*) FROM users")
per_tenant=$(sql "$db" "SELECT count(*) FROM (SELECT tenant FROM users GROUP BY tenant HAVING count(*) <> $users) t")
{
  echo "the killed worker was inside $in_flight tenant(s) (lock held, round stored mid-way)"
  echo "its sessions and locks ended $(((released - killed) / 1000000)) ms after the kill"
  echo "the survivor had finished those tenants $(((taken - killed) / 1000000)) ms after the kill, every tenant $(((done_at - killed) / 1000000)) ms after it"
  echo "rows: $rows (expected $((tenants_n * users))); tenants without exactly $users rows: $per_tenant"
  echo "survivor's runs: changed $kchanged (a page applied twice would count its users as changed), failed $kfailed"
  echo "token requests, both workers, whole scenario: $(route_count token) for $tenants_n tenants"
} | tee "$out/kill.txt" >&2
[ "$rows" = $((tenants_n * users)) ] && [ "$per_tenant" = 0 ] && [ "$kchanged" = 0 ] \
  || die "the killed worker's tenants were not finished exactly once"

{
  echo "| workers | wall | token requests (per tenant) | users/delta requests | tenants synced twice | rows | load |"
  echo "|---|---|---|---|---|---|---|"
  tail -n +2 "$out/fleet.tsv" | while IFS=$'\t' read -r w ms tok delta synced twice failed added changed rows load; do
    echo "| $w | $(python3 -c "print(f'{$ms / 1000:.1f} s')") | $tok ($(python3 -c "print(f'{$tok / $tenants_n:.2f}')")) | $delta | $twice | $rows | $load |"
  done
  echo
  sed 's/^/- /' "$out/kill.txt"
} >"$out/summary.md"
cat "$out/summary.md"
