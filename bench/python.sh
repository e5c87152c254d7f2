#!/usr/bin/env bash
# entrad for Python (crates/entrad-py) side by side with MSAL Python, azure-identity
# and the quickstart's requests loop, in one run, against the emulator on loopback:
# cache hits, a new process's first token, and listing every user (bench/python.py).
#
#   bench/python.sh [OUT_DIR]          (default: target/bench-results/python)
#
# Needs the release emulator (`cargo build --release -p entrad`) and a venv with
# scripts/requirements-test.txt and the package built in release:
#   python3 -m venv .venv && .venv/bin/pip install -r scripts/requirements-test.txt
#   .venv/bin/pip install ./crates/entrad-py          (maturin's default: release)
# Environment: ENTRAD (default target/release/entrad), PYTHON (default .venv/bin/python),
# PROCESS_RUNS (30), LIST_RUNS (5), LIST_SIZES ("10000 100000"), ALLOW_DEBUG (1 accepts
# a debug build of the package: its figures mean nothing).
# Writes hits.json, process.json, list-USERS.json, machine.txt and summary.md to OUT_DIR.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
out=${1:-$root/target/bench-results/python}
python=${PYTHON:-$root/.venv/bin/python}
process_runs=${PROCESS_RUNS:-30}
list_runs=${LIST_RUNS:-5}
list_sizes=${LIST_SIZES:-10000 100000}

require_entrad
"$python" -c 'import entrad, msal, requests, azure.identity' 2>/dev/null \
  || die "$python lacks entrad, msal, requests or azure-identity (see the header of $0)"
build=$("$python" -c 'import entrad; print(entrad._entrad.__build__)')
[ "$build" = release ] || [ "${ALLOW_DEBUG:-0}" = 1 ] \
  || die "the entrad package in $python is a $build build: pip install ./crates/entrad-py (release)"

mkdir -p "$out"
work=$(mktemp -d)

{
  machine_lines
  echo "load average before: $(loadavg)"
  echo "kernel: $(uname -r)"
  echo "entrad: $("$entrad" --version) (emulator)"
  echo "python: $("$python" -c 'import sys; print(sys.version.split()[0])')"
  "$python" -c 'import importlib.metadata as m
for p in ("entrad", "msal", "azure-identity", "azure-core", "requests"):
    print("{}: {}".format(p, m.version(p)))'
  echo "entrad package build: $build"
} >"$out/machine.txt"
cat "$out/machine.txt" >&2

log "cache hits and a new process's first token (100 users)"
start_emulator "$work/emulator-100" 100 --in-memory
"$python" "$root/bench/python.py" hits "$params" "$ca" | tee "$out/hits.json"
"$python" "$root/bench/python.py" process "$params" "$ca" "$process_runs" | tee "$out/process.json"
stop_emulator

for users in $list_sizes; do
  log "listing $users users (\$top=999)"
  start_emulator "$work/emulator-$users" "$users" --in-memory
  "$python" "$root/bench/python.py" list "$params" "$ca" "$users" "$list_runs" | tee "$out/list-$users.json"
  stop_emulator
done

echo "load average after: $(loadavg)" >>"$out/machine.txt"
"$python" "$root/bench/python.py" summary "$out" | tee "$out/summary.md"
