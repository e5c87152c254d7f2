#!/usr/bin/env bash
# `entrad sync` next to the mirror a Python user would write
# (bench/sync_reference.py: MSAL Python + requests + sqlite3 over the same delta
# pages), against the emulator on loopback: the initial sync of N users (and
# N/10 groups with their members) into SQLite and PostgreSQL, wall time and peak
# RSS, then an incremental run after 100 changed users. Run
# `cargo build --release -p entrad` first.
#
#   bench/sync.sh [OUT_DIR]          (default: target/bench-results/sync)
#
# Environment: ENTRAD (default target/release/entrad), PYTHON (default
# .venv/bin/python), SIZES ("10000 100000"), RUNS (3, the median is reported),
# ENTRAD_TEST_POSTGRES_URL (a server to create databases on; without it one is
# started with scripts/services/postgres.sh, as scripts/test does, and its CPU
# time is counted too), PYTHON_REF (1; 0 skips the Python mirror), BASELINE
# (another entrad binary, e.g. a build of main: its users runs into SQLite and
# PostgreSQL, initial and incremental, are measured in turn with this one's,
# labelled base-...), USERS_ONLY (0; 1 measures the users runs only: no
# defaults, groups or reader).
# Every entrad run but the `-default` ones asks for pages of 999
# (`--page-size 999`, the default since issue 23); the `-default` ones give no
# option at all. Writes results.tsv (one line per run: label, users, run,
# wall ms, peak RSS KiB, load average, client CPU ms, server CPU ms, output)
# and summary.md to OUT_DIR.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
out=${1:-$root/target/bench-results/sync}
python=${PYTHON:-$root/.venv/bin/python}
sizes=${SIZES:-10000 100000}
runs=${RUNS:-3}
python_ref=${PYTHON_REF:-1}
baseline=${BASELINE:-}
users_only=${USERS_ONLY:-0}

require_entrad
"$python" -c 'import msal, requests' 2>/dev/null \
  || die "$python lacks msal + requests: python3 -m venv .venv && .venv/bin/pip install -r scripts/requirements-test.txt"
require_gnu_time

mkdir -p "$out"
work=$(mktemp -d)

use_postgres
# pg_cpu: CPU ms of our own server (every process, the ended backends too: the
# postmaster has reaped them), or 0 for a server shared with others.
pg_cpu() {
  local pid ticks=0 f
  [ -n "${pg_dir:-}" ] && [ -r "$pg_dir/data/postmaster.pid" ] || { echo 0; return; }
  pid=$(head -n 1 "$pg_dir/data/postmaster.pid")
  ticks=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat")
  for f in $(pgrep -P "$pid"); do
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$f/stat" 2>/dev/null || echo 0)))
  done
  echo $((ticks * 1000 / $(getconf CLK_TCK)))
}
# pg_settle: waits (up to 5 s) until our server has no client backend left
# (its title names the client, 127.0.0.1(port)): the last connection's backend
# has ended and been reaped, and its CPU time is the postmaster's, not the next
# measurement's.
pg_settle() {
  local pid
  [ -n "${pg_dir:-}" ] && [ -r "$pg_dir/data/postmaster.pid" ] || return 0
  pid=$(head -n 1 "$pg_dir/data/postmaster.pid")
  for _ in $(seq 500); do
    pgrep -P "$pid" -f '127\.0\.0\.1\(' >/dev/null || return 0
    sleep 0.01
  done
}
# change_users N: N users get a new displayName through the admin API.
change_users() {
  "$python" - "$url" "$admin_token" "$ca" "$1" "$work/e-sqlite-users-$n-1.db" <<'PY'
import os, sqlite3, sys, uuid, requests
url, token, ca, n, db = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
os.environ["REQUESTS_CA_BUNDLE"] = ca
ids = [r[0] for r in sqlite3.connect(db).execute(f"SELECT id FROM users ORDER BY random() LIMIT {n}")]
s = requests.Session(); s.verify = ca; s.headers["Authorization"] = "Bearer " + token
for i in ids:
    s.patch(f"{url}/_emulator/users/{i}", json={"displayName": "Changed " + uuid.uuid4().hex[:8]}, verify=ca).raise_for_status()
PY
}

