#!/usr/bin/env bash
# Requests and time of a cold token (issue 23): what each scenario asks the
# token service (counted by the emulator per route), and the time of a
# "later cold run" (`entrad run parameters.json` with a file cache used
# before whose token has expired), for one or two builds side by side.
#
#   bench/discovery.sh [ENTRAD...]      (default: target/release/entrad)
#
# The timed runs also take the first build with its kept discovery thrown away
# before each run ("discovery forgotten"): the three requests of a cold run
# without the kept discovery, in the same binary.
#
# Environment: RUNS (hyperfine runs, default 30). Needs hyperfine and python3.
# The emulator is the first build's `entrad emulator`, on 127.0.0.1:0.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || set -- "$root/target/release/entrad"
runs=${RUNS:-30}

die() { printf 'discovery.sh: %s\n' "$*" >&2; exit 1; }
for entrad in "$@"; do [ -x "$entrad" ] || die "no $entrad"; done
command -v hyperfine >/dev/null || die "hyperfine missing: apt-get install -y hyperfine"

work=$(mktemp -d)
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

json_field() { python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' "$1" "$2"; }

state="$work/emulator"
mkdir -p "$state"
"$1" emulator --listen 127.0.0.1:0 --state-dir "$state" --in-memory --users 100 \
  >"$state/ready.json" 2>"$state/emulator.log" &
emulator_pid=$!
for _ in $(seq 1200); do
  grep -q '"ready":true' "$state/ready.json" 2>/dev/null && break
  kill -0 "$emulator_pid" 2>/dev/null || die "the emulator exited: $(cat "$state/emulator.log")"
  sleep 0.1
done
url=$(json_field "$state/ready.json" url)
ca=$(json_field "$state/ready.json" ca_file)
admin_token=$(json_field "$state/ready.json" admin_token)
params="$state/parameters.json"

admin() { curl -fsS --cacert "$ca" -H "Authorization: Bearer $admin_token" -X "$1" "$url/_emulator/$2"; }
# "instance discovery, metadata, token" since the last call.
counts() {
  admin GET stats | python3 -c 'import json,sys; r=json.load(sys.stdin)["requests"]; print(r["instance-discovery"], r["openid-configuration"], r["token"])'
  admin POST stats/reset >/dev/null
}
# What a later run finds when the token it cached has expired; with
# --forget-discovery also without the kept discovery (what every cold run was
# before the cache kept it).
cat >"$work/expire.py" <<'EOF'
import json, sys
path = sys.argv[1]
doc = json.load(open(path))
for entry in doc.get("AccessToken", {}).values():
    entry["expires_on"] = entry["extended_expires_on"] = "1000"
if "--forget-discovery" in sys.argv[2:]:
    doc.pop("EntradMetadata", None)
json.dump(doc, open(path, "w"))
EOF

printf '| build | scenario | instance discovery | metadata | token |\n|---|---|---|---|---|\n'
n=0
for entrad in "$@"; do
  n=$((n + 1))
  for flags in "" "--no-instance-discovery"; do
    cache="$work/cache-$n${flags:+-noid}.json"
    run() { "$entrad" --ca-file "$ca" --cache "file:$cache" $flags run "$params" >/dev/null; }
    admin POST stats/reset >/dev/null
    run; printf '| %s | first ever run %s | %s |\n' "$entrad" "$flags" "$(counts | tr ' ' '|' | sed 's/|/ | /g')"
    run; printf '| %s | warm run %s | %s |\n' "$entrad" "$flags" "$(counts | tr ' ' '|' | sed 's/|/ | /g')"
    python3 "$work/expire.py" "$cache"
    run; printf '| %s | later cold run %s | %s |\n' "$entrad" "$flags" "$(counts | tr ' ' '|' | sed 's/|/ | /g')"
  done
done

commands=()
n=0
for entrad in "$@"; do
  n=$((n + 1))
  cache="$work/cache-$n.json"
  commands+=(--prepare "python3 $work/expire.py $cache" -n "$entrad"
    "$entrad --ca-file $ca --cache file:$cache run $params")
done
# The first build again, its kept discovery thrown away before each run: the
# same binary making the three requests every cold run made before.
cache="$work/cache-forgetting.json"
"$1" --ca-file "$ca" --cache "file:$cache" run "$params" >/dev/null
commands+=(--prepare "python3 $work/expire.py $cache --forget-discovery" -n "$1 (discovery forgotten)"
  "$1 --ca-file $ca --cache file:$cache run $params")
echo
echo "later cold run, $runs runs each (load before: $(cut -d' ' -f1-3 /proc/loadavg)):"
hyperfine --warmup 3 --runs "$runs" --style basic --output null --export-json "$work/times.json" "${commands[@]}" >&2
python3 - "$work/times.json" <<'EOF'
import json, sys
print("| build | median | mean ± σ | min | max | runs |\n|---|---|---|---|---|---|")
for r in json.load(open(sys.argv[1]))["results"]:
    ms = lambda s: "%.1f ms" % (s * 1000)
    print("| %s | %s | %s ± %s | %s | %s | %d |" % (r["command"], ms(r["median"]), ms(r["mean"]),
          ms(r["stddev"]), ms(r["min"]), ms(r["max"]), len(r["times"])))
EOF
