# Sourced by the bench/*.sh scripts: what they all set up the same way.
#
#   . "$(dirname "$0")/lib.sh"
#
# Sets $root (the repository) and $entrad (ENTRAD, default target/release/entrad),
# and runs the exit actions (on_exit, last registered first) then removes $work
# when the script exits. log/die print to stderr, die naming the script.
# shellcheck shell=bash

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
entrad=${ENTRAD:-$root/target/release/entrad}

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# on_exit FUNCTION: FUNCTION runs when the script exits (scripts/services/*.sh
# register their servers' stop this way too); then $work, if set, is removed.
exit_actions=()
on_exit() { exit_actions+=("$1"); }
cleanup() {
  local i
  for ((i = ${#exit_actions[@]} - 1; i >= 0; i--)); do "${exit_actions[i]}" || true; done
  if [ -n "${work:-}" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

require_entrad() { [ -x "$entrad" ] || die "no $entrad: run cargo build --release -p entrad first"; }
build_entrad() {
  if [ ! -x "$entrad" ]; then
    log "building $entrad (release)"
    (cd "$root" && cargo build --release -p entrad --bin entrad)
  fi
}
require_gnu_time() { [ -x /usr/bin/time ] || die "GNU time missing: apt-get install -y time"; }

# loadavg: the load averages over 1, 5 and 15 minutes; load1: the first alone.
loadavg() { cut -d ' ' -f 1-3 /proc/loadavg; }
load1() { cut -d ' ' -f 1 /proc/loadavg; }
# machine_lines: the first lines of machine.txt (date, CPU model, cores).
machine_lines() {
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "cores: $(nproc)"
}

# json_field FILE KEY: KEY of the JSON object on FILE's first line.
json_field() { python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' "$1" "$2"; }

# wait_ready OUT PID WHAT [LOG [SECONDS]]: waits (up to SECONDS, 120 by default)
# until PID has written its ready line ({"ready":true,...}) to OUT; dies if PID
# exits first (with LOG's text) or does not get ready.
wait_ready() {
  local out=$1 pid=$2 what=$3 log_file=${4:-} seconds=${5:-120}
  for _ in $(seq $((seconds * 10))); do
    grep -q '"ready":true' "$out" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || die "$what exited${log_file:+: $(cat "$log_file")}"
    sleep 0.1
  done
  grep -q '"ready":true' "$out" || die "$what did not get ready"
}

# find_emulator: sets $emulator to `entrad emulator` when the CLI has it, else the
# emulator's own binary.
find_emulator() {
  if "$entrad" emulator --help >/dev/null 2>&1; then
    emulator=("$entrad" emulator)
  elif [ -x "$root/target/release/entrad-emulator" ]; then
    emulator=("$root/target/release/entrad-emulator")
  else
    die "neither '$entrad emulator' nor target/release/entrad-emulator is available"
  fi
}

# start_emulator DIR USERS [ARGS...]: the emulator ($emulator, default `$entrad
# emulator`) on loopback serving USERS users, its state, ready line (ready.json)
# and log in DIR, ARGS added (--in-memory, --tenants N). Waits for it (up to
# $emulator_wait seconds, 120 by default) and sets $emulator_pid, $state, $url,
# $ca, $admin_token and $params. stop_emulator stops it (at exit too).
emulator=()
emulator_pid=""
emulator_wait=120
stop_emulator() {
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
    emulator_pid=""
  fi
}
start_emulator() {
  local cmd=("$entrad" emulator) users=$2
  [ ${#emulator[@]} -eq 0 ] || cmd=("${emulator[@]}")
  state=$1
  shift 2
  [ -n "${emulator_on_exit:-}" ] || { on_exit stop_emulator; emulator_on_exit=1; }
  mkdir -p "$state"
  "${cmd[@]}" --listen 127.0.0.1:0 --state-dir "$state" --users "$users" "$@" \
    >"$state/ready.json" 2>"$state/emulator.log" &
  emulator_pid=$!
  wait_ready "$state/ready.json" "$emulator_pid" "the emulator" "$state/emulator.log" "$emulator_wait"
  url=$(json_field "$state/ready.json" url)
  ca=$(json_field "$state/ready.json" ca_file)
  admin_token=$(json_field "$state/ready.json" admin_token)
  params="$state/parameters.json"
}

# admin CURL_ARGS...: curl with the emulator's CA and admin token (its /_emulator API).
admin() { curl -fsS --cacert "$ca" -H "Authorization: Bearer $admin_token" "$@"; }
# reset_stats: the emulator's request counters back to zero.
reset_stats() { admin -X POST "$url/_emulator/stats/reset" >/dev/null; }

# top999 PARAMS OUT: a copy of PARAMS whose endpoint asks for pages of 999.
top999() {
  python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); p["endpoint"]+="?$top=999"; json.dump(p,open(sys.argv[2],"w"))' \
    "$1" "$2"
}

# start_serve HEADER_FILE [ARGS...]: `entrad serve ARGS` (memory cache, audit lines
# to /dev/null) in front of the emulator start_emulator started, its secret in
# HEADER_FILE, its ready line in $work/serve.out. Once it is ready, sets
# $serve_pid, $url (the broker's) and $header, and asks it for a first token:
# that request fills the cache, every one after it is a hit. Stopped at exit.
serve_pid=""
stop_serve() { [ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null || true; }
start_serve() {
  local header_file=$1
  shift
  "$entrad" -q --config "$params" --ca-file "$ca" \
    --no-instance-discovery --cache memory \
    serve "$@" --identity-header-file "$header_file" >"$work/serve.out" 2>/dev/null &
  serve_pid=$!
  on_exit stop_serve
  wait_ready "$work/serve.out" "$serve_pid" "the broker"
  url=$(json_field "$work/serve.out" url)
  header=$(cat "$header_file")
  curl -fsS -o /dev/null -H "X-IDENTITY-HEADER: $header" \
    "$url/msi/token?api-version=2019-08-01&resource=https://graph.microsoft.com" \
    || die "the broker refused the first request"
}

# use_postgres: a PostgreSQL server in $pg_server: ENTRAD_TEST_POSTGRES_URL, or
# one started with scripts/services/postgres.sh (as scripts/test does; stopped at
# exit, its directory in $pg_dir). Sets $psql_bin.
use_postgres() {
  # shellcheck disable=SC2317 # apt_install and free_port: called by postgres.sh
  if [ -z "${ENTRAD_TEST_POSTGRES_URL:-}" ]; then
    apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
    free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
    # shellcheck source=/dev/null
    source "$root/scripts/services/postgres.sh"
  fi
  pg_server=$ENTRAD_TEST_POSTGRES_URL
  psql_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql
}
# fresh_pg [--drop] NAME: a new database NAME on the server (--drop: dropping
# one of that name first), and its URL.
fresh_pg() {
  local drop=()
  if [ "$1" = --drop ]; then
    shift
    drop=(-c "DROP DATABASE IF EXISTS $1")
  fi
  "$psql_bin" -q "$pg_server" "${drop[@]}" -c "CREATE DATABASE $1" >/dev/null
  echo "${pg_server%/*}/$1"
}