# measure LABEL N RUN CMD...: runs CMD, records wall ms, peak RSS (KiB), the
# load average before it, its CPU ms and the database server's.
measure() {
  local label=$1 n=$2 run=$3
  shift 3
  local start end load server
  load=$(load1)
  pg_settle
  server=$(pg_cpu)
  start=$(date +%s%N)
  /usr/bin/time -f '%M %e %U %S' -o "$work/rss" "$@" >"$work/stdout" 2>"$work/stderr" \
    || die "$label failed: $(tail -n 5 "$work/stderr")"
  end=$(date +%s%N)
  pg_settle
  server=$(($(pg_cpu) - server))
  read -r rss _ user sys < <(tail -n 1 "$work/rss")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$n" "$run" $(((end - start) / 1000000)) \
    "$rss" "$load" "$(python3 -c "print(round(($user + $sys) * 1000))")" "$server" \
    "$(tail -n 1 "$work/stdout")" | tee -a "$out/results.tsv" >&2
}

# hold_reader DB: a reader holding a snapshot of DB (created in WAL mode, as
# entrad creates it) until its stdin closes; prints its pid once it holds it.
hold_reader() {
  python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA page_size = 16384")
db.execute("PRAGMA journal_mode = WAL")
db.execute("CREATE TABLE IF NOT EXISTS reader_marker (x)")
db.execute("BEGIN")
db.execute("SELECT count(*) FROM sqlite_master").fetchall()
print("holding", flush=True)
sys.stdin.read()
' "$1"
}

# turns RUN: whose users runs come first in run RUN: this binary's in odd
# runs, the baseline's in even ones (without a baseline: this binary's alone).
turns() {
  if [ -z "$baseline" ]; then
    echo entrad
  elif [ $(($1 % 2)) = 1 ]; then
    echo entrad base
  else
    echo base entrad
  fi
}
entrad_sync=("$entrad" --cache memory --format json)
base_sync=("$baseline" --cache memory --format json)
: >"$out/results.tsv"
for n in $sizes; do
  log "$n users ($((n / 10)) groups)"
  start_emulator "$work/emulator-$n" "$n" --in-memory
  export ENTRAD_CA_FILE="$ca"
  for run in $(seq "$runs"); do
    for who in $(turns "$run"); do
      if [ "$who" = entrad ]; then
        measure entrad-sqlite-users "$n" "$run" "${entrad_sync[@]}" --ca-file "$ca" --config "$params" \
          sync users --page-size 999 --into "sqlite:$work/e-sqlite-users-$n-$run.db"
        measure entrad-postgres-users "$n" "$run" "${entrad_sync[@]}" --ca-file "$ca" --config "$params" \
          sync users --page-size 999 --into "$(fresh_pg "bench_u_${n}_$run")"
      else
        measure base-sqlite-users "$n" "$run" "${base_sync[@]}" --ca-file "$ca" --config "$params" \
          sync users --page-size 999 --into "sqlite:$work/b-sqlite-users-$n-$run.db"
        measure base-postgres-users "$n" "$run" "${base_sync[@]}" --ca-file "$ca" --config "$params" \
          sync users --page-size 999 --into "$(fresh_pg "bench_bu_${n}_$run")"
      fi
    done
    [ "$users_only" = 1 ] && continue
    measure entrad-sqlite-users-default "$n" "$run" "${entrad_sync[@]}" --ca-file "$ca" --config "$params" \
      sync users --into "sqlite:$work/e-sqlite-default-$n-$run.db"
    measure entrad-postgres-users-default "$n" "$run" "${entrad_sync[@]}" --ca-file "$ca" --config "$params" \
      sync users --into "$(fresh_pg "bench_d_${n}_$run")"
    measure entrad-sqlite-all "$n" "$run" "${entrad_sync[@]}" --ca-file "$ca" --config "$params" \
      sync users groups --page-size 999 --into "sqlite:$work/e-sqlite-all-$n-$run.db"
    measure entrad-postgres-all "$n" "$run" "${entrad_sync[@]}" --ca-file "$ca" --config "$params" \
      sync users groups --page-size 999 --into "$(fresh_pg "bench_a_${n}_$run")"
    # A reader holds its snapshot for the whole sync: the log cannot start
    # over, and past its limit each page waits once for the reader (100 ms).
    exec {reader_in}> >(hold_reader "$work/e-sqlite-reader-$n-$run.db" >"$work/reader-ready")
    until grep -q holding "$work/reader-ready" 2>/dev/null; do sleep 0.05; done
    measure entrad-sqlite-users-reader "$n" "$run" "${entrad_sync[@]}" --ca-file "$ca" --config "$params" \
      sync users --page-size 999 --into "sqlite:$work/e-sqlite-reader-$n-$run.db"
    exec {reader_in}>&-
    rm -f "$work/reader-ready"
    if [ "$python_ref" = 1 ]; then
      measure python-sqlite-users "$n" "$run" "$python" "$root/bench/sync_reference.py" "$params" "$work/p-$n-$run.db"
    fi
  done
  # Incremental: 100 changed users, then each mirror catches up (the first run's mirrors).
  for run in $(seq "$runs"); do
    change_users 100
    for who in $(turns "$run"); do
      if [ "$who" = entrad ]; then
        measure entrad-sqlite-incremental "$n" "$run" "${entrad_sync[@]}" --ca-file "$ca" --config "$params" \
          sync users --page-size 999 --into "sqlite:$work/e-sqlite-users-$n-1.db"
        measure entrad-postgres-incremental "$n" "$run" "${entrad_sync[@]}" --ca-file "$ca" --config "$params" \
          sync users --page-size 999 --into "${pg_server%/*}/bench_u_${n}_1"
      else
        measure base-sqlite-incremental "$n" "$run" "${base_sync[@]}" --ca-file "$ca" --config "$params" \
          sync users --page-size 999 --into "sqlite:$work/b-sqlite-users-$n-1.db"
        measure base-postgres-incremental "$n" "$run" "${base_sync[@]}" --ca-file "$ca" --config "$params" \
          sync users --page-size 999 --into "${pg_server%/*}/bench_bu_${n}_1"
      fi
    done
    if [ "$python_ref" = 1 ]; then
      measure python-sqlite-incremental "$n" "$run" "$python" "$root/bench/sync_reference.py" "$params" "$work/p-$n-1.db"
    fi
  done
  stop_emulator
done

# Medians per label and size.
python3 - "$out/results.tsv" >"$out/summary.md" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    label, n, run, ms, rss, load, cpu, server, _ = line.rstrip("\n").split("\t", 8)
    rows[(label, int(n))].append((int(ms), int(rss), float(load), int(cpu), int(server)))
print("| what | users | wall (median) | users/s | client CPU (median) | server CPU (median) | peak RSS (max) | load average (median) | runs |")
print("|---|---|---|---|---|---|---|---|---|")
for (label, n), values in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    ms = statistics.median(v[0] for v in values)
    rss = max(v[1] for v in values) / 1024
    load = statistics.median(v[2] for v in values)
    cpu = statistics.median(v[3] for v in values)
    server = statistics.median(v[4] for v in values)
    server = f"{server:.0f} ms" if "postgres" in label and server else ""
    rate = "" if "incremental" in label else f"{n / (ms / 1000):,.0f}"
    print(f"| {label} | {n:,} | {ms:.0f} ms | {rate} | {cpu:.0f} ms | {server} | {rss:.1f} MiB | {load:.1f} | {len(values)} |")
PY
cat "$out/summary.md"
